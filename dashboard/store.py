"""The only code that talks SQL: reads scopes into polars frames, writes in one transaction.

Every read and write takes the acting user (`Actor`) so access can be enforced here, in the
core, not only in the menu. Nothing is overwritten: actual values gain revisions, targets gain
versions, and every change writes an audit row in the same transaction.
"""

from __future__ import annotations

import csv
import getpass
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import polars as pl
from sqlalchemy import Connection, Engine, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from dashboard import access, db, security
from dashboard.access import AccessDenied, Actor, Grant
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AreaType,
    AuditEvent,
    Block,
    Commentary,
    Department,
    DepartmentSuccession,
    Indicator,
    LockExemption,
    Outcome,
    Partnership,
    PeriodLock,
    Region,
    ReportingLine,
    ReviewSignOff,
    Setting,
    Target,
    TargetAgreement,
    TargetMilestone,
    TargetVersion,
)
from data_models.values import COMMENTARY_KINDS

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "seed_data" / "framework"

FROZEN_RULE = (
    "stretched targets cannot be refreshed: once the agreement is signed, its reward targets "
    "and their baseline, without-reward and stretched figures are frozen for its three years"
)


class RuleViolation(ValueError):
    """A domain rule refuses this change; nothing was changed."""


class ConcurrentChange(RuleViolation):
    """Someone else changed the same value since it was read (optimistic check); nothing was
    changed: review and save again."""


def cli_actor(as_user: str | None = None) -> Actor:
    """The operator's actor: an administrator, recorded as `cli:<os user>` (or `as_user`).

    The `laa` command runs as this without `--as`: whoever can run it holds the database
    credentials anyway (see the README). `laa --as USER` does not use it: it acts as the
    stored user with their own grants (`accounts.actor_for`).
    """
    return Actor(as_user or f"cli:{getpass.getuser()}", (Grant("admin"),))


def deny(actor: Actor, what: str) -> NoReturn:
    """Refuse: write the security log, then raise AccessDenied (nothing has changed)."""
    security.refused(actor.name, what)
    raise AccessDenied(f"{actor.name} may not {what}")


def _require_admin(actor: Actor, what: str) -> None:
    if not access.can_administer(actor):
        deny(actor, what)


_BACKDATE: ContextVar[datetime | None] = ContextVar("laa_backdate", default=None)


def utcnow() -> datetime:
    """The wall clock (UTC), unless inside `backdated`: for expiry checks. Writes are stamped
    with `recorded_now`."""
    return _BACKDATE.get() or datetime.now(UTC)


def wall_clock() -> datetime:
    """The real time (UTC), whatever the business date or backdating."""
    return datetime.now(UTC)


def recorded_now(conn: Connection) -> datetime:
    """The recorded time of a write (DOMAIN §8), the one clock of every write path.

    Inside `backdated`: the chosen time (loading history). In a database whose business date
    is fixed (the `today` setting, as in the demo): that date at the real time of day, so what
    is entered today belongs to the database's present. Otherwise the wall clock (UTC).
    """
    backdate = _BACKDATE.get()
    if backdate is not None:
        return backdate
    now = wall_clock()
    fixed = conn.execute(select(Setting.value).where(Setting.key == "today")).scalar()
    if not fixed:
        return now
    return datetime.combine(date.fromisoformat(fixed), now.timetz())


def _wall_clock_of_write() -> datetime | None:
    """The audit's real time of a write; none for backdated history (it has no real moment
    of its own, and the demo stays the same on every run)."""
    return None if _BACKDATE.get() is not None else wall_clock()


class Backdate:
    """Moves the recorded time of writes made inside `backdated` (see there)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    @property
    def at(self) -> datetime:
        return _BACKDATE.get() or datetime.now(UTC)

    @at.setter
    def at(self, value: datetime) -> None:
        _BACKDATE.set(value)


@contextmanager
def backdated(at: datetime) -> Iterator[Backdate]:
    """Stamp writes in this context (this thread/task only) with a chosen time, not the clock.

    For loading history (the demo generator backdates to period end + lag, DOMAIN §8); the
    previous clock comes back on exit, even on error.
    """
    token = _BACKDATE.set(at)
    try:
        yield Backdate(at)
    finally:
        _BACKDATE.reset(token)


def bare(value: float | Decimal | str | None) -> str | None:
    """A value as it would be written in an import file (`5300`, `34.4`), for audit rows."""
    if value is None:
        return None
    if isinstance(value, float):
        # Beyond 1e15 a float's integer digits are noise: 1e38 stays `1e+38`, not 39 digits.
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


# --------------------------------------------------------------------------- schema & settings


def upgrade(url: str | None = None) -> None:
    """Migrate the schema to head and load the reference lists (idempotent)."""
    db.upgrade(url)
    engine = db.get_engine(url)
    with db.write_transaction(engine) as conn:
        sync_reference_data(conn)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (FRAMEWORK_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def sync_reference_data(conn: Connection) -> None:
    """Insert the reference lists (regions, area types, departments, blocks) that are missing."""

    def missing(model: type[SQLModel], key: str, rows: list[dict[str, Any]]) -> list[dict]:
        have = {r[0] for r in conn.execute(select(getattr(model, key)))}
        return [r for r in rows if r[key] not in have]

    plan: list[tuple[type[SQLModel], str, list[dict[str, Any]]]] = [
        (
            Region,
            "code",
            [{"code": r["region_code"], "name": r["name"]} for r in _read_csv("regions.csv")],
        ),
        (
            AreaType,
            "code",
            [{"code": r["la_type"], "name": r["name"]} for r in _read_csv("area_types.csv")],
        ),
        (
            Department,
            "code",
            [
                {
                    "code": r["department_code"],
                    "name": r["name"],
                    "valid_from": _d(r["valid_from"]),
                    "valid_to": _d(r["valid_to"]),
                }
                for r in _read_csv("departments.csv")
            ],
        ),
        (
            Block,
            "code",
            [
                {
                    "code": r["block_code"],
                    "name": r["name"],
                    "lead_department_code": r["lead_department_code"],
                    "sort_order": int(r["sort_order"]),
                }
                for r in _read_csv("blocks.csv")
            ],
        ),
    ]
    for model, key, rows in plan:
        new = missing(model, key, rows)
        if new:
            conn.execute(model.__table__.insert(), new)  # type: ignore[attr-defined]
    have = {
        (p, s)
        for p, s in conn.execute(
            select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
        )
    }
    succ = [
        {
            "predecessor_code": r["predecessor_code"],
            "successor_code": r["successor_code"],
            "on_date": _d(r["on_date"]),
        }
        for r in _read_csv("department_successions.csv")
        if (r["predecessor_code"], r["successor_code"]) not in have
    ]
    if succ:
        conn.execute(DepartmentSuccession.__table__.insert(), succ)  # type: ignore[attr-defined]


def get_setting(engine: Engine, key: str, default: str | None = None) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    return default if value is None else value


def set_setting(
    engine: Engine, actor: Actor, key: str, value: str, reason: str | None = None
) -> None:
    _require_admin(actor, f"change the setting {key}")
    with db.write_transaction(engine) as conn:
        _set_setting(conn, actor, key, value, reason)


def _set_setting(conn: Connection, actor: Actor, key: str, value: str, reason: str | None) -> None:
    before = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    if before == value:
        return
    if before is None:
        conn.execute(Setting.__table__.insert(), [{"key": key, "value": value}])  # type: ignore[attr-defined]
    else:
        conn.execute(Setting.__table__.update().where(Setting.key == key).values(value=value))  # type: ignore[attr-defined]
    _audit(conn, actor, f"setting:{key}", before=before, after=value, reason=reason)


def business_today(engine: Engine) -> date:
    """The app's "today" (DOMAIN §8): the `today` setting, else the system date."""
    value = get_setting(engine, "today")
    return date.fromisoformat(value) if value else datetime.now(UTC).date()


def rag_tolerance(engine: Engine) -> float:
    return float(get_setting(engine, "rag_tolerance", "0.10") or "0.10")


def is_demo(engine: Engine) -> bool:
    return get_setting(engine, "demo") == "true"


# --------------------------------------------------------------------------------------- audit


def _audit(
    conn: Connection,
    actor: Actor,
    action: str,
    *,
    area_code: str | None = None,
    indicator_code: str | None = None,
    period: date | None = None,
    before: Any = None,
    after: Any = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    conn.execute(
        AuditEvent.__table__.insert(),  # type: ignore[attr-defined]
        [
            {
                "at": at or recorded_now(conn),
                "wall_clock_at": _wall_clock_of_write(),
                "user": actor.name,
                "action": action,
                "area_code": area_code,
                "indicator_code": indicator_code,
                "period": period,
                "before": bare(before),
                "after": bare(after),
                "reason": reason,
            }
        ],
    )


def audit_frame(
    engine: Engine, actor: Actor, area_code: str | None = None, since: date | None = None
) -> pl.DataFrame:
    """The audit trail, oldest first: everything for an admin, one area for its officer."""
    if not actor.is_admin:
        officer_of = {g.area_code for g in actor.of_role("officer")}
        if area_code is None or area_code not in officer_of:
            deny(actor, f"read the audit trail{f' of {area_code}' if area_code else ''}")
    query = select(
        AuditEvent.at,
        AuditEvent.user,
        AuditEvent.action,
        AuditEvent.area_code,
        AuditEvent.indicator_code,
        AuditEvent.period,
        AuditEvent.before,
        AuditEvent.after,
        AuditEvent.reason,
        AuditEvent.wall_clock_at,  # the real time of the write, beside `at` (recorded time)
    ).order_by(AuditEvent.id)
    if area_code:
        query = query.where(AuditEvent.area_code == area_code)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, datetime.min.time(), UTC))
    return _frame(engine, query)


# --------------------------------------------------------------------------------------- reads


def _polars_type(sa_type: Any) -> Any:
    """The polars dtype for a SQLAlchemy column type, so empty results keep their schema."""
    from sqlalchemy import types as t

    if isinstance(sa_type, t.Boolean):
        return pl.Boolean
    if isinstance(sa_type, t.Integer):
        return pl.Int64
    if isinstance(sa_type, t.Float | t.Numeric):
        return pl.Float64
    if isinstance(sa_type, t.DateTime):
        return pl.Datetime("us", "UTC")
    if isinstance(sa_type, t.Date):
        return pl.Date
    if isinstance(sa_type, t.String):
        return pl.Utf8
    inner = getattr(sa_type, "impl", None)
    return _polars_type(inner) if isinstance(inner, t.TypeEngine) else None


def _frame(engine: Engine, query: Any, schema: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """Run a typed select into polars; money (Numeric) arrives as Float64 (exact via repr)."""
    types = {c.key: _polars_type(c.type) for c in query.selected_columns}
    overrides = {k: v for k, v in types.items() if v is not None} | dict(schema or {})
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    schema_list = [(c, overrides.get(c, pl.Utf8 if not rows else None)) for c in types]
    return pl.DataFrame([tuple(r) for r in rows], schema=schema_list, orient="row", strict=False)


def department_families(conn: Connection, codes: Iterable[str]) -> dict[str, set[str]]:
    """Each department with its predecessors and successors (the same department across a
    rename or split). Not siblings: DCSF's family holds DfES but not DIUS, though both came
    from DfES, so a line addressed to DfES counts for each successor and a line to DIUS only
    for DIUS (and DfES)."""
    links = conn.execute(
        select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
    ).all()

    def walk(code: str, forward: bool) -> set[str]:
        seen: set[str] = set()
        frontier = [code]
        while frontier:  # a handful of renames: a tiny graph walk
            here = frontier.pop()
            step = (
                [a for b, a in links if b == here]
                if forward
                else [b for b, a in links if a == here]
            )
            frontier += [n for n in step if n not in seen]
            seen.update(step)
        return seen

    return {code: {code} | walk(code, True) | walk(code, False) for code in codes}


def department_family(conn: Connection, codes: Iterable[str]) -> set[str]:
    """The union of the departments' families (see `department_families`)."""
    return set().union(*department_families(conn, codes).values())


@dataclass(frozen=True)
class Readable:
    """What one actor may read, resolved against the database."""

    areas: frozenset[str] | None  # None: every area
    indicators: frozenset[str] | None  # None: every indicator of those areas


def readable(engine: Engine, actor: Actor) -> Readable:
    """Resolve the actor's grants to area and indicator codes (DOMAIN roles, dashboard.access)."""
    scope = access.read_scope(actor)
    if scope.all_areas:
        return Readable(None, None)
    with engine.connect() as conn:
        areas = set(scope.areas)
        if scope.regions:
            areas |= set(
                conn.execute(
                    select(Area.code).where(Area.region_code.in_(sorted(scope.regions)))
                ).scalars()
            )
        if scope.indicator_limited:
            family = department_family(conn, scope.departments)
            indicators = frozenset(
                conn.execute(
                    select(ReportingLine.indicator_code)
                    .where(
                        ReportingLine.recipient_type == "department",
                        ReportingLine.recipient_code.in_(sorted(family)),
                    )
                    .distinct()
                ).scalars()
            )
            return Readable(None, indicators)
    return Readable(frozenset(areas), None)


def check_areas_exist(engine: Engine, area_codes: Iterable[str]) -> None:
    """Refuse unknown area codes (a department reads every area, but only areas that exist)."""
    codes = set(area_codes)
    with engine.connect() as conn:
        found = set(conn.execute(select(Area.code).where(Area.code.in_(sorted(codes)))).scalars())
    if codes - found:
        raise RuleViolation(f"unknown area {', '.join(sorted(codes - found))}")


def _check_read(engine: Engine, actor: Actor, area_codes: Iterable[str], what: str) -> Readable:
    """Refuse (and log) a read of any area outside the actor's grants."""
    allowed = readable(engine, actor)
    if allowed.areas is not None:
        outside = sorted(set(area_codes) - allowed.areas)
        if outside:
            deny(actor, f"read {what} of {', '.join(outside)}")
    return allowed


def list_areas(engine: Engine, actor: Actor) -> pl.DataFrame:
    """Areas the actor may see, with their current agreement's dates and status."""
    latest = (
        select(Agreement.area_code, func.max(Agreement.start_date).label("start_date"))
        .group_by(Agreement.area_code)
        .subquery()
    )
    query = (
        select(
            Area.code.label("area_code"),
            Area.name.label("area_name"),
            Area.region_code,
            Region.name.label("region_name"),
            Area.la_type,
            Area.population,
            Area.deprivation_rank,
            Agreement.start_date.label("agreement_start"),
            Agreement.end_date.label("agreement_end"),
            Agreement.status.label("agreement_status"),
        )
        .join(Region, Region.code == Area.region_code)
        .outerjoin(latest, latest.c.area_code == Area.code)
        .outerjoin(
            Agreement,
            and_(Agreement.area_code == Area.code, Agreement.start_date == latest.c.start_date),
        )
        .order_by(Area.name)
    )
    allowed = readable(engine, actor)
    if allowed.areas is not None:
        query = query.where(Area.code.in_(sorted(allowed.areas)))
    return _frame(
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


def _current_versions() -> Any:
    """Each target's version in force: the newest one that needs no agreement or has it (a
    change proposed at the refresh waits for the GO's agreement; the earlier one applies)."""
    in_force = or_(
        TargetVersion.needs_agreement.is_(False),
        TargetVersion.id.in_(select(TargetAgreement.target_version_id)),
    )
    return (
        select(TargetVersion.target_id, func.max(TargetVersion.version).label("version"))
        .where(in_force)
        .group_by(TargetVersion.target_id)
        .subquery()
    )


def load_scope(
    engine: Engine,
    actor: Actor,
    area_codes: Sequence[str],
    known_at: datetime | None = None,
    *,
    indicators: Sequence[str] | None = None,
) -> Scope:
    """Targets (current versions), milestones, current actuals and agreements of some areas.

    `known_at` reproduces what could be seen at a past time: only revisions recorded up to it.
    `indicators` narrows the targets and values to those indicators (a return loads only its
    own, so a national return does not read every value of every area).
    """
    codes = list(area_codes)
    allowed = _check_read(engine, actor, codes, "the targets")
    cur = _current_versions()
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
    targets = _frame(
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
    milestones = _frame(
        engine, milestones_q, {"target_id": pl.Int64, "period": pl.Date, "value": pl.Float64}
    )
    milestones = milestones.filter(pl.col("target_id").is_in(targets["target_id"].implode()))

    actuals = current_actuals(engine, actor, codes, known_at=known_at, indicators=indicators)
    actuals = actuals.join(
        targets.select("target_id", "area_code", "indicator_code"),
        on=["area_code", "indicator_code"],
    ).select(
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
    agreements = _frame(
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
    commentary = load_commentary(engine, actor, codes)
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
    frame = _frame(
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
    base = select(
        ActualRevision.area_code,
        ActualRevision.indicator_code,
        ActualRevision.period,
        ActualRevision.revision,
        ActualRevision.value,
        ActualRevision.status,
        ActualRevision.data_quality,
        ActualRevision.recorded_at,
        ActualRevision.recorded_by,
    ).where(ActualRevision.area_code.in_(list(area_codes)))
    allowed = _check_read(engine, actor, area_codes, "the values")
    if allowed.indicators is not None:
        base = base.where(ActualRevision.indicator_code.in_(sorted(allowed.indicators)))
    if indicators is not None:
        base = base.where(ActualRevision.indicator_code.in_(sorted(set(indicators))))
    if known_at is not None:
        base = base.where(ActualRevision.recorded_at <= known_at)
    revisions = _frame(
        engine,
        base,
        {
            "period": pl.Date,
            "revision": pl.Int64,
            "value": pl.Float64,
            "data_quality": pl.Utf8,
            "recorded_at": pl.Datetime("us", "UTC"),
        },
    )
    keys = ["area_code", "indicator_code", "period"]
    return (
        revisions.sort([*keys, "revision"])
        .with_columns(
            pl.len().over(keys).alias("revision_count"),
            # "Revised" is shown, not stored: a final value with an earlier final revision.
            (
                (pl.col("status") == "final").cum_sum().over(keys)
                - (pl.col("status") == "final").cast(pl.UInt32)
                > 0
            ).alias("has_earlier_final"),
        )
        .group_by(keys, maintain_order=True)
        .last()
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
    return _frame(
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
    allowed = _check_read(engine, actor, area_codes, "the commentary")
    if allowed.indicators is not None:
        query = query.where(Commentary.indicator_code.in_(sorted(allowed.indicators)))
    return _frame(engine, query, {"period": pl.Date, "recorded_at": pl.Datetime("us", "UTC")})


def load_indicators(
    engine: Engine, actor: Actor, codes: Iterable[str] | None = None
) -> pl.DataFrame:
    query = select(
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
    ).outerjoin(Outcome, Outcome.id == Indicator.outcome_id)
    if codes is not None:
        query = query.where(Indicator.code.in_(list(codes)))
    return _frame(engine, query.order_by(Indicator.code))


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
    return _frame(
        engine, select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
    )


# -------------------------------------------------------------------------------------- writes


@dataclass
class WriteSummary:
    """What a write changed, for the caller to report."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    messages: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed


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


TARGET_FIELDS = (
    "lead_officer",
    "measure",
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "without_reward_value",
    "agreed_share_gbp",
)
FROZEN_FIELDS = (
    "baseline_period",
    "baseline_value",
    "target_period",
    "target_value",
    "without_reward_value",
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


def save_targets(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]], at: datetime | None = None
) -> WriteSummary:
    """Add targets, or a new version of a target where anything changed.

    Reward targets of a signed agreement are frozen (DOMAIN §4): a change to their baseline,
    without-reward or stretched figures, or to the set of reward targets, raises RuleViolation.
    """
    _require_admin(actor, "change targets")
    summary = WriteSummary()
    at = at or recorded_now(conn)
    for row in rows:
        area_code, indicator_code = row["area_code"], row["indicator_code"]
        agreement = agreement_for(conn, area_code, row["target_period"])
        if agreement is None:
            raise RuleViolation(f"area {area_code} has no agreement: import the area first")
        block = conn.execute(
            select(Indicator.block_code).where(Indicator.code == indicator_code)
        ).scalar_one()
        partnership_id = _partnership_id(conn, actor, area_code, row["partnership"], block)
        milestones = sorted(row.get("milestones") or [])
        values = {k: row.get(k) for k in TARGET_FIELDS}
        values["measure"] = values["measure"] or "level"
        if values["agreed_share_gbp"] is not None:
            values["agreed_share_gbp"] = Decimal(str(values["agreed_share_gbp"]))
        values["partnership_id"] = partnership_id
        target_id = conn.execute(
            select(Target.id).where(
                Target.agreement_id == agreement["id"], Target.indicator_code == indicator_code
            )
        ).scalar()
        signed = agreement["status"] == "signed"
        label = f"{area_code} {indicator_code}"
        if target_id is None:
            if signed and values["without_reward_value"] is not None:
                raise RuleViolation(
                    f"{label}: cannot add a reward target to a signed agreement ({FROZEN_RULE})"
                )
            target_id = conn.execute(
                Target.__table__.insert(),  # type: ignore[attr-defined]
                [{"agreement_id": agreement["id"], "indicator_code": indicator_code}],
            ).inserted_primary_key[0]
            _insert_version(
                conn, actor, int(target_id), 1, values, milestones, at, row.get("reason")
            )
            _audit(
                conn,
                actor,
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
        old_milestones = sorted(
            (m.period, m.value)
            for m in conn.execute(
                select(TargetMilestone.period, TargetMilestone.value).where(
                    TargetMilestone.target_version_id == current["id"]
                )
            )
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
        _insert_version(
            conn,
            actor,
            int(target_id),
            current["version"] + 1,
            values,
            milestones,
            at,
            row.get("reason"),
        )
        for key, value in changed.items():
            _audit(
                conn,
                actor,
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
            _audit(
                conn,
                actor,
                "target:milestones",
                area_code=area_code,
                indicator_code=indicator_code,
                before=_milestone_text(old_milestones),
                after=_milestone_text(milestones),
                reason=row.get("reason"),
                at=at,
            )
        summary.updated += 1
    _check_reward_split(conn, {row["area_code"] for row in rows})
    return summary


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


# ------------------------------------------------------------- target changes at the refresh


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
    return _frame(engine, query)


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


# ------------------------------------------------------------------------------ period locks


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


def _commentary_kind(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Each row's kind, checked against the grants: officer commentary needs the right to
    report the target (admin, the area's officer, a lead of the owning partnership); a board
    comment the board-level right (admin, the area's board or officer). A row that names no
    kind is the writer's own: officer commentary where they report the target, else a board
    comment. Any refused row refuses the whole batch."""
    owners = target_owners(conn, {r["area_code"] for r in rows}) if rows else {}
    kinds = []
    for row in rows:
        area, indicator = row["area_code"], row["indicator_code"]
        reports = access.can_write_value(actor, area, owners.get((area, indicator)))
        kind = row.get("kind") or ("officer" if reports else "board")
        if kind not in COMMENTARY_KINDS:
            raise RuleViolation(f"commentary kind {kind!r}: expected officer or board")
        allowed = reports if kind == "officer" else access.can_write_board_commentary(actor, area)
        if not allowed:
            what = "write commentary on" if kind == "officer" else "write a board comment on"
            deny(actor, f"{what} {indicator} in {area}")
        kinds.append(kind)
    return kinds


def add_commentary(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> WriteSummary:
    """Append commentary (never updated or deleted), one audit row each, in the caller's
    transaction. Rows: area_code, indicator_code, period (None: general), text (why), and
    optionally action (what is being done) and kind ("officer" or "board")."""
    kinds = _commentary_kind(conn, actor, rows)
    now = recorded_now(conn)
    payload = [
        {
            "area_code": r["area_code"],
            "indicator_code": r["indicator_code"],
            "period": r.get("period"),
            "text": r["text"],
            "action": r.get("action") or None,
            "kind": kind,
            "author": r.get("author") or actor.name,
            "recorded_at": r.get("recorded_at") or now,
        }
        for r, kind in zip(rows, kinds, strict=True)
    ]
    if payload:
        conn.execute(Commentary.__table__.insert(), payload)  # type: ignore[attr-defined]
        for r in payload:
            _audit(
                conn,
                actor,
                "commentary" if r["kind"] == "officer" else "commentary:board",
                area_code=r["area_code"],
                indicator_code=r["indicator_code"],
                period=r["period"],
                after=r["text"] + (f" | What is being done: {r['action']}" if r["action"] else ""),
                at=r["recorded_at"],
            )
    return WriteSummary(inserted=len(payload))


def record_commentary(
    engine: Engine,
    actor: Actor,
    area_code: str,
    indicator_code: str,
    period: date | None,
    text: str,
    *,
    action: str | None = None,
    kind: str = "officer",
) -> WriteSummary:
    """One comment from the indicator page, in its own transaction with its audit row:
    officer commentary (why, and what is being done) or a board comment, on any period of the
    target (None: general)."""
    text, action = text.strip(), (action or "").strip() or None
    if not text:
        raise RuleViolation(
            "Say why the target is where it is." if kind == "officer" else "Write the comment."
        )
    row = {"area_code": area_code, "indicator_code": indicator_code, "period": period,
           "text": text, "action": action, "kind": kind}  # fmt: skip
    with db.write_transaction(engine) as conn:
        return add_commentary(conn, actor, [row])


REPORTING_LINE_KEY = ("indicator_code", "recipient_type", "recipient_code", "return_name")
REPORTING_LINE_FIELDS = ("frequency", "laa_status", "format", "due_days")


def _line_text(line: Mapping[str, Any]) -> str:
    return " | ".join(f"{k}={line.get(k)}" for k in (*REPORTING_LINE_KEY, *REPORTING_LINE_FIELDS))


def save_reporting_lines(
    conn: Connection,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    remove: Sequence[Mapping[str, Any]] = (),
) -> WriteSummary:
    """Insert or update reporting lines, keyed by indicator, recipient and return (a row's
    absent fields are left as they are); remove the lines named in `remove`. Every change is
    audited with the whole line before and after."""
    _require_admin(actor, "change reporting lines")
    summary = WriteSummary()
    table = ReportingLine.__table__  # type: ignore[attr-defined]
    existing = {
        tuple(r[k] for k in REPORTING_LINE_KEY): dict(r)
        for r in conn.execute(select(table)).mappings()
    }
    for row in remove:
        key = tuple(row[k] for k in REPORTING_LINE_KEY)
        line = existing.pop(key, None)
        if line is None:
            raise RuleViolation(f"no reporting line {' / '.join(map(str, key))} to remove")
        conn.execute(table.delete().where(table.c.id == line["id"]))
        _audit(conn, actor, "reporting_line:remove", indicator_code=key[0],
               before=_line_text(line))  # fmt: skip
        summary.removed += 1
    for row in rows:
        key = tuple(row[k] for k in REPORTING_LINE_KEY)
        # Only the fields the row names change: a file of frequencies alone keeps each line's
        # format and due days (an empty cell, None, does clear one).
        values = {k: row[k] for k in REPORTING_LINE_FIELDS if k in row}
        if "laa_status" in values:
            values["laa_status"] = values["laa_status"] or "continues"
        if values.get("due_days") is not None:
            values["due_days"] = int(values["due_days"])
        line = existing.get(key)
        if line is None:
            new = (
                dict(zip(REPORTING_LINE_KEY, key, strict=True))
                | {"laa_status": "continues", "format": None, "due_days": None}
                | values
            )
            conn.execute(table.insert(), [new])
            existing[key] = new
            _audit(conn, actor, "reporting_line:create", indicator_code=key[0],
                   after=_line_text(new))  # fmt: skip
            summary.inserted += 1
        elif any(_differs(line[k], v) for k, v in values.items()):
            conn.execute(table.update().where(table.c.id == line["id"]).values(**values))
            _audit(conn, actor, "reporting_line:change", indicator_code=key[0],
                   before=_line_text(line), after=_line_text(line | values))  # fmt: skip
            existing[key] = line | values
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


RECIPIENT_NAMES = {
    "AC": "Audit Commission",
    "CSCI": "Commission for Social Care Inspection",
    "Ofsted": "Ofsted",
    "HC": "Healthcare Commission",
    "GO": "Government Office",
    "LSP": "LSP executive board",
}


def reporting_lines(engine: Engine) -> pl.DataFrame:
    """Every reporting line with its indicator's name, block and owning department, and a
    readable recipient name. The framework is shared reference data: anyone signed in reads it."""
    query = (
        select(
            ReportingLine.id.label("line_id"),
            ReportingLine.indicator_code,
            Indicator.name.label("indicator_name"),
            Indicator.block_code,
            Block.name.label("block_name"),
            Block.sort_order.label("block_order"),
            Indicator.department_code.label("owning_department"),
            ReportingLine.recipient_type,
            ReportingLine.recipient_code,
            Department.name.label("department_name"),
            ReportingLine.return_name,
            ReportingLine.frequency,
            ReportingLine.laa_status,
            ReportingLine.format,
            ReportingLine.due_days,
        )
        .join(Indicator, Indicator.code == ReportingLine.indicator_code)
        .join(Block, Block.code == Indicator.block_code)
        .join(
            Department,
            and_(
                ReportingLine.recipient_type == "department",
                Department.code == ReportingLine.recipient_code,
            ),
            isouter=True,
        )
        .order_by(
            Block.sort_order,
            ReportingLine.indicator_code,
            ReportingLine.recipient_type,
            ReportingLine.recipient_code,
            ReportingLine.return_name,
        )
    )
    frame = _frame(engine, query, {"line_id": pl.Int64, "block_order": pl.Int64,
                                   "due_days": pl.Int64})  # fmt: skip
    return frame.with_columns(
        recipient=pl.coalesce(
            pl.col("department_name"),
            pl.col("recipient_code").replace_strict(
                RECIPIENT_NAMES, default=pl.col("recipient_code"), return_dtype=pl.Utf8
            ),
        )
    ).drop("department_name")


def reported_indicators(engine: Engine, actor: Actor, area_codes: Sequence[str]) -> pl.DataFrame:
    """Which indicators each area reports: area_code, area_name, indicator_code, block_code
    (every indicator with a target in any of the area's agreements). A light query: the burden
    map needs the pairs, not the values."""
    allowed = _check_read(engine, actor, area_codes, "the indicators reported")
    query = (
        select(
            Agreement.area_code,
            Area.name.label("area_name"),
            Target.indicator_code,
            Indicator.block_code,
        )
        .join(Agreement, Agreement.id == Target.agreement_id)
        .join(Area, Area.code == Agreement.area_code)
        .join(Indicator, Indicator.code == Target.indicator_code)
        .where(Agreement.area_code.in_(list(area_codes)))
        .distinct()
        .order_by(Agreement.area_code, Target.indicator_code)
    )
    if allowed.indicators is not None:
        query = query.where(Target.indicator_code.in_(sorted(allowed.indicators)))
    return _frame(engine, query)


def department_lines(engine: Engine, department_code: str) -> pl.DataFrame:
    """The reporting lines a department receives: addressed to it, or to a predecessor or
    successor of it (DOMAIN §1: the same department across a rename)."""
    with engine.connect() as conn:
        known = conn.execute(
            select(Department.code).where(Department.code == department_code)
        ).first()
        if known is None:
            raise RuleViolation(f"unknown department {department_code}")
        family = department_family(conn, [department_code])
    return reporting_lines(engine).filter(
        pl.col("recipient_type") == "department", pl.col("recipient_code").is_in(sorted(family))
    )


def department_indicators(engine: Engine) -> pl.DataFrame:
    """department_code × indicator_code: the indicators each department receives, lines to its
    predecessors and successors included (one pass, for pickers over every department)."""
    lines = (
        reporting_lines(engine)
        .filter(pl.col("recipient_type") == "department")
        .select("recipient_code", "indicator_code")
        .unique()
    )
    with engine.connect() as conn:
        codes = conn.execute(select(Department.code)).scalars().all()
        families = department_families(conn, codes)
    members = pl.DataFrame(
        [(code, member) for code, family in families.items() for member in family],
        schema={"department_code": pl.Utf8, "recipient_code": pl.Utf8},
        orient="row",
    )
    return (
        members.join(lines, on="recipient_code")
        .select("department_code", "indicator_code")
        .unique()
        .sort("department_code", "indicator_code")
    )


def departments(engine: Engine) -> pl.DataFrame:
    """Department codes and names, with the dates each name was held."""
    return _frame(
        engine,
        select(
            Department.code, Department.name, Department.valid_from, Department.valid_to
        ).order_by(Department.code),
        {"valid_from": pl.Date, "valid_to": pl.Date},
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


def area_has_data(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Area)).scalar_one() > 0


def data_version(engine: Engine) -> int:
    """A number that changes with every write (each write audits), for cache keys."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one())
