"""AppTest of pages/account.py (My account): who I am, my roles, my password, signing out."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard import accounts, db
from tests.app.conftest import app, errors

DEMO_PASSWORD = "laa-demo"
NEW_PASSWORD = "thornbury-vale-2008"


def _account(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.switch_page("../pages/account.py")
    return at.run()


def test_lists_the_users_roles_and_what_they_allow(demo_db: str) -> None:
    at = _account("lead")
    assert not at.exception
    assert at.title[0].value == "My account"
    table = at.dataframe[0].value
    assert list(table["Role"]) == [
        "Thematic partnership lead: Safer Thornbury Vale Partnership, Thornbury Vale (D10)"
    ]
    assert table["Can see"].iloc[0] == "all of the Thornbury Vale (D10) LSP"
    assert "Safer Thornbury Vale Partnership" in table["Can change"].iloc[0]


def test_sign_out_without_a_cookie_ends_this_session(demo_db: str) -> None:
    at = _account("viewer")
    at.button(key="sign_out").click().run()  # no session cookie in AppTest: the in-app button
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]


def _change(at: AppTest, current: str, new: str, repeat: str) -> AppTest:
    current_box, new_box, repeat_box = at.text_input
    current_box.input(current)
    new_box.input(new)
    repeat_box.input(repeat)
    at.button[0].click()  # the form's "Change password"
    return at.run()


def test_password_change_form_refuses_in_plain_words_then_changes(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    at = _account("officer")
    assert [t.label for t in at.text_input] == [
        "Current password",
        "New password (8 or more characters)",
        "New password again",
    ]
    assert at.button[0].label == "Change password"

    _change(at, "not-my-password", NEW_PASSWORD, NEW_PASSWORD)
    assert [e.value for e in at.error] == ["The current password is not right."]
    _change(at, DEMO_PASSWORD, "short", "short")
    assert [e.value for e in at.error] == ["The new password needs at least 8 characters."]
    _change(at, DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert [e.value for e in at.error] == ["The two new passwords are not the same."]
    assert accounts.authenticate(engine, "officer", DEMO_PASSWORD).actor is not None

    _change(at, DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert not errors(at), errors(at)
    assert at.success[0].value.startswith("Your password is changed.")
    assert at.title[0].value == "My account"  # this session goes on
    assert accounts.authenticate(engine, "officer", DEMO_PASSWORD).actor is None
    assert accounts.authenticate(engine, "officer", NEW_PASSWORD).actor is not None


def test_single_sign_on_users_have_no_password_form(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    admin = accounts.actor_for(engine, "admin")
    assert admin is not None
    accounts.add_user(engine, admin, "sso", "Sam Single", None, "sam@example.org")
    at = _account("sso")
    assert not at.exception
    assert not at.text_input
    assert "organisation account" in at.info[0].value
