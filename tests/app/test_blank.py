"""AppTest of pages/blank.py, the benchmarks' floor page: behind the same sign-in gate as every
page, one line of text and no data, and off the menu."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.ui import nav
from tests.app.conftest import app, errors

BLANK = "../pages/blank.py"
BLANK_TEXT = "This page is intentionally blank."


def open_blank(user: str | None) -> AppTest:
    at = app(user)
    at.switch_page(BLANK)
    return at.run()


def test_blank_page_shows_one_line_and_no_data_to_a_signed_in_user(demo_db: str) -> None:
    at = open_blank("viewer")
    assert not errors(at), errors(at)
    assert [m.value for m in at.main.markdown] == [BLANK_TEXT]
    assert not at.main.dataframe and not at.main.metric and not at.get("vega_lite_chart")


def test_blank_page_is_registered_off_the_menu(demo_db: str) -> None:
    at = app("admin").run()
    paths = [p["url_pathname"] for p in at._registered_pages.values()]
    assert "blank" in paths
    pages = at.session_state[nav.REGISTRY]
    assert pages["blank"].visibility == "hidden"
    assert pages["overview"].visibility == "visible"


def test_blank_page_asks_a_stranger_to_sign_in(demo_db: str) -> None:
    at = open_blank(None)
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert BLANK_TEXT not in [m.value for m in at.markdown]


def test_each_session_keeps_its_own_pages(demo_db: str) -> None:
    """Sessions do not share the page registry: a viewer's run, which has no Users page, does
    not take it from an administrator's session running at the same time (a shared registry
    was cleared and refilled by every run, and links failed in a session mid-run)."""
    admin = app("admin").run()
    viewer = app("viewer").run()
    assert not errors(admin) and not errors(viewer)
    assert "users" in admin.session_state[nav.REGISTRY]
    assert "users" not in viewer.session_state[nav.REGISTRY]
    assert admin.session_state[nav.REGISTRY] is not viewer.session_state[nav.REGISTRY]
