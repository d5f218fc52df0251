"""The board's meeting cycle in Chromium, on a private copy of the demo (Thornbury Vale, today
30 November 2008): the officer builds the pack for the next board (10 December 2008) and
reads the PDF; the board member downloads the same stored pack, raises an action against an
off-track target agreed at the September board; the officer records it done and the board
sees it; the store holds the pack and the action's history; the September pack's link opens
the overview as the board saw it then."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from pypdf import PdfReader

from dashboard import accounts, db, documents, store
from dashboard.analysis import assess_areas
from dashboard.reports import board_pack
from seed_data.demo import DEMO_TODAY
from seed_data.demo_users import DEMO_AREA
from seed_data.meetings_demo import OFFICER, PACK_KNOWN_AT, PACK_OF
from tests.e2e.conftest import (
    VIEWPORT,
    Private,
    assert_no_exception,
    screenshot,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

NEXT_BOARD = date(2008, 12, 10)  # the first board meeting after the demo's today
NEXT_TITLE, SEPTEMBER_TITLE = "LSP board, quarter 3", "LSP board, quarter 2"
SAFER = "Safer Thornbury Vale"  # the partnership whose off-track target gets the action
OWNER, DUE = "Head of Community Safety", date(2008, 12, 9)
ACTION = "A recovery plan for the off-track target, to the December board"
NOTE = "Recovery plan presented and agreed at the December board"


# ----------------------------------------------------------------------------- the demo's facts
def _off_track_code(url: str) -> str:
    """An off-track target of the Safer partnership in the area on the demo's today: the
    pack's exceptions hold every off-track target."""
    engine = db.get_engine(url)
    targets = assess_areas(engine, store.cli_actor("reader"), [DEMO_AREA], DEMO_TODAY).targets
    engine.dispose()
    red = targets.filter(
        (pl.col("rag") == "red") & pl.col("partnership").str.starts_with(SAFER)
    ).sort("indicator_code")
    assert red.height, "the demo should have an off-track community safety target"
    return str(red["indicator_code"][0])


def _keep_september_pack(url: str) -> None:
    """The September board's pack as the demo keeps it with its packs (`laa seed demo`): built
    by the officer five days before the meeting, as known at 17:00 on 5 September. The
    browser tests' demo is seeded without packs (rendering takes seconds)."""
    engine = db.get_engine(url)
    september = store.meetings(engine, OFFICER, DEMO_AREA).filter(
        pl.col("meets_on") == PACK_OF, pl.col("partnership").is_null()
    )["meeting_id"][0]
    document, fingerprint, _ = board_pack.meeting_pack(engine, OFFICER, september, PACK_KNOWN_AT)
    built_at = datetime.combine(PACK_KNOWN_AT.date(), time(17, 5), tzinfo=PACK_KNOWN_AT.tzinfo)
    with store.backdated(built_at):
        store.save_pack(
            engine, OFFICER, september, as_at=PACK_OF, known_at=PACK_KNOWN_AT,
            document_pdf=documents.render_pdf(document),
            document_html=documents.render_html(document), document_sha256=fingerprint,
        )  # fmt: skip
    engine.dispose()


# ----------------------------------------------------------------------------- the page
def _open_meetings(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Meetings and board packs").click()
    wait_for_app(page)
    assert_no_exception(page)
    expect(page.get_by_role("heading", name="Meetings and board packs")).to_be_visible()


def _click(page, key: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f".st-key-{key} button").click()
    wait_for_app(page)
    assert_no_exception(page)


def _said(page, words: str) -> None:  # type: ignore[no-untyped-def]
    """The green message after a write."""
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text=words)).to_be_visible()


def _choose(page, key: str, option: str | re.Pattern[str]) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a selectbox by its label, as a person does: nothing to do when it
    already shows that option; otherwise open the list with its arrow and click the option.
    The list closes again, or its options are drawn afresh, if the page scrolls or settles
    as it opens (an expander just opened, the box scrolled into view, a rerun finishing),
    so it is opened again until the click lands."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    if _shows(box, option):
        return
    opener = page.locator(f".st-key-{key}").get_by_role("button", name="Open")
    listbox = page.get_by_role("listbox")
    for attempt in range(4):
        opener.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        if not listbox.is_visible():
            opener.click()
        try:
            expect(listbox).to_be_visible(timeout=2_000)
            page.get_by_role("option", name=option).click(timeout=5_000)
            break
        except (AssertionError, PlaywrightTimeout):
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
    wait_for_app(page)
    expect(box).to_have_value(option)


def _shows(box, option: str | re.Pattern[str]) -> bool:  # type: ignore[no-untyped-def]
    value = box.input_value()
    return bool(option.search(value)) if isinstance(option, re.Pattern) else value == option


def _type_date(page, key: str, day: date) -> None:  # type: ignore[no-untyped-def]
    """Type a date as a person does: its day segment, the digits DDMMYYYY, Tab away, then
    close the calendar, which would cover what is below it."""
    widget = page.locator(f".st-key-{key}")
    widget.locator("[data-type=day]").click()
    page.keyboard.type(f"{day:%d%m%Y}")
    page.keyboard.press("Tab")
    expect(widget.locator("input[type=date]")).to_have_value(day.isoformat())
    page.keyboard.press("Escape")
    expect(page.locator("#stFloatingOverlayPortal header")).to_have_count(0)


def _download_pdf(page) -> Path:  # type: ignore[no-untyped-def]
    with page.expect_download() as download:
        page.locator(".st-key-pack_pdf button").click()
    return Path(download.value.path())


def _pdf_text(path: Path) -> str:
    """The PDF's words, line breaks and runs of spaces made single spaces."""
    text = " ".join(p.extract_text() or "" for p in PdfReader(path).pages)
    return " ".join(text.split())


def _action_rows(page) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    """The action log's rows, header -> text, from the grid's accessible table (a data
    frame's key names no container, so the grid is the one with the log's columns)."""
    grid = page.get_by_test_id("stDataFrame").filter(has=page.get_by_text("Latest note"))
    rows = grid.locator("table tr")
    expect(rows.nth(1)).to_be_attached()
    headers = rows.nth(0).locator("th, td").all_inner_texts()
    return [
        dict(zip(headers, rows.nth(i).locator("th, td").all_inner_texts(), strict=True))
        for i in range(1, rows.count())
    ]


def _the_action(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = [r for r in _action_rows(page) if r["Action"] == ACTION]
    assert len(found) == 1, _action_rows(page)
    return found[0]


# ----------------------------------------------------------------------------- the journey
def test_a_pack_is_built_shown_acted_on_and_followed_up(browser, private: Private) -> None:  # type: ignore[no-untyped-def]
    code = _off_track_code(private.url)
    _keep_september_pack(private.url)
    officer_ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    board_ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        _journey(officer_ctx.new_page(), board_ctx.new_page(), private, code)
    finally:
        officer_ctx.close()
        board_ctx.close()


def _journey(officer, board, private: Private, code: str) -> None:  # type: ignore[no-untyped-def]
    # 1. the officer builds the pack for the next board and reads it
    signed_in(officer, private.base, "officer")
    _open_meetings(officer)
    expect(officer.locator(".st-key-pack_meeting").get_by_role("combobox")).to_have_value(
        f"{NEXT_BOARD:%d %b %Y} · {store.BOARD} · {NEXT_TITLE}"
    )  # the next meeting is offered first
    _click(officer, "pack_build")
    _said(officer, f"Pack for {NEXT_TITLE} built and kept")
    # "download it below": the pack shown below is the one just built, not September's
    newest = re.compile(rf"^{NEXT_BOARD:%d %b %Y} · {store.BOARD} · ")
    expect(
        officer.locator(".st-key-pack_pick").get_by_role("combobox"),
        "after a build the stored packs should show the pack just built, not the one "
        "picked before it",
    ).to_have_value(newest)
    _choose(officer, "pack_pick", newest)  # as the board member does below
    caption = officer.get_by_text(re.compile(r"Fingerprint [0-9a-f]{16}\."))
    shown_fingerprint = caption.inner_text().rsplit(" ", 1)[-1].rstrip(".")
    pdf = _download_pdf(officer)
    text = _pdf_text(pdf)
    for words in (
        f"{NEXT_TITLE}, {NEXT_BOARD:%d %B %Y}",  # the meeting's title and date
        "Figures as at 30 November 2008",  # the meeting is after today: figures as at today
        "Headline figures",
        "Exceptions",
    ):
        assert words in text, words
    assert re.search(r"As known at \d\d:\d\d on 30 November 2008", text), "known now"
    exceptions = text.split("Exceptions Indicator", 1)[1].split("The cliff edge", 1)[0]
    assert code in exceptions, f"{code} is off track, so among the exceptions"
    # built before any action was raised: its action log is empty (the demo has none)
    assert "No action is open, and none was closed this quarter." in text
    screenshot(officer, "meeting-cycle-1-built")

    # 2. the board member downloads the same pack, then raises an action at the board
    signed_in(board, private.base, "board")
    _open_meetings(board)
    _choose(board, "pack_pick", newest)
    expect(board.get_by_text(f"Fingerprint {shown_fingerprint}.", exact=False)).to_be_visible()
    assert _download_pdf(board).read_bytes() == pdf.read_bytes(), "the stored pack, unchanged"

    board.get_by_text("Raise an action or record what became of one").click()
    expect(board.locator(".st-key-action_raise_button")).to_be_visible()
    board.locator(".st-key-action_text textarea").fill(ACTION)
    owner = board.locator(".st-key-action_owner").get_by_role("combobox")
    owner.click()  # the area's people are offered; the board names someone outside
    board.keyboard.type(OWNER)
    board.keyboard.press("Enter")
    expect(owner).to_have_value(OWNER)
    _type_date(board, "action_due", DUE)
    board.locator(".st-key-action_target").get_by_role("combobox").click()
    board.keyboard.type(code)  # the list shows only its first options: filter it
    board.get_by_role("option", name=code, exact=True).click()
    _choose(board, "action_meeting", f"{SEPTEMBER_TITLE} ({PACK_OF:%d %b %Y})")
    _click(board, "action_raise_button")
    _said(board, f"Action raised for {OWNER}, due {DUE:%d %B %Y}")
    row = _the_action(board)
    assert (row["Status"], row["Due"], row["By"], row["Owner"], row["Target"]) == (
        "○ Open", "", f"{DUE:%d %b %Y}", OWNER, code,
    )  # due after today: open, not overdue  # fmt: skip
    screenshot(board, "meeting-cycle-2-raised")

    # 3. at the next meeting the officer records it done; the board sees it done
    officer.reload()
    wait_for_app(officer)
    officer.get_by_text("Raise an action or record what became of one").click()
    expect(officer.locator(".st-key-action_update_button")).to_be_visible()
    _choose(officer, "action_pick", re.compile(rf"^○ Open · {OWNER} · {re.escape(ACTION)}"))
    officer.locator(".st-key-action_status").get_by_text("Done", exact=True).click()
    officer.locator(".st-key-action_note input").fill(NOTE)
    _click(officer, "action_update_button")
    _said(officer, "Action marked done")

    board.reload()
    wait_for_app(board)
    assert_no_exception(board)
    row = _the_action(board)
    assert (row["Status"], row["Due"], row["Latest note"]) == ("● Done", "", NOTE)
    screenshot(board, "meeting-cycle-3-done")

    _in_the_store(private.url, code, pdf.read_bytes(), shown_fingerprint, text)

    # 4. the September pack's link opens the overview as the board saw it then
    _choose(board, "pack_pick", re.compile(rf"^{PACK_OF:%d %b %Y} · {store.BOARD} · "))
    board.get_by_role("link", name="Open the overview as the board saw it").click()
    wait_for_app(board)
    assert_no_exception(board)
    expect(
        board.get_by_text(
            f"A past view: the position as at {PACK_OF:%d %B %Y}, as known at "
            f"{PACK_KNOWN_AT:%H:%M on %d %B %Y}."
        )
    ).to_be_visible()
    screenshot(board, "meeting-cycle-4-past-view")


def _in_the_store(url: str, code: str, pdf: bytes, shown_fingerprint: str, text: str) -> None:
    engine = db.get_engine(url)
    reader = accounts.actor_for(engine, "board")
    assert reader is not None
    meetings = store.meetings(engine, reader, DEMO_AREA).filter(pl.col("partnership").is_null())
    ids = dict(zip(meetings["meets_on"], meetings["meeting_id"], strict=True))

    # the action: against the target, agreed at September's board, done with the note
    actions = store.actions(engine, reader, DEMO_AREA, DEMO_TODAY)
    ours = actions.filter(pl.col("text") == ACTION)
    assert ours.select("indicator_code", "meeting_id", "owner", "due_on", "status").rows() == [
        (code, ids[PACK_OF], OWNER, DUE, "done")
    ]
    history = store.action_history(engine, reader, int(ours["action_id"][0]))
    assert history["status"].to_list() == ["done"]
    assert history["note"].to_list() == [NOTE]
    assert history["recorded_by"].to_list() == ["Priya Shah, LSP Performance Officer"]

    # the pack: for the December board, newest first, as downloaded
    packs = store.packs(engine, reader, DEMO_AREA)
    assert packs["meeting_id"].to_list() == [ids[NEXT_BOARD], ids[PACK_OF]]
    newest = packs.row(0, named=True)
    assert newest["as_at"] == DEMO_TODAY  # the meeting is after today
    assert newest["built_by"] == "officer"
    fingerprint = str(newest["document_sha256"])
    assert fingerprint.startswith(shown_fingerprint)  # the page's 16 characters
    assert f"fingerprint {fingerprint[:16]}" in text  # the PDF's footer
    assert f"As known at {newest['known_at']:%H:%M on %d %B %Y}" in text
    assert store.pack_file(engine, reader, int(newest["pack_id"]))["document_pdf"] == pdf
    engine.dispose()
