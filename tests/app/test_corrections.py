"""AppTest of the indicator page's "Correct a value" form (pages/indicator.py)."""

from __future__ import annotations

import polars as pl

from dashboard import accounts, db, store
from tests.app.conftest import app


def _indicator(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.query_params["area"] = "D10"
    at.query_params["indicator"] = "BV128"
    at.switch_page("../pages/indicator.py")
    return at.run()


def test_officer_corrects_a_value_and_the_original_is_kept(writable_demo: str) -> None:
    at = _indicator("officer")
    assert "Correct a value" in [e.label for e in at.expander]
    at.number_input(key="correction_value").set_value(17.5)
    at.text_input(key="correction_reason").input("Recount after iQuanta refresh")
    at.button(key="save_correction").click().run()
    assert not at.exception
    assert any("new revision" in s.value for s in at.success), [e.value for e in at.error]
    engine = db.get_engine(writable_demo)
    history = store.actual_revisions(engine, accounts.actor_for(engine, "officer"), "D10", "BV128")
    latest = history.sort("period", "revision", descending=True).row(0, named=True)
    assert latest["value"] == 17.5 and latest["note"] == "Recount after iQuanta refresh"
    assert history.filter(pl.col("period") == latest["period"]).height >= 2


def test_a_correction_without_a_reason_saves_nothing(writable_demo: str) -> None:
    at = _indicator("officer")
    at.number_input(key="correction_value").set_value(17.5)
    at.button(key="save_correction").click().run()
    assert any("needs a reason" in e.value for e in at.error)


def test_viewer_cannot_correct(writable_demo: str) -> None:
    at = _indicator("viewer")
    assert not at.exception
    assert "Correct a value" not in [e.label for e in at.expander]


def test_officer_proposes_and_go_agrees_a_target_change(writable_demo: str) -> None:
    """The refresh: the officer's proposal waits; the GO's agreement puts it in force."""
    engine = db.get_engine(writable_demo)
    officer = accounts.actor_for(engine, "officer")
    scope = store.load_scope(engine, officer, ["D10"]).targets
    ordinary = scope.filter(~pl.col("is_reward")).row(0, named=True)
    at = app("officer")
    at.query_params["area"] = "D10"
    at.query_params["indicator"] = ordinary["indicator_code"]
    at.switch_page("../pages/indicator.py")
    at.run()
    assert "Propose a change at the annual refresh" in [e.label for e in at.expander]
    at.number_input(key="proposed_value").set_value(ordinary["target_value"] + 1)
    at.text_input(key="proposal_reason").input("new survey baseline")
    at.button(key="propose").click().run()
    assert not at.exception
    assert any("waiting for the GO" in m.value for m in at.markdown)
    go = app("go")
    go.query_params["area"] = "D10"
    go.query_params["indicator"] = ordinary["indicator_code"]
    go.switch_page("../pages/indicator.py")
    go.run()
    go.button(key=next(b.key for b in go.button if str(b.key).startswith("agree_"))).click().run()
    assert not go.exception
    after = store.load_scope(engine, officer, ["D10"]).targets
    row = after.filter(pl.col("indicator_code") == ordinary["indicator_code"]).row(0, named=True)
    assert row["target_value"] == ordinary["target_value"] + 1


def test_frozen_reward_target_says_why(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    targets = store.load_scope(engine, accounts.actor_for(engine, "officer"), ["D10"]).targets
    reward = targets.filter(pl.col("is_reward"))["indicator_code"][0]
    at = app("officer")
    at.query_params["area"] = "D10"
    at.query_params["indicator"] = reward
    at.switch_page("../pages/indicator.py")
    at.run()
    assert any("cannot be refreshed" in i.value for i in at.info)
    assert "Propose a change at the annual refresh" not in [e.label for e in at.expander]
