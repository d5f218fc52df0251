"""save_targets reads what it needs once per call, not per row: the same versions and audit
rows as before, including two rows for one target in one call (the second sees the first)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import select

from dashboard import db, store
from data_models import AuditEvent, Target, TargetVersion
from tests.conftest import load_worked_example


def _row(**changes: Any) -> dict[str, Any]:
    """BV199a of the worked example (an ordinary target), as an import gives it."""
    return {
        "area_code": "X01", "indicator_code": "BV199a", "partnership": "Environment Partnership",
        "baseline_period": date(2005, 3, 31), "baseline_value": 18.0,
        "target_period": date(2008, 3, 31), "target_value": 12.0, "without_reward_value": None,
        "agreed_share_gbp": None, "lead_officer": "Head of Street Scene", "measure": "level",
        "milestones": [], "reason": None,
    } | changes  # fmt: skip


def test_rows_for_one_target_in_one_call_apply_in_order(engine, admin) -> None:
    load_worked_example(engine, admin)
    rows = [
        _row(),  # unchanged
        _row(target_value=11.5, reason="refresh"),
        _row(target_value=11.0, milestones=[(date(2007, 3, 31), 14.0)], reason="again"),
        _row(indicator_code="BV45", partnership="Cleaner Streets Partnership",
             target_value=10.0, lead_officer="Head of Street Scene"),  # new, new partnership
    ]  # fmt: skip
    with db.write_transaction(engine) as conn:
        top = conn.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())).scalar()
        summary = store.save_targets(conn, admin, rows)
        audit = conn.execute(
            select(AuditEvent.action, AuditEvent.indicator_code, AuditEvent.before,
                   AuditEvent.after, AuditEvent.reason)
            .where(AuditEvent.id > top).order_by(AuditEvent.id)
        ).all()  # fmt: skip
        versions = conn.execute(
            select(TargetVersion.version, TargetVersion.target_value)
            .join(Target, Target.id == TargetVersion.target_id)
            .where(Target.indicator_code == "BV199a")
            .order_by(TargetVersion.version)
        ).all()
    assert (summary.inserted, summary.updated, summary.unchanged) == (1, 2, 1)
    assert [tuple(v) for v in versions] == [(1, 12.0), (2, 11.5), (3, 11.0)]
    assert [tuple(a) for a in audit] == [
        ("target:target_value", "BV199a", "12", "11.5", "refresh"),
        ("target:target_value", "BV199a", "11.5", "11", "again"),
        ("target:milestones", "BV199a", "", "2007-03-31:14", "again"),
        ("partnership:create", None, None, "Cleaner Streets Partnership", None),
        ("target:create", "BV45", None, "10", None),
    ]
    targets = store.load_scope(engine, admin, ["X01"]).targets
    new = targets.filter(pl.col("indicator_code") == "BV45").row(0, named=True)
    assert new["target_value"] == 10.0
