"""My account: who I am, what I may see and change, and signing out."""

from __future__ import annotations

import streamlit as st

from dashboard import access
from dashboard.ui import auth, loaders

actor = loaders.actor()
st.title("My account")
st.markdown(f"Signed in as **{actor.name}**.")

rows = []
for grant in actor.grants:
    reads = {
        "admin": "everything",
        "officer": f"all of the {grant.area_code} LSP",
        "board": f"all of the {grant.area_code} LSP",
        "lead": f"all of the {grant.area_code} LSP",
        "viewer": f"all of the {grant.area_code} LSP",
        "go": f"every area in {grant.region_code}",
        "department": f"indicators reporting to {grant.department_code}, in every area",
    }[grant.role]
    writes = {
        "admin": "everything, including users",
        "officer": "values and commentary of any target; period locks; refresh changes",
        "board": "board-level commentary",
        "lead": f"values and commentary of targets owned by {grant.partnership}",
        "viewer": "nothing",
        "go": "GO agreement to target changes, assessments and reviews",
        "department": "nothing",
    }[grant.role]
    rows.append({"Role": grant.describe(), "Can see": reads, "Can change": writes})
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.warning("You hold no role yet: ask an administrator for access.", icon=":material/lock:")
st.caption(access.__doc__.split("\n\n")[0] if access.__doc__ else "")

if auth.session_cookie():
    # A same-tab link: the server route ends every session of this user and clears the cookie.
    st.html(
        '<a href="/account/signout" target="_self" style="display:inline-block;padding:0.45rem '
        "1rem;background:#1d70b8;color:#fff;border-radius:0.5rem;text-decoration:none;"
        'font-weight:600">Sign out</a>'
    )
elif st.button("Sign out", type="primary", icon=":material/logout:"):
    auth.sign_out()
    st.rerun()
