"""My account: who I am, what I may see and change, my password, and signing out."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

import streamlit as st

from dashboard import access, accounts
from dashboard.ui import auth, loaders
from dashboard.ui.plain import md


def _same_tab_link(label: str, href: str) -> str:
    """A button-like link to a server route, opened in this tab (the route sets the cookie)."""
    return (
        f'<a href="{escape(href)}" target="_self" style="display:inline-block;padding:0.45rem '
        "1rem;background:#1d70b8;color:#fff;border-radius:0.5rem;text-decoration:none;"
        f'font-weight:600">{escape(label)}</a>'
    )


def _sign_out_form(token: str) -> str:
    """A button that POSTs to the server's sign-out route, in this tab."""
    return (
        '<form method="post" action="/account/signout" style="margin:0">'
        f'<input type="hidden" name="csrf" value="{escape(token)}">'
        '<button type="submit" style="padding:0.45rem 1rem;background:#1d70b8;color:#fff;'
        'border:0;border-radius:0.5rem;font-weight:600;font-size:1rem;cursor:pointer">'
        "Sign out</button></form>"
    )


actor = loaders.actor()
engine = loaders.engine()
st.title("My account")
st.markdown(f"Signed in as **{md(actor.name)}**.")

names = accounts.scope_names(engine)
rows = []
for grant in actor.grants:
    area, region = names.area(grant.area_code), names.region(grant.region_code)
    reads = {
        "admin": "everything",
        "officer": f"all of the {area} LSP",
        "board": f"all of the {area} LSP",
        "lead": f"all of the {area} LSP",
        "viewer": f"all of the {area} LSP",
        "go": f"every area of the {region}",
        "department": f"indicators reporting to {names.department(grant.department_code)}, "
        "in every area",
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
    rows.append({"Role": names.grant(grant), "Can see": reads, "Can change": writes})
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.warning("You hold no role yet: ask an administrator for access.", icon=":material/lock:")
st.caption(access.__doc__.split("\n\n")[0] if access.__doc__ else "")

st.subheader("Change your password")
if not accounts.has_password(engine, actor.name):
    st.info(
        "You sign in with your organisation account, so your password is changed there.",
        icon=":material/info:",
    )
else:
    with st.form("change_password", clear_on_submit=True, border=True):
        current = st.text_input(
            "Current password", type="password", autocomplete="current-password"
        )
        new = st.text_input(
            f"New password ({accounts.MIN_PASSWORD_LENGTH} or more characters)",
            type="password",
            autocomplete="new-password",
        )
        repeat = st.text_input("New password again", type="password", autocomplete="new-password")
        submitted = st.form_submit_button("Change password", type="primary")
    if submitted:
        try:
            if new != repeat:
                raise accounts.AccountError("The two new passwords are not the same.")
            accounts.change_password(engine, actor, current, new)
        except accounts.AccountError as exc:
            st.error(str(exc), icon=":material/error:")
        else:
            # Every earlier session has ended, this one's cookie too: this tab goes on (the
            # gate reads the session), and the link swaps the cookie for a fresh one.
            st.session_state[auth.SESSION_KEY] = actor
            st.success(
                "Your password is changed. You are signed out everywhere else: sign in there "
                "with the new password.",
                icon=":material/check_circle:",
            )
            if auth.session_cookie():
                token = quote(accounts.renewal_token(actor), safe="")
                st.html(
                    _same_tab_link("Continue here", f"/account/renew?token={token}&next=%2Faccount")
                )

st.subheader("Sign out")
session = auth.session_cookie()
if session:
    # The server route ends every session of this user and clears the cookie; only a POST
    # carrying this token does (a link or image on another site cannot sign anyone out).
    st.html(_sign_out_form(accounts.form_token("signout", session)))
elif st.button("Sign out", type="primary", icon=":material/logout:", key="sign_out"):
    auth.sign_out()
    st.rerun()
