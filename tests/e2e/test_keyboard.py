"""Keyboard and help journeys in Chromium: the skip link comes first and jumps over the menu,
the menu shows where the focus is, and a link to a help section lands on that section."""

from __future__ import annotations

from contextlib import suppress

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, wait_for_app

pytestmark = pytest.mark.browser


def test_skip_link_is_first_and_jumps_to_the_page(page, server) -> None:  # type: ignore[no-untyped-def]
    """The first Tab shows "Skip to main content" (Streamlit's link, in our focus colours);
    Enter moves the focus to the page, so the next Tab skips the whole menu."""
    page.goto(f"{server}/block?area=X01")
    wait_for_app(page)
    skip = page.get_by_test_id("stSkipToContent")
    assert skip.inner_text() == "Skip to main content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "stSkipToContent"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["width"] > 50  # on screen while focused
    assert skip.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 221, 0)"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.testid") == "stMain"
    page.keyboard.press("Tab")  # the next stop is in the page, not in the menu
    assert page.evaluate("!!document.activeElement.closest(\"[data-testid='stMain']\")"), (
        page.evaluate("document.activeElement.outerHTML")
    )


def test_the_menu_shows_the_keyboard_focus(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/block?area=X01")
    wait_for_app(page)
    link = page.locator("[data-testid='stSidebarNav'] a").first
    link.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focused from the keyboard: :focus-visible applies
    style = link.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert style[0] == "solid" and float(style[1].removesuffix("px")) >= 2, style


def test_help_link_lands_on_its_section(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/help?area=X01#reward")
    wait_for_app(page)
    assert_no_exception(page)
    heading = page.locator("#reward")
    expect(heading).to_be_attached()
    # The page scrolls to the section smoothly: on a busy machine the scroll is still under way
    # half a second in (CI saw the heading 794 px down), so wait for it to come to rest there.
    with suppress(PlaywrightTimeout):  # the assertion below says where it stopped
        page.wait_for_function(
            """() => { const top = document.getElementById('reward').getBoundingClientRect().top;
                       return top >= 0 && top < 300; }""",
            timeout=10_000,
        )
    top = heading.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 300, top  # scrolled to the reward section
