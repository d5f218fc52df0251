"""My updates' offline route: the Excel template to download, and a filled-in file uploaded,
checked as a whole, previewed and written (all rows or none). The keys of the page's session
state live here too, as both the page and the upload clear them after a write."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import streamlit as st

from dashboard import entry
from dashboard.access import Actor
from dashboard.analysis import Assessment
from dashboard.ui import loaders

FLASH = "updates_flash"  # the success message that survives the rerun after a save
GRID = "entry_grid"  # the data editor's key (its edits)
DRAWN = "updates_drawn"  # the grid as drawn, its scope, and the revision each row was seen at
UPLOAD_ROUND = "updates_upload_round"  # a new uploader (empty) after each written upload
SEEN_UPLOAD = "updates_upload_seen"  # (file id, revisions) when an uploaded file was first checked
PREVIEW_COLUMNS = (
    "row", "indicator_code", "indicator_name", "period_label", "period", "value", "current",
    "change", "status", "commentary",
)  # fmt: skip


def offline_template(result: Assessment, actor: Actor, area_code: str, today: date) -> None:
    """Download the template; upload it filled in, see it checked, confirm and write it."""
    st.subheader("Report offline with the Excel template")
    st.caption(
        "Download the template, fill in the *value* column (and status, data quality, note and "
        "commentary), and upload it. Beside each row it shows the indicator, its unit, the last "
        "value and the expected one. The same checks as the grid apply; nothing is written until "
        "you confirm, and then all rows are written or none."
    )
    st.download_button(
        "Download template (Excel)",
        data=lambda: entry.template_workbook(result, actor),
        file_name=f"updates-{area_code}-{today.isoformat()}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        key="template",
    )
    round_ = st.session_state.get(UPLOAD_ROUND, 0)
    upload = st.file_uploader(
        "Upload the filled-in template", type=["xlsx", "csv"], key=f"upload_{round_}"
    )
    if upload is not None:
        with tempfile.TemporaryDirectory() as folder:
            name = Path(upload.name).name
            raw = Path(folder) / f"upload{Path(name).suffix.lower()}"
            raw.write_bytes(upload.getvalue())
            review = entry.review_upload(loaders.engine(), actor, result, raw, name, today)
            if review.errors:
                st.error(
                    "The file is refused, nothing was written:\n\n"
                    + "\n".join(f"- {e}" for e in review.errors)
                )
                return
            # What this file was first checked against: someone else's save after that is a
            # conflict when it is written, not silently replaced.
            first = st.session_state.get(SEEN_UPLOAD)
            if first is None or first[0] != upload.file_id:
                st.session_state[SEEN_UPLOAD] = first = (upload.file_id, review.seen)
            seen = first[1]
            st.dataframe(
                review.preview,
                hide_index=True,
                width="stretch",
                column_order=[c for c in PREVIEW_COLUMNS if c in review.preview.columns],
                column_config={
                    "row": st.column_config.NumberColumn("Row", help="The row in your file"),
                    "indicator_code": "Code",
                    "indicator_name": "Indicator",
                    "period_label": "Period",
                    "period": "Period end",
                    "value": "Value",
                    "current": st.column_config.NumberColumn("Current value"),
                    "change": "Change",
                    "status": "Status",
                    "commentary": "Commentary",
                },
            )
            st.caption(review.trial.describe() if review.trial else "")
            if review.check.errors:
                st.error(
                    "Nothing can be written yet. Please correct the file and upload it again:\n\n"
                    + "\n".join(f"- {e}" for e in review.check.errors)
                )
            confirmed = True
            if review.check.to_confirm:
                st.warning(
                    "Please check these values before writing them:\n\n"
                    + "\n".join(f"- {w}" for w in review.check.to_confirm)
                )
                confirmed = st.checkbox(
                    "I have checked the values flagged as outside their plausible range or far "
                    "better than expected",
                    key=f"confirm_upload_{round_}",
                )
            if review.writable and st.button(
                "Write these values",
                type="primary",
                key="commit_upload",
                disabled=not confirmed,
            ):
                done = entry.write_upload(loaders.engine(), actor, raw, review, seen=seen)
                if not done.ok:
                    st.session_state[SEEN_UPLOAD] = (upload.file_id, review.seen)  # now reviewed
                    st.error("Nothing was written:\n\n" + "\n".join(f"- {e}" for e in done.errors))
                    return
                comments = len(review.check.commentary)
                st.session_state[FLASH] = (
                    f"Saved {done.summary.inserted} value{'s' if done.summary.inserted != 1 else ''}"
                    + (f" and {comments} comment{'s' if comments != 1 else ''}" if comments else "")
                    + f" from {name}. The charts and statuses now include them."
                )
                st.session_state[UPLOAD_ROUND] = round_ + 1
                st.session_state.pop(SEEN_UPLOAD, None)
                st.session_state.pop(GRID, None)
                st.session_state.pop(DRAWN, None)
                st.rerun()
