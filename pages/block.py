"""Block page: every target of one block of an area, with small-multiple trajectories."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.reports import board
from dashboard.ui import components, nav, state
from dashboard.ui.plain import md

area_code, as_at, result, area = components.area_view("Blocks")
blocks = board.block_summary(result.targets, result.blocks)

codes = blocks["block_code"].to_list()
names = dict(zip(codes, blocks["block_name"].to_list(), strict=True))
block_code = state.select(
    "block", "Block", codes, format_func=lambda c: md(names[c]), widget=st.segmented_control,
    label_visibility="collapsed", required=True,
)  # fmt: skip
row = blocks.filter(pl.col("block_code") == block_code).row(0, named=True)

nav.breadcrumbs(
    ("overview", f"{area['area_name']} LSP", {}),
    ("block", names[block_code], {"block": block_code}),
)
st.title(md(names[block_code]))
components.agreement_caption(result, area, as_at)
components.block_rows(blocks.filter(pl.col("block_code") == block_code))

targets = result.targets.filter(pl.col("block_code") == block_code)
partnerships = targets["partnership"].unique(maintain_order=True).to_list()
st.markdown("**Thematic partnerships:**")
for column, name in zip(st.columns(max(len(partnerships), 1)), partnerships, strict=False):
    with column:
        nav.link("partnership", md(name), icon=":material/groups:", partnership=name)

st.subheader(f"Targets ({targets.height})")
components.target_table(targets, key=f"block_targets_{block_code}")
components.table_downloads(
    components.export_columns(targets), f"block-{area_code}-{block_code}-{as_at}", key="block_dl"
)
st.subheader("Trajectories")
components.small_multiples(
    result, targets, key=f"block_sm_{block_code}", title=names.get(block_code, block_code)
)
