"""The help page "How the numbers are worked out" (AppTest): in every role's menu, one section
per rule with the anchor the rest of the dashboard links to, the database's own tolerance, and
worked examples that agree with the reward rules; the links to it from other pages; and the
keyboard focus every page styles."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.reports import compare
from tests.app.conftest import all_text, app, errors

HELP = "../pages/help.py"
TOPICS = (
    "trajectory", "status", "direction", "forecast", "reward", "cliff-edge", "block-assessment",
    "due", "value-status", "burden", "region", "compare", "capacity", "negotiation",
    "board-packs",
)  # fmt: skip
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")


def open_help(user: str = "viewer") -> AppTest:
    at = app(user)
    at.switch_page(HELP)
    return at.run()


def anchors(at: AppTest) -> list[str]:
    return [h.proto.anchor for h in at.subheader]


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_finds_the_help_page(demo_db: str, user: str) -> None:
    at = app(user).run()
    pages = {info["page_name"]: info for info in at._registered_pages.values()}
    assert pages["How the numbers work"]["url_pathname"] == "help"


def test_one_section_per_rule_with_its_anchor(demo_db: str) -> None:
    at = open_help()
    assert not errors(at), errors(at)
    assert at.title[0].value == "How the numbers are worked out"
    assert anchors(at) == list(TOPICS)
    text = all_text(at)
    # the contents links point at those anchors
    assert {f"(#{t})" for t in TOPICS} <= set(re.findall(r"\(#[a-z-]+\)", text))
    for words in (
        "expected value",
        "after the target period",
        "80% range",
        "Outturn",
        "achieved = (A − W) / (S − W)",
        "60%",
        "capped at 100%",
        "equal shares",
        "rounded once, to the penny",
        "Pump-priming grant",
        "cliff",
        "Performance",
        "Progress",
        "Risk",
        "overdue",
        "provisional",
        "revised",
        "items a year",
        "not credible",
        "padded",
        "challenging",
        "ready to sign",
        "as known at",
    ):
        assert words.lower() in text.lower(), words
    assert "DOMAIN" not in text and "§" not in text


def test_reward_examples_are_the_worked_example(demo_db: str) -> None:
    """£5m over 12 targets: £416,666.67 each; 73.3% pays £305,555.56; 53.3% pays nothing;
    exactly 60% pays £250,000.00; 137.5% is capped at the full share (DOMAIN's worked example);
    the default pump-priming grant is £750,000 + £1 a head."""
    text = all_text(open_help())
    assert "£416,666.67" in text
    for row in (
        "| 30.0 | 36.0 | 34.4 | 73.3% | 73.3% | £305,555.56 |",
        "| 13.0 | 11.5 | 12.2 | 53.3% | 0% | £0.00 |",
        "| 13.0 | 11.5 | 12.1 | 60% | 60% | £250,000.00 |",
        "| 4200 | 5000 | 5300 | 137.5% | 100% | £416,666.67 |",
    ):
        assert row in text, row
    assert "176,912 residents give £926,912" in text
    assert "£250,000.00" in text  # the cliff edge: what reaching 60% of one share pays


def test_the_tolerance_is_this_databases_setting(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    store.set_setting(engine, store.cli_actor("tester"), "rag_tolerance", "0.15", reason="test")
    text = all_text(open_help())
    assert "**15%** of the distance" in text
    assert "the tolerance is 0.90 points" in text  # 15% of the example's 6-point distance


def test_pages_link_to_their_section(demo_db: str) -> None:
    """The overview's reward figure explains itself through the help page's reward section;
    the link keeps the area, so the browser keeps the #anchor (the entrypoint would otherwise
    rewrite the URL and drop it)."""
    at = app("officer").run()
    assert not errors(at), errors(at)
    (reward,) = [m for m in at.metric if m.label == "Performance Reward Grant forecast"]
    (target,) = re.findall(r"\]\((help[^)]*)\)", reward.proto.help)
    url = urlsplit(target)
    assert url.path == "help" and url.fragment == "reward"
    assert parse_qs(url.query)["area"] == ["D10"]


def test_every_page_styles_the_keyboard_focus(demo_db: str) -> None:
    """The menu's links and Streamlit's own skip link get a visible focus (the browser test
    tests/e2e/test_keyboard.py presses Tab)."""
    at = open_help("department")
    html = "\n".join(h.proto.body for h in at.get("html"))
    assert '[data-testid="stSidebarNav"] a:focus-visible' in html
    assert '[data-testid="stSkipToContent"]:focus' in html
    assert "outline:3px solid" in html


def test_comparing_areas_says_how_groups_and_quartiles_work(demo_db: str) -> None:
    """The compare page's rules in users' words, with an example that QUARTILE.INC agrees with."""
    text = all_text(open_help())
    for words in ("10 nearest neighbours", "per 1,000 population", "no league table by default",
                  "a question to ask, not a verdict", "fewer than 5 areas"):  # fmt: skip
        assert words in text, words
    stats = compare.statistics(pl.Series([1.0, 2, 4, 7, 11, 16]), "example")
    assert (stats.lower_quartile, stats.median, stats.upper_quartile) == (2.5, 5.5, 10.0)
    assert "the median is 5.5" in text and "lower quartile 2.5" in text
    assert "upper quartile 10" in text


def test_capacity_section_explains_the_scale_the_self_assessment_and_sign_off(
    demo_db: str,
) -> None:
    """The capacity page links here: the four levels with their symbols, the self-assessment
    beside the GO's, and the three recommendations for sign-off, in the page's own words."""
    from dashboard.reports import capacity as report
    from dashboard.ui import capacity

    text = all_text(open_help())
    for level in report.LEVEL_LABELS:
        assert capacity.LEVEL_DOTS[level] in text
    for label in report.RECOMMENDATION_LABELS.values():
        assert f"**{label}**" in text
    assert "**self-assessment**" in text and "▲ where the partnership rates itself higher" in text
    assert "adds a new dated version" in text
