"""Two people saving the same value: the second save is refused as a conflict naming the rows,
who saved them and when, and nothing of it is written; once reviewed, it goes through.
On SQLite and PostgreSQL (the `engine` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import accounts, entry, store
from dashboard.access import Grant
from dashboard.analysis import assess_areas
from data_models import ActualRevision
from tests.conftest import load_worked_example

AREA = "X01"
TODAY = date(2008, 11, 30)  # the worked example's business date


@pytest.fixture
def people(engine, admin):  # type: ignore[no-untyped-def]
    """The worked example with two officers of X01: Ann Jones (`ann`) and Sam Patel (`sam`)."""
    load_worked_example(engine, admin)
    for username, name in [("ann", "Ann Jones"), ("sam", "Sam Patel")]:
        accounts.add_user(engine, admin, username, name, "a-long-password-1")
        accounts.grant(engine, admin, username, Grant("officer", area_code=AREA))
    return accounts.actor_for(engine, "ann"), accounts.actor_for(engine, "sam")


def _typed(engine, actor, values: dict[int, str]):  # type: ignore[no-untyped-def]
    """The actor's grid as drawn, with `values` typed in the rows at those positions."""
    result = assess_areas(engine, actor, [AREA], TODAY)
    grid = entry.entry_grid(result, actor)
    typed = [values.get(i) for i in range(grid.height)]
    return result, grid, grid.with_columns(value=pl.Series(typed, dtype=pl.Utf8))


def _revisions(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ActualRevision)).scalar_one()


def _current(engine, admin, code: str, period: date) -> dict:  # type: ignore[no-untyped-def]
    history = store.actual_revisions(engine, admin, AREA, code).filter(pl.col("period") == period)
    return history.sort("revision", descending=True).row(0, named=True)


def test_a_row_saved_by_someone_else_refuses_the_whole_save_naming_each_row(
    engine, admin, people
) -> None:  # type: ignore[no-untyped-def]
    """Ann drew the grid; Sam then saved rows 1 and 3: Ann's save of rows 1, 2 and 3 writes
    nothing (row 2 neither: all or nothing) and names rows 1 and 3, Sam and the time."""
    ann, sam = people
    result, grid, ann_typed = _typed(engine, ann, {0: "61", 1: "62", 2: "63"})
    ann_check = entry.check_entries(engine, ann, result, ann_typed, TODAY)
    assert ann_check.ok, ann_check.errors

    sam_result, _, sam_typed = _typed(engine, sam, {0: "54", 2: "58"})
    entry.save_entries(engine, sam, entry.check_entries(engine, sam, sam_result, sam_typed, TODAY))
    before = _revisions(engine)

    with pytest.raises(entry.EntryConflict) as refused:
        entry.save_entries(engine, ann, ann_check)
    assert _revisions(engine) == before  # nothing of Ann's, not even the row Sam left alone
    first, third = (grid.row(i, named=True) for i in (0, 2))
    at = {
        i: _current(engine, admin, grid["indicator_code"][i], grid["period"][i])["recorded_at"]
        for i in (0, 2)
    }
    assert refused.value.lines == [
        f"Row 1 ({first['indicator_code']}, {first['period_label']}): Sam Patel saved 54 at "
        f"{at[0]:%H:%M} UTC after you opened this page — review and save again",
        f"Row 3 ({third['indicator_code']}, {third['period_label']}): Sam Patel saved 58 at "
        f"{at[2]:%H:%M} UTC after you opened this page — review and save again",
    ]
    assert refused.value.seen == {
        (first["indicator_code"], first["period"]): 1,
        (third["indicator_code"], third["period"]): 1,
    }
    assert isinstance(refused.value, store.ConcurrentChange)  # callers catching that still do


def test_after_review_the_save_with_the_revisions_now_seen_goes_through(
    engine, admin, people
) -> None:  # type: ignore[no-untyped-def]
    ann, sam = people
    result, grid, ann_typed = _typed(engine, ann, {0: "61", 1: "62"})
    sam_result, _, sam_typed = _typed(engine, sam, {0: "54"})
    entry.save_entries(engine, sam, entry.check_entries(engine, sam, sam_result, sam_typed, TODAY))
    with pytest.raises(entry.EntryConflict) as refused:
        entry.save_entries(engine, ann, entry.check_entries(engine, ann, result, ann_typed, TODAY))

    again = entry.check_entries(engine, ann, result, ann_typed, TODAY, refused.value.seen)
    summary = entry.save_entries(engine, ann, again)
    assert summary.inserted == 2
    code, period = grid["indicator_code"][0], grid["period"][0]
    latest = _current(engine, admin, code, period)
    assert (latest["revision"], latest["value"], latest["recorded_by"]) == (2, 61.0, "ann")
    history = store.actual_revisions(engine, admin, AREA, code).filter(pl.col("period") == period)
    assert history["value"].to_list() == [61.0, 54.0]  # Sam's value is kept in the history


def test_a_stale_seen_revision_is_refused_even_after_review_if_they_saved_again(
    engine, admin, people
) -> None:  # type: ignore[no-untyped-def]
    """The revision seen is the one shown in the conflict: a third save by Sam after that is a
    new conflict, not overwritten."""
    ann, sam = people
    result, grid, ann_typed = _typed(engine, ann, {0: "61"})
    code, period = grid["indicator_code"][0], grid["period"][0]
    seen = {(code, period): 1}  # Ann was shown Sam's first value
    for value, revision in [(54.0, 0), (55.0, 1)]:
        entry.correct_value(
            engine, sam, area_code=AREA, indicator_code=code, period=period, value=value,
            status="provisional", data_quality="checked", reason="recount",
            seen_revision=revision, today=TODAY,
        )  # fmt: skip
    with pytest.raises(entry.EntryConflict, match="Sam Patel saved 55 at"):
        entry.save_entries(
            engine, ann, entry.check_entries(engine, ann, result, ann_typed, TODAY, seen)
        )
    assert _current(engine, admin, code, period)["value"] == 55.0


def test_a_correction_over_a_newer_revision_names_who_saved_it(engine, admin, people) -> None:  # type: ignore[no-untyped-def]
    """Two people correct the same value from revision 1: the second is refused, naming the
    indicator and period, the first person and their value."""
    ann, sam = people
    row = _current(engine, admin, "NEET", date(2008, 3, 31))
    common = {"area_code": AREA, "indicator_code": "NEET", "period": date(2008, 3, 31),
              "status": "final", "data_quality": "checked", "today": TODAY,
              "period_label": "2007/08", "seen_revision": row["revision"]}  # fmt: skip
    entry.correct_value(engine, sam, value=7.5, reason="their recount", **common)
    with pytest.raises(entry.EntryConflict) as refused:
        entry.correct_value(engine, ann, value=7.25, reason="my recount", **common)
    (line,) = refused.value.lines
    assert line.startswith("NEET, 2007/08: Sam Patel saved 7.5 at ")
    assert line.endswith(" UTC after you opened this page — review and save again")
    assert refused.value.seen == {("NEET", date(2008, 3, 31)): row["revision"] + 1}
    assert _current(engine, admin, "NEET", date(2008, 3, 31))["value"] == 7.5


def test_a_conflict_on_another_day_says_the_day() -> None:
    conflict = entry.Conflict(
        place="Row 2 (NI 111, Q2 2008/09)", indicator_code="NI 111", period=date(2008, 9, 30),
        revision=1, value=42.0, by="Sam Patel", at=datetime(2008, 11, 28, 10, 14, tzinfo=UTC),
    )  # fmt: skip
    assert conflict.describe(date(2008, 11, 28)) == (
        "Row 2 (NI 111, Q2 2008/09): Sam Patel saved 42 at 10:14 UTC after you opened this "
        "page — review and save again"
    )
    assert conflict.describe(date(2008, 11, 30)).startswith(
        "Row 2 (NI 111, Q2 2008/09): Sam Patel saved 42 on 28 Nov 2008 at 10:14 UTC after"
    )
