"""Department returns: a department's upward return for a period, built from the one dataset.

An administrator or a Government Office picks any department; a department user is fixed
to their own; an LSP's people see the returns their area owes and any return cut to their
area. The store decides what each may read (`store.readable`), not this page.
"""

from __future__ import annotations

import streamlit as st

from dashboard import store
from dashboard.access import AccessDenied
from dashboard.reports import returns_view as view
from dashboard.ui import components, loaders, state
from dashboard.ui import returns as returns_ui
from dashboard.ui.plain import md

actor = loaders.actor()
as_at = state.as_at()
st.title("Department returns")
st.caption(
    "Every upward return to a government department, built from the values already entered "
    "here — nobody re-keys a figure. Download it as CSV or Excel."
)

who = view.mode(actor)
if who is None:
    st.error("Department returns are open to administrators, Government Offices, "
             "departments and LSP staff.", icon=":material/lock:")  # fmt: skip
    st.stop()

departments = loaders.departments()
receives = loaders.department_indicators()
areas: tuple[str, ...] | None = None  # None: every area the user reads

if who == view.AREA:
    area_code = state.area_code()
    if area_code is None:
        components.no_areas()
        st.stop()
    area = loaders.area(area_code)
    areas = (area_code,)
    owed = loaders.owed_returns(area_code, as_at)
    st.subheader(f"Returns {md(area['area_name'])} owes ({owed.height})")
    st.caption(
        "Every department return fed by an indicator this area has a target on. Each is built "
        "below from the values the partnership has already entered."
    )
    if owed.is_empty():
        components.empty_state("This area owes no department returns.")
        st.stop()
    returns_ui.owed_list(owed)
    options = view.department_options(departments, receives, view.owed_indicators(owed))
    st.subheader(f"A return for {md(area['area_name'])}")
else:
    options = view.department_options(departments, receives)

labels = dict(zip(options["code"].to_list(), options["label"].to_list(), strict=True))
dept_col, period_col, return_col = st.columns([3.4, 1.6, 3.4], vertical_alignment="bottom")
if who == view.OWN_DEPARTMENT:
    own = view.own_departments(actor)
    if len(own) == 1:
        department = own[0]
        dept_col.text_input(
            "Department", value=labels.get(department, department), disabled=True,
            help="A department user sees their own department's returns, across all areas.",
        )  # fmt: skip
    else:  # several department grants: choose among them only
        department = state.select(
            "department", "Department", own, container=dept_col,
            format_func=lambda c: labels.get(c, c),
        )  # fmt: skip
elif options.is_empty():
    components.empty_state(
        "No department receives a reporting line yet. An administrator adds them on the "
        "Reporting lines page."
    )
    st.stop()
else:
    # First visit: the department receiving the most indicators (the fullest return).
    st.session_state.setdefault("sel_department", view.busiest(options, receives))
    department = state.select(
        "department", "Department", options["code"].to_list(), container=dept_col,
        format_func=lambda c: labels.get(c, c),
        help="Lines addressed to a predecessor count for its successors (ODPM → DCLG, "
        "DfES → DCSF and DIUS, DTI → BERR).",
    )  # fmt: skip
period = returns_ui.period_picker(period_col, as_at)

try:
    full = loaders.department_return(department, period, as_at, areas)
except AccessDenied as refused:
    st.error(f"You may not read this return: {refused}", icon=":material/lock:")
    st.stop()
except store.RuleViolation as problem:
    st.error(str(problem), icon=":material/error:")
    st.stop()

names = full.rows["return_name"].unique().sort().to_list()
return_name = None
if len(names) > 1:
    chosen = state.select(
        "return", "Return", ["", *names], container=return_col,
        format_func=lambda n: n or f"All returns ({len(names)})", publish_default=False,
        help="This department receives several returns; choose one to see and download it alone.",
    )  # fmt: skip
    return_name = chosen or None
elif names:
    return_col.text_input("Return", value=names[0], disabled=True)
result = view.only_return(full, return_name)

area_count = full.rows["area_code"].n_unique()
mine = (
    f"Your department: {md(labels.get(department, department))} · "
    if who == view.OWN_DEPARTMENT
    else ""
)
st.caption(
    f"{mine}{area_count} area{'' if area_count == 1 else 's'} · each indicator's latest period "
    f"ending on or before {period:%d %b %Y} · values as at {as_at:%d %b %Y}"
)
if result.rows.is_empty():
    components.empty_state(
        "No area in scope has a target on an indicator this department receives, so the "
        "return has no rows."
    )
    st.stop()

returns_ui.figures(result, department, period, return_name)
returns_ui.completeness(result, period)
returns_ui.still_owed(result)
returns_ui.return_rows(result)
