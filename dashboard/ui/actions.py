"""Drawing the action log on the meetings page: the actions (open first, overdue marked), the
form that raises one against a target or a meeting, and the form that closes or drops one.
The store decides who may write and keeps every change of status."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import streamlit as st

from dashboard import access, store
from dashboard.access import AccessDenied, Actor
from dashboard.ui import loaders
from dashboard.ui.plain import md

STATUS_WORDS = {"open": "○ Open", "done": "● Done", "dropped": "✖ Dropped"}
FLASH = "_meetings_flash"  # the meetings page's message after a write


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def may_write(actor: Actor, area_code: str) -> bool:
    """Whether to offer the forms (a lead may write its own targets' actions: the store
    checks the target)."""
    return access.can_write_board_commentary(actor, area_code) or any(
        g.role == "lead" and g.area_code == area_code for g in actor.grants
    )


def table(actions: pl.DataFrame) -> None:
    if actions.is_empty():
        st.caption("No actions yet.")
        return
    st.dataframe(
        actions.select(
            pl.col("status").replace_strict(STATUS_WORDS).alias("Status"),
            pl.when(pl.col("overdue")).then(pl.lit("▲ overdue")).otherwise(pl.lit("")).alias("Due"),
            pl.col("due_on").dt.strftime("%d %b %Y").alias("By"),
            pl.col("text").alias("Action"),
            pl.col("owner").alias("Owner"),
            pl.col("indicator_code").fill_null("–").alias("Target"),
            pl.col("status_note").fill_null("").alias("Latest note"),
            pl.col("raised_by").alias("Raised by"),
        ),
        hide_index=True, width="stretch", key="actions_table",
    )  # fmt: skip


def raise_form(
    area_code: str, meetings: pl.DataFrame, codes: list[str], people: list[str], today: date
) -> None:
    """`people`: the names to offer as owners (the area's people, its targets' lead officers,
    earlier owners); anyone else can be typed, as boards give actions to people outside."""
    with st.form("action_raise", clear_on_submit=True, border=True):
        text = st.text_area("Action", key="action_text", height=70,
                            placeholder="What will be done, e.g. a recovery plan to the next board")  # fmt: skip
        left, middle, right = st.columns(3)
        owner = left.selectbox(
            "Owner", people, index=None, key="action_owner", accept_new_options=True,
            placeholder="Pick or type a name",
            help="Pick one of the area's people, or type anyone else's name. Reminders go to "
            "owners who sign in here, and My updates lists their overdue actions.",
        )  # fmt: skip
        due_on = middle.date_input(
            "By", today + timedelta(days=28), key="action_due", format="DD/MM/YYYY"
        )
        code = right.selectbox("Target", [None, *codes], key="action_target",
                               format_func=lambda c: "Not linked to a target" if c is None else c)  # fmt: skip
        held = meetings.filter(pl.col("meets_on") <= today).sort("meets_on", descending=True)
        rows = {r["meeting_id"]: r for r in held.iter_rows(named=True)}
        meeting = st.selectbox(
            "Agreed at", [None, *rows], key="action_meeting",
            format_func=lambda i: "Not at a meeting" if i is None else
            f"{rows[i]['title']} ({rows[i]['meets_on']:%d %b %Y})",
        )  # fmt: skip
        raised = st.form_submit_button(
            "Raise the action", icon=":material/add_task:", key="action_raise_button"
        )
    if not raised:
        return
    try:
        action_id = store.raise_action(loaders.engine(), loaders.actor(), area_code, text,
                                       owner or "", due_on, indicator_code=code,
                                       meeting_id=meeting)  # fmt: skip
    except (AccessDenied, store.RuleViolation) as exc:
        reason = "your access does not allow it" if isinstance(exc, AccessDenied) else str(exc)
        st.error(f"The action was not raised: {md(reason)}", icon=":material/error:")
        return
    st.session_state["action_pick"] = action_id  # what is recorded next is about this one
    _done(f"Action raised for {(owner or '').strip()}, due {due_on:%d %B %Y}.")


def update_form(actions: pl.DataFrame) -> None:
    if actions.is_empty():
        return
    rows = {r["action_id"]: r for r in actions.iter_rows(named=True)}
    with st.form("action_update", border=True):
        picked = st.selectbox(
            "Action", list(rows), key="action_pick",
            format_func=lambda i: f"{STATUS_WORDS[rows[i]['status']]} · {rows[i]['owner']} · {rows[i]['text'][:80]}",
        )  # fmt: skip
        status = st.radio("Now", ["done", "dropped", "open"], horizontal=True, key="action_status",
                          format_func=lambda s: {"done": "Done", "dropped": "Dropped", "open": "Open again"}[s])  # fmt: skip
        note = st.text_input("Note (why, for a dropped action)", key="action_note")
        save = st.form_submit_button(
            "Record", icon=":material/task_alt:", key="action_update_button"
        )
    if not save:
        return
    try:
        store.update_action(loaders.engine(), loaders.actor(), int(picked), status, note)
    except (AccessDenied, store.RuleViolation) as exc:
        reason = "your access does not allow it" if isinstance(exc, AccessDenied) else str(exc)
        st.error(f"The action was not updated: {md(reason)}", icon=":material/error:")
        return
    _done(f"Action marked {status}.")


def overview_line(area_code: str, today: date) -> None:
    """Overdue actions, for the LSP overview."""
    from dashboard.ui import nav

    if access.department_only(loaders.actor()):
        return
    try:  # counted once per data version: the overview's every run shows it
        overdue = loaders.derived(
            ("overdue_actions", area_code, today),
            lambda: loaders.actions(area_code, today).filter(pl.col("overdue")).height,
            area=area_code,
        )
    except AccessDenied:
        return
    if overdue:
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            st.caption(f"▲ {overdue} action{'s' if overdue != 1 else ''} overdue.")
            nav.link("meetings", "Open the action log", icon=":material/checklist:")


def my_overdue(area_code: str, mine: pl.DataFrame, today: date) -> None:
    """On My updates: the overdue actions this user owns (by the name they are known by), on
    the targets they report (`mine`: `entry.writable_targets`), or not linked to a target for
    the area's officer."""
    from dashboard.ui import nav

    try:
        log = loaders.actions(area_code, today)
    except AccessDenied:
        return
    officer = access.can_propose(loaders.actor(), area_code)
    linked = pl.col("indicator_code").is_in(mine["indicator_code"].implode())
    owned = pl.col("owner").str.to_lowercase() == loaders.my_name().strip().lower()
    overdue = log.filter(
        pl.col("overdue")
        & (owned | linked | (pl.lit(officer) & pl.col("indicator_code").is_null()))
    )
    if overdue.is_empty():
        return
    with st.container(border=True, key="my_actions"):
        st.markdown(
            f"**▲ {overdue.height} action{'s' if overdue.height != 1 else ''} overdue: yours "
            "or on your targets**"
        )
        for row in overdue.iter_rows(named=True):  # a handful: one line each
            st.caption(
                f"{md(row['text'])} — {md(row['owner'])}, due {row['due_on']:%d %B %Y}"
                + (f" ({row['indicator_code']})" if row["indicator_code"] else "")
            )
        nav.link("meetings", "Open the action log", icon=":material/checklist:")
