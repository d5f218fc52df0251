"""Streamlit entrypoint: page config, shared sidebar, navigation.

It lives inside the package (not next to `pages/`) so a fresh server never falls back to
legacy page routing, where a deep link would run a page without this entrypoint.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import components

st.set_page_config(
    page_title="LAA performance",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = [
    st.Page(
        "../pages/overview.py", title="LSP overview", icon=":material/dashboard:", default=True
    ),
]

navigation = st.navigation(PAGES)
components.sidebar_header()
navigation.run()
