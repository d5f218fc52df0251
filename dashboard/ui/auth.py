"""The in-app sign-in gate: who is using this session, checked on every run.

Under `make run` the ASGI middleware (dashboard/server.py) has already required a valid
session cookie; this gate reads the same cookie (`st.context.cookies`), so a page never runs
for a stranger even if the app is served without the middleware. Without a cookie it shows
a sign-in form (AppTest, `streamlit run dashboard/app.py`; that sign-in lasts only as long as
the browser session — see the README). With single sign-on configured (`[auth]` in
secrets), `st.login` is offered and the identity's email is mapped to a user record.
"""

from __future__ import annotations

import streamlit as st

from dashboard import accounts, security
from dashboard.access import Actor
from dashboard.ui import loaders

SESSION_KEY = "_actor"


def _cookie_actor(url: str, token: str) -> Actor | None:
    """Checked on every run (two small queries): a sign-out, a disabled account or a revoked
    grant takes effect at the next interaction, with no cache to wait out."""
    return accounts.session_actor(loaders._engine(url), token)


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml: st.secrets raises even for .get
        return False


def session_cookie() -> str | None:
    """The session cookie sent with this page, if any (AppTest has no real cookies)."""
    token = st.context.cookies.get(accounts.SESSION_COOKIE) if st.context.cookies else None
    return token if isinstance(token, str) and token else None


def current_actor() -> Actor | None:
    """The signed-in user's actor, from the session cookie, SSO identity or this session."""
    token = session_cookie()
    if token:
        actor = _cookie_actor(loaders.database_url(), token)
        if actor is not None:
            return actor
    if _sso_configured() and st.user.get("is_logged_in"):
        email = st.user.get("email")
        actor = accounts.actor_for_email(loaders.engine(), str(email)) if email else None
        if actor is None:
            security.event("SSO_UNKNOWN", str(email), "identity has no user record")
        return actor
    stored = st.session_state.get(SESSION_KEY)
    if isinstance(stored, Actor):  # re-read grants: a revoked grant takes effect at once
        return accounts.actor_for(loaders.engine(), stored.name)
    return None


def sign_in_form() -> None:
    """User name (or email) and password; Enter submits."""
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("Sign in")
        st.caption("LAA performance — your partnership's dashboard.")
        if _sso_configured():  # local accounts sign in on the server's form (a lasting cookie)
            st.button("Sign in with your organisation account", on_click=st.login, type="primary")
            st.link_button("Sign in with a user name and password", "/account/signin")
            return
        with st.form("sign_in", border=True):
            login = st.text_input("User name or email", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary")
        if submitted:  # counted against this connection's address, like the server's form
            client = st.context.ip_address or "local"
            result = accounts.authenticate(loaders.engine(), login, password, client=client)
            if result.actor is None:
                st.error(result.message, icon=":material/error:")
            else:
                st.session_state[SESSION_KEY] = result.actor
                st.rerun()


def gate() -> Actor:
    """Return the signed-in actor, or show the sign-in form and stop the run."""
    actor = current_actor()
    if actor is None:
        sign_in_form()
        st.stop()
    return actor  # type: ignore[return-value]


def sign_out() -> None:
    actor = current_actor()
    if actor is not None:
        accounts.sign_out(loaders.engine(), actor)
    st.session_state.pop(SESSION_KEY, None)
    if _sso_configured() and st.user.get("is_logged_in"):
        st.logout()
