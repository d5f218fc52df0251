"""Chart builders: the Vega-Lite specs follow the visual language (DESIGN.md) and render."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

from dashboard import charts, db, store
from dashboard.analysis import Assessment, assess_areas
from dashboard.metrics.schema import (
    ACTUALS_SCHEMA,
    AGREEMENTS_SCHEMA,
    MILESTONES_SCHEMA,
    TARGETS_SCHEMA,
    frame,
)

D = date
AS_AT = D(2007, 11, 30)
ROOT = Path(__file__).resolve().parents[2]
REWARD_LAYERS = {"stretch_band", "without_line", "threshold_line"}


# --- a hand-made target set ------------------------------------------------------------------
def _target(target_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "target_id": target_id,
        "area_code": "A",
        "indicator_code": f"I{target_id}",
        "block_code": "SSC",
        "polarity": "higher",
        "measure": "level",
        "agreement_start": D(2005, 4, 1),
        "baseline_period": D(2005, 3, 31),
        "baseline_value": 30.0,
        "target_period": D(2008, 3, 31),
        "target_value": 36.0,
        "without_reward_value": None,
        "is_reward": False,
        "agreed_share_gbp": None,
    } | kw


ORDINARY, REWARD, CUMULATIVE, FINISHED = 1, 2, 3, 4
PERIODS = [D(2006, 3, 31), D(2006, 9, 30), D(2007, 3, 31), D(2007, 9, 30)]


@pytest.fixture(scope="module")
def tiny() -> dict[str, pl.DataFrame]:
    targets = frame(
        [
            _target(ORDINARY),
            _target(
                REWARD,
                polarity="lower",
                baseline_value=13.0,
                target_value=11.5,
                without_reward_value=13.0 - 0.5,
                is_reward=True,
            ),
            _target(CUMULATIVE, measure="cumulative", baseline_value=0.0, target_value=300.0),
            _target(FINISHED, target_period=D(2007, 3, 31)),
        ],
        TARGETS_SCHEMA,
    ).with_columns(
        frequency=pl.lit("quarterly"),
        period_basis=pl.lit("financial"),
        unit=pl.when(pl.col("target_id") == REWARD)
        .then(pl.lit("rate per 1000"))
        .when(pl.col("target_id") == CUMULATIVE)
        .then(pl.lit("count"))
        .otherwise(pl.lit("%")),
        decimals=pl.when(pl.col("target_id") == CUMULATIVE).then(0).otherwise(1),
    )
    milestones = frame(
        [{"target_id": ORDINARY, "period": D(2006, 3, 31), "value": 33.0}], MILESTONES_SCHEMA
    )
    values = {
        ORDINARY: [31.0, 32.0, 33.5, 34.0],
        REWARD: [12.9, 12.6, 12.4, 12.1],
        CUMULATIVE: [40.0, 50.0, 45.0, 60.0],
        FINISHED: [31.0, 32.0, 33.5, 34.0],
    }
    actuals = frame(
        [
            {
                "target_id": tid,
                "period": p,
                "value": v,
                "status": "provisional" if p == PERIODS[-1] else "final",
            }
            for tid, vs in values.items()
            for p, v in zip(PERIODS, vs, strict=True)
        ]
        + [{"target_id": ORDINARY, "period": D(2008, 3, 31), "value": 99.0, "status": "final"}],
        ACTUALS_SCHEMA,
    )  # the last row lies after AS_AT: it does not exist yet
    agreements = frame(
        [
            {
                "area_code": "A",
                "net_budget_requirement_gbp": 200e6,
                "reward_rate": 0.025,
                "reward_threshold": 0.6,
                "population": 150_000,
            }
        ],
        AGREEMENTS_SCHEMA,
    )
    data = charts.trajectory_data(targets, milestones, actuals, AS_AT, agreements=agreements)
    return {
        "targets": targets,
        "milestones": milestones,
        "actuals": actuals,
        "agreements": agreements,
        "data": data,
    }


def _rows(data: pl.DataFrame, target_id: int, layer: str) -> pl.DataFrame:
    return data.filter(pl.col("target_id") == target_id, pl.col("layer") == layer).sort("period")


def _chart(data: pl.DataFrame, target_id: int, **kw: Any) -> alt.LayerChart:
    part = data.filter(pl.col("target_id") == target_id)
    args = {"title": f"I{target_id}", "unit": "%", "polarity": "higher", "decimals": 1} | kw
    return charts.trajectory_chart(part, **args)


def _layers(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in spec["layer"]}


def _series_style(layer: dict[str, Any]) -> dict[str, tuple[str, list[int]]]:
    """series -> (colour, dash) from a layer's colour and strokeDash scales."""
    colour = layer["encoding"]["color"]["scale"]
    dash = layer["encoding"]["strokeDash"]["scale"]
    return {
        s: (c, d) for s, c, d in zip(colour["domain"], colour["range"], dash["range"], strict=True)
    }


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    name = spec["data"]["name"]
    return spec["datasets"][name]


# --- trajectory_data -----------------------------------------------------------------------------
def test_data_schema_and_types(tiny: dict[str, pl.DataFrame]) -> None:
    """One long frame with Float64 values and Date periods, for all targets."""
    data = tiny["data"]
    assert data.schema == pl.Schema(charts.DATA_SCHEMA)
    assert set(data["target_id"].unique()) == {ORDINARY, REWARD, CUMULATIVE, FINISHED}


def test_actual_rows_are_the_tracked_values(tiny: dict[str, pl.DataFrame]) -> None:
    """Actuals known at the business date, with status, labels and the expected value."""
    rows = _rows(tiny["data"], ORDINARY, "actual")
    assert rows["value"].to_list() == [31.0, 32.0, 33.5, 34.0]  # not the 2008 row
    assert rows["status"].to_list() == ["final", "final", "final", "provisional"]
    assert rows["period_label"].to_list() == [
        "Q4 2005/06",
        "Q2 2006/07",
        "Q4 2006/07",
        "Q2 2007/08",
    ]
    assert rows["value_text"][0] == "31.0%"
    assert rows["expected_value"][0] == pytest.approx(33.0)  # the milestone
    assert rows["series"].unique().to_list() == ["Actual"]


def test_cumulative_actuals_are_running_totals(tiny: dict[str, pl.DataFrame]) -> None:
    rows = _rows(tiny["data"], CUMULATIVE, "actual")
    assert rows["value"].to_list() == [40.0, 90.0, 135.0, 195.0]
    trajectory = _rows(tiny["data"], CUMULATIVE, "trajectory")
    assert trajectory.row(0, named=True)["value"] == 0.0  # from 0 at the agreement start
    assert trajectory.row(0, named=True)["period"] == D(2005, 4, 1)


def test_trajectory_through_baseline_milestones_target(tiny: dict[str, pl.DataFrame]) -> None:
    rows = _rows(tiny["data"], ORDINARY, "trajectory")
    assert rows["value"].to_list() == [30.0, 33.0, 36.0]
    assert rows["note"].to_list() == ["Baseline", "Milestone", "Target"]
    assert rows["series"].unique().to_list() == ["Trajectory"]


def test_target_marker_at_the_target_period(tiny: dict[str, pl.DataFrame]) -> None:
    row = _rows(tiny["data"], ORDINARY, "target").row(0, named=True)
    assert (row["period"], row["value"], row["label"]) == (D(2008, 3, 31), 36.0, "Target 36.0%")
    reward = _rows(tiny["data"], REWARD, "target").row(0, named=True)
    assert reward["label"] == "Target 11.5 per 1,000"
    assert reward["label_short"] == "Target 11.5"


def test_reward_layers(tiny: dict[str, pl.DataFrame]) -> None:
    """Without-reward path, band between the paths, and the 60%-of-stretch path."""
    data = tiny["data"]
    assert _rows(data, REWARD, "trajectory")["series"].unique().to_list() == ["Stretched target"]
    without = _rows(data, REWARD, "without_reward")
    assert without["value"].to_list() == [13.0, 12.5]
    band = _rows(data, REWARD, "stretch_band")
    assert band["band_low"].to_list() == pytest.approx([13.0, 11.5])
    assert band["band_high"].to_list() == pytest.approx([13.0, 12.5])
    threshold = _rows(data, REWARD, "threshold")
    assert threshold["series"].unique().to_list() == ["60% of stretch"]
    assert threshold["value"].to_list() == pytest.approx([13.0, 12.5 + 0.6 * (11.5 - 12.5)])
    for layer in ("without_reward", "stretch_band", "threshold"):
        assert _rows(data, ORDINARY, layer).is_empty()


def test_area_threshold_names_the_line(tiny: dict[str, pl.DataFrame]) -> None:
    agreements = tiny["agreements"].with_columns(reward_threshold=pl.lit(0.5))
    data = charts.trajectory_data(
        tiny["targets"], tiny["milestones"], tiny["actuals"], AS_AT, agreements=agreements
    )
    threshold = _rows(data, REWARD, "threshold")
    assert threshold["series"].unique().to_list() == ["50% of stretch"]
    assert threshold["value"][-1] == pytest.approx(12.0)


def test_forecast_widens_from_the_latest_actual(tiny: dict[str, pl.DataFrame]) -> None:
    rows = _rows(tiny["data"], ORDINARY, "forecast")
    start, end = rows.to_dicts()
    assert start["period"] == D(2007, 9, 30) and start["value"] == 34.0
    assert start["forecast_low"] == start["forecast_high"] == 34.0
    assert end["period"] == D(2008, 3, 31)
    assert end["forecast_low"] < end["value"] < end["forecast_high"]
    assert end["note"].startswith("80% range ")


def test_no_forecast_once_the_target_period_has_passed(tiny: dict[str, pl.DataFrame]) -> None:
    assert _rows(tiny["data"], FINISHED, "forecast").is_empty()


def test_forecast_columns_of_an_assessment_are_used(tiny: dict[str, pl.DataFrame]) -> None:
    targets = tiny["targets"].with_columns(
        forecast_value=pl.lit(35.0), forecast_low=pl.lit(34.0), forecast_high=pl.lit(37.0)
    )
    data = charts.trajectory_data(targets, tiny["milestones"], tiny["actuals"], AS_AT)
    end = _rows(data, ORDINARY, "forecast").row(-1, named=True)
    assert (end["value"], end["forecast_low"], end["forecast_high"]) == (35.0, 34.0, 37.0)


def test_bare_targets_get_default_labels(tiny: dict[str, pl.DataFrame]) -> None:
    """TARGETS_SCHEMA columns alone are enough: annual financial labels, one decimal."""
    bare = tiny["targets"].select(list(TARGETS_SCHEMA))
    data = charts.trajectory_data(bare, tiny["milestones"], tiny["actuals"], AS_AT)
    row = _rows(data, ORDINARY, "target").row(0, named=True)
    assert (row["period_label"], row["label"]) == ("2007/08", "Target 36.0")


# --- trajectory_chart -------------------------------------------------------------------------
def test_ordinary_chart_layers(tiny: dict[str, pl.DataFrame]) -> None:
    spec = _chart(tiny["data"], ORDINARY).to_dict()
    layers = _layers(spec)
    assert list(layers) == [
        "forecast_band",
        "trajectory_line",
        "anchor_points",
        "forecast_line",
        "forecast_point",
        "actual_line",
        "actual_points",
        "target_marker",
        "target_label_halo",
        "target_label",
    ]
    assert not REWARD_LAYERS & set(layers)
    style = _series_style(layers["trajectory_line"])
    assert list(style) == ["Actual", "Trajectory", "Forecast"]
    assert style["Actual"] == ("#0b0c0c", [])  # solid dark line
    assert style["Trajectory"][1] == [6, 4]  # dashed
    assert style["Trajectory"][0] in {"#6f777b", "#505a5f", "#b1b4b6"}  # grey
    assert style["Forecast"][1] == [6, 4]  # dashed blue
    assert layers["actual_line"]["mark"]["type"] == "line"
    assert layers["forecast_band"]["mark"]["type"] == "area"
    assert layers["forecast_band"]["encoding"]["y2"]["field"] == "fc_high"
    assert layers["forecast_band"]["encoding"]["opacity"]["value"] <= 0.05  # pale when faded
    assert layers["forecast_band"]["encoding"]["opacity"]["condition"][0]["value"] <= 0.25
    assert layers["target_marker"]["mark"]["shape"] == "diamond"
    assert layers["target_label"]["encoding"]["text"]["field"] == "label"


def test_reward_chart_layers(tiny: dict[str, pl.DataFrame]) -> None:
    spec = _chart(tiny["data"], REWARD, polarity="lower", unit="rate per 1000").to_dict()
    layers = _layers(spec)
    assert set(layers) >= REWARD_LAYERS
    style = _series_style(layers["trajectory_line"])
    assert style["Stretched target"] == ("#1d70b8", [])  # solid blue
    assert style["Without reward"][1] == [1, 3]  # dotted grey
    assert style["Without reward"][0] in {"#6f777b", "#505a5f", "#b1b4b6"}
    assert style["60% of stretch"] == ("#f47738", [1, 3])  # dotted orange
    band = layers["stretch_band"]
    assert band["mark"]["type"] == "area"
    assert band["encoding"]["y"]["field"] == "band_low"
    assert band["encoding"]["y2"]["field"] == "band_high"
    assert band["mark"]["color"].startswith("#")
    assert 0.2 <= band["encoding"]["opacity"]["condition"][0]["value"] < 1  # light
    assert "Trajectory" not in style  # the reward trajectory is drawn as the stretched line


def test_provisional_points_are_hollow(tiny: dict[str, pl.DataFrame]) -> None:
    points = _layers(_chart(tiny["data"], ORDINARY).to_dict())["actual_points"]
    assert points["mark"]["filled"] is True
    fill = points["encoding"]["fill"]
    assert fill["value"] == "#0b0c0c"
    assert fill["condition"][0]["value"] == "white"
    assert "provisional" in fill["condition"][0]["test"]


def test_tooltips_show_period_label_and_value(tiny: dict[str, pl.DataFrame]) -> None:
    layers = _layers(_chart(tiny["data"], REWARD).to_dict())
    for name in ("actual_points", "anchor_points", "forecast_point", "target_marker"):
        fields = [t["field"] for t in layers[name]["encoding"]["tooltip"]]
        assert {"series", "period_label", "value_text"} <= set(fields), name
    actual = [t["field"] for t in layers["actual_points"]["encoding"]["tooltip"]]
    assert "status" in actual


def test_title_says_what_is_good(tiny: dict[str, pl.DataFrame]) -> None:
    lower = _chart(tiny["data"], REWARD, polarity="lower").to_dict()
    assert lower["title"]["text"] == "I2 — lower is better"
    higher = _chart(tiny["data"], ORDINARY, title="Recycling").to_dict()
    assert higher["title"]["text"] == "Recycling — higher is better"
    already = _chart(tiny["data"], ORDINARY, title="Recycling — higher is better").to_dict()
    assert already["title"]["text"] == "Recycling — higher is better"
    assert "provisional" in " ".join(higher["title"]["subtitle"]).lower()


def test_legend_selection_highlights_a_series(tiny: dict[str, pl.DataFrame]) -> None:
    spec = _chart(tiny["data"], REWARD).to_dict()
    (param,) = spec["params"]
    assert param["bind"] == "legend"
    assert param["select"] == {"type": "point", "fields": ["series"]}
    for name in ("actual_line", "trajectory_line", "stretch_band", "actual_points"):
        opacity = _layers(spec)[name]["encoding"]["opacity"]
        assert opacity["condition"][0]["param"] == param["name"], name
    legend = _layers(spec)["trajectory_line"]["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom"


def test_axes_and_look(tiny: dict[str, pl.DataFrame]) -> None:
    spec = _chart(tiny["data"], REWARD, unit="rate per 1000", decimals=1).to_dict()
    y = _layers(spec)["actual_line"]["encoding"]["y"]
    assert y["axis"]["title"] == "Rate per 1,000"
    assert y["axis"]["format"] == ",.1~f"
    assert y["scale"]["zero"] is False
    low, high = y["scale"]["domain"]
    data = _rows(tiny["data"], REWARD, "actual")
    assert low < data["value"].min() and high > 13.0
    x = _layers(spec)["actual_line"]["encoding"]["x"]
    assert x["field"] == "period" and x["type"] == "temporal"
    assert spec["config"]["view"]["strokeWidth"] == 0
    assert spec["width"] == "container"


def test_description_is_a_text_alternative(tiny: dict[str, pl.DataFrame]) -> None:
    text = _chart(tiny["data"], ORDINARY).to_dict()["description"]
    assert "Latest actual 34.0% (Q2 2007/08, provisional)" in text
    assert "Expected on the trajectory" in text
    assert "Target 36.0% for Q4 2007/08" in text
    assert "Forecast" in text


def test_embedded_values(tiny: dict[str, pl.DataFrame]) -> None:
    """Only this target's rows; the actuals and the target marker are in the spec."""
    values = _values(_chart(tiny["data"], ORDINARY).to_dict())
    assert {v["target_id"] for v in values} == {ORDINARY}
    actual = [v["value"] for v in values if v["layer"] == "actual"]
    assert actual == [31.0, 32.0, 33.5, 34.0]
    (target,) = [v for v in values if v["layer"] == "target"]
    assert (target["period"], target["value"], target["label"]) == (
        "2008-03-31",
        36.0,
        "Target 36.0%",
    )


def test_target_label_side(tiny: dict[str, pl.DataFrame]) -> None:
    """Above the marker when higher is better, below when lower is better."""
    label = _layers(_chart(tiny["data"], ORDINARY).to_dict())["target_label"]["mark"]
    assert label["baseline"] == {"expr": "datum.label_below ? 'top' : 'bottom'"}
    target = pl.col("layer") == "target"
    middle = tiny["data"].with_columns(  # targets in the middle of the plot
        value=pl.when(target & (pl.col("target_id") == ORDINARY))
        .then(33.0)
        .when(target & (pl.col("target_id") == REWARD))
        .then(12.5)
        .otherwise(pl.col("value"))
    )
    higher = _values(_chart(middle, ORDINARY).to_dict())
    assert {v["label_below"] for v in higher} == {False}
    lower = _values(_chart(middle, REWARD, polarity="lower").to_dict())
    assert {v["label_below"] for v in lower} == {True}
    # at the top edge of the plot (36.0 is the highest value) a label above would be cut off
    edge = _values(_chart(tiny["data"], ORDINARY).to_dict())
    assert {v["label_below"] for v in edge} == {True}


def test_one_target_per_big_chart(tiny: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(ValueError, match="one target"):
        charts.trajectory_chart(tiny["data"], title="t", unit="%", polarity="higher", decimals=1)


def test_a_target_without_actuals_still_charts(tiny: dict[str, pl.DataFrame]) -> None:
    data = charts.trajectory_data(
        tiny["targets"], tiny["milestones"], tiny["actuals"].clear(), AS_AT
    )
    chart = _chart(data, ORDINARY)
    assert "No actual values yet" in chart.to_dict()["description"]
    assert charts.chart_png(chart).startswith(b"\x89PNG")


# --- small multiples ---------------------------------------------------------------------------
def test_small_multiple(tiny: dict[str, pl.DataFrame]) -> None:
    part = tiny["data"].filter(pl.col("target_id") == REWARD)
    spec = charts.small_multiple(
        part,
        title="BV128",
        unit="rate per 1000",
        polarity="lower",
        decimals=1,
        status_text=charts.status_title("", "green").strip(),
    ).to_dict()
    assert spec["title"]["text"] == "BV128 ● On track"
    assert (spec["width"], spec["height"]) == (220, 140)
    layers = _layers(spec)
    assert set(layers) >= REWARD_LAYERS
    assert layers["trajectory_line"]["encoding"]["color"]["legend"] is None
    assert "params" not in spec
    assert layers["target_label"]["encoding"]["text"]["field"] == "label_short"
    # the target (11.5) is the lowest value: a label under the marker would be cut off
    assert _values(spec)[0]["label_below"] is False


def test_small_multiples_one_cell_per_target(tiny: dict[str, pl.DataFrame]) -> None:
    """One faceted spec: a cell per target in meta order, titled code + status word."""
    meta = tiny["targets"].with_columns(rag=pl.Series(["green", "amber", "red", None]))
    chart = charts.small_multiples(tiny["data"], meta.reverse(), columns=2)
    assert isinstance(chart, alt.FacetChart)
    spec = chart.to_dict()
    assert spec["columns"] == 2
    titles = ["I4 ○ No data", "I3 ✖ Off track", "I2 ▲ Behind", "I1 ● On track"]
    assert spec["facet"]["field"] == "facet_title"
    assert spec["facet"]["sort"] == titles
    values = _values(spec)
    assert {(v["target_id"], v["facet_title"]) for v in values} == {
        (4, titles[0]),
        (3, titles[1]),
        (2, titles[2]),
        (1, titles[3]),
    }
    assert spec["resolve"]["scale"] == {"x": "independent", "y": "independent"}
    assert (spec["spec"]["width"], spec["spec"]["height"]) == (220, 140)
    layers = _layers(spec["spec"])
    assert set(layers) >= REWARD_LAYERS  # drawn wherever a cell has a reward target
    assert spec["config"]["view"]["strokeWidth"] == 0
    assert "I2 ▲ Behind" in spec["description"]


def test_small_multiples_have_one_legend_of_the_lines(tiny: dict[str, pl.DataFrame]) -> None:
    """The grid says what each line is: one legend (top) with every series drawn."""
    spec = charts.small_multiples(tiny["data"], tiny["targets"]).to_dict()
    layers = _layers(spec["spec"])
    colour = layers["trajectory_line"]["encoding"]["color"]
    assert colour["legend"]["orient"] == "top"
    assert colour["scale"]["domain"] == [
        "Actual", "Trajectory", "Stretched target", "Without reward", "60% of stretch", "Forecast",
    ]  # fmt: skip
    assert layers["trajectory_line"]["encoding"]["strokeDash"]["legend"] is not None
    assert "params" not in json.dumps(spec)  # a key, not a click-to-highlight selection
    png = vlc.vegalite_to_png(spec, scale=1)
    assert png[:4] == b"\x89PNG"


def test_small_multiples_label_x_in_the_indicators_periods(
    tiny: dict[str, pl.DataFrame],
) -> None:
    """Quarterly financial data: labels like "Q4 2005/06" at period ends, not years."""
    spec = charts.small_multiples(tiny["data"], tiny["targets"]).to_dict()
    layers = _layers(spec["spec"])
    assert layers["trajectory_line"]["encoding"]["x"]["axis"]["labels"] is False
    assert layers["x_tick_labels"]["encoding"]["text"]["field"] == "period_label"
    ticks = [v for v in _values(spec) if v["layer"] == "x_tick" and v["target_id"] == ORDINARY]
    labels = [v["period_label"] for v in ticks]
    assert labels[0] == "Q4 2004/05" and labels[-1] == "Q4 2007/08"  # baseline, target
    assert 2 <= len(labels) <= 3  # 220 px: at most three labels
    assert all(v["value"] is None and v["series"] is None for v in ticks)


def test_trajectory_x_axis_is_labelled_in_periods() -> None:
    """Annual financial data: ticks at 31 March, labelled 2006/07, not 2007."""
    targets = frame([_target(1)], TARGETS_SCHEMA).with_columns(
        frequency=pl.lit("annual"), period_basis=pl.lit("financial"), unit=pl.lit("%"),
        decimals=pl.lit(1),
    )  # fmt: skip
    actuals = frame(
        [
            {"target_id": 1, "period": D(2006, 3, 31), "value": 31.0, "status": "final"},
            {"target_id": 1, "period": D(2007, 3, 31), "value": 33.0, "status": "final"},
        ],
        ACTUALS_SCHEMA,
    )
    data = charts.trajectory_data(targets, frame([], MILESTONES_SCHEMA), actuals, AS_AT)
    spec = _chart(data, 1).to_dict()
    axis = _layers(spec)["actual_line"]["encoding"]["x"]["axis"]
    assert [(v["year"], v["month"], v["date"]) for v in axis["values"]] == [
        (2005, 3, 31), (2006, 3, 31), (2007, 3, 31), (2008, 3, 31),
    ]  # fmt: skip
    assert "'2007-03-31': '2006/07'" in axis["labelExpr"]
    assert "'2008-03-31': '2007/08'" in axis["labelExpr"]
    assert "format" not in axis  # no calendar-year format
    svg = vlc.vegalite_to_svg(spec)
    assert "2006/07" in svg and ">2007<" not in svg


def test_long_titles_wrap_into_lines(tiny: dict[str, pl.DataFrame]) -> None:
    long_name = "Care leavers in education employment or training at age 19 as a share of all"
    spec = _chart(tiny["data"], ORDINARY, title=f"{long_name} (BV161)").to_dict()
    lines = spec["title"]["text"]
    assert isinstance(lines, list) and len(lines) >= 2
    assert " ".join(lines) == f"{long_name} (BV161) — higher is better"  # nothing cut
    assert all(len(line) <= charts.TITLE_CHARS for line in lines)

    meta = tiny["targets"].with_columns(indicator_name=pl.lit(long_name))
    grid = charts.small_multiples(tiny["data"], meta).to_dict()
    name = _layers(grid["spec"])["facet_name"]
    assert name["mark"]["lineBreak"] == "\n" and "limit" not in name["mark"]
    (shown,) = {v["facet_name"] for v in _values(grid) if v["layer"] == "target"}
    assert shown.replace("\n", " ") == long_name and shown.count("\n") >= 1


def test_small_multiples_only_the_targets_of_meta(tiny: dict[str, pl.DataFrame]) -> None:
    meta = tiny["targets"].filter(pl.col("target_id").is_in([ORDINARY, FINISHED]))
    values = _values(charts.small_multiples(tiny["data"], meta).to_dict())
    assert {v["target_id"] for v in values} == {ORDINARY, FINISHED}


def test_small_multiples_titles_are_unique(tiny: dict[str, pl.DataFrame]) -> None:
    """The same indicator in two areas gets the area in its title (titles key the cells)."""
    meta = tiny["targets"].with_columns(
        indicator_code=pl.lit("BV82ab"), area_code=pl.Series(["A", "B", "C", "C"])
    )
    sort = charts.small_multiples(tiny["data"], meta).to_dict()["facet"]["sort"]
    assert len(set(sort)) == 4
    assert sort[0] == "BV82ab ○ No data · A"
    assert sort[2].endswith("#3") and sort[3].endswith("#4")


def test_small_multiples_clip_the_forecast_band(tiny: dict[str, pl.DataFrame]) -> None:
    """A wide forecast interval is clipped to the other layers' extent in small charts."""
    targets = tiny["targets"].with_columns(
        forecast_value=pl.lit(35.0), forecast_low=pl.lit(-500.0), forecast_high=pl.lit(900.0)
    )
    data = charts.trajectory_data(targets, tiny["milestones"], tiny["actuals"], AS_AT)
    values = _values(charts.small_multiples(data, targets).to_dict())
    end = [v for v in values if v["layer"] == "forecast" and v["target_id"] == ORDINARY][-1]
    assert 0 <= end["fc_low"] < 35.0 < end["fc_high"] < 40
    big = _values(_chart(data, ORDINARY).to_dict())
    end = [v for v in big if v["layer"] == "forecast"][-1]
    assert (end["fc_low"], end["fc_high"]) == (-500.0, 900.0)


def test_small_multiples_cap(tiny: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(ValueError, match="at most"):
        charts.small_multiples(tiny["data"], tiny["targets"], max_charts=3)


# --- block status --------------------------------------------------------------------------------
BLOCKS = pl.DataFrame(
    {
        "block_code": ["CYP", "SSC", "HCOP"],
        "block_name": ["Children and Young People", "Safer and Stronger", "Healthier"],
        "green": [3, 12, 4],
        "amber": [2, 1, 0],
        "red": [6, 3, 2],
        "no_data": [0, 1, 0],
    }
)


def test_block_status_chart() -> None:
    spec = charts.block_status_chart(BLOCKS).to_dict()
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar"
    colour = bars["encoding"]["color"]
    assert colour["scale"]["domain"] == ["On track", "Behind", "Off track", "No data"]
    assert colour["scale"]["range"] == ["#00703c", "#f47738", "#d4351c", "#505a5f"]
    assert {t["field"] for t in bars["encoding"]["tooltip"]} >= {"block", "status", "count"}
    assert bars["encoding"]["y"]["sort"] == [
        "Children and Young People",
        "Safer and Stronger",
        "Healthier",
    ]
    assert bars["encoding"]["order"]["field"] == "status_order"
    values = _values(spec)
    ssc = {v["status"]: v["count"] for v in values if v["block"] == "Safer and Stronger"}
    assert ssc == {"On track": 12, "Behind": 1, "Off track": 3, "No data": 1}


def test_block_status_chart_from_block_assessment_columns() -> None:
    """metrics.block_assessment has no block_name: the code is shown; areas are summed."""
    counts = BLOCKS.drop("block_name").with_columns(area_code=pl.lit("A"))
    both = pl.concat([counts, counts.with_columns(area_code=pl.lit("B"))])
    spec = charts.block_status_chart(both).to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == ["CYP", "SSC", "HCOP"]
    values = _values(spec)
    assert sum(v["count"] for v in values if v["block"] == "SSC") == 2 * 17


def test_block_status_chart_reads_without_colour() -> None:
    """Each segment is labelled with its status symbol and count, and the legend names each
    colour with the same symbol, so the bar reads in greyscale or for a colour-blind reader."""
    spec = charts.block_status_chart(BLOCKS).to_dict()
    bars, labels = spec["layer"]
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "label"
    values = _values(spec)
    ssc = {v["status"]: v["label"] for v in values if v["block"] == "Safer and Stronger"}
    assert ssc == {"On track": "● 12", "Behind": "▲ 1", "Off track": "✖ 3", "No data": "○ 1"}
    legend = bars["encoding"]["color"]["legend"]["labelExpr"]
    for symbol, word in (("●", "On track"), ("▲", "Behind"), ("✖", "Off track"), ("○", "No data")):
        assert f"'{symbol} {word}'" in legend
    # the fills stay DESIGN.md's palette (the darker status text colours are for text only)
    assert bars["encoding"]["color"]["scale"]["range"][1] == "#f47738"


REPORTING_LINES = pl.DataFrame(
    {
        "line_id": [1, 2, 3, 4, 5, 6, 7],
        "indicator_code": ["BV82ab", "BV82ab", "NEET", "NEET", "ASB-P", "ASB-P", "VOL"],
        "indicator_name": [
            "Recycling",
            "Recycling",
            "NEET 16-18",
            "NEET 16-18",
            "ASB",
            "ASB",
            "Vol",
        ],
        "block_code": ["SSC", "SSC", "CYP", "CYP", "SSC", "SSC", "SSC"],
        "block_name": ["Safer", "Safer", "Children", "Children", "Safer", "Safer", "Safer"],
        "block_order": [2, 2, 1, 1, 2, 2, 2],
        "recipient_type": ["department", "go", "department", "go", "regulator", "go", "go"],
        "recipient": ["DEFRA", "GOEM", "DCSF", "GOEM", "Audit Commission", "GOEM", "GOEM"],
        "return_name": ["WDF", "LAA", "NEET", "LAA", "BVPI", "LAA", "LAA"],
        "frequency": [
            "monthly",
            "quarterly",
            "termly",
            "annual",
            "biennial",
            "triennial",
            "annual",
        ],
        "format": ["web", "xlsx", "csv", "xlsx", "web", "xlsx", "xlsx"],
        "due_days": [30, 45, None, 60, 90, 60, 60],
        "laa_status": [
            "stops",
            "continues",
            "continues",
            "replaced",
            "continues",
            "continues",
            "continues",
        ],
    }
)


def test_reporting_matrix_names_each_frequency_in_text() -> None:
    """Each square carries its frequency as a letter (M Q T A 2 3), a stopped or replaced line
    also ×, and the legend pairs each colour with its letter: frequency never rests on colour."""
    from dashboard import charts_reporting as cr

    spec = cr.reporting_matrix(REPORTING_LINES).to_dict()
    cells, letters = spec["spec"]["layer"]
    assert cells["mark"]["type"] == "rect"
    assert letters["mark"]["type"] == "text"
    assert letters["encoding"]["text"]["field"] == "letter"
    shown = {v["line_id"]: v["letter"] for v in _values(spec)}
    assert shown == {1: "×M", 2: "Q", 3: "T", 4: "×A", 5: "2", 6: "3", 7: "A"}
    legend = cells["encoding"]["fill"]["legend"]["labelExpr"]
    for letter, word in (("M", "monthly"), ("Q", "quarterly"), ("2", "every 2 years")):
        assert f"'{letter} {word}'" in legend
    assert charts.chart_png(cr.reporting_matrix(REPORTING_LINES)).startswith(b"\x89PNG")


# --- rendering --------------------------------------------------------------------------------
def test_chart_png(tiny: dict[str, pl.DataFrame]) -> None:
    png = charts.chart_png(_chart(tiny["data"], REWARD))
    assert png.startswith(b"\x89PNG")


def test_png_export_is_titled_with_the_area_and_as_at(tiny: dict[str, pl.DataFrame]) -> None:
    """The image travels without the page: its title names the area and the as-at date."""
    chart = _chart(tiny["data"], REWARD, subtitle="Safer communities · ● On track")
    heading = charts.export_heading("BV126 Vehicle crime", "Thornbury Vale", D(2008, 11, 30))
    assert heading == "BV126 Vehicle crime — Thornbury Vale, as at 30 Nov 2008"
    spec = charts.export_spec(chart, title=heading, lead="Lower is better")
    assert spec["title"]["text"] == [heading]
    assert spec["title"]["subtitle"][:2] == ["Lower is better", "Safer communities · ● On track"]
    assert spec["width"] == 800
    assert chart.to_dict()["title"]["text"] == "I2 — higher is better"  # the page's is kept
    svg = vlc.vegalite_to_svg(spec)
    assert "Thornbury Vale, as at 30 Nov 2008" in svg

    grid = charts.small_multiples(tiny["data"], tiny["targets"])
    grid_heading = charts.export_heading("Safer Communities", "Thornbury Vale", D(2008, 9, 1))
    spec = charts.export_spec(grid, title=grid_heading)
    assert spec["title"]["text"] == ["Safer Communities — Thornbury Vale, as at 1 Sep 2008"]
    assert charts.chart_png(grid, title=grid_heading, scale=1).startswith(b"\x89PNG")


def test_every_chart_type_renders(tiny: dict[str, pl.DataFrame]) -> None:
    built = [
        _chart(tiny["data"], ORDINARY),
        _chart(tiny["data"], REWARD, polarity="lower"),
        _chart(tiny["data"], CUMULATIVE, unit="count", decimals=0),
        charts.small_multiples(tiny["data"], tiny["targets"]),
        charts.block_status_chart(BLOCKS),
    ]
    for chart in built:
        svg = charts.chart_svg(chart)
        assert svg.startswith("<svg") and "NaN" not in svg
        # the spec is valid Vega-Lite as it would be sent to the browser
        assert vlc.vegalite_to_vega(json.loads(chart.to_json()))["marks"]


# --- the demo database ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assessment]:
    """The demo database (laa.db, or a freshly seeded one), assessed for one area."""
    path = ROOT / "laa.db"
    if not path.exists():
        from seed_data.demo import seed_demo

        path = tmp_path_factory.mktemp("charts") / "demo.db"
        store.upgrade(f"sqlite:///{path}")
        seed_demo(db.get_engine(f"sqlite:///{path}"), store.cli_actor("chart-test"))
    engine = db.get_engine(f"sqlite:///{path}")
    today = store.business_today(engine)
    yield assess_areas(engine, store.cli_actor("reader"), ["D07"], today)


def _demo_data(demo: Assessment) -> pl.DataFrame:
    s = demo.scope
    return charts.trajectory_data(
        demo.targets, s.milestones, s.actuals, demo.as_at, agreements=s.agreements
    )


def test_demo_every_target_has_its_layers(demo: Assessment) -> None:
    data = _demo_data(demo)
    assert data.schema == pl.Schema(charts.DATA_SCHEMA)
    for row in demo.targets.iter_rows(named=True):
        layers = set(data.filter(pl.col("target_id") == row["target_id"])["layer"])
        assert {"trajectory", "target"} <= layers
        reward = row["is_reward"] and row["without_reward_value"] is not None
        assert ({"without_reward", "stretch_band", "threshold"} <= layers) == reward
        tracked = data.filter(pl.col("target_id") == row["target_id"], pl.col("layer") == "actual")
        if row["latest_value"] is not None:
            latest = tracked.sort("period").row(-1, named=True)
            assert latest["value"] == pytest.approx(row["latest_value"])
            assert latest["period"] == row["latest_period"]


def test_demo_charts_render(demo: Assessment) -> None:
    data = _demo_data(demo)
    t = demo.targets
    ahead = pl.col("target_period") > pl.col("latest_period")
    for is_reward in (True, False):
        row = t.filter(pl.col("is_reward") == is_reward, ahead).row(0, named=True)
        part = data.filter(pl.col("target_id") == row["target_id"])
        chart = charts.trajectory_chart(
            part,
            title=f"{row['indicator_name']} ({row['indicator_code']})",
            unit=row["unit"],
            polarity=row["polarity"],
            decimals=row["decimals"],
        )
        layers = _layers(chart.to_dict())
        assert (set(layers) >= REWARD_LAYERS) == is_reward
        assert "forecast_line" in layers
        assert charts.chart_png(chart).startswith(b"\x89PNG")
    grid = charts.small_multiples(data, t, columns=4)
    assert len(grid.to_dict()["facet"]["sort"]) == t.height
    assert charts.chart_png(grid).startswith(b"\x89PNG")
    blocks = demo.blocks.join(
        t.select("block_code", "block_name", "block_order").unique(), on="block_code"
    )
    chart = charts.block_status_chart(blocks)
    assert len(chart.to_dict()["layer"][0]["encoding"]["y"]["sort"]) == demo.blocks.height
    assert charts.chart_png(chart).startswith(b"\x89PNG")
