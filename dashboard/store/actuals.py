"""Actual values: a new revision per change, never an overwrite, with the write checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import IntegrityError

from dashboard import access
from dashboard.access import Actor
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.locks import _check_locks
from dashboard.store.reads import _current_versions
from dashboard.store.rules import ConcurrentChange, WriteSummary, deny
from data_models import (
    ActualRevision,
    Agreement,
    Partnership,
    Target,
    TargetVersion,
)


def save_actuals(
    conn: Connection,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    default_reason: str | None = None,
    *,
    override_lock: str | None = None,
) -> WriteSummary:
    """Add a revision where a row's value, status or given data-quality grade differs.

    Rows may carry `recorded_at` (the demo generator backdates its history); otherwise now.
    Values of locked periods are refused unless the actor holds a temporary unlock, or an
    administrator gives `override_lock` (a reason, audited).
    """
    _check_value_writes(conn, actor, rows, "record values for")
    summary = WriteSummary()
    if not rows:
        return summary
    areas = sorted({r["area_code"] for r in rows})
    _check_locks(conn, actor, rows, override_lock)
    current = _current_revision_map(conn, areas)
    inserts: list[dict[str, Any]] = []
    now = recorded_now(conn)
    for row in rows:
        key = (row["area_code"], row["indicator_code"], row["period"])
        cur = current.get(key)
        seen = row.get("expected_revision")
        if seen is not None and (cur["revision"] if cur else 0) != seen:
            raise ConcurrentChange(
                f"{key[0]} {key[1]} {key[2]}: someone else saved a value for this period since you "
                f"opened it (revision {cur['revision'] if cur else 0}, by {cur.get('recorded_by') if cur else '?'}): "
                "review it and save again"
            )
        value = float(row["value"])
        status = row.get("status") or (cur["status"] if cur else "final")
        quality = (
            row.get("data_quality")
            if row.get("data_quality") is not None
            else (cur["data_quality"] if cur else None)
        )
        at = row.get("recorded_at") or now
        reason = row.get("note") or default_reason
        if (
            cur is not None
            and cur["value"] == value
            and cur["status"] == status
            and cur["data_quality"] == quality
        ):
            summary.unchanged += 1
            continue
        revision = (cur["revision"] + 1) if cur else 1
        inserts.append(
            {
                "area_code": key[0],
                "indicator_code": key[1],
                "period": key[2],
                "revision": revision,
                "value": value,
                "status": status,
                "data_quality": quality,
                "recorded_at": at,
                "recorded_by": row.get("recorded_by") or actor.name,
                "source": row.get("source"),
                "note": row.get("note"),
            }
        )
        current[key] = {
            "value": value,
            "status": status,
            "data_quality": quality,
            "revision": revision,
        }
        # Who made the change: the actor, unless an administrative loader (the demo generator)
        # records history on behalf of the named person who reported it.
        by = Actor(row["recorded_by"]) if row.get("recorded_by") and actor.is_admin else actor
        audit_common = {
            "area_code": key[0],
            "indicator_code": key[1],
            "period": key[2],
            "reason": reason,
            "at": at,
        }
        if cur is None or cur["value"] != value:
            _audit(
                conn,
                by,
                "value",
                before=cur["value"] if cur else None,
                after=value,
                **audit_common,
            )
        else:
            if cur["status"] != status:
                _audit(conn, by, "status", before=cur["status"], after=status, **audit_common)
            if cur["data_quality"] != quality:
                _audit(
                    conn,
                    by,
                    "data_quality",
                    before=cur["data_quality"],
                    after=quality,
                    **audit_common,
                )
        summary.inserted += 1
    if inserts:
        try:
            with conn.begin_nested():  # a savepoint, so the caller's transaction stays usable
                conn.execute(ActualRevision.__table__.insert(), inserts)  # type: ignore[attr-defined]
        except IntegrityError as exc:  # the same revision number written by another session
            raise ConcurrentChange(
                "another save of the same values happened at the same moment: review and save again"
            ) from exc
    return summary


def target_owners(conn: Connection, area_codes: Iterable[str]) -> dict[tuple[str, str], str]:
    """(area, indicator) -> the owning partnership of the current target (latest agreement)."""
    cur = _current_versions()
    rows = conn.execute(
        select(Agreement.area_code, Target.indicator_code, Partnership.name, Agreement.start_date)
        .join(Agreement, Agreement.id == Target.agreement_id)
        .join(cur, cur.c.target_id == Target.id)
        .join(
            TargetVersion,
            and_(TargetVersion.target_id == Target.id, TargetVersion.version == cur.c.version),
        )
        .join(Partnership, Partnership.id == TargetVersion.partnership_id)
        .where(Agreement.area_code.in_(sorted(set(area_codes))))
        .order_by(Agreement.start_date)
    ).all()
    return {(area, indicator): owner for area, indicator, owner, _ in rows}


def _check_value_writes(
    conn: Connection,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    what: str,
) -> None:
    """Every row must be within the actor's grants (admin, the area's officer, or a lead of the
    owning partnership); else nothing is written. Commentary: see `_commentary_kind`."""
    if actor.is_admin or not rows:
        return
    owners = target_owners(conn, {r["area_code"] for r in rows})
    for row in rows:
        area, indicator = row["area_code"], row["indicator_code"]
        owner = owners.get((area, indicator))
        if access.can_write_value(actor, area, owner):
            continue
        deny(actor, f"{what} {indicator} in {area}")


def _current_revision_map(conn: Connection, areas: Sequence[str]) -> dict[tuple, dict[str, Any]]:
    latest = (
        select(
            ActualRevision.area_code,
            ActualRevision.indicator_code,
            ActualRevision.period,
            func.max(ActualRevision.revision).label("revision"),
        )
        .where(ActualRevision.area_code.in_(list(areas)))
        .group_by(ActualRevision.area_code, ActualRevision.indicator_code, ActualRevision.period)
        .subquery()
    )
    query = select(
        ActualRevision.area_code,
        ActualRevision.indicator_code,
        ActualRevision.period,
        ActualRevision.revision,
        ActualRevision.value,
        ActualRevision.status,
        ActualRevision.data_quality,
        ActualRevision.recorded_by,
    ).join(
        latest,
        and_(
            latest.c.area_code == ActualRevision.area_code,
            latest.c.indicator_code == ActualRevision.indicator_code,
            latest.c.period == ActualRevision.period,
            latest.c.revision == ActualRevision.revision,
        ),
    )
    return {
        (r.area_code, r.indicator_code, r.period): dict(r._mapping) for r in conn.execute(query)
    }
