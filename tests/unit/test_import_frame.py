"""Files are checked as whole frames (issue 12): the same problems, in the same words and the
same order, as the row-by-row checks they replace, and a national file is read by `laa import`
while a page's upload keeps its bound.

The row-by-row checks are kept below as the reference (`reference_validate`, the importer's
`validate` before the change, verbatim): generated files, clean and corrupted, must give the
same messages and the same typed rows from both.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dashboard import importer, tabular
from dashboard.cli import app
from dashboard.metrics import bounds
from dashboard.metrics.periods import period_ends
from dashboard.tabular import UnreadableFile, read_table
from data_models import (
    DATA_QUALITY_GRADES,
    FREQUENCIES,
    MEASURES,
    OUTCOME_TYPES,
    PERIOD_BASES,
    POLARITIES,
    RECIPIENT_TYPES,
    REPORTING_STATUSES,
    VALUE_STATUSES,
)
from tests.conftest import load_worked_example
from tests.unit.test_import_properties import JUNK, ROWS, Sheet, corrupt, corruption

FORMATS = importer.FORMATS
_NUMBER = importer._NUMBER
_MONEY = importer._MONEY
_ISO_DATE = importer._ISO_DATE
_INTEGER = importer._INTEGER

# ------------------------------------------------------- the row-by-row reference (verbatim)


class _Bad(ValueError):
    pass


_PLAIN_TEXT_LIMIT = 2000


def _number(text: str) -> float:
    if not _NUMBER.match(text):
        raise _Bad("is not a number (use '.' as the decimal point, no thousands separators)")
    value = float(text)
    if math.isinf(value):
        raise _Bad("is not a finite number")
    problem = bounds.value_problem(value)
    if problem:
        raise _Bad(problem)
    return value


def _integer(text: str) -> int:
    if not _INTEGER.match(text):
        raise _Bad("is not a whole number (at most 9 digits)")
    return int(float(text))


def _date(text: str) -> date:
    candidate = text[:-9] if text.endswith(" 00:00:00") else text  # Excel date cells
    try:
        if not _ISO_DATE.match(candidate):
            raise ValueError
        day = date.fromisoformat(candidate)
    except ValueError:
        raise _Bad("is not a date (YYYY-MM-DD, the period's end)") from None
    problem = bounds.date_problem(day)
    if problem:
        raise _Bad(problem)
    return day


def _money(text: str) -> float:
    """Pounds with at most 2 decimals (pence), below £10 trillion: what the database keeps."""
    if not _MONEY.match(text):
        raise _Bad("is not an amount in pounds (digits, '.', at most 2 decimals, no '£' or ',')")
    problem = bounds.money_problem(float(text))
    if problem:
        raise _Bad(problem)
    return float(text)


def _text(limit: int | None = None) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if "\x00" in text:
            raise _Bad("contains a NUL character")
        if limit is not None and len(text) > limit:
            raise _Bad(f"is longer than {limit} characters")
        return text

    return parse


_PLAIN_TEXT = _text(_PLAIN_TEXT_LIMIT)


def _one_of(options: tuple[str, ...] | set[str], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in options:
            raise _Bad(f"is not a known {what} (expected one of: {', '.join(sorted(options))})")
        return text

    return parse


def _milestones(text: str) -> list[tuple[date, float]]:
    points = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        period, sep, value = part.partition(":")
        if not sep:
            raise _Bad("is not a list of PERIOD:VALUE pairs separated by ';'")
        points.append((_date(period.strip()), _number(value.strip())))
    if len({p for p, _ in points}) != len(points):
        raise _Bad("names the same milestone period twice")
    return sorted(points)


def _parsers(
    kind: str, codes: Mapping[str, set[str]], today: date
) -> dict[str, Callable[[str], Any]]:
    def code_in(name: str, what: str) -> Callable[[str], str]:
        def parse(text: str) -> str:
            if text not in codes[name]:
                raise _Bad(f"is not a known {what} code")
            return text

        return parse

    def period_not_future(text: str) -> date:
        value = _date(text)
        if value > today:
            raise _Bad(f"ends after today ({today.isoformat()}): that period does not exist yet")
        return value

    def positive(parser: Callable[[str], Any]) -> Callable[[str], Any]:
        def parse(text: str) -> Any:
            value = parser(text)
            if value <= 0:
                raise _Bad("must be greater than 0")
            return value

        return parse

    def non_negative_int(text: str) -> int:
        value = _integer(text)
        if value < 0:
            raise _Bad("must not be negative")
        return value

    def whole_in(limits: tuple[int, int], what: str) -> Callable[[str], int]:
        def parse(text: str) -> int:
            value = non_negative_int(text)
            problem = bounds.whole_number_problem(value, limits, what)
            if problem:
                raise _Bad(problem)
            return value

        return parse

    common: dict[str, dict[str, Callable[[str], Any]]] = {
        "areas": {
            "area_code": _text(12),
            "region_code": code_in("region", "Government Office region"),
            "la_type": code_in("la_type", "area type"),
            "population": positive(_integer),
            "net_budget_requirement_gbp": positive(_money),
            "agreement_start": _date,
            "agreement_end": _date,
            "pump_priming_gbp": positive(_money),
            "deprivation_rank": positive(_integer),
        },
        "indicators": {
            "indicator_code": _text(40),
            "block_code": code_in("block", "block"),
            "polarity": _one_of(POLARITIES, "polarity"),
            "decimals": whole_in(bounds.DECIMALS, "decimals"),
            "frequency": _one_of(FREQUENCIES, "frequency"),
            "department_code": code_in("department", "department"),
            "outcome_type": _one_of(OUTCOME_TYPES, "outcome type"),
            "period_basis": _one_of(PERIOD_BASES, "period basis"),
            "lag_months": whole_in(bounds.LAG_MONTHS, "months"),
            "plausible_min": _number,
            "plausible_max": _number,
        },
        "targets": {
            "area_code": code_in("area", "area"),
            "indicator_code": code_in("indicator", "indicator"),
            "baseline_period": _date,
            "baseline_value": _number,
            "target_period": _date,
            "target_value": _number,
            "without_reward_value": _number,
            "reward_share_gbp": positive(_money),
            "measure": _one_of(MEASURES, "measure"),
            "milestones": _milestones,
        },
        "actuals": {
            "area_code": code_in("area", "area"),
            "indicator_code": code_in("indicator", "indicator"),
            "period": period_not_future,
            "value": _number,
            "status": _one_of(VALUE_STATUSES, "status"),
            "data_quality": _one_of(DATA_QUALITY_GRADES, "data-quality grade"),
        },
        "reporting_lines": {
            "indicator_code": code_in("indicator", "indicator"),
            "recipient_type": _one_of(RECIPIENT_TYPES, "recipient type"),
            "recipient_code": _text(40),
            "frequency": _one_of(FREQUENCIES, "frequency"),
            "laa_status": _one_of(REPORTING_STATUSES, "LAA status"),
            "due_days": whole_in(bounds.DUE_DAYS, "days"),
        },
    }
    return common[kind]


def _not_a_period_end(
    period: date | None, indicator: str | None, codes: Mapping[str, Any]
) -> str | None:
    """Periods are the ISO date of the period's end, on the indicator's calendar."""
    calendar = codes.get("indicator_period", {}).get(indicator)
    if period is None or calendar is None:
        return None
    frequency, basis = calendar
    if period_ends(frequency, basis, period, period) == [period]:
        return None
    if frequency in ("biennial", "triennial") and period_ends("annual", basis, period, period):
        return None  # survey years: any annual period end of that basis
    return f"is not the end of a {frequency} period ({basis} year)"


def _row_checks(kind: str, row: dict[str, Any], codes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Checks across columns of one parsed row: (column, message) pairs."""
    problems: list[tuple[str, str]] = []
    if kind == "actuals":
        wrong = _not_a_period_end(row.get("period"), row.get("indicator_code"), codes)
        if wrong:
            problems.append(("period", wrong))
    if kind == "areas":
        start, end = row.get("agreement_start"), row.get("agreement_end")
        if start and end and end <= start:
            problems.append(("agreement_end", "must be after agreement_start"))
    elif kind == "indicators":
        lo, hi = row.get("plausible_min"), row.get("plausible_max")
        if lo is not None and hi is not None and lo > hi:
            problems.append(("plausible_max", "must not be below plausible_min"))
    elif kind == "reporting_lines":
        # A department line must name a department the dashboard knows (a predecessor such as
        # ODPM is one): the returns and a department user's scope follow these codes.
        code = row.get("recipient_code")
        if row.get("recipient_type") == "department" and code and code not in codes["department"]:
            problems.append(("recipient_code", "is not a known department code"))
    elif kind == "targets":
        base, target = row.get("baseline_period"), row.get("target_period")
        if base and target and target <= base:
            problems.append(("target_period", "must be after baseline_period"))
        for period, _ in row.get("milestones") or []:
            if base and target and not base < period < target:
                problems.append(
                    (
                        "milestones",
                        f"milestone {period} is not between the baseline and target periods",
                    )
                )
    return problems


def reference_validate(
    frame: pl.DataFrame,
    kind: str,
    codes: Mapping[str, set[str]],
    today: date,
    *,
    first_line: int = 2,
    skip_empty: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse every row; return the typed rows and every problem found (all of them, not the first).

    The hard rules of every entry path (files, the CLI, the data-entry grid). `first_line` is
    the number of the first row in messages: 2 in a file (the header is line 1), 1 in a grid.
    `skip_empty` names a column whose empty rows are not part of the file (a template's rows
    left blank); the other rows keep their own line numbers.
    """
    fmt = importer.FORMATS[kind]
    errors = importer._column_errors(frame, fmt)
    missing = {c for c in fmt.required if c not in frame.columns}
    parsers = _parsers(kind, codes, today)
    columns = [c for c in frame.columns if c in set(fmt.required) | set(fmt.optional)]
    parsed: list[dict[str, Any]] = []
    first_seen: dict[tuple, int] = {}
    for index, raw in enumerate(frame.select(columns).iter_rows(named=True)):
        line = index + first_line
        if skip_empty and not (raw.get(skip_empty) or "").strip():
            continue
        row: dict[str, Any] = {"_line": line}
        for column in columns:
            text = raw[column] or ""
            if text == "":
                if column in fmt.required:
                    errors.append(f"row {line}, column {column}, value '': a value is required")
                row[column] = None
                continue
            try:
                row[column] = parsers.get(column, _PLAIN_TEXT)(text)
            except _Bad as bad:
                errors.append(f"row {line}, column {column}, value '{text}': {bad}")
                row[column] = None
        for column, message in _row_checks(kind, row, codes):
            errors.append(f"row {line}, column {column}, value '{raw.get(column, '')}': {message}")
        if not missing:
            key = tuple(row.get(k) for k in fmt.key)
            if None not in key:
                if key in first_seen:
                    errors.append(
                        f"row {line}, column {fmt.key[-1]}, value '{raw[fmt.key[-1]]}': duplicate of "
                        f"row {first_seen[key]} ({', '.join(fmt.key)} must be unique in a file)"
                    )
                else:
                    first_seen[key] = line
        parsed.append(row)
    return parsed, errors


# ------------------------------------------------------------------------- generated files

TODAY = date(2008, 11, 30)
# Calendars of every shape period_ends knows; EMP and NOPE are unknown indicators, X03 an
# unknown area, GOXX an unknown region.
CALENDARS = {
    "BV38": ("annual", "financial"),
    "NEET": ("quarterly", "financial"),
    "SPORT": ("biennial", "calendar"),
    "BV82ab": ("annual", "academic"),
    "BV128": ("monthly", "financial"),
    "BV126": ("termly", "academic"),
    "SMOK-Q": ("triennial", "three_year_pooled"),
    "BV199a": ("annual", "rolling_12_months"),
}
CODES: dict[str, Any] = {
    "indicator_period": CALENDARS,
    "region": {"GONE", "GONW", "GOYH", "GOEM", "GOWM", "GOEE", "GOL", "GOSE", "GOSW"},
    "la_type": {"county", "unitary", "metropolitan", "london_borough"},
    "department": {"DfES", "DCSF", "HO", "DH", "DWP", "DTI", "ODPM", "DEFRA", "DCMS", "DfT"},
    "block": {"CYP", "SSC", "HCOP", "EDE"},
    "area": {"X01", "X02"},
    "indicator": set(CALENDARS),
}
# Cells near every edge of the rules, beyond the property tests' junk: Python's `$` before a
# final newline, year 0, the date and value bounds, Python-only whitespace, milestone lists.
EDGES = [
    *["5\n", "12\n", "3.5\n", "2008-03-31\n", " 00:00:00", "0000-03-31", "0000-03-31 00:00:00"],
    *["1989-12-31", "1990-01-01", "2100-12-31", "2101-01-01", "\x1c", "\u3000", " ", "\t"],
    *["1e12", "-1e12", "1000000000000.01", "-1000000000001", "9999999999999.99", "1e-400"],
    *["2.0", "-0", "00", "+5", "-3", "0.00", "1e3", "36", "37", "730", "731", "4", "-0.0"],
    *["2007-03-31:1;2006-03-31:2", "2007-03-31:1;2007-03-31:2", "2030-03-31:1", "2007-03-31:x"],
    *["2006-03-31:1; 2008-03-31 : 2 ;", "2009-03-31:1", "2005-03-31:1", "2008-03-31 00:00:00:4"],
    *["department", "go", "DfES", "ODPM", "CO", "2008-09-30", "2008-12-31", "2008-11-30"],
    *["2006-08-31", "2007-12-31", "2008-04-30", "2008-08-31", "2006-12-31", "2007-03-31"],
    *["x" * 12, "x" * 13, "x" * 40, "x" * 41, "y" * 2001, "a\x00b"],
]
cell = st.sampled_from(JUNK + EDGES) | st.text(max_size=8)
PROPERTY = settings(
    max_examples=int(os.environ.get("IMPORT_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _frame(sheet: Sheet, none_for_empty: bool) -> pl.DataFrame:
    """The frame `read_table` would give (repeated headers renamed as polars does), or the
    data-entry grid's (empty cells as None)."""
    names: list[str] = []
    for name in sheet.header:
        repeat = sum(n == name or n.startswith(f"{name}_duplicated_") for n in names)
        names.append(f"{name}_duplicated_{repeat - 1}" if repeat else name)
    width = len(names)
    rows = [(row + [""] * width)[:width] for row in sheet.rows]
    columns = {
        name: [(None if none_for_empty and r[i] == "" else r[i]) for r in rows]
        for i, name in enumerate(names)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(names, pl.Utf8))


@st.composite
def generated(draw: st.DrawFn, kind: str) -> tuple[pl.DataFrame, int, str | None]:
    fmt = FORMATS[kind]
    optional = draw(st.lists(st.sampled_from(fmt.optional), unique=True))
    header = list(draw(st.permutations([*fmt.required, *optional])))
    records = draw(st.lists(ROWS[kind](), max_size=12))
    sheet = Sheet(header, [[record.get(c, "") for c in header] for record in records])
    for op in draw(st.lists(corruption, max_size=3)):
        corrupt(sheet, op)
    for _ in range(draw(st.integers(0, 6))):  # cells at the rules' edges
        if sheet.rows and sheet.header:
            row = draw(st.integers(0, len(sheet.rows) - 1))
            column = draw(st.integers(0, len(sheet.header) - 1))
            if column < len(sheet.rows[row]):
                sheet.rows[row][column] = draw(cell)
    if sheet.rows and draw(st.booleans()):  # repeat a row, maybe with its date as Excel's
        copy = list(draw(st.sampled_from(sheet.rows)))
        copy = [c + " 00:00:00" if re.fullmatch(r"\d{4}-\d\d-\d\d", c) else c for c in copy]
        sheet.rows.append(copy)
    frame = _frame(sheet, none_for_empty=draw(st.booleans()))
    first_line = draw(st.sampled_from([1, 2]))
    skip = draw(st.sampled_from([None, None, *fmt.required[:1], "value", "no_such_column"]))
    return frame, first_line, skip


def _same_as_reference(
    frame: pl.DataFrame, kind: str, first_line: int = 2, skip: str | None = None
) -> list[str]:
    rows, errors = importer.validate(
        frame, kind, CODES, TODAY, first_line=first_line, skip_empty=skip
    )
    expected_rows, expected_errors = reference_validate(
        frame, kind, CODES, TODAY, first_line=first_line, skip_empty=skip
    )
    assert errors == expected_errors
    assert rows == expected_rows
    return errors


@pytest.mark.parametrize("kind", importer.KINDS)
@PROPERTY
@given(data=st.data())
def test_frame_checks_give_the_row_by_row_messages_and_rows(kind: str, data: st.DataObject) -> None:
    frame, first_line, skip = data.draw(generated(kind), label="file")
    _same_as_reference(frame, kind, first_line, skip)


@pytest.mark.parametrize("kind", importer.KINDS)
@PROPERTY
@given(data=st.data())
def test_a_read_file_gives_the_row_by_row_messages(
    kind: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same, for the frame `read_table` makes of the file written as CSV."""
    frame, _, _ = data.draw(generated(kind), label="file")
    path = tmp_path_factory.mktemp("frame") / f"{kind}.csv"
    frame.write_csv(path)
    try:
        read = read_table(path)
    except UnreadableFile:
        return  # e.g. no rows: the reader's refusal, not the checks'
    _same_as_reference(read, kind)


def test_every_rule_of_an_actuals_file_in_reading_order() -> None:
    """Errors of several rows, several columns and all three stages come out row by row."""
    text = [
        ["X01", "NEET", "2008-03-31", "7.0", "final"],
        ["X03", "NEET", "2008-03-30", "seven", "done"],  # area, period, value, status
        ["X01", "NEET", "2008-03-31 00:00:00", "7.1", ""],  # duplicate of row 2, Excel date
        ["X01", "BV38", "2008-06-30", "1e400", "final"],  # not a financial year end, infinite
        ["X01", "NOPE", "2009-03-31", "5\n", "provisional"],  # indicator, future
        ["X01", "SPORT", "2008-12-31", "", "final"],  # future, value required
    ]
    header = ["area_code", "indicator_code", "period", "value", "status"]
    frame = pl.DataFrame([dict(zip(header, row, strict=True)) for row in text])
    errors = _same_as_reference(frame, "actuals")
    assert [e.split(":")[0] for e in errors] == [
        "row 3, column area_code, value 'X03'",
        "row 3, column value, value 'seven'",
        "row 3, column status, value 'done'",
        "row 3, column period, value '2008-03-30'",
        "row 4, column period, value '2008-03-31 00",
        "row 5, column value, value '1e400'",
        "row 5, column period, value '2008-06-30'",
        "row 6, column indicator_code, value 'NOPE'",
        "row 6, column period, value '2009-03-31'",
        "row 7, column period, value '2008-12-31'",
        "row 7, column value, value ''",
    ]


def test_a_large_corrupted_file_gives_the_row_by_row_messages() -> None:
    """20,000 rows with a corrupted cell in one row of fifty, and repeated keys throughout."""
    n = 20_000
    frame = pl.DataFrame(
        {
            "area_code": ["X01", "X02"] * (n // 2),
            "indicator_code": [("NEET", "BV128", "BV38", "SPORT")[i % 4] for i in range(n)],
            "period": [f"{2000 + i % 9}-{('03-31', '06-30', '12-31')[i % 3]}" for i in range(n)],
            "value": [str(i / 7) for i in range(n)],
            "status": [("final", "provisional", "")[i % 3] for i in range(n)],
        }
    )
    junk = pl.Series([JUNK[i % len(JUNK)] for i in range(n)])
    frame = frame.with_columns(
        pl.when(pl.int_range(n) % 50 == 7).then(junk).otherwise(pl.col("value")).alias("value")
    )
    errors = _same_as_reference(frame, "actuals")
    assert sum("duplicate of row" in e for e in errors) > 10_000


def test_the_whitespace_of_a_blank_template_row_is_pythons() -> None:
    every = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
    assert set(importer._PYTHON_WHITESPACE) == set(every)


def test_the_typed_actuals_frame_is_ready_for_the_store() -> None:
    frame = pl.DataFrame(
        {
            "note": ["late", ""],
            "area_code": ["X01", "X02"],
            "indicator_code": ["NEET", "NEET"],
            "period": ["2008-03-31", "2008-06-30 00:00:00"],
            "value": ["7.5", "-0.25"],
        }
    )
    typed, errors = importer.validate_frame(frame, "actuals", CODES, TODAY)
    assert errors == []
    assert typed.schema == pl.Schema(
        {
            "_line": pl.Int64,
            "note": pl.Utf8,
            "area_code": pl.Utf8,
            "indicator_code": pl.Utf8,
            "period": pl.Date,
            "value": pl.Float64,
        }
    )
    assert typed.rows() == [
        (2, "late", "X01", "NEET", date(2008, 3, 31), 7.5),
        (3, None, "X02", "NEET", date(2008, 6, 30), -0.25),
    ]


def test_expected_revisions_are_joined_on_the_key() -> None:
    values = pl.DataFrame(
        {
            "area_code": ["X01", "X01", "X02"],
            "indicator_code": ["NEET", "NEET", "NEET"],
            "period": [date(2008, 3, 31), date(2008, 6, 30), date(2008, 3, 31)],
            "value": [1.0, 2.0, 3.0],
        }
    )
    seen = {("X01", "NEET", date(2008, 6, 30)): 4, ("X02", "NEET", date(2007, 3, 31)): 2}
    joined = importer._with_expected_revision(values, seen)
    assert joined["expected_revision"].to_list() == [0, 4, 0]
    assert joined.drop("expected_revision").equals(values)
    assert importer._with_expected_revision(values, {})["expected_revision"].to_list() == [0] * 3


# -------------------------------------------------------------- the operator's bigger files

BIG_ROWS = 550_000  # 4 columns: 2.2 million cells, beyond an upload's 2 million


@pytest.fixture
def big_actuals(tmp_path: Path) -> Path:
    """550,000 rows without a value column: read whole, then refused for that column alone
    (the key check waits for every required column), so nothing needs writing."""
    path = tmp_path / "national.csv"
    frame = pl.DataFrame(
        {
            "area_code": pl.repeat("X01", BIG_ROWS, eager=True),
            "indicator_code": pl.repeat("NEET", BIG_ROWS, eager=True),
            "period": pl.repeat("2008-03-31", BIG_ROWS, eager=True),
            "status": pl.repeat("final", BIG_ROWS, eager=True),
        }
    )
    frame.write_csv(path)
    return path


def test_a_national_file_is_read_by_laa_import_but_not_uploaded(
    engine, admin, big_actuals: Path
) -> None:
    load_worked_example(engine, admin)
    uploaded = importer.import_file(engine, admin, "actuals", big_actuals)
    assert uploaded.errors == [
        f"could not read the file: The file has {BIG_ROWS:,} rows of 4 columns, more than "
        "2,000,000 cells: split it into smaller files (for example one a year)."
    ]
    result = CliRunner().invoke(app, ["import", "actuals", str(big_actuals)])
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"{big_actuals}: refused, nothing was written (1 problem)",
        "column value: required column is missing",
    ]


def test_the_operators_bounds_are_larger_and_still_finite(tmp_path: Path) -> None:
    assert tabular.OPERATOR.bytes > 25 * tabular.UPLOAD.bytes  # a national file is ~32 MB
    assert tabular.OPERATOR.cells >= 20 * 5_000_000 and tabular.UPLOAD.cells == tabular.MAX_CELLS
    assert tabular.UPLOAD.bytes == tabular.MAX_BYTES
    assert tabular.UPLOAD.unpacked_bytes == tabular.MAX_UNPACKED_BYTES
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(tabular.OPERATOR.bytes + 1)  # sparse: nothing written
    with pytest.raises(UnreadableFile, match=r"^This file is 1024\.1 MB; the largest file that "):
        read_table(path, tabular.OPERATOR)
    with pytest.raises(UnreadableFile, match=r"can be read is 20 MB\. Split it"):
        read_table(path)


def _table(header: str, *rows: str) -> pl.DataFrame:
    names = header.split(",")
    return pl.DataFrame([dict(zip(names, row.split(","), strict=True)) for row in rows])


def test_checks_across_columns_of_every_kind_in_reading_order() -> None:
    targets = _table(
        "area_code,indicator_code,partnership,baseline_period,baseline_value,target_period,"
        "target_value,milestones",
        "X01,NEET,P,2006-03-31,9,2009-03-31,7,2008-03-31:2;2007-03-31:1",
        "X01,NEET,P,2006-03-31,9,2005-03-31,7,2007-03-31:1;2004-03-31:2",  # before + both
        "X02,NEET,P,2006-03-31,9,2009-03-31,7,2010-03-31:1;2001-03-31:2;2007-03-31:3",
        "X02,BV38,P,2006-03-31,x,2009-03-31,7,2007-03-31:1;2007-03-31:2",
    )
    errors = _same_as_reference(targets, "targets")
    assert [e.split(": ", 1)[1] for e in errors] == [
        "must be after baseline_period",
        "milestone 2004-03-31 is not between the baseline and target periods",
        "milestone 2007-03-31 is not between the baseline and target periods",
        "duplicate of row 2 (area_code, indicator_code must be unique in a file)",
        "milestone 2001-03-31 is not between the baseline and target periods",
        "milestone 2010-03-31 is not between the baseline and target periods",
        "is not a number (use '.' as the decimal point, no thousands separators)",
        "names the same milestone period twice",
    ]
    areas = _table(
        "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
        "agreement_start,agreement_end",
        "Y01,A,GOL,unitary,1000,5000,2006-04-01,2006-04-01",
        "Y01,A,GOXX,unitary,0,5000.123,2006-04-01,2005-04-01",
    )
    assert [e.split(": ", 1)[1][:25] for e in _same_as_reference(areas, "areas")] == [
        "must be after agreement_s",
        "is not a known Government",
        "must be greater than 0",
        "is not an amount in pound",
        "must be after agreement_s",
        "duplicate of row 2 (area_",
    ]
    lines = _table(
        "indicator_code,recipient_type,recipient_code,return_name,frequency,laa_status,due_days",
        "NEET,department,XYZ,R,annual,continues,731",
        "NEET,go,XYZ,R,annual,continues,-1",
        "NEET,department,ODPM,R,annual,stops,30",
    )
    assert [e.split(": ", 1)[1] for e in _same_as_reference(lines, "reporting_lines")] == [
        "must be between 0 and 730 days",
        "is not a known department code",
        "must not be negative",
    ]
    indicators = _table(
        "indicator_code,name,block_code,unit,polarity,decimals,frequency,data_source,"
        "department_code,outcome_type,plausible_min,plausible_max",
        "NEW,N,CYP,%,higher,4,annual,S,DH,local,10,5",
        "NEW,N,CYP,%,up,2,annual,S,DH,local,5,10",
    )
    assert [e.split(": ", 1)[1][:22] for e in _same_as_reference(indicators, "indicators")] == [
        "must be between 0 and ",
        "must not be below plau",
        "is not a known polarit",
        "duplicate of row 2 (in",
    ]


def test_rows_a_template_leaves_blank_are_left_out_with_their_numbers() -> None:
    """Blank as Python's `str.strip` sees it (a file separator character too), or None."""
    values = ["", " ", "\x1c", "\u3000", None, "5", "x"]
    frame = pl.DataFrame(
        {
            "area_code": ["X01"] * len(values),
            "indicator_code": ["NEET"] * len(values),
            "period": [f"200{i}-03-31" for i in range(len(values))],
            "value": values,
        }
    )
    rows, errors = importer.validate(frame, "actuals", CODES, TODAY, skip_empty="value")
    assert [r["_line"] for r in rows] == [7, 8]
    assert errors == [
        "row 8, column value, value 'x': is not a number (use '.' as the decimal point, no "
        "thousands separators)"
    ]
    _same_as_reference(frame, "actuals", skip="value")


def test_a_large_sheets_extent_is_found_a_few_megabytes_at_a_time() -> None:
    """A sheet of 5 MB and more is scanned in slices: references on either side of a cut
    still count, and the widest column and last row are found."""
    cells = b"".join(
        b'<row r="%d"><c r="B%d"><v>1</v></c></row>' % (i, i) for i in range(1, 150_001)
    )
    xml = b"<worksheet><sheetData>" + cells + b'<row r="150001"><c r="AB150001"/></row>'
    xml += b"</sheetData></worksheet>"
    assert len(xml) > 5 * 2**20
    assert tabular._sheet_extent(xml) == (150_001, 28)


def test_a_workbook_beyond_an_uploads_cells_is_within_the_operators() -> None:
    """712,800 rows of 6 columns: refused as an upload, read from the operator's disk."""
    with pytest.raises(UnreadableFile, match="more than 2,000,000 cells"):
        tabular._check_extent(712_801, 6, tabular.UPLOAD.workbook_cells)
    tabular._check_extent(712_801, 6, tabular.OPERATOR.workbook_cells)
    with pytest.raises(UnreadableFile, match="more than 10,000,000 cells"):
        tabular._check_extent(1_048_576, 16, tabular.OPERATOR.workbook_cells)


_CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2048 * 2**20, 2048 * 2**20))
from datetime import date
from pathlib import Path
from dashboard import importer, tabular
codes = {"area": {f"N{a:03d}" for a in range(150)}, "indicator": {f"I{i:03d}" for i in range(200)},
         "indicator_period": {f"I{i:03d}": ("quarterly", "financial") for i in range(200)}}
frame = tabular.read_table(Path(sys.argv[1]), tabular.OPERATOR)
typed, errors = importer.validate_frame(frame, "actuals", codes, date(2008, 11, 30))
status = Path("/proc/self/status").read_text()
peak = int(next(x.split()[1] for x in status.splitlines() if x.startswith("VmHWM:"))) // 1024
print(json.dumps({"rows": typed.height, "errors": errors[:3], "peak_mb": peak}))
"""


def test_a_national_file_is_read_and_checked_in_bounded_memory(tmp_path: Path) -> None:
    """600,000 values (30 MB) read and checked in a child process in under 600 MB, about
    430 MB of it measured (the checks cell by cell held a dict a row: 760 MB for 712,800)."""
    n = 600_000
    quarters = pl.date_range(date(2003, 6, 30), date(2008, 9, 30), "1q", eager=True)
    path = tmp_path / "national.csv"
    row = pl.int_range(n)
    number = pl.DataFrame({"period": quarters.dt.month_end()}).with_row_index("quarter")
    frame = pl.select(
        area_code=pl.format("N{}", (row % 150).cast(pl.Utf8).str.zfill(3)),
        indicator_code=pl.format("I{}", (row // 150 % 200).cast(pl.Utf8).str.zfill(3)),
        quarter=(row // 30_000 % 20).cast(pl.UInt32),
        value=(row % 997 / 10).cast(pl.Utf8),
        status=pl.lit("final"),
        data_quality=pl.lit("checked"),
    )
    frame = frame.join(number, on="quarter", maintain_order="left").drop("quarter")
    frame.select(
        "area_code", "indicator_code", "period", "value", "status", "data_quality"
    ).write_csv(path)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    assert report["rows"] == n and report["errors"] == [], report
    assert report["peak_mb"] < 600, report
