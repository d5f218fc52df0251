"""The spread of one indicator over areas the reader may not see: only n, the quartiles and the
median, never an area's row. An area's own people read only their area; this lets them set
their value beside their region's, their neighbours' or the national spread without reading
any other area's figures. Fewer than `MINIMUM_AREAS` values: the statistics are suppressed,
so that a figure cannot be traced back to one or two areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl
from sqlalchemy import Engine

from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.reads import area_facts_query, load_scope
from dashboard.store.rules import RuleViolation, cli_actor, deny
from dashboard.store.scope import check_areas_exist, readable
from dashboard.store.settings import rag_tolerance

MINIMUM_AREAS = 5
DISTRIBUTION_COLUMNS = ("n", "suppressed", "lower_quartile", "median", "upper_quartile")
# Reads on behalf of the statistics: rows never leave this module.
_STATISTICS_READER = cli_actor("statistics")


def reference_areas(engine: Engine) -> pl.DataFrame:
    """Every area's public reference facts (code, name, region, type, population, deprivation
    rank): what comparison groups are drawn from. No performance figures."""
    return frames.read_frame(
        engine, area_facts_query(), {"population": pl.Int64, "deprivation_rank": pl.Int64}
    )


def indicator_distribution(
    engine: Engine,
    actor: Actor,
    indicator_code: str,
    area_codes: Sequence[str],
    as_at: date,
) -> dict[str, object]:
    """n, lower quartile, median and upper quartile of the indicator's latest values (counts
    per 1,000 population, running totals for cumulative targets: the figures the compare page
    shows) over `area_codes`, as known at `as_at`; statistics suppressed (None) below
    `MINIMUM_AREAS` values. Any signed-in reader of some area may ask, for an indicator it
    reads; unknown area codes are a RuleViolation."""
    from dashboard import metrics
    from dashboard.analysis import current_agreements
    from dashboard.reports.compare import COUNT_UNITS, statistics

    allowed = readable(engine, actor)
    if allowed.areas is not None and not allowed.areas:
        deny(actor, f"read the spread of {indicator_code}")
    if allowed.indicators is not None and indicator_code not in allowed.indicators:
        deny(actor, f"read the spread of {indicator_code}")
    codes = sorted(set(area_codes))
    if not codes:
        raise RuleViolation("no areas to work out a spread over")
    check_areas_exist(engine, codes)
    scope = load_scope(engine, _STATISTICS_READER, codes, indicators=[indicator_code])
    agreements = current_agreements(scope.agreements, as_at)
    targets = scope.targets.filter(
        pl.col("agreement_id").is_in(agreements["agreement_id"].implode())
    )
    ids = targets["target_id"].implode()
    assessed = metrics.assess(
        targets,
        scope.milestones.filter(pl.col("target_id").is_in(ids)),
        scope.actuals.filter(pl.col("target_id").is_in(ids)),
        agreements,
        as_at,
        rag_tolerance(engine),
    )
    population = reference_areas(engine).select("area_code", "population")
    values = assessed.join(population, on="area_code", how="left").select(
        pl.when(pl.col("unit").is_in(sorted(COUNT_UNITS)))
        .then(pl.col("latest_value") * 1000 / pl.col("population").cast(pl.Float64))
        .otherwise(pl.col("latest_value"))
        .alias("value")
    )["value"]
    found = statistics(values, indicator_code)
    suppressed = found.n < MINIMUM_AREAS
    return {
        "n": found.n,
        "suppressed": suppressed,
        "lower_quartile": None if suppressed else found.lower_quartile,
        "median": None if suppressed else found.median,
        "upper_quartile": None if suppressed else found.upper_quartile,
    }
