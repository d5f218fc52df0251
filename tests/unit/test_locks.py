"""Period locks: locked periods refuse changes, unless a named user has a temporary unlock or
an administrator overrides with a reason; locks, unlocks and overrides are audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from typer.testing import CliRunner

from dashboard import accounts, store
from dashboard.access import AccessDenied, Grant
from dashboard.cli import app
from dashboard.importer import import_file
from tests.conftest import load_worked_example


def _fix(tmp_path, value: str = "7.2"):  # type: ignore[no-untyped-def]
    path = tmp_path / "fix.csv"
    path.write_text(
        f"area_code,indicator_code,period,value,note\nX01,NEET,2008-03-31,{value},recount\n"
    )
    return path


def _neet_values(engine, admin) -> list[float]:  # type: ignore[no-untyped-def]
    revisions = store.actual_revisions(engine, admin, "X01", "NEET")
    return revisions.filter(pl.col("period") == date(2008, 3, 31))["value"].to_list()


def test_locked_period_refuses_a_correction_and_writes_nothing(engine, admin, tmp_path) -> None:
    load_worked_example(engine, admin)
    store.lock_periods(engine, admin, "X01", date(2008, 3, 31), "board 2008-05")
    result = import_file(engine, admin, "actuals", _fix(tmp_path))
    assert not result.ok
    assert "locked" in result.errors[0] and "2008-03-31" in result.errors[0]
    assert _neet_values(engine, admin) == [7.3]


def test_later_periods_stay_open(engine, admin, tmp_path) -> None:
    load_worked_example(engine, admin)
    store.lock_periods(engine, admin, "X01", date(2007, 3, 31))
    assert import_file(engine, admin, "actuals", _fix(tmp_path)).ok
    assert _neet_values(engine, admin) == [7.2, 7.3]


def test_override_with_a_reason_is_audited(engine, admin, tmp_path) -> None:
    load_worked_example(engine, admin)
    store.lock_periods(engine, admin, "X01", date(2008, 3, 31))
    result = import_file(engine, admin, "actuals", _fix(tmp_path), override_lock="audit fix 12/08")
    assert result.ok, result.describe()
    audit = store.audit_frame(engine, admin, "X01")
    assert audit.filter(pl.col("action") == "lock:override")["reason"].to_list() == [
        "audit fix 12/08"
    ]
    assert audit.filter(pl.col("action") == "lock")["after"].to_list() == ["2008-03-31"]


def test_temporary_unlock_for_a_named_user(engine, admin, tmp_path) -> None:
    load_worked_example(engine, admin)
    accounts.add_user(engine, admin, "off", "Officer", "password-1")
    accounts.grant(engine, admin, "off", Grant("officer", area_code="X01"))
    officer = accounts.actor_for(engine, "off")
    store.lock_periods(engine, officer, "X01", date(2008, 3, 31), "seen by the board")
    assert not import_file(engine, officer, "actuals", _fix(tmp_path)).ok
    store.grant_unlock(
        engine, admin, "X01", "off", datetime.now(UTC) + timedelta(hours=1), "late return"
    )
    assert import_file(engine, officer, "actuals", _fix(tmp_path)).ok
    store.grant_unlock(
        engine, admin, "X01", "off", datetime.now(UTC) - timedelta(seconds=1), "expired"
    )


def test_only_officers_and_admins_lock(engine, admin) -> None:
    load_worked_example(engine, admin)
    accounts.add_user(engine, admin, "v", "Viewer", "password-1")
    accounts.grant(engine, admin, "v", Grant("viewer", area_code="X01"))
    with pytest.raises(AccessDenied):
        store.lock_periods(engine, accounts.actor_for(engine, "v"), "X01", date(2008, 3, 31))


def test_cli_lock_and_override(db_url, engine, admin, tmp_path) -> None:
    load_worked_example(engine, admin)
    runner = CliRunner()
    done = runner.invoke(
        app, ["lock", "--area", "X01", "--through", "2008-03-31", "--reason", "board"]
    )
    assert done.exit_code == 0, done.stderr
    refused = runner.invoke(app, ["import", "actuals", str(_fix(tmp_path))])
    assert refused.exit_code == 1 and "locked" in refused.stderr
    forced = runner.invoke(
        app, ["import", "actuals", str(_fix(tmp_path)), "--override-lock", "typo"]
    )
    assert forced.exit_code == 0, forced.stderr
    assert runner.invoke(app, ["lock", "--area", "X01", "--unlock"]).exit_code == 0
