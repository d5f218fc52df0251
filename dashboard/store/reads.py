"""Reading a scope: areas, targets with their versions, actuals, commentary and the reward split."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Select, and_, case, func, or_, select, true
from sqlalchemy.orm import aliased

from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.rules import RuleViolation, deny
from dashboard.store.scope import Readable, _check_read, readable
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AreaType,
    Block,
    Commentary,
    Department,
    DepartmentSuccession,
    Indicator,
    Outcome,
    Partnership,
    Region,
    Target,
    TargetAgreement,
    TargetMilestone,
    TargetVersion,
)


def area_facts_query() -> Select:
    """Every area's public reference facts (code, name, region and its name, type, population,
    deprivation rank), in name order: no performance figures."""
    return (
        select(
            Area.code.label("area_code"),
            Area.name.label("area_name"),
            Area.region_code,
            Region.name.label("region_name"),
            Area.la_type,
            Area.population,
            Area.deprivation_rank,
        )
        .join(Region, Region.code == Area.region_code)
        .order_by(Area.name)
    )


def list_areas(engine: Engine, actor: Actor) -> pl.DataFrame:
    """Areas the actor may see, with their current agreement's dates and status: the latest
    signed one (a draft being negotiated for the next term does not change the area's cohort),
    else the latest draft."""
    signed_start = case((Agreement.status == "signed", Agreement.start_date))
    latest = (
        select(
            Agreement.area_code,
            func.coalesce(func.max(signed_start), func.max(Agreement.start_date)).label(
                "start_date"
            ),
        )
        .group_by(Agreement.area_code)
        .subquery()
    )
    query = (
        area_facts_query()
        .add_columns(
            Agreement.start_date.label("agreement_start"),
            Agreement.end_date.label("agreement_end"),
            Agreement.status.label("agreement_status"),
        )
        .outerjoin(latest, latest.c.area_code == Area.code)
        .outerjoin(
            Agreement,
            and_(Agreement.area_code == Area.code, Agreement.start_date == latest.c.start_date),
        )
    )
    allowed = readable(engine, actor)
    if allowed.areas is not None:
        query = query.where(Area.code.in_(sorted(allowed.areas)))
    return frames.read_frame(
        engine,
        query,
        {
            "population": pl.Int64,
            "deprivation_rank": pl.Int64,
            "agreement_start": pl.Date,
            "agreement_end": pl.Date,
        },
    )


@dataclass(frozen=True)
class Scope:
    """Everything the metrics need for some areas, as polars frames (see dashboard.metrics)."""

    targets: pl.DataFrame
    milestones: pl.DataFrame
    actuals: pl.DataFrame
    agreements: pl.DataFrame
    commentary: pl.DataFrame = field(default_factory=pl.DataFrame)


def _current_versions(known_at: datetime | None = None) -> Any:
    """Each target's version in force: the newest one that needs no agreement or has it (a
    change proposed at the refresh waits for the GO's agreement; the earlier one applies).
    With `known_at`: the version in force then (recorded, and agreed, by that moment)."""
    agreed = select(TargetAgreement.target_version_id)
    recorded = TargetVersion.recorded_at <= known_at if known_at is not None else true()
    if known_at is not None:
        agreed = agreed.where(TargetAgreement.agreed_at <= known_at)
    in_force = or_(TargetVersion.needs_agreement.is_(False), TargetVersion.id.in_(agreed))
    return (
        select(TargetVersion.target_id, func.max(TargetVersion.version).label("version"))
        .where(in_force, recorded)
        .group_by(TargetVersion.target_id)
        .subquery()
    )


def versions_in_force(
    engine: Engine, actor: Actor, area_codes: Sequence[str], known_at: datetime | None
) -> pl.DataFrame:
    """(target_id, version) of each target of the areas in force at `known_at` (now: None)."""
    codes = list(area_codes)
    _check_read(engine, actor, codes, "the targets")
    cur = _current_versions(known_at)
    query = (
        select(cur.c.target_id, cur.c.version)
        .join(Target, Target.id == cur.c.target_id)
        .join(Agreement, Agreement.id == Target.agreement_id)
        .where(Agreement.area_code.in_(codes))
        .order_by(cur.c.target_id)
    )
    return frames.read_frame(engine, query, {"target_id": pl.Int64, "version": pl.Int64})


def load_scope(
    engine: Engine,
    actor: Actor,
    area_codes: Sequence[str],
    known_at: datetime | None = None,
    *,
    indicators: Sequence[str] | None = None,
) -> Scope:
    """Targets (current versions), milestones, current actuals and agreements of some areas.

    `known_at` reproduces what could be seen at a past time: only revisions recorded up to it,
    and the target versions in force then (a target not yet recorded then is not in the scope).
    `indicators` narrows the targets and values to those indicators (a return loads only its
    own, so a national return does not read every value of every area).
    """
    codes = list(area_codes)
    allowed = _check_read(engine, actor, codes, "the targets")
    # The values (most of a national scope's read) come on a connection of their own while
    # the targets, milestones and agreements are read: the driver lets go of Python meanwhile.
    # Many areas' values come in two halves at once, on two connections: the database works
    # on both together (national: SQLite 0.45 s to 0.24 s, PostgreSQL 0.78 s to 0.42 s).
    halves = [codes] if len(codes) < SPLIT_VALUES_AT else [codes[0::2], codes[1::2]]
    with ThreadPoolExecutor(max_workers=len(halves)) as beside:
        parts = [
            beside.submit(
                _current_actuals, engine, allowed, half, known_at, indicators, targeted_only=True
            )
            for half in halves
        ]

        def values() -> pl.DataFrame:
            found = [part.result() for part in parts]
            if len(found) == 1:
                return found[0]
            return pl.concat(found).sort(["area_code", "indicator_code", "period"])

        return _scope(engine, allowed, codes, known_at, indicators, values)


# From this many areas a scope's values are read in two halves at once (`load_scope`).
SPLIT_VALUES_AT = 8


def _scope(
    engine: Engine,
    allowed: Readable,
    codes: list[str],
    known_at: datetime | None,
    indicators: Sequence[str] | None,
    values: Callable[[], pl.DataFrame],
) -> Scope:
    """`load_scope` once allowed; `values()` gives its current values, being read meanwhile."""
    cur = _current_versions(known_at)
    targets_q = (
        select(
            Target.id.label("target_id"),
            Agreement.id.label("agreement_id"),
            Agreement.area_code,
            Target.indicator_code,
            Indicator.name.label("indicator_name"),
            Indicator.block_code,
            Block.name.label("block_name"),
            Block.sort_order.label("block_order"),
            Indicator.unit,
            Indicator.polarity,
            Indicator.decimals,
            Indicator.frequency,
            Indicator.period_basis,
            Indicator.lag_months,
            Indicator.department_code,
            Indicator.plausible_min,
            Indicator.plausible_max,
            Partnership.name.label("partnership"),
            TargetVersion.lead_officer,
            TargetVersion.measure,
            TargetVersion.version,
            Agreement.start_date.label("agreement_start"),
            Agreement.end_date.label("agreement_end"),
            Agreement.status.label("agreement_status"),
            TargetVersion.baseline_period,
            TargetVersion.baseline_value,
            TargetVersion.target_period,
            TargetVersion.target_value,
            TargetVersion.without_reward_value,
            TargetVersion.without_reward_value.is_not(None).label("is_reward"),
            TargetVersion.agreed_share_gbp,
            TargetVersion.focus,
        )
        .join(Agreement, Agreement.id == Target.agreement_id)
        .join(cur, cur.c.target_id == Target.id)
        .join(
            TargetVersion,
            and_(TargetVersion.target_id == Target.id, TargetVersion.version == cur.c.version),
        )
        .join(Indicator, Indicator.code == Target.indicator_code)
        .join(Block, Block.code == Indicator.block_code)
        .join(Partnership, Partnership.id == TargetVersion.partnership_id)
        .where(Agreement.area_code.in_(codes))
        .order_by(Agreement.area_code, Block.sort_order, Target.indicator_code)
    )
    if allowed.indicators is not None:
        targets_q = targets_q.where(Target.indicator_code.in_(sorted(allowed.indicators)))
    if indicators is not None:
        targets_q = targets_q.where(Target.indicator_code.in_(sorted(set(indicators))))
    targets = frames.read_frame(
        engine,
        targets_q,
        {
            "target_id": pl.Int64,
            "agreement_id": pl.Int64,
            "decimals": pl.Int64,
            "lag_months": pl.Int64,
            "version": pl.Int64,
            "block_order": pl.Int64,
            "agreement_start": pl.Date,
            "agreement_end": pl.Date,
            "baseline_period": pl.Date,
            "target_period": pl.Date,
            "baseline_value": pl.Float64,
            "target_value": pl.Float64,
            "without_reward_value": pl.Float64,
            "plausible_min": pl.Float64,
            "plausible_max": pl.Float64,
            "is_reward": pl.Boolean,
            "agreed_share_gbp": pl.Float64,
            "focus": pl.Utf8,
        },
    ).with_columns(
        pl.col("agreed_share_gbp").cast(pl.Float64), pl.col("is_reward").cast(pl.Boolean)
    )

    milestones_q = (
        select(TargetVersion.target_id, TargetMilestone.period, TargetMilestone.value)
        .join(
            cur,
            and_(
                cur.c.target_id == TargetVersion.target_id, cur.c.version == TargetVersion.version
            ),
        )
        .join(TargetMilestone, TargetMilestone.target_version_id == TargetVersion.id)
        .join(Target, Target.id == TargetVersion.target_id)
        .join(Agreement, Agreement.id == Target.agreement_id)
        .where(Agreement.area_code.in_(codes))
        .order_by(TargetVersion.target_id, TargetMilestone.period)
    )
    if allowed.indicators is not None:
        milestones_q = milestones_q.where(Target.indicator_code.in_(sorted(allowed.indicators)))
    if indicators is not None:
        milestones_q = milestones_q.where(Target.indicator_code.in_(sorted(set(indicators))))
    milestones = frames.read_frame(
        engine, milestones_q, {"target_id": pl.Int64, "period": pl.Date, "value": pl.Float64}
    )
    milestones = milestones.filter(pl.col("target_id").is_in(targets["target_id"].implode()))

    actuals = (
        values()
        .join(
            targets.select("target_id", "area_code", "indicator_code"),
            on=["area_code", "indicator_code"],
            maintain_order="left",
        )
        .select(
            "target_id",
            "area_code",
            "indicator_code",
            "period",
            "value",
            "status",
            "data_quality",
            "revision",
            "revision_count",
            "recorded_at",
            "recorded_by",
            "has_earlier_final",
        )
    )

    agreements_q = (
        select(
            Agreement.id.label("agreement_id"),
            Agreement.area_code,
            Area.name.label("area_name"),
            Area.population,
            Area.net_budget_requirement_gbp,
            Agreement.start_date.label("agreement_start"),
            Agreement.end_date.label("agreement_end"),
            Agreement.status,
            Agreement.signed_date,
            Agreement.pump_priming_gbp,
            Agreement.reward_rate,
            Agreement.reward_threshold,
        )
        .join(Area, Area.code == Agreement.area_code)
        .where(Agreement.area_code.in_(codes))
    )
    agreements = frames.read_frame(
        engine,
        agreements_q,
        {
            "agreement_id": pl.Int64,
            "population": pl.Int64,
            "agreement_start": pl.Date,
            "agreement_end": pl.Date,
            "signed_date": pl.Date,
        },
    ).with_columns(
        pl.col(
            "net_budget_requirement_gbp", "pump_priming_gbp", "reward_rate", "reward_threshold"
        ).cast(pl.Float64)
    )
    agreements = agreements.join(
        _reward_split(engine, codes), on="agreement_id", how="left"
    ).with_columns(pl.col(list(REWARD_SPLIT_COLUMNS)).fill_null(0))
    commentary = _load_commentary(engine, allowed, codes)
    return Scope(targets, milestones, actuals, agreements, commentary)


# How each agreement's maximum is split (DOMAIN §5), over all its reward targets: a reader of
# only some of them (a department, a return's indicators) still gets their exact shares.
REWARD_SPLIT_COLUMNS = ("reward_split_count", "reward_agreed_gbp")


def _reward_split_query(area_codes: Iterable[str]):  # type: ignore[no-untyped-def]
    """Per agreement, over the current versions of its reward targets: how many have no
    agreed share (they split the rest equally) and the sum of the agreed shares."""
    cur = _current_versions()
    return (
        select(
            Target.agreement_id,
            func.sum(case((TargetVersion.agreed_share_gbp.is_(None), 1), else_=0)).label(
                "reward_split_count"
            ),
            func.coalesce(func.sum(TargetVersion.agreed_share_gbp), 0).label("reward_agreed_gbp"),
        )
        .join(cur, cur.c.target_id == Target.id)
        .join(
            TargetVersion,
            and_(TargetVersion.target_id == Target.id, TargetVersion.version == cur.c.version),
        )
        .join(Agreement, Agreement.id == Target.agreement_id)
        .where(
            Agreement.area_code.in_(sorted(set(area_codes))),
            TargetVersion.without_reward_value.is_not(None),
        )
        .group_by(Target.agreement_id)
    )


def _check_reward_split(conn: Connection, area_codes: Iterable[str]) -> None:
    """Agreed reward shares may not total more than the agreement's maximum grant (net budget
    requirement x reward rate): such an agreement has no exact split, so it is refused at the
    write rather than breaking every page of the area later."""
    split = _reward_split_query(area_codes).subquery()
    query = (
        select(
            Agreement.area_code,
            Area.net_budget_requirement_gbp,
            Agreement.reward_rate,
            split.c.reward_agreed_gbp,
        )
        .join(split, split.c.agreement_id == Agreement.id)
        .join(Area, Area.code == Agreement.area_code)
    )
    for area, budget, rate, agreed in conn.execute(query).all():
        if budget is None or rate is None:
            continue
        maximum = Decimal(str(budget)) * Decimal(str(rate))
        if Decimal(str(agreed)) > maximum:
            raise RuleViolation(
                f"area {area}: the agreed reward shares total £{Decimal(str(agreed)):,.2f}, more "
                f"than the maximum reward grant of £{maximum:,.2f}: nothing was written"
            )


def _reward_split(engine: Engine, area_codes: Sequence[str]) -> pl.DataFrame:
    """`_reward_split_query` as a frame. Aggregates only, so no target is read."""
    frame = frames.read_frame(
        engine, _reward_split_query(area_codes),
        {"agreement_id": pl.Int64, "reward_split_count": pl.Int64,
         "reward_agreed_gbp": pl.Float64},
    )  # fmt: skip
    # Agreed shares are whole pennies: round away the float noise of a SQLite sum.
    return frame.with_columns(pl.col("reward_agreed_gbp").cast(pl.Float64).round(2))


def current_actuals(
    engine: Engine,
    actor: Actor,
    area_codes: Sequence[str],
    known_at: datetime | None = None,
    *,
    indicators: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The current revision per area × indicator × period (the highest revision number)."""
    allowed = _check_read(engine, actor, area_codes, "the values")
    return _current_actuals(engine, allowed, area_codes, known_at, indicators)


# The current revision's columns, then how many revisions were known and whether an earlier
# one was final ("Revised" is shown, not stored: a final value with an earlier final revision).
_CURRENT_SCHEMA = {
    "period": pl.Date,
    "revision": pl.Int64,
    "value": pl.Float64,
    "data_quality": pl.Utf8,
    "recorded_at": pl.Datetime("us", "UTC"),
    "revision_count": pl.UInt32,
    "has_earlier_final": pl.Boolean,
}


def _current_actuals(
    engine: Engine,
    allowed: Readable,
    area_codes: Sequence[str],
    known_at: datetime | None,
    indicators: Sequence[str] | None,
    *,
    targeted_only: bool = False,
) -> pl.DataFrame:
    """`current_actuals` once the read is allowed: the latest revision known per key chosen in
    SQL, so only current values are read, not every revision of the scope.
    `targeted_only` skips values of indicators the area has no target on (a scope's targets
    are joined to them afterwards, so those could never show)."""
    keys = (ActualRevision.area_code, ActualRevision.indicator_code, ActualRevision.period)
    where = [ActualRevision.area_code.in_(list(area_codes))]
    if allowed.indicators is not None:
        where.append(ActualRevision.indicator_code.in_(sorted(allowed.indicators)))
    if indicators is not None:
        where.append(ActualRevision.indicator_code.in_(sorted(set(indicators))))
    if known_at is not None:
        where.append(ActualRevision.recorded_at <= known_at)
    if targeted_only and engine.dialect.name == "postgresql":
        where.append(
            select(Target.id)
            .join(Agreement, Agreement.id == Target.agreement_id)
            .where(
                Agreement.area_code == ActualRevision.area_code,
                Target.indicator_code == ActualRevision.indicator_code,
            )
            .exists()
        )
    is_final = case((ActualRevision.status == "final", 1), else_=0)
    columns = (
        *keys,
        ActualRevision.revision,
        ActualRevision.value,
        ActualRevision.status,
        ActualRevision.data_quality,
        ActualRevision.recorded_at,
        ActualRevision.recorded_by,
    )
    if engine.dialect.name == "postgresql":
        # One pass with window functions: on PostgreSQL faster than the max-join, which
        # aggregates the revisions and then joins them again (measured on the national seed).
        ranked = (
            select(
                *columns,
                func.row_number()
                .over(partition_by=keys, order_by=ActualRevision.revision.desc())
                .label("newest"),
                func.count().over(partition_by=keys).label("revision_count"),
                (func.sum(is_final).over(partition_by=keys) - is_final > 0).label(
                    "has_earlier_final"
                ),
            )
            .where(*where)
            .subquery("ranked")
        )
        names = [c.key for c in columns] + ["revision_count", "has_earlier_final"]
        query = select(*(ranked.c[n] for n in names)).where(ranked.c.newest == 1)
    else:
        # SQLite: the newest revision and the count per key, then that row by the unique key:
        # faster there than the window functions. Today's values need only the unique (area,
        # indicator, period, revision) index for the first step, and an earlier final revision
        # is looked for only where a key has several (most have one): the table is read once
        # per key, not once per revision (national: 0.35 s to 0.30 s). Values known at an
        # earlier time need each revision's recorded time, so there the finals are counted
        # in the same pass.
        counted = [func.sum(is_final).label("finals")] if known_at is not None else []
        known = select(
            *keys,
            func.max(ActualRevision.revision).label("revision"),
            func.count().label("revision_count"),
            *counted,
        )
        if targeted_only:
            # The (area, indicator) pairs with a target joined, not an EXISTS per revision:
            # SQLite then seeks each pair's values by the index instead of testing every value
            # of the areas (national: 0.75 s to 0.44 s for every area's current values).
            targeted = (
                select(Agreement.area_code, Target.indicator_code)
                .join(Agreement, Agreement.id == Target.agreement_id)
                .where(Agreement.area_code.in_(list(area_codes)))
                .distinct()
                .subquery("targeted")
            )
            known = known.select_from(targeted).join(
                ActualRevision,
                and_(
                    ActualRevision.area_code == targeted.c.area_code,
                    ActualRevision.indicator_code == targeted.c.indicator_code,
                ),
            )
        known = known.where(*where).group_by(*keys).subquery("known")
        if known_at is not None:
            has_earlier_final = known.c.finals - is_final > 0
        else:
            earlier = aliased(ActualRevision, name="earlier")
            earlier_final = (
                select(earlier.id)
                .where(
                    earlier.area_code == ActualRevision.area_code,
                    earlier.indicator_code == ActualRevision.indicator_code,
                    earlier.period == ActualRevision.period,
                    earlier.revision < ActualRevision.revision,
                    earlier.status == "final",
                )
                .exists()
            )
            has_earlier_final = case((known.c.revision_count > 1, earlier_final), else_=False)
        query = select(
            *columns,
            known.c.revision_count,
            has_earlier_final.label("has_earlier_final"),
        ).join(
            known,
            and_(
                ActualRevision.area_code == known.c.area_code,
                ActualRevision.indicator_code == known.c.indicator_code,
                ActualRevision.period == known.c.period,
                ActualRevision.revision == known.c.revision,
            ),
        )
    # Sorted here, not by SQL: PostgreSQL's collation may order codes unlike polars.
    return frames.read_frame(engine, query, _CURRENT_SCHEMA).sort(
        ["area_code", "indicator_code", "period"]
    )


def actual_revisions(
    engine: Engine, actor: Actor, area_code: str, indicator_code: str
) -> pl.DataFrame:
    """Every revision of one area's values for one indicator, newest first."""
    allowed = _check_read(engine, actor, [area_code], "the values")
    if allowed.indicators is not None and indicator_code not in allowed.indicators:
        deny(actor, f"read the values of {indicator_code} in {area_code}")
    query = (
        select(
            ActualRevision.period,
            ActualRevision.revision,
            ActualRevision.value,
            ActualRevision.status,
            ActualRevision.data_quality,
            ActualRevision.recorded_at,
            ActualRevision.recorded_by,
            ActualRevision.source,
            ActualRevision.note,
        )
        .where(
            ActualRevision.area_code == area_code, ActualRevision.indicator_code == indicator_code
        )
        .order_by(ActualRevision.period.desc(), ActualRevision.revision.desc())
    )
    return frames.read_frame(
        engine,
        query,
        {
            "period": pl.Date,
            "value": pl.Float64,
            "data_quality": pl.Utf8,
            "source": pl.Utf8,
            "note": pl.Utf8,
        },
    )


def load_commentary(engine: Engine, actor: Actor, area_codes: Sequence[str]) -> pl.DataFrame:
    allowed = _check_read(engine, actor, area_codes, "the commentary")
    return _load_commentary(engine, allowed, area_codes)


def _load_commentary(engine: Engine, allowed: Readable, area_codes: Sequence[str]) -> pl.DataFrame:
    query = (
        select(
            Commentary.area_code,
            Commentary.indicator_code,
            Commentary.period,
            Commentary.text,
            Commentary.author,
            Commentary.recorded_at,
            Commentary.kind,
            Commentary.action,
        )
        .where(Commentary.area_code.in_(list(area_codes)))
        .order_by(Commentary.recorded_at.desc(), Commentary.id.desc())
    )
    if allowed.indicators is not None:
        query = query.where(Commentary.indicator_code.in_(sorted(allowed.indicators)))
    return frames.read_frame(
        engine, query, {"period": pl.Date, "recorded_at": pl.Datetime("us", "UTC")}
    )


def load_indicators(
    engine: Engine, actor: Actor, codes: Iterable[str] | None = None
) -> pl.DataFrame:
    query = (
        select(
            Indicator.code.label("indicator_code"),
            Indicator.name,
            Indicator.block_code,
            Indicator.unit,
            Indicator.polarity,
            Indicator.decimals,
            Indicator.frequency,
            Indicator.period_basis,
            Indicator.lag_months,
            Indicator.data_source,
            Indicator.department_code,
            Indicator.outcome_type,
            Outcome.name.label("outcome"),
            Indicator.plausible_min,
            Indicator.plausible_max,
            Indicator.definition,
            Indicator.clarifications,
            Indicator.stretch_rationale,
            Indicator.reward_rationale,
            Indicator.mandatory_reason,
            Block.name.label("block_name"),
            Block.sort_order.label("block_order"),
        )
        .join(Block, Block.code == Indicator.block_code)
        .outerjoin(Outcome, Outcome.id == Indicator.outcome_id)
    )
    if codes is not None:
        query = query.where(Indicator.code.in_(list(codes)))
    return frames.read_frame(engine, query.order_by(Indicator.code))


def reference_codes(engine: Engine) -> dict[str, Any]:
    """The codes an import may refer to, and each indicator's calendar, for validation."""
    with engine.connect() as conn:
        calendars = {
            code: (frequency, basis)
            for code, frequency, basis in conn.execute(
                select(Indicator.code, Indicator.frequency, Indicator.period_basis)
            )
        }
        return {
            "indicator_period": calendars,
            "region": set(conn.execute(select(Region.code)).scalars()),
            "la_type": set(conn.execute(select(AreaType.code)).scalars()),
            "department": set(conn.execute(select(Department.code)).scalars()),
            "block": set(conn.execute(select(Block.code)).scalars()),
            "area": set(conn.execute(select(Area.code)).scalars()),
            "indicator": set(conn.execute(select(Indicator.code)).scalars()),
        }


def department_successors(engine: Engine) -> pl.DataFrame:
    return frames.read_frame(
        engine, select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
    )


def area_has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Area)).scalar_one() > 0
