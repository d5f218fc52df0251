"""The tracked series of each target: the actual values the rules of DOMAIN §8 look at.

A level target tracks each period's own figure. A cumulative target (e.g. quitters over three
years) tracks the running total of its period figures from the agreement start, because its
baseline, trajectory, target and assessed value are all running totals. Only periods ending
on or before the business date count: later periods "do not exist yet".
"""

from __future__ import annotations

from datetime import date

import polars as pl

__all__ = ["tracked_actuals"]


def tracked_actuals(targets: pl.DataFrame, actuals: pl.DataFrame, as_at: date) -> pl.DataFrame:
    """Actuals known at ``as_at``, with running totals for cumulative targets.

    Columns ``target_id, period, period_value, value, status``: ``period_value`` is the
    figure as returned, ``value`` the tracked figure (running total for cumulative targets,
    the same as ``period_value`` for level ones). For cumulative targets only periods ending
    on/after the agreement start count. Null values are treated as missing. Sorted by
    ``target_id, period``.
    """
    t = targets.select("target_id", "measure", "agreement_start")
    cumulative = pl.col("measure") == "cumulative"
    return (
        actuals.select(
            "target_id",
            "period",
            pl.col("value").cast(pl.Float64).alias("period_value"),
            "status",
        )
        .filter(pl.col("period") <= as_at, pl.col("period_value").is_not_null())
        .join(t, on="target_id", how="inner")
        .filter(~cumulative | (pl.col("period") >= pl.col("agreement_start")))
        .sort("target_id", "period")
        .with_columns(
            value=pl.when(cumulative)
            .then(pl.col("period_value").cum_sum().over("target_id"))
            .otherwise(pl.col("period_value"))
        )
        .select("target_id", "period", "period_value", "value", "status")
    )
