"""Reporting burden: how many data items a year partners send upward with and without the LAA,
the duplicates, and what entering each figure once saves (DOMAIN §2, §8)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts_reporting as cr
from dashboard.metrics import burden
from dashboard.ui import components, loaders, state
from dashboard.ui.plain import md

AREA, ALL = "area", "all"

st.title("Reporting burden")
st.caption(
    "How many data items a year partners send upward to departments, the Government Office and "
    "the inspectorates, without the LAA and with it, and how many they key in once into this "
    "dashboard, which then builds every return (“collect once, use many times”)."
)

areas = loaders.areas()
area_code = state.area_code()
if areas.is_empty() or area_code is None:
    components.no_areas()
    st.stop()

names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
codes = tuple(areas["area_code"].to_list())
lines = loaders.reporting_lines()
upward = burden.upward(lines)  # the LSP board is horizontal: not sent upward
reported = loaders.reported_indicators(codes)
blocks = lines.select("block_code", "block_name", "block_order").unique()

scope = st.segmented_control(
    "Count for", [AREA, ALL], default=AREA, key="burden_scope", required=True,
    format_func=lambda s: f"{md(names[area_code])} ({area_code})" if s == AREA
    else f"All my areas ({len(codes)})",
    help="The area chosen in the sidebar, or every area you can see.",
)  # fmt: skip
scoped = reported if scope == ALL else reported.filter(pl.col("area_code") == area_code)
where = f"all {len(codes)} areas you can see" if scope == ALL else md(names[area_code])
st.caption(
    f"Counting the indicators reported by {where}: each indicator × recipient × frequency counts its "
    "items a year once, however many returns carry it. Lines to the LSP board are the partnership's own (horizontal) "
    "reporting and are not counted."
)
if scoped.is_empty() or upward.is_empty():
    components.empty_state(
        "Nothing to count: no indicator reported here has a reporting line upward. An "
        "administrator adds lines on the Reporting lines page."
    )
    st.stop()

total = burden.burden(upward, scoped).row(0, named=True)
before, removed = total["items_before"], total["items_removed"]
share = f"{removed / before:.0%} fewer" if before else None
metrics = [
    ("Without the LAA", total["items_before"], None,
     "Data items a year sent upward if every return continued"),
    ("With the LAA", total["items_after"], None,
     "Data items a year still sent upward once the LAA is signed"),
    ("Removed by the LAA", removed, share,
     "Items in returns that stop or are replaced by the LAA return"),
    ("Entered once", total["items_once"], None,
     "Each figure keyed once into the dashboard, at its most frequent continuing return"),
    ("Saved by reporting once", total["items_saved_by_once"], None,
     "Items a year still sent upward but built from figures already entered"),
]  # fmt: skip
# The last label is the longest: its card gets the room to show it whole.
columns = st.columns([1, 1, 1.1, 1, 1.45])
for column, (label, value, delta, help_text) in zip(columns, metrics, strict=True):
    column.metric(
        label, f"{value:,.1f}", delta=delta, delta_color="off", delta_arrow="off",
        help=help_text, border=True, height="stretch",
    )  # fmt: skip
st.caption(
    f"Data items a year, over {total['indicators']:,} indicator"
    f"{'s' if total['indicators'] != 1 else ''} reported"
    + (" (indicator × area)" if scope == ALL else "")
    + f". {total['duplicated_before']:,} go to two or more recipients without the LAA, "
    f"{total['duplicated_after']:,} with it."
)


def show_table(table: pl.DataFrame) -> None:
    """A burden table: items to one decimal place, each header explained on hover."""
    config = {
        cr.BURDEN_HEADERS[c]: st.column_config.NumberColumn(
            help=cr.BURDEN_HELP[c], format="%.1f" if c.startswith("items_") else "%d"
        )
        for c in burden.BURDEN_COLUMNS
    }
    st.dataframe(table, hide_index=True, width="stretch", column_config=config)


st.subheader("By block")
per_block = (
    burden.burden(upward, scoped, by=("block_code",))
    .join(blocks, on="block_code", how="left")
    .sort("block_order")
)
st.altair_chart(cr.burden_by_block_chart(per_block), width="stretch", key="burden_blocks")
block_table = cr.burden_table(per_block, {"block_name": "Block"})
show_table(block_table)
stamp = area_code if scope == AREA else "all-areas"
components.table_downloads(block_table, f"burden-by-block-{stamp}", key="burden_block_dl")

st.subheader("By area")
st.caption("Every area you can see, most items no longer keyed first.")
per_area = burden.burden(upward, reported, by=("area_code", "area_name"))
st.altair_chart(cr.burden_by_area_chart(per_area), width="stretch", key="burden_areas")
area_table = cr.burden_table(
    per_area.sort("area_code"), {"area_code": "Area code", "area_name": "Area"}
)
show_table(area_table)
components.table_downloads(area_table, "burden-by-area", key="burden_area_dl")

st.subheader("Duplicates")
duplicates = cr.duplicates_data(
    upward.filter(pl.col("indicator_code").is_in(scoped["indicator_code"].unique().to_list()))
)
if duplicates.is_empty():
    st.info("No indicator reported here goes to two or more recipients.", icon=":material/info:")
else:
    st.caption(
        f"{duplicates.height} indicator{'s' if duplicates.height != 1 else ''} reported by "
        f"{where} went to two or more recipients before the LAA; "
        f"{int((duplicates['after'] >= 2).sum())} still do. The dashboard keys each figure once "
        "and builds every return from it."
    )
    st.altair_chart(cr.duplicates_chart(duplicates), width="stretch", key="burden_duplicates")

with st.expander("How this is counted", icon=":material/calculate:"):
    st.markdown(
        "**Data items a year:** per indicator × recipient: monthly 12, quarterly 4, "
        "termly 3, annual 1, biennial 0.5, triennial 1/3; a line that stops or is replaced once "
        "the LAA is signed counts only “before”.\n\n"
        "- **Without the LAA**: every upward line (to a department, the Government Office or a "
        "regulator) of every indicator the area reports.\n"
        "- **With the LAA**: only the lines that continue.\n"
        "- **Entered once**: each indicator keyed once, at the frequency of its most frequent "
        "continuing line; **saved by reporting once** is *with the LAA* minus *entered once*.\n"
        "- A recipient counts once per indicator and frequency, even if it names two returns. "
        "Lines to the LSP board are horizontal and not counted. Across several areas, each "
        "indicator counts once per area that reports it."
    )
