"""The `laa` command line, driven in-process through Click's CliRunner.

Each test gets a fresh migrated database (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set) with DATABASE_URL pointing at it, so the CLI finds it exactly as a user's shell would.
Exports must write CSV, and only CSV, to stdout; every message goes to stderr.
"""

from __future__ import annotations

import csv
import getpass
import io
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel
from typer.testing import CliRunner

from dashboard import db, settings, store
from dashboard.cli import app
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AuditEvent,
    Block,
    Indicator,
    Region,
    Target,
    TargetVersion,
)
from tests.conftest import FIXTURES, FRAMEWORK_INDICATORS

WORKED = FIXTURES / "worked_example"
PROJECT = Path(__file__).resolve().parents[2]

REWARD_HEADER = (
    "area_code,indicator_code,polarity,baseline_value,without_reward_value,target_value,"
    "assessed_period,assessed_value,basis,achieved_fraction,paid_fraction,reward_share_gbp,"
    "reward_gbp"
)
STATUS_HEADER = (
    "area_code,block_code,partnership,indicator_code,is_reward,latest_period,latest_value,"
    "expected_value,rag,reward_status,direction,forecast_value,forecast_reward_gbp"
)
ROW_MESSAGE = re.compile(r"^row \d+, column [a-z_]+, value '.*': \S.*$")
SHARE = Fraction(5_000_000, 12)  # £200m net budget x 2.5%, split equally over 12 reward targets

runner = CliRunner()


# ------------------------------------------------------------------------------------ helpers


def run(*args: str | Path, code: int = 0):  # type: ignore[no-untyped-def]
    """Invoke `laa ARGS` in-process and check its exit code (showing stderr if it differs)."""
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (
        f"laa {' '.join(map(str, args))} exited {result.exit_code}, expected {code}\n"
        f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}\nexception: {result.exception!r}"
    )
    return result


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean nothing was written."""
    with engine.connect() as conn:
        return {
            table.name: sorted((tuple(r) for r in conn.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def count(engine: Engine, model: type[SQLModel]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def load_worked_example() -> None:
    for kind, path in [
        ("indicators", FRAMEWORK_INDICATORS),
        ("areas", WORKED / "areas.csv"),
        ("targets", WORKED / "targets.csv"),
        ("actuals", WORKED / "actuals.csv"),
    ]:
        run("import", kind, path)


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body), text
    return header, [dict(zip(header, r, strict=True)) for r in body]


def by_indicator(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["indicator_code"]: r for r in rows}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def penny(x: Fraction) -> str:
    """Half-up to the penny, as the exports write money."""
    units = math.floor(abs(x) * 100 + Fraction(1, 2))
    return f"{'-' if x < 0 else ''}{units // 100}.{units % 100:02d}"


@pytest.fixture
def eng(engine: Engine) -> Iterator[Engine]:
    """The test database; the CLI's own engine (from DATABASE_URL) must point at it too."""
    cli_engine = db.get_engine()
    assert cli_engine.url.render_as_string(hide_password=False) == engine.url.render_as_string(
        hide_password=False
    )
    yield engine
    cli_engine.dispose()


@pytest.fixture
def loaded(eng: Engine) -> Engine:
    load_worked_example()
    return eng


# ---------------------------------------------------------------------------------- db upgrade


def test_db_upgrade_is_idempotent(eng: Engine) -> None:
    before = snapshot(eng)
    assert len(before["region"]) == 9 and len(before["block"]) == 4
    for _ in range(2):
        result = run("db", "upgrade")
        assert result.stdout == ""
        url = eng.url.render_as_string(hide_password=True)
        assert result.stderr == f"database is up to date: {url}\n"
        assert snapshot(eng) == before  # reference lists are not added twice


def test_db_upgrade_creates_a_new_sqlite_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    db.dispose_all()
    try:
        assert not (tmp_path / "fresh.db").exists()
        run("db", "upgrade")
        engine = db.get_engine()
        assert str(engine.url) == url
        counts = {m.__name__: count(engine, m) for m in (Region, Block, Area, Indicator)}
        assert counts == {"Region": 9, "Block": 4, "Area": 0, "Indicator": 0}
        before = snapshot(engine)
        run("db", "upgrade")
        assert snapshot(engine) == before
    finally:
        db.get_engine().dispose()
        db.dispose_all()
        settings.get_settings.cache_clear()


# -------------------------------------------------------------------------------------- import


def test_import_the_worked_example(eng: Engine) -> None:
    expected = [
        ("indicators", FRAMEWORK_INDICATORS, 40),
        ("areas", WORKED / "areas.csv", 1),
        ("targets", WORKED / "targets.csv", 13),
        ("actuals", WORKED / "actuals.csv", 18),
    ]
    for kind, path, n in expected:
        result = run("import", kind, path)
        assert result.stdout == ""
        assert result.stderr == f"{path}: {n} rows; added {n}, updated 0, unchanged 0\n"
    assert [count(eng, m) for m in (Indicator, Area, Agreement, Target, ActualRevision)] == [
        40,
        1,
        1,
        13,
        18,
    ]
    scope = store.load_scope(eng, store.cli_actor(), ["X01"])
    assert scope.targets["is_reward"].sum() == 12
    assert scope.agreements.select("agreement_start", "agreement_end", "status").row(0) == (
        date(2005, 4, 1),
        date(2008, 3, 31),
        "draft",
    )


def test_reimporting_unchanged_files_writes_nothing(loaded: Engine) -> None:
    before = snapshot(loaded)
    result = run("import", "actuals", WORKED / "actuals.csv")
    assert result.stdout == ""
    assert result.stderr == (
        f"{WORKED / 'actuals.csv'}: 18 rows, nothing changed (nothing was written)\n"
    )
    run("import", "targets", WORKED / "targets.csv")
    assert snapshot(loaded) == before


def test_dry_run_reports_and_writes_nothing(eng: Engine, tmp_path: Path) -> None:
    result = run("import", "indicators", FRAMEWORK_INDICATORS, "--dry-run")
    assert result.stdout == ""
    assert result.stderr == (
        f"{FRAMEWORK_INDICATORS}: 40 rows; would add 40, would update 0, unchanged 0 "
        "(dry run: nothing was written)\n"
    )
    assert count(eng, Indicator) == 0

    load_worked_example()
    before = snapshot(eng)
    fix = write(
        tmp_path,
        "fix.csv",
        "area_code,indicator_code,period,value\nX01,NEET,2008-03-31,7.0\nX01,SPORT,2008-03-31,24.0\n",
    )
    result = run("import", "actuals", fix, "--dry-run")
    assert result.stderr == (
        f"{fix}: 2 rows; would add 1, would update 0, unchanged 1 (dry run: nothing was written)\n"
    )
    assert snapshot(eng) == before
    # the same file without --dry-run does write
    assert (
        run("import", "actuals", fix).stderr == f"{fix}: 2 rows; added 1, updated 0, unchanged 1\n"
    )
    assert count(eng, ActualRevision) == 19


def test_malformed_file_is_refused_row_by_row(loaded: Engine, tmp_path: Path) -> None:
    before = snapshot(loaded)
    bad = write(
        tmp_path,
        "bad.csv",
        "area_code,indicator_code,period,value\n"
        "X01,NEET,2008-03-31,7.0\n"  # 2: fine on its own (a real change)
        "X01,NEET,2008-03-31,7.1\n"  # 3: same key as row 2
        "ZZ9,NEET,2008-03-31,7.0\n"  # 4: unknown area
        "X01,SPORT,2007-02-30,7.0\n"  # 5: no such day
        'X01,SPORT,2007-03-31,"1,5"\n'  # 6: decimal comma
        "X01,SPORT,2006-03-31,\n"  # 7: empty value
        "X01,SPORT,2005-03-31,1e400\n",  # 8: overflows to infinity
    )
    result = run("import", "actuals", bad, code=1)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        f"{bad}: refused, nothing was written (6 problems)",
        "row 3, column period, value '2008-03-31': duplicate of row 2 "
        "(area_code, indicator_code, period must be unique in a file)",
        "row 4, column area_code, value 'ZZ9': is not a known area code",
        "row 5, column period, value '2007-02-30': is not a date (YYYY-MM-DD, the period's end)",
        "row 6, column value, value '1,5': is not a number "
        "(use '.' as the decimal point, no thousands separators)",
        "row 7, column value, value '': a value is required",
        "row 8, column value, value '1e400': is not a finite number",
    ]
    assert all(ROW_MESSAGE.match(line) for line in lines[1:])
    assert snapshot(loaded) == before


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (
            "areas",
            "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
            "agreement_start,agreement_end\n"
            "X02,Second Borough,GOWM,unitary,1000,5000000,2006-04-01,2009-03-31\n"
            "X09,Nowhere,GOXX,unitary,1000,5000000,2006-04-01,2009-03-31\n",
            "row 3, column region_code, value 'GOXX': is not a known Government Office region code",
        ),
        (
            "areas",
            "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
            "agreement_start,agreement_end\n"
            "X02,Second Borough,GOWM,unitary,1000,5000000,2009-04-01,2006-03-31\n",
            "row 2, column agreement_end, value '2006-03-31': must be after agreement_start",
        ),
        (
            "indicators",
            "indicator_code,name,block_code,unit,polarity,decimals,frequency,data_source,"
            "department_code,outcome_type\n"
            "NEW1,A new indicator,CYP,%,sideways,1,annual,survey,DfES,local\n",
            "row 2, column polarity, value 'sideways': is not a known polarity "
            "(expected one of: higher, lower)",
        ),
        (
            "targets",
            "area_code,indicator_code,partnership,baseline_period,baseline_value,target_period,"
            "target_value\n"
            "X01,BV199a,Environment Partnership,2005-03-31,18.0,2004-03-31,12.0\n",
            "row 2, column target_period, value '2004-03-31': must be after baseline_period",
        ),
        (
            "actuals",
            "area_code,indicator_code,period,value\nX01,NOPE,2008-03-31,7.0\n",
            "row 2, column indicator_code, value 'NOPE': is not a known indicator code",
        ),
    ],
    ids=["areas-region", "areas-dates", "indicators-polarity", "targets-periods", "actuals-code"],
)
def test_each_kind_refuses_a_bad_row(
    loaded: Engine, tmp_path: Path, kind: str, text: str, message: str
) -> None:
    path = write(tmp_path, f"{kind}.csv", text)
    before = snapshot(loaded)
    result = run("import", kind, path, code=1)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: refused, nothing was written (1 problem)",
        message,
    ]
    assert snapshot(loaded) == before


def test_missing_columns_are_named(eng: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "area_code,colour\nX01,red\n")
    result = run("import", "areas", path, code=1)
    lines = result.stderr.splitlines()
    assert "column area_name: required column is missing" in lines
    assert "column colour: unknown column" in lines
    assert count(eng, Area) == 0


def test_missing_file_exits_2(eng: Engine, tmp_path: Path) -> None:
    before = snapshot(eng)
    missing = tmp_path / "nope.csv"
    result = run("import", "actuals", missing, code=2)
    assert result.stdout == ""
    assert result.stderr == f"{missing}: no such file\n"
    run("import", "actuals", code=2)  # no FILE argument at all: a usage error
    assert snapshot(eng) == before


# ---------------------------------------------------------------------------- agreement sign


def test_signed_agreement_freezes_reward_figures(loaded: Engine, tmp_path: Path) -> None:
    result = run("agreement", "sign", "--area", "X01", "--date", "2005-03-20")
    assert result.stdout == ""
    assert result.stderr == "the agreement of X01 is signed (2005-03-20)\n"
    areas = store.list_areas(loaded, store.cli_actor())
    assert areas.select("area_code", "agreement_status").rows() == [("X01", "signed")]
    sign = store.audit_frame(loaded, store.cli_actor(), "X01").filter(
        pl.col("action") == "agreement:sign"
    )
    assert sign.select("before", "after", "reason").rows() == [
        ("draft", "signed", "signed on 2005-03-20 with 12 reward targets")
    ]

    original = (WORKED / "targets.csv").read_text(encoding="utf-8")
    neet = "X01,NEET,Children's Trust,2005-03-31,8.6,2008-03-31,6.8,8.2,"
    assert original.count(neet) == 1
    changed = write(tmp_path, "targets.csv", original.replace(neet, neet.replace(",6.8,", ",6.5,")))
    before = snapshot(loaded)
    for extra in ([], ["--dry-run"]):
        result = run("import", "targets", changed, *extra, code=1)
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == f"{changed}: refused, nothing was written (1 problem)"
        assert lines[1] == (
            "row 6, column target_value, value '6.5': was '6.8' and cannot change "
            f"({store.FROZEN_RULE})"
        )
        assert "stretched targets cannot be refreshed" in result.stderr
        assert ROW_MESSAGE.match(lines[1])
    assert snapshot(loaded) == before

    # an ordinary (non-reward) target of the signed agreement may still change
    bv199 = "X01,BV199a,Environment Partnership,2005-03-31,18.0,2008-03-31,12.0,"
    ordinary = write(
        tmp_path, "ordinary.csv", original.replace(bv199, bv199.replace("12.0", "11.0"))
    )
    result = run("import", "targets", ordinary)
    assert result.stderr == f"{ordinary}: 13 rows; added 0, updated 1, unchanged 12\n"
    assert count(loaded, TargetVersion) == 14


def test_signing_twice_is_refused(loaded: Engine) -> None:
    run("agreement", "sign", "--area", "X01", "--date", "2005-03-20")
    before = snapshot(loaded)
    result = run("agreement", "sign", "--area", "X01", "--date", "2005-03-25", code=1)
    assert result.stdout == ""
    assert result.stderr == "the agreement of X01 was already signed on 2005-03-20\n"
    assert snapshot(loaded) == before
    signed_date = store.load_scope(loaded, store.cli_actor(), ["X01"]).agreements["signed_date"]
    assert signed_date.to_list() == [date(2005, 3, 20)]


def test_sign_refuses_unknown_area_and_bad_date(loaded: Engine) -> None:
    before = snapshot(loaded)
    result = run("agreement", "sign", "--area", "ZZ9", "--date", "2005-03-20", code=1)
    assert result.stderr == "area ZZ9 has no agreement\n"
    result = run("agreement", "sign", "--area", "X01", "--date", "2005-02-30", code=2)
    assert result.stderr == "--date: '2005-02-30' is not a date (YYYY-MM-DD)\n"
    assert snapshot(loaded) == before


# -------------------------------------------------------------------------------------- export


def test_export_reward_is_csv_on_stdout_only(loaded: Engine) -> None:
    result = run("export", "reward", "--area", "X01", "--as-at", "2008-11-30")
    assert result.stderr == ""
    assert result.stdout.splitlines()[0] == REWARD_HEADER
    header, rows = parse_csv(result.stdout)
    assert ",".join(header) == REWARD_HEADER
    assert len(rows) == 12  # the reward targets; BV199a is an ordinary target
    assert [r["indicator_code"] for r in rows] == sorted(r["indicator_code"] for r in rows)
    rows_by = by_indicator(rows)
    assert "BV199a" not in rows_by

    # the worked example of DOMAIN §5, to the penny: (W, S, A) and the reward
    worked = {
        "BV82ab": ("30.0", "36.0", "34.4", "305555.56"),
        "BV128": ("13.0", "11.5", "12.2", "0.00"),
        "BV126": ("13.0", "11.5", "12.1", "250000.00"),
        "SMOK-Q": ("4200", "5000", "5300", "416666.67"),  # cumulative: 1700 + 1800 + 1800
        "NEET": ("8.2", "6.8", "7.3", "267857.14"),
        "SPORT": ("21.0", "24.0", "24.0", "416666.67"),
    }
    for code, (w, s, a, reward) in worked.items():
        row = rows_by[code]
        assert row["basis"] == "actual", code
        assert row["assessed_period"] == "2008-03-31"
        assert Decimal(row["without_reward_value"]) == Decimal(w)
        assert Decimal(row["target_value"]) == Decimal(s)
        assert Decimal(row["assessed_value"]) == Decimal(a)
        assert row["reward_share_gbp"] == "416666.67" == penny(SHARE)
        assert row["reward_gbp"] == reward, code
        # fractions: at least 6 decimals, within half a unit of the last place of the exact value
        achieved = Fraction(Decimal(a) - Decimal(w)) / Fraction(Decimal(s) - Decimal(w))
        paid = Fraction(0) if achieved < Fraction(3, 5) else min(achieved, Fraction(1))
        for column, exact in (("achieved_fraction", achieved), ("paid_fraction", paid)):
            text = row[column]
            places = len(text.partition(".")[2])
            assert places >= 6, (code, column, text)
            assert abs(Fraction(Decimal(text)) - exact) <= Fraction(1, 2 * 10**places), (code, text)
        assert penny(SHARE * paid) == reward, code

    # exactly 60% qualifies: decided in decimals, not binary floating point
    assert Decimal(rows_by["BV126"]["achieved_fraction"]) == Decimal("0.6")
    assert Decimal(rows_by["BV126"]["paid_fraction"]) == Decimal("0.6")
    assert Decimal(rows_by["BV128"]["paid_fraction"]) == 0
    assert Decimal(rows_by["SMOK-Q"]["achieved_fraction"]) == Decimal("1.375")
    assert Decimal(rows_by["SMOK-Q"]["paid_fraction"]) == 1

    # the six reward targets without any actual: no basis, no fraction, no reward
    others = set(rows_by) - set(worked)
    assert others == {"BV38", "BV49", "BV127a", "MORT", "BV54", "TP-U18"}
    for code in others:
        row = rows_by[code]
        assert (row["basis"], row["assessed_value"], row["achieved_fraction"]) == ("none", "", "")
        assert (row["paid_fraction"], row["reward_gbp"]) == ("", "")
        assert row["reward_share_gbp"] == "416666.67"
    assert rows_by["BV38"]["assessed_period"] == "2007-08-31"  # an academic-year target
    total = sum(Decimal(r["reward_gbp"]) for r in rows if r["reward_gbp"])
    assert total == Decimal("1656746.04")


def test_export_reward_respects_as_at(loaded: Engine) -> None:
    """Before the 2008 actuals exist there are two actuals per target: no actual, no forecast."""
    result = run("export", "reward", "--area", "X01", "--as-at", "2007-06-30")
    _, rows = parse_csv(result.stdout)
    assert len(rows) == 12
    assert {r["basis"] for r in rows} == {"none"}
    assert {r["reward_gbp"] for r in rows} == {""}


def test_export_writes_a_file_with_o(loaded: Engine, tmp_path: Path) -> None:
    expected = run("export", "reward", "--area", "X01", "--as-at", "2008-11-30").stdout
    out = tmp_path / "reward.csv"
    result = run("export", "reward", "--area", "X01", "--as-at", "2008-11-30", "-o", out)
    assert result.stdout == ""
    assert result.stderr == f"wrote 12 rows to {out}\n"
    assert out.read_text(encoding="utf-8") == expected
    out2 = tmp_path / "status.csv"
    result = run("export", "status", "--area", "X01", "--output", out2)
    assert result.stdout == ""
    assert result.stderr == f"wrote 13 rows to {out2}\n"
    assert out2.read_text(encoding="utf-8").splitlines()[0] == STATUS_HEADER


def test_export_status_follows_the_rules(loaded: Engine) -> None:
    result = run("export", "status", "--area", "X01", "--as-at", "2008-11-30")
    assert result.stderr == ""
    header, rows = parse_csv(result.stdout)
    assert ",".join(header) == STATUS_HEADER
    assert len(rows) == 13
    order = [(r["block_code"], r["indicator_code"]) for r in rows]
    assert order == sorted(order)
    s = by_indicator(rows)

    def cols(code: str, *names: str) -> tuple[str, ...]:
        return tuple(s[code][n] for n in names)

    statuses = ("rag", "reward_status", "direction")
    # NEET (lower is better): 7.3 against the target 6.8 for the target period; gap
    # 0.5 / 1.8 = 0.28 > 0.10 and the forecast misses 6.8 -> red; achieved 64% -> amber;
    # 7.6 -> 7.3 moved 0.3 the good way, more than 2% of 1.8 -> improving
    assert cols("NEET", "latest_period", "latest_value", "expected_value") == (
        "2008-03-31",
        "7.3",
        "6.8",
    )
    assert cols("NEET", *statuses) == ("red", "amber", "improving")
    # SPORT: exactly on target -> gap 0 -> green; achieved 100% -> green
    assert cols("SPORT", *statuses) == ("green", "green", "improving")
    # SMOK-Q is cumulative: the running total 5300 against 5000; period amounts 1800 -> 1800
    assert cols("SMOK-Q", "latest_value", "expected_value") == ("5300.0", "5000.0")
    assert cols("SMOK-Q", *statuses) == ("green", "green", "steady")
    # BV126 exactly 60% achieved -> amber reward status; BV128 53% -> red
    assert cols("BV126", "rag", "reward_status") == ("red", "amber")
    assert cols("BV128", "rag", "reward_status") == ("red", "red")
    assert cols("BV82ab", "rag", "reward_status") == ("red", "amber")
    # reward targets with no actuals: no RAG ("no data"), no direction, no forecast
    for code in ("BV38", "BV49", "BV127a", "MORT", "BV54", "TP-U18"):
        assert s[code]["is_reward"] == "true"
        assert cols(code, "latest_period", "latest_value", "rag", "direction") == ("",) * 4
        assert cols(code, "reward_status", "forecast_value", "forecast_reward_gbp") == ("",) * 3
    # the ordinary target: no reward status, no forecast reward
    assert s["BV199a"]["is_reward"] == "false"
    assert cols("BV199a", "partnership", "block_code") == ("Environment Partnership", "SSC")
    assert cols("BV199a", "rag", "reward_status", "forecast_reward_gbp") == ("", "", "")

    # the forecast: least squares of value on period-end date, at the target period
    days = [date(2006, 3, 31).toordinal(), date(2007, 3, 31).toordinal()]
    days.append(date(2008, 3, 31).toordinal())
    slope, intercept = np.polyfit(days, [8.0, 7.6, 7.3], 1)
    forecast = float(s["NEET"]["forecast_value"])
    assert forecast == pytest.approx(slope * days[-1] + intercept, abs=1e-9)
    achieved = (Fraction(Decimal(s["NEET"]["forecast_value"])) - Fraction("8.2")) / (
        Fraction("6.8") - Fraction("8.2")
    )
    assert Fraction(3, 5) <= achieved < 1
    assert s["NEET"]["forecast_reward_gbp"] == penny(SHARE * achieved) == "272858.11"
    assert s["BV128"]["forecast_reward_gbp"] == "0.00"  # forecast 12.18: below 60%


def test_export_status_as_at_and_the_business_date(loaded: Engine) -> None:
    """At 2007-06-30 the latest actuals are for 2007-03-31 and there are only two of them."""
    result = run("export", "status", "--area", "X01", "--as-at", "2007-06-30")
    s = by_indicator(parse_csv(result.stdout)[1])
    # BV82ab has a milestone of 33.0 at 2007-03-31: 32.8 is 0.2 / 8 = 2.5% behind -> amber
    assert (s["BV82ab"]["latest_value"], s["BV82ab"]["expected_value"]) == ("32.8", "33.0")
    assert (s["BV82ab"]["rag"], s["BV82ab"]["direction"]) == ("amber", "improving")
    # NEET: expected 8.6 - 1.8 * 730 / 1096 (linear by days); 7.6 is 11% behind -> red
    assert float(s["NEET"]["expected_value"]) == pytest.approx(8.6 - 1.8 * 730 / 1096)
    assert s["NEET"]["rag"] == "red"
    # SPORT: expected 20 + 4 * 730 / 1096 = 22.66; 22.8 is ahead -> green
    assert float(s["SPORT"]["expected_value"]) == pytest.approx(20 + 4 * 730 / 1096)
    assert s["SPORT"]["rag"] == "green"
    # two actuals: a direction, but no forecast and (no target-period actual) no reward status
    for row in s.values():
        assert row["forecast_value"] == row["forecast_reward_gbp"] == row["reward_status"] == ""
        assert row["latest_period"] in ("", "2007-03-31")

    # without --as-at the export uses the app's business date (the `today` setting)
    store.set_setting(loaded, store.cli_actor("tester"), "today", "2007-06-30")
    assert run("export", "status", "--area", "X01").stdout == result.stdout


def test_export_area_without_targets_is_just_the_header(loaded: Engine, tmp_path: Path) -> None:
    areas = write(
        tmp_path,
        "areas.csv",
        "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
        "agreement_start,agreement_end\n"
        "X02,Second Borough,GOEE,county,500000,300000000,2006-04-01,2009-03-31\n",
    )
    run("import", "areas", areas)
    assert run("export", "reward", "--area", "X02").stdout.splitlines() == [REWARD_HEADER]
    assert run("export", "status", "--area", "X02").stdout.splitlines() == [STATUS_HEADER]


@pytest.mark.parametrize("kind", ["reward", "status"])
def test_export_unknown_area_or_bad_date(loaded: Engine, kind: str) -> None:
    result = run("export", kind, "--area", "ZZ9", code=2)
    assert result.stdout == ""
    assert result.stderr == "--area: 'ZZ9' is not a known area code\n"
    result = run("export", kind, "--area", "X01", "--as-at", "2008-02-30", code=2)
    assert result.stdout == ""
    assert result.stderr == "--as-at: '2008-02-30' is not a date (YYYY-MM-DD)\n"


# ---------------------------------------------------------------------------------------- seed


def test_seed_demo_if_empty(eng: Engine) -> None:
    from seed_data import demo

    result = run("seed", "demo", "--if-empty")
    assert result.stdout == ""
    assert result.stderr.startswith("demo data added: ")
    areas = store.list_areas(eng, store.cli_actor())
    assert areas.height == len(demo.AREAS)
    assert areas["region_code"].n_unique() == 9
    assert set(areas["agreement_status"]) == {"signed"}
    assert store.get_setting(eng, "today") == demo.DEMO_TODAY.isoformat() == "2008-11-30"
    assert store.is_demo(eng)
    audit = store.audit_frame(eng, store.cli_actor())
    # The loader is the CLI user; the demo's values are audited as the people who reported them.
    assert f"cli:{getpass.getuser()}" in set(audit["user"])
    reported = audit.filter(pl.col("action") == "value")["user"]
    assert reported.str.ends_with(".example").all()

    before = snapshot(eng)
    result = run("seed", "demo", "--if-empty")
    assert result.stderr == "the database already has areas: demo data not added\n"
    result = run("seed", "demo", code=1)
    assert result.stderr == "the database already has areas: seed the demo into an empty database\n"
    assert snapshot(eng) == before

    # the demo is usable straight away: an export at the demo's business date
    code = areas["area_code"][0]
    reward_targets = store.load_scope(eng, store.cli_actor(), [code]).targets
    header, rows = parse_csv(run("export", "reward", "--area", code).stdout)
    assert ",".join(header) == REWARD_HEADER
    assert len(rows) == reward_targets["is_reward"].sum() > 0
    assert {r["area_code"] for r in rows} == {code}
    assert {r["basis"] for r in rows} <= {"actual", "forecast", "none", "invalid"}
    assert all(re.fullmatch(r"\d+\.\d\d", r["reward_share_gbp"]) for r in rows)


def test_seed_demo_if_empty_leaves_a_database_with_areas_alone(loaded: Engine) -> None:
    before = snapshot(loaded)
    result = run("seed", "demo", "--if-empty")
    assert result.stdout == ""
    assert result.stderr == "the database already has areas: demo data not added\n"
    assert snapshot(loaded) == before


# --------------------------------------------------------------------------------------- audit


def add_user(username: str, role: str = "admin", *scope: str) -> None:
    """A user with one grant, added by the operator (no --as)."""
    run("user", "add", username, "--password", "a-long-password")
    run("user", "grant", username, role, *scope)


def test_as_records_the_audit_user(eng: Engine) -> None:
    run("import", "indicators", FRAMEWORK_INDICATORS)
    add_user("alice")
    add_user("bob")
    run("--as", "alice", "import", "areas", WORKED / "areas.csv")
    run("--as", "alice", "import", "targets", WORKED / "targets.csv")
    run("--as", "bob", "agreement", "sign", "--area", "X01", "--date", "2005-03-20")
    run("import", "actuals", WORKED / "actuals.csv")

    default_user = f"cli:{getpass.getuser()}"
    audit = store.audit_frame(eng, store.cli_actor())
    users = dict(
        audit.group_by("user").agg(pl.col("action").unique().sort()).iter_rows()
    )  # user -> actions
    assert set(users) == {default_user, "alice", "bob"}
    assert "indicator:create" in users[default_user] and "value" in users[default_user]
    assert {"area:create", "agreement:create", "target:create"} <= set(users["alice"])
    assert not any(a.startswith(("indicator", "value")) for a in users["alice"])
    assert users["bob"] == ["agreement:sign"]
    assert audit.filter(pl.col("action") == "indicator:create").height == 40
    assert set(audit.filter(pl.col("action") == "value")["user"]) == {default_user}

    # the revisions and target versions carry the same names
    neet = store.actual_revisions(eng, store.cli_actor(), "X01", "NEET")
    assert set(neet["recorded_by"]) == {default_user}
    with eng.connect() as conn:
        assert set(conn.execute(select(TargetVersion.recorded_by)).scalars()) == {"alice"}


def test_default_audit_user_starts_with_cli(eng: Engine) -> None:
    run("import", "indicators", FRAMEWORK_INDICATORS)
    users = set(store.audit_frame(eng, store.cli_actor())["user"])
    assert len(users) == 1
    (user,) = users
    assert user.startswith("cli:") and len(user) > len("cli:")
    # a previous --as does not stick to the next command
    add_user("carol")
    run("--as", "carol", "import", "areas", WORKED / "areas.csv")
    run("import", "targets", WORKED / "targets.csv")
    last = store.audit_frame(eng, store.cli_actor()).tail(1)
    assert last["user"].to_list() == [user]
    assert count(eng, AuditEvent) > 40


# ---------------------------------------------------------------------------------- processes


def _subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(PROJECT)
    return env | extra


def test_python_m_dashboard_help(tmp_path: Path) -> None:
    for command in (
        [sys.executable, "-m", "dashboard"],
        [str(Path(sys.executable).parent / "laa")],
    ):
        done = subprocess.run(
            [*command, "--help"],
            cwd=tmp_path,  # works from any folder
            env=_subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        for group in ("db", "seed", "import", "agreement", "export"):
            assert re.search(rf"^\W*{group}\s", done.stdout, re.MULTILINE), (group, done.stdout)
        assert "--as" in done.stdout
        assert "operator" in done.stdout  # who it acts as without --as


EXPORT_X01 = ("export", "reward", "--area", "X01", "--as-at", "2008-11-30")


def test_export_in_a_real_process_writes_only_csv_to_stdout(loaded: Engine, tmp_path: Path) -> None:
    in_process = run(*EXPORT_X01).stdout
    url = loaded.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *EXPORT_X01],
        cwd=tmp_path,
        env=_subprocess_env(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == in_process
    header, rows = parse_csv(done.stdout)
    assert ",".join(header) == REWARD_HEADER and len(rows) == 12


# ------------------------------------------------------------- upward returns (issue 6)

RETURN_HEADER = (
    "department_code,return_name,area_code,indicator_code,period,value,status,data_quality,"
    "target_value,expected_value,rag,running_total,assessed_on"
)
REVIEW_HEADER = (
    "area_code,block_code,performance,progress,risk,targets,green,amber,red,"
    "reward_forecast_gbp,reward_maximum_gbp,exceptions,"
    "capacity_judgement,capacity_assessed_on,signoff_recommendation"
)


def test_export_return_and_review_on_the_demo(eng: Engine, tmp_path: Path) -> None:
    from dashboard.reports.returns import department_return
    from dashboard.reports.review import review_pack

    run("seed", "demo")
    today = store.business_today(eng)
    built = department_return(eng, store.cli_actor(), "HO", date(2008, 9, 30), today)
    result = run("export", "return", "--department", "HO", "--period", "2008-09-30")
    header, rows = parse_csv(result.stdout)
    assert result.stdout.splitlines()[0] == RETURN_HEADER == ",".join(header)
    assert len(rows) == built.rows.height > 100
    assert {r["department_code"] for r in rows} == {"HO"}
    done = built.rows["completeness"]
    assert result.stderr == (
        f"HO return, periods ending on or before 2008-09-30, as at {today}: "
        f"{built.rows.height} rows, {(done == 'reported').sum()} reported, "
        f"{(done == 'missing').sum()} missing, {(done == 'not yet due').sum()} not yet due\n"
    )
    assert any(r["value"] == "" for r in rows) and any(r["value"] for r in rows)

    out, book = tmp_path / "ho.csv", tmp_path / "ho.xlsx"
    quiet = run("export", "return", "--department", "HO", "--period", "2008-09-30", "-o", out)
    assert quiet.stdout == "" and out.read_text(encoding="utf-8") == result.stdout
    both = run("export", "return", "--department", "HO", "--period", "2008-09-30",
               "--as-at", str(today), "--xlsx", book)  # fmt: skip
    assert both.stdout == ""  # only a workbook was asked for
    assert pl.read_excel(book, sheet_name="Return").height == len(rows)
    run(
        "export",
        "return",
        "--department",
        "HO",
        "--period",
        "2008-09-30",
        "-o",
        tmp_path / "b.xlsx",
    )
    assert pl.read_excel(tmp_path / "b.xlsx", sheet_name="Return").height == len(rows)

    # A successor's return includes its predecessor's lines, under the code asked for.
    _, dclg = parse_csv(
        run("export", "return", "--department", "DCLG", "--period", "2008-09-30").stdout
    )
    assert dclg and {r["department_code"] for r in dclg} == {"DCLG"}

    pack = review_pack(eng, store.cli_actor(), "D10", date(2008, 9, 30))
    review = run("export", "review", "--area", "D10", "--period", "2008-09-30")
    header, blocks = parse_csv(review.stdout)
    assert review.stdout.splitlines()[0] == REVIEW_HEADER == ",".join(header)
    assert [b["block_code"] for b in blocks] == pack.table()["block_code"].to_list()
    # The GO's capacity judgement by the period (the March 2008 assessment), on every row.
    judged = {(b["capacity_judgement"], b["capacity_assessed_on"], b["signoff_recommendation"])
              for b in blocks}  # fmt: skip
    assert pack.capacity is not None and judged == {
        (pack.capacity["overall"], pack.capacity["assessed_on"].isoformat(),
         pack.capacity["recommendation"])
    }  # fmt: skip
    assert pack.capacity["assessed_on"].strftime("%Y-%m") == "2008-03"
    assert review.stderr.endswith(": not reviewed\n")
    signed = run("review", "signoff", "--area", "D10", "--period", "2008-11-30", "--note", "ok")
    assert signed.stderr == "D10: the review of the half-year ending 2008-09-30 is reviewed\n"
    again = run(
        "export", "review", "--area", "D10", "--period", "2008-11-30", "-o", tmp_path / "r.csv"
    )
    assert again.stdout == "" and "reviewed by cli:" in again.stderr
    run("review", "signoff", "--area", "D10", "--period", "2008-09-30", "--reopen")
    assert run("export", "review", "--area", "D10", "--period", "2008-11-30").stderr.endswith(
        ": not reviewed\n"
    )
    run("review", "signoff", "--area", "Z99", "--period", "2008-09-30", code=1)

    # Refusals: nothing on stdout, a clear message and exit code.
    for args, code, message in [
        (("--department", "XYZ", "--period", "2008-09-30"), 2,
         "--department: 'XYZ' is not a known department code\n"),
        (("--department", "HO", "--period", "2008-12-31"), 1,
         f"period 2008-12-31 is after today ({today}): its values do not exist yet\n"),
        (("--department", "HO", "--period", "2008-09-31"), 2,
         "--period: '2008-09-31' is not a date (YYYY-MM-DD)\n"),
    ]:  # fmt: skip
        refused = run("export", "return", *args, code=code)
        assert (refused.stdout, refused.stderr) == ("", message)
    refused = run("export", "review", "--area", "ZZ9", "--period", "2008-09-30", code=2)
    assert (refused.stdout, refused.stderr) == ("", "--area: 'ZZ9' is not a known area code\n")
    refused = run("export", "review", "--area", "D10", "--period", "2009-01-31", code=2)
    assert refused.stdout == "" and "after today" in refused.stderr


def test_import_reporting_lines(eng: Engine, tmp_path: Path) -> None:
    from data_models import ReportingLine

    run("import", "indicators", FRAMEWORK_INDICATORS)
    good = write(
        tmp_path,
        "lines.csv",
        "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status,due_days\n"
        "BV128,department,HO,iQuanta,monthly,continues,20\n"
        "BV128,go,GO,Fund quarterly monitoring,quarterly,replaced,30\n",
    )
    dry = run("import", "reporting-lines", good, "--dry-run")
    assert (
        dry.stderr
        == f"{good}: 2 rows; would add 2, would update 0, unchanged 0 (dry run: nothing was written)\n"
    )
    assert count(eng, ReportingLine) == 0
    assert (
        run("import", "reporting-lines", good).stderr
        == f"{good}: 2 rows; added 2, updated 0, unchanged 0\n"
    )
    assert count(eng, ReportingLine) == 2
    before = snapshot(eng)
    bad = write(
        tmp_path,
        "bad.csv",
        "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status\n"
        "BV128,department,HO,iQuanta,fortnightly,continues\n",
    )
    refused = run("import", "reporting-lines", bad, code=1)
    lines = refused.stderr.splitlines()
    assert lines[0] == f"{bad}: refused, nothing was written (1 problem)"
    assert lines[1].startswith(
        "row 2, column frequency, value 'fortnightly': is not a known frequency"
    )
    assert all(ROW_MESSAGE.match(m) for m in lines[1:])
    assert snapshot(eng) == before


# ------------------------------------------------- --as USER acts with that user's rights only


def test_as_an_unknown_user_exits_1_and_writes_nothing(loaded: Engine, tmp_path: Path) -> None:
    add_user("gone", "viewer", "--area", "X01")
    with loaded.begin() as conn:  # a disabled account is no more usable than a missing one
        from data_models.access import User

        conn.execute(User.__table__.update().where(User.username == "gone").values(is_active=False))
    before = snapshot(loaded)
    for name in ("ghost", "gone"):
        for args in (
            ("import", "targets", WORKED / "targets.csv"),
            ("import", "actuals", write(tmp_path, "a.csv", "area_code,indicator_code,period,"
                                        "value,status,data_quality,note\n"
                                        "X01,BV126,2008-03-31,11.0,final,checked,\n")),
            ("agreement", "sign", "--area", "X01", "--date", "2005-03-20"),
            ("user", "add", "eve", "--password", "a-long-password"),
            ("export", "audit"),
            ("export", "status", "--area", "X01"),
            ("db", "upgrade"),
            ("seed", "demo"),
        ):  # fmt: skip
            refused = run("--as", name, *args, code=1)
            assert (refused.stdout, refused.stderr) == (
                "",
                f"--as: '{name}' is not an active user of this database\n",
            ), args
    assert snapshot(loaded) == before
    log = (Path(settings.get_settings().log_dir) / "security.log").read_text(encoding="utf-8")
    assert "REFUSED user=ghost act through the command line (not an active user)" in log


def test_as_lead_has_the_leads_rights_and_is_recorded(loaded: Engine, tmp_path: Path) -> None:
    add_user("lead", "lead", "--area", "X01", "--partnership", "Safer Communities Partnership")
    before = snapshot(loaded)
    changed_targets = write(
        tmp_path, "t.csv", (WORKED / "targets.csv").read_text().replace("11.5,13.0", "11.0,13.0")
    )
    other_partnership = write(
        tmp_path, "env.csv", "area_code,indicator_code,period,value,status,data_quality,note\n"
        "X01,BV82ab,2008-03-31,35.0,final,checked,\n",
    )  # fmt: skip
    for args, message in [
        (("import", "targets", changed_targets), "refused: lead may not change targets"),
        (("import", "actuals", other_partnership), "refused: lead may not"),
        (("agreement", "sign", "--area", "X01", "--date", "2005-03-20"),
         "refused: lead may not sign agreements"),
        (("user", "add", "eve", "--password", "a-long-password"),
         "refused: only administrators manage users"),
        (("user", "grant", "lead", "admin"), "refused: only administrators manage users"),
        (("user", "list",), "refused: only administrators manage users"),
        (("export", "audit"), "refused: lead may not read the audit trail"),
        (("db", "upgrade"), "refused: lead may not upgrade the database"),
    ]:  # fmt: skip
        refused = run("--as", "lead", *args, code=1)
        assert refused.stdout == "" and refused.stderr.startswith(message), (args, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert snapshot(loaded) == before
    log = (Path(settings.get_settings().log_dir) / "security.log").read_text(encoding="utf-8")
    assert "REFUSED user=lead change targets" in log
    assert "REFUSED user=lead upgrade the database" in log

    # What a lead may do, it does, under its own name.
    own = write(
        tmp_path, "own.csv", "area_code,indicator_code,period,value,status,data_quality,note\n"
        "X01,BV126,2008-03-31,12.0,final,checked,corrected\n",
    )  # fmt: skip
    run("--as", "LEAD", "import", "actuals", own)  # names are matched as at sign-in
    last = store.audit_frame(loaded, store.cli_actor()).tail(1).row(0, named=True)
    assert (last["user"], last["indicator_code"], last["after"]) == ("lead", "BV126", "12")
    revisions = store.actual_revisions(loaded, store.cli_actor(), "X01", "BV126")
    assert revisions.sort("revision")["recorded_by"][-1] == "lead"
    status = run("--as", "lead", "export", "status", "--area", "X01", "--as-at", "2008-11-30")
    assert status.stdout.startswith(STATUS_HEADER)


# ------------------------------------------ every CSV and workbook the CLI writes is safe to open

PAYLOADS = ("=1+1", "+SUM(A1)", "@x", "-2+3", "＝1", "\t=1", "＋1", "－1", "＠x", " =1")
FORMULA_START = re.compile(r"^(?:[\t\r\n]|\s*[=+\-@])")
NEGATIVE_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: a formula character first (fullwidth forms folded)."""
    import unicodedata

    return [
        cell
        for row in rows
        for cell in row
        if FORMULA_START.match(unicodedata.normalize("NFKC", cell))
        and not NEGATIVE_NUMBER.fullmatch(cell)
    ]


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def xlsx_cells(path: Path) -> tuple[dict[str, list[list[str]]], str]:
    """Every sheet's cells as text (header first), and the sheets' XML (formulas, links)."""
    import zipfile

    sheets = pl.read_excel(path, sheet_id=0, infer_schema_length=0)
    cells = {
        name: [frame.columns, *([c or "" for c in row] for row in frame.iter_rows())]
        for name, frame in sheets.items()
    }
    with zipfile.ZipFile(path) as archive:
        xml = "".join(
            archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")
        )
    return cells, xml


def payload_cycle(n: int) -> list[str]:
    return [PAYLOADS[i % len(PAYLOADS)] for i in range(n)]


def load_payload_example(tmp_path: Path) -> None:
    """The worked example with formula payloads in every free-text field the files carry."""
    run("import", "indicators", FRAMEWORK_INDICATORS)
    areas = (WORKED / "areas.csv").read_text().replace("Worked Example Borough", "=1+1")
    run("import", "areas", write(tmp_path, "areas.csv", areas))
    targets = (
        (WORKED / "targets.csv").read_text()
        .replace("Environment Partnership", "+SUM(A1)")
        .replace("Safer Communities Partnership", "＝1")
        .replace("Health and Wellbeing Partnership", "@x")
    )  # fmt: skip
    run("import", "targets", write(tmp_path, "targets.csv", targets))
    run("import", "actuals", WORKED / "actuals.csv")
    lines = (
        "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status,due_days\n"
    )
    lines += "".join(
        f'{code},department,HO,"{payload}",annual,continues,20\n'
        for code, payload in zip(("BV126", "BV128", "BV127a"), ("=1+1", "-2+3", "＠x"), strict=True)
    )
    run("import", "reporting-lines", write(tmp_path, "lines.csv", lines))
    run("user", "add", "mallory", "--name", "=HYPERLINK(\"http://evil.example\")", "--password",
        "a-long-password")  # fmt: skip


def test_every_export_neutralises_formula_cells(
    eng: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard.reports import exports, review

    load_payload_example(tmp_path)
    outputs: dict[str, list[list[str]]] = {}

    status = read_back(run("export", "status", "--area", "X01", "--as-at", "2008-11-30").stdout)
    outputs["status"] = status
    header = status[0]
    partnerships = {r[header.index("partnership")] for r in status[1:]}
    assert {"'+SUM(A1)", "'＝1", "'@x"} <= partnerships
    values = [r[header.index("latest_value")] for r in status[1:]]
    assert any(values) and all(v == "" or float(v) >= 0 for v in values)  # numbers, as they were

    run("export", "audit", "-o", tmp_path / "audit.csv")
    audit = read_back((tmp_path / "audit.csv").read_text(encoding="utf-8"))
    outputs["audit"] = audit
    after = {r[audit[0].index("after")] for r in audit[1:]}
    assert {"'=1+1", "'+SUM(A1)", "'＝1", "'@x"} <= after

    # reward: every text column holds a payload, numbers (one negative) stay numbers
    real_reward = exports.reward_export

    def reward_with_payloads(*args):  # type: ignore[no-untyped-def]
        frame = real_reward(*args)
        return frame.with_columns(
            basis=pl.Series(payload_cycle(frame.height)),
            baseline_value=-pl.col("baseline_value"),
            reward_gbp=pl.lit("-12.50"),
        )

    monkeypatch.setattr(exports, "reward_export", reward_with_payloads)
    reward = read_back(run(*EXPORT_X01).stdout)
    outputs["reward"] = reward
    col = {name: i for i, name in enumerate(reward[0])}
    assert [r[col["basis"]] for r in reward[1:]] == ["'" + p for p in payload_cycle(12)]
    assert [r[col["baseline_value"]] for r in reward[1:]][:2] == ["-13.8", "-25.0"]
    assert {r[col["reward_gbp"]] for r in reward[1:]} == {"-12.50"}  # a negative number as text

    result = run("export", "return", "--department", "HO", "--period", "2008-09-30",
                 "-o", tmp_path / "ho.csv", "--xlsx", tmp_path / "ho.xlsx")  # fmt: skip
    assert result.stdout == ""
    returned = read_back((tmp_path / "ho.csv").read_text(encoding="utf-8"))
    outputs["return"] = returned
    names = {r[returned[0].index("return_name")] for r in returned[1:]}
    assert names == {"'=1+1", "'-2+3", "'＠x"}

    real_pack = review.review_pack

    def pack_with_payloads(*args):  # type: ignore[no-untyped-def]
        import dataclasses

        pack = real_pack(*args)
        n = pack.blocks.height
        return dataclasses.replace(pack, blocks=pack.blocks.with_columns(
            exceptions=pl.Series(payload_cycle(n)), performance=pl.Series(payload_cycle(n)[::-1])
        ))  # fmt: skip

    monkeypatch.setattr(review, "review_pack", pack_with_payloads)
    pack = run("export", "review", "--area", "X01", "--period", "2008-03-31",
               "-o", tmp_path / "x01.csv", "--xlsx", tmp_path / "x01.xlsx")  # fmt: skip
    assert pack.stdout == ""
    blocks = read_back((tmp_path / "x01.csv").read_text(encoding="utf-8"))
    outputs["review"] = blocks
    assert [r[blocks[0].index("exceptions")] for r in blocks[1:]] == [
        "'" + p for p in payload_cycle(len(blocks) - 1)
    ]
    assert all(re.fullmatch(r"\d+", r[blocks[0].index("targets")]) for r in blocks[1:])

    users = read_back(run("user", "list").stdout)
    outputs["user list"] = users
    assert any(cell.startswith("'=HYPERLINK(") for row in users for cell in row)

    for command, rows in outputs.items():
        assert formula_cells(rows) == [], command

    # The workbooks: no formula or link anywhere, payload text shown with its apostrophe.
    for book, sheet, column, expected in [
        ("ho.xlsx", "Return", "return_name", {"'=1+1", "'-2+3", "'＠x"}),
        ("ho.xlsx", "Completeness", "area_name", {"'=1+1"}),
        ("x01.xlsx", "Blocks", "exceptions", {"'" + p for p in payload_cycle(len(blocks) - 1)}),
        ("x01.xlsx", "Exceptions", "partnership", {"'+SUM(A1)", "'＝1"}),
        ("x01.xlsx", "About", "value", {"X01 =1+1"}),
    ]:  # fmt: skip
        cells, xml = xlsx_cells(tmp_path / book)
        assert "<f>" not in xml and "hyperlink" not in xml, book
        rows = cells[sheet]
        found = {r[rows[0].index(column)] for r in rows[1:]}
        assert expected <= found, (book, sheet, found)
        for name, sheet_rows in cells.items():
            assert formula_cells(sheet_rows) == [], (book, name)
