"""Arrow reads (dashboard.store.frames): a fast read equals the previous read on the demo, row
for row and dtype for dtype, on SQLite and PostgreSQL; the current revision chosen in SQL is
the one the previous polars pass chose; what the Arrow path cannot serve reads rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
    text,
)

from dashboard import accounts, analysis, db, store
from dashboard.access import Actor
from dashboard.store import frames
from data_models import ActualRevision, Area, Setting
from seed_data.demo import DEMO_TODAY
from tests.conftest import _BACKENDS, demo_engine


@dataclass
class Demo:
    engine: Engine
    admin: Actor
    department: Actor
    go: Actor
    areas: list[str]


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    engine, admin = demo_engine(request.param, tmp_path_factory.mktemp("arrow"))
    department = accounts.actor_for(engine, "department")
    go = accounts.actor_for(engine, "go")
    assert department is not None and go is not None
    areas = store.list_areas(engine, admin)["area_code"].to_list()
    yield Demo(engine, admin, department, go, areas)
    db.dispose_all()


def rows_and_arrow(
    engine: Engine, query: Any, schema: Any = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The same select read both ways; the Arrow path must serve it."""
    dtypes = frames._dtypes(query, schema)
    assert all(d is not None for d in dtypes.values()), f"untyped column in {dtypes}"
    source = frames._arrow_source(engine)
    assert source is not None
    arrow = frames._read_arrow(engine, source, query, dtypes)
    assert arrow is not None, f"the Arrow path did not serve:\n{query}"
    return frames._read_rows(engine, query, dtypes), arrow


@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """Every store read from here on is read both ways (the rows answer the caller)."""
    pairs: list[tuple[pl.DataFrame, pl.DataFrame]] = []

    def both(engine: Engine, query: Any, schema: Any = None) -> pl.DataFrame:
        pairs.append(rows_and_arrow(engine, query, schema))
        return pairs[-1][0]

    monkeypatch.setattr(frames, "read_frame", both)
    return pairs


def assert_same(pairs: list[tuple[pl.DataFrame, pl.DataFrame]]) -> None:
    assert pairs
    for rows, arrow in pairs:
        assert arrow.schema == rows.schema
        assert arrow.equals(rows), f"{arrow}\n!=\n{rows}"


KNOWN_AT = datetime(2007, 9, 30, 23, 59, tzinfo=UTC)


def proposed_change(demo: Demo) -> str:
    """An area with a change proposed to one of its ordinary targets (the demo has none)."""
    area = demo.areas[0]
    targets = store.load_scope(demo.engine, demo.admin, [area]).targets
    ordinary = targets.filter(~pl.col("is_reward")).row(0, named=True)
    store.propose_target_change(
        demo.engine,
        demo.admin,
        area,
        ordinary["indicator_code"],
        target_value=ordinary["target_value"] + 1,
        reason="refresh",
    )
    return area


READS: dict[str, Callable[[Demo], Any]] = {
    "load_scope of every area": lambda d: [
        store.load_scope(d.engine, d.admin, [a]) for a in d.areas
    ],
    "load_scope of all areas at once": lambda d: store.load_scope(d.engine, d.admin, d.areas),
    "load_scope known at": lambda d: store.load_scope(
        d.engine, d.admin, d.areas[:3], known_at=KNOWN_AT
    ),
    "load_scope of a department": lambda d: store.load_scope(d.engine, d.department, d.areas),
    "load_scope of some indicators": lambda d: store.load_scope(
        d.engine,
        d.admin,
        d.areas[:2],
        indicators=store.load_scope(d.engine, d.admin, d.areas[:1])
        .targets["indicator_code"]
        .head(3)
        .to_list(),
    ),
    "current_actuals": lambda d: store.current_actuals(d.engine, d.admin, d.areas),
    "current_actuals known at": lambda d: store.current_actuals(
        d.engine, d.admin, d.areas, known_at=KNOWN_AT
    ),
    "actual_revisions": lambda d: [
        store.actual_revisions(d.engine, d.admin, d.areas[0], code)
        for code in store.load_scope(d.engine, d.admin, [d.areas[0]])
        .targets["indicator_code"]
        .head(5)
    ],
    "load_commentary": lambda d: store.load_commentary(d.engine, d.admin, d.areas),
    "list_areas": lambda d: (store.list_areas(d.engine, d.admin), store.list_areas(d.engine, d.go)),
    "load_indicators": lambda d: store.load_indicators(d.engine, d.admin),
    "audit_frame": lambda d: (
        store.audit_frame(d.engine, d.admin),
        store.audit_frame(d.engine, d.admin, d.areas[0]),
    ),
    "reporting_lines": lambda d: store.reporting_lines(d.engine),
    "reported_indicators": lambda d: store.reported_indicators(d.engine, d.admin, d.areas),
    "department_indicators": lambda d: store.department_indicators(d.engine),
    "departments": lambda d: store.departments(d.engine),
    "department_successors": lambda d: store.department_successors(d.engine),
    "pending_target_changes": lambda d: store.pending_target_changes(
        d.engine, d.admin, proposed_change(d)
    ),
    "assess_areas": lambda d: analysis.assess_areas(d.engine, d.admin, d.areas[:2], DEMO_TODAY),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_a_fast_read_equals_the_row_read(
    demo: Demo, read: str, compared: list[tuple[pl.DataFrame, pl.DataFrame]]
) -> None:
    """Every frame the store reads on the demo is the same through Arrow as through rows:
    the same rows in the same order, the same dtypes (dates, UTC datetimes, money as Float64,
    booleans from SQLite's 0/1, counts), empty frames included."""
    READS[read](demo)
    assert_same(compared)
    assert any(rows.height > 0 for rows, _ in compared)


def test_the_app_reads_through_arrow(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A scope's reads are all served by the Arrow path (none falls back to rows)."""
    fallbacks: list[Any] = []
    rows = frames._read_rows

    def recording(engine: Engine, query: Any, dtypes: Any) -> pl.DataFrame:
        fallbacks.append(query)
        return rows(engine, query, dtypes)

    monkeypatch.setattr(frames, "_read_rows", recording)
    scope = store.load_scope(demo.engine, demo.admin, demo.areas)
    assert scope.actuals.height > 0
    assert fallbacks == []


def previous_current_actuals(
    engine: Engine, areas: list[str], known_at: datetime | None
) -> pl.DataFrame:
    """The selection as it was made before: every revision read, the latest kept in polars."""
    query = select(
        ActualRevision.area_code,
        ActualRevision.indicator_code,
        ActualRevision.period,
        ActualRevision.revision,
        ActualRevision.value,
        ActualRevision.status,
        ActualRevision.data_quality,
        ActualRevision.recorded_at,
        ActualRevision.recorded_by,
    ).where(ActualRevision.area_code.in_(areas))
    if known_at is not None:
        query = query.where(ActualRevision.recorded_at <= known_at)
    schema = {"period": pl.Date, "revision": pl.Int64, "value": pl.Float64,
              "data_quality": pl.Utf8, "recorded_at": pl.Datetime("us", "UTC")}  # fmt: skip
    revisions = frames._read_rows(engine, query, frames._dtypes(query, schema))
    keys = ["area_code", "indicator_code", "period"]
    final = pl.col("status") == "final"
    return (
        revisions.sort([*keys, "revision"])
        .with_columns(
            pl.len().over(keys).alias("revision_count"),
            (final.cum_sum().over(keys) - final.cast(pl.UInt32) > 0).alias("has_earlier_final"),
        )
        .group_by(keys, maintain_order=True)
        .last()
    )


@pytest.mark.parametrize("known_at", [None, KNOWN_AT, datetime(2006, 1, 1, tzinfo=UTC)])
def test_the_current_revision_chosen_in_sql_is_the_latest_known(
    demo: Demo, known_at: datetime | None
) -> None:
    """The max-join picks, per area, indicator and period, the highest revision recorded up to
    `known_at`, with how many were known and whether an earlier one was final — exactly the
    previous pass over every revision."""
    expected = previous_current_actuals(demo.engine, demo.areas, known_at)
    got = store.current_actuals(demo.engine, demo.admin, demo.areas, known_at=known_at)
    assert expected.height > 0
    assert got.schema == expected.schema
    assert got.equals(expected)
    # The demo has corrections, and finals revised: both columns are exercised.
    assert got["revision_count"].max() > 1  # type: ignore[operator]
    if known_at is None:
        assert got["has_earlier_final"].any()


def test_a_scope_reads_only_values_its_targets_can_show(
    demo: Demo, compared: list[tuple[pl.DataFrame, pl.DataFrame]]
) -> None:
    """The values a scope reads are narrowed in SQL to the indicators its areas have targets
    on; the scope's actuals are the same as joining every current value to the targets."""
    area = demo.areas[0]
    targeted = set(store.load_scope(demo.engine, demo.admin, [area]).targets["indicator_code"])
    untargeted = sorted(
        set(store.load_indicators(demo.engine, demo.admin)["indicator_code"]) - targeted
    )[0]
    with db.write_transaction(demo.engine) as conn:  # a value no target of the area shows
        conn.execute(
            insert(ActualRevision).values(
                area_code=area, indicator_code=untargeted, period=date(2007, 3, 31), revision=1,
                value=1.0, status="final", recorded_at=datetime(2007, 6, 1, tzinfo=UTC),
                recorded_by="tester",
            )
        )  # fmt: skip
    compared.clear()
    scope = store.load_scope(demo.engine, demo.admin, [area])
    values = [rows for rows, _ in compared if "revision_count" in rows.columns]
    assert len(values) == 1  # one query for the values of the scope
    assert set(values[0]["indicator_code"]) <= targeted
    every = store.current_actuals(demo.engine, demo.admin, [area])
    assert set(every["indicator_code"]) - targeted  # the area has values beyond its targets
    joined = every.join(
        scope.targets.select("target_id", "area_code", "indicator_code"),
        on=["area_code", "indicator_code"],
        maintain_order="left",
    ).select(scope.actuals.columns)
    assert scope.actuals.equals(joined)


def test_in_lists_of_dates_and_times_are_bound(demo: Demo) -> None:
    """Expanded IN-lists of dates and UTC datetimes are bound as the database stores them (on
    SQLite: SQLAlchemy's text forms), so the Arrow read finds the same rows."""
    sample = store.current_actuals(demo.engine, demo.admin, demo.areas[:1]).head(4)
    query = select(ActualRevision.id, ActualRevision.period, ActualRevision.recorded_at).where(
        ActualRevision.area_code == demo.areas[0],
        ActualRevision.period.in_(sample["period"].to_list()),
        ActualRevision.recorded_at.in_(sample["recorded_at"].to_list()),
    )
    rows, arrow = rows_and_arrow(demo.engine, query.order_by(ActualRevision.id))
    assert rows.height >= sample.height > 0
    assert arrow.equals(rows)


def test_single_dates_and_times_are_bound_as_stored(demo: Demo) -> None:
    """A date or datetime bound alone (not in an IN-list) goes through SQLAlchemy's bind
    processing too: on SQLite an equality with a stored recorded time finds its row, and a
    known-at equal to a revision's time includes that revision."""
    newest = store.current_actuals(demo.engine, demo.admin, demo.areas[:1]).row(0, named=True)
    query = select(ActualRevision.id, ActualRevision.recorded_at).where(
        ActualRevision.period == newest["period"],
        ActualRevision.recorded_at == newest["recorded_at"],
    )
    rows, arrow = rows_and_arrow(demo.engine, query.order_by(ActualRevision.id))
    assert rows.height > 0
    assert arrow.equals(rows)
    known = store.current_actuals(
        demo.engine, demo.admin, demo.areas[:1], known_at=newest["recorded_at"]
    ).filter(
        (pl.col("indicator_code") == newest["indicator_code"])
        & (pl.col("period") == newest["period"])
    )
    assert known["revision"].to_list() == [newest["revision"]]


def test_one_query_shape_is_compiled_once_and_bound_afresh(demo: Demo) -> None:
    """The compiled SQL is kept per query shape: the same select over other areas, other
    IN-list lengths and other dates is compiled once and still reads its own rows."""
    source = frames._arrow_source(demo.engine)
    assert source is not None

    def values_of(areas: list[str], since: date) -> Any:
        return (
            select(ActualRevision.area_code, ActualRevision.period, ActualRevision.value)
            .where(ActualRevision.area_code.in_(areas), ActualRevision.period >= since)
            .order_by(ActualRevision.id)
        )

    shapes = len(source.compiled)
    cases = [(demo.areas[:1], date(2005, 1, 1)), (demo.areas[1:4], date(2007, 6, 30))]
    for areas, since in cases:
        rows, arrow = rows_and_arrow(demo.engine, values_of(areas, since))
        assert rows.height > 0 and arrow.equals(rows)
        assert set(arrow["area_code"]) == set(areas)
        assert arrow["period"].min() >= since
    assert len(source.compiled) == shapes + 1


def test_empty_results_keep_the_declared_schema(demo: Demo) -> None:
    scope = store.load_scope(demo.engine, demo.admin, [])
    assert scope.targets.height == scope.actuals.height == 0
    full = store.load_scope(demo.engine, demo.admin, demo.areas[:1])
    assert scope.targets.schema == full.targets.schema
    assert scope.actuals.schema == full.actuals.schema
    assert scope.agreements.schema == full.agreements.schema


def test_a_read_beside_an_open_write_transaction_sees_the_last_commit(demo: Demo) -> None:
    """Reads are autocommit snapshots: while a write transaction holds the database (SQLite:
    BEGIN IMMEDIATE, in WAL mode) a read through the pool neither waits nor sees its rows."""
    key = "arrow-read-probe"
    query = select(Setting.key).where(Setting.key == key)
    with db.write_transaction(demo.engine) as conn:
        conn.execute(insert(Setting).values(key=key, value="1"))
        started = datetime.now(UTC)
        assert frames.read_frame(demo.engine, query).height == 0
        assert (datetime.now(UTC) - started).total_seconds() < 5  # not the busy timeout
        conn.rollback()


def test_connections_are_pooled_per_engine_and_closed_on_dispose(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    store.upgrade(url)
    engine = db.get_engine(url)
    query = select(Area.code)
    for _ in range(3):
        frames.read_frame(engine, query)
    pool = frames._POOLS[engine]
    assert len(pool.idle) == 1  # one connection, reused
    threads = [threading.Thread(target=frames.read_frame, args=(engine, query)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= len(pool.idle) <= frames._MAX_IDLE
    db.dispose_all()
    assert pool.idle == []


def test_a_replaced_sqlite_file_is_read_afresh(tmp_path: Path) -> None:
    """A pooled connection belongs to the file it opened: once the file is replaced at the
    same path, the next read opens the new one instead of reading the old."""
    path = tmp_path / "replaced.db"
    engine = create_engine(f"sqlite:///{path}")
    table = Table("t", MetaData(), Column("code", String))
    for code in ("old", "new"):
        path.unlink(missing_ok=True)
        with engine.begin() as conn:
            table.create(conn)
            conn.execute(insert(table).values(code=code))
        engine.dispose()  # the engine's own connections; the Arrow pool is checked by inode
        assert frames.read_frame(engine, select(table.c.code))["code"].to_list() == [code]


TYPED = Table(
    "typed",
    MetaData(),
    Column("id", Integer),
    Column("at", DateTime),
    Column("day", Date),
    Column("money", Numeric(16, 2)),
)


def test_what_arrow_cannot_serve_reads_rows(tmp_path: Path) -> None:
    """An in-memory SQLite has no file to open: rows. A datetime stored in a form other than
    SQLAlchemy's (here with a T and an offset) does not convert: rows, the same answer."""
    memory = create_engine("sqlite://")
    assert frames._arrow_source(memory) is None
    with memory.begin() as conn:
        TYPED.create(conn)
        conn.execute(insert(TYPED).values(id=1, day=date(2008, 3, 31)))
    frame = frames.read_frame(memory, select(TYPED.c.id, TYPED.c.day))
    assert frame.to_dicts() == [{"id": 1, "day": date(2008, 3, 31)}]

    engine = create_engine(f"sqlite:///{tmp_path / 'odd.db'}")
    with engine.begin() as conn:
        TYPED.create(conn)
        conn.execute(text("INSERT INTO typed VALUES (1, '2008-03-31T10:00:00+00:00', '2008-03-31', 12.5)"))  # fmt: skip
    query = select(TYPED.c.id, TYPED.c.at, TYPED.c.money)
    source = frames._arrow_source(engine)
    assert source is not None
    assert frames._read_arrow(engine, source, query, frames._dtypes(query, None)) is None
    frame = frames.read_frame(engine, query)
    assert frame.schema == pl.Schema(
        {"id": pl.Int64, "at": pl.Datetime("us", "UTC"), "money": pl.Float64}
    )
    assert frame.row(0) == (1, datetime(2008, 3, 31, 10, tzinfo=UTC), 12.5)
