"""The capacity heatmap (dashboard/charts_capacity.py): characteristic × assessment, each cell
coloured by level AND labelled with the level's word, in framework order, oldest first."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import vl_convert as vlc

from dashboard import charts, charts_capacity

RATINGS = pl.DataFrame(
    {
        "assessment_id": [7, 7, 7, 3, 3, 3, 9],
        "assessed_on": [date(2008, 10, 15)] * 3 + [date(2008, 3, 12)] * 3 + [date(2008, 10, 15)],
        "name": ["Data quality", "Clarity of vision", "Risk management"] * 2 + ["Data quality"],
        "condition": ["Data", "Vision", "Risk"] * 2 + ["Data"],
        "display_order": [3, 1, 2] * 2 + [3],
        "level": ["strong", "adequate", "weak", "developing", "adequate", "developing", "weak"],
        "recorded_by": ["go"] * 7,
    }
)


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["datasets"][spec["data"]["name"]]


def test_rows_follow_the_framework_and_columns_the_dates() -> None:
    spec = charts_capacity.capacity_heatmap(RATINGS).to_dict()
    cells = spec["layer"][0]
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["y"]["sort"] == [
        "Clarity of vision",
        "Risk management",
        "Data quality",
    ]
    # oldest first; a second assessment on one day gets its own column, not the same cell
    assert cells["encoding"]["x"]["sort"] == ["12 Mar 2008", "15 Oct 2008", "15 Oct 2008 (2)"]


def test_each_cell_reads_without_colour() -> None:
    """The level word is drawn in every cell, and the colours follow the four levels."""
    spec = charts_capacity.capacity_heatmap(RATINGS).to_dict()
    cells, labels = spec["layer"]
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "level_word"
    scale = cells["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Strong", "Adequate", "Developing", "Weak"]
    assert scale["range"] == [charts_capacity.LEVEL_COLOURS[k] for k in charts_capacity.LEVELS]
    cell = {(v["name"], v["column"]): v["level_word"] for v in _values(spec)}
    assert cell[("Data quality", "12 Mar 2008")] == "Developing"
    assert cell[("Data quality", "15 Oct 2008")] == "Strong"
    assert cell[("Risk management", "15 Oct 2008")] == "Weak"
    assert len(cell) == RATINGS.height
    tips = {t["field"] for t in cells["encoding"]["tooltip"]}
    assert {"name", "condition", "column", "level_word", "recorded_by"} <= tips


def test_text_alternative_says_each_characteristics_levels() -> None:
    spec = charts_capacity.capacity_heatmap(RATINGS).to_dict()
    assert spec["description"].startswith("How capacity moved. Clarity of vision:")
    assert "Data quality: 12 Mar 2008 developing, 15 Oct 2008 strong" in spec["description"]


def test_scores_run_from_strong_to_weak() -> None:
    data = charts_capacity.heatmap_data(RATINGS)
    scores = dict(zip(data["level"], data["score"], strict=True))
    assert scores == {"strong": 4, "adequate": 3, "developing": 2, "weak": 1}


def test_chart_renders_and_an_empty_one_too() -> None:
    for frame in (RATINGS, RATINGS.head(0)):
        spec = charts_capacity.capacity_heatmap(frame).to_dict()
        assert vlc.vegalite_to_svg(spec).startswith("<svg")
    empty = charts_capacity.capacity_heatmap(RATINGS.head(0)).to_dict()
    assert "no assessments yet" in empty["description"]


def test_optional_columns_may_be_missing() -> None:
    bare = RATINGS.select("assessment_id", "assessed_on", "name", "level")
    data = charts_capacity.heatmap_data(bare)
    assert data["condition"].to_list() == [""] * bare.height


def test_the_chart_exports_as_an_image_with_its_heading() -> None:
    png = charts.chart_png(
        charts_capacity.capacity_heatmap(RATINGS),
        title=charts.export_heading("How capacity moved", "Thornbury Vale", date(2008, 11, 30)),
    )
    assert png.startswith(b"\x89PNG")
