"""LSP overview: what the board needs first — status, reward, exceptions, cliff edge."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import access, charts
from dashboard.formatting import money, percent
from dashboard.metrics.assess import agreements_ended
from dashboard.metrics.due import only_due, overdue_by_partnership
from dashboard.reports import board
from dashboard.ui import actions as actions_ui
from dashboard.ui import capacity, components, loaders, meeting, nav, state
from dashboard.ui import meetings as meetings_ui
from dashboard.ui.plain import indicator_label, md

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
# What the board saw last quarter: periods to its end, and only figures recorded by then.
last_quarter = loaders.targets_known_at(
    area_code, as_at, previous_date, loaders.end_of_day(previous_date)
)
change = board.status_change(targets, last_quarter)
counts = board.status_counts(targets)
captions = {
    "green": "at or ahead of trajectory",
    "amber": "slightly behind, or forecast to hit",
    "red": "behind trajectory",
    None: "no actual yet",
}
for column, rag in zip(st.columns(4), ["green", "amber", "red", None], strict=True):
    delta = change[rag]
    since = (
        f"{delta:+d} since {previous_date:%d %b %Y}"
        if delta
        else f"unchanged since {previous_date:%d %b %Y}"
    )
    with column:
        components.status_card(rag, counts[rag], f"{captions[rag]} · {since}")

st.write("")
reward_col, ppg_col, stake_col = st.columns(3)
maximum = summary["max_prg_gbp"] if department is None else board.reward_share_total(targets)
share = float(summary["prg_gbp"]) / float(maximum) if maximum else None
ended = agreements_ended(result.scope.agreements, as_at)
reward_col.metric(
    ("Performance Reward Grant outturn" if ended else "Performance Reward Grant forecast")
    if department is None
    else f"{department} targets: reward {'outturn' if ended else 'forecast'}",
    money(summary["prg_gbp"], short=True),
    help=(
        "The agreement has ended: the reward its target periods' actuals earn (a target whose "
        "figure is not in yet counts at its trend)."
        if ended
        else "Actual reward where the target period's figure is in, else the forecast. Range: "
        "the forecast's 80% interval."
    )
    + f" {nav.help_link('reward')}",
    border=True,
)
reward_col.caption(
    (
        f"of {money(maximum, short=True)} maximum"
        if department is None
        else f"{department} targets: {money(summary['prg_gbp'], short=True)} of "
        f"{money(maximum, short=True)}, their share of the maximum"
    )
    + (f" ({share:.0%})" if share is not None else "")
    + f" · range {money(summary['prg_low_gbp'], short=True)} – "
    f"{money(summary['prg_high_gbp'], short=True)} · {summary['reward_targets']} reward targets"
)
if department is None:
    ppg_col.metric(
        "Pump-priming grant",
        money(summary["ppg_gbp"], short=True),
        help="Paid up front on signing: £750,000 + £1 per head unless the agreement says "
        "otherwise.",
        border=True,
    )
else:
    ppg_col.caption(
        f"These figures are for {department} targets only. The pump-priming grant and the "
        "area's risk rating belong to the whole area's agreement, so they are not shown here."
    )
stake_col.metric(
    "Cliff edge",
    f"{summary['cliff_edge']} target{'' if summary['cliff_edge'] == 1 else 's'}",
    help="Reward targets forecast at 50–60% of their stretch: reaching 60% pays 60% of the share."
    + (" The agreement has ended: only a target whose final figure is not in yet can be "
       "on it." if ended else ""),
    border=True,
)  # fmt: skip
stake_col.caption(f"{money(summary['at_stake_gbp'], short=True)} at stake if they reach 60%")

st.subheader("Blocks")
block_summary = board.block_summary(targets, result.blocks)
block_chart = loaders.chart_spec(
    ("block_status", area_code, as_at), lambda: charts.block_status_chart(block_summary)
)
st.vega_lite_chart(block_chart, width="stretch", key="block_status_chart")
components.block_rows(block_summary, risk=department is None)

exceptions = board.exceptions(listed, result.scope.commentary, as_at)
st.subheader(f"Exceptions ({exceptions.height})")
st.caption(
    "Targets off track or worsening, worst first, with their owner and latest commentary."
    + (" Only your targets, as My targets above is on." if listed is not targets else "")
)
if exceptions.is_empty():
    st.success("No target is off track or worsening.", icon=":material/check_circle:")
else:
    components.exception_list(exceptions, limit=8)

cliff = board.cliff_edge(listed)
st.subheader(f"Cliff edge ({cliff.height})")
st.caption(
    "Reward targets forecast just below the 60% threshold: a small improvement releases 60% of "
    "the target's share of the grant."
)
if cliff.is_empty():
    st.info(
        "The agreement has ended: the reward is the outturn, with no target left to move."
        if ended
        else "No reward target is forecast at 50–60% of its stretch.",
        icon=":material/info:",
    )
else:
    for row in components.with_value_texts(cliff, "forecast_value").iter_rows(named=True):
        with st.container(border=True):
            left, mid, right = st.columns([5, 3, 2], vertical_alignment="center")
            with left:
                nav.link("indicator", indicator_label(row), indicator=row["indicator_code"])
            mid.markdown(
                f"Forecast {row['forecast_value_text']} · "
                f"**{percent(row['achieved_fraction'])}** of stretch"
            )
            right.markdown(f"**{money(row['at_stake_gbp'])}** at stake")

st.subheader("Reporting")
reporting = overdue_by_partnership(targets, only_due(result.missing))
st.caption(
    "Values are due when the period's end plus the indicator's lag has passed, and overdue "
    "30 days later."
)
st.dataframe(
    reporting.select(
        pl.col("partnership").alias("Thematic partnership"),
        pl.col("overdue_targets").alias("Targets with an overdue value"),
        pl.col("due_values").alias("Values due or overdue"),
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("All targets")
components.target_table(listed, key="overview_targets")
components.table_downloads(
    listed.select(
        "area_code", "block_code", "partnership", "indicator_code", "indicator_name", "is_reward",
        "latest_period", "latest_value", "expected_value", "rag", "direction", "forecast_value",
        pl.col("forecast_reward_gbp").cast(pl.Float64),
    ),
    f"targets-{area_code}-{as_at.isoformat()}",
    key="targets",
)  # fmt: skip
