"""Meeting mode: a projector view of the overview — large type, exceptions first, one target
per screen with previous/next, readable from the back of a room."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard.analysis import Assessment
from dashboard.formatting import DIRECTION, STATUS, money, value_text
from dashboard.reports import board
from dashboard.ui import components

LARGE_TYPE = """
<style>
[data-testid="stMainBlockContainer"] {max-width: 100%; padding-top: 4rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {font-size: 1.45rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 2.8rem;}
[data-testid="stMainBlockContainer"] h2 {font-size: 2.1rem;}
.laa-big {font-size: 1.6rem; line-height: 1.5;}
.laa-big .v {font-size: 2.6rem; font-weight: 700;}
.laa-quote {font-size: 1.35rem;}
</style>
"""


def slides(result: Assessment) -> pl.DataFrame:
    """Exceptions first (worst first), then the other targets in block order."""
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    rest = (
        result.targets.filter(~pl.col("target_id").is_in(exceptions["target_id"].implode()))
        .join(
            board.latest_commentary(result.scope.commentary, result.as_at),
            on=["area_code", "indicator_code"],
            how="left",
        )
        .sort("block_order", "indicator_code")
    )
    return pl.concat([exceptions.with_columns(exception=pl.lit(True)),
                      rest.with_columns(exception=pl.lit(False))], how="diagonal_relaxed")  # fmt: skip


def show(result: Assessment, area: dict) -> None:
    st.html(LARGE_TYPE)
    deck = slides(result)
    if deck.is_empty():
        st.title(f"{area['area_name']} LSP")
        components.empty_state("This area has no targets yet.")
        return
    summary = result.areas.row(0, named=True)
    counts = board.status_counts(result.targets)
    st.title(f"{area['area_name']} LSP — board meeting")
    st.html(
        '<div class="laa-big">'
        + " &nbsp; ".join(
            f'<span style="color:{STATUS[k][2]}">{STATUS[k][0]} {counts[k]} {STATUS[k][1].lower()}</span>'
            for k in ("green", "amber", "red", None)
        )
        + f" &nbsp;·&nbsp; reward forecast <b>{money(summary['prg_gbp'], short=True)}</b> of "
        f"{money(summary['max_prg_gbp'], short=True)}</div>"
    )
    total = deck.height
    position = min(max(int(st.session_state.get("slide", 0)), 0), total - 1)
    back, where, forward = st.columns([1, 3, 1], vertical_alignment="center")
    if back.button("◀ Previous", disabled=position == 0, width="stretch", key="slide_prev"):
        st.session_state["slide"] = position - 1
        st.rerun()
    if forward.button("Next ▶", disabled=position >= total - 1, width="stretch", key="slide_next"):
        st.session_state["slide"] = position + 1
        st.rerun()
    row = deck.row(position, named=True)
    where.markdown(
        f"<div style='text-align:center'>Target {position + 1} of {total}"
        + (" · <b>exception</b>" if row["exception"] else "")
        + "</div>",
        unsafe_allow_html=True,
    )
    icon, word, colour = STATUS.get(row["rag"], STATUS[None])
    st.header(f"{row['indicator_code']} — {row['indicator_name']}")
    chart_col, facts_col = st.columns([2, 1])
    with chart_col:
        components.trajectory(
            result, row["target_id"], height=480, key=f"meeting_{position}", font_size=17,
            title=f"{row['indicator_code']} trajectory",
        )  # fmt: skip
    with facts_col:
        direction = DIRECTION.get(row["direction"], "")
        st.html(
            f'<div class="laa-big"><span style="color:{colour}" class="v">{icon} {word}</span><br>'
            f"Latest <b>{value_text(row, 'latest_value')}</b><br>"
            f"Expected {value_text(row, 'expected_value')}<br>"
            f"Target {value_text(row, 'target_value')}<br>{direction}</div>"
        )
        st.markdown(
            f"**Owner:** {row['partnership']}"
            + (f", {row['lead_officer']}" if row["lead_officer"] else "")
        )
        if row.get("commentary"):
            components.quote(
                row["commentary"], row.get("commentary_author"), row.get("commentary_at")
            )
