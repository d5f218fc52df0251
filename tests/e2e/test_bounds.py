"""Bounded numbers and dates in Chromium (issue 11, item 1): a value of 1e38 typed into My
updates is refused naming the row and column, and a link whose as-at date is before 1990 or
not a date shows the page with a plain message, never an exception box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, screenshot, wait_for_app
from tests.e2e.test_updates import (  # the lead's tab on My updates (over `private`)
    _first_row,
    _revision_count,
    _saved_value,
    _type_value,
    lead_page,  # noqa: F401
)

pytestmark = pytest.mark.browser


def test_a_value_of_1e38_typed_into_the_grid_is_refused(lead_page, private) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    row = _first_row(private.url)
    before = _revision_count(private.url)
    main = lead_page.get_by_test_id("stMain")
    _type_value(lead_page, "1e38")
    main.get_by_role("button", name="Save values").click()
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    alert = main.get_by_test_id("stAlert")
    expect(alert).to_contain_text("Nothing was saved")
    expect(alert).to_contain_text(
        "row 1, column value, value '1e38': is too large: values must be between "
        "−1,000,000,000,000 and 1,000,000,000,000"
    )
    screenshot(lead_page, "bounds-1-grid-1e38")
    assert _revision_count(private.url) == before
    assert _saved_value(private.url, row["indicator_code"], row["period"]) == []


@pytest.mark.parametrize(
    ("as_at", "said"),
    [
        ("1900-01-01", "is before 01 January 1990, the earliest date the dashboard covers"),
        ("garbage", "“garbage” is not a date"),
    ],
)
def test_a_link_with_an_as_at_outside_the_years_covered_still_opens(  # type: ignore[no-untyped-def]
    demo_page, demo_server, as_at: str, said: str
) -> None:
    demo_page.goto(f"{demo_server}/indicator?area=D10&as_at={as_at}")
    wait_for_app(demo_page)
    assert_no_exception(demo_page)
    expect(demo_page.get_by_test_id("stAlert").filter(has_text=said)).to_be_visible()
    expect(demo_page.get_by_role("heading", level=1)).to_be_visible()
    screenshot(demo_page, f"bounds-2-as-at-{as_at}")
