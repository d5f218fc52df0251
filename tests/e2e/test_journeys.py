"""Journeys through the demo in Chromium: overview → block → partnership → indicator, by clicks."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

import polars as pl
import pytest
from playwright.sync_api import expect

from dashboard import db, store
from dashboard.analysis import Assessment, assess_areas
from dashboard.reports import board
from seed_data.demo import DEMO_TODAY
from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app

pytestmark = pytest.mark.browser

AREA, BLOCK, OWNER = "D05", "SSC", "Safer Northgate Partnership"  # Northgate, in the demo


def _assess(url: str, area: str = AREA) -> Assessment:
    return assess_areas(db.get_engine(url), store.cli_actor("reader"), [area], DEMO_TODAY)


def _url(page) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """The page's path and query parameters."""
    parts = urlsplit(page.url)
    return parts.path, dict(parse_qsl(parts.query))


def _open(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    wait_for_app(page)
    assert_no_exception(page)


def _follow(page, link, path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Click a page link, wait for the page at `path` to finish, return the URL's parameters."""
    link.click()
    expect(page).to_have_url(re.compile(rf"/{path}\?"))
    wait_for_app(page)
    assert_no_exception(page)
    return _url(page)[1]


def _main(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain")


def test_drill_down_by_links_carries_the_selection(demo_page, demo_server, demo_url) -> None:  # type: ignore[no-untyped-def]
    """Clicking block row, partnership, exception and breadcrumb links keeps the selection."""
    result = _assess(demo_url)
    owned = result.targets.filter(pl.col("partnership") == OWNER)
    worst = board.exceptions(owned, result.scope.commentary, result.as_at)["indicator_code"][0]
    block_name = owned["block_name"][0]
    _open(demo_page, f"{demo_server}/?area={AREA}")
    screenshot(demo_page, "1-overview")

    params = _follow(demo_page, _main(demo_page).get_by_role("link", name=block_name), "block")
    assert params == {"area": AREA, "block": BLOCK}
    expect(demo_page.get_by_role("heading", name=block_name, level=1)).to_be_visible()
    screenshot(demo_page, "2-block")

    params = _follow(demo_page, _main(demo_page).get_by_role("link", name=OWNER), "partnership")
    assert params == {"area": AREA, "partnership": OWNER}
    expect(demo_page.get_by_role("heading", name=OWNER, level=1)).to_be_visible()
    screenshot(demo_page, "3-partnership")

    exception = _main(demo_page).get_by_role("link", name=re.compile(rf"\b{re.escape(worst)} "))
    params = _follow(demo_page, exception, "indicator")
    assert params == {"area": AREA, "indicator": worst}
    expect(demo_page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^{worst} "))
    screenshot(demo_page, "4-indicator")

    crumbs = demo_page.locator(".st-key-breadcrumbs")
    params = _follow(demo_page, crumbs.get_by_role("link", name=block_name), "block")
    assert params == {"area": AREA, "block": BLOCK}


def test_selecting_a_row_of_all_targets_opens_that_indicator(
    demo_page, demo_server, demo_url
) -> None:  # type: ignore[no-untyped-def]
    """The overview's All targets table: ticking a row's box opens that indicator's page."""
    second = _assess(demo_url).targets["indicator_code"][1]  # the table keeps their order
    _open(demo_page, f"{demo_server}/?area={AREA}")
    table = _main(demo_page).get_by_test_id("stDataFrame").last
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box is not None
    # The grid is a canvas: the selection box of the second row, below the 35 px header.
    demo_page.mouse.click(box["x"] + 18, box["y"] + 35 + 35 + 17)
    expect(demo_page).to_have_url(re.compile(r"/indicator\?"))
    wait_for_app(demo_page)
    assert_no_exception(demo_page)
    assert _url(demo_page)[1] == {"area": AREA, "indicator": second}
    expect(demo_page.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^{second} "))


def test_indicator_page_draws_its_chart(demo_page, demo_server) -> None:  # type: ignore[no-untyped-def]
    """The indicator page draws the trajectory chart: lines and points in an SVG."""
    _open(demo_page, f"{demo_server}/indicator?area={AREA}&indicator=BV128")
    chart = demo_page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg .mark-line").first).to_be_attached()
    assert chart.locator("svg .mark-line path").count() >= 3  # actual, stretched, without reward
    assert chart.locator("svg .mark-symbol path").count() >= 10  # actual points, target marker
    assert "BV128" in (chart.get_attribute("aria-label") or "")


def test_targets_table_downloads_as_csv(demo_page, demo_server, demo_url) -> None:  # type: ignore[no-untyped-def]
    """The block page's CSV button downloads its targets, one row each, with a header."""
    expected = _assess(demo_url).targets.filter(pl.col("block_code") == BLOCK)
    _open(demo_page, f"{demo_server}/block?area={AREA}&block={BLOCK}")
    button = demo_page.get_by_test_id("stDownloadButton").filter(has_text="CSV")
    with demo_page.expect_download() as download:
        button.get_by_role("button").click()
    assert download.value.suggested_filename == f"block-{AREA}-{BLOCK}-{DEMO_TODAY}.csv"
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert {"area_code", "block_code", "indicator_code", "rag"} <= set(rows[0])
    assert sorted(r["indicator_code"] for r in rows) == sorted(expected["indicator_code"])
    assert {r["area_code"] for r in rows} == {AREA}


def test_area_picker_choice_survives_a_page_switch(demo_page, demo_server) -> None:  # type: ignore[no-untyped-def]
    """An area picked in the sidebar stays selected after moving to another page."""
    _open(demo_page, f"{demo_server}/?area={AREA}")
    sidebar = demo_page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").click()
    demo_page.keyboard.type("Wansmouth")  # the list shows only its first options: filter it
    demo_page.get_by_role("option", name="Wansmouth (D07)").click()
    expect(demo_page).to_have_url(re.compile(r"area=D07"))
    wait_for_app(demo_page)
    expect(demo_page.get_by_role("heading", name="Wansmouth LSP overview")).to_be_visible()

    sidebar.get_by_test_id("stSidebarNav").get_by_role("link", name="Blocks").click()
    expect(demo_page).to_have_url(re.compile(r"/block\?"))
    wait_for_app(demo_page)
    assert_no_exception(demo_page)
    assert _url(demo_page)[1]["area"] == "D07"
    expect(sidebar.get_by_role("combobox", name="Area")).to_have_value("Wansmouth (D07)")
    crumbs = demo_page.locator(".st-key-breadcrumbs")
    expect(crumbs.get_by_role("link", name="Wansmouth LSP")).to_be_visible()


# Meeting mode (agenda, slides, keyboard, projector sizes): tests/e2e/test_meeting.py
