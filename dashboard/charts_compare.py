"""Altair builders for comparing one indicator across areas (pages/compare.py).

Pure builders in the dashboard's visual language: a strip plot of the group's values with the
chosen area told apart by shape AND colour (and named beside its point), the group's median
and quartiles as labelled rules; and small multiples of each area's values over time on one
shared scale, the chosen area first and in blue.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.charts import BLUE, FONT, GREY, INK, apply_config, polarity_phrase, unit_title
from dashboard.formatting import value_expr

OTHER = "Other areas in the group"
MEDIAN, LOWER, UPPER = "Median", "Lower quartile", "Upper quartile"


def value_title(unit: str | None, per_1000: bool) -> str:
    """The axis title of the compared value."""
    return "Per 1,000 population" if per_1000 else (unit_title(unit) or "Value")


def _who(chosen_name: str) -> pl.Expr:
    return pl.when(pl.col("chosen")).then(pl.lit(chosen_name)).otherwise(pl.lit(OTHER))


def _legend(chosen_name: str) -> tuple[alt.Scale, alt.Scale]:
    domain = [chosen_name, OTHER]
    colour = alt.Scale(domain=domain, range=[BLUE, GREY])
    shape = alt.Scale(domain=domain, range=["diamond", "circle"])
    return colour, shape


def strip_plot(
    frame: pl.DataFrame,
    statistics: dict[str, float | None],
    *,
    indicator: str,
    unit: str | None,
    polarity: str,
    per_1000: bool,
    decimals: int = 1,
    width: int = 640,
) -> alt.LayerChart:
    """One dot per area of the group with a value (`frame`: a `reports.compare.comparison`),
    the chosen area a larger blue diamond named beside it, and vertical rules at the group's
    median (solid) and quartiles (dashed). `statistics`: `median`, `lower_quartile`,
    `upper_quartile` of the group."""
    chosen = frame.filter(pl.col("chosen"))
    chosen_name = str(chosen["area_name"][0]) if chosen.height else "Chosen area"
    points = (
        frame.filter(pl.col("value").is_not_null())
        .with_columns(
            who=_who(chosen_name),
            decimals_=pl.lit(decimals),
            unit_=pl.lit("rate per 1000" if per_1000 else (unit or "")),
        )
        .with_columns(value_text=value_expr("value", "decimals_", "unit_"))
    )
    points = points.select("area_name", "value", "value_text", "who", "chosen", "status")
    colour, shape = _legend(chosen_name)
    x = alt.X("value:Q", title=value_title(unit, per_1000), scale=alt.Scale(zero=False))
    dots = (
        alt.Chart(points)
        .mark_point(filled=True, opacity=0.85, stroke="white", strokeWidth=1)
        .encode(
            x=x,
            color=alt.Color("who:N", scale=colour, title=None, legend=alt.Legend(orient="top")),
            shape=alt.Shape("who:N", scale=shape, title=None),
            size=alt.condition("datum.chosen", alt.value(320), alt.value(110)),
            tooltip=[
                alt.Tooltip("area_name:N", title="Area"),
                alt.Tooltip("value_text:N", title="Value"),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
    )
    label = (
        alt.Chart(points.filter(pl.col("chosen")))
        .mark_text(dy=-18, fontWeight="bold", color=BLUE)
        .encode(x=x, text="area_name:N")
    )
    rules = pl.DataFrame(
        {
            "statistic": [LOWER, MEDIAN, UPPER],
            "value": [
                statistics.get("lower_quartile"),
                statistics.get("median"),
                statistics.get("upper_quartile"),
            ],
        },
        schema={"statistic": pl.Utf8, "value": pl.Float64},
    ).filter(pl.col("value").is_not_null())
    rule = (
        alt.Chart(rules)
        .mark_rule(color=INK)
        .encode(
            x=alt.X("value:Q"),
            strokeDash=alt.condition(
                alt.datum.statistic == MEDIAN, alt.value([1, 0]), alt.value([5, 4])
            ),
            tooltip=[alt.Tooltip("statistic:N", title=""), alt.Tooltip("value:Q", format=",.2f")],
        )
    )
    rule_label = (
        alt.Chart(rules)
        .mark_text(align="left", dx=3, dy=0, baseline="top", color=GREY, fontSize=11)
        .encode(x="value:Q", y=alt.value(2), text="statistic:N")
    )
    n = points.height
    description = (
        f"{indicator}: {n} areas of the group with a value, {polarity_phrase(polarity)}. "
        + (
            f"{chosen_name}: {points.filter(pl.col('chosen'))['value_text'][0]}. "
            if points.filter(pl.col("chosen")).height
            else f"{chosen_name} has no value. "
        )
        + " ".join(f"{row['statistic']} {row['value']:,.{decimals}f}." for row in rules.to_dicts())
    )
    chart = alt.layer(rule, rule_label, dots, label).properties(
        title=alt.TitleParams(
            text=f"{indicator} across the group",
            subtitle=f"{value_title(unit, per_1000)} · {polarity_phrase(polarity)}",
        ),
        width=width,
        height=110,
        description=description,
        # fit the width only: a stretched chart's "fit" would squeeze title, legend and axis
        # into the 110 px of the plot and clip them
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )
    return apply_config(chart)  # type: ignore[return-value]


def trajectories_chart(
    data: pl.DataFrame,
    *,
    indicator: str,
    unit: str | None,
    polarity: str,
    per_1000: bool,
    columns: int = 4,
    width: int = 180,
    height: int = 110,
) -> alt.FacetChart:
    """Small multiples of each area's values over time (`data`: `reports.compare.trajectories`)
    on one shared scale, the chosen area first, its line blue and its title marked."""
    chosen = data.filter(pl.col("chosen"))
    chosen_name = str(chosen["area_name"][0]) if chosen.height else "Chosen area"
    shown = data.with_columns(
        who=_who(chosen_name),
        facet=pl.when(pl.col("chosen"))
        .then(pl.concat_str(pl.col("area_name"), pl.lit(" (this area)")))
        .otherwise(pl.col("area_name")),
        order=pl.when(pl.col("chosen")).then(0).otherwise(1),
        provisional=pl.col("status") == "provisional",
    )
    facets = shown.select("facet", "order", "area_name").unique().sort("order", "area_name")
    colour, shape = _legend(chosen_name)
    base = alt.Chart().encode(
        x=alt.X("period:T", title=None, axis=alt.Axis(format="%Y", tickCount=4)),
        y=alt.Y("value:Q", title=value_title(unit, per_1000), scale=alt.Scale(zero=False)),
        color=alt.Color("who:N", scale=colour, title=None, legend=alt.Legend(orient="top")),
    )
    line = base.mark_line(strokeWidth=2)
    dots = base.mark_point(size=30, filled=True, strokeWidth=1.5).encode(
        shape=alt.Shape("who:N", scale=shape, title=None),
        # hollow (white inside) when provisional; the outline keeps the area's colour
        fill=alt.condition(
            "datum.provisional", alt.value("white"), alt.Fill("who:N", scale=colour, legend=None)
        ),
        stroke=alt.Stroke("who:N", scale=colour, legend=None),
        tooltip=[
            alt.Tooltip("area_name:N", title="Area"),
            alt.Tooltip("period_label:N", title="Period"),
            alt.Tooltip("value:Q", title="Value", format=",.2f"),
            alt.Tooltip("status:N", title="Status"),
        ],
    )
    chart = (
        alt.layer(line, dots, data=shown.drop("chosen"))
        .properties(width=width, height=height)
        .facet(
            facet=alt.Facet(
                "facet:N",
                title=None,
                sort=facets["facet"].to_list(),
                header=alt.Header(
                    labelFontSize=12, labelColor=INK, labelAnchor="start", labelFont=FONT
                ),
            ),
            columns=columns,
        )
        .properties(
            title=alt.TitleParams(
                text=f"{indicator} over time in each area",
                subtitle=f"{value_title(unit, per_1000)} · {polarity_phrase(polarity)} · "
                "hollow points are provisional",
            ),
            description=(
                f"{indicator} over time in {facets.height} areas, {chosen_name} first "
                f"(blue diamonds); {polarity_phrase(polarity)}."
            ),
        )
    )
    return apply_config(chart)  # type: ignore[return-value]
