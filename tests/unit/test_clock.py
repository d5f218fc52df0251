"""The recorded time of writes (DOMAIN §8 "recorded time"): in a database whose business date
is fixed (the demo), a write is stamped on that date at the real time of day, and its audit
row keeps the real time as well; otherwise writes are stamped with the wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
from sqlalchemy import Engine, text

from dashboard import store
from dashboard.importer import import_file
from tests.conftest import load_worked_example

BUSINESS = date(2008, 11, 30)


def _fix(tmp_path, value: str = "7.2"):  # type: ignore[no-untyped-def]
    path = tmp_path / "fix.csv"
    path.write_text(
        f"area_code,indicator_code,period,value,note\nX01,NEET,2008-03-31,{value},recount\n"
    )
    return path


def _newest_revision(engine: Engine, admin: store.Actor) -> dict:
    revisions = store.actual_revisions(engine, admin, "X01", "NEET")
    return revisions.sort("revision").row(-1, named=True)


def _audit_rows(engine: Engine, action: str) -> list[tuple[datetime, datetime | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT at, wall_clock_at FROM audit_event WHERE action = :a ORDER BY id"),
            {"a": action},
        ).all()
    return [(_utc(at), _utc(wall)) for at, wall in rows]


def _utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _on_business_date_at_real_time(stamp: datetime, before: datetime, after: datetime) -> None:
    assert stamp.date() == BUSINESS
    real = datetime.combine(before.date(), stamp.timetz())
    slack = timedelta(seconds=1)  # some backends keep whole microseconds only
    assert before - slack <= real <= after + slack, (before, stamp, after)


def test_a_correction_on_a_fixed_business_date_is_stamped_on_it_at_the_real_time(
    engine: Engine, admin: store.Actor, tmp_path
) -> None:
    load_worked_example(engine, admin, today=BUSINESS.isoformat())
    before = datetime.now(UTC)
    assert import_file(engine, admin, "actuals", _fix(tmp_path)).ok
    after = datetime.now(UTC)
    newest = _newest_revision(engine, admin)
    assert newest["value"] == 7.2
    _on_business_date_at_real_time(_utc(newest["recorded_at"]), before, after)
    # The audit row is stamped the same, and keeps the wall clock of the write beside it.
    at, wall = _audit_rows(engine, "value")[-1]
    assert at == _utc(newest["recorded_at"])
    assert wall is not None and before - timedelta(seconds=1) <= wall <= after
    trail = store.audit_frame(engine, admin, "X01").filter(pl.col("action") == "value")
    assert _utc(trail["wall_clock_at"][-1]) == wall
    # Known at the end of the business date, the new value is already known.
    known = store.load_scope(
        engine, admin, ["X01"], known_at=datetime.combine(BUSINESS, datetime.max.time(), UTC)
    )
    neet = known.actuals.join(
        known.targets.filter(pl.col("indicator_code") == "NEET").select("target_id"),
        on="target_id",
    ).filter(pl.col("period") == date(2008, 3, 31))
    assert neet["value"].to_list() == [7.2]


def test_without_a_business_date_writes_are_stamped_with_the_wall_clock(
    engine: Engine, admin: store.Actor, tmp_path
) -> None:
    load_worked_example(engine, admin, today=None)
    before = datetime.now(UTC)
    assert import_file(engine, admin, "actuals", _fix(tmp_path)).ok
    after = datetime.now(UTC)
    stamp = _utc(_newest_revision(engine, admin)["recorded_at"])
    assert before - timedelta(seconds=1) <= stamp <= after + timedelta(seconds=1)


def test_every_write_path_uses_the_business_date(engine: Engine, admin: store.Actor) -> None:
    """Commentary, target proposals and agreements, period locks and review sign-off."""
    load_worked_example(engine, admin, today=BUSINESS.isoformat())
    before = datetime.now(UTC)
    store.record_commentary(engine, admin, "X01", "NEET", date(2008, 3, 31), "Recount due.")
    store.lock_periods(engine, admin, "X01", date(2007, 3, 31), "board")
    after = datetime.now(UTC)
    comments = store.load_scope(engine, admin, ["X01"]).commentary
    _on_business_date_at_real_time(_utc(comments["recorded_at"].max()), before, after)
    with engine.connect() as conn:
        set_at = conn.execute(text("SELECT max(set_at) FROM period_lock")).scalar_one()
    _on_business_date_at_real_time(_utc(set_at), before, after)
    for action in ("commentary", "lock"):
        at, wall = _audit_rows(engine, action)[-1]
        _on_business_date_at_real_time(at, before, after)
        assert wall is not None and before - timedelta(seconds=1) <= wall <= after


def test_backdated_history_keeps_its_chosen_time_and_has_no_wall_clock(
    engine: Engine, admin: store.Actor
) -> None:
    load_worked_example(engine, admin, today=BUSINESS.isoformat())
    chosen = datetime(2008, 5, 2, 9, 30, tzinfo=UTC)
    with store.backdated(chosen):
        store.record_commentary(engine, admin, "X01", "NEET", date(2008, 3, 31), "History.")
    assert _audit_rows(engine, "commentary")[-1] == (chosen, None)
