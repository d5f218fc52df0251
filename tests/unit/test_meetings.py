"""Meetings and board packs over the demo (Thornbury Vale, D10): who keeps the meeting dates,
what the pack holds (read back from the PDF), and that a pack's moment reproduces its numbers
after later corrections. On SQLite and, where TEST_DATABASE_URL is set, PostgreSQL. One demo
per module (seeding takes seconds): each test's expectations are relative to what it finds."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import polars as pl
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from dashboard import cli, db, documents, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.analysis import assess_areas
from dashboard.reports import board, board_pack
from data_models import AuditEvent
from seed_data.demo import seed_demo
from seed_data.demo_users import lead_partnership
from seed_data.meetings_demo import PACK_KNOWN_AT, PACK_OF
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("meetings-test")
OFFICER = Actor("officer-d10", (Grant("officer", area_code="D10"),))
BOARD_MEMBER = Actor("board-d10", (Grant("board", area_code="D10"),))
GO = Actor("go-em", (Grant("go", region_code="GOEM"),))
STRANGER = Actor("officer-d01", (Grant("officer", area_code="D01"),))


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, tmp_path_factory.mktemp("meetings"))
    engine = db.get_engine(url)
    seed_demo(engine, ADMIN)
    yield engine
    db.dispose_all()


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def board_meeting(engine: Engine, day: date) -> int:
    found = store.meetings(engine, ADMIN, "D10").filter(
        (pl.col("meets_on") == day) & pl.col("partnership").is_null()
    )
    return int(found["meeting_id"][0])


def test_the_officer_keeps_the_dates_and_every_change_is_audited(demo: Engine) -> None:
    new = store.save_meeting(demo, OFFICER, "D10", date(2009, 6, 10), "LSP board, quarter 1")
    store.save_meeting(demo, OFFICER, "D10", date(2009, 6, 17), "LSP board, quarter 1",
                       meeting_id=new)  # fmt: skip
    store.save_meeting(demo, OFFICER, "D10", date(2009, 6, 17), "LSP board, quarter 1",
                       meeting_id=new, cancelled=True)  # fmt: skip
    row = store.meeting(demo, BOARD_MEMBER, new)
    assert (row["meets_on"], row["cancelled"]) == (date(2009, 6, 17), True)
    with demo.connect() as conn:
        actions = conn.execute(
            select(AuditEvent.action, AuditEvent.before, AuditEvent.after)
            .where(AuditEvent.action.like("meeting:%"), AuditEvent.period >= date(2009, 6, 1))
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a, _, _ in actions] == ["meeting:add", "meeting:change", "meeting:cancel"]
    assert actions[1][1].startswith("2009-06-10") and actions[1][2].startswith("2009-06-17")
    for actor in (BOARD_MEMBER, GO, STRANGER):
        with pytest.raises(AccessDenied):
            store.save_meeting(demo, actor, "D10", date(2009, 7, 1), "Extra")
    with pytest.raises(AccessDenied):
        store.meetings(demo, STRANGER, "D10")
    with pytest.raises(store.RuleViolation, match="Title"):
        store.save_meeting(demo, OFFICER, "D10", date(2009, 7, 1), "  ")
    with pytest.raises(store.RuleViolation, match="no partnership"):
        store.save_meeting(demo, OFFICER, "D10", date(2009, 7, 1), "X", partnership="Nobody")


def test_the_next_meeting_skips_cancelled_and_other_partnerships(demo: Engine) -> None:
    frame = store.meetings(demo, BOARD_MEMBER, "D10")
    found = store.next_meeting(frame, date(2008, 11, 30))
    assert (found["meets_on"], found["partnership"]) == (date(2008, 12, 10), None)
    partnership = lead_partnership(demo)
    mine = store.next_meeting(frame, date(2008, 11, 30), partnership)
    assert mine is not None and mine["meets_on"] == date(2008, 12, 17)
    store.save_meeting(demo, OFFICER, "D10", date(2008, 12, 10), "LSP board, quarter 3",
                       meeting_id=int(found["meeting_id"]), cancelled=True)  # fmt: skip
    later = store.next_meeting(store.meetings(demo, BOARD_MEMBER, "D10"), date(2008, 11, 30))
    assert later is not None and later["meets_on"] == date(2009, 3, 11)
    assert store.next_meeting(frame, date(2010, 1, 1)) is None


def test_the_pack_holds_what_the_board_looks_at(demo: Engine) -> None:
    known = datetime(2008, 11, 30, 23, 59, tzinfo=UTC)
    meeting_id = board_meeting(demo, date(2008, 12, 10))
    document, fingerprint, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, known)
    text = pdf_text(documents.render_pdf(document))
    result = assess_areas(demo, OFFICER, ["D10"], date(2008, 11, 30), known_at=known)
    counts = board.status_counts(result.targets)
    assert f"On track {counts['green']}" in text and f"Off track {counts['red']}" in text
    assert f"Behind {counts['amber']}" in text
    for row in board.exceptions(result.targets, result.scope.commentary, result.as_at).iter_rows(
        named=True
    ):
        assert row["indicator_code"] in text
    for code in result.targets.filter(pl.col("rag") == "red")["indicator_code"]:
        assert f"{code}: actuals against the trajectory" in text  # its page and chart
    assert "As known at 23:59 on 30 November 2008" in text
    assert f"fingerprint {fingerprint[:16]}" in text


def test_a_packs_moment_reproduces_its_numbers_after_later_corrections(demo: Engine) -> None:
    meeting_id = board_meeting(demo, PACK_OF)
    _, before, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, PACK_KNOWN_AT)
    # a correction recorded after the pack's moment, to a value it showed
    values = store.current_actuals(demo, OFFICER, ["D10"]).filter(
        pl.col("period") <= date(2008, 6, 30)
    )
    row = values.sort("period").row(-1, named=True)
    with db.write_transaction(demo) as conn:
        store.save_actuals(conn, OFFICER, [{"area_code": "D10", "indicator_code": row["indicator_code"],
                                            "period": row["period"], "value": row["value"] * 1.5}],
                           default_reason="corrected after the board")  # fmt: skip
    _, again, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, PACK_KNOWN_AT)
    _, now, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, store.known_now(demo))
    assert again == before  # the same content: the board's numbers, exactly
    assert now != before  # and the correction shows in a pack built now


def test_packs_are_kept_as_built_and_read_by_the_areas_readers(demo: Engine) -> None:
    meeting_id = board_meeting(demo, date(2008, 12, 10))
    document, fingerprint, _ = board_pack.meeting_pack(
        demo, OFFICER, meeting_id, store.known_now(demo)
    )
    pdf = documents.render_pdf(document)
    with demo.connect() as conn:
        builds = conn.execute(
            select(func.count()).where(AuditEvent.action == "pack:build")
        ).scalar_one()
    for actor in (BOARD_MEMBER, GO, STRANGER):
        with pytest.raises(AccessDenied):
            store.save_pack(demo, actor, meeting_id, as_at=date(2008, 11, 30), known_at=store.known_now(demo),
                            document_pdf=pdf, document_html="", document_sha256=fingerprint)  # fmt: skip
    pack_id = store.save_pack(demo, OFFICER, meeting_id, as_at=date(2008, 11, 30),
                              known_at=store.known_now(demo), document_pdf=pdf,
                              document_html="<p>pack</p>", document_sha256=fingerprint)  # fmt: skip
    assert store.pack_file(demo, BOARD_MEMBER, pack_id)["document_pdf"] == pdf
    with pytest.raises(AccessDenied):
        store.pack_file(demo, STRANGER, pack_id)
    listed = store.packs(demo, BOARD_MEMBER, "D10")
    assert listed["pack_id"].to_list()[0] == pack_id
    assert store.meetings(demo, BOARD_MEMBER, "D10").filter(pl.col("meeting_id") == meeting_id)[
        "packs"
    ].to_list() == [1]
    with demo.connect() as conn:
        after = conn.execute(
            select(func.count()).where(AuditEvent.action == "pack:build")
        ).scalar_one()
    assert after == builds + 1  # the refusals wrote nothing
    # a partnership lead builds its own partnership's pack, not the board's
    partnership = lead_partnership(demo)
    lead = Actor("lead-d10", (Grant("lead", area_code="D10", partnership=partnership),))
    own = int(
        store.meetings(demo, ADMIN, "D10").filter(pl.col("partnership") == partnership)[
            "meeting_id"
        ][0]
    )
    store.save_pack(demo, lead, own, as_at=date(2008, 11, 30), known_at=store.known_now(demo),
                    document_pdf=pdf, document_html="", document_sha256=fingerprint)  # fmt: skip
    with pytest.raises(AccessDenied):
        store.save_pack(demo, lead, meeting_id, as_at=date(2008, 11, 30), known_at=store.known_now(demo),
                        document_pdf=pdf, document_html="", document_sha256=fingerprint)  # fmt: skip


def test_the_command_line_builds_a_pack_as_known_at_a_moment(
    demo: Engine, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from dashboard import settings

    monkeypatch.setenv("DATABASE_URL", demo.url.render_as_string(hide_password=False))
    settings.get_settings.cache_clear()  # the command reads DATABASE_URL afresh
    meeting_id = board_meeting(demo, PACK_OF)
    _, fingerprint, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, PACK_KNOWN_AT)
    out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(
        cli.app, ["export", "pack", "--area", "D10", "--meeting", PACK_OF.isoformat(),
                  "--known-at", "2008-09-05T17:00", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert fingerprint in result.output
    assert f"fingerprint {fingerprint[:16]}" in pdf_text(out.read_bytes())
    missing = CliRunner().invoke(
        cli.app, ["export", "pack", "--area", "D10", "--meeting", "2008-09-11", "-o", str(out)],
    )  # fmt: skip
    assert missing.exit_code == 1 and "no meeting" in missing.output


# ----------------------------------------------------------------------------- actions
def test_an_action_is_raised_closed_and_its_history_kept(demo: Engine) -> None:
    partnership = lead_partnership(demo)
    targets = store.load_scope(demo, ADMIN, ["D10"]).targets
    own = str(targets.filter(pl.col("partnership") == partnership)["indicator_code"][0])
    other = str(targets.filter(pl.col("partnership") != partnership)["indicator_code"][0])
    lead = Actor("lead-d10", (Grant("lead", area_code="D10", partnership=partnership),))
    meeting_id = board_meeting(demo, date(2008, 9, 10))
    with demo.connect() as conn:
        audited_before = conn.execute(
            select(func.count()).where(AuditEvent.action.like("action:%"))
        ).scalar_one()
    first = store.raise_action(demo, BOARD_MEMBER, "D10", "Recovery plan to the next board",
                               "Head of Community Safety", date(2008, 10, 31),
                               indicator_code=own, meeting_id=meeting_id)  # fmt: skip
    second = store.raise_action(demo, lead, "D10", "Check the September figure", "Data team",
                                date(2008, 12, 31), indicator_code=own)  # fmt: skip
    with pytest.raises(AccessDenied):  # a lead: only its own partnership's targets
        store.raise_action(demo, lead, "D10", "Not mine", "Someone", date(2008, 12, 31),
                           indicator_code=other)  # fmt: skip
    for actor in (GO, STRANGER):
        with pytest.raises(AccessDenied):
            store.raise_action(demo, actor, "D10", "Outside", "Someone", date(2008, 12, 31))
    with pytest.raises(store.RuleViolation, match="Owner"):
        store.raise_action(demo, OFFICER, "D10", "No owner", " ", date(2008, 12, 31))
    log = store.actions(demo, BOARD_MEMBER, "D10", date(2008, 11, 30))
    mine = log.filter(pl.col("action_id").is_in([first, second]))
    assert dict(mine.select("action_id", "overdue").iter_rows()) == {first: True, second: False}
    assert set(mine["status"]) == {"open"}
    with pytest.raises(store.RuleViolation, match="say why"):
        store.update_action(demo, OFFICER, first, "dropped")
    store.update_action(demo, lead, first, "done", "Plan agreed on 20 November")
    with pytest.raises(store.RuleViolation, match="already done"):
        store.update_action(demo, OFFICER, first, "done")
    store.update_action(demo, OFFICER, first, "open", "The plan slipped")
    store.update_action(demo, OFFICER, first, "done")
    history = store.action_history(demo, BOARD_MEMBER, first)
    assert history["status"].to_list() == ["done", "open", "done"]
    assert history["note"].to_list() == ["Plan agreed on 20 November", "The plan slipped", None]
    after = store.actions(demo, BOARD_MEMBER, "D10", date(2008, 11, 30))
    row = after.filter(pl.col("action_id") == first).row(0, named=True)
    assert (row["status"], row["overdue"]) == ("done", False)
    with demo.connect() as conn:
        audited = conn.execute(
            select(func.count()).where(AuditEvent.action.like("action:%"))
        ).scalar_one()
    assert audited == audited_before + 5  # two raised, three changes; refusals wrote nothing
    with pytest.raises(AccessDenied):
        store.actions(demo, STRANGER, "D10", date(2008, 11, 30))


def test_the_owners_offered_are_the_areas_people_and_earlier_owners(demo: Engine) -> None:
    from dashboard import accounts

    store.raise_action(demo, OFFICER, "D10", "Ask the police for the figures", " Data team ",
                       date(2008, 12, 31))  # fmt: skip
    store.raise_action(demo, OFFICER, "D10", "And again", "Data team", date(2009, 1, 31))
    offered = store.action_owners(demo, BOARD_MEMBER, "D10")
    assert offered == sorted(set(offered), key=str.casefold)  # once each, A to Z
    assert "Data team" in offered  # an earlier owner outside the dashboard, once
    for user in ("officer", "lead", "board"):  # the demo's people of Thornbury Vale
        assert accounts.display_name(demo, user) in offered, user
    assert accounts.display_name(demo, "go") not in offered  # the GO reads, owns nothing here
    with pytest.raises(AccessDenied):
        store.action_owners(demo, STRANGER, "D10")


def test_the_pack_carries_the_action_log_as_it_stood(demo: Engine) -> None:
    moment = store.known_now(demo)
    text = "Chase the overdue returns with the PCT"
    action_id = store.raise_action(demo, OFFICER, "D10", text, "Performance officer",
                                   date(2008, 12, 5))  # fmt: skip
    meeting_id = board_meeting(demo, date(2008, 12, 10))
    document, _, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, store.known_now(demo))
    assert text in pdf_text(documents.render_pdf(document))
    before, _, _ = board_pack.meeting_pack(demo, OFFICER, meeting_id, moment)
    assert text not in pdf_text(documents.render_pdf(before))  # raised after that moment
    store.update_action(demo, OFFICER, action_id, "dropped", "Returns arrived")
    latest = store.actions(demo, OFFICER, "D10", date(2008, 11, 30), known_at=moment)
    assert action_id not in latest["action_id"].to_list()


def test_exports_take_a_known_at_moment(demo: Engine, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dashboard import settings

    monkeypatch.setenv("DATABASE_URL", demo.url.render_as_string(hide_password=False))
    settings.get_settings.cache_clear()
    moment = store.known_now(demo)
    values = store.current_actuals(demo, OFFICER, ["D10"])
    row = values.sort("period", "indicator_code").row(-1, named=True)
    with db.write_transaction(demo) as conn:
        store.save_actuals(conn, OFFICER, [{"area_code": "D10", "indicator_code": row["indicator_code"],
                                            "period": row["period"], "value": row["value"] + 7}],
                           default_reason="a later correction")  # fmt: skip
    runner = CliRunner()
    then = tmp_path / "then.csv"
    now = tmp_path / "now.csv"
    common = ["export", "status", "--area", "D10", "--as-at", "2008-11-30"]
    assert runner.invoke(cli.app, [*common, "--known-at", moment.isoformat(timespec="seconds"),
                                   "-o", str(then)]).exit_code == 0  # fmt: skip
    assert runner.invoke(cli.app, [*common, "-o", str(now)]).exit_code == 0
    pick = pl.col("indicator_code") == row["indicator_code"]
    before = pl.read_csv(then).filter(pick)["latest_value"].to_list()
    after = pl.read_csv(now).filter(pick)["latest_value"].to_list()
    assert after == [row["value"] + 7] and before == [row["value"]]


def test_a_past_view_uses_the_target_versions_in_force_then(demo: Engine) -> None:
    """A target changed at the annual refresh: as known before the change, the earlier version."""
    from data_models import Target, TargetVersion

    with demo.connect() as conn:
        second = conn.execute(
            select(Target.indicator_code, Target.agreement_id, TargetVersion.recorded_at,
                   TargetVersion.target_value)
            .join(TargetVersion, TargetVersion.target_id == Target.id)
            .where(TargetVersion.version == 2)
            .order_by(Target.id)
        ).first()  # fmt: skip
        assert second is not None
        first_value = conn.execute(
            select(TargetVersion.target_value)
            .join(Target, Target.id == TargetVersion.target_id)
            .where(Target.agreement_id == second.agreement_id,
                   Target.indicator_code == second.indicator_code, TargetVersion.version == 1)
        ).scalar_one()  # fmt: skip
    from datetime import timedelta

    before = second.recorded_at - timedelta(minutes=1)
    before = before if before.tzinfo else before.replace(tzinfo=UTC)
    area = store.list_areas(demo, ADMIN)
    scopes = {
        label: store.load_scope(demo, ADMIN, area["area_code"].to_list(), known_at=moment).targets
        for label, moment in (("then", before), ("now", None))
    }
    pick = (pl.col("agreement_id") == second.agreement_id) & (
        pl.col("indicator_code") == second.indicator_code
    )
    assert scopes["then"].filter(pick)["target_value"].to_list() == [first_value]
    assert scopes["now"].filter(pick)["target_value"].to_list() == [second.target_value]
    assert first_value != second.target_value
