"""Altair builder of the capacity heatmap: characteristic × assessment date (issue 13).

Pure: a polars frame in, an Altair chart out; no Streamlit, no SQL. Each cell carries its
level as a colour AND as a word, so the chart reads without colour (DESIGN.md "Visual
language"); the palette runs from navy (strong) to red (weak) through light blue and light
orange, which colour-blind readers tell apart by lightness as well as hue.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.charts import FONT, INK, apply_config

__all__ = ["LEVEL_COLOURS", "LEVEL_WORDS", "capacity_heatmap", "heatmap_data"]

LEVELS = ("strong", "adequate", "developing", "weak")  # best first, as data_models.vocab
LEVEL_WORDS = {level: level.capitalize() for level in LEVELS}
LEVEL_COLOURS = {
    "strong": "#003078",
    "adequate": "#5694ca",
    "developing": "#f9c49d",
    "weak": "#d4351c",
}
_LIGHT = ("adequate", "developing")  # dark text on these fills, white on the others
_SCORES = {"strong": 4, "adequate": 3, "developing": 2, "weak": 1}


def heatmap_data(ratings: pl.DataFrame) -> pl.DataFrame:
    """One row per characteristic × assessment with what the heatmap encodes.

    Input columns: assessment_id, assessed_on (date), name (the characteristic), level; and
    optionally condition, display_order, recorded_by. Each assessment becomes one column,
    labelled by its date ("12 Mar 2008"); two assessments on one day are told apart by a
    number ("12 Mar 2008 (2)"), so no cell hides another.
    """
    frame = ratings
    for column, value in (("condition", ""), ("display_order", 0), ("recorded_by", "")):
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(value).alias(column))
    columns = (
        frame.select("assessment_id", "assessed_on")
        .unique()
        .sort("assessed_on", "assessment_id")
        .with_columns(
            _nth=pl.int_range(pl.len()).over("assessed_on") + 1,
            _day=pl.col("assessed_on").dt.strftime("%d %b %Y"),
        )
        .with_columns(
            column=pl.when(pl.col("_nth") > 1)
            .then(pl.format("{} ({})", "_day", "_nth"))
            .otherwise(pl.col("_day")),
            column_order=pl.int_range(pl.len()),
        )
        .select("assessment_id", "column", "column_order")
    )
    return (
        frame.join(columns, on="assessment_id", how="inner")
        .with_columns(
            level_word=pl.col("level").replace_strict(LEVEL_WORDS, default=pl.col("level")),
            score=pl.col("level").replace_strict(_SCORES, default=None, return_dtype=pl.Int64),
            condition=pl.col("condition").fill_null(""),
            recorded_by=pl.col("recorded_by").fill_null(""),
        )
        .sort("display_order", "name", "column_order")
        .select(
            "assessment_id",
            "column",
            "column_order",
            "assessed_on",
            "name",
            "condition",
            "display_order",
            "level",
            "level_word",
            "score",
            "recorded_by",
        )
    )


def _description(data: pl.DataFrame, title: str) -> str:
    """The chart's text alternative: each characteristic's levels in date order."""
    if data.is_empty():
        return f"{title}: no assessments yet."
    rows = (
        data.sort("column_order")
        .group_by("name", "display_order", maintain_order=True)
        .agg(pl.format("{} {}", "column", pl.col("level_word").str.to_lowercase()).str.join(", "))
        .sort("display_order", "name")
    )
    parts = [f"{name}: {levels}" for name, _, levels in rows.iter_rows()]
    return f"{title}. " + "; ".join(parts) + "."


def capacity_heatmap(
    ratings: pl.DataFrame,
    *,
    title: str = "How capacity moved",
    subtitle: str | None = None,
    cell_width: int = 110,
    row_height: int = 30,
    configure: bool = True,
) -> alt.LayerChart:
    """Characteristics (rows, in framework order) × assessments (columns, oldest first); each
    cell coloured by its level and labelled with the level's word. Input: see `heatmap_data`."""
    data = heatmap_data(ratings)
    columns = data.sort("column_order")["column"].unique(maintain_order=True).to_list()
    names = data.sort("display_order", "name")["name"].unique(maintain_order=True).to_list()
    x = alt.X(
        "column:N",
        sort=columns,
        title=None,
        axis=alt.Axis(orient="top", labelAngle=0, labelColor=INK, ticks=False, domain=False),
    )
    y = alt.Y(
        "name:N",
        sort=names,
        title=None,
        axis=alt.Axis(labelLimit=320, labelColor=INK, ticks=False, domain=False, labelPadding=6),
    )
    words = [LEVEL_WORDS[level] for level in LEVELS]
    tooltip = [
        alt.Tooltip("name:N", title="Characteristic"),
        alt.Tooltip("condition:N", title="Condition for success"),
        alt.Tooltip("column:N", title="Assessed on"),
        alt.Tooltip("level_word:N", title="Level"),
        alt.Tooltip("recorded_by:N", title="Recorded by"),
    ]
    cells = (
        alt.Chart()
        .mark_rect(stroke="white", strokeWidth=2, cornerRadius=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "level_word:N",
                scale=alt.Scale(domain=words, range=[LEVEL_COLOURS[lv] for lv in LEVELS]),
                sort=words,
                legend=alt.Legend(title="Level", orient="top", direction="horizontal"),
            ),
            tooltip=tooltip,
        )
    )
    light = alt.FieldOneOfPredicate(field="level", oneOf=list(_LIGHT))
    labels = (
        alt.Chart()
        .mark_text(fontSize=11, fontWeight="bold", baseline="middle", font=FONT)
        .encode(
            x=x,
            y=y,
            text="level_word:N",
            color=alt.when(light).then(alt.value(INK)).otherwise(alt.value("white")),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(cells, labels, data=data).properties(
        title=alt.TitleParams(
            title,
            subtitle=subtitle
            or "Each column is one dated assessment; each cell its level for a characteristic.",
        ),
        width=alt.Step(cell_width),
        height=alt.Step(row_height),
        description=_description(data, title),
    )
    return apply_config(chart) if configure else chart  # type: ignore[return-value]
