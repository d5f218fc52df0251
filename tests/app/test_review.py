"""AppTest of pages/review.py: the GO six-monthly review pack, its downloads and the GO sign-off.

Expectations come from `review_pack` computed directly over the demo (D10 Thornbury Vale,
region GOEM, today 30 November 2008) and from the store, never from the page itself.
"""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, store
from dashboard.formatting import REWARD_STATUS, STATUS
from dashboard.reports.returns import review_period
from dashboard.reports.review import NO_COMMENTARY, ReviewPack, review_pack
from dashboard.ui import components
from dashboard.ui.review import BLOCK_EXCEPTIONS_KEY
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import (
    DEMO_AREAS,
    all_text,
    app,
    errors,
    links,
    open_exceptions,
    section,
)

PAGE = "../pages/review.py"
AREA = "D10"  # Thornbury Vale, in the East Midlands (GOEM), the demo GO's region
REVIEW = review_period(DEMO_TODAY)
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "viewer")
SIGNERS = {"admin", "go"}  # may sign off D10: an administrator and GOEM's GO


def open_review(user: str = "go", **params: str) -> AppTest:
    at = app(user)
    for key, value in {"area": AREA, **params}.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def expected_pack(url: str, area: str = AREA, as_at: date = DEMO_TODAY) -> ReviewPack:
    return review_pack(db.get_engine(url), store.cli_actor("reader"), area, as_at)


def words(text: str) -> str:
    """Page text as read: tags dropped, non-breaking spaces as spaces."""
    return re.sub(r"<[^>]+>", "", text).replace("\u00a0", " ")


def table_with(at: AppTest, column: str) -> pl.DataFrame:
    """The one static table (st.table) having `column`, as polars with plain spaces."""
    (found,) = [t.value for t in at.table if column in t.value.columns]
    frame = pl.from_pandas(found)
    return frame.with_columns(pl.col(pl.Utf8).str.replace_all("\u00a0", " ", literal=True))


def status_table(at: AppTest) -> pl.DataFrame | None:
    found = [d.value for d in at.dataframe if "Sign-off" in d.value.columns]
    return pl.from_pandas(found[0]) if found else None


def buttons(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def signoffs(url: str, area: str = AREA) -> pl.DataFrame:
    return store.review_signoffs(db.get_engine(url), store.cli_actor("reader"), [area])


def axis_text(rating: str | None) -> str:
    return f"{STATUS[rating][0]} {components.AXIS_WORDS[rating]}"


# ------------------------------------------------------------------------------- the pack


def test_block_table_is_the_packs_three_axis_self_assessment(demo_db: str) -> None:
    pack = expected_pack(demo_db)
    blocks = pack.blocks
    assert blocks.height == 4  # the demo framework's four blocks
    assert blocks["performance"].n_unique() > 1  # D10 has good and poor blocks: a real check
    at = open_review("go")
    assert not errors(at), errors(at)
    assert at.title[0].value == "GO six-monthly review"
    assert any(
        m.value == f"**Review of the half-year ending {REVIEW.day} {REVIEW:%B %Y}**"
        for m in at.markdown
    )
    assert date(2008, 9, 30) == REVIEW

    shown = table_with(at, "Performance")
    assert shown["Block"].to_list() == blocks["block_name"].to_list()
    for axis in ("performance", "progress", "risk"):
        assert shown[axis.title()].to_list() == [axis_text(r) for r in blocks[axis]], axis
    for column, source in [("Targets", "targets"), ("On track", "green"), ("Behind", "amber"),
                           ("Off track", "red"), ("No data", "no_data")]:  # fmt: skip
        assert shown[column].to_list() == blocks[source].to_list(), column
    assert shown["Reward forecast"].to_list() == [float(v) for v in blocks["reward_forecast_gbp"]]
    assert shown["Reward maximum"].to_list() == [float(v) for v in blocks["reward_maximum_gbp"]]


def test_exceptions_are_listed_by_block_and_missing_commentary_is_flagged(demo_db: str) -> None:
    pack = expected_pack(demo_db)
    exceptions = pack.exceptions
    silent = exceptions.filter(pl.col("commentary") == NO_COMMENTARY)
    assert 0 < silent.height < exceptions.height  # the demo has both kinds
    at = open_review("go")
    assert not errors(at), errors(at)
    # Each block with exceptions is an expander saying how many, and how many are silent;
    # its cards are drawn only once it is opened.
    labels = [e.label for e in at.expander if str(e.key).startswith(BLOCK_EXCEPTIONS_KEY)]
    per_block = pack.blocks.join(
        exceptions.group_by("block_code").agg(
            n=pl.len(), silent=(pl.col("commentary") == NO_COMMENTARY).sum()
        ),
        on="block_code",
    )
    assert labels == [
        f"**{b['block_name']}** · {b['n']} exception{'s' if b['n'] != 1 else ''}"
        + (f" · {b['silent']} without commentary" if b["silent"] else "")
        for b in per_block.iter_rows(named=True)
    ]
    assert not links(section(at, "Exceptions and commentary"))
    at = open_exceptions(at)

    order = pack.blocks.select("block_code", "block_order")
    expected = exceptions.join(order, on="block_code", how="left", maintain_order="left").sort(
        "block_order", maintain_order=True
    )  # block by block, worst first within each
    nodes = section(at, "Exceptions and commentary")
    shown = [(p["indicator"], "tab" in p) for _, p in links(nodes)]
    assert [code for code, to_tab in shown if not to_tab] == expected["indicator_code"].to_list()
    # Each "no commentary yet" links to the indicator's Commentary tab, where it is written.
    assert sorted(code for code, to_tab in shown if to_tab) == sorted(silent["indicator_code"])
    assert any(h.value == f"Exceptions and commentary ({exceptions.height})" for h in at.subheader)

    flagged, current = [], None
    for node in nodes:  # which exception each warning sits under
        if node.type == "page_link" and "tab=" not in node.proto.query_string:
            current = dict(re.findall(r"(\w+)=([^&]+)", node.proto.query_string))["indicator"]
        elif node.type == "html" and "laa-no-commentary" in node.value:
            flagged.append(current)
    assert sorted(flagged) == sorted(silent["indicator_code"].to_list())
    (warning,) = at.warning
    assert warning.value.startswith(
        f"{silent.height} of {exceptions.height} exceptions have no commentary yet"
    )
    said = exceptions.filter(pl.col("commentary") != NO_COMMENTARY).row(0, named=True)
    assert any(
        "laa-quote" in n.value and said["commentary"][:40] in words(n.value)
        for n in nodes
        if n.type == "html"
    )


def test_reward_forecast_table_is_the_packs(demo_db: str) -> None:
    reward = expected_pack(demo_db).reward
    at = open_review("board")
    shown = table_with(at, "Achieved of stretch")
    assert shown.height == reward.height > 0
    assert [re.match(r"\*\*(.+?)\*\*", i)[1].replace("\\", "") for i in shown["Indicator"]] == (
        reward["indicator_code"].to_list()
    )
    assert shown["Forecast"].to_list() == reward["reward_forecast_gbp"].cast(pl.Float64).to_list()
    statuses = {k: f"{icon} {word}" for k, (icon, word, _) in REWARD_STATUS.items()}
    assert shown["Status"].to_list() == [statuses[s] for s in reward["reward_status"]]


def test_the_review_period_follows_the_as_at_date(demo_db: str) -> None:
    as_at = date(2008, 5, 15)
    review = review_period(as_at)
    assert review == date(2008, 3, 31)
    at = open_review("go", as_at=as_at.isoformat())
    assert not errors(at), errors(at)
    assert any(m.value == "**Review of the half-year ending 31 March 2008**" for m in at.markdown)
    blocks = expected_pack(demo_db, as_at=as_at).blocks
    assert table_with(at, "Performance")["Performance"].to_list() == [
        axis_text(r) for r in blocks["performance"]
    ]


@pytest.mark.parametrize("as_at", [DEMO_TODAY, date(2008, 5, 15)])
def test_the_pack_shows_the_go_s_capacity_judgement_of_its_date(demo_db: str, as_at: date) -> None:
    """The judgement line is the pack's own: October's review today, March's in May."""
    found = expected_pack(demo_db, as_at=as_at).capacity
    assert found is not None and found["assessed_on"] <= as_at
    at = open_review("go", as_at=as_at.isoformat())
    assert not errors(at), errors(at)
    line = f"GO capacity judgement ({found['assessed_on']:%d %b %Y}): "
    (caption,) = [c.value for c in at.caption if c.value.startswith("GO capacity judgement")]
    assert caption.startswith(line), caption
    assert f"{found['judgement']} · {found['signoff_recommendation']}" in caption
    assert f"({len(found['conditions'])} condition" in caption


def test_the_pack_downloads_in_one_click(demo_db: str) -> None:
    at = open_review("go")
    found = {b.proto.label: b.proto.id for b in at.get("download_button")}
    assert set(found) == {"Download review pack (Excel)", "CSV"}
    assert found["Download review pack (Excel)"].endswith("-review_xlsx")
    assert found["CSV"].endswith("-review_csv")


# ------------------------------------------------------------------------------- sign-off


def test_go_marks_the_pack_reviewed_then_reopens_it(writable_demo: str) -> None:
    at = open_review("go")
    assert not errors(at), errors(at)
    assert "Mark as reviewed" in buttons(at) and "Reopen" not in buttons(at)
    assert signoffs(writable_demo).is_empty()
    before = status_table(at)
    assert before is not None and set(before["Sign-off"]) == {"○ To review"}

    at.text_input(key="review_note").input("Discussed with the LSP on 12 November")
    at.button(key="review_mark").click().run()
    assert not errors(at), errors(at)
    (row,) = signoffs(writable_demo).iter_rows(named=True)
    assert (row["period"], row["state"], row["by"]) == (REVIEW, "reviewed", "go")
    assert row["note"] == "Discussed with the LSP on 12 November"
    assert expected_pack(writable_demo).signoff.startswith("reviewed by go on ")

    text = words(all_text(at))
    assert "Reviewed by go on " in text
    assert "Discussed with the LSP on 12 November" in text
    assert [s.value for s in at.success] == ["Pack marked as reviewed."]
    assert "Reopen" in buttons(at) and "Mark as reviewed" not in buttons(at)
    shown = status_table(at)
    assert shown is not None
    mine = shown.filter(pl.col("Area").str.ends_with(f"({AREA})")).row(0, named=True)
    assert (mine["Sign-off"], mine["By"]) == ("● Reviewed", "go")
    assert shown["Area"][-1].endswith(f"({AREA})")  # still-to-review packs come first

    at.button(key="review_reopen").click().run()
    assert not errors(at), errors(at)
    assert signoffs(writable_demo)["state"].to_list() == ["reopened"]
    assert "Reopened by go on " in words(all_text(at))
    assert "Mark as reviewed" in buttons(at)


def test_board_sees_the_sign_off_read_only(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    go = accounts.actor_for(engine, "go")
    store.mark_review(engine, go, AREA, REVIEW, note="Pack agreed")
    at = open_review("board")
    assert not errors(at), errors(at)
    assert not {"Mark as reviewed", "Reopen"} & buttons(at)
    assert not at.text_input  # no note box either
    text = words(all_text(at))
    assert "Reviewed by go on " in text and "Pack agreed" in text
    assert status_table(at) is None  # one area's people: no table of the region's areas


def test_go_sees_the_review_status_of_the_regions_areas(demo_db: str) -> None:
    areas = store.list_areas(db.get_engine(demo_db), store.cli_actor("reader"))
    region = areas.filter(pl.col("area_code") == AREA)["region_code"][0]
    theirs = areas.filter(pl.col("region_code") == region)
    at = open_review("go")
    shown = status_table(at)
    assert shown is not None
    assert sorted(shown["Area"]) == sorted(
        theirs.select(pl.format("{} ({})", "area_name", "area_code")).to_series()
    )
    assert set(shown["Half-year ending"]) == {f"{REVIEW:%d %b %Y}"}
    admin = status_table(open_review("admin"))
    assert admin is not None and admin.height == len(DEMO_AREAS)


# ------------------------------------------------------------------------------- every user


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_demo_user_gets_the_pack_without_an_error(demo_db: str, user: str) -> None:
    at = open_review(user)
    assert not errors(at), errors(at)
    assert at.title[0].value == "GO six-monthly review"
    assert table_with(at, "Performance").height == 4
    assert ("Mark as reviewed" in buttons(at)) == (user in SIGNERS)
    assert (status_table(at) is not None) == (user in SIGNERS)


def test_department_user_reaching_the_page_is_told_why(demo_db: str) -> None:
    """The page is hidden from a department user's menu; its URL explains itself instead of
    showing another page or failing."""
    at = open_review("department")
    assert not errors(at), errors(at)
    assert at.title[0].value == "GO six-monthly review"
    (info,) = at.info
    assert info.value.startswith("Review packs belong to areas")
    assert [label for label, _ in links(list(at.main))] == ["Open Department returns"]
    assert not at.table and not at.get("download_button")
