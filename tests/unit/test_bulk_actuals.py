"""Set-based saves of actual values: a frame and the same rows as mappings write the same
revisions and audit rows; a large frame writes exactly (COPY on PostgreSQL, executemany on
SQLite); a refusal (access, lock, a stale revision, a clash) writes nothing and leaves the
caller's transaction usable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Connection, Engine, func, select

from dashboard import accounts, db, store
from dashboard.access import Actor, Grant
from dashboard.store import actuals
from data_models import ActualRevision, AuditEvent, Indicator
from tests.conftest import load_worked_example

AT = datetime(2008, 11, 20, 9, 30, tzinfo=UTC)
REVISION_COLUMNS = (
    ActualRevision.area_code, ActualRevision.indicator_code, ActualRevision.period,
    ActualRevision.revision, ActualRevision.value, ActualRevision.status,
    ActualRevision.data_quality, ActualRevision.recorded_at, ActualRevision.recorded_by,
    ActualRevision.source, ActualRevision.note,
)  # fmt: skip
AUDIT_COLUMNS = (
    AuditEvent.at, AuditEvent.user, AuditEvent.action, AuditEvent.area_code,
    AuditEvent.indicator_code, AuditEvent.period, AuditEvent.before, AuditEvent.after,
    AuditEvent.reason,
)  # fmt: skip


def _written(conn: Connection, after_audit: int = 0) -> tuple[list[Any], list[Any]]:
    """The revisions and audit rows in id order (audit rows after `after_audit`)."""
    revisions = conn.execute(select(*REVISION_COLUMNS).order_by(ActualRevision.id)).all()
    audit = conn.execute(
        select(*AUDIT_COLUMNS).where(AuditEvent.id > after_audit).order_by(AuditEvent.id)
    ).all()
    return [tuple(r) for r in revisions], [tuple(r) for r in audit]


def _counts(conn: Connection) -> tuple[int, int]:
    return (
        conn.execute(select(func.count()).select_from(ActualRevision)).scalar_one(),
        conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
    )


def _mixed_rows() -> list[dict[str, Any]]:
    """Every case of the row loop: a new value, a changed value, a status-only and a
    grade-only change, an unchanged row, two rows for one value (provisional, then final),
    a loader recording on behalf of a named person, notes as reasons and an empty note."""
    return [
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 3, 31),
         "value": 34.4, "status": "final", "data_quality": "checked"},  # unchanged
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2007, 3, 31),
         "value": 32.8, "status": "provisional"},  # status only
        {"area_code": "X01", "indicator_code": "BV128", "period": date(2006, 3, 31),
         "value": 13.1, "data_quality": "audited"},  # grade only
        {"area_code": "X01", "indicator_code": "NEET", "period": date(2008, 3, 31),
         "value": 7.1, "note": "recount, \"quoted\"\nover two lines", "recorded_by": "h.ward"},
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30),
         "value": 35.25, "status": "provisional", "note": "", "source": "estimate"},
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30),
         "value": 35.5, "status": "final", "note": "final figure",
         "recorded_at": datetime(2008, 11, 1, tzinfo=UTC)},
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30),
         "value": 35.5, "status": "final"},  # the same again: unchanged
        {"area_code": "X01", "indicator_code": "BV128", "period": date(2008, 6, 30),
         "value": 1e-05, "data_quality": "checked"},
    ]  # fmt: skip


def _save_and_read(engine: Engine, actor: Actor, rows: Any) -> tuple[Any, list[Any], list[Any]]:
    """Save `rows`, read what was written, then roll it all back."""
    with engine.connect() as conn:
        transaction = conn.begin()
        top = conn.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()
        with store.backdated(AT):
            summary = store.save_actuals(conn, actor, rows, default_reason="monthly return")
        revisions, audit = _written(conn, top)
        transaction.rollback()
    return summary, revisions, audit


@pytest.fixture(params=["one slice", "slices of two rows"])
def slices(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves in one slice, and in slices of two rows (a value's rows then fall in different
    slices: each slice must see what the slice before it wrote)."""
    if request.param != "one slice":
        monkeypatch.setattr(actuals, "ROWS_PER_SAVE", 2)


@pytest.mark.usefixtures("slices")
def test_a_frame_writes_what_the_same_rows_as_mappings_write(engine, admin) -> None:
    load_worked_example(engine, admin)
    rows = _mixed_rows()
    frame = pl.DataFrame(rows, schema=actuals.ACTUAL_ROW_SCHEMA)
    by_rows = _save_and_read(engine, admin, rows)
    by_frame = _save_and_read(engine, admin, frame.select("area_code", "indicator_code", "period",
                                                          "value", "status", "data_quality",
                                                          "note", "source", "recorded_at",
                                                          "recorded_by"))  # fmt: skip
    assert by_frame == by_rows
    summary, revisions, audit = by_rows
    assert (summary.inserted, summary.unchanged) == (6, 2)
    new = revisions[-6:]
    assert [(r[1], str(r[2]), r[3], r[4], r[5], r[6]) for r in new] == [
        ("BV82ab", "2007-03-31", 2, 32.8, "provisional", "audited"),
        ("BV128", "2006-03-31", 2, 13.1, "final", "audited"),
        ("NEET", "2008-03-31", 2, 7.1, "final", "checked"),
        ("BV82ab", "2008-06-30", 1, 35.25, "provisional", None),
        ("BV82ab", "2008-06-30", 2, 35.5, "final", None),
        ("BV128", "2008-06-30", 1, 1e-05, "final", "checked"),
    ]
    assert new[2][8] == "h.ward" and new[0][8] == admin.name
    assert new[3][10] == "" and new[3][9] == "estimate"  # an empty note stays empty
    assert new[2][10] == 'recount, "quoted"\nover two lines'
    assert [(a[1], a[2], a[4], a[6], a[7], a[8]) for a in audit] == [
        (admin.name, "status", "BV82ab", "final", "provisional", "monthly return"),
        (admin.name, "data_quality", "BV128", "checked", "audited", "monthly return"),
        ("h.ward", "value", "NEET", "7.3", "7.1", 'recount, "quoted"\nover two lines'),
        (admin.name, "value", "BV82ab", None, "35.25", "monthly return"),
        (admin.name, "value", "BV82ab", "35.25", "35.5", "final figure"),
        (admin.name, "value", "BV128", None, "1e-05", "monthly return"),
    ]
    assert audit[4][0].replace(tzinfo=UTC) == datetime(2008, 11, 1, tzinfo=UTC)
    assert audit[0][0].replace(tzinfo=UTC) == AT


def test_a_non_admin_records_as_themselves(engine, admin) -> None:
    """Only an administrative loader writes on behalf of `recorded_by`."""
    load_worked_example(engine, admin)
    officer = Actor("off", (Grant("officer", area_code="X01"),))
    row = {"area_code": "X01", "indicator_code": "NEET", "period": date(2008, 3, 31),
           "value": 7.0, "recorded_by": "h.ward"}  # fmt: skip
    _, revisions, audit = _save_and_read(engine, officer, [row])
    assert revisions[-1][8] == "h.ward"
    assert [(a[1], a[2], a[7]) for a in audit] == [("off", "value", "7")]


def _framework(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(Indicator.code).order_by(Indicator.code)).scalars())


def _large_frame(indicators: Sequence[str], n_periods: int, shift: float = 0.0) -> pl.DataFrame:
    """A value for every indicator and month: awkward floats, quotes and commas in notes."""
    periods = pl.date_range(date(1990, 1, 31), date(2100, 1, 1), "1mo", eager=True)[:n_periods]
    grid = pl.DataFrame({"indicator_code": list(indicators)}).join(
        pl.DataFrame({"period": periods}), how="cross"
    )
    i = pl.int_range(pl.len(), dtype=pl.Int64)
    return grid.with_columns(
        pl.lit("X01").alias("area_code"),
        ((i * 7919 % 100_003) / 7 + shift).alias("value"),
        pl.when(i % 3 == 0).then(pl.lit("provisional")).otherwise(pl.lit("final")).alias("status"),
        pl.when(i % 5 == 0).then(pl.lit('counted "by hand", twice')).alias("note"),
    ).select("area_code", "indicator_code", "period", "value", "status", "note")


def test_a_large_frame_writes_every_value_exactly(engine, admin) -> None:
    load_worked_example(engine, admin)
    indicators = _framework(engine)
    n_periods = -(-50_000 // len(indicators))
    frame = _large_frame(indicators, n_periods)
    existing = store.current_actuals(engine, admin, ["X01"]).height
    with db.write_transaction(engine) as conn:
        before = _counts(conn)
        first = store.save_actuals(conn, admin, frame, default_reason="national return")
    assert first.inserted + first.unchanged == frame.height >= 50_000
    assert first.unchanged <= existing
    # Half the values change, the rest are sent again as they are.
    again = frame.with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.col("value") + 0.1)
        .otherwise(pl.col("value"))
        .alias("value")
    )
    with db.write_transaction(engine) as conn:
        second = store.save_actuals(conn, admin, again, default_reason="national return")
        after = _counts(conn)
    assert second.inserted == frame.height // 2 + frame.height % 2
    assert second.unchanged == frame.height - second.inserted
    assert after[0] - before[0] == first.inserted + second.inserted
    current = store.current_actuals(engine, admin, ["X01"])
    keys = ["area_code", "indicator_code", "period"]
    got = again.join(current, on=keys, how="left", suffix="_stored")
    assert got.filter(pl.col("value") != pl.col("value_stored")).is_empty()  # exact floats
    assert got.filter(pl.col("status") != pl.col("status_stored")).is_empty()
    audit = store.audit_frame(engine, admin, "X01")
    values = audit.filter(pl.col("action") == "value").tail(second.inserted)
    sent = again.filter(pl.int_range(pl.len()) % 2 == 0)
    assert values["after"].to_list() == [store.bare(v) for v in sent["value"].to_list()]
    assert set(values["reason"].unique()) == {'counted "by hand", twice', "national return"}


def test_nothing_is_written_when_a_row_is_outside_the_grants(engine, admin) -> None:
    load_worked_example(engine, admin)
    # A lead of the Environment Partnership owns BV82ab but not BV128.
    lead = Actor("lead", (Grant("lead", area_code="X01", partnership="Environment Partnership"),))
    rows = [
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30), "value": 1.0},
        {"area_code": "X01", "indicator_code": "BV128", "period": date(2008, 6, 30), "value": 2.0},
        {"area_code": "X01", "indicator_code": "NEET", "period": date(2008, 6, 30), "value": 3.0},
    ]  # fmt: skip
    _refused_without_trace(engine, lead, rows, store.AccessDenied, "BV128 in X01")
    _refused_without_trace(engine, lead, pl.DataFrame(rows), store.AccessDenied, "BV128 in X01")


def test_nothing_is_written_for_a_locked_period(engine, admin) -> None:
    load_worked_example(engine, admin)
    store.lock_periods(engine, admin, "X01", date(2007, 3, 31), "board")
    rows = [
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30), "value": 1.0},
        {"area_code": "X01", "indicator_code": "BV128", "period": date(2007, 3, 31), "value": 2.0},
        {"area_code": "X01", "indicator_code": "NEET", "period": date(2006, 3, 31), "value": 3.0},
    ]  # fmt: skip
    _refused_without_trace(engine, admin, rows, store.RuleViolation, "X01 BV128 2007-03-31")
    # Overridden, each locked row is audited before the values it lets through.
    with db.write_transaction(engine) as conn:
        top = conn.execute(select(func.max(AuditEvent.id))).scalar_one()
        store.save_actuals(conn, admin, pl.DataFrame(rows), override_lock="audit fix")
        _, audit = _written(conn, top)
    assert [(a[2], a[4], a[8]) for a in audit] == [
        ("lock:override", "BV128", "audit fix"),
        ("lock:override", "NEET", "audit fix"),
        ("value", "BV82ab", None),
        ("value", "BV128", None),
        ("value", "NEET", None),
    ]


def test_a_temporary_unlock_lets_its_user_through(engine, admin) -> None:
    load_worked_example(engine, admin)
    accounts.add_user(engine, admin, "off", "Officer", "password-1")
    accounts.grant(engine, admin, "off", Grant("officer", area_code="X01"))
    officer = accounts.actor_for(engine, "off")
    store.lock_periods(engine, admin, "X01", date(2008, 3, 31))
    frame = pl.DataFrame(
        {"area_code": ["X01"], "indicator_code": ["NEET"], "period": [date(2008, 3, 31)],
         "value": [7.0]}
    )  # fmt: skip
    _refused_without_trace(engine, officer, frame, store.RuleViolation, "X01 NEET 2008-03-31")
    store.grant_unlock(engine, admin, "X01", "off", datetime.now(UTC) + timedelta(hours=1), "late")
    with db.write_transaction(engine) as conn:
        assert store.save_actuals(conn, officer, frame).inserted == 1


@pytest.mark.usefixtures("slices")
def test_nothing_is_written_when_a_value_was_saved_since(engine, admin) -> None:
    load_worked_example(engine, admin)
    rows = [
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2008, 6, 30),
         "value": 1.0, "expected_revision": 0},
        {"area_code": "X01", "indicator_code": "NEET", "period": date(2008, 3, 31),
         "value": 7.0, "expected_revision": 1},
        {"area_code": "X01", "indicator_code": "BV128", "period": date(2008, 3, 31),
         "value": 2.0, "expected_revision": 0},  # stale: revision 1 is there
        {"area_code": "X01", "indicator_code": "BV82ab", "period": date(2006, 3, 31),
         "value": 2.0, "expected_revision": 3},  # stale too, but later in the file
    ]  # fmt: skip
    words = "X01 BV128 2008-03-31: someone else saved a value for this period since you opened"
    refused = _refused_without_trace(engine, admin, rows, store.ConcurrentChange, words)
    assert "(revision 1, by tester)" in refused
    _refused_without_trace(engine, admin, pl.DataFrame(rows), store.ConcurrentChange, words)


def test_a_clash_at_write_time_is_a_concurrent_change_and_the_transaction_lives_on(
    engine, admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another session's revision that lands between the read and the write (here: a read
    that misses it) breaks the unique revision number: refused, nothing written."""
    load_worked_example(engine, admin)
    monkeypatch.setattr(
        actuals,
        "_current_revisions",
        lambda conn, given: pl.DataFrame(schema=actuals._CURRENT_SCHEMA),
    )
    rows = pl.DataFrame(
        {"area_code": ["X01", "X01"], "indicator_code": ["BV82ab", "NEET"],
         "period": [date(2008, 6, 30), date(2008, 3, 31)], "value": [1.0, 2.0]}
    )  # fmt: skip
    _refused_without_trace(engine, admin, rows, store.ConcurrentChange, "at the same moment")


def _refused_without_trace(
    engine: Engine, actor: Actor, rows: Any, refusal: type[Exception], words: str
) -> str:
    """The save is refused with `words`; inside the same transaction nothing was written and
    the transaction still works (a later write in it commits)."""
    with db.write_transaction(engine) as conn:
        before = _counts(conn)
        with pytest.raises(refusal) as refused:
            store.save_actuals(conn, actor, rows, default_reason="return")
        assert _counts(conn) == before  # a query still runs: the transaction is usable
    with engine.connect() as conn:
        assert _counts(conn) == before
    assert words in str(refused.value)
    return str(refused.value)
