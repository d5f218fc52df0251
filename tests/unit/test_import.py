"""Import is all-or-nothing, reports row-level problems and keeps every revision."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import store
from dashboard.access import Actor, Grant
from dashboard.importer import import_file
from data_models import ActualRevision, AuditEvent, TargetVersion
from tests.conftest import FIXTURES, FRAMEWORK_INDICATORS

WORKED = FIXTURES / "worked_example"


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _load_worked_example(engine, admin) -> None:  # type: ignore[no-untyped-def]
    for kind, path in [
        ("indicators", FRAMEWORK_INDICATORS),
        ("areas", WORKED / "areas.csv"),
        ("targets", WORKED / "targets.csv"),
        ("actuals", WORKED / "actuals.csv"),
    ]:
        result = import_file(engine, admin, kind, path)
        assert result.ok, result.describe()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_worked_example_imports_and_keeps_revisions(engine, admin) -> None:
    _load_worked_example(engine, admin)
    assert _count(engine, ActualRevision) == 18
    scope = store.load_scope(engine, admin, ["X01"])
    assert scope.targets.height == 13
    assert scope.targets["is_reward"].sum() == 12
    bv82 = scope.targets.filter(pl.col("indicator_code") == "BV82ab")
    assert scope.milestones.filter(pl.col("target_id") == bv82["target_id"][0]).height == 2


def test_reimporting_the_same_file_changes_nothing(engine, admin) -> None:
    _load_worked_example(engine, admin)
    audit_before = _count(engine, AuditEvent)
    result = import_file(engine, admin, "actuals", WORKED / "actuals.csv")
    assert result.ok and result.summary.changed == 0
    assert "nothing changed" in result.describe()
    assert _count(engine, AuditEvent) == audit_before


def test_correction_adds_revision_and_audit_row(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    path = _write(
        tmp_path,
        "fix.csv",
        "area_code,indicator_code,period,value,note\nX01,NEET,2008-03-31,7.2,recount\n"
        "X01,SPORT,2008-03-31,24.0\n",
    )
    result = import_file(engine, admin, "actuals", path)
    assert result.ok and result.summary.inserted == 1 and result.summary.unchanged == 1
    history = store.actual_revisions(engine, admin, "X01", "NEET").filter(
        pl.col("period") == pl.date(2008, 3, 31)
    )
    assert history["value"].to_list() == [7.2, 7.3]
    assert history["revision"].to_list() == [2, 1]
    audit = store.audit_frame(engine, admin, "X01").filter(pl.col("reason") == "recount")
    assert audit.select("action", "before", "after").row(0) == ("value", "7.3", "7.2")


def test_status_change_alone_gets_its_own_audit_row(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    path = _write(
        tmp_path,
        "st.csv",
        "area_code,indicator_code,period,value,status\nX01,NEET,2008-03-31,7.3,provisional\n",
    )
    assert import_file(engine, admin, "actuals", path).ok
    last = store.audit_frame(engine, admin, "X01").tail(1)
    assert last.select("action", "before", "after").row(0) == ("status", "final", "provisional")


def test_bad_rows_are_all_reported_and_nothing_is_written(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    before = (_count(engine, ActualRevision), _count(engine, AuditEvent))
    path = _write(
        tmp_path,
        "bad.csv",
        "area_code,indicator_code,period,value\n"
        "X01,NEET,2008-03-31,7.0\n"  # fine on its own
        "X01,NEET,2008-03-31,7.1\n"  # duplicate key
        "ZZ9,NEET,2008-03-31,7.0\n"  # unknown area
        "X01,NOPE,2008-03-31,7.0\n"  # unknown indicator
        "X01,SPORT,31/03/2008,7.0\n"  # not a date
        "X01,SPORT,2007-03-31,seven\n",  # not a number
    )
    result = import_file(engine, admin, "actuals", path)
    assert not result.ok
    text = "\n".join(result.errors)
    assert "row 3, column period, value '2008-03-31': duplicate of row 2" in text
    assert "row 4, column area_code, value 'ZZ9': is not a known area code" in text
    assert "row 5, column indicator_code, value 'NOPE'" in text
    assert "row 6, column period, value '31/03/2008': is not a date" in text
    assert "row 7, column value, value 'seven': is not a number" in text
    assert (_count(engine, ActualRevision), _count(engine, AuditEvent)) == before


def test_missing_and_unknown_columns_are_named_once(engine, admin, tmp_path) -> None:
    path = _write(
        tmp_path,
        "cols.csv",
        "area_code,indicator_code,period,colour\nX,Y,2007-03-31,red\nX,Y,2008-03-31,b\n",
    )
    result = import_file(engine, admin, "actuals", path)
    assert "column value: required column is missing" in result.errors
    assert "column colour: unknown column" in result.errors
    assert sum("column value" in e for e in result.errors) == 1


def test_future_period_is_refused(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    store.set_setting(engine, admin, "today", "2008-06-30")
    path = _write(
        tmp_path, "f.csv", "area_code,indicator_code,period,value\nX01,NEET,2009-03-31,7.0\n"
    )
    result = import_file(engine, admin, "actuals", path)
    assert result.errors == [
        "row 2, column period, value '2009-03-31': ends after today (2008-06-30): "
        "that period does not exist yet"
    ]


def test_changed_ordinary_target_adds_a_version(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    versions = _count(engine, TargetVersion)
    path = _write(
        tmp_path,
        "t.csv",
        "area_code,indicator_code,partnership,baseline_period,baseline_value,target_period,target_value\n"
        "X01,BV199a,Environment Partnership,2005-03-31,18.0,2008-03-31,11.0\n",
    )
    assert import_file(engine, admin, "targets", path).ok
    assert _count(engine, TargetVersion) == versions + 1
    target = store.load_scope(engine, admin, ["X01"]).targets.filter(
        pl.col("indicator_code") == "BV199a"
    )
    assert target.select("version", "target_value").row(0) == (2, 11.0)


def test_frozen_reward_figures_of_a_signed_agreement_refuse_the_file(
    engine, admin, tmp_path
) -> None:
    from datetime import date

    _load_worked_example(engine, admin)
    store.sign_agreement(engine, admin, "X01", date(2005, 3, 15))
    versions = _count(engine, TargetVersion)
    path = _write(
        tmp_path,
        "t.csv",
        "area_code,indicator_code,partnership,baseline_period,baseline_value,target_period,target_value,"
        "without_reward_value\n"
        "X01,BV199a,Environment Partnership,2005-03-31,18.0,2008-03-31,11.0,\n"
        "X01,NEET,Children's Trust,2005-03-31,8.6,2008-03-31,6.5,8.2\n",
    )
    result = import_file(engine, admin, "targets", path)
    assert len(result.errors) == 1
    assert result.errors[0].startswith(
        "row 3, column target_value, value '6.5': was '6.8' and cannot change"
    )
    assert "stretched targets cannot be refreshed" in result.errors[0]
    assert _count(engine, TargetVersion) == versions


def test_store_refuses_frozen_change_directly(engine, admin) -> None:
    from datetime import date

    from dashboard import db

    _load_worked_example(engine, admin)
    store.sign_agreement(engine, admin, "X01", date(2005, 3, 15))
    versions = _count(engine, TargetVersion)
    row = {
        "area_code": "X01",
        "indicator_code": "SPORT",
        "partnership": "Health and Wellbeing Partnership",
        "baseline_period": date(2005, 3, 31),
        "baseline_value": 20.0,
        "target_period": date(2008, 3, 31),
        "target_value": 24.0,
        "without_reward_value": 20.5,
        "measure": "level",
    }
    with (
        pytest.raises(store.RuleViolation, match="stretched targets cannot be refreshed"),
        db.write_transaction(engine) as conn,
    ):
        store.save_targets(conn, admin, [row])
    assert _count(engine, TargetVersion) == versions


def test_reader_cannot_write(engine) -> None:
    with pytest.raises(store.AccessDenied):
        import_file(
            engine,
            Actor("viewer", (Grant("viewer", area_code="X01"),)),
            "indicators",
            FRAMEWORK_INDICATORS,
        )


def test_xlsx_is_read_like_csv(engine, admin, tmp_path) -> None:
    assert import_file(engine, admin, "indicators", FRAMEWORK_INDICATORS).ok
    frame = pl.read_csv(WORKED / "areas.csv", infer_schema=False)
    path = tmp_path / "areas.xlsx"
    frame.with_columns(
        pl.col("population").cast(pl.Int64), pl.col("agreement_start").str.to_date()
    ).write_excel(path)
    result = import_file(engine, admin, "areas", path)
    assert result.ok, result.describe()
    assert store.list_areas(engine, admin)["area_code"].to_list() == ["X01"]


def test_dry_run_writes_nothing(engine, admin) -> None:
    result = import_file(engine, admin, "indicators", FRAMEWORK_INDICATORS, dry_run=True)
    assert result.ok and result.summary.inserted == 40
    assert store.reference_codes(engine)["indicator"] == set()


AREA_HEADER = (
    "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
    "agreement_start,agreement_end"
)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "ABCDEFGHIJKLMN,Long,GOL,unitary,1000,5000,2006-04-01,2009-03-31",
            "row 2, column area_code, value 'ABCDEFGHIJKLMN': is longer than 12 characters",
        ),
        (
            "Y01,Huge,GOL,unitary,1000,1e15,2006-04-01,2009-03-31",
            "row 2, column net_budget_requirement_gbp, value '1e15': is not an amount in pounds",
        ),
        (
            "Y01,Pence,GOL,unitary,1000,200000000.005,2006-04-01,2009-03-31",
            "row 2, column net_budget_requirement_gbp, value '200000000.005': is not an amount",
        ),
        (
            "Y01,Nul\x00name,GOL,unitary,1000,5000,2006-04-01,2009-03-31",
            "row 2, column area_name, value 'Nul\x00name': contains a NUL character",
        ),
        (
            "Y01,Week,GOL,unitary,1000,5000,2006-W14-1,2009-03-31",
            "row 2, column agreement_start, value '2006-W14-1': is not a date",
        ),
        (
            "Y01,Digits,GOL,unitary,١٢٣,5000,2006-04-01,2009-03-31",
            "row 2, column population, value '١٢٣': is not a whole number",
        ),
    ],
)
def test_values_the_database_cannot_hold_are_refused_by_row(
    engine, admin, tmp_path, row, message
) -> None:
    """On PostgreSQL these used to reach the database and raise instead of refusing the file."""
    path = tmp_path / "a.csv"
    path.write_text(f"{AREA_HEADER}\n{row}\n", encoding="utf-8")
    result = import_file(engine, admin, "areas", path)
    assert not result.ok
    assert any(e.startswith(message) for e in result.errors), result.errors
    assert store.list_areas(engine, admin).is_empty()


def test_repeated_header_is_named_once(engine, admin, tmp_path) -> None:
    path = _write(
        tmp_path, "d.csv", "area_code,indicator_code,period,value,value\nX,Y,2007-03-31,1,2\n"
    )
    result = import_file(engine, admin, "actuals", path)
    assert "column value: appears more than once" in result.errors
    assert not any("duplicated" in e for e in result.errors)


def test_left_out_optional_column_keeps_the_stored_value(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    text = (WORKED / "areas.csv").read_text().splitlines()
    # Same area without the optional pump_priming_gbp and deprivation_rank columns.
    header = text[0].split(",")[:8]
    values = text[1].split(",")[:8]
    path = _write(tmp_path, "a.csv", ",".join(header) + "\n" + ",".join(values) + "\n")
    result = import_file(engine, admin, "areas", path)
    assert result.ok and result.summary.changed == 0, result.describe()
    assert store.list_areas(engine, admin)["deprivation_rank"].to_list() == [75]


def test_a_change_to_the_agreement_alone_is_written(engine, admin, tmp_path) -> None:
    _load_worked_example(engine, admin)
    text = (WORKED / "areas.csv").read_text().replace(",2008-03-31,,75", ",2008-03-31,900000,75")
    result = import_file(engine, admin, "areas", _write(tmp_path, "a.csv", text))
    assert result.ok and result.summary.updated == 1, result.describe()
    assert store.load_scope(engine, admin, ["X01"]).agreements["pump_priming_gbp"].to_list() == [
        900000.0
    ]


def _with_share(tmp_path: Path, code: str, share: str) -> Path:
    """The worked example's targets file with `share` agreed for `code`'s reward target."""
    targets = pl.read_csv(WORKED / "targets.csv", infer_schema_length=0)
    targets = targets.with_columns(
        reward_share_gbp=pl.when(pl.col("indicator_code") == code)
        .then(pl.lit(share))
        .otherwise(pl.col("reward_share_gbp"))
    )
    path = tmp_path / f"targets-{share}.csv"
    targets.write_csv(path)
    return path


def test_agreed_shares_over_the_maximum_grant_refuse_the_file(engine, admin, tmp_path) -> None:
    """X01's maximum is £200m x 2.5% = £5m: an agreed share of £6m cannot be split, so the
    targets file is refused whole (it broke every page of the area before)."""
    _load_worked_example(engine, admin)
    versions = _count(engine, TargetVersion)
    result = import_file(engine, admin, "targets", _with_share(tmp_path, "BV82ab", "6000000"))
    assert not result.ok
    assert result.errors == [
        "area X01: the agreed reward shares total £6,000,000.00, more than the maximum reward "
        "grant of £5,000,000.00: nothing was written"
    ]
    assert _count(engine, TargetVersion) == versions
    assert import_file(engine, admin, "targets", _with_share(tmp_path, "BV82ab", "3000000")).ok


def test_a_lower_budget_under_the_agreed_shares_refuses_the_areas_file(
    engine, admin, tmp_path
) -> None:
    """With £3m agreed, a net budget requirement of £100m (maximum £2.5m) is refused."""
    _load_worked_example(engine, admin)
    assert import_file(engine, admin, "targets", _with_share(tmp_path, "BV82ab", "3000000")).ok
    areas = (WORKED / "areas.csv").read_text().replace(",200000000,", ",100000000,")
    result = import_file(engine, admin, "areas", _write(tmp_path, "areas.csv", areas))
    assert (
        not result.ok and "more than the maximum reward grant of £2,500,000.00" in result.errors[0]
    )
    budget = store.load_scope(engine, admin, ["X01"]).agreements["net_budget_requirement_gbp"]
    assert budget.to_list() == [200_000_000.0]
