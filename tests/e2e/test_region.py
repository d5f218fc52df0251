"""The Government Office's region page in Chromium: the GO signs in and lands on its region,
sees every area of it with the reward chart, downloads the grid, and is refused a region
outside its grants."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import polars as pl
import pytest
from playwright.sync_api import expect

from dashboard import db, store
from tests.e2e.conftest import VIEWPORT, assert_no_exception, screenshot, signed_in

pytestmark = pytest.mark.browser
REGION_NAME = "Government Office for the East Midlands"  # the demo GO's region, GOEM


@pytest.fixture
def go_page(browser, demo_server) -> Iterator:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = signed_in(context.new_page(), demo_server, "go")
    yield page
    context.close()


def test_the_go_lands_on_its_region_and_downloads_the_grid(go_page, demo_url) -> None:  # type: ignore[no-untyped-def]
    """After sign-in the root URL opens the region page; the grid's CSV holds every area of
    the region, as the store lists them."""
    expect(go_page.get_by_role("heading", name=REGION_NAME)).to_be_visible()
    assert "/region" in go_page.url
    assert_no_exception(go_page)
    expect(go_page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    areas = store.list_areas(db.get_engine(demo_url), store.cli_actor("reader"))
    expected = set(areas.filter(pl.col("region_code") == "GOEM")["area_code"])
    with go_page.expect_download() as download:
        go_page.locator(".st-key-grid_csv").get_by_role("button").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert {r["area_code"] for r in rows} == expected
    screenshot(go_page, "region-go")


def test_a_forged_region_is_refused(go_page, demo_server) -> None:  # type: ignore[no-untyped-def]
    go_page.goto(f"{demo_server}/region?region=GONW")
    expect(go_page.get_by_text("You may not see this region's areas")).to_be_visible()
    assert_no_exception(go_page)
