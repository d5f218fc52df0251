"""Streamlit entrypoint: page config, the shared sidebar (area, as-at), navigation.

It lives inside the package (not next to `pages/`) so a fresh server never falls back to
legacy page routing, where a deep link would run a page without this entrypoint.
"""

from __future__ import annotations

import streamlit as st

from dashboard.ui import auth, components, loaders, nav, state

st.set_page_config(
    page_title="LAA performance",
    page_icon=":material/insights:",
    layout="wide",
    initial_sidebar_state="expanded",
)

loaders.new_run()
actor = auth.gate()  # shows the sign-in form and stops when nobody is signed in
st.session_state["_current_actor"] = actor
# expanded: the whole menu, never "View more" (an administrator has 15 pages)
navigation = st.navigation(nav.register(actor), expanded=True)
if navigation.url_path == "":  # the root URL (the default page, `nav.START`, has no path)
    # On to the landing page before anything is drawn or read from the link, so a message
    # about the link's selections is given once, on the page that uses them.
    nav.forward_to_landing()
components.sidebar_header()
components.sidebar_user(actor)
settings = loaders.business_settings()
state.sidebar_selections(
    loaders.areas(), settings["today"],  # type: ignore[arg-type]
    past_view=navigation.url_path in nav.PAST_VIEW_PAGES,
)  # fmt: skip
navigation.run()
