"""A negotiation in Chromium, from an empty draft to a signed agreement: the area's officer
starts the next agreement, adds an optional indicator to the mandatory one, proposes an
ordinary and a reward target; the Government Office agrees one and challenges the other; the
officer revises it and the GO agrees; the GO builds the single LAA document, reads the PDF
and signs. The agreed proposals are then the agreement's targets, and nothing changes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from dashboard import accounts, db, settings, store
from dashboard.access import Actor, Grant
from tests.e2e.conftest import (
    VIEWPORT,
    assert_no_exception,
    screenshot,
    serve,
    signed_in,
    wait_for_app,
)

pytestmark = pytest.mark.browser

AREA, AREA_NAME, REGION = "X05", "Riverside", "GOEM"
MANDATORY, OPTIONAL = "CRIME", "RECYCLE"
OFFICER, GO = "officer-x05", "go-goem"
PASSWORD = "journey-pass-1!"
FOCUS = "neighbourhood renewal wards"
CHALLENGE = "The without-reward figure is below the area's own trend."
READER = Actor("reader", (Grant("go", region_code=REGION),))
INDICATORS = [
    {"indicator_code": MANDATORY, "name": "Crimes per 1000", "block_code": "SSC",
     "unit": "rate per 1000", "polarity": "lower", "decimals": 1, "frequency": "annual",
     "data_source": "Police recorded crime", "department_code": "HO",
     "outcome_type": "mandatory", "outcome": "Reduce crime", "plausible_min": 0.0,
     "plausible_max": 300.0, "mandatory_reason": "Safer and Stronger Communities Fund"},
    {"indicator_code": OPTIONAL, "name": "Household waste recycled", "block_code": "SSC",
     "unit": "%", "polarity": "higher", "decimals": 1, "frequency": "annual",
     "data_source": "WasteDataFlow", "department_code": "DEFRA", "outcome_type": "optional",
     "outcome": "Cleaner greener", "plausible_min": 0.0, "plausible_max": 100.0},
]  # fmt: skip


def _history() -> list[dict[str, object]]:
    """Six March year-ends (2003–2008): crime falling from 110 to 95 a thousand, recycling
    rising from 20% to 30%, a little uneven, so the stretch evidence has a trend to forecast."""
    crime = (110.0, 108.0, 103.5, 101.0, 98.0, 95.0)
    recycled = (20.0, 22.5, 23.5, 26.0, 28.5, 30.0)
    return [
        {"area_code": AREA, "indicator_code": code, "period": date(2003 + i, 3, 31), "value": v}
        for code, values in ((MANDATORY, crime), (OPTIONAL, recycled))
        for i, v in enumerate(values)
    ]


@dataclass(frozen=True)
class Served:
    base: str
    url: str


@pytest.fixture
def riverside(browser_path: str, tmp_path: Path) -> Iterator[Served]:
    """Riverside (X05, East Midlands, net budget £200m) whose 2006–2009 agreement is signed,
    two indicators, their history, today 30 November 2008, an officer and the area's GO."""
    url = f"sqlite:///{tmp_path / 'negotiation.db'}"
    store.upgrade(url)
    engine = db.get_engine(url)
    admin = store.cli_actor("e2e")
    with db.write_transaction(engine) as conn:
        store.save_indicators(conn, admin, INDICATORS)
        store.save_areas(conn, admin, [{
            "area_code": AREA, "area_name": AREA_NAME, "region_code": REGION,
            "la_type": "unitary", "population": 200_000,
            "net_budget_requirement_gbp": 200_000_000,
            "agreement_start": date(2006, 4, 1), "agreement_end": date(2009, 3, 31),
        }])  # fmt: skip
        store.save_actuals(conn, admin, _history())
    store.sign_agreement(engine, admin, AREA, date(2006, 3, 1))
    store.set_setting(engine, admin, "today", "2008-11-30")
    assert accounts.password_problem(PASSWORD) is None
    for user, name, grant in (
        (OFFICER, "Olu Officer", Grant("officer", area_code=AREA)),
        (GO, "Gita Government-Office", Grant("go", region_code=REGION)),
    ):
        accounts.add_user(engine, admin, user, name, PASSWORD)
        accounts.grant(engine, admin, user, grant)
    engine.dispose()
    db.dispose_all()
    settings.get_settings.cache_clear()
    try:
        with serve(url) as base:
            yield Served(base, url)
    finally:
        db.dispose_all()


# ----------------------------------------------------------------------------- typing
def _in(page, key: str, tag: str = "input"):  # type: ignore[no-untyped-def]
    return page.locator(f".st-key-{key} {tag}")


def _type_date(page, key: str, day: date) -> None:  # type: ignore[no-untyped-def]
    """Type a date into a date input as a person does: its day segment, then the digits
    (DDMMYYYY, each segment moving on to the next when full), then Tab away and close the
    calendar, as a person does."""
    widget = page.locator(f".st-key-{key}")
    widget.locator("[data-type=day]").click()
    page.keyboard.type(f"{day:%d%m%Y}")
    page.keyboard.press("Tab")
    expect(widget.locator("input[type=date]")).to_have_value(day.isoformat())
    page.keyboard.press("Escape")  # close the calendar, which would cover what is below it
    expect(page.locator("#stFloatingOverlayPortal header")).to_have_count(0)


def _click(page, key: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f".st-key-{key} button").click()
    wait_for_app(page)
    assert_no_exception(page)


def _said(page, words: str) -> None:  # type: ignore[no-untyped-def]
    """The green message after a save."""
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text=words)).to_be_visible()


def _tab(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


def _choose_proposal(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".st-key-w_proposal").click()
    page.get_by_role("option", name=re.compile(rf"^{code} — ")).click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name=re.compile(rf"^{code} "))).to_be_visible()


def _propose(page, code: str, figures: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """Fill the first proposal of `code` (version 0's form) and save it as version 1."""
    key = f"neg_p_{code}_0"
    for field in ("baseline_period", "target_period"):
        _type_date(page, f"{key}_{field}", figures.pop(field))  # type: ignore[arg-type]
    reason = str(figures.pop("reason"))
    for field, text in figures.items():
        tag = "textarea" if field.startswith("note_") else "input"
        _in(page, f"{key}_{field}", tag).fill(str(text))
    _in(page, f"{key}_reason").fill(reason)
    _click(page, f"neg_save_{code}")
    _said(page, f"{code}: version 1 of the proposal saved")


def _verdict(page, code: str, verdict: str, note: str = "", version: int = 1) -> None:  # type: ignore[no-untyped-def]
    page.locator(f".st-key-neg_verdict_{code}_{version}").get_by_text(verdict, exact=True).click()
    if note:
        _in(page, f"neg_verdict_note_{code}_{version}", "textarea").fill(note)
    _click(page, f"neg_verdict_save_{code}")


def _pdf_text(path: Path) -> str:
    """The PDF's words, with line breaks and runs of spaces made single spaces."""
    text = " ".join(p.extract_text() or "" for p in PdfReader(path).pages)
    return " ".join(text.split())


# ----------------------------------------------------------------------------- the journey
def test_a_draft_is_negotiated_agreed_documented_and_signed(browser, riverside: Served) -> None:  # type: ignore[no-untyped-def]
    officer_ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    go_ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        _journey(officer_ctx.new_page(), go_ctx.new_page(), riverside)
    finally:
        officer_ctx.close()
        go_ctx.close()


def _journey(officer, go, served: Served) -> None:  # type: ignore[no-untyped-def]
    # 1. the officer starts the next agreement once the last one is signed
    signed_in(officer, served.base, OFFICER, password=PASSWORD)
    officer.get_by_test_id("stSidebarNav").get_by_role("link", name="Negotiation").click()
    wait_for_app(officer)
    assert_no_exception(officer)
    expect(officer.get_by_text("was signed on 01 March 2006")).to_be_visible()
    officer.get_by_text("Start negotiating the next agreement").click()
    _type_date(officer, "neg_start_date", date(2009, 4, 1))
    _click(officer, "neg_start_button")
    _said(officer, "Draft agreement from 01 April 2009 started")
    expect(officer.get_by_text("01 April 2009 to 31 March 2012 · draft")).to_be_visible()
    # the mandatory indicator was chosen with the draft
    expect(officer.get_by_role("heading", name=f"{MANDATORY} Crimes per 1000")).to_be_visible()
    screenshot(officer, "negotiation-1-draft")

    # 2. the optional indicator goes into the draft
    _tab(officer, "Indicators")
    picker = _in(officer, "neg_add_codes")
    picker.click()
    picker.fill(OPTIONAL)
    officer.get_by_role("option", name=re.compile(rf"^{OPTIONAL} — ")).click()
    _click(officer, "neg_add_button")
    _said(officer, "1 indicator added to the draft")

    # 3. an ordinary target for the mandatory one, a reward target for the optional one
    _tab(officer, "Targets")
    _choose_proposal(officer, MANDATORY)
    _propose(officer, MANDATORY, {
        "lead": "A. Patel", "baseline_period": date(2008, 3, 31), "baseline": "95",
        "target_period": date(2010, 3, 31), "target": "88",
        "note_indicator": "Recorded crime, all offences.", "reason": "Keeps the trend going",
    })  # fmt: skip
    _choose_proposal(officer, OPTIONAL)
    _propose(officer, OPTIONAL, {
        "lead": "B. Green", "baseline_period": date(2008, 3, 31), "baseline": "30",
        "target_period": date(2011, 3, 31), "target": "40", "without": "34", "focus": FOCUS,
        "note_stretch": "Four points above the trend.", "reason": "The new recycling contract",
    })  # fmt: skip
    expect(officer.get_by_text("Stretch evidence")).to_be_visible()
    screenshot(officer, "negotiation-2-proposed")

    # 4. the GO agrees the ordinary one and challenges the reward one
    signed_in(go, served.base, GO, password=PASSWORD, path=f"/negotiation?area={AREA}")
    assert_no_exception(go)
    _tab(go, "Targets")
    _choose_proposal(go, MANDATORY)
    _verdict(go, MANDATORY, "Agree")
    _said(go, f"{MANDATORY}: version 1 agreed")
    _choose_proposal(go, OPTIONAL)
    _verdict(go, OPTIONAL, "Challenge", CHALLENGE)
    _said(go, f"{OPTIONAL}: version 1 challenged")
    screenshot(go, "negotiation-3-challenged")

    # the officer sees the challenge and revises the without-reward figure
    officer.reload()
    wait_for_app(officer)
    _choose_proposal(officer, OPTIONAL)
    expect(
        officer.get_by_text(f"Challenged by Gita Government-Office: {CHALLENGE}")
    ).to_be_visible()
    _in(officer, f"neg_p_{OPTIONAL}_1_without").fill("36")
    _in(officer, f"neg_p_{OPTIONAL}_1_reason").fill("Without figure raised to the trend")
    _click(officer, f"neg_save_{OPTIONAL}")
    _said(officer, f"{OPTIONAL}: version 2 of the proposal saved")

    go.reload()
    wait_for_app(go)
    _choose_proposal(go, OPTIONAL)
    expect(go.get_by_text("Your verdict on version 2")).to_be_visible()
    _verdict(go, OPTIONAL, "Agree", version=2)
    _said(go, f"{OPTIONAL}: version 2 agreed")
    expect(go.get_by_text("Every proposal is agreed")).to_be_visible()

    # 5. the GO builds the document, reads the PDF, and signs
    _tab(go, "Sign-off and the LAA document")
    _click(go, "neg_build")
    with go.expect_download() as download:
        go.get_by_role("button", name="Download the PDF").click()
    pdf = Path(download.value.path())
    text = _pdf_text(pdf)
    for words in (MANDATORY, OPTIONAL, "£5,000,000.00", FOCUS,
                  "Nothing is paid for a target below 60% of its stretch"):  # fmt: skip
        assert words in text, words
    shown = go.get_by_text(re.compile(r"Fingerprint of this document: [0-9a-f]{64}"))
    fingerprint = shown.inner_text().rsplit(" ", 1)[-1]
    assert f"fingerprint {fingerprint[:16]}" in text
    screenshot(go, "negotiation-4-document")
    go.locator(".st-key-neg_sign_confirm").get_by_text("I have read the document").click()
    _click(go, "neg_sign_button")
    _said(go, "The agreement is signed (30 November 2008)")
    _tab(go, "Sign-off and the LAA document")
    expect(go.get_by_text("Signed on 30 November 2008 by Gita Government-Office")).to_be_visible()
    screenshot(go, "negotiation-5-signed")

    # 6. in the store: signed, two targets, the document as downloaded, nothing changes
    _in_the_store(served.url, pdf.read_bytes(), fingerprint, text)


def _in_the_store(url: str, pdf: bytes, fingerprint: str, text: str) -> None:
    engine = db.get_engine(url)
    agreement = store.latest_agreement(engine, READER, AREA)
    assert agreement is not None
    assert (agreement["status"], agreement["signed_date"], agreement["start_date"]) == (
        "signed", date(2008, 11, 30), date(2009, 4, 1)
    )  # fmt: skip
    agreement_id = int(agreement["agreement_id"])
    targets = store.load_scope(engine, READER, [AREA]).targets.filter(
        agreement_id=agreement_id
    ).sort("indicator_code")  # fmt: skip
    assert targets.select(
        "indicator_code", "baseline_period", "baseline_value", "target_period", "target_value",
        "without_reward_value", "focus",
    ).rows() == [
        (MANDATORY, date(2008, 3, 31), 95.0, date(2010, 3, 31), 88.0, None, None),
        (OPTIONAL, date(2008, 3, 31), 30.0, date(2011, 3, 31), 40.0, 36.0, FOCUS),
    ]  # fmt: skip
    signed = store.signed_document(engine, READER, agreement_id)
    assert signed is not None
    assert signed["document_sha256"] == fingerprint
    assert f"fingerprint {signed['document_sha256'][:16]}" in text
    assert signed["document_pdf"] == pdf  # the PDF read is the PDF signed
    officer = accounts.actor_for(engine, OFFICER)
    assert officer is not None
    with pytest.raises(store.RuleViolation, match="signed"):
        store.propose_target(engine, officer, agreement_id, OPTIONAL, {
            "partnership": "Riverside LSP Executive Board", "baseline_period": date(2008, 3, 31),
            "baseline_value": 30.0, "target_period": date(2011, 3, 31), "target_value": 42.0,
            "without_reward_value": 36.0,
        })  # fmt: skip
    engine.dispose()
