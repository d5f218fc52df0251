"""Journeys through the real app in Chromium: the home page (pages/overview.py)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import wait_for_app

pytestmark = pytest.mark.browser


def test_home_page_opens_without_exception(page, server) -> None:  # type: ignore[no-untyped-def]
    """The LSP overview renders the area's headline figures and no exception box."""
    page.goto(server)
    wait_for_app(page)
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.get_by_role("heading", name="Worked Example Borough LSP overview").is_visible()
    assert page.get_by_text("£1.66m", exact=True).is_visible()
    assert page.get_by_text("of £5.00m maximum", exact=False).is_visible()
    assert page.locator("[data-testid='stDataFrame']").count() >= 1  # all targets (+ reporting)


def test_shared_link_keeps_the_area(page, server) -> None:  # type: ignore[no-untyped-def]
    """A pasted link with ?area= opens the same area and keeps it in the URL."""
    page.goto(f"{server}/?area=X01")
    wait_for_app(page)
    assert "area=X01" in page.url
    errors = page.locator("[data-testid='stException']")
    assert errors.count() == 0, errors.all_inner_texts()
