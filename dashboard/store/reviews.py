"""Reviews: marking a quarter reviewed and the sign-offs the board sees."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import Connection, Engine, select

from dashboard import access, db
from dashboard.access import Actor
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.rules import RuleViolation, deny
from dashboard.store.scope import _check_read
from data_models import (
    Area,
    ReviewSignOff,
)


def mark_review(
    engine: Engine,
    actor: Actor,
    area_code: str,
    period: date,
    *,
    state: str = "reviewed",
    note: str | None = None,
) -> None:
    """Record the GO's sign-off of an area's six-monthly review pack (or take it back with
    `state="reopened"`). Rows are only added; the newest is the state."""
    if state not in ("reviewed", "reopened"):
        raise ValueError(f"unknown review state {state!r}")
    with db.write_transaction(engine) as conn:
        region = conn.execute(select(Area.region_code).where(Area.code == area_code)).scalar()
        if region is None:
            raise RuleViolation(f"unknown area {area_code}")
        if not access.can_sign_off_review(actor, region):
            deny(actor, f"sign off the review of {area_code}")
        before = review_states(conn, [area_code]).get((area_code, period))
        conn.execute(
            ReviewSignOff.__table__.insert(),  # type: ignore[attr-defined]
            [{"area_code": area_code, "period": period, "state": state, "by": actor.name,
              "at": recorded_now(conn), "note": note}],
        )  # fmt: skip
        _audit(conn, actor, f"review:{state}", area_code=area_code, period=period,
               before=before and before["state"], after=state, reason=note)  # fmt: skip


def review_states(conn: Connection, area_codes: Sequence[str]) -> dict[tuple[str, date], dict]:
    """The newest sign-off row per area and review period."""
    rows = conn.execute(
        select(ReviewSignOff)
        .where(ReviewSignOff.area_code.in_(list(area_codes)))
        .order_by(ReviewSignOff.id)
    ).mappings()
    return {(r["area_code"], r["period"]): dict(r) for r in rows}


def review_signoffs(engine: Engine, actor: Actor, area_codes: Sequence[str]) -> pl.DataFrame:
    """Current sign-off state per area and review period: area_code, period, state, by, at, note."""
    _check_read(engine, actor, area_codes, "the review sign-offs")
    with engine.connect() as conn:
        states = review_states(conn, area_codes)
    return pl.DataFrame(
        [
            {k: r[k] for k in ("area_code", "period", "state", "by", "at", "note")}
            for r in states.values()
        ],
        schema={"area_code": pl.Utf8, "period": pl.Date, "state": pl.Utf8, "by": pl.Utf8,
                "at": pl.Datetime("us", "UTC"), "note": pl.Utf8},
    )  # fmt: skip
