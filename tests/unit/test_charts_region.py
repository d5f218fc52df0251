"""The region page's reward chart: bars, their 80% range and the 60% line, read from the
Vega-Lite spec (a chart is a dict: its layers and encodings)."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from dashboard import charts_region


def grid() -> pl.DataFrame:
    money = pl.Decimal(38, 2)
    return pl.DataFrame(
        {
            "area_code": ["A1", "A2", "A3"],
            "area_name": ["Alpha", "Beta", "Gamma"],
            "max_prg_gbp": [Decimal("1000.00"), Decimal("2000.00"), Decimal("0.00")],
            "prg_gbp": [Decimal("500.00"), Decimal("1800.00"), Decimal("0.00")],
            "prg_low_gbp": [Decimal("300.00"), Decimal("1500.00"), Decimal("0.00")],
            "prg_high_gbp": [Decimal("700.00"), Decimal("2400.00"), Decimal("0.00")],
        },
        schema_overrides={
            c: money for c in ("max_prg_gbp", "prg_gbp", "prg_low_gbp", "prg_high_gbp")
        },
    )


def marks(spec: dict) -> list[tuple[str, dict]]:
    """Every leaf layer as (mark type, layer), through nested layers."""
    found = []
    for layer in spec.get("layer", []):
        if "layer" in layer:
            found += marks(layer)
        else:
            mark = layer["mark"]
            found.append((mark["type"] if isinstance(mark, dict) else mark, layer))
    return found


def test_fractions_are_of_each_areas_own_maximum() -> None:
    data = charts_region.reward_chart_data(grid())
    assert data["area"].to_list() == ["Alpha (A1)", "Beta (A2)"]  # no maximum: not drawn
    assert data["forecast"].to_list() == [0.5, 0.9]
    assert data["low"].to_list() == [0.3, 0.75]
    assert data["high"].to_list() == [0.7, 1.2]
    assert data["range_text"].to_list() == ["£300 – £700", "£1,500 – £2,400"]


def test_bars_with_their_range_and_a_labelled_60_percent_line() -> None:
    spec = charts_region.reward_forecast_chart(grid()).to_dict()
    kinds = [kind for kind, _ in marks(spec)]
    assert kinds.count("bar") == 1 and kinds.count("errorbar") == 1 and "rule" in kinds
    ((_, bar),) = [(k, layer) for k, layer in marks(spec) if k == "bar"]
    assert bar["encoding"]["x"]["field"] == "forecast"
    assert bar["encoding"]["y"]["sort"] == ["Beta (A2)", "Alpha (A1)"]  # highest first
    ((_, errorbar),) = [(k, layer) for k, layer in marks(spec) if k == "errorbar"]
    assert errorbar["encoding"]["x"]["field"] == "low"
    assert errorbar["encoding"]["x2"]["field"] == "high"
    # the x axis reaches the highest range end, so no range is cut off
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 1.2]
    datasets = spec["datasets"].values()
    assert any(rows == [{"x": 0.6, "label": charts_region.THRESHOLD_LABEL}] for rows in datasets)
    assert "60%" in spec["title"]["subtitle"]
    assert "Alpha (A1): £500 forecast (50% of its maximum £1,000)" in spec["description"]


def test_an_empty_region_still_has_a_chart_and_says_so() -> None:
    spec = charts_region.reward_forecast_chart(grid().head(0)).to_dict()
    assert spec["description"] == "No area in view has a reward maximum."


def test_an_area_without_a_forecast_yet_is_described_not_broken() -> None:
    """Before any value is in (an early as-at date) the forecast is empty: the chart still
    draws and its description says what it can."""
    early = grid().with_columns(pl.lit(None, dtype=pl.Decimal(38, 2)).alias("prg_gbp"))
    spec = charts_region.reward_forecast_chart(early).to_dict()
    assert "Alpha (A1)" in spec["description"] and "of its maximum" in spec["description"]
