"""My updates in Chromium: a lead types a value into the grid, saves it, and finds it on the
indicator's chart.

These tests write, so each runs its own server over a private copy of the demo database: the
session's demo server (shared by the other browser tests) is never changed.
"""

from __future__ import annotations

import math
import re

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from dashboard import accounts, db, entry
from dashboard.analysis import assess_areas
from seed_data.demo import DEMO_TODAY
from tests.e2e.conftest import (
    Private,
    assert_no_exception,
    screenshot,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

AREA = "D10"  # the demo lead's area (one partnership)


@pytest.fixture
def lead_page(browser, private: Private):  # type: ignore[no-untyped-def]
    """A fresh tab on the private server, signed in as the demo `lead`, on My updates."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    signed_in(page, private.base, "lead", path=f"/updates?area={AREA}")
    assert_no_exception(page)
    yield page
    context.close()


def _first_row(url: str, index: int = 0) -> dict:
    """The grid's first (or `index`th) row for the lead, with the indicator's polarity and
    decimals."""
    engine = create_engine(url)
    try:
        lead = accounts.actor_for(engine, "lead")
        result = assess_areas(engine, lead, [AREA], DEMO_TODAY)
        row = entry.entry_grid(result, lead).row(index, named=True)
        meta = result.targets.filter(pl.col("indicator_code") == row["indicator_code"])
        return row | meta.select("polarity", "decimals").row(0, named=True)
    finally:
        engine.dispose()


def _on_trajectory(row: dict) -> float:
    """The expected value at the indicator's decimals, rounded the better way (so no
    commentary is required)."""
    scale = 10 ** int(row["decimals"])
    better = math.ceil if row["polarity"] == "higher" else math.floor
    return better(row["expected_value"] * scale) / scale


def _behind(row: dict) -> float:
    """A value clearly behind the trajectory, still within the plausible range."""
    factor = 0.8 if row["polarity"] == "higher" else 1.2
    return round(row["expected_value"] * factor, int(row["decimals"]))


def _type_value(page, text: str, row: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Type `text` key by key into the Value cell of the grid's `row` (a canvas: by keyboard),
    as a person does: the Value column is a text cell, so letters reach the page as typed."""
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.get_by_test_id("data-grid-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 30, box["y"] + 36 + 17)  # the first row's first cell
    headers = grid.locator("table th")  # the grid's accessible table, there once focused
    expect(headers.filter(has_text=re.compile(r"^Value$"))).to_be_attached()
    column = headers.all_inner_texts().index("Value")
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # opens the cell's editor
    editor = page.locator("#portal .gdg-input")
    expect(editor).to_be_visible()
    editor.press_sequentially(text, delay=20)
    expect(editor).to_have_value(text)
    editor.press("Enter")  # commits the cell
    expect(grid.get_by_test_id(f"glide-cell-{column}-{row}")).to_have_text(text)
    # The edit reaches the server with the run it starts: a Save pressed before that run is
    # over finds no edit (CI, under load: "No value typed: nothing was saved").
    wait_for_app(page)


def _saved_value(url: str, code: str, period) -> list[float]:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql(
                "SELECT value FROM actual_revision WHERE area_code = ? AND indicator_code = ? "
                "AND period = ?",
                (AREA, code, period.isoformat()),
            ).all()
    finally:
        engine.dispose()
        db.dispose_all()
    return [v for (v,) in found]


def test_a_typed_value_is_saved_and_drawn_on_the_indicator_chart(lead_page, private) -> None:  # type: ignore[no-untyped-def]
    """A lead's value typed in the grid and saved appears as a point on the indicator's chart."""
    row = _first_row(private.url)
    value = _on_trajectory(row)
    shown = f"{value:,.{int(row['decimals'])}f}"
    main = lead_page.get_by_test_id("stMain")
    _type_value(lead_page, str(value))
    screenshot(lead_page, "updates-1-typed")

    main.get_by_role("button", name="Save values").click()
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    expect(main.get_by_test_id("stAlert")).to_contain_text("Saved 1 value.")
    screenshot(lead_page, "updates-2-saved")

    code = row["indicator_code"]
    lead_page.goto(f"{private.base}/indicator?area={AREA}&indicator={code}")
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    chart = lead_page.get_by_test_id("stVegaLiteChart").first
    label = f"Series: Actual; Period: {row['period_label']}; Value: {shown} "
    point = chart.locator(f"svg .mark-symbol path[aria-label*='{label}']")
    expect(point).to_have_count(1)
    expect(chart).to_have_attribute(
        "aria-label", re.compile(rf"Latest actual {re.escape(shown)} .*\({row['period_label']}, ")
    )
    screenshot(lead_page, "updates-3-indicator")
    assert _saved_value(private.url, code, row["period"]) == [pytest.approx(value)]


def test_a_value_behind_trajectory_without_commentary_saves_nothing(lead_page, private) -> None:  # type: ignore[no-untyped-def]
    """A value behind the trajectory with no commentary is refused and nothing is saved."""
    row = _first_row(private.url)
    main = lead_page.get_by_test_id("stMain")
    _type_value(lead_page, str(_behind(row)))
    main.get_by_role("button", name="Save values").click()
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    alert = main.get_by_test_id("stAlert")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert).to_contain_text("row 1, column commentary")
    expect(alert).to_contain_text("behind its trajectory")
    screenshot(lead_page, "updates-4-refused")
    assert _saved_value(private.url, row["indicator_code"], row["period"]) == []


def _revision_count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT count(*) FROM actual_revision").scalar_one()
    finally:
        engine.dispose()
        db.dispose_all()


@pytest.mark.parametrize("typed", ["abc", "1x9"])
def test_letters_typed_into_the_grid_are_refused_and_nothing_is_saved(
    lead_page, private, typed: str
) -> None:  # type: ignore[no-untyped-def]
    """Letters typed into a Value cell are refused with the importer's message naming the grid
    row and column (the number editor used to save `abc` as 0 and `1x9` as 19)."""
    row = _first_row(private.url, 1)  # the grid's second row
    before = _revision_count(private.url)
    main = lead_page.get_by_test_id("stMain")
    _type_value(lead_page, typed, row=1)
    main.get_by_role("button", name="Save values").click()
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    alert = main.get_by_test_id("stAlert")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert).to_contain_text(f"row 2, column value, value '{typed}': is not a number")
    expect(main.get_by_text("Saved 1 value")).to_have_count(0)
    screenshot(lead_page, f"updates-5-letters-{typed}")
    assert _revision_count(private.url) == before
    assert _saved_value(private.url, row["indicator_code"], row["period"]) == []
