"""AppTest of pages/audit.py: the audit log, scoped by role, filtered, downloadable."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, security, store
from dashboard.importer import import_file
from dashboard.reports import audit as audit_report
from tests.app.conftest import DEMO_AREAS, app, errors, query

PAGE = "../pages/audit.py"
REFUSAL = "The audit log is open to administrators and LSP performance officers only."
COLUMNS = ["When", "Who", "What", "Area", "Indicator", "Period", "Before", "After", "Reason"]


def open_audit(user: str = "admin", **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def table(at: AppTest) -> pl.DataFrame:
    """The audit table (the only table on the page), as polars."""
    (frame,) = at.dataframe
    shown = pl.from_pandas(frame.value)
    assert shown.columns == COLUMNS
    return shown


def trail(url: str, area: str | None = None) -> pl.DataFrame:
    return store.audit_frame(db.get_engine(url), store.cli_actor("reader"), area)


def downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


# ------------------------------------------------------------------------------------ access


def test_admin_sees_the_sidebar_area_then_every_area(demo_db: str) -> None:
    at = open_audit("admin", area="D05")
    assert not errors(at), errors(at)
    assert at.title[0].value == "Audit log"
    picker = at.selectbox(key="w_audit_area")
    assert picker.value == "D05"  # defaults to the sidebar's area
    assert picker.options[0] == "All areas" and len(picker.options) == 1 + len(DEMO_AREAS)
    shown = table(at)
    assert set(shown["Area"]) == {"D05"}
    assert shown.height == trail(demo_db, "D05").height

    picker.set_value("all").run()
    assert not errors(at)
    assert query(at, "audit_area") == "all"
    shown = table(at)
    assert set(shown["Area"].drop_nulls()) - {""} == set(DEMO_AREAS)
    assert (shown["Area"] == "").sum() > 0  # indicators and settings belong to no area
    assert shown.height == trail(demo_db).height
    assert shown["When"].is_sorted(descending=True)  # newest first


def test_the_area_follows_the_sidebar(demo_db: str) -> None:
    at = open_audit("admin", area="D05")
    at.selectbox(key="w_area").set_value("D07").run()
    assert not errors(at)
    assert at.selectbox(key="w_audit_area").value == "D07"
    assert set(table(at)["Area"]) == {"D07"}


def test_officer_sees_their_own_area_only(demo_db: str) -> None:
    at = open_audit("officer", area="D02", audit_area="D02")  # forged links
    assert not errors(at), errors(at)
    picker = at.selectbox(key="w_audit_area")
    assert picker.value == "D10" and picker.options == ["Thornbury Vale (D10)"]
    shown = table(at)
    assert set(shown["Area"]) == {"D10"}
    assert shown.height == trail(demo_db, "D10").height
    assert "D02" not in shown["Area"].to_list()

    at = open_audit("officer", audit_area="all")
    assert not errors(at)
    assert set(table(at)["Area"]) == {"D10"}


@pytest.mark.parametrize("user", ["lead", "viewer", "department", "board", "go"])
def test_other_roles_are_refused_and_see_no_rows(demo_db: str, user: str) -> None:
    log = security.log_path()
    logged = log.read_text(encoding="utf-8") if log.exists() else ""
    at = open_audit(user, area="D10", audit_area="all")
    assert errors(at) == [REFUSAL]
    assert not at.dataframe
    assert not downloads(at)
    assert not any(s.key == "w_audit_area" for s in at.selectbox)
    assert (
        f"REFUSED user={user} read the audit trail"
        in Path(log).read_text(encoding="utf-8")[len(logged) :]
    )


# ----------------------------------------------------------------------------------- filters


@pytest.fixture
def corrected(worked_db: str, tmp_path: Path) -> str:
    """The worked example (by `tester`) with a value correction by alice and a status change by
    bob, as `laa --as` imports would record them."""
    engine = db.get_engine(worked_db)
    header = "area_code,indicator_code,period,value,status,data_quality,note\n"
    for user, row in [
        ("alice", "X01,BV128,2008-03-31,12.0,final,checked,ONS revision\n"),
        ("bob", "X01,NEET,2008-03-31,7.3,provisional,,\n"),
    ]:
        path = tmp_path / f"{user}.csv"
        path.write_text(header + row, encoding="utf-8")
        result = import_file(engine, store.cli_actor(user), "actuals", path)
        assert result.ok and result.summary.changed == 1, result.describe()
    return worked_db


def test_filters_narrow_the_table(corrected: str) -> None:
    at = open_audit("admin")
    assert not errors(at), errors(at)
    assert at.selectbox(key="w_audit_area").value == "X01"
    everything = table(at)
    assert everything.height == trail(corrected, "X01").height
    assert set(everything["Who"]) == {"tester", "alice", "bob"}

    newest = everything.row(0, named=True)
    assert (newest["Who"], newest["What"], newest["Before"], newest["After"]) == (
        "bob",
        "Status changed",
        "final",
        "provisional",
    )
    assert "Value recorded" in everything["What"].to_list()

    users = at.selectbox(key="w_audit_user")
    assert users.options == ["All users", "alice", "bob", "tester"]
    users.set_value("alice").run()
    assert query(at, "audit_user") == "alice"
    shown = table(at)
    assert shown.select("Who", "What", "Indicator", "Before", "After", "Reason").rows() == [
        ("alice", "Value corrected", "BV128", "12.2", "12", "ONS revision")
    ]
    assert at.caption[-1].value.startswith(f"1 of {everything.height} changes")

    at.selectbox(key="w_audit_user").set_value("").run()
    owner = "Safer Communities Partnership"
    partnerships = at.selectbox(key="w_audit_partnership")
    assert owner in partnerships.options
    partnerships.set_value(owner).run()
    shown = table(at)
    assert set(shown["Indicator"].drop_nulls()) - {""} == {"BV126", "BV128", "BV127a"}
    assert 0 < shown.height < everything.height

    # a day range with nothing in it
    at.selectbox(key="w_audit_partnership").set_value("").run()
    # (the worked example's business date is fixed at 30 Nov 2008: every write is stamped on it)
    at.date_input(key="audit_to").set_value(date(2008, 11, 28)).run()
    assert not at.dataframe
    assert infos(at) == ["No changes match these filters."]
    at.date_input(key="audit_to").set_value(None).run()
    assert table(at).height == everything.height


def test_date_range_from_a_link(demo_db: str) -> None:
    at = open_audit("admin", area="D10", audit_from="2008-06-01", audit_to="2008-06-30")
    assert not errors(at), errors(at)
    assert at.date_input(key="audit_from").value == date(2008, 6, 1)
    expected = audit_report.filter_audit(
        trail(demo_db, "D10"), since=date(2008, 6, 1), until=date(2008, 6, 30)
    )
    shown = table(at)
    assert shown.height == expected.height > 0
    assert all(date(2008, 6, 1) <= d.date() <= date(2008, 6, 30) for d in shown["When"])


def test_downloads_and_empty_state(demo_db: str) -> None:
    at = open_audit("admin", area="D03")
    assert downloads(at) == ["CSV", "Excel"]
    tomorrow = date.today() + timedelta(days=1)
    at = open_audit("officer", audit_from=tomorrow.isoformat())
    assert not at.dataframe and not downloads(at)
    (message,) = infos(at)
    assert message.startswith("No changes recorded since that day yet.")
    assert "imports of indicators, areas, targets and values" in message
    assert "laa " not in message  # an officer is not told about the administrators' command


def test_empty_database_says_what_writes_audit_rows(empty_db: str) -> None:
    at = open_audit("admin")
    assert not errors(at), errors(at)
    assert at.selectbox(key="w_audit_area").options == ["All areas"]
    (message,) = infos(at)
    assert message.startswith("No changes recorded yet.")
    assert "refused or changes nothing writes none" in message


def test_periods_read_as_on_every_other_page(corrected: str) -> None:
    at = open_audit("admin", audit_user="alice")
    assert not errors(at), errors(at)
    # BV128 is monthly: its period ending 31 Mar 2008 is "Mar 2008"
    assert table(at).select("Indicator", "Period").rows() == [("BV128", "Mar 2008")]
    at = open_audit("admin", audit_user="bob")
    # NEET is annual on the financial year: the year ending 31 Mar 2008 is "2007/08"
    assert table(at).select("Indicator", "Period").rows() == [("NEET", "2007/08")]
    at = open_audit("admin")
    signed = table(at).filter(pl.col("What") == "Agreement signed")["Period"].to_list()
    assert signed and all(p[0].isdigit() and p[-4:].isdigit() and " " in p for p in signed)


def test_quarterly_periods_are_labelled_by_quarter(demo_db: str) -> None:
    at = open_audit("admin", area="D10")
    assert not errors(at), errors(at)
    periods = set(table(at)["Period"])
    assert {"Q1 2007/08", "2006/07", "Jul 2007"} <= periods
    assert not any(p[:4].isdigit() and p[4:5] == "-" for p in periods)  # no ISO dates


# ------------------------------------------------------------------------------ national trail


def test_a_long_trail_is_shown_a_page_at_a_time(
    demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trail longer than a page (a national one has a row per value) is read a page at a
    time, newest first; the downloads still hold every row the filters leave."""
    from streamlit.delta_generator import DeltaGenerator

    from dashboard.ui import loaders

    clicked: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        clicked[kwargs["key"]] = data() if callable(data) else data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    monkeypatch.setattr(loaders, "AUDIT_PAGE_ROWS", 500)
    whole = trail(demo_db)
    same = ["Who", "What", "Area", "Indicator", "Before", "After", "Reason"]  # Period: a label
    newest_first = audit_report.display_table(whole).select(same)
    at = open_audit("admin", audit_area="all")
    assert not errors(at), errors(at)
    pages = at.selectbox(key="audit_rows_page")
    assert len(pages.options) == -(-whole.height // 500)
    assert pages.options[:2] == ["1–500", "501–1,000"]
    assert table(at).select(same).equals(newest_first.head(500))
    assert at.caption[-1].value == (
        f"{whole.height:,} of {whole.height:,} changes, newest first · times in UTC"
        " · rows 1–500 shown"
    )
    exported = pl.read_csv(clicked["audit_dl_csv"], infer_schema_length=0)
    assert exported.height == whole.height

    pages.set_value(1).run()
    assert not errors(at), errors(at)
    assert table(at).select(same).equals(newest_first.slice(500, 500))
    assert at.caption[-1].value.endswith("· rows 501–1,000 shown")

    # one user's changes: fewer pages, counted and read in SQL
    user = audit_report.choices(whole, "user")[-1]
    mine = audit_report.filter_audit(whole, user=user)
    at.selectbox(key="w_audit_user").set_value(user).run()
    assert not errors(at), errors(at)
    shown = table(at)
    assert shown.height == min(mine.height, 500)
    assert set(shown["Who"]) == {user}
    assert at.caption[-1].value.startswith(f"{mine.height:,} of {whole.height:,} changes")
    exported = pl.read_csv(clicked["audit_dl_csv"], infer_schema_length=0)
    assert exported.height == mine.height
