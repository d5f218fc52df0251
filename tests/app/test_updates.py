"""AppTest of pages/updates.py (My updates): the grid of values to report, and saving it;
the Excel template's upload with the grid's checks."""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import create_engine

from dashboard import accounts, db, entry
from dashboard.analysis import assess_areas
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _open(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.switch_page("../pages/updates.py")
    return at.run()


def _grid(url: str) -> pl.DataFrame:
    """The lead's grid as the page draws it."""
    engine = db.get_engine(url)
    lead = accounts.actor_for(engine, "lead")
    return entry.entry_grid(assess_areas(engine, lead, ["D10"], DEMO_TODAY), lead)


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()
    finally:
        engine.dispose()


def _revisions(url: str) -> int:
    return _count(url, "SELECT count(*) FROM actual_revision")


def _edit(at, rows: dict[int, dict]) -> None:  # type: ignore[no-untyped-def]
    at.session_state["entry_grid"] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def _metrics(at) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {m.label: int(m.value) for m in at.metric}


def test_lead_sees_the_values_to_report(writable_demo: str) -> None:
    at = _open("lead")
    assert not at.exception
    assert at.title[0].value == "My updates"
    labels = _metrics(at)
    assert set(labels) == {"Overdue", "Due", "Can be reported"}
    assert labels["Can be reported"] > 0


def test_saving_a_typed_value_records_it_and_the_grid_refreshes(writable_demo: str) -> None:
    """After "Saved" the grid no longer lists the saved row and the counts drop, while the
    message stays on screen."""
    at = _open("lead")
    before = _metrics(at)
    grid = _grid(writable_demo)
    _edit(at, {0: {"value": "12.5", "commentary": "checked"}})
    at.checkbox(key="confirm_range").check()
    at.button[0].click().run()  # the form's Save button
    assert not at.exception
    assert [s.value for s in at.success], [e.value for e in at.error]
    assert "Saved 1 value" in at.success[0].value
    state = grid["state"][0]
    key = {"open": "Can be reported", "due": "Due", "overdue": "Overdue"}[state]
    assert _metrics(at)[key] == before[key] - 1
    shown = _grid(writable_demo)
    assert shown.height == grid.height - 1
    assert at.session_state["entry_grid"]["edited_rows"] == {}  # the edits are gone with the row


def test_letters_typed_as_a_value_are_refused_and_nothing_is_saved(writable_demo: str) -> None:
    at = _open("lead")
    before = _revisions(writable_demo)
    _edit(at, {1: {"value": "abc"}})
    at.button[0].click().run()
    assert not at.exception
    assert not at.success
    (error,) = at.error
    assert "Nothing was saved" in error.value
    assert "row 2, column value, value 'abc': is not a number" in error.value
    assert _revisions(writable_demo) == before


def test_a_far_better_value_in_the_grid_waits_for_the_tick(writable_demo: str) -> None:
    """BV127a at 7 against about 29.2 expected and 29.2 before: confirm, then it is saved."""
    row = _grid(writable_demo)["indicator_code"].to_list().index("BV127a")
    at = _open("lead")
    before = _revisions(writable_demo)
    _edit(at, {row: {"value": "7"}})
    at.button[0].click().run()
    (warning,) = at.warning
    assert "far better than expected" in warning.value and "BV127a" in warning.value
    assert _revisions(writable_demo) == before
    at.checkbox(key="confirm_range").check()
    at.button[0].click().run()
    assert "Saved 1 value" in at.success[0].value
    assert _revisions(writable_demo) == before + 1


def _filled_template(url: str, values: dict[str, str], comments: dict[str, str]) -> bytes:
    """The lead's template with values (and commentary) in the first row of each indicator."""
    engine = db.get_engine(url)
    lead = accounts.actor_for(engine, "lead")
    result = assess_areas(engine, lead, ["D10"], DEMO_TODAY)
    sheet = pl.read_excel(io.BytesIO(entry.template_workbook(result, lead)), infer_schema_length=0)
    codes = sheet["indicator_code"].to_list()
    index = pl.int_range(pl.len())
    for code, text in values.items():
        first = index == codes.index(code)
        sheet = sheet.with_columns(
            value=pl.when(first).then(pl.lit(text)).otherwise(pl.col("value")),
            commentary=pl.when(first)
            .then(pl.lit(comments.get(code)))
            .otherwise(pl.col("commentary")),
        )
    buffer = io.BytesIO()
    sheet.write_excel(buffer, worksheet="Values")
    return buffer.getvalue()


def test_an_upload_raises_the_grids_warnings_then_writes_with_commentary(
    writable_demo: str,
) -> None:
    """BV143 = 5000 (plausible 0–30) needs the tick; BV126 behind its trajectory needs
    commentary: nothing can be written until both are seen to, then values and commentary
    are written together and the audit log names the user's file."""
    at = _open("lead")
    before = _revisions(writable_demo)
    bad = _filled_template(writable_demo, {"BV143": "5000", "BV126": "20.5"}, {})
    at.file_uploader[0].set_value(("my-updates.xlsx", bad, XLSX)).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Nothing can be written yet" in errors
    assert "BV126 at 20.5 is behind its trajectory" in errors
    assert any("5000 is outside the plausible range 0–30" in w.value for w in at.warning)
    assert "commit_upload" not in [b.key for b in at.button]
    assert _revisions(writable_demo) == before

    fixed = _filled_template(
        writable_demo,
        {"BV143": "5000", "BV126": "20.5"},
        {"BV143": "Checked with the police: a data error, to be corrected.",
         "BV126": "Two burglary series in October."},
    )  # fmt: skip
    at.file_uploader[0].set_value(("my-updates.xlsx", fixed, XLSX)).run()
    assert not at.error
    assert at.button(key="commit_upload").disabled  # until the tick
    at.checkbox(key="confirm_upload_0").check().run()
    at.button(key="commit_upload").click().run()
    assert not at.exception
    assert "Saved 2 values and 2 comments from my-updates.xlsx" in at.success[0].value
    assert _revisions(writable_demo) == before + 2
    reasons = _count(
        writable_demo,
        "SELECT count(*) FROM audit_event WHERE action = 'value' "
        "AND reason = 'import of my-updates.xlsx'",
    )
    assert reasons == 2
    assert not at.file_uploader[0].value  # a fresh uploader: the file is not offered again


def test_a_far_better_value_in_an_upload_asks_for_the_tick(writable_demo: str) -> None:
    at = _open("lead")
    at.file_uploader[0].set_value(
        ("mine.xlsx", _filled_template(writable_demo, {"BV127a": "7"}, {}), XLSX)
    ).run()
    assert any("BV127a: 7 is far better than expected" in w.value for w in at.warning)
    assert at.button(key="commit_upload").disabled


def test_a_garbage_workbook_is_refused_in_plain_words(writable_demo: str) -> None:
    at = _open("lead")
    at.file_uploader[0].set_value(("values.xlsx", b"PK\x03\x04 garbage", XLSX)).run()
    assert not at.exception
    (error,) = at.error
    assert "This file is not a readable Excel workbook" in error.value
    for leak in ("/tmp", "calamine", "Zip", "error:"):
        assert leak not in error.value


def test_viewer_has_no_updates_page(writable_demo: str) -> None:
    """Not in a viewer's menu, and its path does not run the page for them."""
    at = app("viewer")
    at.switch_page("../pages/updates.py")
    at.run()
    assert not any(t.value == "My updates" for t in at.title)


def test_officer_locks_periods_and_the_lead_is_then_refused(writable_demo: str) -> None:
    """The lock form writes a lock; a lead's save into a locked period is refused."""
    from datetime import date

    at = _open("officer")
    at.date_input(key="lock_through").set_value(date(2008, 11, 30))
    at.button(key="lock_submit").click().run()
    assert not at.exception
    assert any("locked through 30 Nov 2008" in e.label for e in at.expander)
    lead = _open("lead")
    _edit(lead, {0: {"value": "12.5", "commentary": "checked"}})
    lead.checkbox(key="confirm_range").check()
    lead.button[0].click().run()
    assert any("locked" in w.value for w in lead.warning), [e.value for e in lead.error]


def test_a_lead_sees_the_overdue_actions_on_its_own_targets(writable_demo: str) -> None:
    from datetime import timedelta

    from dashboard import store

    engine = db.get_engine(writable_demo)
    lead = accounts.actor_for(engine, "lead")
    assert lead is not None
    mine = entry.writable_targets(assess_areas(engine, lead, ["D10"], DEMO_TODAY), lead)
    own = str(mine["indicator_code"][0])
    others = assess_areas(engine, lead, ["D10"], DEMO_TODAY).targets.filter(
        ~pl.col("indicator_code").is_in(mine["indicator_code"].implode())
    )
    officer = accounts.actor_for(engine, "officer")
    late = DEMO_TODAY - timedelta(days=2)
    store.raise_action(
        engine, officer, "D10", "Explain the dip", "Lead officer", late, indicator_code=own
    )
    assert others.height, "the demo lead reports only some of the area's targets"
    other = str(others["indicator_code"][0])
    store.raise_action(engine, officer, "D10", "Another partnership job", "Someone", late,
                       indicator_code=other)  # fmt: skip
    name = accounts.display_name(engine, "lead")
    assert name
    store.raise_action(
        engine, officer, "D10", "Chair the task group", name.upper(), late, indicator_code=other
    )  # theirs by name, on another's target
    at = _open("lead")
    assert not at.exception
    texts = " ".join(c.value for c in at.caption)
    assert "Explain the dip" in texts and "Chair the task group" in texts
    assert "Another partnership job" not in texts
    assert any("2 actions overdue: yours or on your targets" in m.value for m in at.markdown)
