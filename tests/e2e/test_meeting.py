"""Meeting mode on a projector, in Chromium at 1280×720 and 1024×768: no sidebar, the agenda
first, the whole chart above the fold, nothing cut off, the keyboard (and a clicker's PageUp /
PageDown) moving between slides, the slide number in the URL surviving a reload."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from dashboard import db, store
from dashboard.ui import meeting
from seed_data.demo import DEMO_TODAY
from seed_data.demo_users import DEMO_PASSWORD
from tests.e2e.conftest import (
    ARTIFACTS,
    SIGNIN_URL,
    VIEWPORT,
    assert_no_exception,
    fill_signin,
    signed_in,
    wait_for_app,
)  # fmt: skip

pytestmark = pytest.mark.browser

AREA = "D05"  # Northgate, in the demo: a dozen exceptions
SCREENS = [{"width": 1280, "height": 720}, {"width": 1024, "height": 768}]


def _slide(page) -> str | None:  # type: ignore[no-untyped-def]
    return dict(parse_qsl(urlsplit(page.url).query)).get("slide")


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """What the room sees: the window only (not the full page), into tests/e2e/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def _not_truncated(locator) -> None:  # type: ignore[no-untyped-def]
    """The element's text fits its box: no ellipsis, no hidden overflow."""
    sizes = locator.evaluate("e => [e.scrollWidth, e.clientWidth, e.innerText]")
    assert sizes[0] <= sizes[1], f"cut off: {sizes[2]!r} needs {sizes[0]}px, has {sizes[1]}px"


def _after_key(page, key: str, slide: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press(key)
    expect(page).to_have_url(re.compile(rf"[?&]slide={slide}(&|$)"), timeout=10_000)
    wait_for_app(page)
    assert_no_exception(page)


def _heading(deck, i: int) -> re.Pattern[str]:  # type: ignore[no-untyped-def]
    return re.compile(
        rf"^{re.escape(deck['indicator_code'][i])} — {re.escape(deck['indicator_name'][i])}"
    )


def _main(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain")


@pytest.fixture
def deck(demo_url: str):  # type: ignore[no-untyped-def]
    from dashboard.analysis import assess_areas

    result = assess_areas(db.get_engine(demo_url), store.cli_actor("reader"), [AREA], DEMO_TODAY)
    return meeting.slides(result)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_meeting_mode_is_projector_ready(browser, demo_server, deck, screen) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    size = f"{screen['width']}x{screen['height']}"
    try:
        signed_in(page, demo_server, "admin", path=f"/?area={AREA}&meeting=true")
        assert_no_exception(page)
        main = _main(page)
        # No sidebar and no way to open it; the toggle is replaced by a visible way out.
        expect(page.get_by_test_id("stSidebar")).to_be_hidden()
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_hidden()
        expect(main.get_by_role("button", name="Leave meeting mode")).to_be_visible()

        # The agenda first: the exceptions, worst first, each with its status and owner.
        assert _slide(page) == "1"
        exceptions = deck.filter(deck["exception"])
        expect(
            main.get_by_role("heading", name=f"Exceptions ({exceptions.height})")
        ).to_be_visible()
        agenda = main.locator("table.laa-agenda tbody tr")
        expect(agenda).to_have_count(exceptions.height)
        first = agenda.first
        expect(first).to_contain_text(exceptions["indicator_code"][0])
        expect(first).to_contain_text(exceptions["partnership"][0])
        expect(first).to_contain_text(re.compile(r"(✖ Off track|▲ Behind|● On track)"))
        for name in ("Previous", "Next", "Leave meeting mode"):
            button = main.get_by_role("button", name=re.compile(name)).first
            expect(button).to_be_visible()
            _not_truncated(button.locator("p").first)
        _shot(page, f"meeting-agenda-{size}")

        # → opens the worst exception; the URL says slide 2.
        _after_key(page, "ArrowRight", "2")
        expect(main.get_by_role("heading", level=2)).to_have_text(_heading(deck, 0))
        chart = main.get_by_test_id("stVegaLiteChart")
        expect(chart.locator("svg").first).to_be_attached()
        page.wait_for_timeout(300)  # let Vega lay out the title and legend
        box = chart.bounding_box()
        assert box is not None and box["height"] > 300
        assert box["y"] >= 0 and box["y"] + box["height"] <= screen["height"], (
            f"the chart ends at {box['y'] + box['height']:.0f}px, below the fold"
        )  # fmt: skip
        phrase = "lower is better" if deck["polarity"][0] == "lower" else "higher is better"
        title = chart.locator(".role-title-text").first
        assert title.text_content() == f"{deck['indicator_code'][0]} trajectory — {phrase}"
        for name in ("Previous", "Next", "Leave meeting mode"):
            _not_truncated(
                main.get_by_role("button", name=re.compile(name)).first.locator("p").first
            )
        _not_truncated(main.locator(".laa-facts .status"))
        _not_truncated(main.locator(".laa-where"))
        _shot(page, f"meeting-slide-{size}")

        # A clicker's PageDown and PageUp, then a reload keeps the slide.
        _after_key(page, "PageDown", "3")
        expect(main.get_by_role("heading", level=2)).to_have_text(_heading(deck, 1))
        _after_key(page, "PageUp", "2")
        _after_key(page, "ArrowRight", "3")
        page.reload()
        wait_for_app(page)
        assert_no_exception(page)
        assert _slide(page) == "3"
        expect(_main(page).get_by_role("heading", level=2)).to_have_text(_heading(deck, 1))
        _after_key(page, "ArrowLeft", "2")
    finally:
        context.close()


def test_the_switch_enters_meeting_mode_and_leave_brings_the_sidebar_back(
    browser, demo_server
) -> None:  # type: ignore[no-untyped-def]
    """Meeting mode switch on the overview → the agenda without sidebar; Leave → back."""
    context = browser.new_context(viewport=VIEWPORT)
    demo_page = context.new_page()
    demo_page.goto(f"{demo_server}/?area={AREA}")
    fill_signin(demo_page, "admin", DEMO_PASSWORD)
    expect(demo_page).not_to_have_url(SIGNIN_URL, timeout=30_000)
    wait_for_app(demo_page, timeout_ms=90_000)  # the full overview, on a busy machine
    assert_no_exception(demo_page)
    demo_page.get_by_text("Meeting mode", exact=True).click()
    expect(demo_page).to_have_url(re.compile(r"meeting=true"))
    wait_for_app(demo_page)
    assert_no_exception(demo_page)
    assert _slide(demo_page) == "1"
    expect(demo_page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(demo_page.get_by_role("heading", name="Northgate LSP — board meeting")).to_be_visible()

    _after_key(demo_page, "ArrowRight", "2")
    _main(demo_page).get_by_role("button", name="Leave meeting mode").click()
    expect(demo_page).not_to_have_url(re.compile(r"meeting=|slide="))
    wait_for_app(demo_page)
    assert_no_exception(demo_page)
    expect(demo_page.get_by_role("heading", name="Northgate LSP overview")).to_be_visible()
    expect(demo_page.get_by_test_id("stSidebar")).to_be_visible()
    expect(demo_page.get_by_role("switch", name="Meeting mode")).not_to_be_checked()
    context.close()
