"""Reporting lines: every return each indicator feeds, and what stops or continues once the LAA
is signed. Administrators edit the lines here or upload them as CSV (audited)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts_reporting as cr
from dashboard.ui import components, loaders, nav, state
from dashboard.ui import reporting_lines as reporting_lines_ui
from dashboard.ui.plain import md
from data_models.vocab import RECIPIENT_TYPES, REPORTING_STATUSES

actor = loaders.actor()
lines = loaders.reporting_lines()

st.title("Reporting lines")
st.caption(
    "Every return each indicator feeds: upward to a government department, the Government "
    "Office and the inspectorates, and across to the LSP board, with how often it is sent and "
    "what happens to it once the LAA is signed. The framework is the same for every area."
)


if lines.is_empty():
    components.empty_state(
        "No reporting lines yet. Add them below, one by one or from a CSV file."
        if actor.is_admin
        else "No reporting lines yet: an administrator adds them on this page."
    )
    reporting_lines_ui.admin_section(actor, lines)
    st.stop()

# ---- filters (remembered in the URL, so a view can be shared)
blocks = lines.select("block_code", "block_name", "block_order").unique().sort("block_order")
block_names = dict(zip(blocks["block_code"], blocks["block_name"], strict=True))
block_col, type_col, status_col, search_col = st.columns([2.2, 1.6, 1.6, 2])
block = state.select(
    "rl_block", "Block", ["", *block_names], container=block_col, publish_default=False,
    format_func=lambda c: block_names.get(c, "All blocks"),
)  # fmt: skip
recipient_type = state.select(
    "rl_recipient", "Recipient", ["", *RECIPIENT_TYPES], container=type_col,
    publish_default=False,
    format_func=lambda t: cr.RECIPIENT_TYPE_WORDS.get(t, "All recipients"),
)  # fmt: skip
laa_status = state.select(
    "rl_status", "Once the LAA is signed", ["", *REPORTING_STATUSES], container=status_col,
    publish_default=False, format_func=lambda s: cr.STATUS_WORDS.get(s, "All lines"),
)  # fmt: skip
search = search_col.text_input(
    "Indicator", key="rl_search", placeholder="Code or words, e.g. BV126 or crime"
)
shown = cr.filter_lines(
    lines, block=block or None, recipient_type=recipient_type or None,
    laa_status=laa_status or None, search=search,
)  # fmt: skip

counts = cr.line_counts(shown)
metrics = [
    ("Indicators", counts["indicators"], "Indicators with at least one line shown"),
    ("Reporting lines", counts["lines"], "One line: an indicator sent in one return to one recipient"),
    ("Continue", counts["continues"], "Still sent once the LAA is signed"),
    ("Stop", counts["stops"], "No longer sent once the LAA is signed"),
    ("Replaced", counts["replaced"], "Replaced by the LAA return to the Government Office"),
]  # fmt: skip
for column, (label, value, help_text) in zip(st.columns(len(metrics)), metrics, strict=True):
    column.metric(label, f"{value:,}", help=help_text, border=True)

if shown.is_empty():
    components.empty_state("No reporting line matches these filters.")
    reporting_lines_ui.admin_section(actor, lines)
    st.stop()

st.subheader("Map of reporting lines")
st.altair_chart(cr.reporting_matrix(shown), width="content", key="rl_matrix")


def lines_table(frame: pl.DataFrame, columns: list[str], height: int | None = None) -> None:
    """A table of lines sized to the page: the long texts get the room."""
    widths = {
        "indicator": 250,
        "recipient": 180,
        "return_name": 240,
        "block_name": 190,
        "format": 160,
    }
    config = {
        cr.LINE_COLUMNS[c]: st.column_config.Column(width=widths.get(c, "small")) for c in columns
    }
    config[cr.LINE_COLUMNS["due_days"]] = st.column_config.NumberColumn(
        width="small", help="Days after the period end the return is due"
    )
    st.dataframe(
        cr.line_table(frame, columns), hide_index=True, width="stretch", height=height or "auto",
        column_config=config,
    )  # fmt: skip


st.subheader("Look up a return")
by_indicator, by_return = st.tabs(["Indicator → returns", "Return → indicators"])
with by_indicator:
    indicators = shown.select("indicator_code", "indicator_name").unique().sort("indicator_code")
    names = dict(zip(indicators["indicator_code"], indicators["indicator_name"], strict=True))
    code = st.selectbox(
        "Indicator", list(names), key="rl_pick_indicator",
        format_func=lambda c: f"{c} · {names[c]}",
    )  # fmt: skip
    picked = shown.filter(pl.col("indicator_code") == code)
    st.caption(f"{picked.height} return{'s' if picked.height != 1 else ''} fed by {md(code)}.")
    lines_table(picked, ["recipient", "return_name", "frequency", "format", "due_days",
                         "status_short"])  # fmt: skip
with by_return:
    returns = shown["return_name"].unique().sort().to_list()
    name = st.selectbox("Return", returns, key="rl_pick_return")
    picked = shown.filter(pl.col("return_name") == name)
    receivers = ", ".join(md(r) for r in picked["recipient"].unique().sort().to_list())
    many = picked["indicator_code"].n_unique()
    st.caption(f"{many} indicator{'s' if many != 1 else ''} in this return, sent to {receivers}.")
    lines_table(picked, ["indicator", "block_name", "recipient", "frequency", "status_short"])

st.subheader("What stops and what continues once the LAA is signed")
ending = shown.filter(pl.col("laa_status") != "continues")
continuing = shown.filter(pl.col("laa_status") == "continues")
columns = ["indicator", "recipient", "return_name", "frequency", "items_a_year"]
st.markdown(f"**Stop or are replaced by the LAA return ({ending.height})**")
if ending.is_empty():
    st.caption("No line shown stops or is replaced.")
else:
    st.caption(
        "Returns partners no longer send once the LAA is signed: a stopped return ends; a "
        "replaced one is covered by the LAA return to the Government Office. Items a year: what "
        "the line sends at its frequency ("
        + nav.help_link("burden", "how burden is counted")
        + ")."
    )
    lines_table(ending, [*columns[:4], "status_short", "items_a_year"], height=390)
    components.table_downloads(cr.line_table(ending), "reporting-lines-stop", key="rl_ending_dl")
st.markdown(f"**Continue ({continuing.height})**")
if continuing.is_empty():
    st.caption("No line shown continues.")
else:
    lines_table(continuing, columns, height=390)
    components.table_downloads(
        cr.line_table(continuing), "reporting-lines-continue", key="rl_continuing_dl"
    )

reporting_lines_ui.admin_section(actor, lines)
