"""Bounded numbers and dates (issue 11, item 1): every entry path refuses a value, target,
amount, lag, number of decimals or date outside the dashboard's sane range, naming the row and
column, and writes nothing. Values of that size used to be accepted and then broke the
overview, the indicator page and the review for every user."""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import db, entry, store
from dashboard.analysis import assess_areas
from dashboard.importer import import_file
from dashboard.metrics import bounds, reward
from dashboard.metrics.due import value_due_date_expr
from dashboard.reports.reporting_edits import line_edits
from dashboard.ui import state
from data_models import ActualRevision, AuditEvent, Indicator, TargetVersion
from tests.conftest import FRAMEWORK_INDICATORS, load_worked_example
from tests.unit.test_reporting_edits import KNOWN, LINE, frame

TODAY = date(2008, 11, 30)
WIDE = Context(prec=60)
ACTUALS = "area_code,indicator_code,period,value,status,note"
TARGETS = (
    "area_code,indicator_code,partnership,baseline_period,baseline_value,target_period,"
    "target_value,without_reward_value,milestones"
)
AREAS = (
    "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
    "agreement_start,agreement_end"
)
TOO_LARGE = "is too large: values must be between −1,000,000,000,000 and 1,000,000,000,000"
TOO_SMALL = "is too far below zero: values must be between −1,000,000,000,000 and 1,000,000,000,000"
OUT_OF_YEARS = (
    "is outside the years the dashboard covers: dates must be between "
    "01 January 1990 and 31 December 2100"
)


def _counts(engine) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (ActualRevision, TargetVersion, AuditEvent)
        )


def _indicator_row(**changes: str) -> str:
    """The framework's BV126 as an indicators file, with `changes` to its cells."""
    frame = pl.read_csv(FRAMEWORK_INDICATORS, infer_schema=False)
    row = frame.filter(pl.col("indicator_code") == "BV126").with_columns(
        pl.lit(v).alias(k) for k, v in changes.items()
    )
    return row.write_csv()


@pytest.fixture
def worked(engine, admin):  # type: ignore[no-untyped-def]
    load_worked_example(engine, admin)
    return engine


BAD_FILES = [
    pytest.param(
        "actuals",
        f"{ACTUALS}\nX01,BV126,2008-10-31,1e38,provisional,x\n",
        f"row 2, column value, value '1e38': {TOO_LARGE}",
        id="the tester's 1e38",
    ),
    pytest.param(
        "actuals",
        f"{ACTUALS}\nX01,BV126,2008-10-31,-1e308,final,\nX01,BV126,2008-09-30,1e308,final,\n",
        f"row 2, column value, value '-1e308': {TOO_SMALL}\n"
        f"row 3, column value, value '1e308': {TOO_LARGE}",
        id="±1e308",
    ),
    pytest.param(
        "actuals",
        f"{ACTUALS}\nX01,BV126,1989-12-31,12,final,\n",
        f"row 2, column period, value '1989-12-31': {OUT_OF_YEARS}",
        id="a period before 1990",
    ),
    pytest.param(
        "targets",
        f"{TARGETS}\nX01,BV126,Safer Communities Partnership,2005-03-31,13.8,2008-03-31,1e308,"
        "13.0,\n",
        f"row 2, column target_value, value '1e308': {TOO_LARGE}",
        id="a target of 1e308",
    ),
    pytest.param(
        "targets",
        f"{TARGETS}\nX01,BV126,Safer Communities Partnership,2005-03-31,-2e12,2008-03-31,11.5,"
        "13.0,2006-03-31:1e13\n",
        f"row 2, column baseline_value, value '-2e12': {TOO_SMALL}\n"
        f"row 2, column milestones, value '2006-03-31:1e13': {TOO_LARGE}",
        id="baseline and milestone",
    ),
    pytest.param(
        "indicators",
        _indicator_row(lag_months="999999999"),
        "row 2, column lag_months, value '999999999': must be between 0 and 36 months",
        id="a lag of 999999999 months",
    ),
    pytest.param(
        "indicators",
        _indicator_row(decimals="12", plausible_max="1e300"),
        "row 2, column decimals, value '12': must be between 0 and 3 decimals\n"
        f"row 2, column plausible_max, value '1e300': {TOO_LARGE}",
        id="decimals and plausible range",
    ),
    pytest.param(
        "areas",
        f"{AREAS}\nX01,Worked Example Borough,GOWM,unitary,176912,9999999999999,1905-04-01,"
        "2208-03-31\n",
        "row 2, column net_budget_requirement_gbp, value '9999999999999': is too large: "
        "amounts must be at most £1,000,000,000,000\n"
        f"row 2, column agreement_start, value '1905-04-01': {OUT_OF_YEARS}\n"
        f"row 2, column agreement_end, value '2208-03-31': {OUT_OF_YEARS}",
        id="money and agreement dates",
    ),
    pytest.param(
        "reporting_lines",
        "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status,due_days\n"
        "BV128,department,HO,iQuanta,monthly,continues,999999999\n",
        "row 2, column due_days, value '999999999': must be between 0 and 730 days",
        id="due days",
    ),
]


@pytest.mark.parametrize(("kind", "text", "expected"), BAD_FILES)
def test_out_of_range_rows_are_refused_by_row_and_column_and_nothing_is_written(
    worked, admin, tmp_path: Path, kind: str, text: str, expected: str
) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    before = _counts(worked)
    with worked.connect() as conn:
        lags = conn.execute(select(Indicator.code, Indicator.lag_months)).all()
    result = import_file(worked, admin, kind, path)
    assert result.errors == expected.split("\n")
    assert _counts(worked) == before
    with worked.connect() as conn:
        assert conn.execute(select(Indicator.code, Indicator.lag_months)).all() == lags


def test_the_limits_themselves_are_accepted(worked, admin, tmp_path: Path) -> None:
    """The range is inclusive, and a file at its edges imports (the limits leave room)."""
    path = tmp_path / "edges.csv"
    path.write_text(
        f"{ACTUALS}\nX01,BV126,2008-10-31,1000000000000,provisional,\n"
        "X01,BV126,2008-09-30,-1e12,provisional,\n",
        encoding="utf-8",
    )
    result = import_file(worked, admin, "actuals", path)
    assert result.ok, result.describe()
    assert result.summary.inserted == 2
    lag = tmp_path / "lag.csv"
    lag.write_text(_indicator_row(lag_months="36", decimals="3"), encoding="utf-8")
    assert import_file(worked, admin, "indicators", lag).ok


def test_the_framework_fits_the_limits() -> None:
    """Every real indicator's lag and decimals is inside the range (the limits are not tight)."""
    frame = pl.read_csv(FRAMEWORK_INDICATORS)
    assert frame["lag_months"].max() <= bounds.LAG_MONTHS[1]
    assert frame["decimals"].max() <= bounds.DECIMALS[1]
    assert frame["plausible_max"].max() < bounds.VALUE_LIMIT


def test_a_correction_of_1e38_is_refused_and_not_saved(worked) -> None:
    actor = store.cli_actor("tester")
    result = assess_areas(worked, actor, ["X01"], TODAY)
    row = result.scope.actuals.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).row(0, named=True)
    before = _counts(worked)
    with pytest.raises(ValueError, match="too large: values must be between") as refused:
        entry.correct_value(
            worked, actor, area_code="X01", indicator_code=row["indicator_code"],
            period=row["period"], value=1e38, status="final", data_quality=None,
            reason="typo", seen_revision=row["revision"], today=TODAY,
        )  # fmt: skip
    assert "column value" in str(refused.value)
    assert _counts(worked) == before


def test_the_entry_grid_refuses_1e38_naming_the_grid_row(worked) -> None:
    actor = store.cli_actor("tester")
    result = assess_areas(worked, actor, ["X01"], TODAY)
    grid = entry.entry_grid(result, actor)
    assert grid.height >= 2
    edited = grid.head(2).with_columns(value=pl.Series(["1e38", "1.5"], dtype=pl.Utf8))
    check = entry.check_entries(worked, actor, result, edited, TODAY)
    assert not check.ok
    assert any(
        e.startswith("row 1, column value, value '1e38': is too large") for e in check.errors
    ), check.errors


# ------------------------------------- what the database already holds never breaks the maths


def test_reward_fractions_of_a_huge_value_are_exact_text() -> None:
    """The 28-digit decimal context used to raise InvalidOperation for 1e38."""
    achieved = reward.achieved_fraction(1e38, 13.0, 11.5)
    assert achieved == (Fraction(10**38) - 13) / Fraction(-3, 2)
    assert reward.fraction_text(achieved) == "-66666666666666666666666666666666666658.0000000000"
    assert reward.money(Decimal("1e38")) == Decimal("1e38").quantize(Decimal("0.01"), context=WIDE)
    assert reward.fraction_text(Fraction(1, 3)) == "0.3333333333"  # the usual case unchanged


def test_a_lag_beyond_the_rules_gives_a_far_due_date_not_an_error() -> None:
    frame = pl.DataFrame(
        {"period": [date(2008, 3, 31)] * 4, "lag_months": [999_999_999, -999_999_999, 2, None]}
    )
    due = frame.select(value_due_date_expr()).to_series().to_list()
    assert due[0].year == 2108  # a century on: never due in practice
    assert due[1:] == [date(2008, 3, 31), date(2008, 5, 31), date(2008, 3, 31)]


@pytest.mark.parametrize(
    ("text", "used", "said"),
    [
        ("2008-06-30", date(2008, 6, 30), None),
        ("1990-01-01", date(1990, 1, 1), None),
        ("1900-01-01", date(1990, 1, 1), "is before 01 January 1990"),
        ("9999-12-31", TODAY, "is after today (30 November 2008): showing today"),
        ("garbage", None, "“garbage” is not a date"),
        ("2008-02-30", None, "is not a date"),
    ],
)
def test_a_links_date_is_held_to_the_years_covered(text: str, used, said) -> None:  # type: ignore[no-untyped-def]
    day, message = state.url_date(text, state.earliest_date(TODAY), TODAY, "as-at date")
    assert day == used
    if said is None:
        assert message is None
    else:
        assert message is not None and said in message and "Traceback" not in message


def test_the_reporting_lines_editor_holds_due_days_to_the_importers_limit() -> None:
    """999999999 days after the period end used to wrap the return's deadline round to the
    year -182856; the editor and the reporting-lines file refuse it alike."""
    edits = line_edits(frame(LINE), frame(LINE | {"due_days": 999_999_999}), **KNOWN)
    assert edits.errors == ["Row 1, due_days: must be between 0 and 730 days"]
    assert edits.rows == []
    assert line_edits(frame(LINE), frame(LINE | {"due_days": 730}), **KNOWN).errors == []


def test_a_soft_check_names_a_huge_previous_value_in_short(worked) -> None:
    """The previous value in "far better than ... the previous value (...)" was 38 digits."""
    actor = store.cli_actor("tester")
    result = assess_areas(worked, actor, ["X01"], TODAY)
    grid = entry.entry_grid(result, actor)
    history = (
        result.targets.filter(pl.col("measure") == "level")
        .join(result.scope.actuals, on="target_id")
        .select("indicator_code", earlier="period")
    )
    # A grid row with a value before it: that value becomes 1e38 (the bad direction).
    pair = (
        grid.with_row_index("index")
        .join(history, on="indicator_code")
        .filter(pl.col("earlier") < pl.col("period"))
        .sort("earlier")
        .row(-1, named=True)
    )
    index = pair["index"]
    target = result.targets.filter(pl.col("indicator_code") == pair["indicator_code"]).row(
        0, named=True
    )
    worse = -1e38 if target["polarity"] == "higher" else 1e38
    with db.write_transaction(worked) as conn:
        store.save_actuals(
            conn, actor,
            [{"area_code": "X01", "indicator_code": pair["indicator_code"],
              "period": pair["earlier"], "value": worse, "status": "final"}],
            default_reason="held before the rules",
        )  # fmt: skip
    result = assess_areas(worked, actor, ["X01"], TODAY)
    better = target["target_value"] + (target["target_value"] - target["baseline_value"])
    edited = grid.slice(index, 1).with_columns(value=pl.lit(repr(float(better))))
    check = entry.check_entries(worked, actor, result, edited, TODAY)
    assert any(
        f"previous value ({'-' if worse < 0 else ''}1.0e38)" in m for m in check.far_better
    ), check.far_better


def test_the_audit_trail_writes_a_huge_value_as_a_file_would(worked) -> None:
    """`1e+38`, not the 39 digits of int(1e38) (noise past the 16th)."""
    actor = store.cli_actor("tester")
    with db.write_transaction(worked) as conn:
        store.save_actuals(
            conn, actor,
            [{"area_code": "X01", "indicator_code": "BV126", "period": date(2008, 3, 31),
              "value": 1e38, "status": "final"}],
            default_reason="held before the rules",
        )  # fmt: skip
    audit = store.audit_frame(worked, actor, "X01")
    assert audit["after"].to_list()[-1].startswith("1e+38")
    assert store.bare(5300.0) == "5300" and store.bare(999_999_999_999_999.0) == "999999999999999"
