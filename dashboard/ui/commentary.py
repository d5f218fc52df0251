"""The indicator page's commentary form: officer commentary (why, and what is being done) or a
board comment, on any period of the target that has a value, or in general.

Who may write what is the store's decision (`store.record_commentary`); the form only offers
what the signed-in user's grants allow, so nobody fills in a form that will be refused.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from dashboard import access, store
from dashboard.metrics import period_label_expr
from dashboard.reports.board import COMMENTARY_KIND_WORDS
from dashboard.ui import loaders

GENERAL = "General: not about one period"
_SAVED = "_commentary_saved"


def period_options(revisions: pl.DataFrame, target: dict, as_at: date) -> dict[date | None, str]:
    """The target's periods with a value at `as_at`, newest first, then general (None)."""
    periods = (
        revisions.filter(pl.col("period") <= as_at)
        .select(pl.col("period").unique())
        .sort("period", descending=True)
        .with_columns(
            label=period_label_expr(
                "period", pl.lit(target["frequency"]), pl.lit(target.get("period_basis"))
            )
        )
    )
    options: dict[date | None, str] = dict(
        zip(periods["period"].to_list(), periods["label"].to_list(), strict=True)
    )
    options[None] = GENERAL
    return options


def commentary_form(area_code: str, target: dict, revisions: pl.DataFrame, as_at: date) -> None:
    """Add commentary to the target: only for those who may write it."""
    actor = loaders.actor()
    kinds = [
        kind
        for kind, allowed in (
            ("officer", access.can_write_value(actor, area_code, target["partnership"])),
            ("board", access.can_write_board_commentary(actor, area_code)),
        )
        if allowed
    ]
    if not kinds:
        st.caption(
            "Commentary is written by the area's performance officer and the lead of the "
            "owning partnership; board members add board comments."
        )
        return
    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(saved, icon=":material/check_circle:")
    kind = kinds[0]
    if len(kinds) > 1:
        kind = st.radio(
            "Write", kinds, format_func=COMMENTARY_KIND_WORDS.__getitem__, horizontal=True,
            key="commentary_kind",
        )  # fmt: skip
    options = period_options(revisions, target, as_at)
    with st.form("commentary", clear_on_submit=True):
        st.markdown(f"**Add {COMMENTARY_KIND_WORDS[kind].lower()}**")
        period = st.selectbox(
            "Period", list(options), format_func=options.__getitem__, key="commentary_period",
            help="Any period of this target that has a value, or a general comment.",
        )  # fmt: skip
        if kind == "officer":
            text = st.text_area("Why is the target where it is?", key="commentary_why")
            action = st.text_area("What is being done?", key="commentary_action")
        else:
            text = st.text_area("Board comment", key="commentary_text")
            action = ""
        submitted = st.form_submit_button("Add", type="primary", key="commentary_add")
    if not submitted:
        return
    try:
        store.record_commentary(
            loaders.engine(), actor, area_code, target["indicator_code"], period, text,
            action=action, kind=kind,
        )  # fmt: skip
    except access.AccessDenied:
        st.error("Nothing was saved: you may not add this commentary.", icon=":material/error:")
        return
    except store.RuleViolation as exc:
        st.error(f"Nothing was saved: {exc}", icon=":material/error:")
        return
    st.session_state[_SAVED] = (
        f"{COMMENTARY_KIND_WORDS[kind]} added on {options[period]}; earlier commentary is kept."
    )
    st.rerun()
