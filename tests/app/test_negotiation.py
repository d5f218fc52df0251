"""AppTest of pages/negotiation.py over the demo: Thornbury Vale (D10) negotiating its
2009–2012 agreement with the East Midlands GO. Expectations come from the store and
`reports.negotiation` computed directly, never from the page."""

from __future__ import annotations

import json

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.access import Actor, Grant
from dashboard.reports import agreement_document
from dashboard.reports import negotiation as report
from dashboard.ui.plain import md
from tests.app.conftest import all_text, app, chart_spec, charts, errors

PAGE = "../pages/negotiation.py"
AREA = "D10"
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
READER = store.cli_actor("reader")


def open_negotiation(user: str, **params: str) -> AppTest:
    at = app(user)
    for key, value in {"area": AREA, **params}.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run(timeout=60)


def negotiation(url: str) -> store.Negotiation:
    engine = db.get_engine(url)
    agreement = store.latest_agreement(engine, READER, AREA)
    assert agreement is not None
    return store.load_negotiation(engine, READER, int(agreement["agreement_id"]))


def readiness(url: str) -> report.Readiness:
    engine = db.get_engine(url)
    indicators = store.load_indicators(engine, READER)
    mandatory = indicators.filter(pl.col("outcome_type") == "mandatory")["indicator_code"]
    return report.readiness(negotiation(url), mandatory_codes=mandatory.to_list())


def form_keys(at: AppTest, prefix: str) -> set[str]:
    return {b.key for b in at.button if b.key and b.key.startswith(prefix)}


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_gets_a_healthy_page(demo_db: str, user: str) -> None:
    at = open_negotiation(user)
    assert not errors(at), errors(at)
    if user == "department":
        assert any("negotiated between an area's Local Strategic" in i.value for i in at.info)
        assert not at.metric
    else:
        assert [m.value for m in at.metric][:3] == [
            str(readiness(demo_db).counts[k]) for k in ("agreed", "challenged", "awaiting")
        ]


def test_the_summary_and_blockers_are_the_cores(demo_db: str) -> None:
    state = readiness(demo_db)
    at = open_negotiation("go")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reward targets"] == f"{state.reward_targets} of {state.max_reward_targets}"
    (warning,) = [w.value for w in at.warning if "Before it can be signed" in w.value]
    for blocker in state.blockers:
        assert blocker.split(":")[0] in warning
    table = next(d.value for d in at.dataframe if "Where it stands" in d.value.columns)
    assert sorted(table["Code"]) == sorted(state.states["indicator_code"])


@pytest.mark.parametrize(
    ("user", "propose", "verdict", "comment"),
    [
        ("officer", True, False, True),
        ("go", False, True, True),
        ("lead", False, False, True),
        ("board", False, False, False),
        ("viewer", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_each_role_gets_the_forms_it_may_use(
    demo_db: str, user: str, propose: bool, verdict: bool, comment: bool
) -> None:
    at = open_negotiation(user, proposal="BV126")  # a revised proposal awaiting the GO
    assert bool(form_keys(at, "neg_save_")) is propose
    assert bool(form_keys(at, "neg_verdict_save_")) is verdict
    assert bool(form_keys(at, "neg_comment_BV126_post")) is comment
    assert bool(form_keys(at, "neg_add_button")) is propose  # choosing indicators


def test_a_reward_target_shows_its_evidence(demo_db: str) -> None:
    at = open_negotiation("go", proposal="BV126")
    text = all_text(at)
    assert "Stretch evidence" in text
    assert "The trend of the last" in text
    assert any("BV126" in json.dumps(chart_spec(c)) for c in charts(at))


def test_the_go_challenges_and_the_area_revises(writable_demo: str) -> None:
    before = negotiation(writable_demo)
    latest = report.latest_proposals(before.proposals)
    code = "BV126"
    row = latest.filter(pl.col("indicator_code") == code).row(0, named=True)
    version = int(row["version"])
    without = round(row["baseline_value"] - 0.3, 2)  # lower is better: just below the baseline
    at = open_negotiation("go", proposal=code)
    at.radio(key=f"neg_verdict_{code}_{version}").set_value("challenged")
    at.text_area(key=f"neg_verdict_note_{code}_{version}").input(
        "Still padded: reset to the trend."
    )
    at.button(key=f"neg_verdict_save_{code}").click()
    at.run(timeout=60)
    assert not errors(at), errors(at)
    states = report.proposal_states(negotiation(writable_demo))
    assert states.filter(pl.col("indicator_code") == code)["state"].to_list() == ["challenged"]
    assert f"{code}: version {version} challenged." in [s.value for s in at.success]

    officer = open_negotiation("officer", proposal=code)
    key = f"neg_p_{code}_{version}"
    officer.number_input(key=f"{key}_without").set_value(without)
    officer.text_input(key=f"{key}_reason").input("Reset to the trend")
    officer.button(key=f"neg_save_{code}").click()
    officer.run(timeout=60)
    assert not errors(officer), errors(officer)
    after = negotiation(writable_demo).proposals.filter(pl.col("indicator_code") == code)
    assert after["version"].max() == version + 1
    assert after.sort("version")["without_reward_value"][-1] == without


def test_the_go_cannot_rewrite_nor_the_area_agree_through_a_forged_form(writable_demo: str) -> None:
    """The forms are not drawn for them; the store refuses anyway (checked in the store tests):
    here, a GO of another region is refused the page's reads."""
    engine = db.get_engine(writable_demo)
    outsider = Actor("go-nw", (Grant("go", region_code="GONW"),))
    with pytest.raises(store.AccessDenied):
        agreement = store.latest_agreement(engine, READER, AREA)
        assert agreement is not None
        store.load_negotiation(engine, outsider, int(agreement["agreement_id"]))


def test_an_officer_adds_an_indicator_and_comments(writable_demo: str) -> None:
    before = negotiation(writable_demo)
    chosen = set(before.choices.filter(pl.col("included"))["indicator_code"])
    every = set(store.load_indicators(db.get_engine(writable_demo), READER)["indicator_code"])
    pick = sorted(every - chosen)[0]
    at = open_negotiation("officer")
    at.multiselect(key="neg_add_codes").select(pick)
    at.button(key="neg_add_button").click()
    at.run(timeout=60)
    assert not errors(at), errors(at)
    after = negotiation(writable_demo).choices.filter(pl.col("included"))
    assert set(after["indicator_code"]) == chosen | {pick}
    at.text_area(key="neg_comment_all_text").input("Draft to the board on 10 December.")
    at.button(key="neg_comment_all_post").click()
    at.run(timeout=60)
    assert (
        "Draft to the board on 10 December."
        in negotiation(writable_demo).comments["text"].to_list()
    )


@pytest.fixture
def ready_demo(writable_demo: str) -> str:
    """The demo negotiation brought to agreement: the officer drops the indicators still
    without a proposal, the GO agrees every other latest version."""
    engine = db.get_engine(writable_demo)
    officer = Actor("officer", (Grant("officer", area_code=AREA),))
    go = Actor("go", (Grant("go", region_code="GOEM"),))
    state = readiness(writable_demo)
    agreement_id = int(negotiation(writable_demo).agreement["agreement_id"])
    missing = state.states.filter(pl.col("state") == "no_proposal")["indicator_code"].to_list()
    store.choose_indicators(
        engine, officer, agreement_id, missing, included=False, reason="Next year"
    )
    for row in state.states.filter(pl.col("state").is_in(["awaiting", "challenged"])).iter_rows(
        named=True
    ):
        store.record_verdict(engine, go, int(row["id"]), "agreed")
    assert readiness(writable_demo).ready
    return writable_demo


def test_the_go_builds_the_document_and_signs(ready_demo: str) -> None:
    import io

    from pypdf import PdfReader

    agreed = readiness(ready_demo).agreed_proposals
    at = open_negotiation("go")
    assert not form_keys(at, "neg_sign_button")  # no signature before the document is built
    at.button(key="neg_build").click()
    at.run(timeout=120)
    assert not errors(at), errors(at)
    pdf_button = at.get("download_button")
    assert any("Download the PDF" in str(b.proto) for b in pdf_button)
    at.checkbox(key="neg_sign_confirm").check()
    at.button(key="neg_sign_button").click()
    at.run(timeout=120)
    assert not errors(at), errors(at)
    engine = db.get_engine(ready_demo)
    agreement = store.latest_agreement(engine, READER, AREA)
    assert agreement is not None and agreement["status"] == "signed"
    signed = store.signed_document(engine, READER, int(agreement["agreement_id"]))
    assert signed is not None
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(signed["document_pdf"])).pages)
    flat = " ".join(text.split())
    assert signed["document_sha256"][:16] in flat  # the fingerprint printed in the footer
    assert "Nothing is paid for a target below 60% of its stretch" in flat
    for code in agreed["indicator_code"]:
        assert code in flat
    targets = store.load_scope(engine, READER, [AREA]).targets
    new = targets.filter(pl.col("agreement_start") == agreement["start_date"])
    assert sorted(new["indicator_code"]) == sorted(agreed["indicator_code"])
    again = open_negotiation("board")
    assert any("Signed on" in s.value for s in again.success)


def test_a_signed_targets_focus_shows_where_the_target_appears(ready_demo: str) -> None:
    from datetime import date

    from tests.app.conftest import open_page

    engine = db.get_engine(ready_demo)
    state = readiness(ready_demo)
    focused = state.agreed_proposals.filter(pl.col("focus").is_not_null()).row(0, named=True)
    made = agreement_document.area_document(engine, READER, AREA, date(2009, 3, 1))
    go = Actor("go", (Grant("go", region_code="GOEM"),))
    store.sign_negotiated_agreement(
        engine, go, int(negotiation(ready_demo).agreement["agreement_id"]),
        signed_date=date(2009, 3, 1), proposal_ids=state.agreed_proposals["id"].to_list(),
        document_pdf=b"%PDF", document_html="", document_sha256=made.fingerprint,
    )  # fmt: skip
    store.set_setting(engine, store.cli_actor("tester"), "today", "2009-06-30")
    at = open_page("indicator", "board", area=AREA, indicator=focused["indicator_code"])
    assert not errors(at), errors(at)
    words = md(f"focus: {focused['focus']}")  # captions escape markdown
    assert any(words in c.value for c in at.caption), [c.value for c in at.caption]
    overview = open_page("overview", "board", area=AREA)
    names = [
        n
        for d in overview.dataframe
        if "Indicator" in d.value.columns
        for n in d.value["Indicator"]
    ]
    assert any(n.endswith(f"— focus: {focused['focus']}") for n in names)
