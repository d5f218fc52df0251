"""Every write path leaves exactly one audit row per change, and none when nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import accounts, db, store
from dashboard.access import Grant
from data_models import AuditEvent
from tests.conftest import load_worked_example


def _audit_rows(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _save(engine, admin, rows):  # type: ignore[no-untyped-def]
    with db.write_transaction(engine) as conn:
        store.save_actuals(conn, admin, rows)


NEET = {"area_code": "X01", "indicator_code": "NEET", "period": date(2008, 3, 31)}

CASES: list[tuple[str, int, Callable]] = [
    ("value corrected", 1, lambda e, a: _save(e, a, [NEET | {"value": 7.1}])),
    ("status only", 1, lambda e, a: _save(e, a, [NEET | {"value": 7.3, "status": "provisional"}])),
    ("grade only", 1, lambda e, a: _save(e, a, [NEET | {"value": 7.3, "data_quality": "audited"}])),
    ("status and grade", 2, lambda e, a: _save(e, a, [NEET | {"value": 7.3, "status": "provisional", "data_quality": "audited"}])),
    ("value and status", 1, lambda e, a: _save(e, a, [NEET | {"value": 7.0, "status": "provisional"}])),
    ("same value again", 0, lambda e, a: _save(e, a, [NEET | {"value": 7.3}])),
    ("two new values", 2, lambda e, a: _save(e, a, [
        {"area_code": "X01", "indicator_code": "BV49", "period": date(2006, 3, 31), "value": 13.5},
        {"area_code": "X01", "indicator_code": "BV49", "period": date(2007, 3, 31), "value": 12.9},
    ])),
    ("commentary", 1, lambda e, a: _commentary(e, a)),
    ("indicator-page commentary", 1, lambda e, a: store.record_commentary(e, a, "X01", "NEET", None, "Why.", action="What.")),
    ("board comment", 1, lambda e, a: store.record_commentary(e, a, "X01", "NEET", date(2008, 3, 31), "Asked.", kind="board")),
    ("setting", 1, lambda e, a: store.set_setting(e, a, "rag_tolerance", "0.15")),
    ("same setting", 0, lambda e, a: store.set_setting(e, a, "today", "2008-11-30")),
    ("lock", 1, lambda e, a: store.lock_periods(e, a, "X01", date(2007, 3, 31), "board")),
    ("temporary unlock", 1, lambda e, a: store.grant_unlock(e, a, "X01", "someone", datetime.now(UTC) + timedelta(hours=1), "late")),
    ("reporting line added", 1, lambda e, a: _line(e, a, [LINE])),
    ("reporting line changed and removed", 3, lambda e, a: (
        _line(e, a, [LINE]), _line(e, a, [LINE | {"frequency": "quarterly"}]), _line(e, a, [], remove=[LINE]))),
    ("review signed off", 1, lambda e, a: store.mark_review(e, a, "X01", date(2008, 9, 30))),
    ("target proposed", 1, lambda e, a: store.propose_target_change(e, a, "X01", "BV199a", target_value=13.0, reason="refresh")),
]  # fmt: skip


LINE = {"indicator_code": "NEET", "recipient_type": "department", "recipient_code": "DfES",
        "return_name": "Connexions NEET return", "frequency": "annual", "laa_status": "continues",
        "format": "Excel template", "due_days": 60}  # fmt: skip


def _line(engine, admin, rows, remove=()) -> None:  # type: ignore[no-untyped-def]
    with db.write_transaction(engine) as conn:
        store.save_reporting_lines(conn, admin, rows, remove=remove)


def _commentary(engine, admin) -> None:  # type: ignore[no-untyped-def]
    with db.write_transaction(engine) as conn:
        store.add_commentary(conn, admin, [NEET | {"text": "Why and what next."}])


@pytest.mark.parametrize(("name", "rows", "write"), CASES, ids=[c[0] for c in CASES])
def test_one_audit_row_per_change(engine, admin, name: str, rows: int, write: Callable) -> None:
    load_worked_example(engine, admin)
    before = _audit_rows(engine)
    write(engine, admin)
    assert _audit_rows(engine) - before == rows, name


def test_agreement_to_a_target_change_is_audited_once(engine, admin) -> None:
    load_worked_example(engine, admin)
    store.propose_target_change(engine, admin, "X01", "BV199a", target_value=13.0, reason="refresh")
    version_id = store.pending_target_changes(engine, admin, "X01")["version_id"][0]
    before = _audit_rows(engine)
    store.agree_target_change(engine, admin, "X01", version_id, "agreed")
    assert _audit_rows(engine) - before == 1


def test_a_refused_write_leaves_no_audit_row(engine, admin) -> None:
    load_worked_example(engine, admin)
    accounts.add_user(engine, admin, "v", "Viewer", "password-1")
    accounts.grant(engine, admin, "v", Grant("viewer", area_code="X01"))
    viewer = accounts.actor_for(engine, "v")
    before = _audit_rows(engine)
    with pytest.raises(store.AccessDenied):
        _save(engine, viewer, [NEET | {"value": 7.0}])
    assert _audit_rows(engine) == before
    audit = store.audit_frame(engine, admin, "X01")
    assert audit.filter(pl.col("user") == "v").is_empty()


def test_saving_an_unchanged_reporting_line_audits_nothing(engine, admin) -> None:
    load_worked_example(engine, admin)
    _line(engine, admin, [LINE])
    before = _audit_rows(engine)
    _line(engine, admin, [LINE])
    assert _audit_rows(engine) == before
