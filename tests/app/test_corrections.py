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


def _current(url: str, code: str = "BV128") -> pl.DataFrame:
    """The current revision of each period of D10's `code`, newest period first."""
    engine = db.get_engine(url)
    history = store.actual_revisions(engine, accounts.actor_for(engine, "officer"), "D10", code)
    return history.sort("period", "revision", descending=True).unique("period", keep="first")


def _value_key(period) -> str:  # type: ignore[no-untyped-def]
    return f"correction_value_BV128_{period.isoformat()}"


def test_officer_corrects_a_value_and_the_original_is_kept(writable_demo: str) -> None:
    at = _indicator("officer")
    assert "Correct a value" in [e.label for e in at.expander]
    newest = _current(writable_demo).sort("period", descending=True)["period"][0]
    at.number_input(key=_value_key(newest)).set_value(17.5)
    at.text_input(key="correction_reason_0").input("Recount after iQuanta refresh")
    at.button(key="save_correction").click().run()
    assert not at.exception
    assert any("new revision" in s.value for s in at.success), [e.value for e in at.error]
    assert at.text_input(key="correction_reason_1").value == ""  # the next one needs its own
    engine = db.get_engine(writable_demo)
    history = store.actual_revisions(engine, accounts.actor_for(engine, "officer"), "D10", "BV128")
    latest = history.sort("period", "revision", descending=True).row(0, named=True)
    assert latest["value"] == 17.5 and latest["note"] == "Recount after iQuanta refresh"
    assert history.filter(pl.col("period") == latest["period"]).height >= 2


def test_the_form_shows_the_value_and_status_of_the_period_picked(writable_demo: str) -> None:
    """Picking another period redraws the inputs with that period's own value, status and
    data-quality grade (not the first period's value and a default "final")."""
    current = _current(writable_demo).sort("period", descending=True)
    at = _indicator("officer")
    first = current.row(0, named=True)
    assert at.number_input(key=_value_key(first["period"])).value == first["value"]
    assert at.radio(key=f"correction_status_BV128_{first['period']}").value == first["status"]
    # one with another value and another status than the newest period
    other = current.filter(
        (pl.col("value") != first["value"]) & (pl.col("status") != first["status"])
    ).row(0, named=True)
    at.selectbox(key="correction_period").set_value(other["period"]).run()
    assert not at.exception
    where = f"BV128_{other['period']}"
    assert at.number_input(key=f"correction_value_{where}").value == other["value"]
    assert at.radio(key=f"correction_status_{where}").value == other["status"]
    assert at.selectbox(key=f"correction_quality_{where}").value == other["data_quality"]


def test_a_save_by_someone_else_after_the_form_was_drawn_is_a_conflict(
    writable_demo: str,
) -> None:
    """The revision seen is the one drawn: another person's save in between is not overwritten."""
    from dashboard import entry
    from seed_data.demo import DEMO_TODAY

    at = _indicator("officer")
    newest = _current(writable_demo).sort("period", descending=True).row(0, named=True)
    engine = db.get_engine(writable_demo)
    entry.correct_value(
        engine, accounts.actor_for(engine, "admin"), area_code="D10", indicator_code="BV128",
        period=newest["period"], value=newest["value"] + 0.3, status="final",
        data_quality="checked", reason="their recount", seen_revision=newest["revision"],
        today=DEMO_TODAY,
    )  # fmt: skip
    at.number_input(key=_value_key(newest["period"])).set_value(17.5)
    at.text_input(key="correction_reason_0").input("my recount")
    at.button(key="save_correction").click().run()
    assert not at.exception
    assert any("Demo Administrator saved" in w.value for w in at.warning), [
        e.value for e in at.error
    ]
    after = _current(writable_demo).filter(pl.col("period") == newest["period"]).row(0, named=True)
    assert after["value"] == newest["value"] + 0.3 and after["note"] == "their recount"


def test_a_correction_without_a_reason_saves_nothing(writable_demo: str) -> None:
    at = _indicator("officer")
    newest = _current(writable_demo).sort("period", descending=True)["period"][0]
    at.number_input(key=_value_key(newest)).set_value(17.5)
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
