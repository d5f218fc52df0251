"""The stretch evidence chart: its layers (actuals, trend cone, two trajectories), the cone's
numbers, the dual trajectory told apart by dash as well as colour, and its text alternative."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from dashboard import charts_stretch
from dashboard.charts import BLUE, GREY
from dashboard.reports import stretch
from tests.unit.test_stretch import NOISY, QUARTERS, TARGET, _history, _reference

BASELINE = (QUARTERS[-1], NOISY[-1])


def _chart(history: pl.DataFrame, **kw: Any) -> dict[str, Any]:
    evidence = stretch.stretch_evidence(
        history=history, polarity="higher", baseline_value=BASELINE[1], target_period=TARGET,
        without_value=28.0, stretched_value=32.0, share_gbp=None, population=None, unit="%",
    )  # fmt: skip
    chart = charts_stretch.stretch_chart(
        history, evidence, indicator="BV82a", unit="%", polarity="higher",
        baseline_period=BASELINE[0], baseline_value=BASELINE[1], target_period=TARGET, **kw,
    )  # fmt: skip
    return chart.to_dict()


def _named(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in spec["layer"]}


def _rows(spec: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    (data,) = spec["datasets"].values()
    return [r for r in data if r["layer"] == layer]


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def test_chart_has_points_cone_and_both_trajectories() -> None:
    spec = _chart(_history(QUARTERS, NOISY))
    layers = _named(spec)
    for name in ("actual_points", "actual_line", "trend_cone", "without_trajectory",
                 "stretched_trajectory", "proposal_points", "proposal_labels"):  # fmt: skip
        assert name in layers
    assert layers["actual_points"]["mark"]["type"] == "point"
    assert layers["trend_cone"]["mark"]["type"] == "area"
    assert layers["trend_cone"]["encoding"]["y2"]["field"] == "high"
    assert [r["value"] for r in _rows(spec, "actual")] == NOISY
    without = _rows(spec, "without")
    stretched = _rows(spec, "stretched")
    assert [(_day(r["period"]), r["value"]) for r in without] == [BASELINE, (TARGET, 28.0)]
    assert [(_day(r["period"]), r["value"]) for r in stretched] == [BASELINE, (TARGET, 32.0)]
    labels = {r["label"] for r in _rows(spec, "proposal")}
    assert labels == {"Without reward 28.0%", "Stretched target 32.0%"}


def test_the_two_trajectories_differ_in_dash_as_well_as_colour() -> None:
    enc = _named(_chart(_history(QUARTERS, NOISY)))["without_trajectory"]["encoding"]
    colours = dict(
        zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"], strict=True)
    )
    dashes = dict(
        zip(enc["strokeDash"]["scale"]["domain"], enc["strokeDash"]["scale"]["range"], strict=True)
    )
    assert colours[charts_stretch.WITHOUT] == GREY and colours[charts_stretch.STRETCHED] == BLUE
    assert dashes[charts_stretch.STRETCHED] == []  # solid
    assert dashes[charts_stretch.WITHOUT] not in ([], dashes[charts_stretch.STRETCHED])


def test_cone_widens_from_the_last_actual_to_the_target_interval() -> None:
    spec = _chart(_history(QUARTERS, NOISY))
    cone = _rows(spec, "cone")
    assert _day(cone[0]["period"]) == QUARTERS[-1] and _day(cone[-1]["period"]) == TARGET
    for row in (cone[0], cone[-1]):  # the same fit, checked independently at both ends
        _, low, high, _ = _reference(QUARTERS[2:], NOISY[2:], _day(row["period"]))
        assert row["low"] == pytest.approx(low, rel=1e-9)
        assert row["high"] == pytest.approx(high, rel=1e-9)
    widths = [r["high"] - r["low"] for r in cone]
    assert widths == sorted(widths) and widths[-1] > widths[0]


def test_description_and_title_say_it_in_words() -> None:
    spec = _chart(_history(QUARTERS, NOISY))
    assert spec["title"]["text"] == "BV82a: the proposed stretch against the trend"
    assert "higher is better" in spec["title"]["subtitle"]
    words = spec["description"]
    assert words.startswith("BV82a, higher is better.")
    assert "10 actual values" in words
    assert "28.0% without the reward (dashed grey line)" in words
    assert "32.0% with it (solid blue line)" in words
    assert "The trend of the last 8 values" in words


def test_without_enough_history_there_is_no_cone() -> None:
    spec = _chart(_history(QUARTERS[:2], NOISY[:2]))
    layers = _named(spec)
    assert "trend_cone" not in layers and "trend_line" not in layers
    assert {"actual_points", "without_trajectory", "stretched_trajectory"} <= set(layers)
    assert "not enough history" in spec["description"]


def test_width_is_passed_through() -> None:
    assert _chart(_history(QUARTERS, NOISY))["width"] == "container"
    assert _chart(_history(QUARTERS, NOISY), width=500)["width"] == 500
