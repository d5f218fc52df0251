"""Capacity assessment: the Government Office's assessment of an area's performance-management
capacity behind its sign-off recommendation, beside the partnership's own self-assessment.

The parts are in `dashboard.ui.capacity`; the store decides who may read and record.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access
from dashboard.access import AccessDenied
from dashboard.ui import capacity, components, loaders, nav, state
from dashboard.ui.plain import md

actor = loaders.actor()
st.title("Capacity assessment")
st.caption(
    "How well the partnership can manage its performance, judged against a framework of "
    "characteristics on a four-point scale (strong, adequate, developing, weak): the "
    "Government Office's assessment behind its recommendation for sign-off, and the "
    f"partnership's own self-assessment. {nav.help_link('capacity', 'How the scale works')}."
)

components.department_elsewhere(
    "Capacity assessments are between an area's Local Strategic Partnership and its "
    "Government Office, which records them behind its recommendation for sign-off. A "
    "department follows its own indicators on its returns instead."
)

area_code = state.area_code()
if area_code is None:
    components.no_areas()
    st.stop()
as_at = state.as_at()
area = loaders.area(area_code)
try:
    every, ratings = loaders.capacity_assessments(area_code)
except AccessDenied:
    st.error("You may not read this area's capacity assessments.", icon=":material/lock:")
    st.stop()
everything = loaders.capacity_framework(include_retired=True)
framework = everything.filter(pl.col("active"))
shown = every.filter(pl.col("assessed_on") <= as_at)  # the position on the as-at date

st.header(f"{md(area['area_name'])} ({md(area_code)})", anchor=False)
st.caption(f"{md(area['region_name'])} · assessments dated on or before {as_at:%d %B %Y}")
if flash := st.session_state.pop(capacity.FLASH, None):
    st.success(flash, icon=":material/task_alt:")
capacity.judgement(shown, as_at)

kinds = capacity.recordable_kinds(actor, area)
names = ["Assessment", *(["Record an assessment"] if kinds else []), "Versions and downloads"]
if access.can_administer(actor):
    names.append("Framework")
tabs = dict(zip(names, st.tabs(names, key="capacity_tab"), strict=True))

with tabs["Assessment"]:
    st.subheader("GO assessment beside the self-assessment", anchor=False)
    capacity.comparison(framework, shown, ratings)
    st.subheader("How capacity moved", anchor=False)
    capacity.history(everything, shown, ratings, area, as_at)

if kinds:
    with tabs["Record an assessment"]:
        if framework.is_empty():
            components.empty_state(
                "The capacity framework has no characteristics yet: an administrator loads "
                "them on the Framework tab."
            )
        else:
            kind = kinds[0]
            if len(kinds) > 1:  # an administrator may record either kind
                kind = st.radio(
                    "Which assessment", kinds, horizontal=True, key="capacity_kind",
                    format_func=lambda k: capacity.report.KIND_LABELS[k],
                )  # fmt: skip
            capacity.record_form(kind, framework, every, ratings, area, state.today())

with tabs["Versions and downloads"]:
    capacity.versions(everything, every, ratings, area)

if "Framework" in tabs:
    with tabs["Framework"]:
        capacity.framework_editor()
