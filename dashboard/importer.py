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
from collections.abc import Callable, Mapping, Sequence
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


def validate(
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
    fmt = FORMATS[kind]
    errors = _column_errors(frame, fmt)
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
) -> ImportResult:
    """Validate a whole file, then apply it in one transaction (or report and write nothing).

    `source_name` is the file's own name where `path` is a working copy (an upload): it is what
    messages show and the audit rows record ("import of NAME"). `commentary` (actuals only) is
    written with the values in the same transaction, as the "My updates" template carries it.
    `seen` (actuals only: area, indicator, period -> revision, absent meaning no value yet) is
    what the user was shown before writing: anyone else's save since refuses the whole file.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    name = source_name or path.name
    result = ImportResult(kind, source_name or str(path), dry_run=dry_run)
    try:
        frame = read_table(path)
    except UnreadableFile as exc:  # plain words: no path, no library text
        result.errors.append(f"could not read the file: {exc}")
        return result
    except Exception:  # e.g. a file that vanished: still never a traceback or a path
        result.errors.append("could not read the file: it could not be opened")
        return result
    result.rows = frame.height
    codes = store.reference_codes(engine)
    skip = "value" if skip_empty_values and kind == "actuals" else None
    parsed, errors = validate(frame, kind, codes, store.business_today(engine), skip_empty=skip)
    if not errors and kind == "targets":
        errors = _frozen_errors(engine, actor, parsed)
    if errors:
        result.errors = errors
        return result
    rows = _to_store_rows(kind, parsed, name)
    if seen is not None and kind == "actuals":
        for r in rows:
            r["expected_revision"] = seen.get((r["area_code"], r["indicator_code"], r["period"]), 0)

    def save_actuals(conn: Any, a: Actor, r: list[dict[str, Any]]) -> WriteSummary:
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
