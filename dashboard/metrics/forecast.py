"""Forecast of each target's value at its target period (DOMAIN §8 "forecast").

Ordinary least squares of the tracked value on the period-end date (in days) over the last
``window`` actuals known at the business date, evaluated at the target period, with a
two-sided prediction interval from Student's t on n - 2 degrees of freedom:

    yhat +/- t(1 - (1 - level) / 2, n - 2) * s * sqrt(1 + 1/n + (x0 - xbar)^2 / Sxx)

Provisional actuals count. Cumulative targets forecast their running total.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.metrics.series import tracked_actuals

__all__ = ["FORECAST_COLUMNS", "forecast", "forecast_from_series", "t_quantile"]

FORECAST_COLUMNS = ("target_id", "forecast_value", "forecast_low", "forecast_high", "forecast_n")


def t_quantile(probability: float, dof: int) -> float:
    """Student's t quantile, e.g. ``t_quantile(0.90, 4)`` = 1.5332 (scipy, imported lazily).

    `scipy.special.stdtrit` is the function `scipy.stats.t.ppf` calls, without importing all of
    scipy.stats (1 s, the slowest step of a server's first assessment)."""
    from scipy.special import stdtrit

    return float(stdtrit(dof, probability))


def forecast_from_series(
    series: pl.DataFrame,
    targets: pl.DataFrame,
    window: int = 8,
    min_points: int = 3,
    level: float = 0.80,
) -> pl.DataFrame:
    """Forecast from an already tracked series (``target_id, period, value``).

    One row per target of ``targets``: ``forecast_value, forecast_low, forecast_high`` (null
    with fewer than ``min_points`` actuals) and ``forecast_n``, the number of actuals used
    (the count available, at most ``window``, even when too few to forecast).
    """
    if min_points < 3:
        raise ValueError("a prediction interval needs at least 3 points (n - 2 >= 1)")
    tid = "target_id"
    x = pl.col("_x")
    y = pl.col("value")
    used = (
        series.select(tid, "period", "value")
        .join(targets.select(tid, "target_period"), on=tid, how="inner")
        .filter(pl.col("period").rank("ordinal", descending=True).over(tid) <= window)
        # x is days relative to the target period, so x0 = 0 and numbers stay small
        .with_columns(_x=(pl.col("period") - pl.col("target_period")).dt.total_days())
        .with_columns(_x=x.cast(pl.Float64))
        .with_columns(
            _dx=x - x.mean().over(tid),
            _dy=y - y.mean().over(tid),
        )
    )
    dx, dy = pl.col("_dx"), pl.col("_dy")
    slope = (dx * dy).sum() / (dx * dx).sum()
    stats = (
        used.with_columns(_b=slope.over(tid))
        .group_by(tid)
        .agg(
            n=pl.len().cast(pl.Int64),
            xbar=x.mean(),
            ybar=y.mean(),
            sxx=(dx * dx).sum(),
            b=pl.col("_b").first(),
            _sse=((dy - pl.col("_b") * dx) ** 2).sum(),
        )
    )
    n = pl.col("n")
    sxx = pl.col("sxx")
    ok = (n >= min_points) & (sxx > 0)
    stats = stats.with_columns(
        _yhat=pl.col("ybar") + pl.col("b") * (0.0 - pl.col("xbar")),
        _dof=(n - 2).clip(lower_bound=1),
    )
    dofs = sorted(set(stats.get_column("_dof").to_list()))
    q = 1.0 - (1.0 - level) / 2.0
    tq = pl.col("_dof").replace_strict(
        {d: t_quantile(q, d) for d in dofs}, default=None, return_dtype=pl.Float64
    )
    half = (
        tq * (pl.col("_sse") / (n - 2)).sqrt() * (1.0 + 1.0 / n + pl.col("xbar") ** 2 / sxx).sqrt()
    )
    stats = stats.select(
        tid,
        forecast_value=pl.when(ok).then(pl.col("_yhat")),
        forecast_low=pl.when(ok).then(pl.col("_yhat") - half),
        forecast_high=pl.when(ok).then(pl.col("_yhat") + half),
        forecast_n=n,
    )
    return (
        targets.select(tid)
        .join(stats, on=tid, how="left", maintain_order="left")
        .with_columns(pl.col("forecast_n").fill_null(0))
        .select(FORECAST_COLUMNS)
    )


def forecast(
    targets: pl.DataFrame,
    actuals: pl.DataFrame,
    as_at: date,
    window: int = 8,
    min_points: int = 3,
    level: float = 0.80,
) -> pl.DataFrame:
    """Forecast every target at its target period from actuals known at ``as_at``.

    Columns ``target_id, forecast_value, forecast_low, forecast_high, forecast_n``.
    """
    series = tracked_actuals(targets, actuals, as_at)
    return forecast_from_series(series, targets, window, min_points, level)
