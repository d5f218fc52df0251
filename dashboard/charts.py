"""Altair chart builders in the dashboard's visual language (DESIGN.md "Visual language").

Pure builders: polars frames in, Altair charts out; no Streamlit, no SQL. The trajectory
grammar is shared by the big chart and the small multiples:

- actuals: solid dark line with filled points, hollow points for provisional values;
- expected trajectory: dashed grey line through baseline, milestones and target;
- reward targets: the agreed (stretched) trajectory solid blue, the without-reward path
  dotted grey, a light-blue band between them, and the 60%-of-stretch path dotted orange;
- forecast: dashed blue from the latest actual to the target period, inside a pale band
  that widens to the 80% prediction interval;
- the target: a labelled diamond at the target period.

``trajectory_data`` builds one long frame (a ``layer`` column says which layer a row
belongs to, ``series`` is the legend name); the chart builders only filter and encode it.
``configure_*`` may only sit on a top-level chart, so every builder takes ``configure`` and
applies :func:`apply_config` itself unless it is nested in a concatenation. The grid of
small multiples is one faceted spec (fast to build and validate), not a concatenation.
The forecast is a lighter blue (``#5694ca``) than the stretched line, so that the two blue
lines can be told apart by more than their dashes.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import altair as alt
import polars as pl

from dashboard.formatting import STATUS, STATUS_FILL, value_expr
from dashboard.metrics import (
    expected_values,
    forecast,
    period_label_expr,
    tracked_actuals,
    trajectory_lines,
)
from dashboard.metrics.trajectory import threshold_value_expr

__all__ = [
    "DATA_SCHEMA",
    "SERIES_STYLE",
    "apply_config",
    "block_status_chart",
    "chart_config",
    "chart_png",
    "chart_svg",
    "export_heading",
    "export_spec",
    "period_ticks",
    "polarity_phrase",
    "small_multiple",
    "small_multiples",
    "status_title",
    "threshold_series_name",
    "trajectory_chart",
    "trajectory_data",
    "unit_title",
    "wrap_lines",
]

# --- palette (DESIGN.md) ---------------------------------------------------------------
INK = "#0b0c0c"  # actuals, text
GREY = "#505a5f"  # secondary text, trajectory lines
MID_GREY = "#6f777b"
GRID = "#e5e6e7"
BLUE = "#1d70b8"  # stretched trajectory
FORECAST_BLUE = "#5694ca"  # forecast: a lighter blue, dashed, told apart from the stretch
BAND_BLUE = "#bbd4ea"  # band between without-reward and stretched
ORANGE = "#f47738"  # 60% of stretch
TARGET_NAVY = "#003078"
FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"

# Layer keys (the ``layer`` column) and the legend name of each series, in legend order.
ACTUAL = "Actual"
TRAJECTORY = "Trajectory"
STRETCHED = "Stretched target"
WITHOUT = "Without reward"
THRESHOLD = "60% of stretch"  # the name used when the area's threshold is the default 60%
FORECAST = "Forecast"
TARGET = "Target"

# series -> (colour, stroke dash); the order is the legend order.
SERIES_STYLE: dict[str, tuple[str, list[int]]] = {
    ACTUAL: (INK, []),
    TRAJECTORY: (MID_GREY, [6, 4]),
    STRETCHED: (BLUE, []),
    WITHOUT: (MID_GREY, [1, 3]),
    THRESHOLD: (ORANGE, [1, 3]),
    FORECAST: (FORECAST_BLUE, [6, 4]),
}

DATA_SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "layer": pl.Utf8(),  # actual|trajectory|without_reward|stretch_band|threshold|forecast|target
    "series": pl.Utf8(),  # legend name
    "period": pl.Date(),
    "period_label": pl.Utf8(),
    "value": pl.Float64(),
    "band_low": pl.Float64(),  # stretch band (between without-reward and stretched paths)
    "band_high": pl.Float64(),
    "forecast_low": pl.Float64(),  # forecast band (80% interval, widening from latest actual)
    "forecast_high": pl.Float64(),
    "status": pl.Utf8(),  # provisional | final (actuals only)
    "expected_value": pl.Float64(),  # the trajectory at an actual's period
    "value_text": pl.Utf8(),  # value with the indicator's decimals and unit
    "expected_text": pl.Utf8(),
    "note": pl.Utf8(),  # tooltip detail: Baseline / Milestone / 80% range ...
    "label": pl.Utf8(),  # text beside the target marker, e.g. "Target 36.0%"
    "label_short": pl.Utf8(),  # the same without the unit (bar %), for small multiples
}

_DEFAULTS: dict[str, Any] = {
    "frequency": "annual",
    "period_basis": "financial",
    "unit": "",
    "decimals": 1,
}
_ANCHOR_WORDS = {
    "start": "Agreement start",
    "baseline": "Baseline",
    "milestone": "Milestone",
    "target": "Target",
    "without_reward": "Without reward",
}


# --- data --------------------------------------------------------------------------------
def _with_defaults(targets: pl.DataFrame) -> pl.DataFrame:
    """Add display columns a hand-made target frame may lack (frequency, unit, decimals)."""
    extra = [pl.lit(v).alias(k) for k, v in _DEFAULTS.items() if k not in targets.columns]
    frame = targets.with_columns(extra) if extra else targets
    return frame.with_columns(
        pl.col("frequency").fill_null(_DEFAULTS["frequency"]),
        pl.col("period_basis").fill_null(_DEFAULTS["period_basis"]),
        pl.col("unit").fill_null(""),
        pl.col("decimals").cast(pl.Int64).fill_null(_DEFAULTS["decimals"]),
    )


def _text(value: str) -> pl.Expr:
    """A value formatted like the tables (dashboard.formatting.value_expr), never null."""
    return value_expr(value).str.strip_chars_end()


def _thresholds(targets: pl.DataFrame, agreements: pl.DataFrame | None) -> pl.DataFrame:
    """Each target's reward threshold (the area's setting, default 0.6)."""
    if agreements is not None and {"area_code", "reward_threshold"} <= set(agreements.columns):
        return targets.join(
            agreements.select("area_code", "reward_threshold").unique("area_code"),
            on="area_code",
            how="left",
        ).with_columns(pl.col("reward_threshold").fill_null(0.6))
    return targets.with_columns(reward_threshold=pl.lit(0.6))


def threshold_series_name(fraction: float) -> str:
    """``0.6`` -> ``60% of stretch``."""
    return f"{fraction * 100:g}% of stretch"


def trajectory_data(
    targets: pl.DataFrame,
    milestones: pl.DataFrame,
    actuals: pl.DataFrame,
    as_at: date,
    *,
    agreements: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every layer of the trajectory chart of one or many targets, as one long frame.

    ``targets``: rows of ``Assessment.targets`` (or the bare ``metrics.TARGETS_SCHEMA``
    columns; ``frequency, period_basis, unit, decimals`` default to annual, financial, no
    unit, 1 decimal). Forecast columns are used when present, else computed from
    ``actuals``. ``agreements`` (with ``reward_threshold``) sets each area's threshold;
    default 60%. Returns :data:`DATA_SCHEMA` columns; rows per ``layer``:

    - ``actual``: the tracked values known at ``as_at`` (running totals for cumulative
      targets) with ``status`` and the ``expected_value`` at their period;
    - ``trajectory``: the anchors of the agreed path (series ``Stretched target`` for reward
      targets, else ``Trajectory``); ``without_reward``: start -> without-reward figure;
    - ``stretch_band``: ``band_low``/``band_high`` between the two paths at every anchor;
    - ``threshold``: ``W + 0.6 (S - W)`` at the same anchors, the level at which the reward
      starts to pay if both paths are followed (it ends at the threshold value);
    - ``forecast``: latest actual -> target period, ``forecast_low``/``high`` widening from
      the latest value to the 80% interval (only when the target period is still ahead);
    - ``target``: the target value at the target period with its ``label``.
    """
    t = _with_defaults(targets)
    tid = "target_id"
    meta = t.select(tid, "frequency", "period_basis", "unit", "decimals")
    is_reward = pl.col("is_reward").fill_null(False) & pl.col("without_reward_value").is_not_null()
    reward_ids = t.filter(is_reward).get_column(tid).implode()
    base_targets = t.select(
        tid,
        "area_code",
        "measure",
        "agreement_start",
        "baseline_period",
        "baseline_value",
        "target_period",
        "target_value",
        "without_reward_value",
        "is_reward",
    )
    parts: list[pl.DataFrame] = []

    # actuals
    series = tracked_actuals(base_targets, actuals, as_at)
    series = expected_values(
        base_targets, milestones, series.select(tid, "period", "value", "status")
    )
    parts.append(
        series.select(
            tid,
            layer=pl.lit("actual"),
            series=pl.lit(ACTUAL),
            period="period",
            value="value",
            status="status",
            expected_value="expected_value",
            note=pl.col("status"),
        )
    )

    # trajectory and without-reward paths
    lines = trajectory_lines(base_targets, milestones)
    words = pl.col("anchor").replace_strict(_ANCHOR_WORDS, default=pl.col("anchor"))
    parts.append(
        lines.select(
            tid,
            layer=pl.col("line"),
            series=pl.when(pl.col("line") == "without_reward")
            .then(pl.lit(WITHOUT))
            .when(pl.col(tid).is_in(reward_ids))
            .then(pl.lit(STRETCHED))
            .otherwise(pl.lit(TRAJECTORY)),
            period="period",
            value="value",
            note=words,
        )
    )

    # stretch band and threshold path, evaluated at the union of both paths' anchors
    reward = _thresholds(base_targets.filter(is_reward), agreements)
    if reward.height:
        points = (
            lines.filter(pl.col(tid).is_in(reward_ids))
            .select(tid, "period")
            .unique()
            .sort(tid, "period")
        )
        stretched = expected_values(reward, milestones, points, out="_s")
        without = expected_values(
            reward.with_columns(target_value=pl.col("without_reward_value")),
            milestones.clear(),
            points,
            out="_w",
        )
        paths = stretched.join(without, on=[tid, "period"]).join(
            reward.select(tid, "reward_threshold"), on=tid
        )
        s, w = pl.col("_s"), pl.col("_w")
        parts.append(
            paths.select(
                tid,
                layer=pl.lit("stretch_band"),
                series=pl.lit(STRETCHED),
                period="period",
                band_low=pl.min_horizontal(s, w),
                band_high=pl.max_horizontal(s, w),
            )
        )
        thr = threshold_value_expr(pl.col("reward_threshold"))
        parts.append(
            paths.with_columns(without_reward_value=w, target_value=s).select(
                tid,
                layer=pl.lit("threshold"),
                series=pl.col("reward_threshold").replace_strict(
                    {f: threshold_series_name(f) for f in reward["reward_threshold"].unique()},
                    return_dtype=pl.Utf8,
                ),
                period="period",
                value=thr,
                note=pl.lit("Reward starts to pay"),
            )
        )

    # forecast: from the latest actual to the target period, while it is still ahead
    fc_cols = ["forecast_value", "forecast_low", "forecast_high"]
    fc = (
        t.select(tid, *fc_cols)
        if set(fc_cols) <= set(t.columns)
        else forecast(base_targets, actuals, as_at).select(tid, *fc_cols)
    )
    latest = (
        series.sort(tid, "period")
        .group_by(tid, maintain_order=True)
        .last()
        .select(tid, latest_period="period", latest_value="value")
    )
    ahead = (
        t.select(tid, "target_period")
        .join(fc, on=tid)
        .join(latest, on=tid)
        .filter(
            pl.col("forecast_value").is_not_null(),
            pl.col("latest_period") < pl.col("target_period"),
        )
    )
    if ahead.height:
        parts.append(
            ahead.select(
                tid,
                layer=pl.lit("forecast"),
                series=pl.lit(FORECAST),
                period="latest_period",
                value="latest_value",
                forecast_low="latest_value",
                forecast_high="latest_value",
                note=pl.lit("Latest actual"),
            )
        )
        parts.append(
            ahead.select(
                tid,
                layer=pl.lit("forecast"),
                series=pl.lit(FORECAST),
                period="target_period",
                value="forecast_value",
                forecast_low="forecast_low",
                forecast_high="forecast_high",
            )
        )

    # the target marker
    parts.append(
        t.select(
            tid,
            layer=pl.lit("target"),
            series=pl.lit(TARGET),
            period="target_period",
            value=pl.col("target_value").cast(pl.Float64),
            note=pl.when(is_reward).then(pl.lit("Stretched target")).otherwise(pl.lit("Target")),
        )
    )

    long = pl.concat(
        [p.with_columns(pl.col(tid).cast(pl.Int64)) for p in parts], how="diagonal_relaxed"
    )
    for name, dtype in DATA_SCHEMA.items():
        if name not in long.columns:
            long = long.with_columns(pl.lit(None, dtype=dtype).alias(name))
    long = long.join(meta, on=tid, how="inner")
    fmt = {
        "value_text": "value",
        "expected_text": "expected_value",
        "_low": "forecast_low",
        "_high": "forecast_high",
    }
    long = long.with_columns(**{k: _text(v) for k, v in fmt.items()})
    has_range = pl.col("forecast_low").is_not_null() & (
        pl.col("forecast_low") != pl.col("forecast_high")
    )
    return (
        long.with_columns(
            period_label=period_label_expr("period", "frequency", "period_basis"),
            value_text=pl.when(pl.col("value").is_not_null()).then("value_text"),
            expected_text=pl.when(pl.col("expected_value").is_not_null()).then("expected_text"),
            note=pl.when(has_range)
            .then(pl.lit("80% range ") + pl.col("_low") + pl.lit(" – ") + pl.col("_high"))
            .otherwise(pl.col("note")),
            label=pl.when(pl.col("layer") == "target").then(
                pl.lit("Target ") + pl.col("value_text")
            ),
        )
        .with_columns(label_short=pl.col("label").str.replace(r"^(Target -?[\d,.]+%?).*$", "$1"))
        .select(list(DATA_SCHEMA))
        .cast(DATA_SCHEMA)  # type: ignore[arg-type]
        .sort(tid, "layer", "period")
    )


# --- helpers shared by the trajectory charts ------------------------------------------------
def unit_title(unit: str | None) -> str:
    """Axis title of a unit: ``%`` -> ``Per cent``, ``rate per 1000`` -> ``Rate per 1,000``."""
    if not unit:
        return ""
    if unit == "%":
        return "Per cent (%)"
    if unit.startswith("rate per "):
        per = unit.removeprefix("rate per ")
        return f"Rate per {int(per):,}" if per.isdigit() else unit.capitalize()
    if unit == "count":
        return "Number"
    return unit[0].upper() + unit[1:]


def status_title(code: str, rag: str | None) -> str:
    """``BV82ab ● On track``: a short title with the status word and symbol."""
    icon, word, _ = STATUS.get(rag, STATUS[None])
    return f"{code} {icon} {word}"


def _polarity_phrase(polarity: str) -> str:
    return "lower is better" if polarity == "lower" else "higher is better"


polarity_phrase = _polarity_phrase  # which way is good, in words (the PNG export's lead line)


_VALUE_COLUMNS = ("value", "band_low", "band_high")
_LARGEST = sys.float_info.max
_FORECAST_COLUMNS = ("forecast_low", "forecast_high")


def _domains(data: pl.DataFrame, *, with_forecast_band: bool = True) -> pl.DataFrame:
    """Each target's y extent (``target_id, lo, hi``): every value-like column, padded by 8%
    of the range; zero is not forced.

    Small multiples leave the forecast interval out (``with_forecast_band=False``) and clip
    the band to the extent, so that a wide interval does not flatten the line being scanned.
    A wide interval never pushes the axis below 0 when every value is 0 or more.
    """
    cols = [*_VALUE_COLUMNS, *(_FORECAST_COLUMNS if with_forecast_band else ())]
    v = pl.col("v")
    return (
        data.select("target_id", "value", v=pl.concat_list(cols))
        .explode("v")
        .group_by("target_id")
        # Only finite values set the axis, and it stays finite: an infinite or ±1e308 figure
        # the database holds would write `Infinity` into the spec, which is not JSON.
        .agg(
            lo=v.filter(v.is_finite()).min(),
            hi=v.filter(v.is_finite()).max(),
            floor=pl.col("value").min(),
        )
        .drop_nulls(["lo", "hi"])
        .with_columns(span=pl.col("hi") - pl.col("lo"))
        .with_columns(
            pad=pl.when(pl.col("span") > 0)
            .then(pl.col("span") * 0.08)
            .when(pl.col("hi") != 0)
            .then(pl.col("hi").abs() * 0.1)
            .otherwise(1.0)
        )
        .with_columns(lo=pl.col("lo") - pl.col("pad"), hi=pl.col("hi") + pl.col("pad"))
        .with_columns(
            lo=pl.when((pl.col("lo") < 0) & (pl.col("floor") >= 0))
            .then(0.0)
            .otherwise(pl.col("lo"))
        )
        .with_columns(pl.col("lo", "hi").clip(-_LARGEST, _LARGEST))
        .select("target_id", "lo", "hi")
    )


def _y_domain(data: pl.DataFrame, *, with_forecast_band: bool = True) -> list[float] | None:
    """``[lo, hi]`` of a one-target frame (see :func:`_domains`), None without values."""
    dom = _domains(data, with_forecast_band=with_forecast_band)
    return None if dom.is_empty() else [float(dom["lo"][0]), float(dom["hi"][0])]


def _prepared(
    data: pl.DataFrame, polarity: str | pl.DataFrame, *, clip_forecast: bool
) -> pl.DataFrame:
    """Add the display columns the layers read: ``fc_low, fc_high`` (the forecast band,
    clipped to the y extent for small multiples) and ``label_below``.

    The target label goes on the side the lines do not come from (lower is better: below
    the marker; higher is better: above), unless that is the edge of the plot.
    ``polarity`` is one word for all rows or a frame ``target_id, polarity``.
    """
    ids = data.select("target_id").unique()
    pol = (
        ids.with_columns(polarity=pl.lit(polarity))
        if isinstance(polarity, str)
        else ids.join(polarity.select("target_id", "polarity"), on="target_id", how="left")
    )
    target = data.filter(pl.col("layer") == "target").select("target_id", _tv="value")
    where = (pl.col("_tv") - pl.col("lo")) / (pl.col("hi") - pl.col("lo"))
    lower = pl.col("polarity") == "lower"
    info = (
        pol.join(_domains(data, with_forecast_band=not clip_forecast), on="target_id", how="left")
        .join(target, on="target_id", how="left")
        .with_columns(
            label_below=pl.when(where.is_nan() | where.is_null())
            .then(lower)
            .when(lower)
            .then(where >= 0.18)
            .otherwise(where > 0.82)
            .fill_null(False)
        )
        .select("target_id", "label_below", _lo="lo", _hi="hi")
    )
    low, high = pl.col("forecast_low"), pl.col("forecast_high")
    if clip_forecast:
        low = low.clip(pl.col("_lo"), pl.col("_hi"))
        high = high.clip(pl.col("_lo"), pl.col("_hi"))
    return (
        data.join(info, on="target_id", how="left", maintain_order="left")
        .with_columns(fc_low=low, fc_high=high)
        .drop("_lo", "_hi")
    )


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` split into lines of at most ``width`` characters at spaces (a title that
    wraps instead of being cut; Vega-Lite draws a list of strings as lines)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [text]


TITLE_CHARS = 48


def _title_text(text: str, width: int) -> str | list[str]:
    lines = wrap_lines(text, width)
    return lines[0] if len(lines) == 1 else lines


def period_ticks(data: pl.DataFrame, max_ticks: int, width: int | None = None) -> pl.DataFrame:
    """Per target, at most ``max_ticks`` of its periods (first and last always, the rest
    evenly between) with their labels: ``target_id, period, period_label, tick_align``.
    With ``width`` (pixels, 9px labels) fewer when the target's labels are long.

    The x axes are labelled in the indicator's own periods (``2006/07``, ``Q2 2006/07``),
    at the period ends, not in calendar years.
    """
    periods = (
        data.filter(pl.col("period").is_not_null() & pl.col("period_label").is_not_null())
        .select("target_id", "period", "period_label")
        .unique(["target_id", "period"])
        .sort("target_id", "period")
        .with_columns(
            i=pl.int_range(pl.len()).over("target_id"),
            n=pl.len().over("target_id"),
            chars=pl.col("period_label").str.len_chars().max().over("target_id"),
        )
    )
    most = pl.lit(max_ticks)
    if width is not None:  # about 5 px a character and a gap of 16 px between labels
        most = (width / (pl.col("chars") * 5 + 16)).floor().clip(2, max_ticks)
    step = ((pl.col("n") - 1) / (most - 1).clip(lower_bound=1)).ceil().clip(lower_bound=1)
    keep = (pl.col("i") == pl.col("n") - 1) | (
        (pl.col("i") % step == 0) & (pl.col("n") - 1 - pl.col("i") >= step * 0.6)
    )
    return (
        periods.filter(keep)
        .with_columns(
            tick_align=pl.when(pl.col("i") == 0)
            .then(pl.lit("left"))
            .when(pl.col("i") == pl.col("n") - 1)
            .then(pl.lit("right"))
            .otherwise(pl.lit("center"))
        )
        .select("target_id", "period", "period_label", "tick_align")
    )


def _x_axis(data: pl.DataFrame, *, compact: bool) -> alt.Axis:
    """Ticks at the indicator's period ends, labelled as its periods (``2006/07``); small
    multiples draw their labels as text marks (each cell has its own indicator)."""
    common: dict[str, Any] = {"title": None, "grid": False, "tickSize": 4}
    if compact:
        return alt.Axis(labels=False, ticks=False, **common)
    ticks = period_ticks(data, 8)
    values = [
        alt.DateTime(year=d.year, month=d.month, date=d.day, utc=True)
        for d in ticks.get_column("period")
    ]
    lookup = ", ".join(
        f"'{d:%Y-%m-%d}': '{label}'"
        for d, label in ticks.select("period", "period_label").iter_rows()
    )
    return alt.Axis(
        values=values,
        labelExpr=f"{{{lookup}}}[utcFormat(datum.value, '%Y-%m-%d')] || ''",
        labelOverlap="greedy",
        labelFlush=False,
        **common,
    )


def _present(data: pl.DataFrame) -> list[str]:
    """Legend series present in the data, in the canonical order."""
    names = set(
        data.filter(~pl.col("layer").is_in(["target", "x_tick"]))
        .get_column("series")
        .unique()
        .to_list()
    )
    order = list(SERIES_STYLE)
    thresholds = sorted(n for n in names if n.endswith("% of stretch"))
    canonical = [s for s in order if s in names and s != THRESHOLD]
    # the threshold series goes where "60% of stretch" sits, whatever the area's threshold
    at = order.index(THRESHOLD)
    before = [s for s in canonical if order.index(s) < at]
    after = [s for s in canonical if order.index(s) > at]
    return before + thresholds + after


def _style(series: str) -> tuple[str, list[int]]:
    return SERIES_STYLE.get(series) or SERIES_STYLE[THRESHOLD]


def _description(data: pl.DataFrame, title: str, polarity: str) -> str:
    """A text alternative: latest actual vs expected, the target and the forecast."""
    parts = [f"{title}, {_polarity_phrase(polarity)}."]
    actuals = data.filter(pl.col("layer") == "actual").sort("period")
    if actuals.height:
        last = actuals.row(-1, named=True)
        status = f", {last['status']}" if last["status"] else ""
        parts.append(f"Latest actual {last['value_text']} ({last['period_label']}{status}).")
        if last["expected_text"]:
            parts.append(f"Expected on the trajectory: {last['expected_text']}.")
    else:
        parts.append("No actual values yet.")
    target = data.filter(pl.col("layer") == "target")
    if target.height:
        row = target.row(0, named=True)
        parts.append(f"Target {row['value_text']} for {row['period_label']}.")
    without = data.filter(pl.col("layer") == "without_reward").sort("period")
    if without.height:
        parts.append(f"Without reward: {without.row(-1, named=True)['value_text']}.")
    thr = data.filter(pl.col("layer") == "threshold").sort("period")
    if thr.height:
        row = thr.row(-1, named=True)
        parts.append(f"The reward starts to pay at {row['value_text']} ({row['series']}).")
    fc = data.filter(pl.col("layer") == "forecast").sort("period")
    if fc.height:
        row = fc.row(-1, named=True)
        note = f", {row['note']}" if row["note"] else ""
        parts.append(f"Forecast for {row['period_label']}: {row['value_text']}{note}.")
    return " ".join(parts)


def chart_config(*, compact: bool = False, font_size: int | None = None) -> alt.Config:
    """The shared look: no border, light grid, one font, consistent sizes.

    `font_size` enlarges every text (meeting mode on a projector).
    """
    size = font_size or (10 if compact else 12)
    return alt.Config(
        font=FONT,
        view=alt.ViewConfig(strokeWidth=0),
        axis=alt.AxisConfig(
            labelColor=GREY,
            titleColor=GREY,
            labelFontSize=size - 1 if compact else size,
            titleFontSize=size,
            titleFontWeight="normal",
            gridColor=GRID,
            domainColor="#b1b4b6",
            tickColor="#b1b4b6",
        ),
        legend=alt.LegendConfig(
            labelFontSize=size,
            titleFontSize=size,
            labelColor=INK,
            symbolStrokeWidth=2.5,
            symbolSize=300,
            labelLimit=200,
        ),
        title=alt.TitleConfig(
            anchor="start",
            color=INK,
            fontSize=size + 1 if compact else size + 4,
            subtitleColor=GREY,
            subtitleFontSize=size,
            subtitlePadding=4,
            offset=8,
        ),
    )


def apply_config(
    chart: alt.TopLevelMixin, *, compact: bool = False, font_size: int | None = None
) -> alt.TopLevelMixin:
    """Set :func:`chart_config` on a top-level chart (in place: builders own their charts).

    One assignment instead of a chain of ``configure_*`` calls, each of which deep-copies the
    whole chart (seconds for a grid of small multiples).
    """
    chart.config = chart_config(compact=compact, font_size=font_size)
    return chart


# --- the trajectory chart -----------------------------------------------------------------
def _layers(
    data: pl.DataFrame,
    *,
    unit: str,
    decimals: int,
    compact: bool,
    legend: bool,
    domain: list[float] | None,
    pick: bool | None = None,
    legend_orient: str = "bottom",
    legend_columns: int = 3,
    tick_y: int | None = None,
) -> tuple[list[alt.Chart], alt.Parameter | None]:
    """The layers of a trajectory chart, bottom to top, and the legend selection.

    ``data`` is :func:`_prepared`; ``domain`` the y extent (None: each facet's own).
    ``pick`` (default: with the legend) makes the legend a click-to-highlight selection.
    ``tick_y`` (compact charts: the plot height) draws the ``x_tick`` rows as period labels
    under the plot.
    """
    pick = legend if pick is None else pick
    present = _present(data)
    layers_in = set(data.get_column("layer").unique().to_list())
    colours = [_style(s)[0] for s in present]
    dashes = [_style(s)[1] for s in present]
    x_enc = alt.X(
        "period:T",
        title=None,
        axis=_x_axis(data, compact=compact),
        scale=alt.Scale(type="utc", padding=10 if compact else 28),  # room for a label
    )
    y_scale = alt.Scale(zero=False, nice=True, **({"domain": domain} if domain else {}))
    fmt = f",.{max(0, min(int(decimals), 6))}~f"
    y_axis = (
        alt.Axis(title=None, format=fmt, tickCount=3, labelFontSize=9, domain=False, ticks=False)
        if compact
        else alt.Axis(title=unit_title(unit), format=fmt, tickCount=6, domain=False, ticks=False)
    )
    y_enc = alt.Y("value:Q", scale=y_scale, axis=y_axis)
    leg = (
        alt.Legend(
            title=None,
            orient=legend_orient,  # type: ignore[arg-type]
            direction="horizontal",
            symbolType="stroke",
            columnPadding=18,
            columns=legend_columns,  # wraps onto a second row instead of clipping
        )
        if legend
        else None
    )
    colour_scale = alt.Scale(domain=present, range=colours)
    colour = alt.Color("series:N", scale=colour_scale, legend=leg)
    dash = alt.StrokeDash("series:N", scale=alt.Scale(domain=present, range=dashes), legend=leg)
    selection = (
        alt.selection_point(fields=["series"], bind="legend", name="series_pick")
        if legend and pick
        else None
    )

    def fade(on: float, off: float = 0.12) -> alt.Opacity | alt.OpacityValue:
        if selection is None:
            return alt.OpacityValue(on)
        return alt.when(selection).then(alt.value(on)).otherwise(alt.value(off * on))

    tip_common = [
        alt.Tooltip("series:N", title="Series"),
        alt.Tooltip("period_label:N", title="Period"),
        alt.Tooltip("value_text:N", title="Value"),
    ]
    base = alt.Chart()
    width = 1.6 if compact else 2.5
    n_actual = data.filter(pl.col("layer") == "actual").height
    pt = (14 if compact else 40) * (0.6 if n_actual > 24 else 1.0)
    out: list[alt.Chart] = []

    def layer(key: str) -> alt.Chart:
        return base.transform_filter(alt.datum.layer == key)

    if "stretch_band" in layers_in:
        out.append(
            layer("stretch_band")
            .mark_area(color=BAND_BLUE, interpolate="linear")
            .encode(
                x=x_enc,
                y=alt.Y("band_low:Q", scale=y_scale, axis=y_axis),
                y2="band_high:Q",
                opacity=fade(0.55),
            )
            .properties(name="stretch_band")
        )
    if "forecast" in layers_in:
        out.append(
            layer("forecast")
            .mark_area(color=FORECAST_BLUE, clip=True)
            .encode(
                x=x_enc,
                y=alt.Y("fc_low:Q", scale=y_scale, axis=y_axis),
                y2="fc_high:Q",
                opacity=fade(0.18),
                tooltip=[*tip_common, alt.Tooltip("note:N", title="Range")],
            )
            .properties(name="forecast_band")
        )
    for key, name in [("without_reward", "without_line"), ("threshold", "threshold_line")]:
        if key in layers_in:
            out.append(
                layer(key)
                .mark_line(strokeWidth=width, strokeCap="round")
                .encode(x=x_enc, y=y_enc, color=colour, strokeDash=dash, opacity=fade(1.0))
                .properties(name=name)
            )
    traj_line = (
        layer("trajectory")
        .mark_line(strokeWidth=width)
        .encode(x=x_enc, y=y_enc, color=colour, strokeDash=dash, opacity=fade(1.0))
        .properties(name="trajectory_line")
    )
    if selection is not None:
        traj_line = traj_line.add_params(selection)
    out.append(traj_line)
    anchor_layers = [k for k in ("without_reward", "threshold", "trajectory") if k in layers_in]
    if anchor_layers:
        out.append(
            base.transform_filter(alt.FieldOneOfPredicate(field="layer", oneOf=anchor_layers))
            .mark_point(filled=True, size=pt * 0.7, strokeWidth=0)
            .encode(
                x=x_enc,
                y=y_enc,
                color=alt.Color("series:N", scale=colour_scale, legend=None),
                opacity=fade(0.9),
                tooltip=[*tip_common, alt.Tooltip("note:N", title="Point")],
            )
            .properties(name="anchor_points")
        )
    if "forecast" in layers_in:
        out.append(
            layer("forecast")
            .mark_line(strokeWidth=width)
            .encode(x=x_enc, y=y_enc, color=colour, strokeDash=dash, opacity=fade(1.0))
            .properties(name="forecast_line")
        )
        out.append(
            layer("forecast")
            .transform_filter(alt.datum.note != "Latest actual")
            .mark_point(filled=True, size=pt * 1.4, color=FORECAST_BLUE, strokeWidth=0)
            .encode(
                x=x_enc,
                y=y_enc,
                opacity=fade(1.0),
                tooltip=[*tip_common, alt.Tooltip("note:N", title="Range")],
            )
            .properties(name="forecast_point")
        )
    out.append(
        layer("actual")
        .mark_line(strokeWidth=width + 0.3, color=INK)
        .encode(x=x_enc, y=y_enc, color=colour, strokeDash=dash, opacity=fade(1.0))
        .properties(name="actual_line")
    )
    provisional = alt.datum.status == "provisional"
    out.append(
        layer("actual")
        .mark_point(filled=True, size=pt * 1.6, strokeWidth=1.5, color=INK, stroke=INK)
        .encode(
            x=x_enc,
            y=y_enc,
            fill=alt.when(provisional).then(alt.value("white")).otherwise(alt.value(INK)),
            opacity=fade(1.0),
            tooltip=[
                *tip_common,
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("expected_text:N", title="Expected"),
            ],
        )
        .properties(name="actual_points")
    )
    target_tip = [*tip_common, alt.Tooltip("note:N", title="Kind")]
    out.append(
        layer("target")
        .mark_point(
            shape="diamond",
            filled=True,
            size=70 if compact else 190,
            color=TARGET_NAVY,
            stroke="white",
            strokeWidth=1,
        )
        .encode(x=x_enc, y=y_enc, tooltip=target_tip)
        .properties(name="target_marker")
    )
    gap = 5
    text_props: dict[str, Any] = {  # above or below the marker, as _prepared decided
        "align": "right",
        "baseline": alt.expr("datum.label_below ? 'top' : 'bottom'"),
        "dx": -4 if compact else -9,
        "dy": alt.expr(f"datum.label_below ? {gap} : {-gap}"),
        "fontSize": 9 if compact else 12,
        "fontWeight": "bold",
    }
    text = "label_short:N" if compact else "label:N"
    out.append(  # a white halo keeps the label readable over lines and bands
        layer("target")
        .mark_text(stroke="white", strokeWidth=3, strokeJoin="round", **text_props)
        .encode(x=x_enc, y=y_enc, text=text)
        .properties(name="target_label_halo")
    )
    out.append(
        layer("target")
        .mark_text(color=TARGET_NAVY, **text_props)
        .encode(x=x_enc, y=y_enc, text=text, tooltip=target_tip)
        .properties(name="target_label")
    )
    if tick_y is not None and "x_tick" in layers_in:
        out.append(  # the x axis labels: the indicator's own periods, at their ends
            layer("x_tick")
            .mark_tick(orient="vertical", size=4, thickness=1, color="#b1b4b6")
            .encode(x=x_enc, y=alt.value(tick_y + 2))
            .properties(name="x_tick_marks")
        )
        out.append(
            layer("x_tick")
            .mark_text(baseline="top", fontSize=9, color=GREY, align=alt.expr("datum.tick_align"))
            .encode(x=x_enc, y=alt.value(tick_y + 5), text="period_label:N")
            .properties(name="x_tick_labels")
        )
    return out, selection


def _with_tick_rows(data: pl.DataFrame, width: int) -> pl.DataFrame:
    """``data`` plus one ``x_tick`` row per labelled period (see :func:`period_ticks`) of a
    plot ``width`` wide, each a copy of a row of its target (so facet fields come along)
    without values or series."""
    ticks = period_ticks(data, 6, width)
    first = data.unique("target_id", keep="first", maintain_order=True).drop(
        "period", "period_label"
    )
    nulls = [
        c for c in ("value", "band_low", "band_high", "fc_low", "fc_high") if c in first.columns
    ]
    rows = (
        ticks.join(first, on="target_id", how="inner")
        .with_columns(
            layer=pl.lit("x_tick"),
            series=pl.lit(None, pl.Utf8),
            **{c: pl.lit(None, pl.Float64) for c in nulls},
        )
        .select(*data.columns, "tick_align")
    )
    return pl.concat(
        [data.with_columns(tick_align=pl.lit(None, pl.Utf8)), rows], how="vertical_relaxed"
    )


def _one_target(data: pl.DataFrame) -> pl.DataFrame:
    ids = data.get_column("target_id").unique()
    if ids.len() > 1:
        raise ValueError(
            f"one target per chart: filter the data first (got {ids.len()} target ids)"
        )
    return data


def _embedded(data: pl.DataFrame) -> pl.DataFrame:
    """The rows as embedded in the spec: periods as ISO dates (``2008-03-31``), without
    the columns no layer reads (the forecast band reads ``fc_low``/``fc_high``).

    A date-only ISO string is read as UTC midnight by Vega, which the UTC x scale shows as
    that very day in any browser time zone; a naive datetime would be local time.
    """
    unused = [c for c in ("expected_value", "forecast_low", "forecast_high") if c in data.columns]
    return data.drop(unused).with_columns(pl.col("period").dt.strftime("%Y-%m-%d"))


def trajectory_chart(
    data: pl.DataFrame,
    *,
    title: str,
    unit: str,
    polarity: str,
    decimals: int,
    subtitle: str | Sequence[str] | None = None,
    height: int = 360,
    width: int | str = "container",
    configure: bool = True,
    font_size: int | None = None,
) -> alt.LayerChart:
    """The big trajectory chart of one target (``trajectory_data`` rows of one target_id).

    The title says which way is good; the legend (bottom) highlights a series on click;
    hollow points are provisional (said in the subtitle); ``description`` is the text
    alternative. Set ``configure=False`` to nest it in a concatenation.
    """
    data = _prepared(_one_target(data), polarity, clip_forecast=False)
    layers, _ = _layers(
        data,
        unit=unit,
        decimals=decimals,
        compact=False,
        legend=True,
        domain=_y_domain(data),
    )
    subtitles = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    notes = []
    if data.filter(pl.col("status") == "provisional").height:
        notes.append("Hollow points: provisional")
    if data.filter(pl.col("layer") == "stretch_band").height:
        notes.append("Blue band: without reward to stretched target")
    if data.filter(pl.col("layer") == "forecast").height:
        notes.append("Shaded wedge: forecast 80% range")
    if notes:
        subtitles.append(" · ".join(notes))
    phrase = _polarity_phrase(polarity)
    title_params = alt.TitleParams(
        # 48 characters a line: the chart beside the reward panel is ~450px wide, where a
        # longer line of 14px bold is cut with an ellipsis.
        text=_title_text(title if phrase in title else f"{title} — {phrase}", TITLE_CHARS),
        subtitle=subtitles or alt.Undefined,
    )
    chart = alt.layer(*layers, data=_embedded(data)).properties(
        title=title_params,
        height=height,
        width=width,
        description=_description(data, title, polarity),
    )
    return apply_config(chart, font_size=font_size) if configure else chart  # type: ignore[return-value]


def small_multiple(
    data: pl.DataFrame,
    *,
    title: str,
    unit: str,
    polarity: str,
    decimals: int,
    status_text: str,
    width: int = 220,
    height: int = 140,
    configure: bool = True,
) -> alt.LayerChart:
    """A small trajectory chart in the same grammar: no legend, minimal axes.

    ``title`` is a short name or code and ``status_text`` the status word with its symbol
    (see :func:`status_title`): the chart title reads ``BV82ab ● On track``. The unit and
    polarity are in the subtitle and the text alternative.
    """
    data = _prepared(_one_target(data), polarity, clip_forecast=True)
    domain = _y_domain(data, with_forecast_band=False)
    data = _with_tick_rows(data, width)
    layers, _ = _layers(
        data,
        unit=unit,
        decimals=decimals,
        compact=True,
        legend=False,
        domain=domain,
        tick_y=height,
    )
    chart = alt.layer(*layers, data=_embedded(data)).properties(
        title=alt.TitleParams(
            text=_title_text(f"{title} {status_text}".strip(), max(12, width // 7)),
            subtitle=_small_subtitle(unit, polarity),
            fontSize=12,
            subtitleFontSize=10,
        ),
        width=width,
        height=height,
        description=_description(data, f"{title} {status_text}", polarity),
    )
    return apply_config(chart, compact=True) if configure else chart  # type: ignore[return-value]


def _small_subtitle(unit: str | None, polarity: str | None) -> str:
    return f"{unit_title(unit) or 'Value'} · {_polarity_phrase(polarity or 'higher')}"


def _facet_meta(meta: pl.DataFrame, name_width: int = 40) -> pl.DataFrame:
    """``target_id, polarity, facet_title, facet_subtitle, facet_name, facet_order`` from
    ``meta``; ``facet_name`` is the indicator's name in lines of ``name_width`` characters."""
    rows = []
    for order, row in enumerate(meta.to_dicts()):
        code = row.get("title") or row.get("indicator_code") or str(row["target_id"])
        status = row.get("status_text") or status_title("", row.get("rag")).strip()
        name = str(row.get("indicator_name") or "")
        rows.append(
            {
                "target_id": row["target_id"],
                "polarity": row.get("polarity") or "higher",
                "facet_title": f"{code} {status}".strip(),
                "facet_subtitle": _small_subtitle(row.get("unit"), row.get("polarity")),
                "facet_name": "\n".join(wrap_lines(name, name_width)) if name else "",
                "facet_order": order,
                "_area": row.get("area_code"),
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "target_id": pl.Int64,
            "polarity": pl.Utf8,
            "facet_title": pl.Utf8,
            "facet_subtitle": pl.Utf8,
            "facet_name": pl.Utf8,
            "facet_order": pl.Int64,
            "_area": pl.Utf8,
        },
    )
    # facet titles key the cells: make repeated codes (two areas, two versions) distinct
    repeated = pl.col("facet_title").is_duplicated()
    frame = frame.with_columns(
        facet_title=pl.when(repeated & pl.col("_area").is_not_null())
        .then(pl.col("facet_title") + pl.lit(" · ") + pl.col("_area"))
        .otherwise(pl.col("facet_title"))
    )
    return frame.with_columns(
        facet_title=pl.when(pl.col("facet_title").is_duplicated())
        .then(pl.col("facet_title") + pl.lit(" #") + pl.col("target_id").cast(pl.Utf8))
        .otherwise(pl.col("facet_title"))
    ).drop("_area")


def small_multiples(
    data: pl.DataFrame,
    meta: pl.DataFrame,
    columns: int = 3,
    *,
    width: int = 220,
    height: int = 140,
    max_charts: int = 40,
) -> alt.FacetChart:
    """One small trajectory chart per target of ``meta`` (in its row order), in a grid.

    ``meta`` columns: ``target_id, indicator_code, unit, polarity, decimals`` and ``rag``
    (or ``status_text``; ``title`` overrides the code) — ``Assessment.targets`` fits as is.

    Built as one faceted layer spec with independent x and y scales rather than a
    concatenation of separate charts: the spec stays the size of one chart, so building and
    validating 36 small multiples takes a fraction of a second instead of ~5 s per rerun.
    Each cell shows only its own target's rows (the facet filters them).
    """
    if meta.height > max_charts:
        raise ValueError(f"{meta.height} targets: at most {max_charts} small multiples")
    facets = _facet_meta(meta, name_width=max(12, width // 6))
    ids = facets["target_id"].implode()
    data = data.filter(pl.col("target_id").is_in(ids))
    data = _prepared(data, facets.select("target_id", "polarity"), clip_forecast=True).join(
        facets.select("target_id", "facet_title", "facet_subtitle", "facet_name", "facet_order"),
        on="target_id",
        how="left",
        maintain_order="left",
    )
    data = _with_tick_rows(data, width)
    decimals = meta["decimals"].drop_nulls().max() if "decimals" in meta.columns else 1
    layers, _ = _layers(
        data,
        unit="",
        decimals=int(decimals if decimals is not None else 1),  # type: ignore[arg-type]
        compact=True,
        legend=True,  # one legend for the grid says what each line is
        pick=False,
        legend_orient="top",
        legend_columns=6,
        domain=None,
        tick_y=height,
    )
    # each cell's title, indicator name (wrapped, never cut) and subtitle are text marks
    # above the plot (the facet headers are hidden): a header could not carry three styles
    name_lines = max((n.count("\n") + 1 for n in facets["facet_name"] if n), default=0)
    top = 6 + 12 + 4 + 12 * name_lines + 15  # subtitle, gap, name lines, title
    heading = alt.Chart().transform_filter(alt.datum.layer == "target")
    cell_title = (
        heading.mark_text(
            align="left",
            baseline="top",
            fontSize=12,
            fontWeight="bold",
            color=INK,
            limit=width,
        )
        .encode(x=alt.value(0), y=alt.value(-top), text="facet_title:N")
        .properties(name="facet_title")
    )
    cell_name = (
        heading.mark_text(
            align="left", baseline="top", fontSize=10, color=INK, lineBreak="\n", lineHeight=12
        )
        .encode(x=alt.value(0), y=alt.value(-top + 16), text="facet_name:N")
        .properties(name="facet_name")
    )
    subtitle = (
        heading.mark_text(align="left", baseline="bottom", fontSize=10, color=GREY, limit=width)
        .encode(x=alt.value(0), y=alt.value(-6), text="facet_subtitle:N")
        .properties(name="facet_subtitle")
    )
    header = alt.Header(title=None, labels=False, labelExpr="''", labelPadding=0)
    titles = facets.sort("facet_order")["facet_title"].to_list()
    return (
        alt.layer(*layers, cell_title, cell_name, subtitle, data=_embedded(data))
        .properties(width=width, height=height)
        .facet(
            facet=alt.Facet("facet_title:N", sort=titles, header=header, title=None),
            columns=columns,
            spacing={"row": 20, "column": 24},
        )
        .resolve_scale(x="independent", y="independent")
        .properties(
            config=chart_config(compact=True),
            description="Small multiples: "
            + "; ".join(
                _description(
                    data.filter(pl.col("target_id") == r["target_id"]),
                    r["facet_title"],
                    r["polarity"],
                )
                for r in facets.iter_rows(named=True)
            ),
        )
    )


# --- block status ----------------------------------------------------------------------------
_BLOCK_STATUS = [  # (count column, rag key)
    ("green", "green"),
    ("amber", "amber"),
    ("red", "red"),
    ("no_data", None),
]


def block_status_chart(
    block_counts: pl.DataFrame,
    *,
    width: int | str = "container",
    bar_height: int = 26,
    configure: bool = True,
) -> alt.Chart:
    """A horizontal stacked bar per block: how many targets are on track, behind, off track
    or without data.

    Input: ``metrics.block_assessment`` output (``block_code, green, amber, red, no_data``;
    rows of several areas are summed per block). Optional ``block_name`` (else the code is
    shown) and ``block_order`` (else input order) — join them from ``Assessment.targets``.
    """
    counts = [c for c, _ in _BLOCK_STATUS]
    names = ["block_code"] + [c for c in ("block_name", "block_order") if c in block_counts.columns]
    frame = (
        block_counts.with_row_index("_row")
        .group_by(names, maintain_order=True)
        .agg(pl.col("_row").min(), *(pl.col(c).fill_null(0).sum() for c in counts))
    )
    if "block_name" not in frame.columns:
        frame = frame.with_columns(block_name=pl.col("block_code"))
    sort_key = "block_order" if "block_order" in frame.columns else "_row"
    frame = frame.sort(sort_key, "_row").with_columns(
        block=pl.coalesce("block_name", "block_code"),
        total=pl.sum_horizontal(counts),
    )
    words = {c: STATUS[k][1] for c, k in _BLOCK_STATUS}
    symbols = {c: STATUS[k][0] for c, k in _BLOCK_STATUS}
    colours = [STATUS_FILL[k] for _, k in _BLOCK_STATUS]
    cases = (f"datum.label == '{words[c]}' ? '{symbols[c]} {words[c]}'" for c in counts)
    legend_labels = " : ".join(cases) + " : datum.label"
    long = (
        frame.unpivot(index=["block", "total"], on=counts, variable_name="_c", value_name="count")
        .with_columns(
            status=pl.col("_c").replace_strict(words),
            # the status symbol beside each count, so the bar reads without its colour
            label=pl.col("_c").replace_strict(symbols) + " " + pl.col("count").cast(pl.Utf8),
            status_order=pl.col("_c").replace_strict({c: i for i, c in enumerate(counts)}),
            share=pl.col("count") / pl.col("total").clip(lower_bound=1),
        )
        .drop("_c")
    )
    block_order = frame.get_column("block").to_list()
    domain = [words[c] for c in counts]
    y = alt.Y(
        "block:N",
        sort=block_order,
        title=None,
        axis=alt.Axis(labelLimit=260, ticks=False, labelColor=INK, labelPadding=6),
    )
    x = alt.X(
        "count:Q",
        stack="zero",
        title="Targets",
        axis=alt.Axis(tickMinStep=1, format="d", grid=True),
    )
    bars = (
        alt.Chart()
        .mark_bar(height=bar_height, stroke="white", strokeWidth=1)
        .encode(
            y=y,
            x=x,
            color=alt.Color(
                "status:N",
                scale=alt.Scale(domain=domain, range=colours),
                # the bars' symbols in the legend too: "● On track", "▲ Behind", ...
                legend=alt.Legend(
                    title=None, orient="bottom", direction="horizontal", labelExpr=legend_labels
                ),
                sort=domain,
            ),
            order=alt.Order("status_order:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("block:N", title="Block"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("count:Q", title="Targets"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
    )
    labels = (
        alt.Chart()
        .transform_filter(alt.datum.count > 0)
        .mark_text(fontWeight="bold", fontSize=11)
        .encode(
            y=y,
            # white on green, red and grey; dark on amber, where white fails contrast
            color=alt.when(alt.datum.status == words["amber"])
            .then(alt.value(INK))
            .otherwise(alt.value("white")),
            x=alt.X("count:Q", stack="zero", bandPosition=0.5),
            detail="status:N",
            order=alt.Order("status_order:Q", sort="ascending"),
            text="label:N",
        )
    )
    chart = alt.layer(bars, labels, data=long).properties(
        title=alt.TitleParams("Targets by status in each block"),
        width=width,
        height=alt.Step(bar_height + 10),
        description="; ".join(
            f"{r['block']}: " + ", ".join(f"{r[c]} {words[c].lower()}" for c in counts)
            for r in frame.to_dicts()
        ),
    )
    return apply_config(chart) if configure else chart  # type: ignore[return-value]


# --- export ----------------------------------------------------------------------------------
def _fixed_width(spec: Any, width: int) -> Any:
    """Replace ``width: "container"`` (which a headless renderer cannot size) by pixels."""
    if isinstance(spec, Mapping):
        return {
            k: (width if k == "width" and v == "container" else _fixed_width(v, width))
            for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [_fixed_width(v, width) for v in spec]
    return spec


def export_heading(subject: str, area_name: str, as_at: date) -> str:
    """The title of an exported chart, which travels without the page around it:
    ``BV126 Vehicle crime — Thornbury Vale, as at 30 Nov 2008``."""
    return f"{subject} — {area_name}, as at {as_at.day} {as_at:%b %Y}"


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _export_title(spec: dict[str, Any], heading: str, lead: str | None) -> dict[str, Any]:
    """``spec`` with ``heading`` (wrapped) as its title; ``lead`` (e.g. which way is good)
    then the chart's own subtitle lines under it."""
    old = spec.get("title")
    old = old if isinstance(old, Mapping) else {"text": old} if old else {}
    subtitle = ([lead] if lead else []) + _lines(old.get("subtitle"))
    title = {k: v for k, v in old.items() if k not in ("text", "subtitle")}
    title |= {"text": wrap_lines(heading, 80)} | ({"subtitle": subtitle} if subtitle else {})
    if not old:  # a grid has no title of its own: as large as a big chart's
        title["fontSize"] = 16
    return {**spec, "title": title}


def export_spec(
    chart: alt.TopLevelMixin,
    *,
    width: int = 800,
    title: str | None = None,
    lead: str | None = None,
) -> dict[str, Any]:
    """The Vega-Lite spec an image is rendered from: fixed width, and ``title`` (see
    :func:`export_heading`) in place of the on-screen title."""
    spec = _spec(chart, width)
    return _export_title(spec, title, lead) if title else spec


def _spec(chart: alt.TopLevelMixin, width: int) -> dict[str, Any]:
    # the default transformer refuses more than 5,000 rows; exports are explicit requests
    with alt.data_transformers.enable("default", max_rows=None):
        return _fixed_width(chart.to_dict(), width)


def chart_png(
    chart: alt.TopLevelMixin,
    *,
    scale: float = 2,
    width: int = 800,
    title: str | None = None,
    lead: str | None = None,
) -> bytes:
    """The chart as PNG bytes (vl-convert), for a download button; ``title`` and ``lead``
    as in :func:`export_spec`."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart, width=width, title=title, lead=lead), scale=scale)


def chart_svg(chart: alt.TopLevelMixin, *, width: int = 800) -> str:
    """The chart as SVG text (vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(_spec(chart, width))
