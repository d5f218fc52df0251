"""LSP overview: what the board needs first — status, reward, exceptions, cliff edge."""

from __future__ import annotations

import streamlit as st

from dashboard import access, charts
from dashboard.metrics.assess import agreements_ended
from dashboard.reports import board
from dashboard.ui import actions as actions_ui
from dashboard.ui import capacity, components, loaders, meeting, state
from dashboard.ui import meetings as meetings_ui
from dashboard.ui import overview as overview_ui
from dashboard.ui.plain import md

area_code = state.area_code()
if area_code is None:
    st.title("LSP overview")
    components.no_areas()
    st.stop()

as_at = state.as_at()
result = loaders.assessment(area_code, as_at, known_at=state.known_at())
targets = result.targets
area = loaders.area(area_code)

if st.toggle(
    "Meeting mode",
    key="meeting",
    bind="query-params",
    help="Projector view for a board meeting: large type, exceptions first, one target per screen.",
):
    meeting.show(result, area)
    st.stop()
st.query_params.pop(meeting.SLIDE, None)  # a slide number means nothing outside meeting mode

st.title(f"{md(area['area_name'])} LSP overview")
components.agreement_caption(result, area, as_at)
capacity.overview_line(area_code, as_at)  # the GO capacity judgement then, linked
meetings_ui.overview_line(area_code, state.today())  # the next board meeting, linked
actions_ui.overview_line(area_code, state.today())  # overdue actions, linked
if targets.is_empty():
    components.no_targets()
    st.stop()

actor = loaders.actor()
# A partnership lead reports some of the area's targets: its lists open on those ("my targets").
reportable = access.writable_partnerships(actor, area_code)
listed = targets
if reportable and st.toggle(
    "My targets",
    value="lead" in actor.roles(),
    key="mine",
    bind="query-params",
    help="Only the targets of "
    + ", ".join(md(p) for p in sorted(reportable))
    + " in the lists below "
    "(exceptions, cliff edge, all targets); the figures above stay the whole area's.",
):
    listed = board.reported_targets(targets, reportable)
# A department reads only its own indicators: its headline is its targets against their own
# share of the maximum, without the figures that belong to the whole area.
scope = access.read_scope(actor)
department = (
    md(board.department_label(scope.departments, loaders.departments(), as_at))
    if scope.indicator_limited
    else None
)

summary = result.areas.row(0, named=True)
previous_date = board.previous_quarter_end(as_at)


def worked_out() -> overview_ui.Figures:
    # What the board saw last quarter: periods to its end, and only figures recorded by then.
    last_quarter = loaders.targets_known_at(
        area_code, as_at, previous_date, loaders.end_of_day(previous_date)
    )
    return overview_ui.figures(result, listed, last_quarter, as_at)


figures = loaders.derived(
    ("overview", area_code, as_at, state.known_at(), listed is not targets),
    worked_out,
    area=area_code,
)
overview_ui.status_cards(figures.counts, figures.change, previous_date)
st.write("")
ended = agreements_ended(result.scope.agreements, as_at)
overview_ui.reward_figures(summary, targets, department, ended)

st.subheader("Blocks")
block_chart = loaders.chart_spec(
    ("block_status", area_code, as_at, state.known_at()),  # as the figures: a past view too
    lambda: charts.block_status_chart(figures.blocks),
    area=area_code,
)
st.vega_lite_chart(block_chart, width="stretch", key="block_status_chart")
components.block_rows(figures.blocks, risk=department is None)

exceptions = figures.exceptions
st.subheader(f"Exceptions ({exceptions.height})")
st.caption(
    "Targets off track or worsening, worst first, with their owner and latest commentary."
    + (" Only your targets, as My targets above is on." if listed is not targets else "")
)
if exceptions.is_empty():
    st.success("No target is off track or worsening.", icon=":material/check_circle:")
else:
    components.exception_list(exceptions, limit=8)

overview_ui.cliff_edge(figures.cliff, ended)
overview_ui.reporting(figures.reporting)

st.subheader("All targets")
components.target_table(listed, key="overview_targets", table=figures.table)
components.table_downloads(
    figures.download, f"targets-{area_code}-{as_at.isoformat()}", key="targets"
)
