"""The stretch evidence chart of a proposed reward target (the negotiation page, the LAA
document).

One picture of the questions the Government Office asks: the area's actuals (dark points and
line); the trend cone — the trend of the last values with its prediction range, widening from
the last actual to the target period (the same fit as the forecast and the evidence); and the
proposed dual trajectory, baseline → without reward (dashed grey) and baseline → stretched
target (solid blue), with both figures labelled at the target period. The two trajectories
differ in dash as well as colour, so the chart does not rely on colour alone.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import altair as alt
import polars as pl

from dashboard.charts import (
    BLUE,
    FORECAST_BLUE,
    GREY,
    INK,
    apply_config,
    polarity_phrase,
    unit_title,
)
from dashboard.formatting import format_value, value_expr
from dashboard.reports.stretch import StretchEvidence, trend_cone

__all__ = ["ACTUAL", "STRETCHED", "TREND", "WITHOUT", "stretch_chart", "stretch_data"]

# Legend names; (colour, stroke dash) of each, in legend order.
ACTUAL = "Actual"
TREND = "Trend and its likely range"
WITHOUT = "Without reward"
STRETCHED = "Stretched target"
STYLE: dict[str, tuple[str, list[int]]] = {
    ACTUAL: (INK, []),
    TREND: (FORECAST_BLUE, [2, 3]),
    WITHOUT: (GREY, [6, 4]),
    STRETCHED: (BLUE, []),
}
CONE_POINTS = 6  # evaluation dates of the cone between the last actual and the target period

_SCHEMA: dict[str, pl.DataType] = {
    "layer": pl.Utf8(),  # actual | cone | without | stretched | proposal
    "series": pl.Utf8(),
    "period": pl.Date(),
    "value": pl.Float64(),
    "low": pl.Float64(),
    "high": pl.Float64(),
    "value_text": pl.Utf8(),
    "note": pl.Utf8(),
    "label": pl.Utf8(),  # W and S at the target period
    "above": pl.Boolean(),  # the label goes above its point (the higher of W and S)
}


def stretch_data(
    history: pl.DataFrame,
    evidence: StretchEvidence,
    *,
    unit: str | None,
    baseline_period: date | None,
    baseline_value: float | None,
    target_period: date,
) -> pl.DataFrame:
    """Every layer of :func:`stretch_chart` as one long frame (a `layer` column per row)."""
    unit_ = unit or ""
    d = evidence.decimals
    parts: list[pl.DataFrame] = [
        history.select(pl.col("period").cast(pl.Date), pl.col("value").cast(pl.Float64))
        .filter(pl.col("period").is_not_null() & pl.col("value").is_finite())
        .sort("period")
        .with_columns(layer=pl.lit("actual"), series=pl.lit(ACTUAL))
    ]
    t = evidence.trend
    if t is not None:
        cone = trend_cone(
            history, target_period, window=t.window, level=t.level, points=CONE_POINTS
        )
        parts.append(cone.with_columns(layer=pl.lit("cone"), series=pl.lit(TREND)))
    w, s = evidence.without_value, evidence.stretched_value
    if baseline_period is not None and baseline_value is not None:
        for layer, series, end in (("without", WITHOUT, w), ("stretched", STRETCHED, s)):
            parts.append(
                pl.DataFrame(
                    {
                        "period": [baseline_period, target_period],
                        "value": [float(baseline_value), end],
                        "note": ["Baseline", series],
                    }
                ).with_columns(layer=pl.lit(layer), series=pl.lit(series))
            )
    parts.append(
        pl.DataFrame(
            {
                "period": [target_period, target_period],
                "value": [w, s],
                "series": [WITHOUT, STRETCHED],
                "above": [w > s, s >= w],
            }
        ).with_columns(layer=pl.lit("proposal"))
    )
    long = pl.concat(parts, how="diagonal_relaxed")
    for name, dtype in _SCHEMA.items():
        if name not in long.columns:
            long = long.with_columns(pl.lit(None, dtype=dtype).alias(name))
    long = long.with_columns(decimals_=pl.lit(d), unit_=pl.lit(unit_))
    text = value_expr("value", "decimals_", "unit_").str.strip_chars_end()
    low = value_expr("low", "decimals_", "unit_").str.strip_chars_end()
    high = value_expr("high", "decimals_", "unit_").str.strip_chars_end()
    return (
        long.with_columns(
            value_text=text,
            note=pl.when(pl.col("layer") == "cone")
            .then(pl.lit("likely range ") + low + pl.lit(" to ") + high)
            .otherwise(pl.col("note")),
        )
        .with_columns(
            label=pl.when(pl.col("layer") == "proposal").then(
                pl.col("series") + pl.lit(" ") + pl.col("value_text")
            )
        )
        .select(list(_SCHEMA))
        .cast(_SCHEMA)
    )  # type: ignore[arg-type]


def _description(
    data: pl.DataFrame,
    evidence: StretchEvidence,
    *,
    indicator: str,
    polarity: str,
    unit: str,
    baseline_value: float | None,
    target_period: date,
) -> str:
    """The chart in words (its text alternative)."""
    actual = data.filter(pl.col("layer") == "actual")
    if actual.height:
        first, last = actual.row(0, named=True), actual.row(-1, named=True)
        seen = (
            f"{actual.height} actual values from {first['period']:%B %Y} to "
            f"{last['period']:%B %Y}, the latest {last['value_text']}."
        )
    else:
        seen = "No actual values yet."
    texts = dict(
        data.filter(pl.col("layer") == "proposal").select("series", "value_text").iter_rows()
    )
    start = (
        f"from the baseline {format_value(baseline_value, evidence.decimals, unit).strip()} "
        if baseline_value is not None
        else ""
    )
    proposal = (
        f"Proposed {start}to {texts[WITHOUT]} without the reward (dashed grey line) and "
        f"{texts[STRETCHED]} with it (solid blue line) by {target_period:%B %Y}."
    )
    trend = evidence.sentences()[0]
    return f"{indicator}, {polarity_phrase(polarity)}. {seen} {trend} {proposal}"


def stretch_chart(
    history: pl.DataFrame,
    evidence: StretchEvidence,
    *,
    indicator: str,
    unit: str | None,
    polarity: str,
    baseline_period: date | None,
    baseline_value: float | None,
    target_period: date,
    width: int | Literal["container"] = "container",
) -> alt.LayerChart:
    """The actuals, the trend cone and the proposed dual trajectory of one reward target.

    `history`: the area's actuals (`period`, `value`); `evidence`: its
    :func:`dashboard.reports.stretch.stretch_evidence` (the cone is drawn only when it found
    a trend).
    """
    data = stretch_data(
        history,
        evidence,
        unit=unit,
        baseline_period=baseline_period,
        baseline_value=baseline_value,
        target_period=target_period,
    )
    present = [s for s in STYLE if s in set(data["series"].to_list())]
    colour_scale = alt.Scale(domain=present, range=[STYLE[s][0] for s in present])
    colour = alt.Color(
        "series:N",
        scale=colour_scale,
        legend=alt.Legend(title=None, orient="bottom", symbolType="stroke", columnPadding=18),
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=present, range=[STYLE[s][1] for s in present]),
        legend=None,
    )
    x = alt.X(
        "period:T",
        title=None,
        axis=alt.Axis(format="%Y", tickCount="year"),
        scale=alt.Scale(type="utc", padding=28),
    )
    y = alt.Y(
        "value:Q",
        title=unit_title(unit) or "Value",
        scale=alt.Scale(zero=False, nice=True),
        axis=alt.Axis(domain=False, ticks=False),
    )
    tips = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("period:T", title="Period end", format="%d %b %Y"),
        alt.Tooltip("value_text:N", title="Value"),
    ]

    def layer(key: str) -> alt.Chart:
        return alt.Chart().transform_filter(alt.datum.layer == key)

    layers: list[alt.Chart] = []
    if evidence.trend is not None:
        layers.append(
            layer("cone")
            .mark_area(color=FORECAST_BLUE, opacity=0.2)
            .encode(
                x=x,
                y=alt.Y("low:Q", scale=alt.Scale(zero=False, nice=True)),
                y2="high:Q",
                tooltip=[*tips, alt.Tooltip("note:N", title="Range")],
            )
            .properties(name="trend_cone")
        )
        layers.append(
            layer("cone")
            .mark_line(strokeWidth=2)
            .encode(x=x, y=y, color=colour, strokeDash=dash)
            .properties(name="trend_line")
        )
    for key in ("without", "stretched"):
        if key in set(data["layer"].to_list()):
            layers.append(
                layer(key)
                .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(filled=True, size=40))
                .encode(x=x, y=y, color=colour, strokeDash=dash, tooltip=tips)
                .properties(name=f"{key}_trajectory")
            )
    layers.append(
        layer("actual")
        .mark_line(strokeWidth=2.8, color=INK)
        .encode(x=x, y=y, color=colour, strokeDash=dash)
        .properties(name="actual_line")
    )
    layers.append(
        layer("actual")
        .mark_point(filled=True, size=64, color=INK)
        .encode(x=x, y=y, tooltip=tips)
        .properties(name="actual_points")
    )
    layers.append(
        layer("proposal")
        .mark_point(shape="diamond", filled=True, size=150, stroke="white", strokeWidth=1)
        .encode(
            x=x, y=y, color=alt.Color("series:N", scale=colour_scale, legend=None), tooltip=tips
        )
        .properties(name="proposal_points")
    )
    text = {
        "align": "left",  # right of the target period, clear of the lines that lead to it
        "dx": 10,
        "baseline": alt.expr("datum.above ? 'bottom' : 'top'"),
        "dy": alt.expr("datum.above ? -2 : 2"),
        "fontWeight": "bold",
        "fontSize": 12,
    }
    layers.append(  # a white halo keeps each label readable over the cone and the lines
        layer("proposal")
        .mark_text(stroke="white", strokeWidth=3, strokeJoin="round", **text)
        .encode(x=x, y=y, text="label:N")
        .properties(name="proposal_label_halo")
    )
    layers.append(
        layer("proposal")
        .mark_text(**text)
        .encode(
            x=x, y=y, text="label:N", color=alt.Color("series:N", scale=colour_scale, legend=None)
        )
        .properties(name="proposal_labels")
    )
    chart = alt.layer(*layers, data=data).properties(
        title=alt.TitleParams(
            text=f"{indicator}: the proposed stretch against the trend",
            subtitle=" · ".join(p for p in (unit_title(unit), polarity_phrase(polarity)) if p),
        ),
        width=width,
        height=320,
        description=_description(
            data,
            evidence,
            indicator=indicator,
            polarity=polarity,
            unit=unit or "",
            baseline_value=baseline_value,
            target_period=target_period,
        ),
    )
    return apply_config(chart)  # type: ignore[return-value]
