"""Trajectories: the expected value of every target at every date (DOMAIN §4, §8).

A trajectory is the straight-line path through a target's anchors, interpolated in calendar
days. A level target runs baseline -> milestones -> target; a cumulative target runs in
running-total terms from 0 at the agreement start -> milestones -> target. Reward targets
also have the "without reward" path and the 60%-of-stretch threshold value.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "anchors",
    "expected_values",
    "threshold_value_expr",
    "trajectory_lines",
    "with_threshold_values",
    "without_reward_anchors",
]

_ANCHOR_SCHEMA = {
    "target_id": pl.Int64,
    "period": pl.Date,
    "value": pl.Float64,
    "anchor": pl.Utf8,
}


def _is_cumulative() -> pl.Expr:
    return pl.col("measure") == "cumulative"


def _start_anchor(targets: pl.DataFrame) -> pl.DataFrame:
    """(baseline_period, baseline) for level targets; (agreement_start, 0) for cumulative."""
    return targets.select(
        "target_id",
        period=pl.when(_is_cumulative())
        .then(pl.col("agreement_start"))
        .otherwise(pl.col("baseline_period")),
        value=pl.when(_is_cumulative())
        .then(pl.lit(0.0))
        .otherwise(pl.col("baseline_value"))
        .cast(pl.Float64),
        anchor=pl.when(_is_cumulative()).then(pl.lit("start")).otherwise(pl.lit("baseline")),
    )


def anchors(targets: pl.DataFrame, milestones: pl.DataFrame) -> pl.DataFrame:
    """Anchor points of each target's trajectory, sorted by target and period.

    Columns ``target_id, period, value, anchor`` (anchor: start|baseline|milestone|target).
    Milestones outside the open interval (start, target period) are ignored so that they can
    never bend the line before the baseline or after the target.
    """
    start = _start_anchor(targets)
    end = targets.select(
        "target_id",
        period=pl.col("target_period"),
        value=pl.col("target_value").cast(pl.Float64),
        anchor=pl.lit("target"),
    )
    bounds = start.select("target_id", _start=pl.col("period")).join(
        end.select("target_id", _end=pl.col("period")), on="target_id"
    )
    mid = (
        milestones.select("target_id", "period", pl.col("value").cast(pl.Float64))
        .join(bounds, on="target_id", how="inner")
        .filter((pl.col("period") > pl.col("_start")) & (pl.col("period") < pl.col("_end")))
        .select("target_id", "period", "value", anchor=pl.lit("milestone"))
    )
    return (
        pl.concat([start, mid, end], how="vertical_relaxed")
        .cast(_ANCHOR_SCHEMA)  # type: ignore[arg-type]
        .drop_nulls(["period", "value"])
        .sort("target_id", "period")
    )


def _interpolate(points: pl.DataFrame, anchor_frame: pl.DataFrame, out: str) -> pl.DataFrame:
    """Linear interpolation in calendar days between the anchors around each point.

    Before the first anchor the first value holds; after the last, the last value holds.
    """
    a = anchor_frame.select("target_id", "period", "value").sort("period")
    lo = a.rename({"period": "_p0", "value": "_v0"})
    hi = a.rename({"period": "_p1", "value": "_v1"})
    p = points.with_row_index("_row").sort("period")
    joined = p.join_asof(
        lo, left_on="period", right_on="_p0", by="target_id", check_sortedness=False
    ).join_asof(
        hi,
        left_on="period",
        right_on="_p1",
        by="target_id",
        strategy="forward",
        check_sortedness=False,
    )
    span = (pl.col("_p1") - pl.col("_p0")).dt.total_days()
    along = (pl.col("period") - pl.col("_p0")).dt.total_days()
    value = (
        pl.when(pl.col("_p0").is_null())
        .then(pl.col("_v1"))
        .when(pl.col("_p1").is_null() | (span == 0))
        .then(pl.col("_v0"))
        .otherwise(pl.col("_v0") + (pl.col("_v1") - pl.col("_v0")) * along / span)
    )
    return (
        joined.with_columns(value.alias(out)).sort("_row").drop("_row", "_p0", "_v0", "_p1", "_v1")
    )


def expected_values(
    targets: pl.DataFrame,
    milestones: pl.DataFrame,
    points: pl.DataFrame,
    out: str = "expected_value",
) -> pl.DataFrame:
    """Add the trajectory value at each ``(target_id, period)`` of ``points``.

    ``points`` keeps its rows, order and other columns; ``expected_value`` is null for
    unknown targets or null periods. Cumulative targets' values are running totals.
    """
    return _interpolate(points, anchors(targets, milestones), out)


def without_reward_anchors(targets: pl.DataFrame) -> pl.DataFrame:
    """The "without reward" path of reward targets: start anchor -> W at the target period."""
    reward = targets.filter(pl.col("is_reward") & pl.col("without_reward_value").is_not_null())
    end = reward.select(
        "target_id",
        period=pl.col("target_period"),
        value=pl.col("without_reward_value").cast(pl.Float64),
        anchor=pl.lit("without_reward"),
    )
    return (
        pl.concat([_start_anchor(reward), end], how="vertical_relaxed")
        .cast(_ANCHOR_SCHEMA)  # type: ignore[arg-type]
        .drop_nulls(["period", "value"])
        .sort("target_id", "period")
    )


def trajectory_lines(targets: pl.DataFrame, milestones: pl.DataFrame) -> pl.DataFrame:
    """Chart lines as anchor points: ``target_id, line, period, value, anchor``.

    ``line`` is ``trajectory`` (the agreed path, "with reward" for reward targets) or
    ``without_reward``; a chart draws straight segments between consecutive points.
    """
    return pl.concat(
        [
            anchors(targets, milestones).with_columns(line=pl.lit("trajectory")),
            without_reward_anchors(targets).with_columns(line=pl.lit("without_reward")),
        ]
    ).select("target_id", "line", "period", "value", "anchor")


def threshold_value_expr(threshold: float | pl.Expr = 0.6) -> pl.Expr:
    """``W + threshold * (S - W)``: the value at which a reward target starts to pay.

    For display only; the pay decision itself is made exactly in :mod:`reward`.
    """
    w = pl.col("without_reward_value")
    return w + threshold * (pl.col("target_value") - w)


def with_threshold_values(
    targets: pl.DataFrame,
    agreements: pl.DataFrame | None = None,
    default_threshold: float = 0.6,
) -> pl.DataFrame:
    """Add ``threshold_value`` (null for ordinary targets) using each area's threshold."""
    frame = targets
    if agreements is not None:
        frame = frame.join(
            agreements.select("area_code", _thr=pl.col("reward_threshold")),
            on="area_code",
            how="left",
        )
    else:
        frame = frame.with_columns(_thr=pl.lit(None, dtype=pl.Float64))
    thr = pl.col("_thr").fill_null(default_threshold)
    return frame.with_columns(
        threshold_value=pl.when(pl.col("is_reward")).then(threshold_value_expr(thr))
    ).drop("_thr")
