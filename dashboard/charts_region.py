"""The region page's chart: each area's reward forecast as a share of its maximum grant.

A pure builder (a `reports.region.region_grid` frame in, an Altair chart out), in the
dashboard's visual language: the forecast a blue bar, its 80% range a dark rule with end
ticks, and the 60% line dotted orange and labelled, so the chart reads without colour.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from dashboard.charts import apply_config
from dashboard.formatting import money

STRETCHED_BLUE = "#1d70b8"
INK = "#0b0c0c"
THRESHOLD_ORANGE = "#f47738"
THRESHOLD = 0.6  # the reward threshold (DOMAIN §5), drawn against each area's maximum
THRESHOLD_LABEL = "60% of the maximum"


def reward_chart_data(grid: pl.DataFrame) -> pl.DataFrame:
    """One row per area with a maximum: forecast, low and high as fractions of the maximum,
    and their money texts for the tooltip."""
    shown = grid.filter(pl.col("max_prg_gbp").cast(pl.Float64).fill_null(0) > 0)
    maximum = pl.col("max_prg_gbp").cast(pl.Float64)
    texts = {
        c: [money(v, short=True) for v in shown[c].to_list()]  # a handful of areas
        for c in ("prg_gbp", "prg_low_gbp", "prg_high_gbp", "max_prg_gbp")
    }
    return shown.select(
        area=pl.format("{} ({})", "area_name", "area_code"),
        forecast=pl.col("prg_gbp").cast(pl.Float64) / maximum,
        low=pl.col("prg_low_gbp").cast(pl.Float64) / maximum,
        high=pl.col("prg_high_gbp").cast(pl.Float64) / maximum,
    ).with_columns(
        forecast_text=pl.Series(texts["prg_gbp"], dtype=pl.Utf8),
        range_text=pl.Series(
            [
                f"{lo} – {hi}"
                for lo, hi in zip(texts["prg_low_gbp"], texts["prg_high_gbp"], strict=True)
            ],
            dtype=pl.Utf8,
        ),
        maximum_text=pl.Series(texts["max_prg_gbp"], dtype=pl.Utf8),
    )


def reward_forecast_chart(
    grid: pl.DataFrame, *, width: int | str = "container", bar_height: int = 22
) -> alt.LayerChart:
    """A horizontal bar per area: its reward forecast as a share of its maximum, the 80%
    range as a rule, and a labelled line at 60% of the maximum."""
    data = reward_chart_data(grid)
    order = data.sort("forecast", descending=True, nulls_last=True)["area"].to_list()
    top = max(1.0, float(data["high"].max() or 0) if data.height else 1.0)
    y = alt.Y("area:N", sort=order, title=None, axis=alt.Axis(labelLimit=260, ticks=False))
    x_scale = alt.Scale(domain=[0, top])
    tooltip = [
        alt.Tooltip("area:N", title="Area"),
        alt.Tooltip("forecast_text:N", title="Reward forecast"),
        alt.Tooltip("forecast:Q", title="Share of maximum", format=".0%"),
        alt.Tooltip("range_text:N", title="80% range"),
        alt.Tooltip("maximum_text:N", title="Maximum"),
    ]
    bars = (
        alt.Chart()
        .mark_bar(height=bar_height, color=STRETCHED_BLUE, opacity=0.85)
        .encode(
            y=y,
            x=alt.X(
                "forecast:Q", scale=x_scale, title="Reward forecast, share of the area's maximum",
                axis=alt.Axis(format="%", grid=True),
            ),
            tooltip=tooltip,
        )
    )  # fmt: skip
    ranges = (
        alt.Chart()
        .mark_errorbar(ticks=alt.TickConfig(size=bar_height * 0.7), color=INK, thickness=2)
        .encode(y=y, x=alt.X("low:Q", scale=x_scale, title=""), x2="high:Q", tooltip=tooltip)
    )
    labels = (
        alt.Chart()
        .mark_text(align="left", dx=6, dy=-bar_height * 0.5 - 2, color=INK, fontSize=11)
        .encode(y=y, x=alt.X("high:Q", scale=x_scale), text=alt.Text("forecast:Q", format=".0%"))
    )
    threshold = alt.Chart(pl.DataFrame({"x": [THRESHOLD], "label": [THRESHOLD_LABEL]}))
    line = threshold.mark_rule(color=THRESHOLD_ORANGE, strokeDash=[2, 3], strokeWidth=2.5).encode(
        x=alt.X("x:Q", scale=x_scale)
    )
    line_label = threshold.mark_text(
        align="left", baseline="bottom", dx=4, color=INK, fontSize=11, y=0
    ).encode(x=alt.X("x:Q", scale=x_scale), text="label:N")
    described = "; ".join(
        f"{r['area']}: {r['forecast_text']} forecast "
        + (
            f"({r['forecast']:.0%} of its maximum "
            if r["forecast"] is not None
            else "(of its maximum "
        )
        + f"{r['maximum_text']}), range {r['range_text']}"
        for r in data.to_dicts()
    )
    chart = alt.layer(
        alt.layer(bars, ranges, labels, data=data), line, line_label
    ).properties(
        title=alt.TitleParams(
            "Reward forecast of each area against its maximum",
            subtitle="Bar: forecast. Black line: its 80% range. Dotted line: 60% of the maximum.",
        ),
        width=width,
        height=alt.Step(bar_height + 12),
        description=described or "No area in view has a reward maximum.",
    )  # fmt: skip
    return apply_config(chart)  # type: ignore[return-value]
