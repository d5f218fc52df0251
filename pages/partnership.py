"""Thematic partnership page: the targets one partnership owns, for its monthly check."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.reports import board
from dashboard.ui import components, nav, state
from dashboard.ui.plain import md

area_code, as_at, result, area = components.area_view("Thematic partnerships")

owners = (
    result.targets.group_by("partnership")
    .agg(pl.col("block_order").min(), pl.col("block_code").first(), pl.col("block_name").first())
    .sort("block_order", "partnership")
)
names = owners["partnership"].to_list()
name = state.select(
    "partnership", "Thematic partnership", names,
    help="The partnership that owns the targets (each target has one owner).",
)  # fmt: skip
owner = owners.filter(pl.col("partnership") == name).row(0, named=True)
targets = result.targets.filter(pl.col("partnership") == name)

nav.breadcrumbs(
    ("overview", f"{area['area_name']} LSP", {}),
    ("block", owner["block_name"], {"block": owner["block_code"]}),
    ("partnership", name, {"partnership": name}),
)
st.title(md(name))
components.agreement_caption(result, area, as_at)
officers = sorted({o for o in targets["lead_officer"].to_list() if o})
st.markdown(
    f"**{targets.height} targets** ({int(targets['is_reward'].sum())} reward) · lead officers: "
    + (", ".join(md(o) for o in officers) if officers else "none named")
)
st.html(components.counts_html(board.status_counts_row(targets)))

exceptions = board.exceptions(targets, result.scope.commentary, as_at)
if not exceptions.is_empty():
    st.subheader(f"Exceptions ({exceptions.height})")
    components.exception_list(exceptions, limit=5)

st.subheader("Targets")
components.target_table(
    targets, key=f"partnership_targets_{owner['block_code']}", show_partnership=False
)
components.table_downloads(
    components.export_columns(targets), f"partnership-{area_code}-{as_at}", key="partnership_dl"
)
st.subheader("Trajectories")
components.small_multiples(result, targets, key="partnership_sm", title=name)
