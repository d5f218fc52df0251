"""Load a scope from the store and assess it: the one path from storage to numbers.

Pages, the CLI and the exports all call `assess_areas`, so a figure on screen and in an
export is the same figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from dashboard import metrics, store
from dashboard.metrics.due import missing_values
from dashboard.store import Actor


@dataclass(frozen=True)
class Assessment:
    """The assessed targets of some areas at a business date, with their roll-ups."""

    as_at: date
    scope: store.Scope
    targets: pl.DataFrame  # one row per target: target columns + metrics.ASSESSMENT_COLUMNS
    areas: pl.DataFrame  # metrics.area_summary
    blocks: pl.DataFrame  # metrics.block_assessment
    missing: pl.DataFrame  # metrics.due.missing_values: ended periods without a value
    known_at: datetime | None = None  # a past view's moment: only revisions recorded by then


def current_agreements(agreements: pl.DataFrame, as_at: date) -> pl.DataFrame:
    """Each area's agreement in force at `as_at`: the latest one started by then, else its first."""
    return (
        agreements.with_columns(started=pl.col("agreement_start") <= as_at)
        .sort("area_code", "started", "agreement_start")
        .group_by("area_code", maintain_order=True)
        .last()
        .drop("started")
    )


def assess_areas(
    engine: Engine,
    actor: Actor,
    area_codes: Sequence[str],
    as_at: date,
    *,
    known_at: datetime | None = None,
    tolerance: float | None = None,
) -> Assessment:
    """Assess the targets of each area's current agreement with what is known at `as_at`.

    An actor who reads only some indicators (a department) gets only its own targets from the
    store; their exact shares still split the maximum among all the agreement's reward targets
    (DOMAIN §5), from the split the store adds to each agreement, so its block maxima are what
    its own targets could earn.
    """
    if store.readable(engine, actor).indicators is not None:
        store.check_areas_exist(engine, area_codes)
    scope = store.load_scope(engine, actor, area_codes, known_at=known_at)
    agreements = current_agreements(scope.agreements, as_at)
    ids = agreements["agreement_id"]
    targets = scope.targets.filter(pl.col("agreement_id").is_in(ids.implode()))
    ids_t = targets["target_id"].implode()
    milestones = scope.milestones.filter(pl.col("target_id").is_in(ids_t))
    actuals = scope.actuals.filter(pl.col("target_id").is_in(ids_t))
    tol = store.rag_tolerance(engine) if tolerance is None else tolerance
    assessed = _assessed(targets, milestones, actuals, agreements, as_at, tol)
    scope = store.Scope(targets, milestones, actuals, agreements, scope.commentary)
    return Assessment(
        as_at=as_at,
        scope=scope,
        targets=assessed,
        areas=metrics.area_summary(assessed, agreements),
        blocks=metrics.block_assessment(assessed, agreements),
        missing=missing_values(targets, actuals.filter(pl.col("period") <= as_at), as_at),
        known_at=known_at,
    )


def _assessed(
    targets: pl.DataFrame,
    milestones: pl.DataFrame,
    actuals: pl.DataFrame,
    agreements: pl.DataFrame,
    as_at: date,
    tolerance: float,
) -> pl.DataFrame:
    """`metrics.assess` with each target's freshness: when its latest value was recorded."""
    assessed = metrics.assess(targets, milestones, actuals, agreements, as_at, tolerance)
    updated = (
        actuals.filter(pl.col("period") <= as_at)
        .group_by("target_id")
        .agg(last_updated=pl.col("recorded_at").max())
    )
    return assessed.join(updated, on="target_id", how="left", maintain_order="left")


def assess_known_at(
    engine: Engine,
    actor: Actor,
    base: Assessment,
    as_at: date,
    known_at: datetime,
    *,
    tolerance: float | None = None,
) -> pl.DataFrame:
    """The assessed targets of `base`'s areas at an earlier `as_at` with only the revisions
    recorded by `known_at`: `assess_areas(..., as_at, known_at=known_at).targets`, but only
    the values are read again. Milestones and agreements do not depend on when a value was
    recorded, and the targets are `base`'s unless a version was recorded after `known_at`
    (one small read says), so `base`'s are reused (the overview's "since last quarter" counts
    cost one read of values, not a second scope). When an area's agreement in force at
    `as_at` is not `base`'s, the whole assessment is made afresh."""
    agreements = base.scope.agreements
    started = pl.col("agreement_start")
    # base's agreement is the latest started by base.as_at (else the area's first): it is also
    # the one in force at the earlier date when it had started by then, or had not started
    # at all at base.as_at.
    same = agreements.select(((started <= as_at) | (started > base.as_at)).all()).item()
    codes = agreements["area_code"].unique().sort().to_list()
    targets = base.scope.targets
    now = targets.select("target_id", "version").sort("target_id")
    then = store.versions_in_force(engine, actor, codes, known_at).filter(
        pl.col("target_id").is_in(now["target_id"].implode())
    )
    # a target changed (or added) after `known_at`: the scope then was another one
    changed = not then.equals(now)
    if not same or as_at > base.as_at or changed:
        return assess_areas(engine, actor, codes, as_at, known_at=known_at).targets
    values = store.current_actuals(
        engine, actor, codes, known_at, indicators=targets["indicator_code"].unique().to_list()
    )
    actuals = values.join(
        targets.select("target_id", "area_code", "indicator_code"),
        on=["area_code", "indicator_code"],
        maintain_order="left",
    ).select(base.scope.actuals.columns)
    tol = store.rag_tolerance(engine) if tolerance is None else tolerance
    return _assessed(targets, base.scope.milestones, actuals, agreements, as_at, tol)
