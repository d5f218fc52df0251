"""Gap, RAG bands, direction of travel and reward status (DOMAIN §8)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.metrics.status import (
    direction_expr,
    gap_denominator_expr,
    gap_expr,
    rag_expr,
    reward_status,
)

SCHEMA = {
    "polarity": pl.Utf8,
    "measure": pl.Utf8,
    "baseline_value": pl.Float64,
    "target_value": pl.Float64,
    "latest_value": pl.Float64,
    "expected_value": pl.Float64,
    "forecast_value": pl.Float64,
    "latest_period_value": pl.Float64,
    "previous_period_value": pl.Float64,
}


def _rate(rows: list[dict[str, Any]], tolerance: float = 0.10) -> pl.DataFrame:
    base = dict.fromkeys(SCHEMA) | {"polarity": "higher", "measure": "level"}
    df = pl.DataFrame([base | r for r in rows], schema=SCHEMA)
    return df.with_columns(denominator=gap_denominator_expr(), gap=gap_expr()).with_columns(
        rag=rag_expr(tolerance), direction=direction_expr()
    )


def _higher(actual: float | None, **kw: Any) -> dict[str, Any]:
    return {
        "baseline_value": 20.0,
        "target_value": 36.0,
        "expected_value": 30.0,
        "latest_value": actual,
    } | kw


def test_gap_and_rag_bands_higher() -> None:
    out = _rate([_higher(31.0), _higher(30.0), _higher(29.0), _higher(28.4), _higher(28.0)])
    assert out.get_column("gap").to_list() == pytest.approx([-1 / 16, 0.0, 1 / 16, 0.1, 0.125])
    assert out.get_column("rag").to_list() == ["green", "green", "amber", "amber", "red"]


def test_gap_exactly_at_tolerance_despite_float_noise_is_amber() -> None:
    assert 0.4 - 0.3 > 0.1  # 0.10000000000000003 in floats
    row = {"baseline_value": 0.0, "target_value": 1.0, "expected_value": 0.4, "latest_value": 0.3}
    out = _rate([row])
    assert out.get_column("gap").item() == 0.1
    assert out.get_column("rag").item() == "amber"


def test_tolerance_is_a_setting() -> None:
    assert _rate([_higher(28.0)], tolerance=0.15).get_column("rag").item() == "amber"


def test_forecast_meeting_target_makes_amber_not_green() -> None:
    rows = [
        _higher(22.0, forecast_value=36.0),  # meets exactly
        _higher(22.0, forecast_value=35.9),  # does not
        _higher(22.0),  # no forecast
        _higher(31.0, forecast_value=10.0),  # ahead of trajectory: green whatever the forecast
    ]
    assert _rate(rows).get_column("rag").to_list() == ["amber", "red", "red", "green"]


def test_lower_is_better() -> None:
    base = {"polarity": "lower", "baseline_value": 14.0, "target_value": 11.0}
    rows = [
        base | {"expected_value": 12.0, "latest_value": 12.5},
        base | {"expected_value": 12.0, "latest_value": 11.8},
        base | {"expected_value": 12.0, "latest_value": 12.5, "forecast_value": 11.0},
        base | {"expected_value": 12.0, "latest_value": 12.5, "forecast_value": 11.1},
    ]
    out = _rate(rows)
    assert out.get_column("gap").to_list() == pytest.approx([0.5 / 3, -0.2 / 3, 0.5 / 3, 0.5 / 3])
    assert out.get_column("rag").to_list() == ["red", "green", "amber", "red"]


def test_maintain_targets_use_abs_target_or_one() -> None:
    keep = {"baseline_value": 95.0, "target_value": 95.0, "expected_value": 95.0}
    zero = {"polarity": "lower", "baseline_value": 0.0, "target_value": 0.0, "expected_value": 0.0}
    out = _rate(
        [
            keep | {"latest_value": 90.0},
            keep | {"latest_value": 85.0},
            zero | {"latest_value": 0.05},
            zero | {"latest_value": 0.2},
        ]
    )
    assert out.get_column("denominator").to_list() == [95.0, 95.0, 1.0, 1.0]
    assert out.get_column("gap").to_list() == pytest.approx([5 / 95, 10 / 95, 0.05, 0.2])
    assert out.get_column("rag").to_list() == ["amber", "red", "amber", "red"]


def test_cumulative_denominator_is_abs_target() -> None:
    row = {
        "measure": "cumulative",
        "baseline_value": 1400.0,  # a period figure; running totals start at 0
        "target_value": 5000.0,
        "expected_value": 2000.0,
        "latest_value": 1600.0,
    }
    out = _rate([row])
    assert out.get_column("denominator").item() == 5000.0
    assert out.get_column("gap").item() == pytest.approx(0.08)
    assert out.get_column("rag").item() == "amber"


def test_no_actual_means_no_status() -> None:
    out = _rate([_higher(None, forecast_value=40.0)])
    assert out.get_column("rag").item() is None
    assert out.get_column("gap").item() is None


def test_direction_thresholds() -> None:
    def move(prev: float | None, latest: float | None, **kw: Any) -> dict[str, Any]:
        return _higher(latest, previous_period_value=prev, latest_period_value=latest) | kw

    rows = [
        move(20.0, 20.33),  # +0.33 > 2% of 16 = 0.32
        move(20.0, 20.32),  # exactly 2% (0.3200000000000003 in floats): steady
        move(20.0, 19.68),  # exactly -2%: steady
        move(20.0, 19.67),
        move(None, 20.0),
        move(20.0, None),
        move(12.0, 11.9, polarity="lower", baseline_value=14.0, target_value=11.0),  # 3.3%
        move(12.0, 12.1, polarity="lower", baseline_value=14.0, target_value=11.0),
        move(12.0, 12.06, polarity="lower", baseline_value=14.0, target_value=11.0),  # 2%
    ]
    assert _rate(rows).get_column("direction").to_list() == [
        "improving",
        "steady",
        "steady",
        "worsening",
        None,
        None,
        "improving",
        "worsening",
        "steady",
    ]


def test_reward_status_bands() -> None:
    assert reward_status(Fraction(11, 8)) == "green"
    assert reward_status(Fraction(1)) == "green"
    assert reward_status(Fraction(3, 5)) == "amber"
    assert reward_status(Fraction(5999, 10000)) == "red"
    assert reward_status(Fraction(-1)) == "red"
    assert reward_status(None) is None


@given(
    b=st.floats(-1e4, 1e4),
    t=st.floats(-1e4, 1e4),
    e=st.floats(-1e4, 1e4),
    a=st.floats(-1e4, 1e4),
    polarity=st.sampled_from(["higher", "lower"]),
)
@settings(deadline=None)  # a polars frame per example: slow on a busy machine, not wrong
def test_rag_bands_never_overlap(b: float, t: float, e: float, a: float, polarity: str) -> None:
    row = {"polarity": polarity, "baseline_value": b, "target_value": t}
    out = _rate([row | {"expected_value": e, "latest_value": a}]).row(0, named=True)
    gap = out["gap"]
    expected = "green" if gap <= 0 else "amber" if gap <= 0.10 else "red"
    assert out["rag"] == expected
    assert out["denominator"] > 0


def test_settled_target_period_is_not_rescued_by_the_forecast() -> None:
    rows = [
        _higher(22.0, forecast_value=36.0, settled=True),
        _higher(22.0, forecast_value=36.0, settled=False),
        _higher(29.0, forecast_value=36.0, settled=True),  # within tolerance: still amber
    ]
    schema = SCHEMA | {"settled": pl.Boolean}
    base = dict.fromkeys(schema) | {"polarity": "higher", "measure": "level"}
    df = pl.DataFrame([base | r for r in rows], schema=schema).with_columns(gap=gap_expr())
    out = df.with_columns(rag=rag_expr(settled="settled")).get_column("rag").to_list()
    assert out == ["red", "amber", "amber"]
