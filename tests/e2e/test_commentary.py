"""Commentary in Chromium: from an exception's "No commentary yet" on the overview, the
performance officer follows the link to the indicator's Commentary tab, types why and what is
being done, adds it, and the overview's exception then shows it.

This test writes, so it runs its own server over a private copy of the demo database.
"""

from __future__ import annotations

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from dashboard import store
from dashboard.analysis import assess_areas
from dashboard.reports import board
from seed_data.demo import DEMO_TODAY
from seed_data.demo_users import DEMO_PASSWORD
from tests.e2e.conftest import (
    assert_no_exception,
    fill_signin,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser

AREA = "D10"
WHY = "A training provider closed in the spring."
WHAT = "Connexions places the cohort with two new providers from April."


def _silent_exception(demo_url: str) -> str:
    engine = create_engine(demo_url)
    try:
        result = assess_areas(engine, store.cli_actor("reader"), [AREA], DEMO_TODAY)
    finally:
        engine.dispose()
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    return exceptions.filter(pl.col("commentary").is_null())["indicator_code"][0]


def test_officer_follows_no_commentary_yet_and_writes_it(browser, private, demo_url) -> None:  # type: ignore[no-untyped-def]
    code = _silent_exception(demo_url)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{private.base}/?area={AREA}")
        fill_signin(page, "officer", DEMO_PASSWORD)
        wait_for_app(page, timeout_ms=90_000)  # a cold server's first run of the overview
        main = page.get_by_test_id("stMain")
        # The first "No commentary yet" link is the first silent exception's.
        main.get_by_role("link", name="No commentary yet").first.click()
        expect(page).to_have_url(
            f"{private.base}/indicator?area={AREA}&indicator={code}&tab=Commentary"
        )
        wait_for_app(page, timeout_ms=60_000)
        expect(main.get_by_role("tab", name="Commentary", selected=True)).to_be_visible()
        main.get_by_label("Why is the target where it is?").fill(WHY)
        main.get_by_label("What is being done?").fill(WHAT)
        main.get_by_role("button", name="Add", exact=True).click()
        wait_for_app(page, timeout_ms=60_000)
        assert_no_exception(page)
        expect(main.get_by_text("Officer commentary added")).to_be_visible()
        expect(main.get_by_text(WHY)).to_be_visible()
        screenshot(page, "commentary-1-added")

        page.goto(f"{private.base}/?area={AREA}")
        wait_for_app(page, timeout_ms=60_000)
        expect(main.get_by_text(WHY).first).to_be_visible()
        expect(main.get_by_text(f"What is being done: {WHAT}").first).to_be_attached()
        assert_no_exception(page)
        screenshot(page, "commentary-2-overview")
    finally:
        context.close()
