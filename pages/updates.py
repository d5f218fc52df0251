"""My updates: the values a lead or performance officer should report now, entered in a grid
and saved in one go (all rows or none)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import entry, store
from dashboard.ui import actions as action_log
from dashboard.ui import components, loaders, state
from dashboard.ui.plain import md
from dashboard.ui.updates import DRAWN, FLASH, GRID, offline_template

area_code, as_at, result, area = components.area_view("My updates")
actor = loaders.actor()
today = state.today()

st.title("My updates")
st.caption(
    f"{md(area['area_name'])} · values you may report, oldest and most overdue first · as at "
    f"{today:%d %B %Y}"
)
if as_at != today:
    st.warning("You are looking at an earlier date: set *As at* back to today to report values.")
    st.stop()

# What the last save did, shown after the rerun that refreshed the grid and its counts.
if flash := st.session_state.pop(FLASH, None):
    st.success(flash, icon=":material/check_circle:")

components.lock_controls(area_code)
# The grid stays as it was drawn until it is saved or the page is left: rebuilt from the store
# on every run, a row someone else saved meanwhile would leave it, and the editor's edits
# (kept by row position and row count) would be dropped or land on the wrong row.
scope = (area_code, today.isoformat(), actor.name)
drawn = st.session_state.get(DRAWN)
if drawn is None or drawn["scope"] != scope or GRID not in st.session_state:
    drawn = {"scope": scope, "grid": entry.entry_grid(result, actor), "seen": {}}
    st.session_state[DRAWN] = drawn
grid = drawn["grid"]
mine = entry.writable_targets(result, actor)
if mine.is_empty():
    components.empty_state("You have no targets to report in this area.")
    st.stop()
action_log.my_overdue(area_code, mine, today)

counts = grid.group_by("state").len()
found = dict(zip(counts["state"].to_list(), counts["len"].to_list(), strict=True))
cols = st.columns(3)
cols[0].metric("Overdue", found.get("overdue", 0), help="Due more than 30 days ago", border=True)
cols[1].metric("Due", found.get("due", 0), help="Period end + lag has passed", border=True)
cols[2].metric(
    "Can be reported", found.get("open", 0), help="Period ended, not yet due", border=True
)

if grid.is_empty():
    st.success(
        "Nothing to report: every ended period of your targets has a value.",
        icon=":material/check_circle:",
    )
    st.stop()

with st.form("entries"):
    edited = st.data_editor(
        grid,
        key=GRID,
        placeholder="",
        hide_index=True,
        width="stretch",
        disabled=[
            "indicator_code",
            "indicator_name",
            "period",
            "period_label",
            "state",
            "last_value",
            "last_entered",
            "expected_value",
        ],
        column_order=[
            "indicator_code",
            "indicator_name",
            "period_label",
            "state",
            "last_value",
            "last_entered",
            "expected_value",
            "value",
            "status",
            "data_quality",
            "note",
            "commentary",
        ],
        column_config={
            "indicator_code": st.column_config.TextColumn("Code", width=80),
            "indicator_name": st.column_config.TextColumn("Indicator", width=240),
            "period_label": st.column_config.TextColumn("Period"),
            "state": st.column_config.TextColumn("State", help="open · due · overdue"),
            "last_value": st.column_config.NumberColumn("Last value"),
            "last_entered": st.column_config.TextColumn(
                "Entered", help="When the last value was recorded"
            ),
            "expected_value": st.column_config.NumberColumn(
                "Expected", format="%.2f", help="Where the trajectory says this period should be"
            ),
            # Text, not a number editor: the browser's number editor turns `abc` into 0 and
            # `1x9` into 19; typed text is parsed by the importer's rules, or refused.
            "value": st.column_config.TextColumn(
                "Value",
                help="A number with '.' as the decimal point, e.g. 12.5. Leave empty to skip "
                "this row",
            ),
            "status": st.column_config.SelectboxColumn(
                "Status", options=["provisional", "final"], required=True
            ),
            "data_quality": st.column_config.SelectboxColumn(
                "Data quality", options=["audited", "checked", "not_checked"]
            ),
            "note": st.column_config.TextColumn("Source note"),
            "commentary": st.column_config.TextColumn(
                "Commentary",
                width=260,
                help="Required where the value is behind its trajectory: why, and what will be done",
            ),
        },
    )
    confirm = st.checkbox(
        "I have checked the values flagged as outside their plausible range or far better "
        "than expected",
        key="confirm_range",
    )
    submitted = st.form_submit_button("Save values", type="primary", icon=":material/save:")

if submitted:
    typed = pl.DataFrame(edited) if not isinstance(edited, pl.DataFrame) else edited
    check = entry.check_entries(loaders.engine(), actor, result, typed, today, drawn["seen"])
    if not check.rows and not check.errors:
        st.info("No value typed: nothing was saved.")
    elif check.errors:
        st.error(
            "Nothing was saved. Please correct:\n\n" + "\n".join(f"- {e}" for e in check.errors)
        )
    elif check.to_confirm and not confirm:
        st.warning(
            "Nothing was saved yet. Please check these values, then tick the box and save "
            "again:\n\n" + "\n".join(f"- {w}" for w in check.to_confirm)
        )
    else:
        try:
            summary = entry.save_entries(loaders.engine(), actor, check)
        except entry.EntryConflict as exc:
            # Theirs is now seen: once reviewed, the next Save adds a revision over it. The
            # grid (and what was typed in it) stays as drawn.
            drawn["seen"].update(exc.seen)
            st.warning(
                "Nothing was saved: someone else saved a value in this grid after you opened "
                "this page.\n\n" + "\n".join(f"- {md(line)}" for line in exc.lines),
                icon=":material/sync_problem:",
            )
            summary = None
        except store.RuleViolation as exc:  # a lock, or two saves at the same instant
            st.warning(f"Nothing was saved: {exc}", icon=":material/sync_problem:")
            st.stop()
        if summary is not None:
            comments = len(check.commentary)
            st.session_state[FLASH] = (
                f"Saved {summary.inserted} value{'s' if summary.inserted != 1 else ''}"
                + (f" and {comments} comment{'s' if comments != 1 else ''}" if comments else "")
                + ". The charts and statuses now include them."
            )
            # A fresh grid (the saved rows leave it) and counts: drop the edits, run again.
            for key in (GRID, DRAWN, "confirm_range"):
                st.session_state.pop(key, None)
            st.rerun()

offline_template(result, actor, area_code, today)
