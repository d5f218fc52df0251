"""My updates: the values a lead or performance officer should report now, entered in a grid
and saved in one go (all rows or none)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import entry, store
from dashboard.access import AccessDenied
from dashboard.ui import components, loaders, state

area_code, as_at, result, area = components.area_view("My updates")
actor = loaders.actor()
today = state.today()

st.title("My updates")
st.caption(
    f"{area['area_name']} · values you may report, oldest and most overdue first · as at "
    f"{today:%d %B %Y}"
)
if as_at != today:
    st.warning("You are looking at an earlier date: set *As at* back to today to report values.")
    st.stop()

components.lock_controls(area_code)
grid = entry.entry_grid(result, actor)
mine = entry.writable_targets(result, actor)
if mine.is_empty():
    components.empty_state("You have no targets to report in this area.")
    st.stop()

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
        key="entry_grid",
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
            "value": st.column_config.NumberColumn("Value", help="Leave empty to skip this row"),
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
        "I have checked any value outside its indicator's plausible range", key="confirm_range"
    )
    submitted = st.form_submit_button("Save values", type="primary", icon=":material/save:")

if submitted:
    typed = pl.DataFrame(edited) if not isinstance(edited, pl.DataFrame) else edited
    check = entry.check_entries(loaders.engine(), actor, result, typed, today)
    if not check.rows and not check.errors:
        st.info("No value typed: nothing was saved.")
    elif check.errors:
        st.error(
            "Nothing was saved. Please correct:\n\n" + "\n".join(f"- {e}" for e in check.errors)
        )
    elif check.implausible and not confirm:
        st.warning(
            "Nothing was saved yet. These values are outside the plausible range; tick the box to "
            "confirm them:\n\n" + "\n".join(f"- {w}" for w in check.implausible)
        )
    else:
        try:
            summary = entry.save_entries(loaders.engine(), actor, check)
        except store.RuleViolation as exc:  # a lock, or someone else saved meanwhile
            st.warning(f"Nothing was saved: {exc}", icon=":material/sync_problem:")
            st.stop()
        st.success(
            f"Saved {summary.inserted} value{'s' if summary.inserted != 1 else ''}"
            + (
                f" and {len(check.commentary)} comment{'s' if len(check.commentary) != 1 else ''}"
                if check.commentary
                else ""
            )
            + ". The charts and statuses now include them.",
            icon=":material/check_circle:",
        )

st.subheader("Report offline with the Excel template")
st.caption(
    "Download the template, fill in the *value* column (and status, data quality, note), and "
    "upload it. The same checks as the grid and `laa import actuals` apply; nothing is written "
    "until you confirm, and then all rows are written or none."
)
st.download_button(
    "Download template (Excel)",
    data=lambda: entry.template_workbook(result, actor),
    file_name=f"updates-{area_code}-{today.isoformat()}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="template",
)
upload = st.file_uploader("Upload the filled-in template", type=["xlsx", "csv"], key="upload")
if upload is not None:
    import tempfile
    from pathlib import Path

    from dashboard.importer import import_file

    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / Path(upload.name).name
        raw.write_bytes(upload.getvalue())
        try:
            path = entry.filled_rows(raw, Path(folder) / "values.csv")
        except Exception as exc:  # the reader's own message says what is wrong with the file
            st.error(f"The file could not be read: {exc}")
            st.stop()
        try:
            trial = import_file(
                loaders.engine(), actor, "actuals", path, dry_run=True, skip_empty_values=True
            )
        except AccessDenied as exc:
            st.error(f"The file is refused, nothing was written: {exc}")
            st.stop()
        if not trial.ok:
            st.error(
                "The file is refused, nothing was written:\n\n"
                + "\n".join(f"- {e}" for e in trial.errors)
            )
        else:
            preview = entry.upload_preview(loaders.engine(), result, path)
            st.dataframe(preview, hide_index=True, width="stretch")
            st.caption(trial.describe())
            if trial.summary.changed and st.button(
                "Write these values", type="primary", key="commit_upload"
            ):
                done = import_file(loaders.engine(), actor, "actuals", path, skip_empty_values=True)
                if done.ok:
                    st.success(done.describe(), icon=":material/check_circle:")
                else:
                    st.error("\n".join(done.errors))
