"""Actual values: a new revision per change, never an overwrite, with the write checks.

A save is set-based: the rows become one frame; per slice of `ROWS_PER_SAVE` rows (one for
most saves) the current revisions of the areas touched are read in one query, and what changes
(revisions and their audit rows) is worked out in polars and written in bulk (COPY on
PostgreSQL, executemany on SQLite) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import IntegrityError

from dashboard import access
from dashboard.access import Actor
from dashboard.store.audit import AUDIT_SCHEMA, _audit_rows, bare_values
from dashboard.store.bulk import bulk_insert, read_in
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

KEY = ["area_code", "indicator_code", "period"]
ROWS_PER_SAVE = 100_000  # rows worked out and written at a time

# The rows a save takes, as a frame: the first four columns are required, the rest optional.
ACTUAL_ROW_SCHEMA: dict[str, Any] = {
    "area_code": pl.String,
    "indicator_code": pl.String,
    "period": pl.Date,
    "value": pl.Float64,
    "status": pl.String,
    "data_quality": pl.String,
    "note": pl.String,
    "source": pl.String,
    "recorded_at": pl.Datetime("us", "UTC"),
    "recorded_by": pl.String,
    "expected_revision": pl.Int64,
}
_REQUIRED = ("area_code", "indicator_code", "period", "value")

# The current revision of each value, as `_current_revisions` reads it.
_CURRENT_SCHEMA: dict[str, Any] = {
    "area_code": pl.String,
    "indicator_code": pl.String,
    "period": pl.Date,
    "cur_revision": pl.Int64,
    "cur_value": pl.Float64,
    "cur_status": pl.String,
    "cur_quality": pl.String,
    "cur_by": pl.String,
}


def save_actuals(
    conn: Connection,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]] | pl.DataFrame,
    default_reason: str | None = None,
    *,
    override_lock: str | None = None,
) -> WriteSummary:
    """Add a revision where a row's value, status or given data-quality grade differs.

    `rows`: mappings, or a frame of `ACTUAL_ROW_SCHEMA`'s columns (area_code, indicator_code,
    period, value; optionally status, data_quality, note, source, recorded_at, recorded_by,
    expected_revision). Rows may carry `recorded_at` (the demo generator backdates its
    history); otherwise now. Several rows for one value are applied in order, each against the
    one before (the demo records provisional figures and their corrections in one save).
    Values of locked periods are refused unless the actor holds a temporary unlock, or an
    administrator gives `override_lock` (a reason, audited). A refusal writes nothing.
    """
    given = actual_rows(rows)
    _check_value_writes(conn, actor, given, "record values for")
    summary = WriteSummary()
    if given.is_empty():
        return summary
    overrides = _check_locks(conn, actor, given, override_lock)
    now = recorded_now(conn)
    try:
        with conn.begin_nested():  # a savepoint, so the caller's transaction stays usable
            _audit_rows(conn, overrides)
            # In slices of the rows, in order, so memory stays bounded: each slice reads the
            # values as the slices before it left them, in this transaction.
            for part in given.iter_slices(ROWS_PER_SAVE):
                current = _current_revisions(conn, part)
                revisions, audit, unchanged = _changes(part, current, actor, now, default_reason)
                bulk_insert(conn, ActualRevision.__table__, revisions)  # type: ignore[attr-defined]
                _audit_rows(conn, audit)
                summary.unchanged += unchanged
                summary.inserted += revisions.height
    except (IntegrityError, conn.dialect.loaded_dbapi.IntegrityError) as exc:
        # The same revision number written by another session (bulk writes raise the driver's
        # own error, ordinary statements SQLAlchemy's).
        raise ConcurrentChange(
            "another save of the same values happened at the same moment: review and save again"
        ) from exc
    return summary


def actual_rows(rows: Sequence[Mapping[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    """The rows of a save as a frame of `ACTUAL_ROW_SCHEMA` in the given order, with `_row`,
    each row's place in it."""
    if isinstance(rows, pl.DataFrame):
        missing = [c for c in _REQUIRED if c not in rows.columns]
        if missing:
            raise ValueError(f"actual values need the columns {', '.join(missing)}")
        frame = rows.select(
            (pl.col(c) if c in rows.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in ACTUAL_ROW_SCHEMA.items()
        )
    else:
        frame = pl.DataFrame(list(rows), schema=ACTUAL_ROW_SCHEMA)
    if frame["value"].null_count():
        raise ValueError("every actual value needs a value")
    return frame.with_row_index("_row")


def _filled(column: str) -> pl.Expr:
    """A text the row gives (an empty text counts as not given, as the row loop had it)."""
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def _changes(
    given: pl.DataFrame,
    current: pl.DataFrame,
    actor: Actor,
    now: datetime,
    default_reason: str | None,
) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """The revisions to add (in input order), their audit rows (`AUDIT_SCHEMA`, in order) and
    how many rows change nothing. Raises ConcurrentChange for the first row, in input order,
    whose `expected_revision` is not the current one.

    Rows for the same value are taken in rounds (its first row, then its second...), each
    round against the values as the rounds before left them: what a loop in input order does.
    """
    # Numbering each value's rows is a grouping pass: only when some value has several rows.
    repeated = given.select(pl.struct(KEY).is_duplicated().any()).item()
    given = given.with_columns(
        pl.int_range(pl.len()).over(KEY).alias("_round") if repeated else pl.lit(0).alias("_round")
    )
    known = pl.col("cur_revision").is_not_null()
    status = (
        pl.when(_filled("status"))
        .then(pl.col("status"))
        .otherwise(pl.col("cur_status").fill_null("final"))
    )
    quality = (
        pl.when(pl.col("data_quality").is_not_null())
        .then(pl.col("data_quality"))
        .otherwise(pl.col("cur_quality"))
    )
    written_by = (
        pl.when(_filled("recorded_by")).then(pl.col("recorded_by")).otherwise(pl.lit(actor.name))
    )
    # Who made the change: the actor, unless an administrative loader (the demo generator)
    # records history on behalf of the named person who reported it.
    changed_by = written_by if actor.is_admin else pl.lit(actor.name)
    reason = (
        pl.when(_filled("note")).then(pl.col("note")).otherwise(pl.lit(default_reason, pl.String))
    )
    revisions, audits, stale = [], [], []
    unchanged = 0
    rounds = int(given["_round"].max() or 0) + 1  # type: ignore[arg-type]
    for round_number in range(rounds):
        batch = (
            given.filter(pl.col("_round") == round_number)
            .join(current, on=KEY, how="left", maintain_order="left")
            .with_columns(
                pl.col("cur_revision").fill_null(0).alias("base"),
                status.alias("status"),
                quality.alias("data_quality"),
            )
        )
        stale.append(
            batch.filter(
                pl.col("expected_revision").is_not_null()
                & (pl.col("base") != pl.col("expected_revision"))
            )
        )
        same = (
            known
            & (pl.col("cur_value") == pl.col("value"))
            & (pl.col("cur_status") == pl.col("status"))
            & pl.col("cur_quality").eq_missing(pl.col("data_quality"))
        ).fill_null(False)
        unchanged += int(batch.select(same.sum()).item())
        changed = batch.filter(~same).with_columns(
            (pl.col("base") + 1).alias("revision"),
            pl.col("recorded_at").fill_null(now).alias("at"),
            written_by.alias("written_by"),
            changed_by.alias("user"),
            reason.alias("reason"),
            (~known | (pl.col("cur_value") != pl.col("value"))).fill_null(True).alias("new_value"),
        )
        revisions.append(changed)
        audits.append(_audit_of(changed))
        if round_number + 1 < rounds:  # the next round sees this one's revisions
            now_current = changed.select(
                *KEY,
                pl.col("revision").alias("cur_revision"),
                pl.col("value").alias("cur_value"),
                pl.col("status").alias("cur_status"),
                pl.col("data_quality").alias("cur_quality"),
                pl.col("written_by").alias("cur_by"),
            )
            current = pl.concat([current.join(now_current, on=KEY, how="anti"), now_current])
    _refuse_stale(pl.concat(stale))
    written = (
        pl.concat(revisions)
        .sort("_row")
        .select(
            *KEY,
            "revision",
            "value",
            "status",
            "data_quality",
            pl.col("at").alias("recorded_at"),
            pl.col("written_by").alias("recorded_by"),
            "source",
            "note",
        )
    )
    audit = pl.concat(audits).sort("_row", "_order").select(*AUDIT_SCHEMA)
    return written, audit, unchanged


def _audit_of(changed: pl.DataFrame) -> pl.DataFrame:
    """The audit rows of changed values: "value" when the value changes, else one "status"
    and/or one "data_quality" row, before and after as an import file writes them."""
    common = ["_row", "at", "user", *KEY, "reason"]
    value = changed.filter(pl.col("new_value"))
    value = value.select(
        *common,
        pl.lit("value").alias("action"),
        pl.lit(0).alias("_order"),
        before=bare_values(value["cur_value"]),
        after=bare_values(value["value"]),
    )
    kept = changed.filter(~pl.col("new_value"))
    status = kept.filter(pl.col("cur_status") != pl.col("status")).select(
        *common,
        pl.lit("status").alias("action"),
        pl.lit(0).alias("_order"),
        pl.col("cur_status").alias("before"),
        pl.col("status").alias("after"),
    )
    quality = kept.filter(pl.col("cur_quality").ne_missing(pl.col("data_quality"))).select(
        *common,
        pl.lit("data_quality").alias("action"),
        pl.lit(1).alias("_order"),
        pl.col("cur_quality").alias("before"),
        pl.col("data_quality").alias("after"),
    )
    return pl.concat([value, status, quality], how="diagonal_relaxed")


def _refuse_stale(stale: pl.DataFrame) -> None:
    """The optimistic check: name the first row (in input order) someone else saved since."""
    if stale.is_empty():
        return
    first = stale.sort("_row").row(0, named=True)
    by = first["cur_by"] if first["cur_revision"] is not None else "?"
    raise ConcurrentChange(
        f"{first['area_code']} {first['indicator_code']} {first['period']}: someone else saved "
        f"a value for this period since you opened it (revision {first['base']}, by {by}): "
        "review it and save again"
    )


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
    rows: Sequence[Mapping[str, Any]] | pl.DataFrame,
    what: str,
) -> None:
    """Every row must be within the actor's grants (admin, the area's officer, or a lead of the
    owning partnership); else nothing is written, and the first row outside them (in order) is
    named. Commentary: see `_commentary_kind`."""
    if actor.is_admin or len(rows) == 0:
        return
    frame = (
        rows
        if isinstance(rows, pl.DataFrame)
        else pl.DataFrame({c: [r[c] for r in rows] for c in ("area_code", "indicator_code")})
    )
    owners = target_owners(conn, frame["area_code"].unique().to_list())
    owned = pl.DataFrame(
        {
            "area_code": [area for area, _ in owners],
            "indicator_code": [indicator for _, indicator in owners],
            "owner": list(owners.values()),
        },
        schema={"area_code": pl.String, "indicator_code": pl.String, "owner": pl.String},
    )
    asked = frame.select("area_code", "indicator_code").join(
        owned, on=["area_code", "indicator_code"], how="left", maintain_order="left"
    )
    # The grant rule itself, once per (area, owner) pair the rows meet (a handful).
    pairs = asked.select("area_code", "owner").unique()
    allowed = pairs.with_columns(
        pl.Series(
            "allowed",
            [access.can_write_value(actor, a, o) for a, o in pairs.iter_rows()],
            dtype=pl.Boolean,
        )
    )
    refused = asked.join(
        allowed, on=["area_code", "owner"], how="left", nulls_equal=True, maintain_order="left"
    ).filter(~pl.col("allowed"))
    if not refused.is_empty():
        first = refused.row(0, named=True)
        deny(actor, f"{what} {first['indicator_code']} in {first['area_code']}")


def _current_revisions(conn: Connection, given: pl.DataFrame) -> pl.DataFrame:
    """The current revision of every value of the areas and indicators `given` touches, in one
    query, read in the caller's transaction (`_CURRENT_SCHEMA`)."""
    areas = given["area_code"].unique().sort().to_list()
    indicators = given["indicator_code"].unique().sort().to_list()
    scope = and_(ActualRevision.area_code.in_(areas), ActualRevision.indicator_code.in_(indicators))
    latest = (
        select(
            ActualRevision.area_code,
            ActualRevision.indicator_code,
            ActualRevision.period,
            func.max(ActualRevision.revision).label("revision"),
        )
        .where(scope)
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
    return read_in(conn, query, _CURRENT_SCHEMA)
