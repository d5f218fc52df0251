"""Targets and their versions: saving, freezing stretched targets, and the changes agreed at
the annual refresh."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, func, insert, select

from dashboard import db
from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.agreements import _differs
from dashboard.store.audit import _audit, bare
from dashboard.store.clock import _wall_clock_of_write, recorded_now
from dashboard.store.reads import _check_reward_split, _current_versions
from dashboard.store.rules import FROZEN_RULE, RuleViolation, WriteSummary, _require_admin, deny
from dashboard.store.scope import _check_read
from data_models import (
    Agreement,
    Area,
    AuditEvent,
    Indicator,
    Partnership,
    Target,
    TargetAgreement,
    TargetMilestone,
    TargetVersion,
)

TARGET_FIELDS = (
    "lead_officer",
    "measure",
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "without_reward_value",
    "agreed_share_gbp",
    "focus",
)


FROZEN_FIELDS = (
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "without_reward_value",
)


def save_targets(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]], at: datetime | None = None
) -> WriteSummary:
    """Add targets, or a new version of a target where anything changed.

    Reward targets of a signed agreement are frozen (DOMAIN §4): a change to their baseline,
    without-reward or stretched figures, or to the set of reward targets, raises RuleViolation.
    """
    _require_admin(actor, "change targets")
    return write_targets(conn, actor, rows, at)


def write_targets(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]], at: datetime | None = None
) -> WriteSummary:
    """`save_targets` once the caller has checked who may write them (the negotiated
    agreement's sign-off writes its targets as the signing Government Office)."""
    summary = WriteSummary()
    at = at or recorded_now(conn)
    known = _Known.read(conn, rows)
    writes = _Writes(actor)
    for row in rows:
        area_code, indicator_code = row["area_code"], row["indicator_code"]
        agreement = known.agreement(area_code, row["target_period"])
        if agreement is None:
            raise RuleViolation(f"area {area_code} has no agreement: import the area first")
        if (agreement["id"], indicator_code) in writes.touched:
            writes.flush(conn, known)  # a second row for a target: it reads the first's version
        block = known.blocks.get(indicator_code)
        if block is None:  # not in the framework: the query says so as it always has
            block = conn.execute(
                select(Indicator.block_code).where(Indicator.code == indicator_code)
            ).scalar_one()
        partnership_id = known.partnerships.get((area_code, row["partnership"]))
        if partnership_id is None:
            partnership_id = conn.execute(
                Partnership.__table__.insert(),  # type: ignore[attr-defined]
                [{"area_code": area_code, "name": row["partnership"], "kind": "thematic",
                  "block_code": block}],
            ).inserted_primary_key[0]  # fmt: skip
            writes.audit(conn, "partnership:create", area_code=area_code, after=row["partnership"])
            known.partnerships[(area_code, row["partnership"])] = partnership_id
        milestones = sorted(row.get("milestones") or [])
        values = {k: row.get(k) for k in TARGET_FIELDS}
        values["measure"] = values["measure"] or "level"
        if values["agreed_share_gbp"] is not None:
            values["agreed_share_gbp"] = Decimal(str(values["agreed_share_gbp"]))
        values["partnership_id"] = partnership_id
        target_id = known.targets.get((agreement["id"], indicator_code))
        signed = agreement["status"] == "signed"
        label = f"{area_code} {indicator_code}"
        if target_id is None:
            if signed and values["without_reward_value"] is not None:
                raise RuleViolation(
                    f"{label}: cannot add a reward target to a signed agreement ({FROZEN_RULE})"
                )
            writes.targets.append(
                {"agreement_id": agreement["id"], "indicator_code": indicator_code}
            )
            writes.version((agreement["id"], indicator_code), 1, values, milestones, at, row)
            writes.audit(
                conn,
                "target:create",
                area_code=area_code,
                indicator_code=indicator_code,
                period=values["target_period"],
                after=values["target_value"],
                reason=row.get("reason"),
                at=at,
            )
            summary.inserted += 1
            continue
        # A target written earlier in this call is read again, as it is now.
        current, old_milestones = known.versions.pop(target_id, None) or _version_now(
            conn, target_id
        )
        changed = {k: v for k, v in values.items() if _differs(current[k], v)}
        if not changed and old_milestones == milestones:
            summary.unchanged += 1
            continue
        was_reward = current["without_reward_value"] is not None
        if signed and (was_reward or values["without_reward_value"] is not None):
            frozen = [k for k in FROZEN_FIELDS if k in changed]
            if frozen:
                raise RuleViolation(
                    f"{label}: {', '.join(frozen)} of a reward target of a signed agreement cannot "
                    f"change ({FROZEN_RULE})"
                )
        writes.version(
            (agreement["id"], indicator_code), current["version"] + 1, values, milestones, at, row
        )
        for key, value in changed.items():
            writes.audit(
                conn,
                f"target:{key}",
                area_code=area_code,
                indicator_code=indicator_code,
                period=values["target_period"],
                before=current[key],
                after=value,
                reason=row.get("reason"),
                at=at,
            )
        if old_milestones != milestones:
            writes.audit(
                conn,
                "target:milestones",
                area_code=area_code,
                indicator_code=indicator_code,
                before=_milestone_text(old_milestones),
                after=_milestone_text(milestones),
                reason=row.get("reason"),
                at=at,
            )
        summary.updated += 1
    writes.flush(conn, known)
    _check_reward_split(conn, {row["area_code"] for row in rows})
    return summary


def _version_now(conn: Connection, target_id: int) -> tuple[Mapping[str, Any], list[Any]]:
    """A target's newest version and its milestones, sorted."""
    current = (
        conn.execute(
            select(TargetVersion)
            .where(TargetVersion.target_id == target_id)
            .order_by(TargetVersion.version.desc())
        )
        .mappings()
        .first()
    )
    assert current is not None
    milestones = sorted(
        (m.period, m.value)
        for m in conn.execute(
            select(TargetMilestone.period, TargetMilestone.value).where(
                TargetMilestone.target_version_id == current["id"]
            )
        )
    )
    return current, milestones


@dataclass
class _Writes:
    """The writes of one `save_targets` call, made together in row order (a few statements
    for the call, not a few for each row): new targets, their versions and milestones, and the
    audit rows, the same rows with the same ids in the same order as written one by one."""

    actor: Actor
    targets: list[dict[str, Any]] = field(default_factory=list)
    versions: list[tuple[tuple[int, str], dict[str, Any], list[Any]]] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)
    touched: set[tuple[int, str]] = field(default_factory=set)

    def version(
        self,
        key: tuple[int, str],
        version: int,
        values: Mapping[str, Any],
        milestones: list[Any],
        at: datetime,
        row: Mapping[str, Any],
    ) -> None:
        self.touched.add(key)
        self.versions.append(
            (key, {"version": version, **values, "recorded_at": at,
                   "recorded_by": self.actor.name, "reason": row.get("reason")}, milestones)
        )  # fmt: skip

    def audit(self, conn: Connection, action: str, **fields: Any) -> None:
        """An audit row as `_audit` writes it."""
        self.audits.append(
            {
                "at": fields.get("at") or recorded_now(conn),
                "wall_clock_at": _wall_clock_of_write(),
                "user": self.actor.name,
                "action": action,
                "area_code": fields.get("area_code"),
                "indicator_code": fields.get("indicator_code"),
                "period": fields.get("period"),
                "before": bare(fields.get("before")),
                "after": bare(fields.get("after")),
                "reason": fields.get("reason"),
            }
        )

    def flush(self, conn: Connection, known: _Known) -> None:
        if self.targets:
            ids = conn.execute(
                insert(Target).returning(Target.id, sort_by_parameter_order=True), self.targets
            ).scalars()
            for target, target_id in zip(self.targets, ids, strict=True):
                known.targets[(target["agreement_id"], target["indicator_code"])] = int(target_id)
        if self.versions:
            version_ids = conn.execute(
                insert(TargetVersion).returning(TargetVersion.id, sort_by_parameter_order=True),
                [{"target_id": known.targets[key], **values} for key, values, _ in self.versions],
            ).scalars()
            milestones = [
                {"target_version_id": int(version_id), "period": p, "value": v}
                for (_, _, points), version_id in zip(self.versions, version_ids, strict=True)
                for p, v in points
            ]
            if milestones:
                conn.execute(TargetMilestone.__table__.insert(), milestones)  # type: ignore[attr-defined]
        if self.audits:
            conn.execute(AuditEvent.__table__.insert(), self.audits)  # type: ignore[attr-defined]
        self.targets, self.versions, self.audits = [], [], []
        self.touched = set()


@dataclass
class _Known:
    """What `save_targets` looks up for its rows, read once per call rather than per row: the
    areas' agreements, the indicators' blocks, the partnerships, targets, and each target's
    newest version with its milestones (taken out once used: a second row for the same target
    reads it again from the database, as written by the first)."""

    agreements: dict[str, list[Mapping[str, Any]]]
    blocks: dict[str, str]
    partnerships: dict[tuple[str, str], int]
    targets: dict[tuple[int, str], int]
    versions: dict[int, tuple[Mapping[str, Any], list[Any]]]

    @classmethod
    def read(cls, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> _Known:
        areas = sorted({r["area_code"] for r in rows})
        indicators = sorted({r["indicator_code"] for r in rows})
        agreements: dict[str, list[Mapping[str, Any]]] = {}
        for agreement in conn.execute(
            select(Agreement).where(Agreement.area_code.in_(areas)).order_by(Agreement.start_date)
        ).mappings():
            agreements.setdefault(agreement["area_code"], []).append(agreement)
        blocks = dict(
            conn.execute(
                select(Indicator.code, Indicator.block_code).where(Indicator.code.in_(indicators))
            ).all()
        )
        partnerships = {
            (area, name): int(pid)
            for pid, area, name in conn.execute(
                select(Partnership.id, Partnership.area_code, Partnership.name).where(
                    Partnership.area_code.in_(areas)
                )
            )
        }
        ids = [a["id"] for found in agreements.values() for a in found]
        targets = {
            (agreement_id, indicator): int(tid)
            for tid, agreement_id, indicator in conn.execute(
                select(Target.id, Target.agreement_id, Target.indicator_code).where(
                    Target.agreement_id.in_(ids), Target.indicator_code.in_(indicators)
                )
            )
        }
        newest = (
            select(TargetVersion.target_id, func.max(TargetVersion.version).label("version"))
            .where(TargetVersion.target_id.in_(sorted(targets.values())))
            .group_by(TargetVersion.target_id)
            .subquery()
        )
        versions: dict[int, tuple[Mapping[str, Any], list[Any]]] = {
            v["target_id"]: (v, [])
            for v in conn.execute(
                select(TargetVersion).join(
                    newest,
                    and_(
                        newest.c.target_id == TargetVersion.target_id,
                        newest.c.version == TargetVersion.version,
                    ),
                )
            ).mappings()
        }
        target_of = {v["id"]: tid for tid, (v, _) in versions.items()}
        for version_id, period, value in conn.execute(
            select(
                TargetMilestone.target_version_id, TargetMilestone.period, TargetMilestone.value
            ).where(TargetMilestone.target_version_id.in_(sorted(target_of)))
        ):
            versions[target_of[version_id]][1].append((period, value))
        for _, milestones in versions.values():
            milestones.sort()
        return cls(agreements, blocks, partnerships, targets, versions)

    def agreement(self, area_code: str, target_period: date) -> Mapping[str, Any] | None:
        """`agreements.agreement_for` on the agreements read: the one whose term covers the
        target period, else the area's latest."""
        found = self.agreements.get(area_code, [])
        covering = [a for a in found if a["start_date"] <= target_period <= a["end_date"]]
        if covering:
            return covering[-1]
        return found[-1] if found else None


def _milestone_text(milestones: Sequence[tuple[date, float]]) -> str:
    return ";".join(f"{p.isoformat()}:{bare(v)}" for p, v in milestones)


def _insert_version(
    conn: Connection,
    actor: Actor,
    target_id: int,
    version: int,
    values: Mapping[str, Any],
    milestones: Sequence[tuple[date, float]],
    at: datetime,
    reason: str | None,
) -> None:
    version_id = conn.execute(
        TargetVersion.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "target_id": target_id,
                "version": version,
                **values,
                "recorded_at": at,
                "recorded_by": actor.name,
                "reason": reason,
            }
        ],
    ).inserted_primary_key[0]
    if milestones:
        conn.execute(
            TargetMilestone.__table__.insert(),  # type: ignore[attr-defined]
            [{"target_version_id": version_id, "period": p, "value": v} for p, v in milestones],
        )


def _version_in_force(conn: Connection, area_code: str, indicator_code: str) -> Mapping[str, Any]:
    cur = _current_versions()
    row = (
        conn.execute(
            select(TargetVersion, Agreement.status.label("agreement_status"), Agreement.area_code)
            .join(
                cur,
                and_(
                    cur.c.target_id == TargetVersion.target_id,
                    cur.c.version == TargetVersion.version,
                ),
            )
            .join(Target, Target.id == TargetVersion.target_id)
            .join(Agreement, Agreement.id == Target.agreement_id)
            .where(Agreement.area_code == area_code, Target.indicator_code == indicator_code)
            .order_by(Agreement.start_date.desc())
        )
        .mappings()
        .first()
    )
    if row is None:
        raise RuleViolation(f"{area_code} has no target for {indicator_code}")
    return row


def propose_target_change(
    engine: Engine,
    actor: Actor,
    area_code: str,
    indicator_code: str,
    *,
    target_value: float,
    reason: str,
    milestones: Sequence[tuple[date, float]] | None = None,
) -> int:
    """The officer proposes a changed ordinary target at the annual refresh: a new version that
    takes effect once the GO records its agreement (the version in force stays until then).
    Reward targets of a signed agreement are frozen (DOMAIN §4). Returns the new version."""
    if not (
        actor.is_admin
        or any(g.role == "officer" and g.area_code == area_code for g in actor.grants)
    ):
        deny(actor, f"propose target changes for {area_code}")
    if not reason.strip():
        raise RuleViolation("a target change needs a reason")
    with db.write_transaction(engine) as conn:
        current = _version_in_force(conn, area_code, indicator_code)
        if current["agreement_status"] == "signed" and current["without_reward_value"] is not None:
            raise RuleViolation(f"{area_code} {indicator_code}: {FROZEN_RULE}")
        newest = conn.execute(
            select(func.max(TargetVersion.version)).where(
                TargetVersion.target_id == current["target_id"]
            )
        ).scalar_one()
        kept = [
            (m.period, m.value)
            for m in conn.execute(
                select(TargetMilestone.period, TargetMilestone.value).where(
                    TargetMilestone.target_version_id == current["id"]
                )
            )
        ]
        values = {k: current[k] for k in (*TARGET_FIELDS, "partnership_id")}
        values["target_value"] = float(target_value)
        values["needs_agreement"] = True
        at = recorded_now(conn)
        _insert_version(conn, actor, int(current["target_id"]), int(newest) + 1, values,
                        sorted(milestones if milestones is not None else kept), at, reason.strip())  # fmt: skip
        _audit(conn, actor, "target:proposed", area_code=area_code, indicator_code=indicator_code,
               period=current["target_period"], before=current["target_value"], after=float(target_value),
               reason=reason.strip(), at=at)  # fmt: skip
        return int(newest) + 1


def pending_target_changes(engine: Engine, actor: Actor, area_code: str) -> pl.DataFrame:
    """Proposed target versions of an area still waiting for the GO's agreement (a
    department's: those of its own indicators)."""
    allowed = _check_read(engine, actor, [area_code], "the targets")
    query = (
        select(
            TargetVersion.id.label("version_id"),
            Target.indicator_code,
            TargetVersion.version,
            TargetVersion.target_value,
            TargetVersion.reason,
            TargetVersion.recorded_by,
            TargetVersion.recorded_at,
        )
        .join(Target, Target.id == TargetVersion.target_id)
        .join(Agreement, Agreement.id == Target.agreement_id)
        .where(
            Agreement.area_code == area_code,
            TargetVersion.needs_agreement.is_(True),
            TargetVersion.id.not_in(select(TargetAgreement.target_version_id)),
        )
        .order_by(Target.indicator_code, TargetVersion.version)
    )
    if allowed.indicators is not None:
        query = query.where(Target.indicator_code.in_(sorted(allowed.indicators)))
    return frames.read_frame(engine, query)


def agree_target_change(
    engine: Engine, actor: Actor, area_code: str, version_id: int, note: str | None = None
) -> None:
    """The GO records its agreement to a proposed change; from now on it is the target."""
    with engine.connect() as conn:
        region = conn.execute(select(Area.region_code).where(Area.code == area_code)).scalar()
    if not (
        actor.is_admin or any(g.role == "go" and g.region_code == region for g in actor.grants)
    ):
        deny(actor, f"record the GO's agreement for {area_code}")
    with db.write_transaction(engine) as conn:
        row = (
            conn.execute(
                select(TargetVersion, Target.indicator_code, Agreement.area_code)
                .join(Target, Target.id == TargetVersion.target_id)
                .join(Agreement, Agreement.id == Target.agreement_id)
                .where(TargetVersion.id == version_id)
            )
            .mappings()
            .first()
        )
        if row is None or row["area_code"] != area_code or not row["needs_agreement"]:
            raise RuleViolation(f"no proposed target change {version_id} in {area_code}")
        done = conn.execute(
            select(func.count()).where(TargetAgreement.target_version_id == version_id)
        ).scalar_one()
        if done:
            raise RuleViolation(f"the change {version_id} was already agreed")
        at = recorded_now(conn)
        conn.execute(
            TargetAgreement.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "target_version_id": version_id,
                    "agreed_by": actor.name,
                    "agreed_at": at,
                    "note": note,
                }
            ],
        )
        _audit(conn, actor, "target:agreed", area_code=area_code, indicator_code=row["indicator_code"],
               after=row["target_value"], reason=note or f"GO agreement to version {row['version']}", at=at)  # fmt: skip


def _partnership_id(
    conn: Connection, actor: Actor, area_code: str, name: str, block_code: str
) -> int:
    found = conn.execute(
        select(Partnership.id).where(Partnership.area_code == area_code, Partnership.name == name)
    ).scalar()
    if found is not None:
        return int(found)
    new_id = conn.execute(
        Partnership.__table__.insert(),  # type: ignore[attr-defined]
        [{"area_code": area_code, "name": name, "kind": "thematic", "block_code": block_code}],
    ).inserted_primary_key[0]
    _audit(conn, actor, "partnership:create", area_code=area_code, after=name)
    return int(new_id)
