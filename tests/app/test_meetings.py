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
