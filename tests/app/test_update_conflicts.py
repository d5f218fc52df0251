"""AppTest: two people saving the same value, on My updates' grid and in the indicator page's
"Correct a value" form. The second save is refused as a conflict naming who saved what; what
the second person typed stays on screen; once reviewed, their next Save goes through."""

from __future__ import annotations

import re

import polars as pl

from dashboard import accounts, db, entry, store
from dashboard.analysis import assess_areas
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import app

AREA = "D10"


def _grid(url: str) -> pl.DataFrame:
    """The lead's grid as the page draws it."""
    engine = db.get_engine(url)
    lead = accounts.actor_for(engine, "lead")
    return entry.entry_grid(assess_areas(engine, lead, [AREA], DEMO_TODAY), lead)


def _current(url: str, code: str) -> pl.DataFrame:
    """The current revision of each period of D10's `code`."""
    engine = db.get_engine(url)
    history = store.actual_revisions(engine, accounts.actor_for(engine, "officer"), AREA, code)
    return history.sort("period", "revision", descending=True).unique("period", keep="first")


def _officer_saves(url: str, code: str, period, value: float, seen: int) -> None:  # type: ignore[no-untyped-def]
    engine = db.get_engine(url)
    entry.correct_value(
        engine, accounts.actor_for(engine, "officer"), area_code=AREA, indicator_code=code,
        period=period, value=value, status="provisional", data_quality="checked",
        reason="from the monthly return", seen_revision=seen, today=DEMO_TODAY,
    )  # fmt: skip


def _shown(markdown: str) -> str:
    """An alert's Markdown source as the page shows it (escapes and word joiners resolved)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def _revisions(url: str) -> int:
    engine = db.get_engine(url)
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM actual_revision").scalar_one()


# ------------------------------------------------------------------------------- My updates


def test_a_row_saved_by_someone_else_since_the_grid_was_drawn_is_a_conflict(
    writable_demo: str,
) -> None:
    """The lead types rows 1 and 3; meanwhile the officer saves row 1. The lead's Save writes
    nothing (not row 3 either), names row 1, the officer, their value; the grid keeps its rows
    and what was typed (it used to be rebuilt without row 1, the typed values shifting onto
    other rows or dropped as "No value typed"). The next Save, after review, goes through."""
    grid = _grid(writable_demo)
    first, third = grid.row(0, named=True), grid.row(2, named=True)
    at = app("lead")
    at.switch_page("../pages/updates.py")
    at.run()
    _officer_saves(writable_demo, first["indicator_code"], first["period"], 31.0, seen=0)
    before = _revisions(writable_demo)
    typed = {0: {"value": "12.5", "commentary": "checked"}, 2: {"value": "7", "commentary": "ok"}}
    at.session_state["entry_grid"] = {"edited_rows": typed, "added_rows": [], "deleted_rows": []}
    at.checkbox(key="confirm_range").check()
    at.button[0].click().run()  # the form's Save button
    assert not at.exception
    assert not at.success and not at.info, [i.value for i in at.info]
    (warning,) = at.warning
    shown = _shown(warning.value)
    assert "Nothing was saved" in shown
    assert (
        f"Row 1 ({first['indicator_code']}, {first['period_label']}): Priya Shah, LSP "
        "Performance Officer saved 31 at "
    ) in shown
    assert "after you opened this page — review and save again" in shown
    assert "Row 3" not in shown
    assert _revisions(writable_demo) == before
    assert at.dataframe[0].value.shape[0] == grid.height  # the grid as drawn, row 1 included
    assert at.session_state["entry_grid"]["edited_rows"] == typed

    at.button[0].click().run()  # reviewed: save again
    assert not at.exception
    assert "Saved 2 values" in at.success[0].value, [w.value for w in at.warning]
    assert _revisions(writable_demo) == before + 2
    saved = _current(writable_demo, first["indicator_code"]).filter(
        pl.col("period") == first["period"]
    )
    assert saved.select("revision", "value", "recorded_by").row(0) == (2, 12.5, "lead")
    other = _current(writable_demo, third["indicator_code"]).filter(
        pl.col("period") == third["period"]
    )
    assert other["value"].to_list() == [7.0]
    assert _grid(writable_demo).height == grid.height - 2  # a fresh grid without them


def test_a_row_saved_meanwhile_never_receives_another_rows_typed_value(
    writable_demo: str,
) -> None:
    """A value typed in the last row, while someone saved the first: the grid used to be
    rebuilt one row shorter, so the edit of the last row was lost ("No value typed")."""
    grid = _grid(writable_demo)
    first, last = grid.row(0, named=True), grid.row(grid.height - 1, named=True)
    at = app("lead")
    at.switch_page("../pages/updates.py")
    at.run()
    _officer_saves(writable_demo, first["indicator_code"], first["period"], 31.0, seen=0)
    typed = {grid.height - 1: {"value": "12.5", "commentary": "checked"}}
    at.session_state["entry_grid"] = {"edited_rows": typed, "added_rows": [], "deleted_rows": []}
    at.checkbox(key="confirm_range").check()
    at.button[0].click().run()
    assert not at.exception
    assert not at.info, [i.value for i in at.info]  # not "No value typed"
    assert "Saved 1 value" in at.success[0].value, [w.value for w in at.warning]
    saved = _current(writable_demo, last["indicator_code"]).filter(
        pl.col("period") == last["period"]
    )
    assert saved["value"].to_list() == [12.5]


# ----------------------------------------------------------------------- Correct a value


def _indicator(user: str, code: str = "BV128"):  # type: ignore[no-untyped-def]
    at = app(user)
    at.query_params["area"] = AREA
    at.query_params["indicator"] = code
    at.switch_page("../pages/indicator.py")
    return at.run()


def test_a_correction_after_someone_elses_keeps_what_was_typed_then_saves(
    writable_demo: str,
) -> None:
    """The officer opens the form; the administrator corrects that value; the officer's Save
    is refused naming the administrator (their name as typed, never Markdown) and their
    value, the officer's value and reason stay in the form, and the next Save adds a revision
    over the administrator's."""
    newest = _current(writable_demo, "BV128").sort("period", descending=True).row(0, named=True)
    where = f"BV128_{newest['period'].isoformat()}"
    at = _indicator("officer")
    engine = db.get_engine(writable_demo)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE app_user SET display_name = 'Demo *Administrator*' WHERE username = 'admin'"
        )
    entry.correct_value(
        engine, accounts.actor_for(engine, "admin"), area_code=AREA, indicator_code="BV128",
        period=newest["period"], value=21.75, status="final", data_quality="checked",
        reason="their recount", seen_revision=newest["revision"], today=DEMO_TODAY,
    )  # fmt: skip
    at.number_input(key=f"correction_value_{where}").set_value(17.5)
    at.text_input(key="correction_reason_0").input("my recount")
    at.button(key="save_correction").click().run()
    assert not at.exception
    (warning,) = at.warning
    shown = _shown(warning.value)
    assert "Nothing was saved: BV128, " in shown
    assert ": Demo *Administrator* saved 21.75 at " in shown
    assert r"Demo \*Administrator\*" in warning.value  # shown as typed, not in italics
    assert "after you opened this page — review and save again" in shown
    assert at.number_input(key=f"correction_value_{where}").value == 17.5
    assert at.text_input(key="correction_reason_0").value == "my recount"
    after = _current(writable_demo, "BV128").filter(pl.col("period") == newest["period"])
    assert after["value"].to_list() == [21.75]

    at.button(key="save_correction").click().run()  # reviewed: save again
    assert not at.exception
    assert any("new revision" in s.value for s in at.success), [w.value for w in at.warning]
    after = _current(writable_demo, "BV128").filter(pl.col("period") == newest["period"])
    assert after.select("revision", "value", "note").row(0) == (
        newest["revision"] + 2,
        17.5,
        "my recount",
    )


def test_back_on_the_page_the_form_sees_the_value_shown_then(writable_demo: str) -> None:
    """Someone's correction while the officer was on another page is no conflict: coming back,
    the form shows it, and that is the revision the officer's correction follows."""
    newest = _current(writable_demo, "BV128").sort("period", descending=True).row(0, named=True)
    where = f"BV128_{newest['period'].isoformat()}"
    at = _indicator("officer")
    at.switch_page("../pages/overview.py")
    at.run()
    engine = db.get_engine(writable_demo)
    entry.correct_value(
        engine, accounts.actor_for(engine, "admin"), area_code=AREA, indicator_code="BV128",
        period=newest["period"], value=21.75, status="final", data_quality="checked",
        reason="their recount", seen_revision=newest["revision"], today=DEMO_TODAY,
    )  # fmt: skip
    at.switch_page("../pages/indicator.py")
    at.run()
    assert at.number_input(key=f"correction_value_{where}").value == 21.75
    at.number_input(key=f"correction_value_{where}").set_value(17.5)
    at.text_input(key="correction_reason_0").input("my recount")
    at.button(key="save_correction").click().run()
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    after = _current(writable_demo, "BV128").filter(pl.col("period") == newest["period"])
    assert after["value"].to_list() == [17.5]
