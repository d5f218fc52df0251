"""Upward-reporting journeys in Chromium: a department analyst downloads a return, a GO officer
downloads and signs off a review pack, a board member reads the burden map."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import fastexcel
import polars as pl
import pytest
from playwright.sync_api import expect

from dashboard import db, store
from dashboard.reports.board import previous_quarter_end
from dashboard.reports.returns import RETURN_COLUMNS, department_return, review_period
from dashboard.reports.review import REVIEW_COLUMNS
from seed_data.demo import DEMO_TODAY
from seed_data.demo_users import DEMO_AREA, DEMO_DEPARTMENT
from tests.e2e.conftest import VIEWPORT, assert_no_exception, screenshot, signed_in, wait_for_app

pytestmark = pytest.mark.browser


@pytest.fixture
def as_user(browser, demo_server) -> Iterator:  # type: ignore[no-untyped-def]
    """Open a fresh tab signed in as a demo user: `as_user("department", "/returns")`."""
    contexts = []

    def open_as(user: str, path: str = "/"):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        contexts.append(context)
        return signed_in(context.new_page(), demo_server, user, path=path)

    yield open_as
    for context in contexts:
        context.close()


def _download(page, key: str):  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.locator(f".st-key-{key}").get_by_role("button").click()
    return download.value


def test_department_analyst_downloads_a_complete_return(as_user, demo_url) -> None:  # type: ignore[no-untyped-def]
    """The Home Office analyst opens Department returns and downloads the CSV: every area's
    row for every HO indicator, exactly the figures already in the dashboard."""
    page = as_user("department", "/returns")
    assert_no_exception(page)
    period = previous_quarter_end(DEMO_TODAY)
    expected = department_return(
        db.get_engine(demo_url), store.cli_actor("reader"), DEMO_DEPARTMENT, period, DEMO_TODAY
    ).table()
    got = _download(page, "return_csv")
    assert got.suggested_filename.endswith(".csv")
    text = got.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(RETURN_COLUMNS)
    assert len(rows) == expected.height
    assert {r["department_code"] for r in rows} == {DEMO_DEPARTMENT}
    assert {r["area_code"] for r in rows} == set(expected["area_code"])
    # The figures are the stored ones: compare every reported value.
    shown = pl.read_csv(io.StringIO(text), schema_overrides={"value": pl.Float64})
    key = ["return_name", "area_code", "indicator_code"]
    both = shown.select(*key, "value").join(expected.select(*key, "value"), on=key)
    assert both.height == expected.height
    assert both.filter(pl.col("value") != pl.col("value_right")).is_empty()
    assert both["value"].null_count() == expected["value"].null_count()
    screenshot(page, "department-return")


def test_go_officer_downloads_and_signs_off_the_review_pack(as_user) -> None:  # type: ignore[no-untyped-def]
    """One click gives the GO the pack as a workbook; marking it reviewed shows who did it."""
    page = as_user("go", f"/review?area={DEMO_AREA}")
    assert_no_exception(page)
    pack = _download(page, "review_xlsx")
    assert pack.suggested_filename.endswith(".xlsx")
    assert {"Blocks", "Exceptions"} <= set(fastexcel.read_excel(pack.path()).sheet_names)
    blocks = pl.read_excel(pack.path(), sheet_name="Blocks")
    assert blocks.columns == list(REVIEW_COLUMNS)
    assert set(blocks["area_code"]) == {DEMO_AREA} and blocks.height == 4
    main = page.get_by_test_id("stMain")
    main.get_by_role("button", name="Mark as reviewed").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(main.get_by_text("reviewed by go", exact=False).first).to_be_visible()
    # A block's exceptions are drawn once it is opened: its cards then link to each indicator.
    block = main.get_by_test_id("stExpander").filter(has_text="exception").first
    expect(block.get_by_test_id("stPageLink")).to_have_count(0)
    block.locator("summary").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(block.get_by_test_id("stPageLink").first).to_be_visible()
    half_year = review_period(DEMO_TODAY)
    assert half_year == date(2008, 9, 30)
    screenshot(page, "go-review")


def test_board_member_sees_what_the_laa_removed(as_user) -> None:  # type: ignore[no-untyped-def]
    """The burden page answers "how much upward reporting did the LAA remove?" with charts."""
    page = as_user("board", f"/burden?area={DEMO_AREA}")
    assert_no_exception(page)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stMetric").first).to_be_visible()
    expect(main.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    screenshot(page, "burden")
