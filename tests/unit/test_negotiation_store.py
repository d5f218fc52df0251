"""The negotiation of a draft agreement in the store: who may choose, propose, challenge, agree,
comment and sign; every version kept; nothing changes once signed. On SQLite and, where
TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports import negotiation as report
from dashboard.store.rules import ConcurrentChange, RuleViolation
from data_models import AuditEvent, Target, TargetVersion

OFFICER = Actor("officer-e01", (Grant("officer", area_code="E01"),))
LEAD = Actor("lead-e01", (Grant("lead", area_code="E01", partnership="Safer Eastvale"),))
BOARD = Actor("board-e01", (Grant("board", area_code="E01"),))
GO = Actor("go-em", (Grant("go", region_code="GOEM"),))
GO_NE = Actor("go-ne", (Grant("go", region_code="GONE"),))
MANDATORY = "CRIME"
INDICATORS = [
    {"indicator_code": MANDATORY, "name": "Crimes per 1000", "block_code": "SSC",
     "unit": "rate per 1000", "polarity": "lower", "decimals": 1, "frequency": "annual",
     "data_source": "Police recorded crime", "department_code": "HO",
     "outcome_type": "mandatory", "outcome": "Reduce crime", "plausible_min": 0.0,
     "plausible_max": 300.0, "mandatory_reason": "Safer and Stronger Communities Fund"},
    {"indicator_code": "RECYCLE", "name": "Household waste recycled", "block_code": "SSC",
     "unit": "%", "polarity": "higher", "decimals": 1, "frequency": "annual",
     "data_source": "WasteDataFlow", "department_code": "DEFRA", "outcome_type": "optional",
     "outcome": "Cleaner greener", "plausible_min": 0.0, "plausible_max": 100.0},
    {"indicator_code": "SPORT", "name": "Adults active in sport", "block_code": "HCOP",
     "unit": "%", "polarity": "higher", "decimals": 1, "frequency": "annual",
     "data_source": "Active People survey", "department_code": "DCMS",
     "outcome_type": "optional", "outcome": "Healthier lives", "plausible_min": 0.0,
     "plausible_max": 100.0},
]  # fmt: skip


def make_draft(engine, admin: Actor) -> int:  # type: ignore[no-untyped-def]
    """Eastvale (East Midlands, net budget £200m: a £5m pot) with a draft agreement 2009–2012,
    and Northby in the North East."""
    rows = [
        {"area_code": code, "area_name": name, "region_code": region, "la_type": "unitary",
         "population": 200_000, "net_budget_requirement_gbp": 200_000_000,
         "agreement_start": date(2009, 4, 1), "agreement_end": date(2012, 3, 31)}
        for code, name, region in [("E01", "Eastvale", "GOEM"), ("N01", "Northby", "GONE")]
    ]  # fmt: skip
    with db.write_transaction(engine) as conn:
        store.save_areas(conn, admin, rows)
        store.save_indicators(conn, admin, INDICATORS)
    agreement = store.latest_agreement(engine, admin, "E01")
    assert agreement is not None and agreement["status"] == "draft"
    return int(agreement["agreement_id"])


@pytest.fixture
def draft(engine, admin: Actor) -> int:  # type: ignore[no-untyped-def]
    return make_draft(engine, admin)


def proposal(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "partnership": "Safer Eastvale",
        "lead_officer": "A. Khan",
        "baseline_period": date(2008, 3, 31),
        "baseline_value": 30.0,
        "target_period": date(2011, 3, 31),
        "target_value": 36.0,
        "without_reward_value": 33.0,
        "milestones": [(date(2010, 3, 31), 33.5)],
        "focus": "neighbourhood renewal wards",
        "note_stretch": "Three points above the trend.",
    }
    values.update(overrides)
    return values


def crime(**overrides: object) -> dict[str, object]:
    return proposal(baseline_value=100.0, target_value=85.0, without_reward_value=None,
                    milestones=None, focus=None, **overrides)  # fmt: skip


def agree_all(engine, agreement_id: int) -> None:  # type: ignore[no-untyped-def]
    for p in report.latest_proposals(
        store.load_negotiation(engine, GO, agreement_id).proposals
    ).iter_rows(named=True):
        store.record_verdict(engine, GO, p["id"], "agreed")  # fmt: skip


def state_of(engine, agreement_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    states = report.proposal_states(store.load_negotiation(engine, GO, agreement_id))
    return dict(states.select("indicator_code", "state").iter_rows())


def ready(engine, agreement_id: int) -> report.Readiness:  # type: ignore[no-untyped-def]
    return report.readiness(
        store.load_negotiation(engine, GO, agreement_id), mandatory_codes=[MANDATORY]
    )


def sign(engine, agreement_id: int, actor: Actor = GO, ids: list[int] | None = None) -> None:  # type: ignore[no-untyped-def]
    state = ready(engine, agreement_id)
    store.sign_negotiated_agreement(
        engine, actor, agreement_id, signed_date=date(2009, 3, 20),
        proposal_ids=ids if ids is not None else state.agreed_proposals["id"].to_list(),
        document_pdf=b"%PDF-1.7 test", document_html="<p>LAA</p>", document_sha256="ab" * 32,
    )  # fmt: skip


# ----------------------------------------------------------------------------- the workflow
def test_from_choice_to_signed_targets(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    assert store.choose_indicators(engine, OFFICER, draft, [MANDATORY, "RECYCLE"]) == 2
    assert store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal()) == 1
    assert store.propose_target(engine, OFFICER, draft, MANDATORY, crime()) == 1
    assert state_of(engine, draft) == {MANDATORY: "awaiting", "RECYCLE": "awaiting"}
    agree_all(engine, draft)
    state = ready(engine, draft)
    assert state.ready, state.blockers
    assert state.counts["agreed"] == 2 and state.reward_targets == 1
    assert state.pot_gbp == Decimal("5000000.00")  # 2.5% of £200m
    assert state.shares["share_gbp"].to_list() == [Decimal("5000000.00")]  # the one reward target
    sign(engine, draft)
    agreement = store.latest_agreement(engine, GO, "E01")
    assert agreement is not None and agreement["status"] == "signed"
    with engine.connect() as conn:
        versions = conn.execute(
            select(Target.indicator_code, TargetVersion.target_value, TargetVersion.without_reward_value,
                   TargetVersion.focus, TargetVersion.recorded_by)
            .join(TargetVersion, TargetVersion.target_id == Target.id)
            .where(Target.agreement_id == draft).order_by(Target.indicator_code)
        ).all()  # fmt: skip
        signed = conn.execute(
            select(func.count()).where(AuditEvent.action == "agreement:sign", AuditEvent.user == "go-em")
        ).scalar_one()  # fmt: skip
    assert [tuple(v) for v in versions] == [
        (MANDATORY, 85.0, None, None, "go-em"),
        ("RECYCLE", 36.0, 33.0, "neighbourhood renewal wards", "go-em"),
    ]
    assert signed == 1
    document = store.signed_document(engine, BOARD, draft)
    assert document is not None and document["document_pdf"] == b"%PDF-1.7 test"
    assert document["document_sha256"] == "ab" * 32


def test_nothing_changes_once_signed(engine, admin, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, [MANDATORY, "RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal())
    store.propose_target(engine, OFFICER, draft, MANDATORY, crime())
    agree_all(engine, draft)
    sign(engine, draft)
    for attempt in (
        lambda: store.propose_target(
            engine, OFFICER, draft, "RECYCLE", proposal(target_value=37.0)
        ),
        lambda: store.choose_indicators(engine, OFFICER, draft, ["SPORT"]),
        lambda: store.add_negotiation_comment(engine, GO, draft, "One more thing"),
        lambda: sign(engine, draft),
    ):
        with pytest.raises(RuleViolation, match="signed"):
            attempt()
    # and the reward target is frozen through the ordinary import path too
    with pytest.raises(RuleViolation), db.write_transaction(engine) as conn:
        store.save_targets(conn, admin, [{
            "area_code": "E01", "indicator_code": "RECYCLE", "partnership": "Safer Eastvale",
            "baseline_period": date(2008, 3, 31), "baseline_value": 30.0,
            "target_period": date(2011, 3, 31), "target_value": 38.0, "without_reward_value": 33.0,
        }])  # fmt: skip


# ----------------------------------------------------------------------------- who may
def test_the_area_cannot_agree_its_own_proposal(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal())
    (pid,) = store.load_negotiation(engine, OFFICER, draft).proposals["id"].to_list()
    for actor in (OFFICER, LEAD, BOARD, GO_NE):
        with pytest.raises(AccessDenied):
            store.record_verdict(engine, actor, pid, "agreed")
    assert state_of(engine, draft) == {"RECYCLE": "awaiting"}


def test_the_go_comments_and_agrees_but_does_not_rewrite(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal())
    with pytest.raises(AccessDenied):
        store.propose_target(engine, GO, draft, "RECYCLE", proposal(target_value=40.0))
    with pytest.raises(AccessDenied):
        store.choose_indicators(engine, GO, draft, ["SPORT"])
    store.add_negotiation_comment(engine, GO, draft, "Is 36% credible?", "RECYCLE")
    store.add_negotiation_comment(engine, LEAD, draft, "The contract supports it.", "RECYCLE")
    with pytest.raises(AccessDenied):
        store.add_negotiation_comment(engine, BOARD, draft, "Board view")
    with pytest.raises(AccessDenied):
        store.add_negotiation_comment(engine, GO_NE, draft, "Another region")
    with pytest.raises(AccessDenied):
        store.load_negotiation(engine, GO_NE, draft)
    comments = store.load_negotiation(engine, BOARD, draft).comments  # the board reads
    assert comments.select("recorded_by", "indicator_code", "proposal_version").rows() == [
        ("go-em", "RECYCLE", 1), ("lead-e01", "RECYCLE", 1)
    ]  # fmt: skip


def test_only_the_area_or_its_go_signs(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, [MANDATORY])
    store.propose_target(engine, OFFICER, draft, MANDATORY, crime())
    agree_all(engine, draft)
    for actor in (OFFICER, GO_NE, BOARD):
        with pytest.raises(AccessDenied):
            sign(engine, draft, actor)
    assert store.latest_agreement(engine, GO, "E01")["status"] == "draft"  # type: ignore[index]


# ----------------------------------------------------------------------------- the rules
def test_mandatory_indicators_stay_and_count_in_readiness(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal())
    agree_all(engine, draft)
    state = ready(engine, draft)
    assert state.mandatory_missing == [MANDATORY]
    assert not state.ready and any("mandatory" in b and MANDATORY in b for b in state.blockers)
    with pytest.raises(RuleViolation, match="not ready"):
        sign(engine, draft)
    store.choose_indicators(engine, OFFICER, draft, [MANDATORY])
    with pytest.raises(RuleViolation, match="mandatory"):
        store.choose_indicators(engine, OFFICER, draft, [MANDATORY], included=False)
    assert store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"], included=False) == 1
    assert set(state_of(engine, draft)) == {MANDATORY}  # dropped, its proposal kept in history
    assert store.load_negotiation(engine, GO, draft).proposals.height == 1


def test_a_new_version_needs_a_new_verdict_and_every_version_is_kept(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal())
    first = store.load_negotiation(engine, GO, draft).proposals["id"][0]
    with pytest.raises(RuleViolation, match="say what"):
        store.record_verdict(engine, GO, first, "challenged")
    store.record_verdict(engine, GO, first, "challenged", "The without figure is below trend.")
    assert state_of(engine, draft) == {"RECYCLE": "challenged"}
    assert store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal(without_reward_value=34.0),
                                reason="Without figure raised to the trend") == 2  # fmt: skip
    assert state_of(engine, draft) == {"RECYCLE": "awaiting"}
    with pytest.raises(ConcurrentChange):  # a verdict on the old version
        store.record_verdict(engine, GO, first, "agreed")
    negotiation = store.load_negotiation(engine, GO, draft)
    assert negotiation.proposals["version"].to_list() == [1, 2]
    changes = report.proposal_changes(negotiation.proposals, "RECYCLE")
    second = changes.filter(pl.col("version") == 2)
    assert second.select("field", "before", "after").rows() == [("Without reward", "33.0", "34.0")]
    assert second["reason"].to_list() == ["Without figure raised to the trend"]
    assert "Owner partnership" in changes.filter(pl.col("version") == 1)["field"].to_list()
    with pytest.raises(RuleViolation, match="nothing changed"):
        store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal(without_reward_value=34.0))


def test_a_stale_proposal_is_refused(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal(), expected_version=0)
    with pytest.raises(ConcurrentChange, match="version 1"):
        store.propose_target(
            engine, OFFICER, draft, "RECYCLE", proposal(target_value=37.0), expected_version=0
        )


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"target_value": 33.0}, "Stretched target: it equals the without-reward figure"),
        (
            {"target_period": date(2013, 3, 31)},
            "Target period: 31 March 2013 is outside the agreement",
        ),
        ({"baseline_period": date(2011, 3, 31)}, "Target period: it must come after the baseline"),
        ({"target_value": 136.0}, "Target: 136 is outside the plausible range 0 to 100"),
        ({"milestones": [(date(2012, 3, 31), 35.0)]}, "Milestones: 31 March 2012 is not between"),
        ({"partnership": " "}, "Owner partnership"),
        (
            {"without_reward_value": None, "agreed_share_gbp": 100},
            "Agreed share: only a reward target",
        ),
    ],
)
def test_a_bad_proposal_names_the_field_and_writes_nothing(
    engine, draft: int, overrides, words: str
) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE"])
    with pytest.raises(RuleViolation, match=words):
        store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal(**overrides))
    assert store.load_negotiation(engine, GO, draft).proposals.is_empty()


def test_an_indicator_must_be_chosen_before_its_target(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation, match="choose the indicator"):
        store.propose_target(engine, OFFICER, draft, "SPORT", proposal())


def test_the_reward_element_follows_the_agreements_settings(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, ["RECYCLE", "SPORT"])
    store.propose_target(engine, OFFICER, draft, "RECYCLE", proposal(agreed_share_gbp=3_000_000))
    with pytest.raises(
        RuleViolation, match=re.escape("Agreed shares: they add up to £5,000,000.01")
    ):
        store.propose_target(
            engine, OFFICER, draft, "SPORT", proposal(agreed_share_gbp="2000000.01")
        )
    store.propose_target(engine, OFFICER, draft, "SPORT", proposal())
    state = ready(engine, draft)
    shares = dict(state.shares.select("indicator_code", "share_gbp").iter_rows())
    assert shares == {"RECYCLE": Decimal("3000000.00"), "SPORT": Decimal("2000000.00")}
    with db.write_transaction(engine) as conn:
        conn.exec_driver_sql(f"UPDATE agreement SET max_reward_targets = 1 WHERE id = {draft}")
    with pytest.raises(RuleViolation, match="at most 1"):
        store.propose_target(engine, OFFICER, draft, "SPORT", proposal(target_value=37.0))


def test_signing_what_the_document_showed(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, draft, [MANDATORY])
    store.propose_target(engine, OFFICER, draft, MANDATORY, crime())
    agree_all(engine, draft)
    with pytest.raises(ConcurrentChange, match="build the document again"):
        sign(engine, draft, ids=[999])
    assert store.latest_agreement(engine, GO, "E01")["status"] == "draft"  # type: ignore[index]


def test_start_a_draft_after_the_signed_agreement(engine, admin, draft: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation, match="already has a draft"):
        store.start_draft(engine, OFFICER, "E01", date(2012, 4, 1))
    store.sign_agreement(engine, admin, "E01", date(2009, 3, 1))
    with pytest.raises(RuleViolation, match="runs until 31 March 2012"):
        store.start_draft(engine, OFFICER, "E01", date(2011, 4, 1))
    with pytest.raises(AccessDenied):
        store.start_draft(engine, GO, "E01", date(2012, 4, 1))
    new = store.start_draft(engine, OFFICER, "E01", date(2012, 4, 1))
    agreement = store.latest_agreement(engine, OFFICER, "E01")
    assert agreement is not None and agreement["agreement_id"] == new
    assert (agreement["start_date"], agreement["end_date"]) == (date(2012, 4, 1), date(2015, 3, 31))
    assert agreement["pump_priming_gbp"] == Decimal("950000.00")  # £750,000 + £1 a head
    assert agreement["status"] == "draft"
    choices = store.load_negotiation(engine, OFFICER, new).choices
    assert choices.select("indicator_code", "included").rows() == [(MANDATORY, True)]


def test_a_local_indicator_is_created_in_place(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    code = store.create_local_indicator(engine, OFFICER, draft, {
        "indicator_code": "E01-L1", "name": "Residents who feel safe after dark", "block_code": "SSC",
        "unit": "%", "polarity": "higher", "decimals": 0, "frequency": "annual",
        "data_source": "Eastvale residents' survey", "department_code": "HO",
        "definition": "Share of survey respondents answering 'fairly' or 'very' safe.",
    })  # fmt: skip
    assert code == "E01-L1"
    assert state_of(engine, draft) == {"E01-L1": "no_proposal"}
    (row,) = store.load_indicators(engine, OFFICER, ["E01-L1"]).to_dicts()
    assert row["outcome_type"] == "local" and row["data_source"] == "Eastvale residents' survey"
    with pytest.raises(RuleViolation, match="already an indicator"):
        store.create_local_indicator(engine, OFFICER, draft, {"indicator_code": "RECYCLE"})
    with pytest.raises(AccessDenied):
        store.create_local_indicator(engine, GO, draft, {"indicator_code": "E01-L2"})
