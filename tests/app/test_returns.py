"""AppTest of pages/returns.py: department returns built from the one dataset, scoped by role."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import polars as pl
import pytest
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, store
from dashboard.reports import returns_view
from dashboard.reports.board import previous_quarter_end
from dashboard.reports.returns import RETURN_COLUMNS, department_return, owed_returns
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import app, errors, query

PAGE = "../pages/returns.py"
PERIOD = previous_quarter_end(DEMO_TODAY)  # the page's default period: 30 Sep 2008
DEMO_USERS = ["admin", "officer", "board", "lead", "go", "department", "viewer"]


def open_returns(user: str = "admin", **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def expected(url: str, user: str, department: str, period: date = PERIOD, areas=None):  # type: ignore[no-untyped-def]
    """The return computed straight from the core, as `user`, for comparison with the page."""
    engine = db.get_engine(url)
    who = accounts.actor_for(engine, user)
    return department_return(engine, who, department, period, DEMO_TODAY, area_codes=areas)


# Each table of the page, told apart by a column only it has (AppTest keeps no table keys).
TABLE_COLUMN = {
    "owed_returns": "Due (days after period end)",
    "return_completeness": "GO sign-off",
    "return_owed": "Days since due",
    "return_table": "Trajectory",
}


def shown(at: AppTest, key: str) -> pl.DataFrame:
    frames = [pl.from_pandas(f.value) for f in at.dataframe]
    (frame,) = [f for f in frames if TABLE_COLUMN[key] in f.columns]
    return frame


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def has_widget(at: AppTest, key: str) -> bool:
    return any(s.key == key for s in at.selectbox)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """Every download button a run draws, by key: file name, mime and the bytes a click gets."""
    captured: dict[str, dict[str, Any]] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        captured[kwargs.get("key") or label] = {
            "file_name": kwargs.get("file_name"),
            "mime": kwargs.get("mime"),
            "data": data() if callable(data) else data,
        }
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return captured


# ------------------------------------------------------------------------------- every user


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_demo_user_gets_a_healthy_page(demo_db: str, user: str) -> None:
    at = open_returns(user)
    assert not errors(at), errors(at)
    assert at.title[0].value == "Department returns"
    assert "nobody re-keys a figure" in at.caption[0].value
    assert set(metrics(at)) == {"Rows", "Reported", "Missing", "Not yet due", "Complete"}
    assert at.date_input(key="w_returns_period").value == PERIOD


# -------------------------------------------------------------------------- administrators


def test_admin_picks_any_department_and_sees_the_ho_return(
    demo_db: str, downloads: dict[str, dict[str, Any]]
) -> None:
    at = open_returns("admin")
    picker = at.selectbox(key="w_department")
    engine = db.get_engine(demo_db)
    receiving = {
        code
        for code in store.departments(engine)["code"]
        if not store.department_lines(engine, code).is_empty()
    }
    assert {option.split(" — ")[0] for option in picker.options} == receiving
    assert "HO — Home Office" in picker.options
    assert not any(o.startswith("CO ") for o in picker.options)  # no lines: not offered
    # predecessors receive lines in the demo, and their successors receive them too
    assert {"DCLG", "ODPM", "DCSF", "DfES", "BERR", "DTI"} <= receiving

    picker.set_value("HO").run()
    assert not errors(at), errors(at)
    assert query(at, "department") == "HO"
    direct = expected(demo_db, "admin", "HO")
    assert metrics(at)["Rows"] == f"{direct.rows.height:,}"
    table = shown(at, "return_table")
    assert table.height == direct.rows.height
    assert set(table["Area"]) == set(direct.rows["area_code"])
    assert set(table["Department"]) == {"HO"}
    counts = direct.counts()
    assert metrics(at)["Missing"] == str(counts["missing"])
    assert metrics(at)["Not yet due"] == str(counts["not_yet_due"])

    # the still-owed list is the return's missing rows; completeness has one row per area
    owed = shown(at, "return_owed")
    assert owed.height == direct.missing().height > 0
    assert set(zip(owed["Area"], owed["Indicator"], strict=True)) == set(
        zip(direct.missing()["area_code"], direct.missing()["indicator_code"], strict=True)
    )
    completeness = shown(at, "return_completeness")
    assert completeness["Area"].to_list() == sorted(set(direct.rows["area_code"]))
    assert completeness["Missing"].sum() == counts["missing"]
    assert set(completeness["GO sign-off"]) == {"not reviewed"}  # no GO has signed off yet

    # the downloads are the return itself, under stable keys and file names
    csv = downloads["return_csv"]
    assert csv["file_name"] == f"return-HO-{PERIOD.isoformat()}.csv"
    assert csv["mime"] == "text/csv"
    assert csv["data"] == direct.csv_bytes()
    frame = pl.read_csv(io.BytesIO(csv["data"]))
    assert tuple(frame.columns) == RETURN_COLUMNS
    xlsx = downloads["return_xlsx"]
    assert xlsx["file_name"] == f"return-HO-{PERIOD.isoformat()}.xlsx"
    assert xlsx["data"][:2] == b"PK"  # a zip: an .xlsx workbook
    assert pl.read_excel(io.BytesIO(xlsx["data"]), sheet_name="Return").height == table.height


def test_the_table_shows_values_in_words_and_units(demo_db: str) -> None:
    at = open_returns("admin", department="HO")
    table = shown(at, "return_table")
    direct = expected(demo_db, "admin", "HO").rows
    assert "department_code" not in table.columns  # display headers, not snake_case
    assert all("_" not in column for column in table.columns)
    assert set(table["Trajectory"]) <= {"● On track", "▲ Behind", "✖ Off track", "○ No data"}
    assert set(table["Value status"]) <= {"provisional", "final", "revised", "–"}
    # a missing value reads as a dash and "No data", never "None"
    missing = direct.filter(pl.col("value").is_null()).row(0, named=True)
    row = table.filter(
        (pl.col("Area") == missing["area_code"])
        & (pl.col("Indicator") == missing["indicator_code"])
        & (pl.col("Return") == missing["return_name"])
    ).row(0, named=True)
    assert (row["Value"], row["Trajectory"]) == ("–", "○ No data")
    # a reported percentage carries its unit
    pct = direct.filter(pl.col("unit") == "%", pl.col("value").is_not_null()).row(0, named=True)
    row = table.filter(
        (pl.col("Area") == pct["area_code"])
        & (pl.col("Indicator") == pct["indicator_code"])
        & (pl.col("Return") == pct["return_name"])
    ).row(0, named=True)
    assert row["Value"] == f"{pct['value']:.{pct['decimals']}f}%"


def test_a_return_name_narrows_the_view_and_the_download(
    demo_db: str, downloads: dict[str, dict[str, Any]]
) -> None:
    at = open_returns("admin", department="HO")
    direct = expected(demo_db, "admin", "HO")
    names = sorted(set(direct.rows["return_name"]))
    assert len(names) > 1
    chooser = at.selectbox(key="w_return")
    assert chooser.value == "" and chooser.options[0] == f"All returns ({len(names)})"
    one = names[0]
    chooser.set_value(one).run()
    assert not errors(at), errors(at)
    part = direct.rows.filter(pl.col("return_name") == one)
    assert metrics(at)["Rows"] == f"{part.height:,}"
    assert set(shown(at, "return_table")["Return"]) == {one}
    csv = downloads["return_csv"]
    assert csv["file_name"].startswith("return-HO-") and csv["file_name"] != (
        f"return-HO-{PERIOD.isoformat()}.csv"
    )
    assert pl.read_csv(io.BytesIO(csv["data"])).height == part.height


def test_the_period_picker_rebuilds_the_return(demo_db: str) -> None:
    at = open_returns("admin", department="HO")
    june = date(2008, 6, 30)
    at.date_input(key="w_returns_period").set_value(june).run()
    assert not errors(at), errors(at)
    assert query(at, "period") == june.isoformat()
    direct = expected(demo_db, "admin", "HO", june)
    assert shown(at, "return_table")["Period end"].dt.date().max() <= june
    assert metrics(at)["Reported"] == f"{direct.counts()['reported']:,}"

    # a shared link carries the period
    at = open_returns("admin", department="HO", period=june.isoformat())
    assert at.date_input(key="w_returns_period").value == june
    assert metrics(at)["Rows"] == f"{direct.rows.height:,}"


def test_go_sign_off_shows_on_the_return(writable_demo: str) -> None:
    engine = db.get_engine(writable_demo)
    go = accounts.actor_for(engine, "go")
    store.mark_review(engine, go, "D10", date(2008, 9, 30))  # the review the period falls in
    at = open_returns("admin", department="HO")
    assert not errors(at), errors(at)
    signoff = dict(shown(at, "return_completeness").select("Area", "GO sign-off").iter_rows())
    assert signoff["D10"].startswith("reviewed by go on ")
    assert {s for a, s in signoff.items() if a != "D10"} == {"not reviewed"}

    # a period in the previous half-year falls under the March review, not yet signed off
    at.date_input(key="w_returns_period").set_value(date(2008, 6, 30)).run()
    assert shown(at, "return_completeness")["GO sign-off"].to_list().count("not reviewed") == (
        shown(at, "return_completeness").height
    )


# ---------------------------------------------------------------------- a department user


def test_department_user_is_fixed_to_their_department(demo_db: str) -> None:
    at = open_returns("department", department="DCSF")  # a forged link
    assert not errors(at), errors(at)
    assert not has_widget(at, "w_department")
    assert any(c.value.startswith("Your department: HO — Home Office · ") for c in at.caption)
    (fixed,) = [t for t in at.text_input if t.label == "Department"]
    assert fixed.value == "HO — Home Office" and fixed.disabled
    table = shown(at, "return_table")
    assert set(table["Department"]) == {"HO"}
    direct = expected(demo_db, "department", "HO")
    assert table.height == direct.rows.height
    assert set(table["Indicator"]) == set(direct.rows["indicator_code"])
    # the store refuses another department's return outright
    with pytest.raises(store.AccessDenied):
        expected(demo_db, "department", "DCSF")


# ----------------------------------------------------------------------------- area users


@pytest.mark.parametrize("user", ["officer", "board", "lead", "viewer"])
def test_area_user_sees_what_d10_owes_and_only_d10(
    demo_db: str, user: str, downloads: dict[str, dict[str, Any]]
) -> None:
    at = open_returns(user, area="D02", department="HO")  # forged area: not theirs
    assert not errors(at), errors(at)
    engine = db.get_engine(demo_db)
    who = accounts.actor_for(engine, user)
    owed = owed_returns(engine, who, "D10", DEMO_TODAY)
    assert any(s.value.startswith("Returns Thornbury Vale owes") for s in at.subheader)
    table = shown(at, "owed_returns")
    assert table.height == owed.height > 0
    assert set(table["Return"]) == set(owed["return_name"])
    # only departments D10 owes a return to are offered
    offered = {o.split(" — ")[0] for o in at.selectbox(key="w_department").options}
    assert set(owed["recipient_code"]) <= offered
    assert at.selectbox(key="w_department").value == "HO"

    rows = shown(at, "return_table")
    assert set(rows["Area"]) == {"D10"}
    direct = expected(demo_db, user, "HO", areas=["D10"])
    assert rows.height == direct.rows.height > 0
    assert set(shown(at, "return_completeness")["Area"]) == {"D10"}
    csv = pl.read_csv(io.BytesIO(downloads["return_csv"]["data"]))
    assert set(csv["area_code"]) == {"D10"} and csv.height == rows.height


def test_go_sees_its_region_only(demo_db: str) -> None:
    at = open_returns("go", department="HO")
    assert not errors(at), errors(at)
    assert has_widget(at, "w_department")
    engine = db.get_engine(demo_db)
    region = set(store.list_areas(engine, accounts.actor_for(engine, "go"))["area_code"])
    areas = set(shown(at, "return_table")["Area"])
    assert areas and areas <= region
    assert "D10" in areas


def test_downloads_exist_for_every_view(demo_db: str) -> None:
    for user in ("admin", "department", "officer", "go"):
        at = open_returns(user)
        keys = {b.proto.id for b in at.get("download_button")}
        assert any("return_csv" in k for k in keys), user
        assert any("return_xlsx" in k for k in keys), user


# ----------------------------------------------------------------------------------- errors


def test_a_rule_violation_is_an_error_not_a_traceback(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.ui import loaders

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise store.RuleViolation("unknown department XYZ")

    monkeypatch.setattr(loaders, "department_return", refuse)
    at = open_returns("admin")
    assert not at.exception
    assert [e.value for e in at.error] == ["unknown department XYZ"]
    assert not at.get("download_button")


def test_access_denied_is_a_locked_error(demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.ui import loaders

    def deny(*args: Any, **kwargs: Any) -> None:
        raise store.AccessDenied("viewer may not read the DCSF return")

    monkeypatch.setattr(loaders, "department_return", deny)
    at = open_returns("viewer")
    assert not at.exception
    (error,) = at.error
    assert "may not read the DCSF return" in error.value
    assert error.proto.icon == ":material/lock:"
    assert not any("Trajectory" in f.value.columns for f in at.dataframe)


# ------------------------------------------------------------------------- pure view helpers


def test_file_stem_and_headline(demo_db: str) -> None:
    assert returns_view.file_stem("HO", date(2008, 9, 30)) == "return-HO-2008-09-30"
    assert (
        returns_view.file_stem("HO", date(2008, 9, 30), "Crime & Disorder: quarterly")
        == "return-HO-crime-disorder-quarterly-2008-09-30"
    )
    direct = expected(demo_db, "admin", "HO")
    numbers = direct.counts()
    assert numbers["rows"] == numbers["reported"] + numbers["missing"] + numbers["not_yet_due"]
    assert numbers["complete"] == numbers["reported"] / (numbers["reported"] + numbers["missing"])
