"""Charts and tables of upward reporting: the reporting-lines map and the burden map (issue 6).

Pure builders in the visual language of `dashboard.charts`: polars frames in, Altair charts or
display frames out; no Streamlit, no SQL. The frames come from `store.reporting_lines` (one row
per line: indicator × recipient × return) and `metrics.burden`.

The matrix draws one small square per reporting line: a row per indicator (grouped by block), a
column per recipient, several returns to one recipient side by side in its column. The fill
says how often the line is sent (a sequential scale, monthly darkest); a line that stops or is
replaced once the LAA is signed is drawn hollow with a cross, so the distinction never rests
on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from dashboard.charts import FONT, GREY, GRID, INK, apply_config
from dashboard.metrics.burden import BURDEN_COLUMNS, ITEMS_PER_YEAR
from data_models.vocab import FREQUENCIES, RECIPIENT_TYPES

__all__ = [
    "BURDEN_HEADERS",
    "BURDEN_HELP",
    "DOWNLOAD_COLUMNS",
    "LINE_COLUMNS",
    "STATUS_WORDS",
    "burden_by_area_chart",
    "burden_by_block_chart",
    "burden_table",
    "duplicates_chart",
    "duplicates_data",
    "filter_lines",
    "line_counts",
    "line_table",
    "matrix_data",
    "reporting_matrix",
]

STATUS_WORDS = {
    "continues": "Continues",
    "stops": "Stops once the LAA is signed",
    "replaced": "Replaced by the LAA return",
}
RECIPIENT_TYPE_WORDS = {
    "department": "Government department",
    "go": "Government Office",
    "regulator": "Inspectorate or regulator",
    "lsp_board": "LSP board",
}
# monthly darkest: the lines that cost most stand out (viridis, without its pale yellow end)
FREQUENCY_COLOURS = ["#440154", "#3b528b", "#21918c", "#35b779", "#90d743", "#c8e020"]
CONTINUES, NOT_AFTER = "Continues", "Stops or replaced"
# The frequency as a letter in each square, so the map reads without telling colours apart.
FREQUENCY_LETTERS = {
    "monthly": "M", "quarterly": "Q", "termly": "T", "annual": "A", "biennial": "2",
    "triennial": "3",
}  # fmt: skip
FREQUENCY_WORDS = {"biennial": "every 2 years", "triennial": "every 3 years"}
# white letters on the two darkest fills only; ink passes contrast on the others and on hollows
_LIGHT_LETTERS = ("monthly", "quarterly")

# Readable headers of the line tables. The downloads keep every column; the page's tables
# show `indicator` (code · name) and the short status, to fit the page without scrolling.
LINE_COLUMNS = {
    "indicator_code": "Indicator code",
    "indicator_name": "Indicator name",
    "indicator": "Indicator",
    "block_name": "Block",
    "recipient": "Recipient",
    "return_name": "Return",
    "frequency": "Frequency",
    "format": "Format",
    "due_days": "Due (days)",
    "status": "Once the LAA is signed",
    "status_short": "After the LAA",
    "items_a_year": "Items a year",
}
DOWNLOAD_COLUMNS = (
    "indicator_code", "indicator_name", "block_name", "recipient", "return_name", "frequency",
    "format", "due_days", "status", "items_a_year",
)  # fmt: skip
SHORT_STATUS = {"continues": "Continues", "stops": "Stops", "replaced": "Replaced"}

BURDEN_HEADERS = {
    "indicators": "Indicators",
    "lines_before": "Lines without LAA",
    "lines_after": "Lines with LAA",
    "items_before": "Items without LAA",
    "items_after": "Items with LAA",
    "items_removed": "Items removed",
    "items_once": "Items entered once",
    "items_saved_by_once": "Items saved",
    "duplicated_before": "2+ recipients without LAA",
    "duplicated_after": "2+ recipients with LAA",
}
# What each header means (the tables' column help).
BURDEN_HELP = {
    "indicators": "Indicators reported (indicator × area, across several areas)",
    "lines_before": "Upward reporting lines without the LAA",
    "lines_after": "Upward reporting lines that continue once the LAA is signed",
    "items_before": "Data items a year sent upward without the LAA",
    "items_after": "Data items a year still sent upward with the LAA",
    "items_removed": "Data items a year the LAA stopped or replaced",
    "items_once": "Data items a year keyed once into the dashboard",
    "items_saved_by_once": "Data items a year sent upward but built from figures entered once",
    "duplicated_before": "Indicators going to two or more recipients without the LAA",
    "duplicated_after": "Indicators going to two or more recipients with the LAA",
}
_ITEM_COLUMNS = [c for c in BURDEN_COLUMNS if c.startswith("items_")]

# What the matrix's rows carry: its encodings and its tooltip (and line_id, to trace a square).
MATRIX_COLUMNS = (
    "line_id", "block", "block_order", "indicator_code", "indicator_name", "indicator",
    "recipient_type", "recipient", "slot", "return_name", "frequency", "format", "due",
    "laa_status", "status", "after_laa", "items_a_year", "letter",
)  # fmt: skip


# --- reporting lines: filters, counts, tables --------------------------------------------------
def filter_lines(
    lines: pl.DataFrame,
    *,
    block: str | None = None,
    recipient_type: str | None = None,
    laa_status: str | None = None,
    search: str = "",
) -> pl.DataFrame:
    """The lines of one block / recipient type / LAA status (None: all) whose indicator code
    or name contains `search` (case-insensitive, taken literally)."""
    conditions = [pl.lit(True)]
    if block:
        conditions.append(pl.col("block_code") == block)
    if recipient_type:
        conditions.append(pl.col("recipient_type") == recipient_type)
    if laa_status:
        conditions.append(pl.col("laa_status") == laa_status)
    needle = search.strip().lower()
    if needle:
        conditions.append(
            pl.col("indicator_code").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("indicator_name").str.to_lowercase().str.contains(needle, literal=True)
        )
    return lines.filter(pl.all_horizontal(conditions))


def line_counts(lines: pl.DataFrame) -> dict[str, int]:
    """Indicators, lines, and lines that continue / stop / are replaced once the LAA is signed."""
    status = lines["laa_status"]
    return {
        "indicators": lines["indicator_code"].n_unique(),
        "lines": lines.height,
        **{s: int((status == s).sum()) for s in STATUS_WORDS},
    }


def _status_expr() -> pl.Expr:
    return pl.col("laa_status").replace_strict(
        STATUS_WORDS, default=pl.col("laa_status"), return_dtype=pl.Utf8
    )


def _items_expr() -> pl.Expr:
    return pl.col("frequency").replace_strict(ITEMS_PER_YEAR, default=None, return_dtype=pl.Float64)


def line_table(lines: pl.DataFrame, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """Lines with readable headers (`LINE_COLUMNS`), in block and indicator order; by default
    the columns of a download (`DOWNLOAD_COLUMNS`)."""
    wanted = list(columns or DOWNLOAD_COLUMNS)
    frame = lines.sort("block_order", "indicator_code", "recipient", "return_name").with_columns(
        indicator=pl.format("{} · {}", "indicator_code", "indicator_name"),
        status=_status_expr(),
        status_short=pl.col("laa_status").replace_strict(
            SHORT_STATUS, default=pl.col("laa_status"), return_dtype=pl.Utf8
        ),
        items_a_year=_items_expr().round(2),
    )
    return frame.select(pl.col(c).alias(LINE_COLUMNS[c]) for c in wanted)


# --- reporting lines: the matrix ---------------------------------------------------------------
def _recipient_order(lines: pl.DataFrame) -> list[str]:
    """Departments first, then the GO, the regulators and the LSP board; by name within."""
    rank = {t: i for i, t in enumerate(RECIPIENT_TYPES)}
    order = (
        lines.select(
            "recipient", _rank=pl.col("recipient_type").replace_strict(rank, default=len(rank))
        )
        .group_by("recipient")
        .agg(pl.col("_rank").min())
        .sort("_rank", "recipient")
    )
    return order["recipient"].to_list()


def matrix_data(lines: pl.DataFrame, *, label_chars: int = 46) -> pl.DataFrame:
    """One row per reporting line, with what the matrix encodes and its tooltip shows.

    `slot` numbers the lines of one indicator to one recipient (0, 1, ...), so that several
    returns to the same recipient sit side by side in its column.
    """
    name = pl.col("indicator_name")
    short = (
        pl.when(name.str.len_chars() > label_chars)
        .then(name.str.slice(0, label_chars - 1).str.strip_chars() + "…")
        .otherwise(name)
    )
    return (
        lines.sort("block_order", "indicator_code", "recipient", "return_name")
        .with_columns(
            indicator=pl.col("indicator_code") + " · " + short,
            slot=pl.int_range(pl.len()).over("indicator_code", "recipient").cast(pl.Int64),
            status=_status_expr(),
            after_laa=pl.when(pl.col("laa_status") == "continues")
            .then(pl.lit(CONTINUES))
            .otherwise(pl.lit(NOT_AFTER)),
            items_a_year=_items_expr().round(2),
            due=pl.when(pl.col("due_days").is_null())
            .then(pl.lit("—"))
            .otherwise(pl.format("{} days after the period end", pl.col("due_days"))),
            block=pl.format("{} ({})", pl.col("block_name"), pl.col("block_code")),
            # "Q" for a quarterly line that continues; "×Q" for one that stops or is replaced
            letter=pl.when(pl.col("laa_status") == "continues")
            .then(pl.lit(""))
            .otherwise(pl.lit("×"))
            + pl.col("frequency").replace_strict(
                FREQUENCY_LETTERS, default="?", return_dtype=pl.Utf8
            ),
        )
        .select(MATRIX_COLUMNS)
    )


def reporting_matrix(
    lines: pl.DataFrame, *, row_height: int = 16, column_width: int = 40, configure: bool = True
) -> alt.FacetChart:
    """Indicators (rows, grouped by block) × recipients (columns), a square per line coloured
    by frequency; hollow with a cross when the line stops or is replaced under the LAA."""
    data = matrix_data(lines)
    recipients = _recipient_order(data)
    slots = max(int(data["slot"].max() or 0) + 1, 1) if data.height else 1
    frequencies = [f for f in FREQUENCIES]
    x = alt.X(
        "recipient:N",
        sort=recipients,
        title=None,
        scale=alt.Scale(domain=recipients, paddingInner=0.25, paddingOuter=0.1),
        # Labels slant up and to the left, into the empty corner above the indicator names,
        # so the last columns' names never run off the right edge; none is dropped for overlap.
        axis=alt.Axis(
            orient="top", labelAngle=35, labelAlign="right", labelBaseline="middle",
            labelLimit=300, labelColor=INK, labelFontSize=11, labelOverlap=False,
            labelFlush=False, ticks=False, domain=False, grid=True, gridColor=GRID,
            labelPadding=4, bandPosition=0,
        ),
    )  # fmt: skip
    y = alt.Y(
        "indicator:N",
        sort=alt.EncodingSortField("indicator_code", order="ascending"),
        title=None,
        scale=alt.Scale(paddingInner=0.2, paddingOuter=0.1),
        axis=alt.Axis(
            labelLimit=320,
            labelColor=INK,
            labelFontSize=11,
            labelOverlap=False,
            labelFlush=False,
            ticks=False,
            domain=False,
            labelPadding=6,
        ),
    )
    x_offset = alt.XOffset("slot:O", scale=alt.Scale(domain=list(range(slots)), paddingInner=0.15))
    frequency = alt.Scale(domain=frequencies, range=FREQUENCY_COLOURS)
    tooltip = [
        alt.Tooltip("indicator_code:N", title="Indicator"),
        alt.Tooltip("indicator_name:N", title="Name"),
        alt.Tooltip("recipient:N", title="Recipient"),
        alt.Tooltip("return_name:N", title="Return"),
        alt.Tooltip("frequency:N", title="Frequency"),
        alt.Tooltip("format:N", title="Format"),
        alt.Tooltip("due:N", title="Due"),
        alt.Tooltip("status:N", title="Once the LAA is signed"),
        alt.Tooltip("items_a_year:Q", title="Data items a year", format=".2~f"),
    ]
    cells = (
        alt.Chart()
        .mark_rect(strokeWidth=1.5, cornerRadius=1)
        .encode(
            x=x,
            y=y,
            xOffset=x_offset,
            fill=alt.Fill(
                "frequency:N", scale=frequency, sort=frequencies,
                legend=alt.Legend(
                    title="How often it is sent", orient="top", direction="horizontal",
                    labelExpr=_legend_labels(frequencies),
                ),
            ),
            stroke=alt.Stroke("frequency:N", scale=frequency, sort=frequencies, legend=None),
            # Vega-Lite draws no legend for fillOpacity: the subtitle explains the hollow cells.
            fillOpacity=alt.FillOpacity(
                "after_laa:N",
                scale=alt.Scale(domain=[CONTINUES, NOT_AFTER], range=[1.0, 0.12]),
                legend=None,
            ),
            tooltip=tooltip,
        )
    )  # fmt: skip
    light = alt.FieldOneOfPredicate(field="frequency", oneOf=list(_LIGHT_LETTERS))
    continues = alt.FieldEqualPredicate(field="after_laa", equal=CONTINUES)
    letters = (
        alt.Chart()
        .mark_text(fontSize=9, fontWeight="bold", baseline="middle", font=FONT)
        .encode(
            x=x, y=y, xOffset=x_offset, text="letter:N", tooltip=tooltip,
            color=alt.when(light, continues).then(alt.value("white")).otherwise(alt.value(INK)),
        )
    )  # fmt: skip
    # With an x offset the width step is the step of one slot, not of a recipient's column.
    layered = alt.layer(cells, letters).properties(
        width=alt.Step(max(column_width // slots, 8)), height=alt.Step(row_height)
    )
    chart = (
        layered.facet(
            row=alt.Row(
                "block:N",
                sort=alt.EncodingSortField("block_order", order="ascending"),
                title=None,
                header=alt.Header(
                    labelAngle=0, labelOrient="top", labelAnchor="start", labelFontSize=13,
                    labelFontWeight="bold", labelColor=INK, labelFont=FONT, labelPadding=4,
                ),
            ),
            data=data,
        )
        .resolve_scale(y="independent")
        .properties(
            title=alt.TitleParams(
                "Who receives each indicator, and how often",
                subtitle=[
                    "One square per return, coloured and lettered by how often it is sent "
                    "(M monthly, Q quarterly, T termly, A annual, 2 or 3: every 2 or 3 years).",
                    "Hollow with × : the return stops, or is replaced by the LAA return, once "
                    "the LAA is signed.",
                    "Hover a square for the return's name, format and due date.",
                ],
            ),
            spacing=10,
            description=_matrix_description(data),
        )
    )  # fmt: skip
    return apply_config(chart) if configure else chart  # type: ignore[return-value]


def _legend_labels(frequencies: Sequence[str]) -> str:
    """A Vega expression naming each frequency with its letter: `Q quarterly`."""
    cases = " : ".join(
        f"datum.label == '{f}' ? '{FREQUENCY_LETTERS[f]} {FREQUENCY_WORDS.get(f, f)}'"
        for f in frequencies
    )
    return f"{cases} : datum.label"


def _matrix_description(data: pl.DataFrame) -> str:
    counts = line_counts(data)
    return (
        f"Matrix of {counts['indicators']} indicators by {data['recipient'].n_unique()} "
        f"recipients: {counts['lines']} reporting lines, {counts['continues']} continue, "
        f"{counts['stops']} stop and {counts['replaced']} are replaced once the LAA is signed."
    )


# --- burden: tables ----------------------------------------------------------------------------
def burden_table(frame: pl.DataFrame, labels: dict[str, str] | None = None) -> pl.DataFrame:
    """A `metrics.burden.burden` frame with readable headers and items rounded to 1 dp.

    `labels` renames the grouping columns (e.g. ``{"block_name": "Block"}``); grouping columns
    not named there are dropped.
    """
    labels = labels or {}
    return frame.select(
        *(pl.col(c).alias(name) for c, name in labels.items()),
        *(
            (pl.col(c).round(1) if c in _ITEM_COLUMNS else pl.col(c)).alias(BURDEN_HEADERS[c])
            for c in BURDEN_COLUMNS
        ),
    )


# --- burden: charts ----------------------------------------------------------------------------
BEFORE, AFTER, ONCE = "Without the LAA", "With the LAA", "Entered once with the dashboard"
_BURDEN_SERIES = {"items_before": BEFORE, "items_after": AFTER, "items_once": ONCE}
_BURDEN_COLOURS = ["#b1b4b6", "#5694ca", "#003078"]  # grey, light blue, navy


def burden_by_block_chart(
    per_block: pl.DataFrame, *, bar_height: int = 16, configure: bool = True
) -> alt.LayerChart:
    """Grouped horizontal bars per block: items a year without the LAA, with it, and entered
    once. Input: `burden(..., by=("block_code",))` joined with ``block_name, block_order``."""
    series = list(_BURDEN_SERIES.values())
    long = (
        per_block.sort("block_order")
        .unpivot(index=["block_name"], on=list(_BURDEN_SERIES), variable_name="_m", value_name="items")
        .with_columns(
            measure=pl.col("_m").replace_strict(_BURDEN_SERIES),
            items=pl.col("items").round(1),
        )
        .drop("_m")
    )  # fmt: skip
    blocks = per_block.sort("block_order")["block_name"].to_list()
    y = alt.Y(
        "block_name:N", sort=blocks, title=None,
        axis=alt.Axis(labelLimit=260, ticks=False, labelColor=INK, labelPadding=6,
                     labelOverlap=False, labelFlush=False),
    )  # fmt: skip
    y_offset = alt.YOffset("measure:N", sort=series, scale=alt.Scale(domain=series))
    x = alt.X("items:Q", title="Data items a year", axis=alt.Axis(grid=True, tickMinStep=1))
    bars = (
        alt.Chart()
        .mark_bar(height=bar_height)
        .encode(
            y=y, yOffset=y_offset, x=x,
            color=alt.Color(
                "measure:N", sort=series, scale=alt.Scale(domain=series, range=_BURDEN_COLOURS),
                legend=alt.Legend(title=None, orient="bottom", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("block_name:N", title="Block"),
                alt.Tooltip("measure:N", title="Counted"),
                alt.Tooltip("items:Q", title="Data items a year", format=",.1f"),
            ],
        )
    )  # fmt: skip
    labels = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=11, color=INK)
        .encode(y=y, yOffset=y_offset, x=x, text=alt.Text("items:Q", format=",.1f"))
    )
    chart = alt.layer(bars, labels, data=long).properties(
        title=alt.TitleParams(
            "Data items a year sent upward, by block",
            subtitle="Without the LAA, with it, and entered once into the dashboard",
        ),
        width="container",
        height=alt.Step(bar_height + 2),
        description="; ".join(
            f"{r['block_name']}: {r['items_before']:.1f} items a year without the LAA, "
            f"{r['items_after']:.1f} with it, {r['items_once']:.1f} entered once"
            for r in per_block.sort("block_order").iter_rows(named=True)
        ),
    )
    return apply_config(chart) if configure else chart  # type: ignore[return-value]


REMOVED, SAVED = "Removed by the LAA", "Saved by reporting once"


def burden_by_area_chart(
    per_area: pl.DataFrame, *, bar_height: int = 18, configure: bool = True
) -> alt.LayerChart:
    """Stacked bars per area: items a year the LAA removed, and the further items saved by
    entering each figure once. Input: `burden(..., by=("area_code", "area_name"))`."""
    frame = per_area.with_columns(
        area=pl.format("{} ({})", "area_name", "area_code"),
        total=(pl.col("items_removed") + pl.col("items_saved_by_once")).round(1),
    ).sort("total", "area_code", descending=[True, False])
    order = frame["area"].to_list()
    long = frame.unpivot(
        index=["area", "total"], on=["items_removed", "items_saved_by_once"],
        variable_name="_m", value_name="items",
    ).with_columns(
        measure=pl.col("_m").replace_strict({"items_removed": REMOVED,
                                              "items_saved_by_once": SAVED}),
        order=pl.col("_m").replace_strict({"items_removed": 0, "items_saved_by_once": 1},
                                          return_dtype=pl.Int64),
        items=pl.col("items").round(1),
    ).drop("_m")  # fmt: skip
    y = alt.Y(
        "area:N", sort=order, title=None,
        axis=alt.Axis(labelLimit=240, ticks=False, labelColor=INK, labelPadding=6,
                     labelOverlap=False, labelFlush=False),
    )  # fmt: skip
    domain = [REMOVED, SAVED]
    bars = (
        alt.Chart()
        .mark_bar(height=bar_height, stroke="white", strokeWidth=1)
        .encode(
            y=y,
            x=alt.X("items:Q", stack="zero", title="Data items a year",
                    axis=alt.Axis(grid=True, tickMinStep=1)),
            color=alt.Color("measure:N", sort=domain,
                            scale=alt.Scale(domain=domain, range=["#1d70b8", "#00703c"]),
                            legend=alt.Legend(title=None, orient="bottom", direction="horizontal")),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("area:N", title="Area"),
                alt.Tooltip("measure:N", title="Counted"),
                alt.Tooltip("items:Q", title="Data items a year", format=",.1f"),
                alt.Tooltip("total:Q", title="Total less than without the LAA", format=",.1f"),
            ],
        )
    )  # fmt: skip
    totals = (
        alt.Chart()
        .transform_filter(alt.datum.order == 1)
        .mark_text(align="left", dx=4, fontSize=11, color=INK)
        .encode(y=y, x=alt.X("total:Q"), text=alt.Text("total:Q", format=",.1f"))
    )
    chart = alt.layer(bars, totals, data=long).properties(
        title=alt.TitleParams(
            "Data items a year no longer keyed, by area",
            subtitle="Removed by the LAA, plus the duplicates the one dataset serves",
        ),
        width="container",
        height=alt.Step(bar_height + 6),
        description="; ".join(
            f"{r['area']}: {r['items_removed']:.1f} removed by the LAA, "
            f"{r['items_saved_by_once']:.1f} saved by reporting once"
            for r in frame.iter_rows(named=True)
        ),
    )
    return apply_config(chart) if configure else chart  # type: ignore[return-value]


def duplicates_data(lines: pl.DataFrame) -> pl.DataFrame:
    """Per indicator going to two or more recipients (before the LAA): how many recipients
    it goes to without and with the LAA. A recipient counts once per indicator."""
    recipient = pl.struct("recipient_type", "recipient_code")
    continues = pl.col("laa_status") == "continues"
    return (
        lines.group_by("indicator_code", "indicator_name", "block_name", "block_order")
        .agg(
            before=recipient.n_unique().cast(pl.Int64),
            after=recipient.filter(continues).n_unique().cast(pl.Int64),
            recipients=pl.col("recipient").unique().sort().str.join(", "),
        )
        .filter(pl.col("before") >= 2)
        .sort("block_order", "indicator_code")
    )


def duplicates_chart(
    duplicates: pl.DataFrame, *, row_height: int = 18, configure: bool = True
) -> alt.LayerChart:
    """A dumbbell per indicator: recipients without the LAA (hollow) and with it (filled)."""
    name = pl.col("indicator_name")
    frame = duplicates.with_columns(
        indicator=pl.col("indicator_code")
        + " · "
        + pl.when(name.str.len_chars() > 44).then(name.str.slice(0, 43) + "…").otherwise(name)
    )
    order = frame["indicator"].to_list()
    long = frame.unpivot(
        index=["indicator", "block_name", "recipients"], on=["before", "after"],
        variable_name="_m", value_name="count",
    ).with_columns(measure=pl.col("_m").replace_strict({"before": BEFORE, "after": AFTER}))  # fmt: skip
    y = alt.Y(
        "indicator:N", sort=order, title=None,
        axis=alt.Axis(labelLimit=320, ticks=False, labelColor=INK, labelPadding=6, grid=False,
                     labelOverlap=False, labelFlush=False, labelFontSize=11),
    )  # fmt: skip
    x = alt.X(
        "count:Q", title="Recipients of the indicator",
        axis=alt.Axis(tickMinStep=1, format="d", grid=True),
        scale=alt.Scale(domainMin=0),
    )  # fmt: skip
    domain = [BEFORE, AFTER]
    rules = (
        alt.Chart()
        .mark_rule(color="#b1b4b6", strokeWidth=2)
        .encode(y=y, x=alt.X("min(count):Q"), x2=alt.X2("max(count):Q"))
    )
    # Without the LAA a large ring, with it a dot: an unchanged count shows as a ringed dot.
    points = (
        alt.Chart()
        .mark_point(strokeWidth=2, opacity=1)
        .encode(
            y=y, x=x,
            color=alt.Color("measure:N", sort=domain,
                            scale=alt.Scale(domain=domain, range=[GREY, "#1d70b8"]),
                            legend=alt.Legend(title=None, orient="top", direction="horizontal")),
            fill=alt.Fill("measure:N", sort=domain,
                          scale=alt.Scale(domain=domain, range=["transparent", "#1d70b8"])),
            size=alt.Size("measure:N", sort=domain, scale=alt.Scale(domain=domain,
                                                                    range=[260, 60])),
            order=alt.Order("measure:N", sort="descending"),
            tooltip=[
                alt.Tooltip("indicator:N", title="Indicator"),
                alt.Tooltip("block_name:N", title="Block"),
                alt.Tooltip("measure:N", title="Counted"),
                alt.Tooltip("count:Q", title="Recipients"),
                alt.Tooltip("recipients:N", title="All recipients"),
            ],
        )
    )  # fmt: skip
    chart = alt.layer(rules, points, data=long).properties(
        title=alt.TitleParams(
            "Indicators sent to two or more recipients",
            subtitle="The same figure keyed for each recipient: ring without the LAA, dot with it",
        ),
        width="container",
        height=alt.Step(row_height),
        description=f"{frame.height} indicators go to two or more recipients without the LAA; "
        f"{int((frame['after'] >= 2).sum())} still do with it.",
    )
    return apply_config(chart) if configure else chart  # type: ignore[return-value]
