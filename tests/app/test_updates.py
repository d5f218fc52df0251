"""AppTest of pages/updates.py (My updates): the grid of values to report, and saving it."""

from __future__ import annotations

from tests.app.conftest import app


def _open(user: str):  # type: ignore[no-untyped-def]
    at = app(user)
    at.switch_page("../pages/updates.py")
    return at.run()


def test_lead_sees_the_values_to_report(writable_demo: str) -> None:
    at = _open("lead")
    assert not at.exception
    assert at.title[0].value == "My updates"
    labels = {m.label: m.value for m in at.metric}
    assert set(labels) == {"Overdue", "Due", "Can be reported"}
    assert int(labels["Can be reported"]) > 0


def test_saving_a_typed_value_records_it(writable_demo: str) -> None:
    at = _open("lead")
    at.session_state["entry_grid"] = {"edited_rows": {0: {"value": 12.5, "commentary": "checked"}},
                                      "added_rows": [], "deleted_rows": []}  # fmt: skip
    at.checkbox(key="confirm_range").check()
    at.button[0].click().run()  # the form's Save button
    assert not at.exception
    assert [s.value for s in at.success], [e.value for e in at.error]
    assert "Saved 1 value" in at.success[0].value


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
    lead.session_state["entry_grid"] = {"edited_rows": {0: {"value": 12.5, "commentary": "checked"}},
                                        "added_rows": [], "deleted_rows": []}  # fmt: skip
    lead.checkbox(key="confirm_range").check()
    lead.button[0].click().run()
    assert any("locked" in w.value for w in lead.warning), [e.value for e in lead.error]
