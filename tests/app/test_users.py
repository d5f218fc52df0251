"""AppTest of pages/users.py (Users and access): readable headers, scopes by name, granting."""

from __future__ import annotations

import polars as pl
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, security
from dashboard.access import Grant
from tests.app.conftest import app, errors

PAGE = "../pages/users.py"


def open_users() -> AppTest:
    at = app("admin")
    at.switch_page(PAGE)
    return at.run()


def picker(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(s for s in at.selectbox if s.label == label)


def users_table(at: AppTest) -> pl.DataFrame:
    (table,) = at.dataframe
    return pl.from_pandas(table.value)


def test_users_table_has_readable_headers_and_names_not_codes(demo_db: str) -> None:
    at = open_users()
    assert not errors(at), errors(at)
    table = users_table(at)
    assert table.columns == ["User", "Full name", "Email", "Active", "Sign-in slowed", "Access"]
    access = dict(zip(table["User"], table["Access"], strict=True))
    assert access["admin"] == "Administrator"
    assert access["officer"] == "LSP performance officer: Thornbury Vale (D10)"
    assert access["lead"] == (
        "Thematic partnership lead: Safer Thornbury Vale Partnership, Thornbury Vale (D10)"
    )
    assert access["go"] == "Government Office for the East Midlands (GOEM)"
    assert access["department"] == "Department: Home Office (HO)"


def test_grant_form_offers_areas_regions_and_departments_by_name(writable_demo: str) -> None:
    at = open_users()
    area = picker(at, "Area (officer, board, lead, viewer)")
    assert "Thornbury Vale (D10)" in area.options
    region = picker(at, "Government Office region (go)")
    assert "Government Office for the North West (GONW)" in region.options
    assert "Home Office (HO)" in picker(at, "Department (department)").options
    assert "Government Office" in picker(at, "Role").options

    picker(at, "User").set_value("viewer")
    picker(at, "Role").set_value("go")
    region.set_value("GONW")
    next(b for b in at.button if b.label == "Grant").click()
    at.run()
    assert not errors(at), errors(at)
    assert at.success[0].value == "Granted Government Office for the North West (GONW)."
    engine = db.get_engine(writable_demo)
    viewer = accounts.actor_for(engine, "viewer")
    assert viewer is not None and Grant("go", region_code="GONW") in viewer.grants


def test_an_administrator_clears_a_users_sign_in_delays(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    for _ in range(6):  # a sixth wrong password from one client: it must now wait
        accounts.authenticate(engine, "officer", "not-the-password", client="10.9.9.9")
    assert accounts.authenticate(engine, "officer", "laa-demo", client="10.9.9.9").retry_after
    at = open_users()
    slowed = dict(zip(users_table(at)["User"], users_table(at)["Sign-in slowed"], strict=True))
    assert slowed["officer"] is True and slowed["viewer"] is False
    whose = picker(at, "Whose delays")
    assert whose.options == ["officer"]  # only the slowed users are offered
    log = security.log_path()
    before = log.read_text(encoding="utf-8") if log.exists() else ""
    next(b for b in at.button if b.label == "Clear delays").click()
    at.run()
    assert not errors(at), errors(at)
    assert [s.value for s in at.success] == ["Cleared the sign-in delays of officer."]
    logged = log.read_text(encoding="utf-8").removeprefix(before)
    assert "UNLOCKED user=admin username=officer" in logged
    assert accounts.authenticate(engine, "officer", "laa-demo", client="10.9.9.9").actor
    assert users_table(at.run()).filter(pl.col("User") == "officer")[
        "Sign-in slowed"
    ].to_list() == [False]
