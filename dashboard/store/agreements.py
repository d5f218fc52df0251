"""Areas, their agreements and the indicator framework: saving and signing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from dashboard import db
from dashboard.access import Actor
from dashboard.store.audit import _audit
from dashboard.store.reads import _check_reward_split
from dashboard.store.rules import RuleViolation, WriteSummary, _require_admin
from data_models import (
    Agreement,
    Area,
    Indicator,
    Outcome,
    Partnership,
    Target,
    TargetVersion,
)


def save_areas(conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]) -> WriteSummary:
    """Insert or update areas and their (draft) agreements; creates the LSP executive board."""
    _require_admin(actor, "change areas")
    summary = WriteSummary()
    for row in rows:
        code = row["area_code"]
        area_values = {
            "name": row["area_name"],
            "region_code": row["region_code"],
            "la_type": row["la_type"],
            "population": int(row["population"]),
            "net_budget_requirement_gbp": Decimal(str(row["net_budget_requirement_gbp"])),
        }
        if "deprivation_rank" in row:  # an optional column left out keeps the stored value
            area_values["deprivation_rank"] = row["deprivation_rank"]
        existing = conn.execute(select(Area).where(Area.code == code)).mappings().first()
        area_changed = False
        if existing is None:
            conn.execute(Area.__table__.insert(), [{"code": code, **area_values}])  # type: ignore[attr-defined]
            conn.execute(
                Partnership.__table__.insert(),  # type: ignore[attr-defined]
                [
                    {
                        "area_code": code,
                        "name": f"{row['area_name']} LSP Executive Board",
                        "kind": "executive",
                    }
                ],
            )
            _audit(
                conn,
                actor,
                "area:create",
                area_code=code,
                after=row["area_name"],
                reason=row.get("reason"),
            )
            area_changed = True
        else:
            changed = {k: v for k, v in area_values.items() if _differs(existing[k], v)}
            if changed:
                conn.execute(Area.__table__.update().where(Area.code == code).values(**changed))  # type: ignore[attr-defined]
                for key, value in changed.items():
                    _audit(
                        conn,
                        actor,
                        f"area:{key}",
                        area_code=code,
                        before=existing[key],
                        after=value,
                        reason=row.get("reason"),
                    )
                area_changed = True
        agreement_changed = _save_agreement(conn, actor, code, row)
        if existing is None:
            summary.inserted += 1
        elif area_changed or agreement_changed:
            summary.updated += 1
        else:
            summary.unchanged += 1
    _check_reward_split(conn, {row["area_code"] for row in rows})
    return summary


def _differs(old: Any, new: Any) -> bool:
    if old is None or new is None:
        return old is not new
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return Decimal(str(old)) != Decimal(str(new))
    return old != new


def _save_agreement(conn: Connection, actor: Actor, area_code: str, row: Mapping[str, Any]) -> bool:
    """Add or update the agreement starting on the row's start date; True if anything changed."""
    start, end = row["agreement_start"], row["agreement_end"]
    values: dict[str, Any] = {"end_date": end}
    if "pump_priming_gbp" in row:  # an optional column left out keeps the stored value
        ppg = row["pump_priming_gbp"]
        values["pump_priming_gbp"] = None if ppg is None else Decimal(str(ppg))
    existing = (
        conn.execute(
            select(Agreement).where(Agreement.area_code == area_code, Agreement.start_date == start)
        )
        .mappings()
        .first()
    )
    if existing is None:
        conn.execute(
            Agreement.__table__.insert(),  # type: ignore[attr-defined]
            [{"area_code": area_code, "start_date": start, "status": "draft", **values}],
        )
        _audit(
            conn,
            actor,
            "agreement:create",
            area_code=area_code,
            period=start,
            after=f"{start}..{end}",
        )
        return True
    changed = {k: v for k, v in values.items() if _differs(existing[k], v)}
    if not changed:
        return False
    if existing["status"] == "signed":
        raise RuleViolation(
            f"the agreement of {area_code} starting {start} is signed: its end date and "
            "pump-priming grant are fixed"
        )
    conn.execute(
        Agreement.__table__.update().where(Agreement.id == existing["id"]).values(**changed)
    )  # type: ignore[attr-defined]
    for key, value in changed.items():
        _audit(
            conn,
            actor,
            f"agreement:{key}",
            area_code=area_code,
            period=start,
            before=existing[key],
            after=value,
        )
    return True


def save_indicators(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> WriteSummary:
    """Insert or update indicators (and the outcomes they name)."""
    _require_admin(actor, "change indicators")
    summary = WriteSummary()
    fields = [
        "name",
        "block_code",
        "unit",
        "polarity",
        "decimals",
        "frequency",
        "data_source",
        "department_code",
        "outcome_type",
        "period_basis",
        "lag_months",
        "plausible_min",
        "plausible_max",
        "definition",
        "clarifications",
        "stretch_rationale",
        "reward_rationale",
        "mandatory_reason",
    ]
    for row in rows:
        values = {k: row.get(k) for k in fields if k in row}
        values.setdefault("period_basis", "financial")
        values.setdefault("lag_months", 0)
        if row.get("outcome"):
            values["outcome_id"] = _outcome_id(
                conn, row["block_code"], row["outcome"], row["outcome_type"]
            )
        code = row["indicator_code"]
        existing = conn.execute(select(Indicator).where(Indicator.code == code)).mappings().first()
        if existing is None:
            conn.execute(Indicator.__table__.insert(), [{"code": code, **values}])  # type: ignore[attr-defined]
            _audit(conn, actor, "indicator:create", indicator_code=code, after=values["name"])
            summary.inserted += 1
            continue
        changed = {k: v for k, v in values.items() if _differs(existing[k], v)}
        if changed:
            conn.execute(
                Indicator.__table__.update().where(Indicator.code == code).values(**changed)
            )  # type: ignore[attr-defined]
            for key, value in changed.items():
                _audit(
                    conn,
                    actor,
                    f"indicator:{key}",
                    indicator_code=code,
                    before=existing[key],
                    after=value,
                )
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


def _outcome_id(conn: Connection, block_code: str, name: str, outcome_type: str) -> int:
    found = conn.execute(
        select(Outcome.id).where(Outcome.block_code == block_code, Outcome.name == name)
    ).scalar()
    if found is not None:
        return int(found)
    result = conn.execute(
        Outcome.__table__.insert(),  # type: ignore[attr-defined]
        [{"block_code": block_code, "name": name, "outcome_type": outcome_type}],
    )
    return (
        int(result.inserted_primary_key[0])
        if result.inserted_primary_key
        else int(
            conn.execute(
                select(Outcome.id).where(Outcome.block_code == block_code, Outcome.name == name)
            ).scalar_one()
        )
    )


def agreement_for(
    conn: Connection, area_code: str, target_period: date
) -> Mapping[str, Any] | None:
    """The area's agreement whose term covers the target period (else its latest one)."""
    rows = (
        conn.execute(
            select(Agreement).where(Agreement.area_code == area_code).order_by(Agreement.start_date)
        )
        .mappings()
        .all()
    )
    covering = [r for r in rows if r["start_date"] <= target_period <= r["end_date"]]
    if covering:
        return covering[-1]
    return rows[-1] if rows else None


def sign_agreement(engine: Engine, actor: Actor, area_code: str, signed_date: date) -> None:
    """Sign the area's draft agreement; from then on its reward targets are frozen."""
    _require_admin(actor, "sign agreements")
    with db.write_transaction(engine) as conn:
        agreement = (
            conn.execute(
                select(Agreement)
                .where(Agreement.area_code == area_code)
                .order_by(Agreement.start_date.desc())
            )
            .mappings()
            .first()
        )
        if agreement is None:
            raise RuleViolation(f"area {area_code} has no agreement")
        if agreement["status"] == "signed":
            raise RuleViolation(
                f"the agreement of {area_code} was already signed on {agreement['signed_date']}"
            )
        reward = conn.execute(
            select(func.count(func.distinct(Target.id)))
            .select_from(Target)
            .join(TargetVersion, TargetVersion.target_id == Target.id)
            .where(
                Target.agreement_id == agreement["id"],
                TargetVersion.without_reward_value.is_not(None),
            )
        ).scalar_one()
        conn.execute(
            Agreement.__table__.update()  # type: ignore[attr-defined]
            .where(Agreement.id == agreement["id"])
            .values(status="signed", signed_date=signed_date)
        )
        _audit(
            conn,
            actor,
            "agreement:sign",
            area_code=area_code,
            period=agreement["start_date"],
            before="draft",
            after="signed",
            reason=f"signed on {signed_date} with {reward} reward targets",
        )
