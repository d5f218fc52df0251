"""Cross-page selections kept in our own session keys and in the URL, so links can be shared.

Widget state is dropped when a page is left, so each widget is re-seeded from these keys.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st


def _remember(key: str, value: str | None) -> None:
    st.session_state[f"sel_{key}"] = value
    if value is None:
        st.query_params.pop(key, None)
    elif st.query_params.get(key) != value:
        st.query_params[key] = value


def area_picker(areas: pl.DataFrame) -> str | None:
    """The selected area (from the link, else this session, else the first), in the sidebar."""
    if areas.is_empty():
        return None
    codes = areas["area_code"].to_list()
    names = dict(zip(codes, areas["area_name"].to_list(), strict=True))
    wanted = st.query_params.get("area") or st.session_state.get("sel_area")
    current = wanted if wanted in names else codes[0]
    choice = st.sidebar.selectbox(
        "Area",
        codes,
        index=codes.index(current),
        format_func=lambda code: f"{names[code]} ({code})",
        key="widget_area",
        help="The Local Strategic Partnership whose agreement you are looking at.",
    )
    _remember("area", choice)
    return choice


def as_at_picker(today: date) -> date:
    """The business date to look at: the app's today unless the user picks an earlier one."""
    wanted = st.query_params.get("as_at") or st.session_state.get("sel_as_at")
    try:
        current = date.fromisoformat(wanted) if wanted else today
    except ValueError:
        current = today
    picked = st.sidebar.date_input(
        "As at",
        value=min(current, today),
        max_value=today,
        key="widget_as_at",
        format="DD/MM/YYYY",
        help="See the position as it stood on an earlier date. Periods ending later do not count.",
    )
    _remember("as_at", None if picked == today else picked.isoformat())
    return picked
