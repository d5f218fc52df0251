"""Negotiation: the area and its Government Office agree the next agreement — the indicators
chosen, the targets proposed with their evidence, the GO's challenge, and the single LAA
document signed at the end."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.access import AccessDenied
from dashboard.reports import negotiation as report
from dashboard.ui import agreement_document, components, loaders, nav, state
from dashboard.ui import capacity as capacity_ui
from dashboard.ui import negotiation as draw
from dashboard.ui.plain import md

actor = loaders.actor()
st.title("Negotiation")
components.department_elsewhere(
    "Agreements are negotiated between an area's Local Strategic Partnership and its "
    "Government Office. A department follows its own indicators on its returns instead."
)
area_code = state.area_code()
if area_code is None:
    components.no_areas()
    st.stop()
try:
    agreement = loaders.latest_agreement(area_code)
except AccessDenied:
    st.error("You may not read this area's agreement.", icon=":material/lock:")
    st.stop()
area = loaders.area(area_code)
draw.flash()
if agreement is None or agreement["status"] == "signed":
    draw.next_agreement(area, agreement, may_start=draw.may_start(actor, area_code))
    if agreement is None:
        st.stop()

negotiation = loaders.negotiation(int(agreement["agreement_id"]))
if negotiation.signed and negotiation.proposals.is_empty():
    st.stop()  # an agreement signed from its imported files: nothing was negotiated here
may = draw.may(actor, agreement)
indicators = loaders.framework_indicators()
mandatory = indicators.filter(pl.col("outcome_type") == "mandatory")["indicator_code"].to_list()
readiness = report.readiness(negotiation, mandatory_codes=mandatory)
st.caption(
    f"{md(area['area_name'])} · agreement {agreement['start_date']:%d %B %Y} to "
    f"{agreement['end_date']:%d %B %Y} · "
    + ("signed on " + f"{agreement['signed_date']:%d %B %Y}" if negotiation.signed else "draft")
    + f" · {nav.help_link('negotiation', 'How the negotiation works')}"
)
draw.summary(readiness, agreement)
capacity_ui.overview_line(area_code)
if not negotiation.signed:
    draw.blockers(readiness)

tabs = st.tabs(["Targets", "Indicators", "Sign-off and the LAA document", "General comments"],
               key="neg_tab")  # fmt: skip
with tabs[0]:
    draw.targets_tab(negotiation, readiness, indicators, agreement, may, area_code)
with tabs[1]:
    menu = report.indicator_menu(
        indicators, negotiation.choices, loaders.reporting_lines(), loaders.area_values(area_code)
    )
    shown = draw.menu_filters(menu)
    table = draw.menu_table(shown)
    st.dataframe(table, hide_index=True, width="stretch", key="neg_menu")
    components.table_downloads(table, f"indicator-menu-{area_code}", key="neg_menu_dl")
    if may["propose"]:
        draw.choose_controls(menu, shown, int(agreement["agreement_id"]))
        with st.expander("Create a local indicator"):
            draw.local_indicator_form(
                int(agreement["agreement_id"]), sorted(set(indicators["block_code"])),
                loaders.departments()["code"].to_list(),
            )  # fmt: skip
with tabs[2]:
    agreement_document.sign_off(negotiation, readiness, indicators, may)
with tabs[3]:
    draw.thread(negotiation.comments, int(agreement["agreement_id"]), None, may["comment"])
