"""Department returns built from the one dataset (issue 6), checked against the demo.

The expectations are derived straight from the tables with SQL (the reporting lines, the
agreements in force, the highest revision of each value) and a calendar written out here,
not from `department_return` itself. The demo is seeded once per module, on SQLite and on
PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Iterator
from datetime import date

import polars as pl
import pytest
from sqlalchemy import Engine, bindparam, text

from dashboard import db, store
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports.exports import status_export
from dashboard.reports.returns import RETURN_COLUMNS, department_return
from seed_data.demo import AREAS, COHORTS, DEMO_TODAY, seed_demo
from tests.conftest import _BACKENDS, backend_database

ADMIN = store.cli_actor("returns-test")
PERIOD = date(2008, 9, 30)
AS_AT = date(2008, 11, 30)
KEY = ["return_name", "area_code", "indicator_code"]


@pytest.fixture(scope="module", params=_BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    url = backend_database(request.param, tmp_path_factory.mktemp("returns"))
    engine = db.get_engine(url)
    seed_demo(engine, ADMIN)
    assert store.business_today(engine) == DEMO_TODAY == AS_AT
    yield engine
    db.dispose_all()


# ------------------------------------------------------------------ independent expectations


def sql(engine: Engine, query: str, dates: tuple[str, ...] = (), **params: object) -> pl.DataFrame:
    statement = text(query)
    for name, value in params.items():
        if isinstance(value, tuple):
            statement = statement.bindparams(bindparam(name, expanding=True))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(statement, params).mappings()]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    # SQLite hands dates back as text, PostgreSQL as dates: compare them as dates.
    return frame.with_columns(pl.col(c).cast(pl.Utf8).str.slice(0, 10).str.to_date() for c in dates)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


ANNUAL_MONTH = {"financial": 3, "academic": 8, "calendar": 12, "rolling_12_months": 3,
                "three_year_pooled": 12}  # fmt: skip
MONTHS = {"monthly": tuple(range(1, 13)), "quarterly": (3, 6, 9, 12), "termly": (4, 8, 12)}


def latest_end(frequency: str, basis: str, baseline: date, on: date) -> date:
    """The latest period end on or before `on`; surveys every 2 or 3 years keep the cycle of
    their baseline year."""
    months = MONTHS.get(frequency, (ANNUAL_MONTH[basis],))
    ends = [month_end(y, m) for y in range(on.year - 4, on.year + 1) for m in months]
    ends = [e for e in ends if e <= on]
    step = {"biennial": 2, "triennial": 3}.get(frequency)
    if step:
        first = min(
            e
            for y in range(baseline.year, baseline.year + 2)
            if (e := month_end(y, ANNUAL_MONTH[basis])) >= baseline
        )
        ends = [e for e in ends if e >= first and (e.year - first.year) % step == 0]
    return max(ends)


def expected_rows(
    engine: Engine, recipients: tuple[str, ...], on: date = PERIOD, as_at: date = AS_AT
) -> pl.DataFrame:
    """Every line to `recipients` × every area whose agreement in force has a target on its
    indicator, with the period each should carry."""
    frame = sql(
        engine,
        """
        SELECT DISTINCT r.return_name, g.area_code, a.region_code, t.indicator_code,
               i.frequency, i.period_basis, i.lag_months, v.baseline_period, v.target_value
        FROM reporting_line r
        JOIN target t ON t.indicator_code = r.indicator_code
        JOIN agreement g ON g.id = t.agreement_id
        JOIN area a ON a.code = g.area_code
        JOIN indicator i ON i.code = t.indicator_code
        JOIN target_version v ON v.target_id = t.id
        WHERE r.recipient_type = 'department' AND r.recipient_code IN :codes
          AND g.start_date = (SELECT max(g2.start_date) FROM agreement g2
                              WHERE g2.area_code = g.area_code AND g2.start_date <= :as_at)
          AND v.version = (SELECT max(v2.version) FROM target_version v2
                           WHERE v2.target_id = t.id AND (v2.needs_agreement = false
                             OR v2.id IN (SELECT target_version_id FROM target_agreement)))
        """,
        dates=("baseline_period",),
        codes=recipients,
        as_at=as_at,
    )
    combos = frame.select("frequency", "period_basis", "baseline_period").unique()
    periods = combos.with_columns(
        period=pl.Series(
            [latest_end(f, b, base, on) for f, b, base in combos.iter_rows()], dtype=pl.Date
        )
    )
    return frame.join(periods, on=["frequency", "period_basis", "baseline_period"])


def current_values(engine: Engine) -> pl.DataFrame:
    """The highest revision of every value, and whether an earlier revision was final."""
    return sql(
        engine,
        """
        SELECT a.area_code, a.indicator_code, a.period, a.value, a.status, a.data_quality,
               (SELECT count(*) FROM actual_revision b
                WHERE b.area_code = a.area_code AND b.indicator_code = a.indicator_code
                  AND b.period = a.period AND b.revision < a.revision
                  AND b.status = 'final') AS earlier_final
        FROM actual_revision a
        WHERE a.revision = (SELECT max(c.revision) FROM actual_revision c
                            WHERE c.area_code = a.area_code
                              AND c.indicator_code = a.indicator_code AND c.period = a.period)
        """,
        dates=("period",),
    )


def keyed(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select(KEY).iter_rows())


# ------------------------------------------------------------------------------------ tests


def test_home_office_return_has_exactly_the_expected_rows(demo: Engine) -> None:
    built = department_return(demo, ADMIN, "HO", PERIOD, AS_AT)
    table = built.table()
    expected = expected_rows(demo, ("HO",))
    assert table.columns == list(RETURN_COLUMNS)
    assert table.height == expected.height > 100  # one row per return × area × indicator
    assert keyed(table) == keyed(expected)
    assert table.select(KEY).is_duplicated().sum() == 0
    assert set(table["department_code"]) == {"HO"}
    # Each row carries its indicator's latest period ending on or before the date.
    got = table.join(expected, on=KEY).filter(pl.col("period") != pl.col("period_right"))
    assert got.is_empty(), got
    # ... including one period per area for monthly, quarterly, annual and biennial lines.
    frequencies = set(expected["frequency"])
    assert {"monthly", "quarterly", "annual", "biennial"} <= frequencies
    assert table.join(expected, on=KEY)["target_value"].equals(
        table.join(expected, on=KEY)["target_value_right"]
    )


def test_home_office_values_statuses_and_grades_are_the_current_revision(demo: Engine) -> None:
    table = department_return(demo, ADMIN, "HO", PERIOD, AS_AT).table()
    values = current_values(demo)
    joined = table.join(values, on=["area_code", "indicator_code", "period"], how="left")
    assert joined.height == table.height
    reported = joined.filter(pl.col("value_right").is_not_null())
    assert reported.height > 200
    assert (reported["value"] == reported["value_right"]).all()
    assert (reported["data_quality"].eq_missing(reported["data_quality_right"])).all()
    status = (
        pl.when((pl.col("status_right") == "final") & (pl.col("earlier_final") > 0))
        .then(pl.lit("revised"))
        .otherwise(pl.col("status_right"))
    )
    assert (reported["status"] == reported.select(status).to_series()).all()
    # Where no value exists the value (and its status and grade) is empty, in the CSV too.
    empty = joined.filter(pl.col("value_right").is_null())
    assert empty.height > 0
    assert empty.select(pl.col("value", "status", "data_quality", "rag").is_null().all()).row(
        0
    ) == (True, True, True, True)
    rows = list(csv.DictReader(io.StringIO(table.write_csv())))
    blank = {(r["area_code"], r["indicator_code"]) for r in rows if r["value"] == ""}
    assert blank == set(empty.select("area_code", "indicator_code").iter_rows())


def test_corrected_values_show_their_newest_revision(demo: Engine) -> None:
    """Values corrected after first entry (the demo corrects some of March 2008): the return
    carries the highest revision, not the first."""
    table = department_return(demo, ADMIN, "HO", date(2008, 3, 31), AS_AT).table()
    revisions = sql(
        demo,
        "SELECT area_code, indicator_code, period, revision, value FROM actual_revision "
        "WHERE indicator_code IN :codes",
        dates=("period",),
        codes=("DRUG-T", "BV128", "VOL", "SAFE-D", "YJ-FTE"),
    )
    first = revisions.filter(pl.col("revision") == 1).select(
        "area_code", "indicator_code", "period", first=pl.col("value")
    )
    newest = (
        revisions.sort("revision")
        .group_by("area_code", "indicator_code", "period")
        .agg(pl.col("value").last().alias("newest"), pl.len().alias("revisions"))
        .join(first, on=["area_code", "indicator_code", "period"])
    )
    checked = table.join(newest, on=["area_code", "indicator_code", "period"]).filter(
        pl.col("revisions") > 1, pl.col("newest") != pl.col("first")
    )
    assert set(checked["indicator_code"]) >= {"DRUG-T", "BV128"}, checked
    assert (checked["value"] == checked["newest"]).all()
    assert (checked["value"] != checked["first"]).all()


def test_completeness_counts_follow_publication_lags(demo: Engine) -> None:
    built = department_return(demo, ADMIN, "HO", PERIOD, AS_AT)
    expected = expected_rows(demo, ("HO",)).join(
        current_values(demo).select("area_code", "indicator_code", "period", "value"),
        on=["area_code", "indicator_code", "period"],
        how="left",
    )
    lags = expected.select("period", "lag_months").unique()
    lags = lags.with_columns(
        available=pl.Series([add_months(p, int(n)) for p, n in lags.iter_rows()], dtype=pl.Date)
    )
    expected = expected.join(lags, on=["period", "lag_months"]).with_columns(
        state=pl.when(pl.col("value").is_not_null())
        .then(pl.lit("reported"))
        .when(pl.col("available") <= AS_AT)
        .then(pl.lit("missing"))
        .otherwise(pl.lit("not yet due"))
    )
    want = expected.group_by("area_code").agg(
        rows=pl.len().cast(pl.Int64),
        reported=(pl.col("state") == "reported").sum().cast(pl.Int64),
        missing=(pl.col("state") == "missing").sum().cast(pl.Int64),
        not_yet_due=(pl.col("state") == "not yet due").sum().cast(pl.Int64),
    )
    got = built.completeness().select("area_code", "rows", "reported", "missing", "not_yet_due")
    assert got.sort("area_code").equals(want.sort("area_code"))
    totals = want.select(pl.col("reported", "missing", "not_yet_due").sum()).row(0)
    assert all(t > 0 for t in totals)  # the demo has all three
    assert built.missing().height == totals[1]
    assert set(built.missing()["completeness"]) == {"missing"}
    assert set(built.completeness()["go_signoff"]) == {"not reviewed"}


def test_value_rag_and_expected_equal_the_status_export_for_the_latest_period(
    demo: Engine,
) -> None:
    table = department_return(demo, ADMIN, "HO", PERIOD, AS_AT).table()
    status = pl.concat(
        [status_export(demo, ADMIN, area, AS_AT) for area in sorted(set(table["area_code"]))]
    ).select(
        "area_code",
        "indicator_code",
        "latest_period",
        pl.col("latest_value").alias("status_value"),
        pl.col("expected_value").alias("status_expected"),
        pl.col("rag").alias("status_rag"),
    )
    joined = table.join(status, on=["area_code", "indicator_code"], how="left")
    assert joined.height == table.height
    latest = joined.filter(pl.col("period") == pl.col("latest_period"))
    assert latest.height > 200
    assert (latest["value"] == latest["status_value"]).all()
    assert latest["rag"].eq_missing(latest["status_rag"]).all()
    assert (latest["expected_value"] - latest["status_expected"]).abs().max() < 1e-9


def test_an_earlier_period_has_its_own_value_and_no_status(demo: Engine) -> None:
    """For a period before the latest, the row shows that period's value and the status it
    had on its own trajectory; a row without its period's value has no status (an earlier
    value's status is not this period's)."""
    june = date(2008, 6, 30)
    table = department_return(demo, ADMIN, "HO", june, AS_AT).table()
    monthly = table.filter(pl.col("indicator_code") == "DRUG-T")
    assert set(monthly["period"]) == {june}
    values = current_values(demo).filter(pl.col("indicator_code") == "DRUG-T")
    joined = monthly.join(values, on=["area_code", "indicator_code", "period"])
    assert joined.height == monthly.height > 0
    assert (joined["value"] == joined["value_right"]).all()
    assert monthly["rag"].is_not_null().all()
    assert table["rag"].is_null().equals(table["value"].is_null())  # June is all reported


def test_a_predecessor_s_lines_count_for_its_successor(demo: Engine) -> None:
    table = department_return(demo, ADMIN, "DCLG", PERIOD, AS_AT).table()
    expected = expected_rows(demo, ("DCLG", "ODPM"))
    odpm = expected_rows(demo, ("ODPM",))
    assert odpm.height > 0  # the demo addresses lines to ODPM
    assert keyed(table) == keyed(expected)
    assert keyed(odpm) <= keyed(table)
    assert set(table["department_code"]) == {"DCLG"}  # the code asked for


def test_a_split_department_gets_its_predecessor_s_lines_not_its_sibling_s(demo: Engine) -> None:
    """DfES split into DCSF and DIUS: DfES lines count for both, a DIUS line only for DIUS."""
    line = {"indicator_code": "L2-ADULT", "recipient_type": "department", "recipient_code": "DIUS",
            "return_name": "DIUS adult skills return", "frequency": "annual",
            "laa_status": "continues", "format": None, "due_days": 60}  # fmt: skip
    with db.write_transaction(demo) as conn:
        store.save_reporting_lines(conn, ADMIN, [line])
    try:
        dcsf = department_return(demo, ADMIN, "DCSF", PERIOD, AS_AT).table()
        dius = department_return(demo, ADMIN, "DIUS", PERIOD, AS_AT).table()
        dfes = expected_rows(demo, ("DfES",))
        assert dfes.height > 0
        assert keyed(dcsf) == keyed(expected_rows(demo, ("DCSF", "DfES")))
        assert keyed(dfes) <= keyed(dcsf)
        assert "DIUS adult skills return" not in set(dcsf["return_name"])
        assert keyed(dius) == keyed(expected_rows(demo, ("DIUS", "DfES")))
        assert "DIUS adult skills return" in set(dius["return_name"])
        assert set(dius["department_code"]) == {"DIUS"}
    finally:
        with db.write_transaction(demo) as conn:
            store.save_reporting_lines(conn, ADMIN, [], remove=[line])


def test_a_department_user_reads_only_its_own_returns(demo: Engine) -> None:
    home_office = Actor("ho-analyst", (Grant("department", department_code="HO"),))
    mine = department_return(demo, home_office, "HO", PERIOD, AS_AT).table()
    assert mine.equals(department_return(demo, ADMIN, "HO", PERIOD, AS_AT).table())
    with pytest.raises(AccessDenied):
        department_return(demo, home_office, "DH", PERIOD, AS_AT)


def test_a_go_user_s_return_covers_only_its_region(demo: Engine) -> None:
    go = Actor("goem", (Grant("go", region_code="GOEM"),))
    table = department_return(demo, go, "HO", PERIOD, AS_AT).table()
    expected = expected_rows(demo, ("HO",)).filter(pl.col("region_code") == "GOEM")
    assert expected.height > 0
    assert keyed(table) == keyed(expected)
    assert set(expected["area_code"]) < set(expected_rows(demo, ("HO",))["area_code"])


def test_a_period_after_the_as_at_date_is_refused(demo: Engine) -> None:
    with pytest.raises(store.RuleViolation, match="after today"):
        department_return(demo, ADMIN, "HO", date(2008, 12, 31), AS_AT)
    with pytest.raises(store.RuleViolation, match="unknown department"):
        department_return(demo, ADMIN, "XYZ", PERIOD, AS_AT)


# Each (frequency, period basis) of the demo framework, and the period a return dated
# 15 October 2008 takes for it (the calendar written out by hand).
ON = date(2008, 10, 15)
HAND_CALENDAR = {
    ("monthly", "financial"): date(2008, 9, 30),
    ("quarterly", "financial"): date(2008, 9, 30),
    ("quarterly", "rolling_12_months"): date(2008, 9, 30),
    ("termly", "financial"): date(2008, 8, 31),  # the summer term
    ("annual", "financial"): date(2008, 3, 31),
    ("annual", "academic"): date(2008, 8, 31),
    ("annual", "calendar"): date(2007, 12, 31),
    ("annual", "three_year_pooled"): date(2007, 12, 31),
}


def test_every_frequency_gives_one_period_per_area(demo: Engine) -> None:
    indicators = sql(demo, "SELECT code AS indicator_code, frequency, period_basis FROM indicator")
    departments = sql(
        demo,
        "SELECT DISTINCT recipient_code FROM reporting_line WHERE recipient_type = 'department'",
    )["recipient_code"].to_list()
    seen: set[tuple[str, str]] = set()
    for department in departments:
        table = department_return(demo, ADMIN, department, ON, AS_AT).table()
        assert table.select(KEY).is_duplicated().sum() == 0, department
        rows = table.join(indicators, on="indicator_code")
        fixed = rows.filter(pl.col("frequency").is_in(["biennial", "triennial"]).not_())
        for (frequency, basis), group in fixed.group_by("frequency", "period_basis"):
            assert set(group["period"]) == {HAND_CALENDAR[(frequency, basis)]}, (
                department,
                frequency,
                basis,
            )
            seen.add((frequency, basis))
        surveys = rows.filter(pl.col("frequency").is_in(["biennial", "triennial"]))
        want = expected_rows(demo, (department,), on=ON).filter(
            pl.col("frequency").is_in(["biennial", "triennial"])
        )
        assert (
            surveys.join(want, on=KEY).filter(pl.col("period") != pl.col("period_right")).is_empty()
        )
    assert {("monthly", "financial"), ("annual", "academic"), ("termly", "financial"),
            ("annual", "financial"), ("annual", "calendar")} <= seen  # fmt: skip


def test_csv_and_excel_bytes(demo: Engine) -> None:
    built = department_return(demo, ADMIN, "HO", PERIOD, AS_AT)
    rows = list(csv.reader(io.StringIO(built.csv_bytes().decode("utf-8"))))
    assert tuple(rows[0]) == RETURN_COLUMNS
    assert len(rows) - 1 == built.rows.height
    workbook = pl.read_excel(io.BytesIO(built.excel_bytes()), sheet_name="Return")
    assert workbook.height == built.rows.height
    assert workbook.columns[: len(RETURN_COLUMNS)] == list(RETURN_COLUMNS)


def test_due_and_overdue_are_one_rule_in_returns_my_updates_and_the_overview(
    demo: Engine,
) -> None:
    """D17's monthly DRUG-T for September 2008 (lag 2 months) fell due on 30 November: due,
    not 41 days overdue (the return's own due days are its deadline, not the rule)."""
    from dashboard.analysis import assess_areas
    from dashboard.entry import entry_grid
    from dashboard.metrics.due import only_due, overdue_by_partnership

    built = department_return(demo, ADMIN, "HO", PERIOD, AS_AT, area_codes=["D17"])
    result = assess_areas(demo, ADMIN, ["D17"], AS_AT)
    drug = built.rows.filter(pl.col("indicator_code") == "DRUG-T").unique("period")
    assert drug.select("period", "value", "due_date", "due_state", "days_late").row(0) == (
        PERIOD, None, AS_AT, "due", 0,
    )  # fmt: skip
    owed = built.missing().select("indicator_code", "period", "due_state").unique()
    updates = (
        entry_grid(result, ADMIN)
        .select("indicator_code", "period", "state")
        .join(owed.select("indicator_code", "period"), on=["indicator_code", "period"])
    )
    assert owed.height > 0
    assert (
        owed.sort("indicator_code")
        .rename({"due_state": "state"})
        .equals(updates.sort("indicator_code"))
    )
    due_dates = result.missing.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).select("indicator_code", "period", "due_date")
    rows = built.missing().select("indicator_code", "period", "due_date").unique()
    assert rows.join(due_dates, on=["indicator_code", "period"], how="anti").is_empty()
    # The overview counts the same due and overdue values as My updates.
    overview = overdue_by_partnership(result.scope.targets, only_due(result.missing))
    grid = entry_grid(result, ADMIN)
    assert overview["due_values"].sum() == grid.filter(pl.col("state") != "open").height
    assert overview["overdue_targets"].sum() == (
        grid.filter(pl.col("state") == "overdue")["indicator_code"].n_unique()
    )


def test_a_cumulative_target_s_row_carries_the_period_value_and_the_running_total(
    demo: Engine,
) -> None:
    """Skills for Life learners is a three-year total: the row has the year's own value and
    the total since the agreement start; its target, expected value and status are of the
    total (the status export's latest value), and it says so."""
    built = department_return(demo, ADMIN, "DfES", PERIOD, AS_AT).table()
    starts = {a.code: COHORTS[a.cohort][0] for a in AREAS if a.skills_stretch}
    assert {"D07", "D11", "D15"} <= set(starts)  # the demo's cumulative targets
    cumulative = pl.col("area_code").is_in(list(starts)) & (pl.col("indicator_code") == "SFL")
    sfl = built.filter(cumulative).unique(["area_code"])
    assert sfl.height == len(starts) and set(sfl["assessed_on"]) == {"running_total"}
    values = current_values(demo).filter(pl.col("indicator_code") == "SFL")
    status = pl.concat([status_export(demo, ADMIN, a, AS_AT) for a in sfl["area_code"]])
    for row in sfl.iter_rows(named=True):
        own = values.filter(pl.col("area_code") == row["area_code"])
        assert row["value"] == own.filter(pl.col("period") == row["period"])["value"].item()
        s = status.filter(
            (pl.col("area_code") == row["area_code"]) & (pl.col("indicator_code") == "SFL")
        ).row(0, named=True)
        since = own.filter(pl.col("period").is_between(starts[row["area_code"]], row["period"]))
        assert row["running_total"] == since["value"].sum() == s["latest_value"]
        assert row["expected_value"] == pytest.approx(s["expected_value"])
        assert row["rag"] == s["rag"] is not None
    # the 2007 agreements (D15, ...) are in their first year: the total is the year's value
    second_year = sum(s < date(2007, 4, 1) for s in starts.values())
    assert second_year == 2 and (sfl["running_total"] > sfl["value"]).sum() == second_year
    level = built.filter(~cumulative)
    assert level["running_total"].is_null().all() and set(level["assessed_on"]) == {"value"}
