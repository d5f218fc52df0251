"""Commentary on any period of a target: officer commentary and board comments, append-only,
each write with its audit row; who may write which kind is decided in the store."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports import board
from data_models import AuditEvent, Commentary
from tests.conftest import load_worked_example

AREA, NEET, OWNER = "X01", "NEET", "Children's Trust"  # NEET is the Children's Trust's target
MARCH_2007, MARCH_2008 = date(2007, 3, 31), date(2008, 3, 31)

BOARD = Actor("board-member", (Grant("board", area_code=AREA),))
OFFICER = Actor("perf-officer", (Grant("officer", area_code=AREA),))
LEAD = Actor("ct-lead", (Grant("lead", area_code=AREA, partnership=OWNER),))
OTHER_LEAD = Actor("sc-lead", (Grant("lead", area_code=AREA, partnership="Environment Partnership"),))  # fmt: skip
VIEWER = Actor("area-viewer", (Grant("viewer", area_code=AREA),))
DEPARTMENT = Actor("dfes-analyst", (Grant("department", department_code="DfES"),))


def _counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(Commentary)).scalar_one(),
            conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
        )


def _mine(engine, admin) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    return store.load_commentary(engine, admin, [AREA]).filter(pl.col("indicator_code") == NEET)


def test_board_member_adds_a_board_comment_with_its_audit_row(engine, admin) -> None:  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    before = _counts(engine)
    store.record_commentary(
        engine, BOARD, AREA, NEET, MARCH_2008, "  Why is NEET still above target?  ", kind="board"
    )
    assert _counts(engine) == (before[0] + 1, before[1] + 1)
    (comment,) = _mine(engine, admin).iter_rows(named=True)
    assert (comment["kind"], comment["author"], comment["text"], comment["period"]) == (
        "board", "board-member", "Why is NEET still above target?", MARCH_2008,
    )  # fmt: skip
    audit = store.audit_frame(engine, admin, AREA).filter(pl.col("user") == "board-member")
    assert audit["action"].to_list() == ["commentary:board"]


def test_officer_commentary_on_an_earlier_period_and_in_general(engine, admin) -> None:  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    store.record_commentary(engine, LEAD, AREA, NEET, MARCH_2007, "Cohort change.",
                            action="Tracking by school.")  # fmt: skip
    store.record_commentary(engine, OFFICER, AREA, NEET, None, "Data now monthly.")
    shown = _mine(engine, admin)
    assert shown.select("author", "period", "kind", "action").rows() == [
        ("perf-officer", None, "officer", None),  # newest first
        ("ct-lead", MARCH_2007, "officer", "Tracking by school."),
    ]


@pytest.mark.parametrize(
    ("actor", "kind"),
    [
        (VIEWER, "officer"),
        (VIEWER, "board"),
        (DEPARTMENT, "officer"),
        (DEPARTMENT, "board"),
        (BOARD, "officer"),  # the board comments; explaining is the lead officer's
        (OTHER_LEAD, "officer"),  # another partnership's target
        (OTHER_LEAD, "board"),
    ],
    ids=lambda v: v.name if isinstance(v, Actor) else v,
)
def test_refused_commentary_writes_nothing(engine, admin, actor: Actor, kind: str) -> None:  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    before = _counts(engine)
    with pytest.raises(AccessDenied):
        store.record_commentary(engine, actor, AREA, NEET, MARCH_2008, "Probe", kind=kind)
    assert _counts(engine) == before


def test_empty_commentary_is_refused(engine, admin) -> None:  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    before = _counts(engine)
    with pytest.raises(store.RuleViolation, match="why"):
        store.record_commentary(engine, OFFICER, AREA, NEET, MARCH_2008, "   ", action="More")
    assert _counts(engine) == before


def test_history_is_kept_and_exceptions_show_the_newest_officer_commentary(engine, admin) -> None:  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    with store.backdated(store.utcnow().replace(year=2008, month=10, day=1)):
        store.record_commentary(engine, LEAD, AREA, NEET, MARCH_2008, "First reason.")
    with store.backdated(store.utcnow().replace(year=2008, month=11, day=1)):
        store.record_commentary(engine, LEAD, AREA, NEET, MARCH_2008, "Second reason.",
                                action="A new outreach worker.")  # fmt: skip
    with store.backdated(store.utcnow().replace(year=2008, month=11, day=20)):
        store.record_commentary(engine, BOARD, AREA, NEET, MARCH_2008, "Board asks.", kind="board")
    commentary = _mine(engine, admin)
    target = {"frequency": "annual", "period_basis": "financial"}
    history = board.commentary_history(commentary, NEET, date(2008, 11, 30), target)
    assert history.select("period_label", "kind_label", "said").rows() == [
        ("2007/08", "Board comment", "Board asks."),
        ("2007/08", "Officer commentary", "Second reason.\nWhat is being done: A new outreach worker."),
        ("2007/08", "Officer commentary", "First reason."),
    ]  # fmt: skip
    latest = board.latest_commentary(commentary, date(2008, 11, 30)).row(0, named=True)
    assert latest["commentary"] == "Second reason.\nWhat is being done: A new outreach worker."
    assert latest["commentary_author"] == "ct-lead"
