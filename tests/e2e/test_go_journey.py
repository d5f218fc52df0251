"""The Government Office's journey in Chromium: the GO signs in and lands on its region,
opens the area to challenge first, compares one of its indicators with its nearest
neighbours, records a capacity assessment and finds its judgement in the review pack."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    VIEWPORT,
    assert_no_exception,
    screenshot,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser
REGION_NAME = "Government Office for the East Midlands"  # the demo GO's region
JUDGEMENT = "Delivery planning has not moved since October: not ready until it has."


@pytest.fixture
def go_page(browser, private) -> Iterator:  # type: ignore[no-untyped-def]
    """The GO signed in on a private copy of the demo (the journey writes an assessment)."""
    context = browser.new_context(viewport=VIEWPORT)
    yield signed_in(context.new_page(), private.base, "go")
    context.close()


def _menu(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    wait_for_app(page)
    assert_no_exception(page)


def test_the_go_challenges_compares_assesses_and_finds_it_in_the_review(go_page) -> None:  # type: ignore[no-untyped-def]
    page = go_page
    expect(page.get_by_role("heading", name=REGION_NAME)).to_be_visible()
    challenge = page.get_by_role("link", name=re.compile(r"red flags, \d+ targets off track"))
    label = challenge.first.inner_text()
    area = re.search(r"\((D\d+)\)", label).group(1)  # type: ignore[union-attr]
    challenge.first.click()
    expect(page).to_have_url(re.compile(rf"/overview\?.*area={area}"))
    wait_for_app(page)
    assert_no_exception(page)
    screenshot(page, "go-journey-1-overview")

    _menu(page, "Indicator")
    page.get_by_role("link", name="Compare with other areas").click()
    expect(page).to_have_url(re.compile(r"/compare\?"))
    wait_for_app(page)
    page.get_by_test_id("stRadio").get_by_text("Nearest neighbours").click()
    expect(page).to_have_url(re.compile(r"group=neighbours"))
    wait_for_app(page)
    assert_no_exception(page)
    # the charts name the chosen area; the table is a canvas
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    expect(page.get_by_test_id("stMain")).to_contain_text("(this area)")
    screenshot(page, "go-journey-2-compare")

    _menu(page, "Capacity assessment")
    page.get_by_role("tab", name="Record an assessment").click()
    prefix = f"cap_go_{area}"
    page.locator(f".st-key-{prefix}_summary textarea").fill(JUDGEMENT)
    page.locator(f".st-key-{prefix}_recommendation").get_by_text("Not ready").click()
    page.locator(f".st-key-{prefix}_conditions textarea").fill("")
    page.locator(".st-key-capacity_save_go button").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_text(JUDGEMENT).first).to_be_visible()
    screenshot(page, "go-journey-3-capacity")

    _menu(page, "GO six-monthly review")
    line = page.get_by_text(re.compile(r"GO capacity judgement \(30 Nov 2008\)"))
    expect(line).to_be_visible()
    expect(line).to_contain_text("Not ready")
    screenshot(page, "go-journey-4-review")
