"""Gap, RAG, direction of travel and reward status (DOMAIN §8).

All are polars expressions over a frame that already carries the target columns plus the
latest/previous actuals, the expected value and the forecast; :func:`assess.assess` builds
that frame. Reward status is decided on exact fractions (see :mod:`reward`).

Float noise: gap and direction ratios are rounded to ``RATIO_DECIMALS`` decimal places
before they are compared with their thresholds, so that e.g. a gap of exactly 10% computed
as 0.09999999999999964 is amber, not red, and a move of exactly 2% is steady.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

__all__ = [
    "RATIO_DECIMALS",
    "direction_expr",
    "forecast_meets_target_expr",
    "gap_denominator_expr",
    "gap_expr",
    "rag_expr",
    "reward_status",
]

RATIO_DECIMALS = 9


def _lower() -> pl.Expr:
    return pl.col("polarity") == "lower"


def gap_denominator_expr() -> pl.Expr:
    """``abs(target - baseline)``; for a maintain target ``abs(target)``; else 1.

    Cumulative targets are measured in running totals whose baseline is 0 at the agreement
    start, so their denominator is ``abs(target)``.
    """
    target = pl.col("target_value")
    base = pl.when(pl.col("measure") == "cumulative").then(0.0).otherwise(pl.col("baseline_value"))
    span = (target - base).abs()
    return pl.when(span != 0).then(span).when(target.abs() != 0).then(target.abs()).otherwise(1.0)


def _bad_way(value: pl.Expr, reference: pl.Expr) -> pl.Expr:
    """How far ``value`` is on the bad side of ``reference`` (negative when on the good side)."""
    return pl.when(_lower()).then(value - reference).otherwise(reference - value)


def gap_expr(actual: str = "latest_value", expected: str = "expected_value") -> pl.Expr:
    """Shortfall of the actual against the trajectory, as a fraction of the denominator.

    Positive when behind, negative when ahead; rounded to ``RATIO_DECIMALS`` places.
    """
    behind = _bad_way(pl.col(actual), pl.col(expected))
    return (behind / gap_denominator_expr()).round(RATIO_DECIMALS)


def forecast_meets_target_expr(forecast: str = "forecast_value") -> pl.Expr:
    """True when the forecast reaches the target (>= for higher, <= for lower is better)."""
    short = _bad_way(pl.col(forecast), pl.col("target_value")) / gap_denominator_expr()
    return (short.round(RATIO_DECIMALS) <= 0).fill_null(False)


def rag_expr(
    tolerance: float = 0.10,
    gap: str = "gap",
    actual: str = "latest_value",
    forecast: str = "forecast_value",
    settled: str | None = None,
) -> pl.Expr:
    """green: gap <= 0; amber: gap <= tolerance or forecast meets target; red otherwise.

    Decided in that order; null when there is no actual yet ("no data"). ``settled`` names a
    boolean column that is true once the target period has an actual: the gap is then that
    actual's gap against the target, and the forecast no longer makes it amber (DOMAIN §8).
    """
    g = pl.col(gap)
    rescued = forecast_meets_target_expr(forecast)
    if settled is not None:
        rescued = rescued & ~pl.col(settled).fill_null(False)
    return (
        pl.when(pl.col(actual).is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(g <= 0)
        .then(pl.lit("green"))
        .when((g <= tolerance) | rescued)
        .then(pl.lit("amber"))
        .otherwise(pl.lit("red"))
    )


def direction_expr(
    latest: str = "latest_period_value",
    previous: str = "previous_period_value",
    threshold: float = 0.02,
) -> pl.Expr:
    """improving / worsening when the latest actual moved the good / bad way by more than
    ``threshold`` x the gap denominator since the previous actual; else steady.

    Null with fewer than two actuals. Compares period figures (for cumulative targets the
    period amounts, not the running totals, which would always look like progress).
    """
    good = -_bad_way(pl.col(latest), pl.col(previous))
    moved = (good / gap_denominator_expr()).round(RATIO_DECIMALS)
    return (
        pl.when(pl.col(latest).is_null() | pl.col(previous).is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(moved > threshold)
        .then(pl.lit("improving"))
        .when(moved < -threshold)
        .then(pl.lit("worsening"))
        .otherwise(pl.lit("steady"))
    )


def reward_status(achieved: Fraction | None, threshold: Fraction = Fraction(3, 5)) -> str | None:
    """green when f >= 1, amber when threshold <= f < 1, red below; None without f."""
    if achieved is None:
        return None
    if achieved >= 1:
        return "green"
    return "amber" if achieved >= threshold else "red"
