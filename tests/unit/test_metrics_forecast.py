"""Forecast: OLS on period-end dates, 80% Student-t prediction interval, last 8 actuals."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

from dashboard.metrics.forecast import forecast, t_quantile
from dashboard.metrics.schema import ACTUALS_SCHEMA, TARGETS_SCHEMA, frame
from dashboard.metrics.series import tracked_actuals

D = date
QUARTERS = [
    D(2005, 6, 30), D(2005, 9, 30), D(2005, 12, 31), D(2006, 3, 31),
    D(2006, 6, 30), D(2006, 9, 30), D(2006, 12, 31), D(2007, 3, 31),
    D(2007, 6, 30), D(2007, 9, 30), D(2007, 12, 31), D(2008, 3, 31),
]  # fmt: skip
TARGET_PERIOD = D(2008, 3, 31)


def _target(**kw: Any) -> dict[str, Any]:
    return {
        "target_id": 1,
        "area_code": "A",
        "indicator_code": "X",
        "block_code": "CYP",
        "polarity": "higher",
        "measure": "level",
        "agreement_start": D(2005, 4, 1),
        "baseline_period": D(2005, 3, 31),
        "baseline_value": 20.0,
        "target_period": TARGET_PERIOD,
        "target_value": 36.0,
        "is_reward": False,
    } | kw


def _actuals(values: list[float], target_id: int = 1, status: str = "final") -> list[dict]:
    return [
        {"target_id": target_id, "period": p, "value": v, "status": status}
        for p, v in zip(QUARTERS, values, strict=False)
    ]


def _reference(periods: list[date], ys: list[float], x0: date) -> tuple[float, float, float]:
    """Independent OLS + t interval with numpy/scipy on raw ordinal days."""
    x = np.array([p.toordinal() for p in periods], dtype=float)
    y = np.array(ys)
    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    s = math.sqrt(float(resid @ resid) / (n - 2))
    xx = x0.toordinal()
    yhat = slope * xx + intercept
    half = (
        stats.t.ppf(0.90, n - 2)
        * s
        * math.sqrt(1 + 1 / n + (xx - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    )
    return yhat, yhat - half, yhat + half


def _run(targets: list[dict], actuals: list[dict], as_at: date) -> pl.DataFrame:
    return forecast(frame(targets, TARGETS_SCHEMA), frame(actuals, ACTUALS_SCHEMA), as_at)


def test_matches_numpy_polyfit_and_scipy_t() -> None:
    ys = [21.0, 22.5, 22.1, 24.0, 25.2]
    out = _run([_target()], _actuals(ys, status="provisional"), D(2006, 9, 30)).row(0, named=True)
    yhat, lo, hi = _reference(QUARTERS[:5], ys, TARGET_PERIOD)
    assert out["forecast_n"] == 5
    assert out["forecast_value"] == pytest.approx(yhat, rel=1e-9)
    assert out["forecast_low"] == pytest.approx(lo, rel=1e-9)
    assert out["forecast_high"] == pytest.approx(hi, rel=1e-9)


def test_hand_computed_three_points() -> None:
    # x = 0, 1, 2 in units of "step"; y = 1, 3, 2: slope 0.5/step, ybar 2, residuals
    # -0.5, 1, -0.5 -> SSE 1.5, s = sqrt(1.5), df 1, t(0.9,1) = 3.0776835
    periods = [D(2006, 1, 1), D(2006, 1, 11), D(2006, 1, 21)]
    acts = [{"target_id": 1, "period": p, "value": v, "status": "final"} for p, v in
            zip(periods, [1.0, 3.0, 2.0], strict=True)]  # fmt: skip
    t = _target(agreement_start=D(2005, 12, 1), target_period=D(2006, 1, 31))
    out = _run([t], acts, D(2006, 2, 1)).row(0, named=True)
    # x0 is step 3: yhat = 2 + 0.5 x (3 - 1) = 3; Sxx = 2 steps^2; (x0 - xbar)^2 = 4
    half = 3.0776835371752536 * math.sqrt(1.5) * math.sqrt(1 + 1 / 3 + 4 / 2)
    assert t_quantile(0.90, 1) == pytest.approx(3.0776835371752536)
    assert out["forecast_value"] == pytest.approx(3.0)
    assert out["forecast_low"] == pytest.approx(3.0 - half)
    assert out["forecast_high"] == pytest.approx(3.0 + half)


def test_fewer_than_three_actuals_gives_no_forecast() -> None:
    targets = [_target(), _target(target_id=2)]
    acts = _actuals([21.0, 22.0]) + _actuals([1.0, 2.0, 3.0, 4.0], target_id=2)
    out = _run(targets, acts, D(2005, 12, 31)).sort("target_id")
    one, two = out.iter_rows(named=True)
    assert one["forecast_value"] is None and one["forecast_low"] is None
    assert one["forecast_n"] == 2
    assert two["forecast_n"] == 3
    assert two["forecast_value"] is not None


def test_target_without_actuals_still_gets_a_row() -> None:
    out = _run([_target(), _target(target_id=7)], _actuals([1.0, 2.0, 3.0]), D(2008, 6, 30))
    assert out.sort("target_id").get_column("forecast_n").to_list() == [3, 0]


def test_only_last_eight_actuals_used() -> None:
    ys = [50.0, -40.0, 0.0, 1.0, 2.5, 3.0, 4.2, 5.0, 6.1, 7.0, 7.9]
    out = _run([_target()], _actuals(ys), D(2008, 3, 31)).row(0, named=True)
    yhat, lo, hi = _reference(QUARTERS[3:11], ys[3:], TARGET_PERIOD)
    assert out["forecast_n"] == 8
    assert out["forecast_value"] == pytest.approx(yhat, rel=1e-9)
    assert out["forecast_low"] == pytest.approx(lo, rel=1e-9)
    assert out["forecast_high"] == pytest.approx(hi, rel=1e-9)


def test_actuals_after_as_at_do_not_exist_yet() -> None:
    ys = [1.0, 2.0, 4.0, 4.5, 100.0, 200.0]
    out = _run([_target()], _actuals(ys), D(2006, 4, 1)).row(0, named=True)
    yhat, _, _ = _reference(QUARTERS[:4], ys[:4], TARGET_PERIOD)
    assert out["forecast_n"] == 4
    assert out["forecast_value"] == pytest.approx(yhat)


def test_cumulative_target_forecasts_running_total() -> None:
    t = _target(measure="cumulative", target_value=5000.0)
    amounts = [400.0, 420.0, 380.0, 450.0, 430.0]
    before_start = {"target_id": 1, "period": D(2005, 3, 31), "value": 999.0, "status": "final"}
    out = _run([t], [before_start, *_actuals(amounts)], D(2006, 6, 30)).row(0, named=True)
    totals = list(np.cumsum(amounts))
    yhat, lo, hi = _reference(QUARTERS[:5], totals, TARGET_PERIOD)
    assert out["forecast_n"] == 5
    assert out["forecast_value"] == pytest.approx(yhat, rel=1e-9)
    assert out["forecast_low"] == pytest.approx(lo, rel=1e-9)
    assert out["forecast_high"] == pytest.approx(hi, rel=1e-9)


def test_tracked_actuals_running_totals_and_period_values() -> None:
    t = frame([_target(measure="cumulative"), _target(target_id=2)], TARGETS_SCHEMA)
    acts = frame(_actuals([1.0, 2.0, 3.0]) + _actuals([5.0, 6.0], target_id=2), ACTUALS_SCHEMA)
    out = tracked_actuals(t, acts, D(2008, 3, 31))
    assert out.select("target_id", "period_value", "value").rows() == [
        (1, 1.0, 1.0),
        (1, 2.0, 3.0),
        (1, 3.0, 6.0),
        (2, 5.0, 5.0),
        (2, 6.0, 6.0),
    ]


def test_perfect_line_has_zero_width_interval() -> None:
    ys = [float(p.toordinal() - QUARTERS[0].toordinal()) for p in QUARTERS[:4]]
    out = _run([_target()], _actuals(ys), D(2008, 3, 31)).row(0, named=True)
    expected = float(TARGET_PERIOD.toordinal() - QUARTERS[0].toordinal())
    assert out["forecast_value"] == pytest.approx(expected)
    assert out["forecast_high"] - out["forecast_low"] == pytest.approx(0.0, abs=1e-6)
