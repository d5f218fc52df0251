"""GO six-monthly review: an area's highlight-report pack and the Government Office sign-off.

The pack itself (`dashboard.reports.review`) is built from the same assessment as the other
pages; `dashboard.ui.review` lays it out, offers it as one download, and records the GO's
sign-off through the store, which decides who may (the area's GO or an administrator).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import store
from dashboard.access import AccessDenied
from dashboard.reports.returns import review_period
from dashboard.ui import capacity, components, loaders, state
from dashboard.ui import review as review_ui
from dashboard.ui.plain import md

actor = loaders.actor()
st.title("GO six-monthly review")
st.caption(
    "The pack a Government Office reviews each half-year and sends upward in its highlight "
    "report: every block's three-axis self-assessment, the exceptions with their commentary "
    "and the reward forecast — with the GO's sign-off."
)

components.department_elsewhere(
    "Review packs belong to areas: they are prepared by the Local Strategic Partnership and "
    "signed off by its Government Office. A department sees each area's GO sign-off on its "
    "returns instead."
)

area_code = state.area_code()
if area_code is None:
    components.no_areas()
    st.stop()
as_at = state.as_at()
review = review_period(as_at)
areas = loaders.areas()
try:
    signed = loaders.review_signoffs(tuple(areas["area_code"].to_list()), review)
except AccessDenied:
    st.error("You may not read the review sign-offs of these areas.", icon=":material/lock:")
    st.stop()

if actor.is_admin or actor.of_role("go"):  # the packs still to review, across their areas
    review_ui.status_of_areas(areas, signed, review, area_code)

# ---- the pack of the sidebar's area
try:
    pack = loaders.review_pack(area_code, as_at)
except AccessDenied:
    st.error("You may not read this area's review pack.", icon=":material/lock:")
    st.stop()
except store.RuleViolation:
    components.empty_state(
        f"This area has no targets in force on {as_at:%d %B %Y}, so there is no review pack."
    )
    st.stop()

area = loaders.area(area_code)
st.header(f"{md(area['area_name'])} ({md(area_code)})", anchor=False)
st.markdown(f"**Review of the half-year ending {review_ui.half_year(pack.review)}**")
st.caption(
    f"{area['region_name']} · values, statuses and forecasts as they stood on "
    f"{as_at:%d %B %Y} (the as-at date in the sidebar)"
)
capacity.overview_line(area_code, as_at)  # the GO's capacity judgement the pack carries

signoff_col, pack_col = st.columns([3, 2], gap="medium")
mine = signed.filter(pl.col("area_code") == area_code)
with signoff_col, st.container(border=True):
    review_ui.signoff(actor, area, pack, mine.row(0, named=True) if mine.height else None)
with pack_col, st.container(border=True):
    review_ui.downloads(pack, area_code)

review_ui.headline(pack)
review_ui.block_assessment(pack.blocks)
targets = loaders.assessment(area_code, as_at, known_at=state.known_at()).targets
review_ui.exceptions_with_commentary(pack, targets, area_code)
review_ui.reward_forecast(pack)
