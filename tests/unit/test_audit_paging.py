"""The audit log read a page at a time (store.audit_frame's filters, order and limit; and
store.audit_summary's counts): the same rows, in the same order, as filtering the whole trail
in polars, on SQLite and on PostgreSQL (when TEST_DATABASE_URL is set)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports import audit
from seed_data.demo import seed_demo
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("reader")


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, Path(tmp_path_factory.mktemp("audit_paging")))
    engine = db.get_engine(url)
    seed_demo(engine, store.cli_actor("tester"))
    yield engine
    db.dispose_all()


def owners_of(engine: Engine, frame: pl.DataFrame) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        return store.target_owners(conn, audit.choices(frame, "area_code"))


@pytest.mark.parametrize(("area", "size"), [(None, 2_000), ("D03", 100)])
def test_pages_newest_first_make_the_whole_trail(demo: Engine, area: str | None, size: int) -> None:
    whole = store.audit_frame(demo, ADMIN, area)
    assert whole.height > 2 * size  # three pages or more
    newest_first = audit.oldest_first(whole).reverse()  # as the page shows it
    pages = []
    offset = 0
    while True:
        page = store.audit_frame(demo, ADMIN, area, newest_first=True, limit=size, offset=offset)
        if page.is_empty():
            break
        assert page.height <= size
        pages.append(page)
        offset += size
    assert len(pages) == -(-whole.height // size)
    assert pl.concat(pages).equals(newest_first)
    # a page reversed is in the trail's own order, so the page's table is the whole one's slice
    assert audit.display_table(pages[1].reverse()).equals(
        audit.display_table(whole).slice(size, size)
    )


def test_filters_in_sql_equal_filters_over_the_whole_trail(demo: Engine) -> None:
    whole = store.audit_frame(demo, ADMIN)
    owners = owners_of(demo, whole)
    owned = audit.with_partnership(whole, owners)
    users = audit.choices(owned, "user")
    partnerships = audit.choices(owned, "partnership")
    assert len(users) > 1 and len(partnerships) > 5
    days = owned["at"].dt.date().unique().sort()
    middle = days[days.len() // 2]
    cases = [
        {"user": users[0]},
        {"user": users[-1], "until": middle},
        {"partnership": partnerships[0]},
        {"partnership": partnerships[-1], "since": middle},
        {"since": middle, "until": days[-1]},
        {"since": days[-1], "until": days[0]},  # a range the wrong way round: nothing
    ]
    for filters in cases:
        expected = audit.filter_audit(owned, **filters).drop("partnership")  # type: ignore[arg-type]
        since = filters.pop("since", None)
        partnership = filters.get("partnership")
        pairs = [p for p, o in owners.items() if o == partnership]
        got = store.audit_frame(demo, ADMIN, None, since, owned=pairs, **filters)  # type: ignore[arg-type]
        assert got.equals(expected), filters
        if partnership:
            assert got.height > 0


def test_summary_counts_what_the_filters_leave(demo: Engine) -> None:
    whole = store.audit_frame(demo, ADMIN, "D05")
    owners = owners_of(demo, whole)
    owned = audit.with_partnership(whole, owners)
    summary = audit.with_partnership_counts(store.audit_summary(demo, ADMIN, "D05"), owners)
    assert audit.count_changes(summary) == whole.height
    assert audit.choices(summary, "user") == audit.choices(owned, "user")
    assert audit.choices(summary, "partnership") == audit.choices(owned, "partnership")
    for user in audit.choices(owned, "user"):
        for partnership in [None, *audit.choices(owned, "partnership")]:
            expected = audit.filter_audit(owned, user=user, partnership=partnership).height
            assert audit.count_changes(summary, user=user, partnership=partnership) == expected
    until = owned["at"].dt.date().median()
    assert isinstance(until, date)
    counted = audit.with_partnership_counts(
        store.audit_summary(demo, ADMIN, "D05", until=until), owners
    )
    assert audit.count_changes(counted) == audit.filter_audit(owned, until=until).height > 0


def test_summary_is_refused_as_the_trail_is(demo: Engine) -> None:
    officer = Actor("officer-d05", (Grant("officer", area_code="D05"),))
    assert audit.count_changes(store.audit_summary(demo, officer, "D05")) > 0
    for area in (None, "D06"):
        with pytest.raises(AccessDenied):
            store.audit_summary(demo, officer, area)
    with pytest.raises(AccessDenied):
        store.audit_summary(demo, Actor("viewer", (Grant("viewer", area_code="D05"),)), "D05")
