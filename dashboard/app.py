"""Streamlit entrypoint: page config, the shared sidebar (area, as-at), navigation.

It lives inside the package (not next to `pages/`) so a fresh server never falls back to
legacy page routing, where a deep link would run a page without this entrypoint.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import components, loaders, nav, state

st.set_page_config(
    page_title="LAA performance",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

navigation = st.navigation(nav.register())
components.sidebar_header()
settings = loaders.business_settings()
state.sidebar_selections(loaders.areas(), settings["today"])  # type: ignore[arg-type]
navigation.run()
