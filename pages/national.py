"""National view: the nine Government Office regions × the four blocks, for administrators
and department analysts (a department sees only its own indicators)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.access import AccessDenied
from dashboard.formatting import money
from dashboard.reports import board
from dashboard.ui import components, loaders, nav, state
from dashboard.ui import region as draw
from dashboard.ui.plain import md

actor = loaders.actor()
as_at = state.as_at()
st.title("National view")
try:
    view = loaders.national_view(as_at)
except AccessDenied:
    st.info(
        "The national view is for administrators and department analysts. "
        + (
            "Your region's page shows every area you follow."
            if actor.of_role("go")
            else "Your LSP overview shows your own area."
        ),
        icon=":material/info:",
    )
    if actor.of_role("go"):
        nav.link("region", "Open your region", icon=":material/map:")
    else:
        nav.link("overview", "Open the LSP overview", icon=":material/dashboard:")
    st.stop()

scope = access.read_scope(actor)
if scope.indicator_limited:
    department = md(board.department_label(scope.departments, loaders.departments(), as_at))
    st.caption(
        f"{department} indicators only, in every area, as at {as_at:%d %B %Y}; each reward "
        "figure is what those targets carry of the area's maximum."
    )
else:
    st.caption(f"Every area, as at {as_at:%d %B %Y}.")
if int(view.grid["areas"].sum()) == 0:
    components.empty_state("There are no areas with targets yet.")
    st.stop()

grid, names = view.grid, view.blocks
blocks = list(names)
total = float(grid["max_prg_gbp"].cast(pl.Float64).sum())
cols = st.columns(4)
cols[0].metric("Areas", int(grid["areas"].sum()), border=True)
cols[1].metric("Targets", int(grid["targets"].sum()), border=True)
cols[2].metric("Targets off track", int(grid["red"].sum()), border=True)
cols[3].metric(
    "Reward forecast", money(float(grid["prg_gbp"].cast(pl.Float64).sum()), short=True),
    border=True, help=f"Of {money(total, short=True)} maximum. {nav.help_link('reward')}",
)  # fmt: skip

st.subheader("Regions")
st.caption(
    "Each block: ● on track · ▲ behind · ✖ off track · ○ no data, summed over the region's "
    f"areas. Open › shows the region's page, area by area. {nav.help_link('region')}"
)
st.dataframe(
    draw.national_table(grid, blocks), hide_index=True, width="stretch", key="national_grid",
    column_config=draw.national_column_config(blocks, names),
)  # fmt: skip
components.table_downloads(
    draw.money_columns(grid), f"national-{as_at.isoformat()}", key="national"
)
