"""Charts comparing one indicator across areas: the specs' layers, encodings and data."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from dashboard import charts_compare
from dashboard.charts import BLUE
from dashboard.reports import compare
from tests.unit.test_compare import areas, targets


def _frame(unit: str = "%", polarity: str = "higher") -> pl.DataFrame:
    values = {"A01": 5.0, "A02": 9.0, "A03": None, "A06": 1.0, "A08": 3.0}
    return compare.comparison(
        targets(values, unit=unit, polarity=polarity), areas(), "X1", "A01", "region"
    )


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["layer"] if "layer" in spec else spec["spec"]["layer"]


def _rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    name = layer.get("data", {}).get("name") or spec.get("data", {}).get("name")
    return spec["datasets"][name]


def test_strip_plot_marks_the_chosen_area_by_shape_colour_and_label() -> None:
    frame = _frame()
    stats = compare.statistics(frame["value"], "group")
    chart = charts_compare.strip_plot(
        frame, vars(stats), indicator="X1", unit="%", polarity="higher", per_1000=False
    )
    spec = chart.to_dict()
    rule, rule_label, dots, label = _layers(spec)
    assert dots["encoding"]["shape"]["field"] == dots["encoding"]["color"]["field"] == "who"
    assert dots["encoding"]["shape"]["scale"] == {
        "domain": ["Oakham", charts_compare.OTHER], "range": ["diamond", "circle"]
    }  # fmt: skip
    assert dots["encoding"]["color"]["scale"]["range"][0] == BLUE
    dot_rows = _rows(spec, dots)
    assert {r["area_name"] for r in dot_rows} == {"Oakham", "Zeal", "Elm", "Hazel"}  # values
    assert [r["who"] for r in dot_rows if r["area_name"] == "Oakham"] == ["Oakham"]
    assert [r["area_name"] for r in _rows(spec, label)] == ["Oakham"]  # named beside its point
    assert label["encoding"]["text"]["field"] == "area_name"
    # median and quartiles of 1, 3, 5, 9
    assert {r["statistic"]: r["value"] for r in _rows(spec, rule)} == {
        "Lower quartile": 2.5, "Median": 4.0, "Upper quartile": 6.0
    }  # fmt: skip
    assert rule_label["encoding"]["text"]["field"] == "statistic"
    assert "higher is better" in spec["title"]["subtitle"]
    assert "Oakham: 5.0%" in spec["description"]


def test_strip_plot_of_counts_is_per_1000_population() -> None:
    frame = compare.comparison(
        targets({"A01": 600.0, "A02": 31.0}, unit="count"), areas(), "X1", "A01", "region"
    )
    stats = compare.statistics(frame["value"], "group")
    spec = charts_compare.strip_plot(
        frame, vars(stats), indicator="X1", unit="count", polarity="lower", per_1000=True,
        decimals=2,
    ).to_dict()  # fmt: skip
    dots = _layers(spec)[2]
    assert dots["encoding"]["x"]["title"] == "Per 1,000 population"
    texts = {r["area_name"]: r["value_text"] for r in _rows(spec, dots)}
    assert texts == {"Oakham": "2.00 per 1,000", "Zeal": "0.10 per 1,000"}
    assert "lower is better" in spec["title"]["subtitle"]


def test_strip_plot_without_the_chosen_areas_value_still_draws() -> None:
    frame = compare.comparison(targets({"A02": 3.0}), areas(), "X1", "A01", "region")
    stats = compare.statistics(frame["value"], "group")
    spec = charts_compare.strip_plot(
        frame, vars(stats), indicator="X1", unit="%", polarity="higher", per_1000=False
    ).to_dict()
    assert "Oakham has no value" in spec["description"]


def test_small_multiples_put_the_chosen_area_first_in_blue() -> None:
    frame = _frame()
    actuals = pl.DataFrame(
        {
            "target_id": [1, 1, 2, 2, 4],
            "area_code": ["A01", "A01", "A02", "A02", "A06"],
            "period": [date(2007, 3, 31), date(2008, 3, 31)] * 2 + [date(2008, 3, 31)],
            "value": [4.0, 5.0, 8.0, 9.0, 1.0],
            "status": ["final", "provisional", "final", "final", "final"],
        }
    )
    data = compare.trajectories(actuals, frame, date(2008, 11, 30))
    spec = charts_compare.trajectories_chart(
        data, indicator="X1", unit="%", polarity="higher", per_1000=False
    ).to_dict()
    sort = spec["facet"]["sort"]
    assert sort[0] == "Oakham (this area)" and sort[1:] == ["Elm", "Zeal"]
    line, dots = spec["spec"]["layer"]
    assert line["encoding"]["color"]["scale"]["range"][0] == BLUE
    assert dots["encoding"]["shape"]["scale"]["range"] == ["diamond", "circle"]
    # provisional points hollow; otherwise filled in the same colours, with one legend only
    fill = dots["encoding"]["fill"]
    assert fill["condition"]["value"] == "white" and fill["legend"] is None
    assert fill["scale"] == line["encoding"]["color"]["scale"]
    assert dots["encoding"]["stroke"]["legend"] is None
    rows = spec["datasets"][spec["data"]["name"]]
    assert {r["area_name"] for r in rows} == {"Oakham", "Zeal", "Elm"}
    assert [r["provisional"] for r in rows if r["area_name"] == "Oakham"] == [False, True]
    assert spec["columns"] == 4
    assert "Oakham first" in spec["description"]
