"""Two people in two browsers saving the same value: the second save is refused as a conflict
naming who saved what, and what the second person typed is still on screen to review; their
next Save goes through. In the indicator page's "Correct a value" form and in My updates' grid.

These tests write, so each runs its own server over a private copy of the demo database.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from dashboard import accounts, db, entry, store
from dashboard.analysis import assess_areas
from seed_data.demo import DEMO_TODAY
from tests.e2e.conftest import (
    VIEWPORT,
    assert_no_exception,
    screenshot,
    signed_in,
    wait_for_app,
)
from tests.e2e.test_updates import _on_trajectory, _type_value

pytestmark = pytest.mark.browser

AREA = "D10"
OFFICER = "Priya Shah, LSP Performance Officer"  # the demo officer's full name


@pytest.fixture
def two_users(browser):  # type: ignore[no-untyped-def]
    """A way to open a tab as a user, each in its own browser context (own cookies)."""
    contexts = []

    def open_as(base: str, user: str, path: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = signed_in(context.new_page(), base, user, path=path)
        assert_no_exception(page)
        return page

    yield open_as
    for context in contexts:
        context.close()


def _history(url: str, code: str, period) -> list[tuple[int, float, str]]:  # type: ignore[no-untyped-def]
    """(revision, value, recorded_by) of one value, newest first."""
    engine = create_engine(url)
    try:
        revisions = store.actual_revisions(engine, store.cli_actor("e2e"), AREA, code)
    finally:
        engine.dispose()
        db.dispose_all()
    rows = revisions.filter(pl.col("period") == period).sort("revision", descending=True)
    return list(rows.select("revision", "value", "recorded_by").iter_rows())


def _alert(page, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain").get_by_test_id("stAlert").filter(has_text=text)


# -------------------------------------------------------------------------- Correct a value


def _open_correction(page):  # type: ignore[no-untyped-def]
    main = page.get_by_test_id("stMain")
    main.get_by_text("Correct a value").click()
    expect(main.get_by_label("Corrected value")).to_be_visible()
    return main


def _correct(main, value: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    main.get_by_label("Corrected value").fill(value)
    main.get_by_label("Reason for the correction (required)").fill(reason)


def test_the_second_of_two_corrections_is_a_conflict_and_keeps_what_was_typed(
    private, two_users
) -> None:  # type: ignore[no-untyped-def]
    base, url = private.base, private.url
    path = f"/indicator?area={AREA}&indicator=BV128"
    officer, admin = two_users(base, "officer", path), two_users(base, "admin", path)
    mine, theirs = _open_correction(admin), _open_correction(officer)  # the newest period
    _correct(theirs, "21.75", "their recount")
    _correct(mine, "17.5", "my recount")

    theirs.get_by_role("button", name="Save correction").click()
    wait_for_app(officer)
    expect(_alert(officer, "Saved as a new revision")).to_be_visible()

    mine.get_by_role("button", name="Save correction").click()
    wait_for_app(admin)
    assert_no_exception(admin)
    warning = _alert(admin, "Nothing was saved")
    expect(warning).to_contain_text(re.compile(rf"BV128, [^:]+: {OFFICER} saved 21\.75 at "))
    expect(warning).to_contain_text("after you opened this page — review and save again")
    expect(mine.get_by_label("Corrected value")).to_have_value("17.5000")
    expect(mine.get_by_label("Reason for the correction (required)")).to_have_value("my recount")
    screenshot(admin, "conflict-1-correction")

    mine.get_by_role("button", name="Save correction").click()  # reviewed: save again
    wait_for_app(admin)
    expect(_alert(admin, "Saved as a new revision")).to_be_visible()
    engine = create_engine(url)
    try:
        newest = store.actual_revisions(engine, store.cli_actor("e2e"), AREA, "BV128")[
            "period"
        ].max()
    finally:
        engine.dispose()
    (latest, before, *_) = _history(url, "BV128", newest)
    assert latest[1:] == (17.5, "admin") and before[1:] == (21.75, "officer")


# ------------------------------------------------------------------------------- My updates


def _grids(url: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lead's and the officer's grids as the page draws them."""
    engine = create_engine(url)
    try:
        drawn = []
        for user in ("lead", "officer"):
            actor = accounts.actor_for(engine, user)
            drawn.append(entry.entry_grid(assess_areas(engine, actor, [AREA], DEMO_TODAY), actor))
    finally:
        engine.dispose()
        db.dispose_all()
    return drawn[0], drawn[1]


def test_a_grid_row_saved_by_someone_else_meanwhile_is_a_conflict_and_keeps_the_typed_value(
    private, two_users
) -> None:  # type: ignore[no-untyped-def]
    """The lead types a value in row 1; the officer saves that same row from their own grid;
    the lead's Save is refused naming row 1 and the officer (it used to say "No value typed"),
    the typed value is still in the grid, and the next Save goes through."""
    base, url = private.base, private.url
    lead_grid, officer_grid = _grids(url)
    row = lead_grid.row(0, named=True)
    at = (
        officer_grid.select("indicator_code", "period")
        .rows()
        .index((row["indicator_code"], row["period"]))
    )
    targets = (
        pl.DataFrame([row]).join(_targets(url), on="indicator_code", how="left").row(0, named=True)
    )
    value = _on_trajectory(targets)
    step = 10 ** -int(targets["decimals"])
    theirs = round(value + (step if targets["polarity"] == "higher" else -step), 6)
    typed = f"{value:.{int(targets['decimals'])}f}"

    lead = two_users(base, "lead", f"/updates?area={AREA}")
    _type_value(lead, typed)
    officer = two_users(base, "officer", f"/updates?area={AREA}")
    _type_value(officer, f"{theirs:.{int(targets['decimals'])}f}", row=at)
    officer.get_by_test_id("stMain").get_by_role("button", name="Save values").click()
    wait_for_app(officer)
    expect(_alert(officer, "Saved 1 value")).to_be_visible()

    main = lead.get_by_test_id("stMain")
    main.get_by_role("button", name="Save values").click()
    wait_for_app(lead)
    assert_no_exception(lead)
    expect(main.get_by_text("No value typed")).to_have_count(0)
    warning = _alert(lead, "Nothing was saved")
    expect(warning).to_contain_text(
        f"Row 1 ({row['indicator_code']}, {row['period_label']}): {OFFICER} saved "
    )
    expect(warning).to_contain_text("after you opened this page — review and save again")
    grid = main.get_by_test_id("stDataFrame").first
    headers = grid.locator("table th")
    column = headers.all_inner_texts().index("Value")
    expect(grid.get_by_test_id(f"glide-cell-{column}-0")).to_have_text(typed)
    screenshot(lead, "conflict-2-grid")
    assert [v for _, v, _ in _history(url, row["indicator_code"], row["period"])] == [
        pytest.approx(theirs)
    ]

    main.get_by_role("button", name="Save values").click()  # reviewed: save again
    wait_for_app(lead)
    assert_no_exception(lead)
    expect(_alert(lead, "Saved 1 value")).to_be_visible()
    history = _history(url, row["indicator_code"], row["period"])
    assert [(r, by) for r, _, by in history] == [(2, "lead"), (1, "officer")]
    assert history[0][1] == pytest.approx(value)
    expect(main.get_by_text(re.compile("someone else saved"))).to_have_count(0)


def _targets(url: str) -> pl.DataFrame:
    engine = create_engine(url)
    try:
        lead = accounts.actor_for(engine, "lead")
        targets = assess_areas(engine, lead, [AREA], DEMO_TODAY).targets
    finally:
        engine.dispose()
        db.dispose_all()
    return targets.select("indicator_code", "polarity", "decimals")
