"""Changing one's password on My account, in Chromium against the served app: the form
refuses a wrong current password in plain words; a change keeps this browser signed in
(by "Continue here") and ends the user's other sessions; the new password signs in, the old
one no longer does.

The test makes its own user in the demo database, so no other browser test's sign-in changes.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dashboard import accounts, db, store
from dashboard.access import Grant
from tests.e2e.conftest import (
    SIGNIN_URL,
    VIEWPORT,
    assert_no_exception,
    fill_signin,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

USER = "pat"
OLD = "pat-first-password"
NEW = "pat-second-password"


def _change(page, current: str, new: str, repeat: str) -> None:  # type: ignore[no-untyped-def]
    main = page.get_by_test_id("stMain")
    main.get_by_label("Current password").fill(current)
    main.get_by_label("New password (8 or more characters)").fill(new)
    main.get_by_label("New password again").fill(repeat)
    main.get_by_role("button", name="Change password").click()
    wait_for_app(page)


def test_change_password_keeps_this_browser_and_ends_the_others(  # type: ignore[no-untyped-def]
    browser, stranger, demo_server, demo_url
) -> None:
    engine = db.get_engine(demo_url)
    admin = store.cli_actor("e2e")
    accounts.add_user(engine, admin, USER, "Pat Example", OLD)
    accounts.grant(engine, admin, USER, Grant("viewer", area_code="D10"))
    db.dispose_all()

    other = browser.new_context(viewport=VIEWPORT)  # the same user on another device
    try:
        laptop = signed_in(other.new_page(), demo_server, USER, OLD, path="/account")
        page = signed_in(stranger, demo_server, USER, OLD, path="/account")
        expect(page.get_by_role("heading", name="Change your password")).to_be_visible()

        _change(page, "not-my-password", NEW, NEW)
        expect(page.get_by_text("The current password is not right.")).to_be_visible()

        _change(page, OLD, NEW, NEW)
        assert_no_exception(page)
        expect(page.get_by_text("Your password is changed.")).to_be_visible()
        page.get_by_test_id("stMain").get_by_role("link", name="Continue here").click()
        expect(page).to_have_url(re.compile(r"/account$"))
        wait_for_app(page)
        page.reload()  # the fresh cookie lasts: still signed in after a reload
        wait_for_app(page)
        expect(page.get_by_role("heading", name="My account")).to_be_visible()

        page.wait_for_timeout(5_500)  # the gate remembers a token's verdict for 5 s
        laptop.goto(f"{demo_server}/account")
        expect(laptop).to_have_url(SIGNIN_URL)  # the other session has ended
        fill_signin(laptop, USER, OLD)
        expect(laptop.get_by_text("The user name or password is not right.")).to_be_visible()
        fill_signin(laptop, USER, NEW)
        expect(laptop).not_to_have_url(SIGNIN_URL, timeout=15_000)
        wait_for_app(laptop)
        assert_no_exception(laptop)
    finally:
        other.close()
