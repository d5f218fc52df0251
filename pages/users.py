"""Users and access (administrators): who may see and change what."""

from __future__ import annotations

import streamlit as st

from dashboard import accounts, store
from dashboard.access import ROLES, SCOPE_OF_ROLE, AccessDenied, Grant
from dashboard.ui import loaders

actor = loaders.actor()
engine = loaders.engine()
st.title("Users and access")
try:
    users = accounts.users_table(engine, actor)
except AccessDenied:
    st.error("Only administrators manage users.", icon=":material/lock:")
    st.stop()

st.dataframe(
    users,
    hide_index=True,
    width="stretch",
    column_config={"Access": st.column_config.TextColumn(width="large")},
)
names = accounts.scope_names(engine)

add, change = st.columns(2)
with add, st.form("add_user"):
    st.subheader("Add a user")
    username = st.text_input("User name")
    display = st.text_input("Full name")
    email = st.text_input("Email (for single sign-on)")
    password = st.text_input(
        "Initial password (8+ characters; empty for SSO only)", type="password"
    )
    if st.form_submit_button("Add user"):
        try:
            accounts.add_user(
                engine, actor, username, display or username, password or None, email or None
            )
            st.success(f"Added {username}.")
        except accounts.AccountError as exc:
            st.error(str(exc))

with change, st.form("grant"):
    st.subheader("Grant or revoke a role")
    usernames = users["User"].to_list()
    who = st.selectbox("User", usernames) if usernames else None
    role = st.selectbox("Role", ROLES, format_func=lambda r: accounts.ROLE_WORDS.get(r, r))
    areas = store.list_areas(engine, actor)
    area = st.selectbox(
        "Area (officer, board, lead, viewer)",
        [None, *areas["area_code"].to_list()],
        format_func=lambda c: names.area(c) if c else "—",
    )
    partnership = st.text_input("Partnership name (lead)")
    region = st.selectbox(
        "Government Office region (go)",
        [None, *sorted(names.regions)],
        format_func=lambda c: names.region(c) if c else "—",
    )
    department = st.selectbox(
        "Department (department)",
        [None, *sorted(names.departments)],
        format_func=lambda c: names.department(c) if c else "—",
    )
    grant_clicked = st.form_submit_button("Grant")
    revoke_clicked = st.form_submit_button("Revoke")
    if (grant_clicked or revoke_clicked) and who:
        scope = {
            "area_code": area,
            "partnership": partnership or None,
            "region_code": region,
            "department_code": department,
        }
        wanted = {k: v for k, v in scope.items() if k in SCOPE_OF_ROLE[role]}
        try:
            new = Grant(role, **wanted)
            done = (accounts.grant if grant_clicked else accounts.revoke)(engine, actor, who, new)
            st.success(
                f"{'Granted' if grant_clicked else 'Revoked'} {names.grant(new)}."
                if done
                else "No change."
            )
        except (ValueError, accounts.AccountError) as exc:
            st.error(str(exc))

with st.form("unlock"):
    st.subheader("Clear sign-in delays")
    st.caption(
        "Wrong passwords slow further attempts down (no account is ever locked). If someone is "
        "kept waiting after a flood of wrong passwords, clear their delays here."
    )
    slowed = users.filter(users["Sign-in slowed"])["User"].to_list()
    unlock_who = st.selectbox("Whose delays", slowed or usernames, key="unlock_user")
    if st.form_submit_button("Clear delays") and unlock_who:
        try:
            cleared = accounts.unlock(engine, actor, unlock_who)
        except accounts.AccountError as exc:
            st.error(str(exc))
        else:
            st.success(
                f"Cleared the sign-in delays of {unlock_who}."
                if cleared
                else f"{unlock_who} had no sign-in delays."
            )
