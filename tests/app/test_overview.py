"""AppTest of pages/overview.py, the LSP overview (home page)."""

from __future__ import annotations

import re

import polars as pl
import pytest

from dashboard import db, store
from dashboard.formatting import STATUS
from dashboard.reports import board
from tests.app.conftest import (
    DEMO_AREAS,
    all_text,
    app,
    assess,
    errors,
    links,
    open_exceptions,
    open_page,
    query,
    section,
)


def _area_names(url: str) -> dict[str, str]:
    areas = store.list_areas(db.get_engine(url), store.cli_actor("reader"))
    return dict(zip(areas["area_code"], areas["area_name"], strict=True))


# --- the worked example (area X01): the reward figures of DOMAIN §5 ----------------------------
def test_overview_shows_headline_figures_and_targets(worked_db: str) -> None:
    at = app().run()
    assert not at.exception
    assert at.title[0].value == "Worked Example Borough LSP overview"
    metrics = {m.label: m.value for m in at.metric}
    # 12 reward targets: 305,555.56 + 250,000 + 416,666.67 * 2 + 267,857.14 = 1,656,745.04 earned.
    # The agreement ended on 31 March 2008: the grant is the outturn, not a forecast.
    assert metrics["Performance Reward Grant outturn"] == "£1.66m"
    assert any(c.value.startswith("of £5.00m maximum (33%)") for c in at.caption)
    assert metrics["Pump-priming grant"] == "£927k"  # £750,000 + £1 × 176,912
    table = at.dataframe[-1].value
    assert len(table) == 13
    neet = table[table["Code"] == "NEET"].iloc[0]
    assert neet["Latest"] == "7.3%"
    assert neet["Period"] == "2007/08"
    assert neet["Status"] == "✖ Off track"
    assert neet["Direction"] == "↗ improving"
    # An ordinary target earns no reward: its cell is empty, drawn as a dash, never "None".
    ordinary = table[table["Type"] == ""]
    assert len(ordinary) and ordinary["Reward £"].isna().all()
    assert at.dataframe[-1].proto.placeholder == "–"
    text = all_text(at)
    assert "Off track" in text and "No data" in text


def test_area_comes_from_the_link(worked_db: str) -> None:
    at = app()
    at.query_params["area"] = "X01"
    at.run()
    assert not at.exception
    assert not at.sidebar.selectbox  # the only area: named, nothing to pick
    assert any("(X01)" in h.value for h in at.sidebar.get("html"))
    assert query(at, "area") == "X01"


def test_as_at_earlier_date_hides_later_periods(worked_db: str) -> None:
    at = app()
    at.query_params["as_at"] = "2007-06-30"
    at.run()
    assert not at.exception
    table = at.dataframe[-1].value
    neet = table[table["Code"] == "NEET"].iloc[0]
    assert neet["Latest"] == "7.6%"  # 2006/07: the 2007/08 period had not ended yet
    assert neet["Period"] == "2006/07"


def test_empty_database_says_what_to_do(empty_db: str) -> None:
    at = app().run()
    assert not at.exception
    assert "loads the demonstration areas" in at.info[0].value


# --- the demo (every area) -------------------------------------------------------------------
@pytest.mark.parametrize("area", DEMO_AREAS)
def test_overview_runs_for_every_demo_area(demo_db: str, area: str) -> None:
    at = open_page("overview", area=area)
    assert not errors(at), errors(at)
    assert at.title[0].value == f"{_area_names(demo_db)[area]} LSP overview"
    assert len(at.dataframe[-1].value) == assess(demo_db, area).targets.height


def test_unknown_area_falls_back_to_the_first(demo_db: str) -> None:
    at = open_page("overview", area="NOPE")
    assert not errors(at)
    first = store.list_areas(db.get_engine(demo_db), store.cli_actor("reader"))["area_code"][0]
    assert at.sidebar.selectbox(key="w_area").value == first
    assert query(at, "area") == first


def test_changing_the_area_picker_updates_the_url(demo_db: str) -> None:
    at = open_page("overview", area="D05")
    at.sidebar.selectbox(key="w_area").set_value("D12").run()
    assert not errors(at)
    assert query(at, "area") == "D12"
    assert at.title[0].value == f"{_area_names(demo_db)['D12']} LSP overview"


def test_exceptions_are_the_cores_worst_first(demo_db: str) -> None:
    result = assess(demo_db, "D05")
    expected = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    assert expected.height > 8  # some sit in the "more exceptions" expander
    at = open_page("overview", area="D05")
    assert any(h.value == f"Exceptions ({expected.height})" for h in at.subheader)

    def shown() -> list[tuple[str, dict[str, str]]]:
        return [(label, p) for label, p in links(section(at, "Exceptions")) if "tab" not in p]

    # the first eight as cards; the rest are drawn only once their expander is opened
    codes = expected["indicator_code"].to_list()
    assert [params["indicator"] for _, params in shown()] == codes[:8]
    first = expected.row(0, named=True)
    assert shown()[0][0].startswith(f"**{first['indicator_code']}** ")
    assert shown()[0][1]["area"] == "D05"
    (more,) = [e for e in at.expander if e.label == f"{expected.height - 8} more exceptions"]
    assert not more.proto.expanded
    at.session_state[more.key] = True  # the user opens it: a rerun draws the rest
    at.run()
    assert not errors(at)
    assert [params["indicator"] for _, params in shown()] == codes


def test_cliff_edge_lists_reward_targets_just_below_sixty_percent(demo_db: str) -> None:
    result = assess(demo_db, "D11")
    cliff = board.cliff_edge(result.targets)
    assert cliff.height >= 1
    at = open_page("overview", area="D11")
    assert any(h.value == f"Cliff edge ({cliff.height})" for h in at.subheader)
    shown = links(section(at, "Cliff edge"))
    assert [params["indicator"] for _, params in shown] == cliff["indicator_code"].to_list()


def test_cliff_edge_says_so_when_empty(demo_db: str) -> None:
    assert board.cliff_edge(assess(demo_db, "D05").targets).is_empty()
    at = open_page("overview", area="D05")
    assert any(h.value == "Cliff edge (0)" for h in at.subheader)
    # D05's agreement ended on 31 March 2008: its reward is the outturn, not a forecast.
    assert any(i.value.startswith("The agreement has ended") for i in at.info)
    assert any(m.label == "Performance Reward Grant outturn" for m in at.metric)


def test_block_rows_link_each_block_with_its_counts(demo_db: str) -> None:
    result = assess(demo_db, "D07")
    blocks = board.block_summary(result.targets, result.blocks)
    at = open_page("overview", area="D07")
    nodes = section(at, "Blocks")
    shown = links(nodes)
    assert [params["block"] for _, params in shown] == blocks["block_code"].to_list()
    assert all(params["area"] == "D07" for _, params in shown)
    counted = [
        {word: int(n) for n, word in re.findall(r"(\d+) <span[^>]*>([a-z ]+)</span>", node.value)}
        for node in nodes
        if node.type == "html" and "title=" in node.value
    ]
    words = {k: STATUS[k][1].lower() for k in ("green", "amber", "red")}
    expected = [{words[k]: row[k] for k in words} for row in blocks.iter_rows(named=True)]
    assert [{w: c[w] for w in words.values()} for c in counted] == expected


def _cards(at) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The status cards' counts, by the status word."""
    cards = {}
    for node in at.get("html"):
        found = re.search(
            r'class="laa-card".*?</span> ([^<]+)</div><div class="n">(\d+)<', node.value
        )
        if found:
            cards[found[1]] = int(found[2])
    return cards


def test_status_cards_count_the_targets(demo_db: str) -> None:
    counts = board.status_counts(assess(demo_db, "D05").targets)
    assert _cards(open_page("overview", area="D05")) == {STATUS[k][1]: n for k, n in counts.items()}


# Meeting mode (the agenda, slides, the slide number in the URL): tests/app/test_meeting.py


def test_no_commentary_yet_links_to_the_indicators_commentary_tab(demo_db: str) -> None:
    result = assess(demo_db, "D10")
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    silent = exceptions.filter(pl.col("commentary").is_null())["indicator_code"].to_list()
    assert 0 < len(silent) < exceptions.height
    at = open_exceptions(open_page("overview", area="D10"))  # every exception's card
    to_write = [(label, p) for label, p in links(section(at, "Exceptions")) if "tab" in p]
    assert [p for _, p in to_write] == [
        {"area": "D10", "indicator": code, "tab": "Commentary"} for code in silent
    ]
    assert all(label.startswith("No commentary yet") for label, _ in to_write)
    # Following it opens that indicator of that area on its Commentary tab, with the form.
    page = open_page("indicator", user="officer", **to_write[0][1])
    assert not errors(page), errors(page)
    assert page.selectbox(key="w_indicator").value == silent[0]
    assert page.session_state["tab"] == "Commentary"
    assert page.text_area(key="commentary_why") is not None


def test_meeting_mode_links_an_exception_without_commentary(demo_db: str) -> None:
    result = assess(demo_db, "D10")
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    position = exceptions["commentary"].to_list().index(None)  # the first silent exception
    at = app("admin")
    at.query_params["area"], at.query_params["meeting"] = "D10", "true"
    at.query_params["slide"] = str(position + 2)  # slide 1 is the agenda
    at.run()
    assert not errors(at), errors(at)
    assert [p for _, p in links(at.main) if "tab" in p] == [
        {"area": "D10", "indicator": exceptions["indicator_code"][position], "tab": "Commentary"}
    ]


def test_department_headline_is_its_targets_against_their_own_share(demo_db: str) -> None:
    """The Home Office analyst sees its reward targets against the sum of their shares, not
    against the whole area's maximum, and no figure that belongs to the whole area."""
    from decimal import Decimal

    from dashboard import accounts
    from dashboard.formatting import money

    engine = db.get_engine(demo_db)
    ho = store.readable(engine, accounts.actor_for(engine, "department")).indicators
    whole = assess(demo_db, "D10")
    mine = whole.targets.filter(pl.col("indicator_code").is_in(sorted(ho)))
    reward = mine.filter(pl.col("is_reward"))
    assert 0 < reward.height < whole.targets.filter(pl.col("is_reward")).height
    shares = sum(Decimal(str(v)) for v in reward["reward_share_gbp"].to_list())
    forecast = sum(Decimal(str(v)) for v in reward["reward_gbp"].drop_nulls().to_list())
    assert shares < Decimal(str(whole.areas["max_prg_gbp"][0]))

    at = open_page("overview", user="department", area="D10")
    assert not errors(at), errors(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Home Office targets: reward forecast"] == money(forecast, short=True)
    assert any(
        c.value.startswith(
            f"Home Office targets: {money(forecast, short=True)} of {money(shares, short=True)}"
        )
        for c in at.caption
    ), [c.value for c in at.caption]
    assert "Pump-priming grant" not in metrics
    assert not any(m.value == "**Risk**" for m in at.markdown)  # the area's risk rating
    assert any(m.value == "**Progress**" for m in at.markdown)  # its own targets' axes stay


def test_headline_for_everyone_else_is_the_whole_area(demo_db: str) -> None:
    from dashboard.formatting import money

    whole = assess(demo_db, "D10").areas.row(0, named=True)
    at = open_page("overview", user="viewer", area="D10")
    assert any(
        c.value.startswith(f"of {money(whole['max_prg_gbp'], short=True)} maximum")
        for c in at.caption
    )
    assert "Pump-priming grant" in {m.label for m in at.metric}
    assert any(m.value == "**Risk**" for m in at.markdown)


def test_the_figures_kept_between_runs_follow_a_new_value(writable_demo: str) -> None:
    """The overview's figures are worked out once per data version: a value recorded after
    one run shows in the status cards of the next."""
    before = assess(writable_demo, "D05").targets
    off = before.filter((pl.col("rag") == "red") & pl.col("expected_value").is_not_null())
    assert not off.is_empty()
    row = off.row(0, named=True)
    first = open_page("overview", area="D05")
    assert _cards(first) == {STATUS[k][1]: n for k, n in board.status_counts(before).items()}
    engine = db.get_engine(writable_demo)
    # The expected value, and a little more in the good direction: on trajectory, green.
    better = row["expected_value"] * (1.01 if row["polarity"] == "higher" else 0.99)
    with engine.begin() as conn:
        store.save_actuals(
            conn, store.cli_actor("overview-test"),
            [{"area_code": "D05", "indicator_code": row["indicator_code"],
              "period": row["latest_period"], "value": better}],
            "test: on trajectory",
        )  # fmt: skip
    after = assess(writable_demo, "D05").targets
    assert board.status_counts(after) != board.status_counts(before)
    again = open_page("overview", area="D05")
    assert _cards(again) == {STATUS[k][1]: n for k, n in board.status_counts(after).items()}


def test_an_areas_figures_are_kept_while_only_another_area_changes(
    writable_demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An area's assessment and overview figures key on its own data version: a value saved
    in another area leaves them as they were (no new assessment), one saved in the area
    itself, or a change to no area (a setting), assesses it afresh."""
    from dashboard.ui import loaders

    assessed: list[tuple[str, ...]] = []
    real = loaders.assess_areas

    def counted(engine, actor, codes, *args, **kwargs):  # type: ignore[no-untyped-def]
        assessed.append(tuple(codes))
        return real(engine, actor, codes, *args, **kwargs)

    monkeypatch.setattr(loaders, "assess_areas", counted)
    engine = db.get_engine(writable_demo)
    here, elsewhere = "D05", "D10"

    def save_in(area: str) -> None:
        latest = assess(writable_demo, area).targets.filter(pl.col("latest_value").is_not_null())
        row = latest.row(0, named=True)
        with engine.begin() as conn:
            store.save_actuals(
                conn, store.cli_actor("overview-test"),
                [{"area_code": area, "indicator_code": row["indicator_code"],
                  "period": row["latest_period"], "value": row["latest_value"] + 1}],
                "test: a new value",
            )  # fmt: skip

    first = open_page("overview", area=here)
    assert not errors(first) and (here,) in assessed
    shown = _cards(first)
    assessed.clear()
    save_in(elsewhere)
    again = open_page("overview", area=here)
    assert not errors(again)
    assert (here,) not in assessed and _cards(again) == shown  # kept: nothing here changed
    open_page("overview", area=elsewhere)
    assert (elsewhere,) in assessed  # the other area's own view is worked out afresh
    assessed.clear()
    save_in(here)
    open_page("overview", area=here)
    assert (here,) in assessed
    assessed.clear()
    # a change to no area (a setting): every area's view is worked out again
    store.set_setting(engine, store.cli_actor("overview-test"), "rag_tolerance", "0.06")
    open_page("overview", area=here)
    assert (here,) in assessed
