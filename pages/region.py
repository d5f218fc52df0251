"""Region: a Government Office's areas at a glance — status per block, reward forecast,
cliff edge, overdue values, review sign-off and capacity — and the red flags to challenge."""

from __future__ import annotations

from html import escape

import polars as pl
import streamlit as st

from dashboard import charts_region
from dashboard.access import AccessDenied
from dashboard.formatting import money
from dashboard.reports import region as core
from dashboard.store import RuleViolation
from dashboard.ui import components, loaders, nav, state
from dashboard.ui import region as draw
from dashboard.ui.plain import md

actor = loaders.actor()
as_at = state.as_at()
regions = loaders.readable_regions()
codes = regions["region_code"].to_list()
names = dict(zip(codes, regions["region_name"].to_list(), strict=True))
asked = st.query_params.get("region")

if asked is not None and asked not in codes:  # a link to a region outside the user's grants
    try:
        loaders.region_view(asked, as_at)  # the store decides, and logs a refusal
    except AccessDenied:
        st.title("Region")
        st.error(
            "You may not see this region's areas: your access covers "
            + (", ".join(md(n) for n in names.values()) or "no region")
            + ". Ask an administrator if you need more.",
            icon=":material/block:",
        )
        st.stop()
    except RuleViolation:
        st.title("Region")
        st.error(f"There is no region “{md(asked[:12])}”.", icon=":material/block:")
        st.stop()
if not codes:
    st.title("Region")
    st.info(
        "The region view is for Government Office officers, departments and administrators, "
        "who follow many areas. Your LSP overview shows your own area.",
        icon=":material/info:",
    )
    nav.link("overview", "Open the LSP overview", icon=":material/dashboard:")
    st.stop()

if len(codes) == 1:
    region_code = codes[0]
    st.query_params["region"] = region_code
    st.sidebar.html(f'<div class="laa-area"><b>Region</b><br>{escape(names[region_code])}</div>')
else:
    # until one is chosen, the region of the area picked in the sidebar
    areas = loaders.areas()
    home = areas.filter(pl.col("area_code") == state.area_code())["region_code"].to_list()
    region_code = state.select(
        "region", "Region", codes, format_func=lambda c: names[c], container=st.sidebar,
        default=home[0] if home else None,
        help="The Government Office region whose areas you are looking at.",
    )  # fmt: skip
view = loaders.region_view(region_code, as_at)
st.title(md(view.region_name))
department = not view.whole_agreement
targets = view.assessment.targets
blocks = core.block_codes(targets)
block_names = dict(targets.select("block_code", "block_name").unique().iter_rows())
st.caption(
    f"{view.areas.height} areas · as at {as_at:%d %B %Y}"
    + (" · only your department's indicators" if department else "")
)
if targets.is_empty():
    components.empty_state("None of this region's areas has targets yet.")
    st.stop()

block, cohort, la_type = draw.filters(core.area_facts(view.assessment, view.areas), block_names)
grid, flags = loaders.region_tables(region_code, as_at, block=block, cohort=cohort, la_type=la_type)
shown_blocks = [b for b in blocks if block in (None, b)]
if grid.is_empty():
    components.empty_state("No area of the region matches these filters.")
    st.stop()

total = float(grid["max_prg_gbp"].cast(pl.Float64).sum())
forecast = float(grid["prg_gbp"].cast(pl.Float64).sum())
cols = st.columns(4)
cols[0].metric("Areas", grid.height, border=True)
cols[1].metric("Targets off track", int(grid["red"].sum()), border=True)
cols[2].metric(
    "Reward forecast", money(forecast, short=True), border=True,
    help=f"Of {money(total, short=True)} maximum. {nav.help_link('reward')}",
)  # fmt: skip
cols[3].metric("Red flags", flags.height, border=True)

challenge = core.areas_to_challenge(grid, flags)
if not challenge.is_empty():
    st.subheader("Where to challenge first")
    for row in challenge.iter_rows(named=True):  # at most three links
        nav.link(
            "overview", f"{md(row['area_name'])} ({row['area_code']}): {row['flags']} red flags, "
            f"{row['red']} targets off track", icon=":material/flag:", area=row["area_code"],
        )  # fmt: skip

st.subheader("Areas")
st.caption(
    "Each block: ● on track · ▲ behind · ✖ off track · ○ no data, then its rating "
    "(performance · progress" + ("" if department else " · risk") + "). Sort by any column; "
    f"Open › shows the area's overview at this date. {nav.help_link('region')}"
)
table = draw.region_table(grid, shown_blocks, risk=not department)
st.dataframe(
    table, hide_index=True, width="stretch", key="region_grid", placeholder="–",
    column_config=draw.region_column_config(shown_blocks, block_names, risk=not department),
)  # fmt: skip
components.table_downloads(
    draw.money_columns(grid), f"region-{region_code}-{as_at.isoformat()}", key="grid"
)

st.subheader("Reward forecast")
st.altair_chart(charts_region.reward_forecast_chart(grid), width="stretch", key="reward_chart")

st.subheader(f"Red flags ({flags.height})")
st.caption(
    "Worst first: reward targets off track and worsening, cliff-edge targets, values overdue "
    "more than 30 days, and targets off track or worsening without commentary."
)
if flags.is_empty():
    st.success("Nothing is flagged for these areas.", icon=":material/check_circle:")
else:
    st.dataframe(
        draw.flags_table(flags), hide_index=True, width="stretch", key="red_flags", placeholder="–",
        column_config=draw.FLAGS_CONFIG,
    )  # fmt: skip
    components.table_downloads(
        draw.money_columns(flags), f"red-flags-{region_code}-{as_at.isoformat()}", key="flags"
    )
