"""AppTest of pages/account.py (My account): who I am, my roles, signing out."""

from __future__ import annotations

from tests.app.conftest import app


def _account(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.switch_page("../pages/account.py")
    return at.run()


def test_lists_the_users_roles_and_what_they_allow(demo_db: str) -> None:
    at = _account("lead")
    assert not at.exception
    assert at.title[0].value == "My account"
    table = at.dataframe[0].value
    assert list(table["Role"]) == ["lead (D10 / Safer Thornbury Vale Partnership)"]
    assert "Safer Thornbury Vale Partnership" in table["Can change"].iloc[0]


def test_sign_out_without_a_cookie_ends_this_session(demo_db: str) -> None:
    at = _account("viewer")
    at.button[0].click().run()  # no session cookie in AppTest: the in-app sign-out button
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
