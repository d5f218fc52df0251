"""Compare areas: one indicator across a group of areas (the region, the same authority type,
the nearest neighbours, all), with the group's median and quartiles beside the national ones.
Rows are in area-name order: ranking is the reader's choice, never a league table by default."""

from __future__ import annotations

import streamlit as st

from dashboard import charts_compare
from dashboard.reports.compare import CONTEXT_LINE, GROUPS
from dashboard.store import MINIMUM_AREAS
from dashboard.ui import compare, components, loaders, nav, state
from dashboard.ui.plain import md

area_code, as_at, result, area = components.area_view("Compare areas")

ordered = result.targets.sort("block_order", "indicator_code")
codes = ordered["indicator_code"].to_list()
labels = dict(zip(codes, ordered["indicator_name"].to_list(), strict=True))
code = state.select("indicator", "Indicator", codes, format_func=lambda c: f"{c} — {labels[c]}")
group = state.select(
    "group", "Compare with", list(GROUPS), format_func=GROUPS.get, widget=st.radio,
    horizontal=True, publish_default=False,
)  # fmt: skip
view = compare.build(area_code, code, group, as_at)

nav.breadcrumbs(
    ("overview", f"{area['area_name']} LSP", {}),
    ("indicator", code, {"indicator": code}),
    ("compare", "Compare areas", {"indicator": code}),
)
st.title(f"Compare areas: {md(code)} {md(labels[code])}")
st.caption(f"{GROUPS[group]} · how they are chosen: {md(view.how_chosen)}")
st.info(CONTEXT_LINE, icon=":material/balance:")

if view.lonely:
    st.info(
        "No other area you can see is in this group: its median and quartiles below are worked "
        "out over all of its areas, without showing any area's figures.",
        icon=":material/lock:",
    )
if view.suppressed:
    st.caption(
        f"Statistics of fewer than {MINIMUM_AREAS} areas with a value are not shown, so that "
        "no area's figure can be worked out from them."
    )

st.subheader("The group's spread")
st.write(md(compare.position_line(view)))
st.dataframe(compare.statistics_table(view), hide_index=True, width="stretch")
st.caption(compare.statistics_note(view))
if view.frame["value"].is_not_null().any():
    stats = view.statistics.row(0, named=True)
    strip = loaders.chart_spec(
        ("compare_strip", area_code, code, group, as_at),
        lambda: charts_compare.strip_plot(
            view.frame, stats, indicator=code, unit=view.unit, polarity=view.polarity,
            per_1000=view.per_1000, decimals=view.decimals,
        ),
    )  # fmt: skip
    st.vega_lite_chart(strip, width="stretch", key="compare_strip")

st.subheader("Areas")
ranked = st.toggle(
    "Rank the areas", key="compare_rank",
    help="Sort by value, best first. The rows are otherwise in area-name order: a ranking "
    "leaves out what differs between areas.",
)  # fmt: skip
table = compare.table(view, ranked=ranked)
st.dataframe(table, hide_index=True, width="stretch", key="compare_table")
components.table_downloads(table, f"compare-{code}-{group}", key="compare_dl")

st.subheader("Each area over time")
if view.trajectories.is_empty():
    components.empty_state("No area of the group has a value for this indicator yet.")
else:
    over_time = loaders.chart_spec(
        ("compare_trajectories", area_code, code, group, as_at),
        lambda: charts_compare.trajectories_chart(
            view.trajectories, indicator=code, unit=view.unit, polarity=view.polarity,
            per_1000=view.per_1000,
        ),
    )  # fmt: skip
    st.vega_lite_chart(over_time, key="compare_trajectories")
st.caption(nav.help_link("compare", "Comparing areas: groups, quartiles and why no league table"))
