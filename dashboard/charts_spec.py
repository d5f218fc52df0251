"""The trajectory charts' Vega-Lite specs built as plain dicts, for the pages.

`dashboard.charts` builds the same charts with Altair (PNG exports, tests, other builders
reuse its pieces). Altair deep-copies every layer and its parameters when layers are combined
and checks each encoding against the schema as it is built: a block's grid of small multiples
took about half a second a page on a national database, most of the Blocks page's server time.
These builders write the identical spec directly — `trajectory_spec(...)` equals
`charts.trajectory_chart(...).to_dict()` and `small_multiples_spec(...)` equals
`charts.small_multiples(...).to_dict()` (tests/unit/test_charts_spec.py holds them equal on
the demo, so the two cannot drift). The data preparation is `dashboard.charts`' own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl

from dashboard import charts as c

Spec = dict[str, Any]


def _tip(field: str, title: str) -> Spec:
    return {"field": field, "title": title, "type": "nominal"}


def _filter(key: str) -> list[Spec]:
    return [{"filter": f"(datum.layer === '{key}')"}]


def _x_axis(data: pl.DataFrame, *, compact: bool) -> Spec:
    """`charts._x_axis` as a dict."""
    common: Spec = {"title": None, "grid": False, "tickSize": 4}
    if compact:
        return {"labels": False, "ticks": False, **common}
    ticks = c.period_ticks(data, 8)
    values = [
        {"year": d.year, "month": d.month, "date": d.day, "utc": True}
        for d in ticks.get_column("period")
    ]
    lookup = ", ".join(
        f"'{d:%Y-%m-%d}': '{label}'"
        for d, label in ticks.select("period", "period_label").iter_rows()
    )
    return {
        "values": values,
        "labelExpr": f"{{{lookup}}}[utcFormat(datum.value, '%Y-%m-%d')] || ''",
        "labelOverlap": "greedy",
        "labelFlush": False,
        **common,
    }


def layers_spec(
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
) -> tuple[list[Spec], Spec | None]:
    """`charts._layers` as dicts: the layers bottom to top, and the legend selection's
    top-level parameter (None without one)."""
    pick = legend if pick is None else pick
    present = c._present(data)
    layers_in = set(data.get_column("layer").unique().to_list())
    colours = [c._style(s)[0] for s in present]
    dashes = [c._style(s)[1] for s in present]
    x_enc: Spec = {
        "field": "period",
        "type": "temporal",
        "title": None,
        "axis": _x_axis(data, compact=compact),
        "scale": {"type": "utc", "padding": 10 if compact else 28},
    }
    y_scale: Spec = {"zero": False, "nice": True, **({"domain": domain} if domain else {})}
    fmt = f",.{max(0, min(int(decimals), 6))}~f"
    y_axis: Spec = (
        {"title": None, "format": fmt, "tickCount": 3, "labelFontSize": 9, "domain": False,
         "ticks": False}
        if compact
        else {"title": c.unit_title(unit), "format": fmt, "tickCount": 6, "domain": False,
              "ticks": False}
    )  # fmt: skip

    def y_enc(field: str = "value") -> Spec:
        return {"field": field, "type": "quantitative", "scale": y_scale, "axis": y_axis}

    leg: Spec | None = (
        {"title": None, "orient": legend_orient, "direction": "horizontal",
         "symbolType": "stroke", "columnPadding": 18, "columns": legend_columns}
        if legend
        else None
    )  # fmt: skip
    colour_scale = {"domain": present, "range": colours}
    colour: Spec = {"field": "series", "type": "nominal", "scale": colour_scale, "legend": leg}
    dash: Spec = {
        "field": "series", "type": "nominal", "scale": {"domain": present, "range": dashes},
        "legend": leg,
    }  # fmt: skip
    selection = legend and pick

    def fade(on: float, off: float = 0.12) -> Spec:
        if not selection:
            return {"value": on}
        return {"condition": [{"param": "series_pick", "value": on}], "value": off * on}

    tip_common = [_tip("series", "Series"), _tip("period_label", "Period"),
                  _tip("value_text", "Value")]  # fmt: skip
    width = 1.6 if compact else 2.5
    n_actual = data.filter(pl.col("layer") == "actual").height
    pt = (14 if compact else 40) * (0.6 if n_actual > 24 else 1.0)
    out: list[Spec] = []

    def layer(key: str, name: str, mark: Spec, encoding: Spec) -> Spec:
        return {"mark": mark, "encoding": encoding, "name": name, "transform": _filter(key)}

    lines = {"x": x_enc, "y": y_enc(), "color": colour, "strokeDash": dash, "opacity": fade(1.0)}
    if "stretch_band" in layers_in:
        out.append(
            layer("stretch_band", "stretch_band",
                  {"type": "area", "color": c.BAND_BLUE, "interpolate": "linear"},
                  {"x": x_enc, "y": y_enc("band_low"), "y2": {"field": "band_high"},
                   "opacity": fade(0.55)})
        )  # fmt: skip
    if "forecast" in layers_in:
        out.append(
            layer("forecast", "forecast_band",
                  {"type": "area", "color": c.FORECAST_BLUE, "clip": True},
                  {"x": x_enc, "y": y_enc("fc_low"), "y2": {"field": "fc_high"},
                   "opacity": fade(0.18), "tooltip": [*tip_common, _tip("note", "Range")]})
        )  # fmt: skip
    for key, name in [("without_reward", "without_line"), ("threshold", "threshold_line")]:
        if key in layers_in:
            out.append(
                layer(key, name, {"type": "line", "strokeWidth": width, "strokeCap": "round"},
                      dict(lines))
            )  # fmt: skip
    out.append(layer("trajectory", "trajectory_line", {"type": "line", "strokeWidth": width},
                     dict(lines)))  # fmt: skip
    anchor_layers = [k for k in ("without_reward", "threshold", "trajectory") if k in layers_in]
    if anchor_layers:
        out.append(
            {
                "mark": {"type": "point", "filled": True, "size": pt * 0.7, "strokeWidth": 0},
                "encoding": {
                    "x": x_enc, "y": y_enc(),
                    "color": {"field": "series", "type": "nominal", "scale": colour_scale,
                              "legend": None},
                    "opacity": fade(0.9), "tooltip": [*tip_common, _tip("note", "Point")],
                },
                "name": "anchor_points",
                "transform": [{"filter": {"field": "layer", "oneOf": anchor_layers}}],
            }
        )  # fmt: skip
    if "forecast" in layers_in:
        out.append(layer("forecast", "forecast_line", {"type": "line", "strokeWidth": width},
                         dict(lines)))  # fmt: skip
        out.append(
            {
                "mark": {"type": "point", "filled": True, "size": pt * 1.4,
                         "color": c.FORECAST_BLUE, "strokeWidth": 0},
                "encoding": {"x": x_enc, "y": y_enc(), "opacity": fade(1.0),
                             "tooltip": [*tip_common, _tip("note", "Range")]},
                "name": "forecast_point",
                "transform": [*_filter("forecast"), {"filter": "(datum.note !== 'Latest actual')"}],
            }
        )  # fmt: skip
    out.append(
        layer("actual", "actual_line",
              {"type": "line", "strokeWidth": width + 0.3, "color": c.INK}, dict(lines))
    )  # fmt: skip
    out.append(
        layer("actual", "actual_points",
              {"type": "point", "filled": True, "size": pt * 1.6, "strokeWidth": 1.5,
               "color": c.INK, "stroke": c.INK},
              {"x": x_enc, "y": y_enc(),
               "fill": {"condition": [{"test": "(datum.status === 'provisional')",
                                       "value": "white"}], "value": c.INK},
               "opacity": fade(1.0),
               "tooltip": [*tip_common, _tip("status", "Status"),
                           _tip("expected_text", "Expected")]})
    )  # fmt: skip
    target_tip = [*tip_common, _tip("note", "Kind")]
    out.append(
        layer("target", "target_marker",
              {"type": "point", "shape": "diamond", "filled": True,
               "size": 70 if compact else 190, "color": c.TARGET_NAVY, "stroke": "white",
               "strokeWidth": 1},
              {"x": x_enc, "y": y_enc(), "tooltip": target_tip})
    )  # fmt: skip
    gap = 5
    text_props: Spec = {
        "align": "right",
        "baseline": {"expr": "datum.label_below ? 'top' : 'bottom'"},
        "dx": -4 if compact else -9,
        "dy": {"expr": f"datum.label_below ? {gap} : {-gap}"},
        "fontSize": 9 if compact else 12,
        "fontWeight": "bold",
    }
    text = {"field": "label_short" if compact else "label", "type": "nominal"}
    out.append(
        layer("target", "target_label_halo",
              {"type": "text", "stroke": "white", "strokeWidth": 3, "strokeJoin": "round",
               **text_props},
              {"x": x_enc, "y": y_enc(), "text": text})
    )  # fmt: skip
    out.append(
        layer("target", "target_label", {"type": "text", "color": c.TARGET_NAVY, **text_props},
              {"x": x_enc, "y": y_enc(), "text": text, "tooltip": target_tip})
    )  # fmt: skip
    if tick_y is not None and "x_tick" in layers_in:
        out.append(
            layer("x_tick", "x_tick_marks",
                  {"type": "tick", "orient": "vertical", "size": 4, "thickness": 1,
                   "color": "#b1b4b6"},
                  {"x": x_enc, "y": {"value": tick_y + 2}})
        )  # fmt: skip
        out.append(
            layer("x_tick", "x_tick_labels",
                  {"type": "text", "baseline": "top", "fontSize": 9, "color": c.GREY,
                   "align": {"expr": "datum.tick_align"}},
                  {"x": x_enc, "y": {"value": tick_y + 5},
                   "text": {"field": "period_label", "type": "nominal"}})
        )  # fmt: skip
    param = (
        {"name": "series_pick", "select": {"type": "point", "fields": ["series"]},
         "bind": "legend", "views": ["trajectory_line"]}
        if selection
        else None
    )  # fmt: skip
    return out, param


def _top_level(spec: Spec, frame: pl.DataFrame, config: alt.Config) -> Spec:
    """The chart's data as a named dataset and its config under the active theme's, as
    Altair's `to_dict` writes them."""
    values = alt.data_transformers.get()(frame)["values"]  # type: ignore[index]
    name = (
        "data-"
        + hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:32]
    )
    themed = alt.theme.get()  # type: ignore[attr-defined]
    top = {"config": config.to_dict(validate=False), "data": {"name": name}, **spec}
    top["$schema"] = alt.SCHEMA_URL
    top = alt.utils.update_nested(themed() if themed else {}, top, copy=True)
    top["datasets"] = {name: values}
    return top


def trajectory_spec(
    data: pl.DataFrame,
    *,
    title: str,
    unit: str,
    polarity: str,
    decimals: int,
    subtitle: str | Sequence[str] | None = None,
    height: int = 360,
    width: int | str = "container",
    font_size: int | None = None,
) -> Spec:
    """`charts.trajectory_chart(...).to_dict()`, built directly."""
    data = c._prepared(c._one_target(data), polarity, clip_forecast=False)
    layers, param = layers_spec(
        data, unit=unit, decimals=decimals, compact=False, legend=True,
        domain=c._y_domain(data),
    )  # fmt: skip
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
    phrase = c.polarity_phrase(polarity)
    text = c._title_text(title if phrase in title else f"{title} — {phrase}", c.TITLE_CHARS)
    spec: Spec = {
        "layer": layers,
        "description": c._description(data, title, polarity),
        "height": height,
        "title": {"text": text, **({"subtitle": subtitles} if subtitles else {})},
        "width": width,
    }
    if param is not None:
        spec["params"] = [param]
    return _top_level(spec, c._embedded(data), c.chart_config(font_size=font_size))


def small_multiples_spec(
    data: pl.DataFrame,
    meta: pl.DataFrame,
    columns: int = 3,
    *,
    width: int = 220,
    height: int = 140,
    max_charts: int = 40,
) -> Spec:
    """`charts.small_multiples(...).to_dict()`, built directly."""
    if meta.height > max_charts:
        raise ValueError(f"{meta.height} targets: at most {max_charts} small multiples")
    facets = c._facet_meta(meta, name_width=max(12, width // 6))
    ids = facets["target_id"].implode()
    data = data.filter(pl.col("target_id").is_in(ids))
    data = c._prepared(data, facets.select("target_id", "polarity"), clip_forecast=True).join(
        facets.select("target_id", "facet_title", "facet_subtitle", "facet_name", "facet_order"),
        on="target_id",
        how="left",
        maintain_order="left",
    )
    data = c._with_tick_rows(data, width)
    decimals = meta["decimals"].drop_nulls().max() if "decimals" in meta.columns else 1
    layers, _ = layers_spec(
        data, unit="", decimals=int(decimals if decimals is not None else 1),  # type: ignore[arg-type]
        compact=True, legend=True, pick=False, legend_orient="top", legend_columns=6,
        domain=None, tick_y=height,
    )  # fmt: skip
    name_lines = max((n.count("\n") + 1 for n in facets["facet_name"] if n), default=0)
    top = 6 + 12 + 4 + 12 * name_lines + 15  # as charts.small_multiples lays its headings out
    heading = _filter("target")
    layers += [
        {"mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 12,
                  "fontWeight": "bold", "color": c.INK, "limit": width},
         "encoding": {"x": {"value": 0}, "y": {"value": -top},
                      "text": {"field": "facet_title", "type": "nominal"}},
         "name": "facet_title", "transform": heading},
        {"mark": {"type": "text", "align": "left", "baseline": "top", "fontSize": 10,
                  "color": c.INK, "lineBreak": "\n", "lineHeight": 12},
         "encoding": {"x": {"value": 0}, "y": {"value": -top + 16},
                      "text": {"field": "facet_name", "type": "nominal"}},
         "name": "facet_name", "transform": heading},
        {"mark": {"type": "text", "align": "left", "baseline": "bottom", "fontSize": 10,
                  "color": c.GREY, "limit": width},
         "encoding": {"x": {"value": 0}, "y": {"value": -6},
                      "text": {"field": "facet_subtitle", "type": "nominal"}},
         "name": "facet_subtitle", "transform": heading},
    ]  # fmt: skip
    titles = facets.sort("facet_order")["facet_title"].to_list()
    description = "Small multiples: " + "; ".join(
        c._description(
            data.filter(pl.col("target_id") == r["target_id"]), r["facet_title"], r["polarity"]
        )
        for r in facets.iter_rows(named=True)
    )
    spec: Spec = {
        "facet": {
            "field": "facet_title", "type": "nominal", "sort": titles, "title": None,
            "header": {"title": None, "labels": False, "labelExpr": "''", "labelPadding": 0},
        },
        "spec": {"layer": layers, "height": height, "width": width},
        "columns": columns,
        "description": description,
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
        "spacing": {"row": 20, "column": 24},
    }  # fmt: skip
    return _top_level(spec, c._embedded(data), c.chart_config(compact=True))
