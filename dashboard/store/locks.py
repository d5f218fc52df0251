"""Period locks: closing quarters to edits, and the temporary unlocks that reopen them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, Engine, func, select

from dashboard import db
from dashboard.access import Actor
from dashboard.store.audit import AUDIT_SCHEMA, _audit
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
    return area_code in _exempt_areas(conn, actor, [area_code])


def _exempt_areas(conn: Connection, actor: Actor, area_codes: Iterable[str]) -> set[str]:
    """The areas among `area_codes` whose locked periods the actor may change now."""
    found = conn.execute(
        select(LockExemption.area_code)
        .distinct()
        .where(
            LockExemption.area_code.in_(sorted(set(area_codes))),
            LockExemption.username == actor.name,
            LockExemption.expires_at > utcnow(),
        )
    ).scalars()
    return set(found)


def _check_locks(
    conn: Connection, actor: Actor, rows: pl.DataFrame, override: str | None
) -> pl.DataFrame:
    """Refuse (RuleViolation, naming the first such row in order) rows of locked periods,
    unless the actor holds a temporary unlock of the area or is an administrator giving
    `override` (a reason). Returns the `lock:override` audit rows to write with the values,
    one per overridden row (columns of `audit._audit_rows`); nothing is written here, so a
    refusal later in the same save leaves no trace."""
    none = pl.DataFrame(schema=AUDIT_SCHEMA)
    if rows.is_empty():
        return none
    areas = rows["area_code"].unique().to_list()
    locks = current_locks(conn, areas)
    through = pl.DataFrame(
        {"area_code": list(locks), "through": list(locks.values())},
        schema={"area_code": pl.String, "through": pl.Date},
    )
    locked = (
        rows.select("area_code", "indicator_code", "period")
        .join(through, on="area_code", how="left", maintain_order="left")
        .filter(pl.col("through").is_not_null() & (pl.col("period") <= pl.col("through")))
    )
    if locked.is_empty():
        return none
    exempt = _exempt_areas(conn, actor, locked["area_code"].unique().to_list())
    locked = locked.filter(~pl.col("area_code").is_in(sorted(exempt)))
    if locked.is_empty():
        return none
    if not (override and actor.is_admin):
        first = locked.row(0, named=True)
        raise RuleViolation(
            f"{first['area_code']} {first['indicator_code']} {first['period']}: periods ending "
            f"on or before {first['through']} are locked (the board has seen them); ask the "
            "performance officer for a temporary unlock"
        )
    return locked.select(
        pl.lit(None, pl.Datetime("us", "UTC")).alias("at"),
        pl.lit(actor.name).alias("user"),
        pl.lit("lock:override").alias("action"),
        "area_code",
        "indicator_code",
        "period",
        pl.lit(None, pl.String).alias("before"),
        pl.lit(None, pl.String).alias("after"),
        pl.lit(override).alias("reason"),
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
