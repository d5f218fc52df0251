"""The GO assessment of performance-management capacity (DOMAIN §6): the framework of
characteristics (reference data an administrator edits) and the dated assessments of an area,
by its Government Office (with the sign-off recommendation) or by the partnership itself.

Assessments are append-only: each save is a new dated version, nothing is updated or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, func, select, true

from dashboard import access, db
from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.audit import _audit, _audit_rows
from dashboard.store.bulk import bulk_insert
from dashboard.store.clock import recorded_now
from dashboard.store.rules import RuleViolation, WriteSummary, _require_admin, deny
from dashboard.store.scope import _check_read
from dashboard.store.settings import business_today
from data_models import (
    CAPACITY_KINDS,
    CAPACITY_LEVELS,
    SIGNOFF_RECOMMENDATIONS,
    Area,
    CapacityAssessment,
    CapacityCharacteristic,
    CapacityRating,
    User,
)

# The columns of a framework file and of `capacity_framework` (descriptors by level name).
CAPACITY_FRAMEWORK_COLUMNS = (
    "code",
    "name",
    "condition",
    "description",
    "display_order",
    "strong",
    "adequate",
    "developing",
    "weak",
    "active",
)
_REQUIRED_TEXT = ("code", "name", "condition", *CAPACITY_LEVELS)
_CODE_LENGTH = 20
_TEXT_LENGTH = 2_000  # a descriptor or description: a paragraph, not a document
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
# Stored column of each file column (descriptors carry a prefix in the table).
_STORED = {level: f"descriptor_{level}" for level in CAPACITY_LEVELS}

ASSESSMENT_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "area_code": pl.Utf8,
    "kind": pl.Utf8,
    "assessed_on": pl.Date,
    "recorded_at": pl.Datetime("us", "UTC"),
    "recorded_by": pl.Utf8,
    "overall": pl.Utf8,
    "summary": pl.Utf8,
    "recommendation": pl.Utf8,
    "recommendation_date": pl.Date,
    "conditions": pl.List(pl.Utf8),
    "recorded_by_name": pl.Utf8,  # the person's full name (the user name if not a user)
}
RATING_SCHEMA: dict[str, Any] = {
    "assessment_id": pl.Int64,
    "characteristic_code": pl.Utf8,
    "level": pl.Utf8,
    "evidence": pl.Utf8,
    "strengths": pl.Utf8,
    "weaknesses": pl.Utf8,
}
LATEST_COLUMNS = (
    "area_code",
    "assessment_id",
    "assessed_on",
    "overall",
    "recommendation",
    "recommendation_date",
    "conditions",
    "recorded_by",
    "recorded_by_name",
)
_LEVEL_WORDS = "strong, adequate, developing or weak"
_RECOMMENDATION_WORDS = "ready, ready with conditions or not ready"


# ----------------------------------------------------------------------------- the framework


def capacity_framework(engine: Engine, *, include_retired: bool = False) -> pl.DataFrame:
    """The characteristics in display order: code, name, condition, description, display_order,
    strong, adequate, developing, weak, active. Public reference data (anyone signed in)."""
    c = CapacityCharacteristic
    query = select(
        c.code,
        c.name,
        c.condition,
        c.description,
        c.display_order,
        c.descriptor_strong.label("strong"),
        c.descriptor_adequate.label("adequate"),
        c.descriptor_developing.label("developing"),
        c.descriptor_weak.label("weak"),
        c.active,
    ).order_by(c.display_order, c.code)
    if not include_retired:
        query = query.where(c.active.is_(True))
    return frames.read_frame(engine, query)


def _flag(value: Any) -> bool | None:
    """A yes/no cell as a bool (empty: None, the default); anything else is not a flag."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def _framework_values(rows: Sequence[Mapping[str, Any]], first_row: int) -> list[dict[str, Any]]:
    """Each row as the stored columns, or RuleViolation naming every bad row and column."""
    errors: list[str] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=first_row):
        unknown = sorted(set(row) - set(CAPACITY_FRAMEWORK_COLUMNS))
        errors += [f"row {number}, column {c}: not a column of the framework" for c in unknown]
        text = {k: ("" if row.get(k) is None else str(row.get(k)).strip()) for k in row}
        for column in _REQUIRED_TEXT:
            if not text.get(column):
                errors.append(f"row {number}, column {column}: required, but empty")
        for column in ("name", "condition", "description", *CAPACITY_LEVELS):
            if len(text.get(column, "")) > _TEXT_LENGTH:
                errors.append(
                    f"row {number}, column {column}: longer than {_TEXT_LENGTH:,} characters"
                )
        code = text.get("code", "")
        if len(code) > _CODE_LENGTH:
            errors.append(f"row {number}, column code: longer than {_CODE_LENGTH} characters")
        elif code and code in seen:
            errors.append(f"row {number}, column code: {code} is already on row {seen[code]}")
        seen.setdefault(code, number)
        try:
            order = int(text.get("display_order") or 0)
        except ValueError:
            errors.append(
                f"row {number}, column display_order: '{text['display_order']}' is not a "
                "whole number"
            )
            order = 0
        try:
            active = _flag(row.get("active"))
        except ValueError:
            errors.append(
                f"row {number}, column active: '{text['active']}' is not true or false "
                "(leave it empty for true)"
            )
            active = None
        parsed.append(
            {
                "code": code,
                "name": text.get("name", ""),
                "condition": text.get("condition", ""),
                "description": text.get("description", ""),
                "display_order": order,
                **{_STORED[level]: text.get(level, "") for level in CAPACITY_LEVELS},
                "active": True if active is None else active,
            }
        )
    if errors:
        refused = RuleViolation("; ".join(errors))
        refused.problems = errors  # type: ignore[attr-defined]  # one line each for a report
        raise refused
    return parsed


def _describe_change(code: str, values: Mapping[str, Any], keys: Sequence[str]) -> str:
    return f"{code}: " + "; ".join(f"{k}={values[k]}" for k in keys)


def save_capacity_framework(
    engine: Engine, actor: Actor, rows: Sequence[Mapping[str, Any]], *, first_row: int = 1
) -> WriteSummary:
    """Insert or update characteristics by code (administrators only), in one transaction.

    Every row is checked first; any problem refuses the whole set, each named by row and
    column (`first_row` is the number of the first row: 2 for a file's line under its header).
    A characteristic is never deleted: `active` false retires it, so old assessments keep
    their meaning. Each changed characteristic writes one audit row with before and after.
    """
    _require_admin(actor, "change the capacity framework")
    values = _framework_values(rows, first_row)
    summary = WriteSummary()
    with db.write_transaction(engine) as conn:
        codes = [v["code"] for v in values]
        existing = {
            r["code"]: dict(r)
            for r in conn.execute(
                select(CapacityCharacteristic).where(CapacityCharacteristic.code.in_(codes))
            ).mappings()
        }
        for row in values:
            code = row["code"]
            old = existing.get(code)
            if old is None:
                conn.execute(CapacityCharacteristic.__table__.insert(), [row])  # type: ignore[attr-defined]
                _audit(conn, actor, "capacity_framework:create", after=f"{code}: {row['name']}")
                summary.inserted += 1
                continue
            changed = [k for k, v in row.items() if k != "code" and old[k] != v]
            if not changed:
                summary.unchanged += 1
                continue
            conn.execute(
                CapacityCharacteristic.__table__.update()  # type: ignore[attr-defined]
                .where(CapacityCharacteristic.code == code)
                .values({k: row[k] for k in changed})
            )
            _audit(
                conn,
                actor,
                "capacity_framework:update",
                before=_describe_change(code, old, changed),
                after=_describe_change(code, row, changed),
            )
            summary.updated += 1
    return summary


# ----------------------------------------------------------------------------- assessments


def _area_region(conn: Connection, area_code: str) -> str:
    region = conn.execute(select(Area.region_code).where(Area.code == area_code)).scalar()
    if region is None:
        raise RuleViolation(f"unknown area {area_code}")
    return region


def _check_recorder(actor: Actor, kind: str, area_code: str, region_code: str) -> None:
    if kind == "go":
        if not access.can_record_go_assessment(actor, region_code):
            deny(actor, f"record a Government Office capacity assessment of {area_code}")
    elif not access.can_record_self_assessment(actor, area_code):
        deny(actor, f"record the capacity self-assessment of {area_code}")


def _clean_conditions(conditions: Sequence[str] | str | None) -> list[str]:
    """One condition per entry (a text is split at line ends); blanks dropped."""
    if conditions is None:
        return []
    items = conditions.splitlines() if isinstance(conditions, str) else list(conditions)
    return [c.strip() for c in items if c and c.strip()]


def _check_assessment(
    kind: str,
    assessed_on: date,
    today: date,
    overall: str,
    recommendation: str | None,
    conditions: list[str],
    recommendation_date: date | None,
) -> list[str]:
    errors = []
    if overall not in CAPACITY_LEVELS:
        errors.append(f"the overall judgement must be {_LEVEL_WORDS}")
    if assessed_on > today:
        errors.append(f"an assessment cannot be dated after today ({today:%d %B %Y})")
    if kind == "go":
        if recommendation is None:
            errors.append(
                f"a Government Office assessment needs a recommendation for sign-off "
                f"({_RECOMMENDATION_WORDS})"
            )
        elif recommendation not in SIGNOFF_RECOMMENDATIONS:
            errors.append(f"the recommendation for sign-off must be {_RECOMMENDATION_WORDS}")
        elif recommendation == "ready_with_conditions" and not conditions:
            errors.append("ready with conditions needs at least one condition, one per line")
        elif recommendation != "ready_with_conditions" and conditions:
            errors.append("conditions belong only to a recommendation of ready with conditions")
        if recommendation_date is not None and recommendation_date < assessed_on:
            errors.append("the recommendation cannot be dated before the assessment")
    elif recommendation is not None or conditions or recommendation_date is not None:
        errors.append(
            "a self-assessment has no recommendation for sign-off: that is the Government Office's"
        )
    return errors


def _check_ratings(conn: Connection, ratings: Sequence[Mapping[str, Any]]) -> list[str]:
    errors = []
    if not ratings:
        return ["an assessment needs a level for at least one characteristic"]
    known = {
        r.code: (r.name, r.active)
        for r in conn.execute(
            select(
                CapacityCharacteristic.code,
                CapacityCharacteristic.name,
                CapacityCharacteristic.active,
            )
        )
    }
    seen: set[str] = set()
    for rating in ratings:
        code = rating.get("characteristic_code")
        if code not in known:
            errors.append(f"{code}: not a characteristic of the capacity framework")
            continue
        name = known[code][0]
        if not known[code][1]:
            errors.append(f"{name}: retired from the framework, it can no longer be rated")
        if code in seen:
            errors.append(f"{name}: rated more than once")
        seen.add(code)
        if rating.get("level") not in CAPACITY_LEVELS:
            errors.append(f"{name}: the level must be {_LEVEL_WORDS}")
    return errors


def record_capacity_assessment(
    engine: Engine,
    actor: Actor,
    area_code: str,
    *,
    kind: str,
    assessed_on: date,
    ratings: Sequence[Mapping[str, Any]],
    overall: str,
    summary: str = "",
    recommendation: str | None = None,
    conditions: Sequence[str] = (),
    recommendation_date: date | None = None,
) -> int:
    """Record one dated assessment of an area and its ratings (a new version; nothing earlier
    changes); returns its id.

    `kind` "go": an administrator or a GO of the area's region, with a recommendation for
    sign-off (ready with conditions lists at least one condition; its date defaults to the
    assessment's). `kind` "self": an administrator or the area's officer, no recommendation.
    Each rating names an active characteristic once, with a level, evidence, strengths and
    weaknesses.
    """
    if kind not in CAPACITY_KINDS:
        raise RuleViolation("an assessment is the Government Office's or the partnership's own")
    cleaned = _clean_conditions(conditions)
    today = business_today(engine)
    with db.write_transaction(engine) as conn:
        _check_recorder(actor, kind, area_code, _area_region(conn, area_code))
        errors = _check_assessment(
            kind, assessed_on, today, overall, recommendation, cleaned, recommendation_date
        )
        errors += _check_ratings(conn, ratings)
        if errors:
            raise RuleViolation("; ".join(errors))
        before = conn.execute(
            select(CapacityAssessment.overall)
            .where(CapacityAssessment.area_code == area_code, CapacityAssessment.kind == kind)
            .order_by(CapacityAssessment.assessed_on.desc(), CapacityAssessment.id.desc())
            .limit(1)
        ).scalar()
        assessment_id = conn.execute(
            CapacityAssessment.__table__.insert().returning(CapacityAssessment.id),  # type: ignore[attr-defined]
            {
                "area_code": area_code,
                "kind": kind,
                "assessed_on": assessed_on,
                "recorded_at": recorded_now(conn),
                "recorded_by": actor.name,
                "overall": overall,
                "summary": (summary or "").strip(),
                "recommendation": recommendation if kind == "go" else None,
                "recommendation_date": (recommendation_date or assessed_on)
                if kind == "go"
                else None,
                "conditions": "\n".join(cleaned) or None,
            },
        ).scalar_one()
        conn.execute(
            CapacityRating.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "assessment_id": assessment_id,
                    "characteristic_code": r["characteristic_code"],
                    "level": r["level"],
                    **{
                        k: (r.get(k) or "").strip() for k in ("evidence", "strengths", "weaknesses")
                    },
                }
                for r in ratings
            ],
        )
        _audit(
            conn,
            actor,
            f"capacity:{kind}",
            area_code=area_code,
            period=assessed_on,
            before=before,
            after=overall,
            reason=recommendation if kind == "go" else None,
        )
    return int(assessment_id)


def record_capacity_assessments(
    engine: Engine, actor: Actor, assessments: pl.DataFrame, ratings: pl.DataFrame
) -> int:
    """Many assessments in one transaction, set-based (a national seed; administrators only).

    `assessments`: a `key` column and the columns of `capacity_assessment` but `id` and
    `recorded_at` (recorded now); `ratings`: `key`, characteristic_code, level, evidence,
    strengths, weaknesses. Trusted input (checked by its generator): only the codes, levels,
    kinds and recommendations are checked here. Writes one audit row per assessment; returns
    how many were written.
    """
    _require_admin(actor, "record capacity assessments in bulk")
    if assessments.is_empty():
        return 0
    bad = (
        ~pl.col("kind").is_in(list(CAPACITY_KINDS))
        | ~pl.col("overall").is_in(list(CAPACITY_LEVELS))
        | (pl.col("kind") == "go") & ~pl.col("recommendation").is_in(list(SIGNOFF_RECOMMENDATIONS))
    )
    if (
        assessments.filter(bad).height
        or ratings.filter(~pl.col("level").is_in(list(CAPACITY_LEVELS))).height
    ):
        raise RuleViolation("an assessment or rating has an unknown kind, level or recommendation")
    with db.write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":  # ids read back below are this transaction's own
            conn.exec_driver_sql("LOCK TABLE capacity_assessment IN EXCLUSIVE MODE")
        start = conn.execute(select(func.coalesce(func.max(CapacityAssessment.id), 0))).scalar()
        at = recorded_now(conn)
        frame = assessments.with_columns(
            pl.lit(at, pl.Datetime("us", "UTC")).alias("recorded_at"),
            pl.col("summary").fill_null(""),
        )
        bulk_insert(
            conn,
            CapacityAssessment.__table__,  # type: ignore[attr-defined]
            frame.drop("key"),
        )
        ids = list(
            conn.execute(
                select(CapacityAssessment.id)
                .where(CapacityAssessment.id > start)
                .order_by(CapacityAssessment.id)
            ).scalars()
        )
        keys = frame.select("key").with_columns(pl.Series("assessment_id", ids, pl.Int64))
        bulk_insert(
            conn,
            CapacityRating.__table__,  # type: ignore[attr-defined]
            ratings.join(keys, on="key", how="inner")
            .select("assessment_id", *[c for c in RATING_SCHEMA if c != "assessment_id"])
            .with_columns(pl.col("evidence", "strengths", "weaknesses").fill_null("")),
        )
        _audit_rows(
            conn,
            frame.select(
                pl.lit(None).alias("at"),
                pl.lit(actor.name).alias("user"),
                pl.format("capacity:{}", pl.col("kind")).alias("action"),
                "area_code",
                pl.lit(None, pl.Utf8).alias("indicator_code"),
                pl.col("assessed_on").alias("period"),
                pl.lit(None, pl.Utf8).alias("before"),
                pl.col("overall").alias("after"),
                pl.col("recommendation").alias("reason"),
            ),
        )
    return len(ids)


def _conditions_list(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("conditions")
        .fill_null("")
        .str.split("\n")
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def _assessment_query() -> Any:
    a = CapacityAssessment
    return select(
        a.id,
        a.area_code,
        a.kind,
        a.assessed_on,
        a.recorded_at,
        a.recorded_by,
        a.overall,
        a.summary,
        a.recommendation,
        a.recommendation_date,
        a.conditions,
        func.coalesce(User.display_name, a.recorded_by).label("recorded_by_name"),
    ).outerjoin(User, User.username == a.recorded_by)


def capacity_assessments(
    engine: Engine, actor: Actor, area_code: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every assessment of an area, oldest first (by date, then as recorded), and their
    ratings: (id, area_code, kind, assessed_on, recorded_at, recorded_by, overall, summary,
    recommendation, recommendation_date, conditions as a list, recorded_by_name) and (assessment_id,
    characteristic_code, level, evidence, strengths, weaknesses)."""
    _check_read(engine, actor, [area_code], "the capacity assessments")
    a = CapacityAssessment
    assessments = frames.read_frame(
        engine,
        _assessment_query().where(a.area_code == area_code).order_by(a.assessed_on, a.id),
    )
    r = CapacityRating
    ratings = frames.read_frame(
        engine,
        select(
            r.assessment_id,
            r.characteristic_code,
            r.level,
            r.evidence,
            r.strengths,
            r.weaknesses,
        )
        .join(a, a.id == r.assessment_id)
        .where(a.area_code == area_code)
        .order_by(a.assessed_on, a.id, r.id),
    )
    return _conditions_list(assessments).select(list(ASSESSMENT_SCHEMA)), ratings.select(
        list(RATING_SCHEMA)
    )


def latest_capacity(
    engine: Engine, actor: Actor, area_codes: Sequence[str], as_at: date | None = None
) -> pl.DataFrame:
    """The latest GO assessment of each area that has one (by date, then as recorded), in one
    query: area_code, assessment_id, assessed_on, overall, recommendation,
    recommendation_date, conditions (a list), recorded_by, recorded_by_name. With `as_at`, only assessments
    dated on or before it count: the judgement the GO had made by then."""
    codes = sorted(set(area_codes))
    _check_read(engine, actor, codes, "the capacity assessments")
    a = CapacityAssessment
    ranked = (
        _assessment_query()
        .add_columns(
            func.row_number()
            .over(partition_by=a.area_code, order_by=(a.assessed_on.desc(), a.id.desc()))
            .label("rank")
        )
        .where(a.kind == "go", a.area_code.in_(codes))
        .where(a.assessed_on <= as_at if as_at is not None else true())
        .subquery()
    )
    query = (
        select(
            ranked.c.area_code,
            ranked.c.id.label("assessment_id"),
            ranked.c.assessed_on,
            ranked.c.overall,
            ranked.c.recommendation,
            ranked.c.recommendation_date,
            ranked.c.conditions,
            ranked.c.recorded_by,
            ranked.c.recorded_by_name,
        )
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.area_code)
    )
    frame = frames.read_frame(engine, query) if codes else None
    if frame is None:
        schema = {k: ASSESSMENT_SCHEMA.get(k, pl.Int64) for k in LATEST_COLUMNS}
        schema["conditions"] = pl.Utf8
        frame = pl.DataFrame(schema=schema)
    return _conditions_list(frame).select(LATEST_COLUMNS)
