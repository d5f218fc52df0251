"""Audit log: every change — who, when, what, before, after, reason — filtered and downloadable.

Administrators read every area's trail; an LSP performance officer reads their own area's
only. The store (`store.audit_frame`) enforces that, not this page: the area picker only
offers what the store would allow.
"""

from __future__ import annotations

import contextlib
from datetime import date

import streamlit as st

from dashboard.access import AccessDenied
from dashboard.reports import audit as audit_report
from dashboard.ui import components, loaders, state

ALL = "all"  # the area picker's "All areas" (administrators)
REFUSAL = "The audit log is open to administrators and LSP performance officers only."
EARLIEST = date(1990, 1, 1)

actor = loaders.actor()
st.title("Audit log")
st.caption(
    "Every change to the data: who made it, when, what changed, the value before and after, "
    "and the reason given. Rows are only ever added, never changed or removed."
)

areas = loaders.areas()
codes = areas["area_code"].to_list()
names = dict(zip(codes, areas["area_name"].to_list(), strict=True))
if actor.is_admin:
    options = [ALL, *codes]
else:
    own = {g.area_code for g in actor.of_role("officer")}
    options = [c for c in codes if c in own]
if not options:  # neither administrator nor officer: the store refuses (and logs it)
    with contextlib.suppress(AccessDenied):
        loaders.audit_summary(state.area_code())
    st.error(REFUSAL, icon=":material/lock:")
    st.stop()

# The area defaults to the sidebar's, and follows it when it changes there.
default = sidebar if (sidebar := state.area_code()) in options else options[0]
if st.session_state.get("audit_area_default") != default:
    st.session_state["audit_area_default"] = default
    st.session_state["sel_audit_area"] = default
    st.session_state["w_audit_area"] = default

area_col, partnership_col, user_col, from_col, to_col = st.columns([2.2, 2.6, 1.8, 1.2, 1.2])
area_code = state.select(
    "audit_area", "Area", options, container=area_col,
    format_func=lambda c: "All areas" if c == ALL else f"{names.get(c, c)} ({c})",
    help="Whose trail to show: an officer sees their own area's only.",
)  # fmt: skip
since = from_col.date_input(
    "From", value=None, min_value=EARLIEST, key="audit_from", format="DD/MM/YYYY",
    bind="query-params", help="Changes recorded on or after this day (UTC).",
)  # fmt: skip
until = to_col.date_input(
    "To", value=None, min_value=EARLIEST, key="audit_to", format="DD/MM/YYYY",
    bind="query-params", help="Changes recorded on or before this day (UTC).",
)  # fmt: skip

trail_area = None if area_code == ALL else area_code
try:  # the trail counted by user and partnership: its rows are read a page at a time
    trail = loaders.audit_summary(trail_area, since)
except AccessDenied:  # the store refused (and logged it); show no rows
    st.error(REFUSAL, icon=":material/lock:")
    st.stop()

partnership = state.select(
    "audit_partnership", "Thematic partnership",
    ["", *audit_report.choices(trail, "partnership")], container=partnership_col,
    format_func=lambda p: p or "All partnerships", publish_default=False,
    help="Changes to the targets the partnership owns (and its creation).",
)  # fmt: skip
user = state.select(
    "audit_user", "User", ["", *audit_report.choices(trail, "user")], container=user_col,
    format_func=lambda u: u or "All users", publish_default=False,
    help="Who made the change (names starting `cli:` are changes an administrator made on "
    "the server).",
)  # fmt: skip

total = int(trail["changes"].sum())
if total == 0:
    components.empty_state(
        "No changes recorded"
        + (" since that day" if since else "")
        + " yet. Every change writes a row here: imports of indicators, areas, targets and "
        "values, corrections of a value, a change of status or data-quality grade, "
        "new commentary, signing an agreement and changes to settings. An import that is "
        "refused or changes nothing writes none."
    )
    st.stop()

filters = {"user": user or None, "partnership": partnership or None}
matching = loaders.audit_count(trail_area, since, until, **filters)
if since and until and until < since:
    st.warning("The “To” day is before the “From” day.", icon=":material/warning:")
if matching == 0:
    components.empty_state("No changes match these filters.")
    st.stop()

page_rows = loaders.AUDIT_PAGE_ROWS
pages = -(-matching // page_rows)
page = 0
if pages > 1:  # a national trail: the newest rows first, a page at a time
    if st.session_state.get("audit_rows_page", 0) >= pages:  # fewer rows since it was picked
        st.session_state["audit_rows_page"] = 0
    page = st.columns([1.6, 6])[0].selectbox(
        "Rows", range(pages), key="audit_rows_page",
        format_func=lambda p: f"{p * page_rows + 1:,}–{min((p + 1) * page_rows, matching):,}",
        help=f"{page_rows:,} changes at a time, newest first. The downloads hold them all.",
    )  # fmt: skip
shown = loaders.audit_page(trail_area, since, until, **filters, page=page)
rows_shown = (
    f" · rows {page * page_rows + 1:,}–{page * page_rows + shown.height:,} shown"
    if pages > 1
    else ""
)
st.caption(f"{matching:,} of {total:,} changes, newest first · times in UTC{rows_shown}")
st.dataframe(
    audit_report.display_table(shown),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * shown.height, 640),
    key="audit_table",
    column_config={
        "When": st.column_config.DatetimeColumn(
            format="D MMM YYYY, HH:mm:ss", timezone="UTC", width="medium"
        ),
        "Period": st.column_config.TextColumn(width=110),  # "12m to Jun 2008" in full
        "Area": st.column_config.TextColumn(width="small"),
        "Before": st.column_config.TextColumn(help="The value as it was (empty: none)"),
        "After": st.column_config.TextColumn(help="The value as it became"),
        "Reason": st.column_config.TextColumn(width="large"),
    },
)
stamp = (until or state.today()).isoformat()
read_all = loaders.audit_export(trail_area, since, until, **filters)
components.table_downloads(
    lambda: audit_report.export_table(read_all()),
    f"audit-{'all-areas' if area_code == ALL else area_code}-{stamp}",
    key="audit_dl",
)
