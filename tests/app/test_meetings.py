"""AppTest of pages/meetings.py over the demo: the dates, the pack built in one click and kept,
and who may do what. Expectations come from the store, never from the page."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import app, errors, open_page

PAGE = "../pages/meetings.py"
AREA = "D10"
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
READER = store.cli_actor("reader")


def open_meetings(user: str) -> AppTest:
    at = app(user)
    at.query_params["area"] = AREA
    at.switch_page(PAGE)
    return at.run(timeout=60)


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_gets_a_healthy_page(demo_db: str, user: str) -> None:
    at = open_meetings(user)
    assert not errors(at), errors(at)
    if user == "department":
        assert any("Board packs belong to an area" in i.value for i in at.info)
        return
    meetings = store.meetings(db.get_engine(demo_db), READER, AREA)
    table = next(d.value for d in at.dataframe if "Who meets" in d.value.columns)
    assert len(table) == meetings.height
    following = store.next_meeting(meetings, DEMO_TODAY)
    assert following is not None
    assert any(f"{following['meets_on']:%d %B %Y}" in i.value for i in at.info)
    may_build = bool([b for b in at.button if b.key == "pack_build"])
    assert may_build is (user in ("admin", "officer", "lead"))
    assert bool([s for s in at.selectbox if s.key == "meeting_pick"]) is (
        user in ("admin", "officer")
    )


def test_the_officer_builds_the_pack_and_the_board_downloads_it(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    before = store.packs(engine, READER, AREA).height
    at = open_meetings("officer")
    at.button(key="pack_build").click()
    at.run(timeout=180)
    assert not errors(at), errors(at)
    packs = store.packs(engine, READER, AREA)
    assert packs.height == before + 1
    newest = packs.row(0, named=True)
    coming = store.next_meeting(store.meetings(engine, READER, AREA), DEMO_TODAY)
    assert coming is not None and newest["meeting_id"] == coming["meeting_id"]  # the next one
    assert any("built and kept" in s.value for s in at.success)
    board = open_meetings("board")
    assert any(newest["document_sha256"][:16] in c.value for c in board.caption)
    assert any("Download the PDF" in str(b.proto) for b in board.get("download_button"))


def test_the_officer_moves_a_meeting(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    meetings = store.meetings(engine, READER, AREA)
    first = meetings.filter(pl.col("partnership").is_null()).row(-1, named=True)
    at = open_meetings("officer")
    at.selectbox(key="meeting_pick").set_value(first["meeting_id"]).run(timeout=60)
    at.text_input(key=f"meeting_title_{first['meeting_id']}").input("LSP board, year end")
    at.button(key="meeting_save").click()
    at.run(timeout=60)
    assert not errors(at), errors(at)
    moved = store.meeting(engine, READER, int(first["meeting_id"]))
    assert moved["title"] == "LSP board, year end"


def test_the_overview_names_the_next_board_meeting(demo_db: str) -> None:
    following = store.next_meeting(store.meetings(db.get_engine(demo_db), READER, AREA), DEMO_TODAY)
    assert following is not None
    at = open_page("overview", "board", area=AREA)
    assert any(f"Next board meeting: {following['title']}" in c.value for c in at.caption)


def test_the_board_raises_an_action_and_the_officer_closes_it(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    at = open_meetings("board")
    at.text_area(key="action_text").input("A recovery plan for burglary to the next board")
    owner = at.selectbox(key="action_owner")
    assert "Mark Marsden, Partnership Lead" in owner.options  # the area's people are offered
    owner.set_value("Mark Marsden, Partnership Lead")
    at.button(key="action_raise_button").click()
    at.run(timeout=60)
    assert not errors(at), errors(at)
    log = store.actions(engine, READER, AREA, DEMO_TODAY)
    raised = log.filter(pl.col("text") == "A recovery plan for burglary to the next board")
    assert raised.height == 1 and raised["status"].to_list() == ["open"]
    assert raised["owner"].to_list() == ["Mark Marsden, Partnership Lead"]
    assert at.selectbox(key="action_pick").value == raised["action_id"][0]  # the new one next
    officer = open_meetings("officer")
    officer.selectbox(key="action_pick").set_value(int(raised["action_id"][0]))
    officer.radio(key="action_status").set_value("done")
    officer.text_input(key="action_note").input("Plan agreed")
    officer.button(key="action_update_button").click()
    officer.run(timeout=60)
    assert not errors(officer), errors(officer)
    history = store.action_history(engine, READER, int(raised["action_id"][0]))
    assert history.select("status", "note").rows() == [("done", "Plan agreed")]


def test_overdue_actions_show_on_the_overview(writable_demo: str) -> None:
    from datetime import timedelta

    engine = db.get_engine(writable_demo)
    officer = store.Actor("officer", (store.Grant("officer", area_code=AREA),))
    store.raise_action(
        engine, officer, AREA, "Late already", "Someone", DEMO_TODAY - timedelta(days=3)
    )
    at = open_page("overview", "board", area=AREA)
    assert any("1 action overdue" in c.value for c in at.caption)


def test_a_past_view_shows_what_was_known_then(writable_demo: str) -> None:
    """The overview as known at a pack's moment: a correction recorded since does not show,
    and the page says it is a past view."""
    from dashboard.analysis import assess_areas
    from dashboard.formatting import format_value
    from seed_data.meetings_demo import PACK_KNOWN_AT, PACK_OF

    engine = db.get_engine(writable_demo)
    officer = store.Actor("officer", (store.Grant("officer", area_code=AREA),))
    then = assess_areas(engine, READER, [AREA], PACK_OF, known_at=PACK_KNOWN_AT)
    row = (
        then.targets.filter(pl.col("latest_value").is_not_null())
        .sort("indicator_code")
        .row(0, named=True)
    )
    with db.write_transaction(engine) as conn:
        store.save_actuals(conn, officer, [{"area_code": AREA, "indicator_code": row["indicator_code"],
                                            "period": row["latest_period"], "value": row["latest_value"] + 1}],
                           default_reason="corrected after the board")  # fmt: skip
    current = store.current_actuals(engine, READER, [AREA], indicators=[row["indicator_code"]])
    corrected = current.filter(pl.col("period") == row["latest_period"])["value"][0]
    assert corrected == row["latest_value"] + 1  # the correction is in today's figures
    at = open_page("overview", "board", area=AREA, as_at=PACK_OF.isoformat(),
                   known_at=PACK_KNOWN_AT.isoformat(timespec="minutes"))  # fmt: skip
    assert not errors(at), errors(at)
    assert any("A past view" in w.value and "05 September 2008" in w.value for w in at.warning)
    table = next(
        d.value for d in at.dataframe if "Latest" in d.value.columns and "Code" in d.value.columns
    )
    shown = table[table["Code"] == row["indicator_code"]]["Latest"].iloc[0]
    assert shown == format_value(row["latest_value"], int(row["decimals"]), row["unit"])


@pytest.mark.parametrize("page", ["region", "updates", "compare"])
def test_a_page_without_a_past_view_says_so_and_keeps_it_for_its_links(
    demo_db: str, page: str
) -> None:
    """The region (across areas), My updates (entering values) and the comparison show today's
    knowledge: no past-view warning on them, a sidebar line saying so, and the moment kept
    in the address for the pages that show it."""
    from seed_data.meetings_demo import PACK_KNOWN_AT, PACK_OF

    moment = PACK_KNOWN_AT.isoformat(timespec="minutes")
    at = app("admin")
    for key, value in {"area": AREA, "as_at": PACK_OF.isoformat(), "known_at": moment}.items():
        at.query_params[key] = value
    at.switch_page(f"../pages/{page}.py").run(timeout=60)
    assert not errors(at), errors(at)
    assert not any("A past view" in w.value for w in at.warning)
    assert any("This page shows everything known today" in c.value for c in at.sidebar.caption)
    assert at.query_params.get("known_at") in (moment, [moment])
    back = open_page("overview", "admin", area=AREA, as_at=PACK_OF.isoformat(), known_at=moment)
    assert any("A past view" in w.value for w in back.warning)
    assert not any("everything known today" in c.value for c in back.sidebar.caption)


def test_the_officer_sees_whom_to_chase_before_the_meeting(writable_demo: str) -> None:
    from datetime import timedelta

    engine = db.get_engine(writable_demo)
    officer = store.Actor("officer", (store.Grant("officer", area_code=AREA),))
    store.raise_action(engine, officer, AREA, "Send the missing return", "Sam Reed",
                       DEMO_TODAY - timedelta(days=5))  # fmt: skip
    at = open_meetings("officer")
    assert not errors(at), errors(at)
    assert "Reminders before the meeting" in [h.value for h in at.subheader]
    table = next(d.value for d in at.dataframe if "What kind" in d.value.columns)
    assert "Send the missing return" in list(table["What"])
    assert any("E-mail is not set up" in c.value for c in at.caption)  # nothing is sent
    board = open_meetings("board")
    assert "Reminders before the meeting" not in [h.value for h in board.subheader]


def test_the_officer_reads_the_reminders_then_sends_them_to_the_smtp_server(
    writable_demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an SMTP server configured (here one the test starts), the officer sees each
    message before sending; sending delivers them, says so, and the page then says who was
    chased and when."""
    import socket
    from datetime import timedelta

    from aiosmtpd.controller import Controller

    from dashboard.settings import get_settings

    class Inbox:
        def __init__(self) -> None:
            self.received: list[tuple[list[str], str]] = []

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            self.received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    engine = db.get_engine(writable_demo)
    officer = store.Actor("officer", (store.Grant("officer", area_code=AREA),))
    store.raise_action(engine, officer, AREA, "Send the missing return", "Priya Shah, LSP "
                       "Performance Officer", DEMO_TODAY - timedelta(days=5))  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                        "SMTP_STARTTLS": "false"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        at = open_meetings("officer")
        assert not errors(at), errors(at)
        send = at.button(key="reminders_send")
        count = int(send.label.split()[1])
        previews = [m.value for m in at.markdown if m.value.startswith("**To ")]
        assert len(previews) == count and any("Priya Shah" in p for p in previews)
        assert any("Send the missing return" in t.value for t in at.text)
        send.click()
        at.run(timeout=60)
        assert not errors(at), errors(at)
    finally:
        server.stop()
        get_settings.cache_clear()
    assert len(inbox.received) == count
    to_officer = next(text for (to,), text in inbox.received if to == "officer@demo.example")
    assert (
        "Actions due or past their date:" in to_officer and "Send the missing return" in to_officer
    )
    assert any(f"{count} reminder" in s.value and "sent" in s.value for s in at.success)
    assert any(c.value.startswith("Last sent") for c in at.caption)
    sent = store.reminders_sent(engine, officer, AREA)
    assert sent.height == 1 and "Priya Shah" in sent["recipients"][0]
