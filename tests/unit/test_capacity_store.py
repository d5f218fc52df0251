"""The capacity assessment in the store: the framework, dated versions, who may record and
read, validation in the domain's words, nothing half-written, and the audit trail."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from data_models import AuditEvent, CapacityAssessment, CapacityCharacteristic, CapacityRating

FRAMEWORK = [
    {
        "code": "VISION",
        "name": "Clarity of vision",
        "condition": "Clarity of vision",
        "description": "A shared, owned vision",
        "display_order": "2",
        "strong": "every partner can say what the LAA is for",
        "adequate": "the board shares a vision; partners know parts of it",
        "developing": "a vision on paper, not yet owned by partners",
        "weak": "no agreed vision; partners pull in different directions",
    },
    {
        "code": "DATA",
        "name": "Data quality",
        "condition": "Performance improvement capacity",
        "description": "",
        "display_order": "1",
        "strong": "values are checked at source and graded; revisions are explained",
        "adequate": "most values checked; a few late",
        "developing": "checks depend on one officer",
        "weak": "figures arrive late, unverified, and are often revised without a reason",
        "active": "yes",
    },
]


@pytest.fixture
def areas(engine, admin: Actor) -> None:  # type: ignore[no-untyped-def]
    """Two areas in the East Midlands and one in the North East, and the framework."""
    rows = [
        {
            "area_code": code,
            "area_name": name,
            "region_code": region,
            "la_type": "unitary",
            "population": 200_000,
            "net_budget_requirement_gbp": 200_000_000,
            "agreement_start": date(2006, 4, 1),
            "agreement_end": date(2009, 3, 31),
        }
        for code, name, region in [
            ("E01", "Eastvale", "GOEM"),
            ("E02", "Westmoor", "GOEM"),
            ("N01", "Northby", "GONE"),
        ]
    ]
    with db.write_transaction(engine) as conn:
        store.save_areas(conn, admin, rows)
    store.save_capacity_framework(engine, admin, FRAMEWORK)


GO = Actor("go-em", (Grant("go", region_code="GOEM"),))
GO_NE = Actor("go-ne", (Grant("go", region_code="GONE"),))
OFFICER = Actor("officer-e01", (Grant("officer", area_code="E01"),))
READERS = [
    Actor("board", (Grant("board", area_code="E01"),)),
    Actor("lead", (Grant("lead", area_code="E01", partnership="Children's Trust"),)),
    Actor("viewer", (Grant("viewer", area_code="E01"),)),
]
RATINGS = [
    {"characteristic_code": "VISION", "level": "adequate", "evidence": "board minutes",
     "strengths": "shared vision", "weaknesses": "not yet owned by the PCT"},
    {"characteristic_code": "DATA", "level": "developing", "evidence": "returns audit",
     "strengths": "", "weaknesses": "late returns"},
]  # fmt: skip


def _go(engine, actor: Actor = GO, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "kind": "go",
        "assessed_on": date(2008, 3, 14),
        "ratings": RATINGS,
        "overall": "adequate",
        "summary": "A partnership that knows its weaknesses.",
        "recommendation": "ready_with_conditions",
        "conditions": ["Data quality plan agreed by June", "  ", "PCT signs the vision"],
    }
    values.update(overrides)
    return store.record_capacity_assessment(engine, actor, "E01", **values)


def _counts(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar()
            for t in (CapacityAssessment, CapacityRating, AuditEvent)
        )


def test_framework_in_display_order_and_retired_hidden(engine, admin, areas) -> None:  # type: ignore[no-untyped-def]
    """Characteristics come in display order; a retired one stays stored but is left out."""
    framework = store.capacity_framework(engine)
    assert framework["code"].to_list() == ["DATA", "VISION"]
    assert framework.columns == list(store.CAPACITY_FRAMEWORK_COLUMNS)
    assert framework.row(0, named=True)["weak"].startswith("figures arrive late")
    summary = store.save_capacity_framework(engine, admin, [{**FRAMEWORK[0], "active": "false"}])
    assert (summary.inserted, summary.updated) == (0, 1)
    assert store.capacity_framework(engine)["code"].to_list() == ["DATA"]
    everything = store.capacity_framework(engine, include_retired=True)
    assert everything.filter(pl.col("code") == "VISION")["active"].to_list() == [False]


def test_framework_edit_is_audited_with_before_and_after(engine, admin, areas) -> None:  # type: ignore[no-untyped-def]
    """An unchanged row writes nothing; a changed one one audit row naming what changed."""
    again = store.save_capacity_framework(engine, admin, FRAMEWORK)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)
    store.save_capacity_framework(engine, admin, [{**FRAMEWORK[1], "name": "Data quality and use"}])
    audit = store.audit_frame(engine, admin).filter(pl.col("action") == "capacity_framework:update")
    assert audit.height == 1
    assert audit["before"][0] == "DATA: name=Data quality"
    assert audit["after"][0] == "DATA: name=Data quality and use"


def test_framework_errors_name_row_and_column_and_write_nothing(engine, admin, areas) -> None:  # type: ignore[no-untyped-def]
    """Every problem of the set is reported by row and column; nothing of it is stored."""
    rows = [
        {**FRAMEWORK[0], "code": "NEW1", "name": "New one"},
        {**FRAMEWORK[1], "weak": "", "display_order": "first"},
        {**FRAMEWORK[1], "code": "NEW1", "active": "maybe"},
        {**FRAMEWORK[1], "code": "X" * 21},
    ]
    with pytest.raises(store.RuleViolation) as refused:
        store.save_capacity_framework(engine, admin, rows, first_row=2)
    message = str(refused.value)
    assert "row 3, column weak: required, but empty" in message
    assert "row 3, column display_order: 'first' is not a whole number" in message
    assert "row 4, column code: NEW1 is already on row 2" in message
    assert "row 4, column active: 'maybe' is not true or false" in message
    assert "row 5, column code: longer than 20 characters" in message
    assert "NEW1" not in store.capacity_framework(engine, include_retired=True)["code"].to_list()


def test_only_an_administrator_edits_the_framework(engine, areas) -> None:  # type: ignore[no-untyped-def]
    for actor in (GO, OFFICER):
        with pytest.raises(AccessDenied):
            store.save_capacity_framework(engine, actor, FRAMEWORK)


def test_two_saves_are_two_versions_both_kept(engine, areas) -> None:  # type: ignore[no-untyped-def]
    """A second assessment is a new dated version; the first is unchanged and read first."""
    first = _go(engine)
    second = _go(
        engine,
        assessed_on=date(2008, 10, 20),
        overall="strong",
        recommendation="ready",
        conditions=[],
        ratings=[{**RATINGS[0], "level": "strong"}],
    )
    assert second != first
    assessments, ratings = store.capacity_assessments(engine, GO, "E01")
    assert assessments["id"].to_list() == [first, second]
    assert assessments["overall"].to_list() == ["adequate", "strong"]
    assert assessments["conditions"].to_list() == [
        ["Data quality plan agreed by June", "PCT signs the vision"],
        [],
    ]
    assert assessments["recommendation_date"].to_list() == [date(2008, 3, 14), date(2008, 10, 20)]
    assert assessments["recorded_by"].to_list() == ["go-em", "go-em"]
    assert ratings.filter(pl.col("assessment_id") == first)["level"].to_list() == [
        "adequate",
        "developing",
    ]
    assert ratings.filter(pl.col("assessment_id") == second)["level"].to_list() == ["strong"]
    latest = store.latest_capacity(engine, GO, ["E01", "E02"])
    assert latest.columns == list(store.capacity.LATEST_COLUMNS)
    assert latest.rows() == [
        ("E01", second, date(2008, 10, 20), "strong", "ready", date(2008, 10, 20), [], "go-em",
         "go-em")  # no such user: the name recorded stands
    ]  # fmt: skip


def test_latest_is_by_date_then_as_recorded_and_ignores_self(engine, areas) -> None:  # type: ignore[no-untyped-def]
    """A later-recorded assessment of an earlier date does not become the latest; a
    self-assessment never is the GO's judgement."""
    newer = _go(engine, assessed_on=date(2008, 10, 1), recommendation="not_ready", conditions=[])
    _go(engine, assessed_on=date(2008, 3, 1))
    store.record_capacity_assessment(
        engine, OFFICER, "E01", kind="self", assessed_on=date(2008, 11, 1),
        ratings=RATINGS, overall="strong",
    )  # fmt: skip
    latest = store.latest_capacity(engine, GO, ["E01"])
    assert latest["assessment_id"].to_list() == [newer]
    assert latest["recommendation"].to_list() == ["not_ready"]
    assert store.latest_capacity(engine, GO, []).height == 0


def test_assessments_name_the_person_who_recorded_them(engine, areas, admin) -> None:  # type: ignore[no-untyped-def]
    from dashboard import accounts

    accounts.add_user(engine, admin, "go-em", "Priya Shah", None)
    _go(engine, assessed_on=date(2008, 3, 1))
    assessments, _ = store.capacity_assessments(engine, GO, "E01")
    assert assessments.select("recorded_by", "recorded_by_name").rows() == [("go-em", "Priya Shah")]
    latest = store.latest_capacity(engine, GO, ["E01"])
    assert latest["recorded_by_name"].to_list() == ["Priya Shah"]


def test_latest_as_at_a_date_is_the_judgement_made_by_then(engine, areas) -> None:  # type: ignore[no-untyped-def]
    early = _go(engine, assessed_on=date(2008, 3, 1))
    late = _go(engine, assessed_on=date(2008, 10, 1), recommendation="not_ready", conditions=[])
    at = {
        day: store.latest_capacity(engine, GO, ["E01"], day)["assessment_id"].to_list()
        for day in (date(2008, 2, 28), date(2008, 3, 1), date(2008, 9, 30), date(2008, 10, 1))
    }
    assert at == {
        date(2008, 2, 28): [],
        date(2008, 3, 1): [early],
        date(2008, 9, 30): [early],
        date(2008, 10, 1): [late],
    }


def test_self_assessment_by_the_officer_beside_the_go(engine, areas) -> None:  # type: ignore[no-untyped-def]
    own = store.record_capacity_assessment(
        engine, OFFICER, "E01", kind="self", assessed_on=date(2008, 3, 1),
        ratings=[{**RATINGS[0], "level": "strong"}], overall="strong", summary="We are ready.",
    )  # fmt: skip
    _go(engine)
    assessments, _ = store.capacity_assessments(engine, OFFICER, "E01")
    assert assessments["kind"].to_list() == ["self", "go"]
    mine = assessments.filter(pl.col("id") == own).row(0, named=True)
    assert (mine["recommendation"], mine["recommendation_date"], mine["conditions"]) == (
        None,
        None,
        [],
    )


def test_go_of_another_region_may_neither_read_nor_write(engine, areas) -> None:  # type: ignore[no-untyped-def]
    _go(engine)
    with pytest.raises(AccessDenied):
        _go(engine, GO_NE)
    with pytest.raises(AccessDenied):
        store.capacity_assessments(engine, GO_NE, "E01")
    with pytest.raises(AccessDenied):
        store.latest_capacity(engine, GO_NE, ["N01", "E01"])
    assert store.latest_capacity(engine, GO_NE, ["N01"]).height == 0


def test_who_may_record_which_kind(engine, areas) -> None:  # type: ignore[no-untyped-def]
    """The officer records the self-assessment only; the GO the GO assessment only; the
    board, lead and viewer read both and record neither; an admin records both."""
    with pytest.raises(AccessDenied):
        _go(engine, OFFICER)
    with pytest.raises(AccessDenied):
        store.record_capacity_assessment(
            engine, GO, "E01", kind="self", assessed_on=date(2008, 3, 1), ratings=RATINGS,
            overall="adequate",
        )  # fmt: skip
    other_officer = Actor("officer-e02", (Grant("officer", area_code="E02"),))
    with pytest.raises(AccessDenied):
        store.record_capacity_assessment(
            engine, other_officer, "E01", kind="self", assessed_on=date(2008, 3, 1),
            ratings=RATINGS, overall="adequate",
        )  # fmt: skip
    _go(engine)
    for reader in READERS:
        with pytest.raises(AccessDenied):
            _go(engine, reader)
        with pytest.raises(AccessDenied):
            store.record_capacity_assessment(
                engine, reader, "E01", kind="self", assessed_on=date(2008, 3, 1),
                ratings=RATINGS, overall="adequate",
            )  # fmt: skip
        assessments, ratings = store.capacity_assessments(engine, reader, "E01")
        assert assessments.height == 1 and ratings.height == 2
        with pytest.raises(AccessDenied):
            store.capacity_assessments(engine, reader, "E02")
    admin = store.cli_actor("tester")
    _go(engine, admin)
    store.record_capacity_assessment(
        engine, admin, "E01", kind="self", assessed_on=date(2008, 3, 1), ratings=RATINGS,
        overall="adequate",
    )  # fmt: skip
    assert _counts(engine)[0] == 3


def test_a_refusal_is_in_the_security_log(engine, areas) -> None:  # type: ignore[no-untyped-def]
    from dashboard import security

    with pytest.raises(AccessDenied):
        _go(engine, GO_NE)
    log = security.log_path().read_text()
    assert "go-ne" in log and "capacity assessment of E01" in log


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recommendation": None, "conditions": []}, "needs a recommendation for sign-off"),
        ({"conditions": ["", " "]}, "ready with conditions needs at least one condition"),
        ({"recommendation": "ready"}, "conditions belong only to a recommendation of ready"),
        ({"recommendation": "maybe", "conditions": []}, "must be ready, ready with conditions"),
        ({"overall": "excellent"}, "the overall judgement must be strong, adequate"),
        ({"ratings": []}, "needs a level for at least one characteristic"),
        ({"ratings": [RATINGS[0], RATINGS[0]]}, "Clarity of vision: rated more than once"),
        ({"ratings": [{**RATINGS[0], "level": "good"}]}, "Clarity of vision: the level must be"),
        (
            {"ratings": [{**RATINGS[0], "characteristic_code": "NOPE"}]},
            "NOPE: not a characteristic",
        ),
        ({"assessed_on": date(2999, 1, 1)}, "cannot be dated after today"),
        ({"recommendation_date": date(2008, 1, 1)}, "cannot be dated before the assessment"),
    ],
)
def test_invalid_go_assessments_are_refused_whole(engine, areas, overrides, message) -> None:  # type: ignore[no-untyped-def]
    before = _counts(engine)
    with pytest.raises(store.RuleViolation, match=message):
        _go(engine, **overrides)
    assert _counts(engine) == before


def test_self_assessment_has_no_recommendation(engine, areas) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(store.RuleViolation, match="a self-assessment has no recommendation"):
        store.record_capacity_assessment(
            engine, OFFICER, "E01", kind="self", assessed_on=date(2008, 3, 1), ratings=RATINGS,
            overall="adequate", recommendation="ready",
        )  # fmt: skip
    with pytest.raises(store.RuleViolation, match="unknown area"):
        store.record_capacity_assessment(
            engine, store.cli_actor("t"), "Z99", kind="go", assessed_on=date(2008, 3, 1),
            ratings=RATINGS, overall="adequate", recommendation="ready",
        )  # fmt: skip


def test_a_retired_characteristic_cannot_be_rated_but_old_ratings_stay(
    engine, admin, areas
) -> None:  # type: ignore[no-untyped-def]
    first = _go(engine)
    store.save_capacity_framework(engine, admin, [{**FRAMEWORK[1], "active": "no"}])
    with pytest.raises(store.RuleViolation, match="Data quality: retired from the framework"):
        _go(engine, assessed_on=date(2008, 10, 1))
    _, ratings = store.capacity_assessments(engine, GO, "E01")
    assert ratings.filter(pl.col("assessment_id") == first).height == 2


def test_a_failure_after_the_assessment_row_writes_nothing(engine, areas, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The assessment, its ratings and its audit row are one transaction."""
    from dashboard.store import capacity

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(capacity, "_audit", broken)
    before = _counts(engine)
    with pytest.raises(RuntimeError):
        _go(engine)
    assert _counts(engine) == before


def test_each_assessment_writes_an_audit_row(engine, admin, areas) -> None:  # type: ignore[no-untyped-def]
    _go(engine)
    _go(engine, assessed_on=date(2008, 10, 1), overall="strong", recommendation="ready",
        conditions=[])  # fmt: skip
    store.record_capacity_assessment(
        engine, OFFICER, "E01", kind="self", assessed_on=date(2008, 9, 1), ratings=RATINGS,
        overall="developing",
    )  # fmt: skip
    audit = store.audit_frame(engine, admin).filter(pl.col("action").str.starts_with("capacity:"))
    rows = sorted(audit.select("action", "user", "period", "before", "after").rows())
    assert rows == [
        ("capacity:go", "go-em", date(2008, 3, 14), None, "adequate"),
        ("capacity:go", "go-em", date(2008, 10, 1), "adequate", "strong"),
        ("capacity:self", "officer-e01", date(2008, 9, 1), None, "developing"),
    ]


def test_bulk_record_writes_assessments_ratings_and_audit(engine, admin, areas) -> None:  # type: ignore[no-untyped-def]
    """The national seed's set-based write: each assessment with its own ratings."""
    _go(engine)  # an earlier id, so the bulk ids are read back past it
    assessments = pl.DataFrame(
        {
            "key": [10, 11],
            "area_code": ["E02", "N01"],
            "kind": ["go", "go"],
            "assessed_on": [date(2008, 3, 1), date(2008, 3, 2)],
            "recorded_by": ["go-em", "go-ne"],
            "overall": ["weak", "strong"],
            "summary": ["", "fine"],
            "recommendation": ["not_ready", "ready"],
            "recommendation_date": [date(2008, 3, 1), date(2008, 3, 2)],
            "conditions": [None, None],
        },
        schema_overrides={"conditions": pl.Utf8},
    )
    ratings = pl.DataFrame(
        {
            "key": [10, 11, 11],
            "characteristic_code": ["DATA", "DATA", "VISION"],
            "level": ["weak", "strong", "adequate"],
            "evidence": ["", "", ""],
            "strengths": ["", "", ""],
            "weaknesses": ["late", "", ""],
        }
    )
    assert store.record_capacity_assessments(engine, admin, assessments, ratings) == 2
    latest = store.latest_capacity(engine, admin, ["E02", "N01"])
    assert latest.select("area_code", "overall").rows() == [("E02", "weak"), ("N01", "strong")]
    _, e02 = store.capacity_assessments(engine, admin, "E02")
    assert e02.select("characteristic_code", "level").rows() == [("DATA", "weak")]
    _, n01 = store.capacity_assessments(engine, admin, "N01")
    assert n01["level"].to_list() == ["strong", "adequate"]
    audit = store.audit_frame(engine, admin).filter(pl.col("action") == "capacity:go")
    assert audit.height == 3
    with pytest.raises(AccessDenied):
        store.record_capacity_assessments(engine, GO, assessments, ratings)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CapacityCharacteristic)).scalar() == 2
