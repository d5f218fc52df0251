"""Reporting lines: every return each indicator feeds, and what stops or continues once the LAA
is signed. Administrators edit the lines here or upload them as CSV (audited)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import charts_reporting as cr
from dashboard import db, importer, store
from dashboard.access import AccessDenied
from dashboard.reports import reporting_edits
from dashboard.ui import components, loaders, nav, state
from dashboard.ui.plain import md
from data_models.vocab import FREQUENCIES, RECIPIENT_TYPES, REPORTING_STATUSES

actor = loaders.actor()
lines = loaders.reporting_lines()

st.title("Reporting lines")
st.caption(
    "Every return each indicator feeds: upward to a government department, the Government "
    "Office and the inspectorates, and across to the LSP board, with how often it is sent and "
    "what happens to it once the LAA is signed. The framework is the same for every area."
)


def admin_section() -> None:
    """Edit the lines in a grid, or upload them as CSV: administrators only (the store checks)."""
    if not actor.is_admin:
        return
    with st.expander("Edit reporting lines", icon=":material/edit:"):
        edit_grid()
        upload()


def edit_grid() -> None:
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


def upload() -> None:
    st.markdown("**Upload reporting lines (CSV)**")
    st.caption(
        "Columns: indicator_code, recipient_type, recipient_code, return_name, frequency, "
        "laa_status, and optionally format and due_days. Lines in the file are added or "
        "updated; lines not in it are kept."
    )
    file = st.file_uploader("Reporting lines file", type=["csv", "xlsx"], key="rl_upload")
    if file is None:
        return
    import tempfile
    from pathlib import Path

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


if lines.is_empty():
    components.empty_state(
        "No reporting lines yet. Add them below, one by one or from a CSV file."
        if actor.is_admin
        else "No reporting lines yet: an administrator adds them on this page."
    )
    admin_section()
    st.stop()

# ---- filters (remembered in the URL, so a view can be shared)
blocks = lines.select("block_code", "block_name", "block_order").unique().sort("block_order")
block_names = dict(zip(blocks["block_code"], blocks["block_name"], strict=True))
block_col, type_col, status_col, search_col = st.columns([2.2, 1.6, 1.6, 2])
block = state.select(
    "rl_block", "Block", ["", *block_names], container=block_col, publish_default=False,
    format_func=lambda c: block_names.get(c, "All blocks"),
)  # fmt: skip
recipient_type = state.select(
    "rl_recipient", "Recipient", ["", *RECIPIENT_TYPES], container=type_col,
    publish_default=False,
    format_func=lambda t: cr.RECIPIENT_TYPE_WORDS.get(t, "All recipients"),
)  # fmt: skip
laa_status = state.select(
    "rl_status", "Once the LAA is signed", ["", *REPORTING_STATUSES], container=status_col,
    publish_default=False, format_func=lambda s: cr.STATUS_WORDS.get(s, "All lines"),
)  # fmt: skip
search = search_col.text_input(
    "Indicator", key="rl_search", placeholder="Code or words, e.g. BV126 or crime"
)
shown = cr.filter_lines(
    lines, block=block or None, recipient_type=recipient_type or None,
    laa_status=laa_status or None, search=search,
)  # fmt: skip

counts = cr.line_counts(shown)
metrics = [
    ("Indicators", counts["indicators"], "Indicators with at least one line shown"),
    ("Reporting lines", counts["lines"], "One line: an indicator sent in one return to one recipient"),
    ("Continue", counts["continues"], "Still sent once the LAA is signed"),
    ("Stop", counts["stops"], "No longer sent once the LAA is signed"),
    ("Replaced", counts["replaced"], "Replaced by the LAA return to the Government Office"),
]  # fmt: skip
for column, (label, value, help_text) in zip(st.columns(len(metrics)), metrics, strict=True):
    column.metric(label, f"{value:,}", help=help_text, border=True)

if shown.is_empty():
    components.empty_state("No reporting line matches these filters.")
    admin_section()
    st.stop()

st.subheader("Map of reporting lines")
st.altair_chart(cr.reporting_matrix(shown), width="content", key="rl_matrix")


def lines_table(frame: pl.DataFrame, columns: list[str], height: int | None = None) -> None:
    """A table of lines sized to the page: the long texts get the room."""
    widths = {
        "indicator": 250,
        "recipient": 180,
        "return_name": 240,
        "block_name": 190,
        "format": 160,
    }
    config = {
        cr.LINE_COLUMNS[c]: st.column_config.Column(width=widths.get(c, "small")) for c in columns
    }
    config[cr.LINE_COLUMNS["due_days"]] = st.column_config.NumberColumn(
        width="small", help="Days after the period end the return is due"
    )
    st.dataframe(
        cr.line_table(frame, columns), hide_index=True, width="stretch", height=height or "auto",
        column_config=config,
    )  # fmt: skip


st.subheader("Look up a return")
by_indicator, by_return = st.tabs(["Indicator → returns", "Return → indicators"])
with by_indicator:
    indicators = shown.select("indicator_code", "indicator_name").unique().sort("indicator_code")
    names = dict(zip(indicators["indicator_code"], indicators["indicator_name"], strict=True))
    code = st.selectbox(
        "Indicator", list(names), key="rl_pick_indicator",
        format_func=lambda c: f"{c} · {names[c]}",
    )  # fmt: skip
    picked = shown.filter(pl.col("indicator_code") == code)
    st.caption(f"{picked.height} return{'s' if picked.height != 1 else ''} fed by {md(code)}.")
    lines_table(picked, ["recipient", "return_name", "frequency", "format", "due_days",
                         "status_short"])  # fmt: skip
with by_return:
    returns = shown["return_name"].unique().sort().to_list()
    name = st.selectbox("Return", returns, key="rl_pick_return")
    picked = shown.filter(pl.col("return_name") == name)
    receivers = ", ".join(md(r) for r in picked["recipient"].unique().sort().to_list())
    many = picked["indicator_code"].n_unique()
    st.caption(f"{many} indicator{'s' if many != 1 else ''} in this return, sent to {receivers}.")
    lines_table(picked, ["indicator", "block_name", "recipient", "frequency", "status_short"])

st.subheader("What stops and what continues once the LAA is signed")
ending = shown.filter(pl.col("laa_status") != "continues")
continuing = shown.filter(pl.col("laa_status") == "continues")
columns = ["indicator", "recipient", "return_name", "frequency", "items_a_year"]
st.markdown(f"**Stop or are replaced by the LAA return ({ending.height})**")
if ending.is_empty():
    st.caption("No line shown stops or is replaced.")
else:
    st.caption(
        "Returns partners no longer send once the LAA is signed: a stopped return ends; a "
        "replaced one is covered by the LAA return to the Government Office. Items a year: what "
        "the line sends at its frequency ("
        + nav.help_link("burden", "how burden is counted")
        + ")."
    )
    lines_table(ending, [*columns[:4], "status_short", "items_a_year"], height=390)
    components.table_downloads(cr.line_table(ending), "reporting-lines-stop", key="rl_ending_dl")
st.markdown(f"**Continue ({continuing.height})**")
if continuing.is_empty():
    st.caption("No line shown continues.")
else:
    lines_table(continuing, columns, height=390)
    components.table_downloads(
        cr.line_table(continuing), "reporting-lines-continue", key="rl_continuing_dl"
    )

admin_section()
