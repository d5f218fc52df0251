"""Small page components in one visual language: header, badges, cards, downloads."""

from __future__ import annotations

import io
from collections.abc import Callable

import polars as pl
import streamlit as st

from dashboard.ui import loaders
from dashboard.ui.format import STATUS

CSS = """
<style>
.laa-badge {display:inline-block; padding:2px 10px; border-radius:12px; font-size:0.8rem;
  font-weight:600; background:#fff7bf; color:#594d00; border:1px solid #d9c400;}
.laa-card {border:1px solid #b1b4b6; border-left:6px solid var(--c); border-radius:4px;
  padding:0.6rem 0.9rem; background:#fff; height:100%;}
.laa-card .n {font-size:2.0rem; font-weight:700; line-height:1.1; color:#0b0c0c;}
.laa-card .l {font-size:0.95rem; color:#0b0c0c;}
.laa-card .s {font-size:0.8rem; color:#505a5f;}
</style>
"""


def sidebar_header() -> None:
    """Product name, and the demo-data badge when the demo database is in use."""
    st.html(CSS)
    settings = loaders.business_settings()
    with st.sidebar:
        st.markdown("**LAA performance**  \nLocal Area Agreement dashboard")
        if settings["demo"]:
            st.html(
                '<span class="laa-badge" title="Fictional areas and figures, generated for '
                'demonstration">DEMO DATA — fictional areas</span>'
            )


def status_card(rag: str | None, count: int, caption: str) -> None:
    icon, word, colour = STATUS.get(rag, STATUS[None])
    st.html(
        f'<div class="laa-card" style="--c:{colour}"><div class="l">'
        f'<span style="color:{colour}">{icon}</span> {word}</div>'
        f'<div class="n">{count}</div><div class="s">{caption}</div></div>'
    )


def table_downloads(frame: pl.DataFrame, name: str, key: str) -> None:
    """CSV and Excel downloads of a table, built only when clicked."""

    def excel() -> bytes:
        buffer = io.BytesIO()
        frame.write_excel(buffer, worksheet=name[:31])
        return buffer.getvalue()

    left, right, _ = st.columns([1, 1, 6])
    left.download_button(
        "CSV",
        data=lambda: frame.write_csv().encode(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
    )
    right.download_button(
        "Excel",
        data=excel,
        file_name=f"{name}.xlsx",
        key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
    )


def empty_state(message: str, hint: Callable[[], None] | None = None) -> None:
    st.info(message, icon=":material/info:")
    if hint:
        hint()
