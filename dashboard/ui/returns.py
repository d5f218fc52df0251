"""Department returns' parts: the period picker, the list of returns an area owes, the
return's figures and downloads, completeness by area, what is still owed and the return
itself. The page (`pages/returns.py`) chooses the department and period and calls these."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard.formatting import percent
from dashboard.reports import board
from dashboard.reports import returns_view as view
from dashboard.reports.returns import DepartmentReturn, review_period
from dashboard.ui import state

PERIOD_HELP = (
    "Each indicator uses its latest period ending on or before this date: a monthly indicator "
    "its month, a quarterly one its quarter, an annual or academic-year one its year. "
    "Defaults to the end of the quarter before the as-at date."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_picker(container, as_at: date) -> date:  # type: ignore[no-untyped-def]
    """The "Period (on or before)" date: remembered, in the URL as `?period=`, never after
    the as-at.

    It follows the default (the quarter before the as-at) when the as-at moves.
    """
    key, chosen, seen = "w_returns_period", "sel_returns_period", "url_returns_period"
    default = board.previous_quarter_end(as_at)
    if st.session_state.get("returns_period_default") != default:
        st.session_state["returns_period_default"] = default
        st.session_state[chosen] = default
    picked = st.session_state.get(chosen, default)
    typed = st.session_state.get(key)
    if isinstance(typed, date) and typed != picked:
        picked = typed
    url = st.query_params.get("period")
    earliest = state.earliest_date(as_at)
    if url is not None and url != st.session_state.get(seen):
        from_link, problem = state.url_date(url, earliest, as_at, "period", "the as-at date")
        picked = from_link or picked
        if problem:  # a date outside the picker's range would be an exception box
            st.warning(problem, icon=":material/event_busy:")
    picked = min(max(picked, earliest), as_at)
    st.session_state[chosen] = picked
    st.session_state[key] = picked  # seeds the widget; set before it is drawn
    container.date_input(
        "Period (on or before)", min_value=earliest, max_value=as_at,
        key=key, format="DD/MM/YYYY", help=PERIOD_HELP,
    )  # fmt: skip
    published = None if picked == default else picked.isoformat()
    st.session_state[seen] = published
    if published is None:
        st.query_params.pop("period", None)
    elif st.query_params.get("period") != published:
        st.query_params["period"] = published
    return picked


def owed_list(owed: pl.DataFrame) -> None:
    """The returns an area owes: recipient, return, frequency, format and due days."""
    st.dataframe(
        view.owed_returns_table(owed),
        hide_index=True,
        width="stretch",
        key="owed_returns",
        column_config={
            "Recipient": st.column_config.TextColumn(width=300),
            "Return": st.column_config.TextColumn(width=320),
            "Frequency": st.column_config.TextColumn(width=80),
            "Format": st.column_config.TextColumn(width=150),
            "Due (days after period end)": st.column_config.NumberColumn(
                "Due",
                format="%d days",
                width=70,
                help="Days after the period's end the return is due",
            ),
        },
    )


def figures(
    result: DepartmentReturn, department: str, period: date, return_name: str | None
) -> None:
    """Rows, reported, missing, not yet due and complete; the return's two downloads."""
    numbers = result.counts()
    for column, label, value, tip in zip(
        st.columns(5),
        ["Rows", "Reported", "Missing", "Not yet due", "Complete"],
        [f"{numbers['rows']:,}", f"{numbers['reported']:,}", f"{numbers['missing']:,}",
         f"{numbers['not_yet_due']:,}", percent(numbers["complete"])],
        ["One row per return × area × indicator with a target",
         "Rows with a value for the period",
         "Due (the period's end plus the indicator's lag has passed) but no value",
         "The period's figures are not due yet (the indicator's lag has not passed)",
         "Reported as a share of the rows that are due"],
        strict=True,
    ):  # fmt: skip
        column.metric(label, value, help=tip, border=True)

    stem = view.file_stem(department, period, return_name)
    downloads = st.container(horizontal=True, gap="small", vertical_alignment="center")
    downloads.download_button(
        "Download CSV", data=result.csv_bytes, file_name=f"{stem}.csv", mime="text/csv",
        key="return_csv", icon=":material/download:", type="primary",
        help="The return as the department receives it: one row per area and indicator",
    )  # fmt: skip
    downloads.download_button(
        "Download Excel", data=result.excel_bytes, file_name=f"{stem}.xlsx", mime=XLSX,
        key="return_xlsx", icon=":material/download:",
        help="A workbook with the return, completeness by area, what is missing, and notes",
    )  # fmt: skip
    downloads.caption(
        f"{numbers['rows']:,} rows · CSV: the return, one row per area and indicator; the "
        "workbook adds completeness, what is missing, and notes"
    )


def completeness(result: DepartmentReturn, period: date) -> None:
    """Which areas have reported, and the GO's sign-off of the half-year."""
    review = review_period(period)
    st.subheader("Completeness by area")
    st.caption(
        "Which areas have reported, what is still missing, and whether the Government Office has "
        f"signed off the six-monthly review to {review:%d %B %Y}."
    )
    completeness = view.completeness_table(result)
    st.dataframe(
        completeness,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * completeness.height, 760),
        key="return_completeness",
        column_config={
            "Area": st.column_config.TextColumn(width=60),
            "Area name": st.column_config.TextColumn(width="medium"),
            "Complete": st.column_config.ProgressColumn(
                format="%d%%", min_value=0, max_value=100, width="small",
                help="Reported as a share of the rows that are due",
            ),
            "Missing indicators": st.column_config.TextColumn(width="medium"),
            "GO sign-off": st.column_config.TextColumn(
                width="medium", help=f"The GO's sign-off of the review to {review:%d %b %Y}"
            ),
        },
    )  # fmt: skip


def still_owed(result: DepartmentReturn) -> None:
    """Rows due with no value yet, oldest first: what to chase."""
    owed_rows = view.owed_rows(result)
    st.subheader(f"Still owed ({owed_rows.height})")
    if owed_rows.is_empty():
        st.success(
            "Nothing is owed: every row that is due has a value.", icon=":material/check_circle:"
        )
    else:
        st.caption("Rows that are due with no value yet, oldest due date first: chase these.")
        st.dataframe(
            owed_rows,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * owed_rows.height, 420),
            key="return_owed",
            column_config={
                "Area": st.column_config.TextColumn(width=60),
                "Area name": st.column_config.TextColumn(width="small"),
                "Indicator": st.column_config.TextColumn(width=80),
                "Indicator name": st.column_config.TextColumn(width="medium"),
                "Period": st.column_config.TextColumn(width="small"),
                "Due": st.column_config.DateColumn(
                    format="D MMM YYYY", width="small",
                    help="The period's end plus the indicator's publication lag",
                ),
                "State": st.column_config.TextColumn(
                    width="small", help="due, or overdue when due for more than 30 days"
                ),
                "Days since due": st.column_config.NumberColumn(format="%d", width="small"),
                "Return": st.column_config.TextColumn(width="medium"),
            },
        )  # fmt: skip


def return_rows(result: DepartmentReturn) -> None:
    """The return as the department receives it, one row per return × area × indicator."""
    st.subheader("The return")
    st.caption(
        "One row per return × area × indicator, as the department receives it: the value, "
        "whether it is provisional, final or revised, its data-quality grade, the target, "
        "where the trajectory expects it to be, and its status."
    )
    table = view.return_table(result)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * table.height, 720),
        key="return_table",
        column_config={
            "Area": st.column_config.TextColumn(width=60, pinned=True),
            "Area name": st.column_config.TextColumn(width=120),
            "Indicator": st.column_config.TextColumn(width=80, pinned=True),
            "Indicator name": st.column_config.TextColumn(width="medium"),
            "Return": st.column_config.TextColumn(width="large"),
            "Period end": st.column_config.DateColumn(format="D MMM YYYY"),
            "Value": st.column_config.TextColumn(alignment="right", help="The period's own value"),
            "Running total": st.column_config.TextColumn(
                alignment="right",
                help="Cumulative targets: the total of the period values since the agreement start",
            ),
            "Value status": st.column_config.TextColumn(
                help="provisional, final, or revised (a final value that replaced an earlier one)"
            ),
            "Target": st.column_config.TextColumn(alignment="right"),
            "Expected": st.column_config.TextColumn(
                alignment="right", help="Where the trajectory says the value should be"
            ),
            "Trajectory": st.column_config.TextColumn(
                help="The value (the running total, for a cumulative target) against the trajectory"
            ),
            "Target, expected and trajectory of": st.column_config.TextColumn(
                help="A cumulative target is assessed on its running total, others on the "
                "period's value"
            ),
            "Due": st.column_config.DateColumn(
                format="D MMM YYYY", help="The period's end plus the indicator's publication lag"
            ),
            "Return deadline": st.column_config.DateColumn(
                format="D MMM YYYY", help="The period's end plus the return's due days"
            ),
        },
    )  # fmt: skip
