"""Period locks: closing quarters to edits, and the temporary unlocks that reopen them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from dashboard import db
from dashboard.access import Actor
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now, utcnow
from dashboard.store.rules import RuleViolation, deny
from data_models import (
    LockExemption,
    PeriodLock,
)


def current_locks(conn: Connection, area_codes: Iterable[str]) -> dict[str, date | None]:
    """area -> the date through which its periods are locked (None: unlocked)."""
    latest = (
        select(PeriodLock.area_code, func.max(PeriodLock.id).label("id"))
        .where(PeriodLock.area_code.in_(sorted(set(area_codes))))
        .group_by(PeriodLock.area_code)
        .subquery()
    )
    rows = conn.execute(
        select(PeriodLock.area_code, PeriodLock.locked_through).join(
            latest, latest.c.id == PeriodLock.id
        )
    ).all()
    return {area: through for area, through in rows}


def _has_exemption(conn: Connection, actor: Actor, area_code: str) -> bool:
    found = conn.execute(
        select(func.count()).where(
            LockExemption.area_code == area_code,
            LockExemption.username == actor.name,
            LockExemption.expires_at > utcnow(),
        )
    ).scalar_one()
    return found > 0


def _check_locks(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]], override: str | None
) -> None:
    locks = current_locks(conn, {r["area_code"] for r in rows})
    for row in rows:
        through = locks.get(row["area_code"])
        if through is None or row["period"] > through:
            continue
        if _has_exemption(conn, actor, row["area_code"]):
            continue
        if override and actor.is_admin:
            _audit(conn, actor, "lock:override", area_code=row["area_code"],
                   indicator_code=row["indicator_code"], period=row["period"], reason=override)  # fmt: skip
            continue
        raise RuleViolation(
            f"{row['area_code']} {row['indicator_code']} {row['period']}: periods ending on or "
            f"before {through} are locked (the board has seen them); ask the performance officer "
            "for a temporary unlock"
        )


def _may_lock(actor: Actor, area_code: str) -> bool:
    return actor.is_admin or any(
        g.role == "officer" and g.area_code == area_code for g in actor.grants
    )


def lock_periods(
    engine: Engine, actor: Actor, area_code: str, through: date | None, reason: str | None = None
) -> None:
    """Lock an area's periods ending on or before `through` (None unlocks them all)."""
    if not _may_lock(actor, area_code):
        deny(actor, f"lock the periods of {area_code}")
    with db.write_transaction(engine) as conn:
        before = current_locks(conn, [area_code]).get(area_code)
        conn.execute(
            PeriodLock.__table__.insert(),  # type: ignore[attr-defined]
            [{"area_code": area_code, "locked_through": through, "set_by": actor.name,
              "set_at": recorded_now(conn), "reason": reason}],
        )  # fmt: skip
        _audit(conn, actor, "lock" if through else "unlock", area_code=area_code,
               before=before and before.isoformat(), after=through and through.isoformat(), reason=reason)  # fmt: skip


def grant_unlock(
    engine: Engine, actor: Actor, area_code: str, username: str, until: datetime, reason: str
) -> None:
    """Let a named user change the area's locked periods until `until` (audited)."""
    if not _may_lock(actor, area_code):
        deny(actor, f"unlock the periods of {area_code}")
    with db.write_transaction(engine) as conn:
        conn.execute(
            LockExemption.__table__.insert(),  # type: ignore[attr-defined]
            [{"area_code": area_code, "username": username, "expires_at": until,
              "granted_by": actor.name, "granted_at": recorded_now(conn), "reason": reason}],
        )  # fmt: skip
        _audit(conn, actor, "lock:unlock_for", area_code=area_code, after=username,
               reason=f"{reason} (until {until:%Y-%m-%d %H:%M} UTC)")  # fmt: skip
