"""Import of areas, indicators, targets, actuals and reporting lines from CSV or XLSX: all or
nothing.

Every row is checked before anything is written; any problem refuses the whole file, each
reported as ``row N, column C, value 'V': what is wrong`` (N is the file's line number, the
header being line 1). The writes then happen in one transaction, so a rule the store enforces
(e.g. frozen reward figures) also leaves the database exactly as it was. Only hard rules refuse
a file: plausibility and missing commentary are for the data-entry pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from dashboard import db, store, tabular
from dashboard.metrics import bounds
from dashboard.metrics.periods import period_ends
from dashboard.store import Actor, RuleViolation, WriteSummary
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

KINDS = ("areas", "indicators", "targets", "actuals", "reporting_lines")

_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_MONEY = re.compile(r"^[+-]?[0-9]{1,13}(\.[0-9]{1,2})?$")  # fits NUMERIC(16, 2) exactly
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,9}(\.0*)?$")  # at most 9 digits: fits a 32-bit INTEGER


@dataclass(frozen=True)
class FileFormat:
    """The columns of one import file: required first, then optional."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]


FORMATS: dict[str, FileFormat] = {
    "areas": FileFormat(
        required=(
            "area_code",
            "area_name",
            "region_code",
            "la_type",
            "population",
            "net_budget_requirement_gbp",
            "agreement_start",
            "agreement_end",
        ),
        optional=("pump_priming_gbp", "deprivation_rank"),
        key=("area_code",),
    ),
    "indicators": FileFormat(
        required=(
            "indicator_code",
            "name",
            "block_code",
            "unit",
            "polarity",
            "decimals",
            "frequency",
            "data_source",
            "department_code",
            "outcome_type",
        ),
        optional=(
            "outcome",
            "period_basis",
            "lag_months",
            "plausible_min",
            "plausible_max",
            "definition",
            "clarifications",
            "stretch_rationale",
            "reward_rationale",
            "mandatory_reason",
        ),
        key=("indicator_code",),
    ),
    "targets": FileFormat(
        required=(
            "area_code",
            "indicator_code",
            "partnership",
            "baseline_period",
            "baseline_value",
            "target_period",
            "target_value",
        ),
        optional=(
            "without_reward_value",
            "reward_share_gbp",
            "lead_officer",
            "measure",
            "milestones",
            "focus",
        ),
        key=("area_code", "indicator_code"),
    ),
    "actuals": FileFormat(
        required=("area_code", "indicator_code", "period", "value"),
        optional=("status", "data_quality", "note"),
        key=("area_code", "indicator_code", "period"),
    ),
    # Who receives each indicator, how often, and what the LAA does to that return (issue 6).
    "reporting_lines": FileFormat(
        required=(
            "indicator_code",
            "recipient_type",
            "recipient_code",
            "return_name",
            "frequency",
            "laa_status",
        ),
        optional=("format", "due_days"),
        key=store.REPORTING_LINE_KEY,
    ),
}


@dataclass
class ImportResult:
    """The outcome of one import: refused (errors) or applied (summary), or a dry run."""

    kind: str
    path: str
    rows: int = 0
    errors: list[str] = field(default_factory=list)
    summary: WriteSummary = field(default_factory=WriteSummary)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        if self.errors:
            head = f"{self.path}: refused, nothing was written ({len(self.errors)} problem"
            head += "s)" if len(self.errors) != 1 else ")"
            return "\n".join([head, *self.errors])
        s = self.summary
        verb = "would add" if self.dry_run else "added"
        if s.changed == 0:
            return f"{self.path}: {self.rows} rows, nothing changed (nothing was written)"
        text = f"{self.path}: {self.rows} rows; {verb} {s.inserted}, "
        text += (
            f"{'would update' if self.dry_run else 'updated'} {s.updated}, unchanged {s.unchanged}"
        )
        return text + (" (dry run: nothing was written)" if self.dry_run else "")


class _Refused(Exception):
    """Raised inside the write transaction to roll back a dry run or a refused file."""


# Reading a user's file (bounded, in plain words) is its own concept: these names stay here too.
UnreadableFile = tabular.UnreadableFile
EXCEL_SUFFIXES = tabular.EXCEL_SUFFIXES
read_table = tabular.read_table


# ----------------------------------------------------------------------------- value parsers

# What each rule says is wrong: one wording for the column rules and the milestone parser.
_NOT_A_NUMBER = "is not a number (use '.' as the decimal point, no thousands separators)"
_NOT_FINITE = "is not a finite number"
_NOT_WHOLE = "is not a whole number (at most 9 digits)"
_NOT_A_DATE = "is not a date (YYYY-MM-DD, the period's end)"
_NOT_MONEY = "is not an amount in pounds (digits, '.', at most 2 decimals, no '£' or ',')"
_NOT_POSITIVE = "must be greater than 0"
_NEGATIVE = "must not be negative"
_NUL = "contains a NUL character"


class _Bad(ValueError):
    pass


_PLAIN_TEXT_LIMIT = 2000


def _number(text: str) -> float:
    """One number of a milestones cell (the column rules below do the same over a column)."""
    if not _NUMBER.match(text):
        raise _Bad(_NOT_A_NUMBER)
    value = float(text)
    if math.isinf(value):
        raise _Bad(_NOT_FINITE)
    problem = bounds.value_problem(value)
    if problem:
        raise _Bad(problem)
    return value


def _date(text: str) -> date:
    """One date of a milestones cell."""
    candidate = text[:-9] if text.endswith(" 00:00:00") else text  # Excel date cells
    try:
        if not _ISO_DATE.match(candidate):
            raise ValueError
        day = date.fromisoformat(candidate)
    except ValueError:
        raise _Bad(_NOT_A_DATE) from None
    problem = bounds.date_problem(day)
    if problem:
        raise _Bad(problem)
    return day


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


# ------------------------------------------------------------------- column rules, as frames
#
# A rule turns a column of text into its typed values and an ordered list of checks, each a
# (fails, message) pair of expressions: the first check that fails is the cell's message, as
# the first `raise` was in a parser. Rules only ever see non-empty cells' outcomes (an empty
# cell is "a value is required" or nothing).

_Check = tuple[pl.Expr, pl.Expr]
_Rule = Callable[[pl.Expr], tuple[pl.Expr, list[_Check]]]


def _polars_pattern(pattern: re.Pattern[str]) -> str:
    """`re.match`'s `$` also matches before a final newline ("5\\n" is a number to Python):
    the Rust engine's `$` does not, so the newline is allowed explicitly."""
    return pattern.pattern.removesuffix("$") + r"\n?$"


_NUMBER_PATTERN = _polars_pattern(_NUMBER)
_MONEY_PATTERN = _polars_pattern(_MONEY)
_INTEGER_PATTERN = _polars_pattern(_INTEGER)
# A date must match exactly: Python's fromisoformat refuses the final newline `re` lets by.
_ISO_DATE_PATTERN = _ISO_DATE.pattern
# What `str.strip()` removes (`str.isspace`), for the rows a template leaves blank.
_PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def _say(text: str) -> pl.Expr:
    return pl.lit(text, dtype=pl.Utf8)


def _as_float(text: pl.Expr) -> pl.Expr:
    return text.str.strip_suffix("\n").cast(pl.Float64, strict=False)


def _number_rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
    value = _as_float(text)
    size = pl.when(value > 0).then(_say(bounds.value_problem(2 * bounds.VALUE_LIMIT) or ""))
    size = size.otherwise(_say(bounds.value_problem(-2 * bounds.VALUE_LIMIT) or ""))
    return value, [
        (~text.str.contains(_NUMBER_PATTERN) | value.is_null(), _say(_NOT_A_NUMBER)),
        (value.is_infinite(), _say(_NOT_FINITE)),
        (value.abs() > bounds.VALUE_LIMIT, size),
    ]


def _integer_rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
    value = _as_float(text).cast(pl.Int64, strict=False)  # "12.0" is 12, as int(float(...))
    return value, [(~text.str.contains(_INTEGER_PATTERN) | value.is_null(), _say(_NOT_WHOLE))]


def _money_rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
    """Pounds with at most 2 decimals (pence), below £10 trillion: what the database keeps."""
    value = _as_float(text)
    return value, [
        (~text.str.contains(_MONEY_PATTERN) | value.is_null(), _say(_NOT_MONEY)),
        (value.abs() > bounds.MONEY_LIMIT, _say(bounds.money_problem(math.inf) or "")),
    ]


def _date_rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
    candidate = text.str.strip_suffix(" 00:00:00")  # Excel date cells
    day = candidate.str.to_date("%Y-%m-%d", strict=False)
    not_a_date = ~candidate.str.contains(_ISO_DATE_PATTERN) | day.is_null()
    not_a_date = not_a_date | candidate.str.starts_with("0000")  # Python has no year 0
    outside = (day < bounds.EARLIEST_DATE) | (day > bounds.LATEST_DATE)
    return day, [
        (not_a_date, _say(_NOT_A_DATE)),
        (outside, _say(bounds.date_problem(date.min) or "")),
    ]


def _text_rule(limit: int | None = None) -> _Rule:
    def rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
        checks = [(text.str.contains("\x00", literal=True), _say(_NUL))]
        if limit is not None:
            checks.append(
                (text.str.len_chars() > limit, _say(f"is longer than {limit} characters"))
            )
        return text, checks

    return rule


_PLAIN_TEXT_RULE = _text_rule(_PLAIN_TEXT_LIMIT)


def _among(values: Collection[str]) -> pl.Series:
    """A set of codes for `is_in`, as one list value (not a column to compare row by row)."""
    return pl.Series(sorted(values), dtype=pl.Utf8).implode()


def _one_of_rule(options: Collection[str], what: str) -> _Rule:
    message = f"is not a known {what} (expected one of: {', '.join(sorted(options))})"

    def rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
        return text, [(~text.is_in(_among(options)), _say(message))]

    return rule


def _also(rule: _Rule, *more: Callable[[pl.Expr], _Check]) -> _Rule:
    """`rule`, then further checks on its typed value (after its own checks pass)."""

    def combined(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
        value, checks = rule(text)
        return value, checks + [check(value) for check in more]

    return combined


def _positive(value: pl.Expr) -> _Check:
    return value <= 0, _say(_NOT_POSITIVE)


def _not_negative(value: pl.Expr) -> _Check:
    return value < 0, _say(_NEGATIVE)


def _whole_in(limits: tuple[int, int], what: str) -> _Rule:
    low, high = limits
    message = bounds.whole_number_problem(high + 1, limits, what) or ""
    return _also(_integer_rule, _not_negative, lambda v: ((v < low) | (v > high), _say(message)))


def _rules(kind: str, codes: Mapping[str, Any], today: date) -> dict[str, _Rule]:
    """Each column's rule; a column without one is plain text of at most 2,000 characters."""

    def code_in(name: str, what: str) -> _Rule:
        def rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
            return text, [(~text.is_in(_among(codes[name])), _say(f"is not a known {what} code"))]

        return rule

    future = f"ends after today ({today.isoformat()}): that period does not exist yet"
    period_not_future = _also(_date_rule, lambda day: (day > today, _say(future)))
    positive_integer = _also(_integer_rule, _positive)
    positive_money = _also(_money_rule, _positive)
    common: dict[str, dict[str, _Rule]] = {
        "areas": {
            "area_code": _text_rule(12),
            "region_code": code_in("region", "Government Office region"),
            "la_type": code_in("la_type", "area type"),
            "population": positive_integer,
            "net_budget_requirement_gbp": positive_money,
            "agreement_start": _date_rule,
            "agreement_end": _date_rule,
            "pump_priming_gbp": positive_money,
            "deprivation_rank": positive_integer,
        },
        "indicators": {
            "indicator_code": _text_rule(40),
            "block_code": code_in("block", "block"),
            "polarity": _one_of_rule(POLARITIES, "polarity"),
            "decimals": _whole_in(bounds.DECIMALS, "decimals"),
            "frequency": _one_of_rule(FREQUENCIES, "frequency"),
            "department_code": code_in("department", "department"),
            "outcome_type": _one_of_rule(OUTCOME_TYPES, "outcome type"),
            "period_basis": _one_of_rule(PERIOD_BASES, "period basis"),
            "lag_months": _whole_in(bounds.LAG_MONTHS, "months"),
            "plausible_min": _number_rule,
            "plausible_max": _number_rule,
        },
        "targets": {
            "area_code": code_in("area", "area"),
            "indicator_code": code_in("indicator", "indicator"),
            "baseline_period": _date_rule,
            "baseline_value": _number_rule,
            "target_period": _date_rule,
            "target_value": _number_rule,
            "without_reward_value": _number_rule,
            "reward_share_gbp": positive_money,
            "measure": _one_of_rule(MEASURES, "measure"),
        },
        "actuals": {
            "area_code": code_in("area", "area"),
            "indicator_code": code_in("indicator", "indicator"),
            "period": period_not_future,
            "value": _number_rule,
            "status": _one_of_rule(VALUE_STATUSES, "status"),
            "data_quality": _one_of_rule(DATA_QUALITY_GRADES, "data-quality grade"),
        },
        "reporting_lines": {
            "indicator_code": code_in("indicator", "indicator"),
            "recipient_type": _one_of_rule(RECIPIENT_TYPES, "recipient type"),
            "recipient_code": _text_rule(40),
            "frequency": _one_of_rule(FREQUENCIES, "frequency"),
            "laa_status": _one_of_rule(REPORTING_STATUSES, "LAA status"),
            "due_days": _whole_in(bounds.DUE_DAYS, "days"),
        },
    }
    return common[kind]


# Columns too intricate for expressions, parsed in Python cell by distinct non-empty cell (a
# targets file's milestones: a few thousand cells at most), with the type they parse to.
_MILESTONE_TYPE = pl.List(pl.Struct({"period": pl.Date, "value": pl.Float64}))
_PYTHON_PARSERS: dict[tuple[str, str], tuple[Callable[[str], Any], pl.DataType]] = {
    ("targets", "milestones"): (
        lambda text: [{"period": p, "value": v} for p, v in _milestones(text)],
        _MILESTONE_TYPE,
    ),
}


def _python_rule(
    texts: pl.Series, parse: Callable[[str], Any], dtype: pl.DataType
) -> tuple[pl.DataFrame, _Rule]:
    """A lookup of each distinct non-empty cell's parsed value or message, and a rule that
    reads it (the lookup is joined on the cell's text as `_text`)."""
    cells, values, messages = [], [], []
    for text in texts.filter(texts != "").unique(maintain_order=True).to_list():
        cells.append(text)
        try:
            values.append(parse(text))
            messages.append(None)
        except _Bad as bad:
            values.append(None)
            messages.append(str(bad))
    lookup = pl.DataFrame(
        {
            "_text": pl.Series(cells, dtype=pl.Utf8),
            "_value": pl.Series(values, dtype=dtype),
            "_message": pl.Series(messages, dtype=pl.Utf8),
        }
    )

    def rule(text: pl.Expr) -> tuple[pl.Expr, list[_Check]]:
        return pl.col("_value"), [(pl.col("_message").is_not_null(), pl.col("_message"))]

    return lookup, rule


# ------------------------------------------------------------------------------- validation


_REPEATED = re.compile(r"(_duplicated_\d+|_\d+)$")


def _column_errors(frame: pl.DataFrame, fmt: FileFormat) -> list[str]:
    """Missing, unknown and repeated columns: one pass over the header, set look-ups only
    (`frame.columns` builds a new list on every call)."""
    columns = frame.columns
    present = set(columns)
    allowed = set(fmt.required) | set(fmt.optional)
    errors = [f"column {c}: required column is missing" for c in fmt.required if c not in present]
    # A repeated header `x` arrives as `x_duplicated_0` (CSV) or `x_1` (XLSX); said once.
    repeated: dict[str, None] = {}
    for c in columns:
        if c in allowed:
            continue
        original = _REPEATED.sub("", c)
        if original != c and original in present and original in allowed:
            repeated[original] = None
        else:
            errors.append(f"column {c}: unknown column")
    return errors + [f"column {c}: appears more than once" for c in repeated]


def _period_end_problem(frequency: str, basis: str, period: date) -> str | None:
    """Periods are the ISO date of the period's end, on the indicator's calendar."""
    if period_ends(frequency, basis, period, period) == [period]:
        return None
    if frequency in ("biennial", "triennial") and period_ends("annual", basis, period, period):
        return None  # survey years: any annual period end of that basis
    return f"is not the end of a {frequency} period ({basis} year)"


def _typed(name: str) -> str:
    return f"_typed:{name}"


def _problem(name: str) -> str:
    return f"_problem:{name}"


def _message(column: str, text: pl.Expr, what: pl.Expr) -> pl.Expr:
    """`row N, column C, value 'V': what is wrong`."""
    parts = [_say("row "), pl.col("_line").cast(pl.Utf8), _say(f", column {column}, value '")]
    return pl.concat_str([*parts, text, _say("': "), what])


def _row_check_errors(
    kind: str, checked: pl.DataFrame, codes: Mapping[str, Any], slot: int
) -> list[pl.DataFrame]:
    """Checks across the columns of each parsed row, as (_line, slot, sub, message) frames in
    the order a row's checks are made. A value left out (a column missing, an empty or bad
    cell) is never checked again here."""
    present = set(checked.columns)

    def value(name: str) -> pl.Expr:
        column = _typed(name)
        return pl.col(column) if column in present else pl.lit(None)

    def raw(name: str) -> pl.Expr:
        return pl.col(name) if name in present else _say("")

    def found(column: str, fails: pl.Expr, what: pl.Expr, order: int) -> pl.DataFrame:
        return checked.filter(fails.fill_null(False)).select(
            "_line",
            slot=pl.lit(slot + order),
            sub=pl.lit(0),
            message=_message(column, raw(column), what),
        )

    frames: list[pl.DataFrame] = []
    if kind == "actuals" and {_typed("period"), _typed("indicator_code")} <= present:
        calendars = codes.get("indicator_period", {})
        calendar = pl.DataFrame(
            {
                "_indicator": pl.Series(list(calendars), dtype=pl.Utf8),
                "_frequency": pl.Series([f for f, _ in calendars.values()], dtype=pl.Utf8),
                "_basis": pl.Series([b for _, b in calendars.values()], dtype=pl.Utf8),
            }
        )
        needed = checked.select("_line", "period", _typed("period"), _typed("indicator_code"))
        rows = needed.filter(pl.col(_typed("period")).is_not_null()).join(
            calendar, left_on=_typed("indicator_code"), right_on="_indicator", how="inner"
        )
        # One calendar look-up per distinct (calendar, period), not per row.
        combos = rows.select("_frequency", "_basis", pl.col(_typed("period")).alias("_period"))
        combos = combos.unique()
        combos = combos.with_columns(
            _wrong=pl.Series(
                [_period_end_problem(*combo) for combo in combos.iter_rows()], dtype=pl.Utf8
            )
        ).filter(pl.col("_wrong").is_not_null())
        wrong = rows.join(
            combos,
            left_on=["_frequency", "_basis", _typed("period")],
            right_on=["_frequency", "_basis", "_period"],
        )
        frames.append(
            wrong.select(
                "_line",
                slot=pl.lit(slot),
                sub=pl.lit(0),
                message=_message("period", pl.col("period"), pl.col("_wrong")),
            )
        )
    if kind == "areas":
        start, end = value("agreement_start"), value("agreement_end")
        frames.append(
            found("agreement_end", end <= start, _say("must be after agreement_start"), 1)
        )
    elif kind == "indicators":
        low, high = value("plausible_min"), value("plausible_max")
        frames.append(
            found("plausible_max", low > high, _say("must not be below plausible_min"), 1)
        )
    elif kind == "reporting_lines":
        # A department line must name a department the dashboard knows (a predecessor such as
        # ODPM is one): the returns and a department user's scope follow these codes.
        code = value("recipient_code")
        unknown = (value("recipient_type") == "department") & ~code.is_in(
            _among(codes["department"])
        )
        frames.append(
            found(
                "recipient_code",
                unknown & code.is_not_null(),
                _say("is not a known department code"),
                1,
            )
        )
    elif kind == "targets":
        base, target = value("baseline_period"), value("target_period")
        frames.append(
            found("target_period", target <= base, _say("must be after baseline_period"), 1)
        )
        if _typed("milestones") in present:
            points = checked.filter(base.is_not_null() & target.is_not_null()).select(
                "_line", _base=base, _target=target, _point=pl.col(_typed("milestones"))
            )
            points = points.explode("_point").filter(pl.col("_point").is_not_null())
            points = points.with_columns(
                sub=pl.int_range(pl.len()).over("_line"),
                _period=pl.col("_point").struct.field("period"),
            )
            outside = ~(
                (pl.col("_base") < pl.col("_period")) & (pl.col("_period") < pl.col("_target"))
            )
            what = pl.concat_str(
                [
                    _say("milestone "),
                    pl.col("_period").cast(pl.Utf8),
                    _say(" is not between the baseline and target periods"),
                ]
            )
            milestones = checked.select("_line", "milestones").join(
                points.filter(outside), on="_line"
            )
            frames.append(
                milestones.select(
                    "_line",
                    slot=pl.lit(slot + 2),
                    sub="sub",
                    message=_message("milestones", pl.col("milestones"), what),
                )
            )
    return frames


def validate_frame(
    frame: pl.DataFrame,
    kind: str,
    codes: Mapping[str, Any],
    today: date,
    *,
    first_line: int = 2,
    skip_empty: str | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """Check every cell of a file at once; return the typed rows and every problem found.

    The hard rules of every entry path (files, the CLI, the data-entry grid), computed over
    whole columns. The typed frame has `_line` (the row's number in messages: `first_line` is
    2 in a file, where the header is line 1, and 1 in a grid) and the file's known columns in
    its order, typed (a date, a float, an integer or text), null where a cell is empty or
    wrong. `skip_empty` names a column whose empty rows are not part of the file (a template's
    rows left blank): they are left out, the other rows keep their own line numbers.
    Problems are in the order a reader goes through the file: the header, then row by row,
    each row's cells in the file's column order, then its checks across columns, then
    whether its key repeats an earlier row's.
    """
    fmt = FORMATS[kind]
    errors = _column_errors(frame, fmt)
    allowed = set(fmt.required) | set(fmt.optional)
    columns = [c for c in frame.columns if c in allowed]
    missing = [c for c in fmt.required if c not in columns]
    texts = frame.select(pl.col(c).cast(pl.Utf8).fill_null("") for c in columns)
    texts = texts.with_row_index("_line", offset=first_line).with_columns(
        pl.col("_line").cast(pl.Int64)
    )
    if skip_empty:
        if skip_empty in columns:
            texts = texts.filter(pl.col(skip_empty).str.strip_chars(_PYTHON_WHITESPACE) != "")
        else:
            texts = texts.clear()  # no such column: every row counts as left blank
    rules = _rules(kind, codes, today)
    checked = texts
    found: list[pl.DataFrame] = []
    for position, column in enumerate(columns):
        text = pl.col(column)
        python = _PYTHON_PARSERS.get((kind, column))
        if python:
            lookup, rule = _python_rule(checked[column], *python)
            checked = checked.join(
                lookup, left_on=column, right_on="_text", how="left", maintain_order="left"
            )
        else:
            rule = rules.get(column, _PLAIN_TEXT_RULE)
        value, checks = rule(text)
        # Which check fails first, as a small number per cell (0: empty but required); the
        # words are only put together for the cells that fail.
        failed = pl.when(text == "").then(pl.lit(0 if column in fmt.required else None))
        for number, (fails, _what) in enumerate(checks, start=1):
            failed = failed.when(fails).then(pl.lit(number))
        checked = checked.with_columns(
            failed.otherwise(None).cast(pl.UInt8).alias(_problem(column))
        )
        checked = checked.with_columns(
            pl.when((text != "") & pl.col(_problem(column)).is_null())
            .then(value)
            .otherwise(None)
            .alias(_typed(column))
        )
        what = pl.when(pl.col(_problem(column)) == 0).then(_say("a value is required"))
        for number, (_fails, words) in enumerate(checks, start=1):
            what = what.when(pl.col(_problem(column)) == number).then(words)
        found.append(
            checked.filter(pl.col(_problem(column)).is_not_null()).select(
                "_line",
                slot=pl.lit(position),
                sub=pl.lit(0),
                message=_message(column, text, what.otherwise(_say(""))),
            )
        )
        checked = checked.drop(_problem(column), *(("_value", "_message") if python else ()))
    found += _row_check_errors(kind, checked, codes, len(columns))
    if not missing:
        key = [pl.col(_typed(k)) for k in fmt.key]
        keyed = checked.select("_line", fmt.key[-1], *key)
        keyed = keyed.filter(pl.all_horizontal(k.is_not_null() for k in key))
        keyed = keyed.with_columns(_first=pl.col("_line").min().over(key))
        repeats = keyed.filter(pl.col("_line") != pl.col("_first"))
        what = pl.concat_str(
            [
                _say("duplicate of row "),
                pl.col("_first").cast(pl.Utf8),
                _say(f" ({', '.join(fmt.key)} must be unique in a file)"),
            ]
        )
        found.append(
            repeats.select(
                "_line",
                slot=pl.lit(len(columns) + 100),
                sub=pl.lit(0),
                message=_message(fmt.key[-1], pl.col(fmt.key[-1]), what),
            )
        )
    if found:
        schema: dict[str, Any] = {"_line": pl.Int64, "slot": pl.Int64, "sub": pl.Int64}
        every = pl.concat([f.cast(schema) for f in found]).sort("_line", "slot", "sub")
        errors += every["message"].to_list()
    typed = checked.select("_line", *(pl.col(_typed(c)).alias(c) for c in columns))
    return typed, errors


def _rows(kind: str, typed: pl.DataFrame) -> list[dict[str, Any]]:
    """The typed rows as dicts (the small kinds, the grid): milestones as (period, value)."""
    rows = typed.to_dicts()
    if kind == "targets" and "milestones" in typed.columns:
        for row in rows:
            if row["milestones"] is not None:
                row["milestones"] = [(m["period"], m["value"]) for m in row["milestones"]]
    return rows


def validate(
    frame: pl.DataFrame,
    kind: str,
    codes: Mapping[str, Any],
    today: date,
    *,
    first_line: int = 2,
    skip_empty: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """`validate_frame`, with the typed rows as dicts (`_line` and each known column), for the
    data-entry grid and a single correction."""
    typed, errors = validate_frame(
        frame, kind, codes, today, first_line=first_line, skip_empty=skip_empty
    )
    return _rows(kind, typed), errors


def _frozen_errors(engine: Engine, actor: Actor, rows: list[dict[str, Any]]) -> list[str]:
    """Row-level messages for changes to frozen reward targets of signed agreements."""
    areas = sorted({r["area_code"] for r in rows})
    targets = store.load_scope(engine, actor, areas).targets.filter(
        pl.col("agreement_status") == "signed"
    )
    if targets.is_empty():
        return []
    current = {
        (t["area_code"], t["indicator_code"]): t
        for t in targets.iter_rows(named=True)
        if t["agreement_start"] <= (t["target_period"]) <= t["agreement_end"]
    }
    signed_areas = set(targets["area_code"].to_list())
    errors = []
    for row in rows:
        key = (row["area_code"], row["indicator_code"])
        cur = current.get(key)
        line = row["_line"]
        if cur is None:
            if row["area_code"] in signed_areas and row.get("without_reward_value") is not None:
                errors.append(
                    f"row {line}, column without_reward_value, value '{store.bare(row['without_reward_value'])}': "
                    f"cannot add a reward target to the signed agreement of {row['area_code']} "
                    f"({store.FROZEN_RULE})"
                )
            continue
        if not cur["is_reward"] and row.get("without_reward_value") is None:
            continue
        for column in store.FROZEN_FIELDS:
            new, old = row.get(column), cur[column]
            if new != old:
                errors.append(
                    f"row {line}, column {column}, value '{store.bare(new) if new is not None else ''}': "
                    f"was '{store.bare(old) if old is not None else ''}' and cannot change ({store.FROZEN_RULE})"
                )
    return errors


def _with_expected_revision(
    values: pl.DataFrame, seen: Mapping[tuple[str, str, date], int]
) -> pl.DataFrame:
    """Each value with the revision its user was shown (0: no value yet), joined on its key."""
    areas, indicators, periods = zip(*seen, strict=True) if seen else ((), (), ())
    shown = pl.DataFrame(
        {
            "area_code": pl.Series(areas, dtype=pl.Utf8),
            "indicator_code": pl.Series(indicators, dtype=pl.Utf8),
            "period": pl.Series(periods, dtype=pl.Date),
            "expected_revision": pl.Series(list(seen.values()), dtype=pl.Int64),
        }
    )
    return values.join(
        shown, on=["area_code", "indicator_code", "period"], how="left", maintain_order="left"
    ).with_columns(pl.col("expected_revision").fill_null(0))


def _to_store_rows(kind: str, rows: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        r = {
            k: v
            for k, v in row.items()
            if k != "_line" and (v is not None or k not in ("period_basis", "lag_months"))
        }
        if kind == "targets":
            r["agreed_share_gbp"] = r.pop("reward_share_gbp", None)
            r["reason"] = f"import of {name}"
        out.append(r)
    return out


def import_file(
    engine: Engine,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    override_lock: str | None = None,
    skip_empty_values: bool = False,
    source_name: str | None = None,
    commentary: Sequence[Mapping[str, Any]] = (),
    seen: Mapping[tuple[str, str, date], int] | None = None,
    limits: tabular.Limits = tabular.UPLOAD,
) -> ImportResult:
    """Validate a whole file, then apply it in one transaction (or report and write nothing).

    `source_name` is the file's own name where `path` is a working copy (an upload): it is what
    messages show and the audit rows record ("import of NAME"). `commentary` (actuals only) is
    written with the values in the same transaction, as the "My updates" template carries it.
    `seen` (actuals only: area, indicator, period -> revision, absent meaning no value yet) is
    what the user was shown before writing: anyone else's save since refuses the whole file.
    `limits` bound the file read: an upload's, unless the operator imports from their own disk.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    name = source_name or path.name
    result = ImportResult(kind, source_name or str(path), dry_run=dry_run)
    try:
        frame = read_table(path, limits)
    except UnreadableFile as exc:  # plain words: no path, no library text
        result.errors.append(f"could not read the file: {exc}")
        return result
    except Exception:  # e.g. a file that vanished: still never a traceback or a path
        result.errors.append("could not read the file: it could not be opened")
        return result
    result.rows = frame.height
    codes = store.reference_codes(engine)
    skip = "value" if skip_empty_values and kind == "actuals" else None
    typed, errors = validate_frame(
        frame, kind, codes, store.business_today(engine), skip_empty=skip
    )
    del frame  # the file's text: only the typed values are needed from here on
    if not errors and kind == "targets":
        errors = _frozen_errors(engine, actor, _rows(kind, typed))
    if errors:
        result.errors = errors
        return result
    if kind == "actuals":
        values = typed.drop("_line")
        if seen is not None:
            values = _with_expected_revision(values, seen)
        rows: pl.DataFrame | list[dict[str, Any]] = (
            values  # the store takes the typed frame as it is: no dict per row
        )
    else:
        rows = _to_store_rows(kind, _rows(kind, typed), name)
    del typed

    def save_actuals(conn: Any, a: Actor, r: pl.DataFrame) -> WriteSummary:
        summary = store.save_actuals(
            conn, a, r, default_reason=f"import of {name}", override_lock=override_lock
        )
        if commentary:
            store.add_commentary(conn, a, commentary)
        return summary

    writer = {
        "areas": store.save_areas,
        "indicators": store.save_indicators,
        "targets": store.save_targets,
        "actuals": save_actuals,
        "reporting_lines": store.save_reporting_lines,
    }[kind]
    try:
        with db.write_transaction(engine) as conn:
            result.summary = writer(conn, actor, rows)
            if dry_run or result.summary.changed == 0:
                raise _Refused
    except _Refused:
        pass
    except RuleViolation as exc:
        result.errors.append(str(exc))
    except DBAPIError as exc:  # a limit the checks above missed: refuse, never a traceback
        result.errors.append(f"the database refused the file: {exc.orig}".splitlines()[0])
    return result
