"""Reporting lines, for administrators: the lines edited in a grid or uploaded as a file, each
change checked as a whole and written with its audit rows in one go (the store checks who)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import streamlit as st

from dashboard import db, importer, store
from dashboard.access import AccessDenied, Actor
from dashboard.reports import reporting_edits
from dashboard.ui import loaders
from data_models.vocab import FREQUENCIES, RECIPIENT_TYPES, REPORTING_STATUSES


def admin_section(actor: Actor, lines: pl.DataFrame) -> None:
    """Edit the lines in a grid, or upload them as CSV: administrators only (the store checks)."""
    if not actor.is_admin:
        return
    with st.expander("Edit reporting lines", icon=":material/edit:"):
        edit_grid(actor, lines)
        upload(actor)


def edit_grid(actor: Actor, lines: pl.DataFrame) -> None:
    """All lines in a grid; a save checks every change and writes it, audited, in one go."""
    if flash := st.session_state.pop("rl_saved", None):
        st.success(flash, icon=":material/check_circle:")
    st.caption(
        "All lines, whatever the filters above. Change a cell, add a row at the bottom or "
        "delete rows, then save: every change is checked first and written and audited in one "
        "go, or not at all. A line is known by its indicator, recipient and return."
    )
    # A new key after each save starts the grid afresh from the saved lines.
    editor_key = f"rl_editor_{st.session_state.setdefault('rl_editor_round', 0)}"
    original = reporting_edits.editable_lines(lines)
    with st.form("rl_edit_form", border=False):
        edited = st.data_editor(
            original,
            key=editor_key,
            num_rows="dynamic",
            hide_index=True,
            width="stretch",
            height=420,
            column_config={
                "indicator_code": st.column_config.TextColumn("Indicator", required=True),
                "recipient_type": st.column_config.SelectboxColumn(
                    "Recipient type", options=list(RECIPIENT_TYPES), required=True
                ),
                "recipient_code": st.column_config.TextColumn(
                    "Recipient", required=True,
                    help="Department code (HO, DfES…), GO, a regulator (AC, CSCI…) or LSP",
                ),
                "return_name": st.column_config.TextColumn("Return", width="large", required=True),
                "frequency": st.column_config.SelectboxColumn(
                    "Frequency", options=list(FREQUENCIES), required=True
                ),
                "laa_status": st.column_config.SelectboxColumn(
                    "Once the LAA is signed", options=list(REPORTING_STATUSES), required=True,
                    default="continues",
                ),
                "format": st.column_config.TextColumn("Format"),
                "due_days": st.column_config.NumberColumn(
                    "Due (days)", min_value=0, step=1, format="%d",
                    help="Days after the period end the return is due",
                ),
            },
        )  # fmt: skip
        submitted = st.form_submit_button(
            "Save changes", type="primary", icon=":material/save:", key="rl_save"
        )
    if not submitted:
        return
    typed = edited if isinstance(edited, pl.DataFrame) else pl.from_pandas(edited)
    codes = store.reference_codes(loaders.engine())
    edits = reporting_edits.line_edits(
        lines, typed, indicators=codes["indicator"], departments=codes["department"]
    )
    if edits.errors:
        st.error(
            "Nothing was saved. Please correct:\n\n" + "\n".join(f"- {e}" for e in edits.errors),
            icon=":material/error:",
        )
        return
    if edits.empty:
        st.info("No line was changed: nothing was saved.", icon=":material/info:")
        return
    try:
        with db.write_transaction(loaders.engine()) as conn:
            store.save_reporting_lines(conn, actor, edits.rows, remove=edits.removed)
    except (AccessDenied, store.RuleViolation) as exc:
        st.error(f"Nothing was saved: {exc}", icon=":material/error:")
        return
    st.session_state["rl_saved"] = f"Saved: {edits.describe()}. Each change is in the audit log."
    st.session_state["rl_editor_round"] += 1
    st.rerun()


def upload(actor: Actor) -> None:
    """A CSV or workbook of lines, tried first (nothing written), then written on request."""
    st.markdown("**Upload reporting lines (CSV)**")
    st.caption(
        "Columns: indicator_code, recipient_type, recipient_code, return_name, frequency, "
        "laa_status, and optionally format and due_days. Lines in the file are added or "
        "updated; lines not in it are kept."
    )
    file = st.file_uploader("Reporting lines file", type=["csv", "xlsx"], key="rl_upload")
    if file is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file.name).name
        path.write_bytes(file.getvalue())
        trial = importer.import_file(
            loaders.engine(), actor, "reporting_lines", path, dry_run=True, source_name=file.name
        )
        if not trial.ok:
            st.error(
                "The file is refused, nothing was written:\n\n"
                + "\n".join(f"- {e}" for e in trial.errors),
                icon=":material/error:",
            )
            return
        st.caption(trial.describe())
        if trial.summary.changed and st.button(
            "Write these lines", type="primary", key="rl_upload_commit"
        ):
            done = importer.import_file(
                loaders.engine(), actor, "reporting_lines", path, source_name=file.name
            )
            if done.ok:
                st.session_state["rl_saved"] = done.describe()
                st.session_state["rl_editor_round"] = st.session_state.get("rl_editor_round", 0) + 1
                st.rerun()
            st.error("\n".join(done.errors), icon=":material/error:")
