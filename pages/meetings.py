"""Meetings and board packs: the dates the LSP board and the thematic partnerships meet, the
pack for each meeting built in one click, and every pack as it was shown, to download again."""

from __future__ import annotations

import streamlit as st

from dashboard.access import AccessDenied
from dashboard.ui import actions as action_log
from dashboard.ui import components, loaders, state
from dashboard.ui import meetings as draw
from dashboard.ui.plain import md

st.title("Meetings and board packs")
components.department_elsewhere(
    "Board packs belong to an area's Local Strategic Partnership and its thematic "
    "partnerships. A department follows its own indicators on its returns instead."
)
area_code = state.area_code()
if area_code is None:
    components.no_areas()
    st.stop()
area = loaders.area(area_code)
try:
    meetings = loaders.meetings(area_code)
except AccessDenied:
    st.error("You may not read this area's meetings.", icon=":material/lock:")
    st.stop()
st.caption(
    f"{md(area['area_name'])} · each pack is kept exactly as it was built, with the moment its "
    "figures were known, so the board can always see what it was shown."
)
draw.flash()
actor = loaders.actor()
today = state.today()
draw.next_line(meetings, today)

st.subheader("Meetings", anchor=False)
draw.meetings_table(meetings)
if draw.may_change(actor, area_code):
    with st.expander("Add, move or cancel a meeting"):
        draw.meeting_form(area_code, meetings, loaders.area_partnerships(area_code), today)

st.subheader("Actions", anchor=False)
actions = loaders.actions(area_code, today)
action_log.table(actions)
if action_log.may_write(actor, area_code):
    with st.expander("Raise an action or record what became of one"):
        targets = loaders.assessment(area_code, state.as_at()).targets
        leads = targets["lead_officer"].drop_nulls().unique().to_list()
        people = sorted({*loaders.action_owners(area_code), *leads}, key=str.casefold)
        codes = sorted(targets["indicator_code"].to_list())
        action_log.raise_form(area_code, meetings, codes, people, today)
        action_log.update_form(actions)

if draw.may_change(actor, area_code):
    st.subheader("Reminders before the meeting", anchor=False)
    draw.reminders_section(area_code, str(area["area_name"]), meetings, today)

st.subheader("Build a pack", anchor=False)
draw.build_form(area_code, meetings, actor, today)

st.subheader("Packs as they were shown", anchor=False)
draw.stored_packs(loaders.packs(area_code))
