"""An administrator's edits to the reporting lines: check them, then say what changes.

The page's editor hands back the whole table of lines; this module compares it with the lines
in the database by their key (indicator, recipient type, recipient, return) and returns the
lines to insert, to change and to remove, or the problems that stop the save, each naming its
row (as numbered in the editor, from 1) and column. Pure: frames in, lists out; no Streamlit,
no SQL. The store's `save_reporting_lines` then writes and audits the change in one go.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dashboard.metrics.bounds import DUE_DAYS
from dashboard.store import REPORTING_LINE_FIELDS, REPORTING_LINE_KEY
from data_models.vocab import FREQUENCIES, RECIPIENT_TYPES, REPORTING_STATUSES

__all__ = ["EDIT_COLUMNS", "LineEdits", "clean_lines", "editable_lines", "line_edits"]

EDIT_COLUMNS = (*REPORTING_LINE_KEY, *REPORTING_LINE_FIELDS)
_TEXT = [c for c in EDIT_COLUMNS if c != "due_days"]
_SCHEMA = {c: (pl.Int64 if c == "due_days" else pl.Utf8) for c in EDIT_COLUMNS}
_REQUIRED = (*REPORTING_LINE_KEY, "frequency")


@dataclass(frozen=True)
class LineEdits:
    """What a save would do: rows to insert or change, keys to remove, or why it cannot."""

    inserted: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rows to hand to `store.save_reporting_lines` (new and changed lines)."""
        return [*self.inserted, *self.changed]

    @property
    def empty(self) -> bool:
        return not (self.inserted or self.changed or self.removed)

    def describe(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} line{'' if count == 1 else 's'} {word}"

        return ", ".join(
            [n(len(self.changed), "changed"), n(len(self.inserted), "added"),
             n(len(self.removed), "removed")]
        )  # fmt: skip


def editable_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The editor's table: the key and field columns of `store.reporting_lines`."""
    return lines.select(pl.col(c).cast(t) for c, t in _SCHEMA.items())


def clean_lines(edited: pl.DataFrame) -> pl.DataFrame:
    """The editor's output with text trimmed, empty cells as null and an empty LAA status read
    as "continues" (the store's default), so that comparing with the database is exact."""
    frame = edited.select(
        *(pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None) for c in _TEXT),
        pl.col("due_days").cast(pl.Float64, strict=False),
    )
    return frame.with_columns(pl.col("laa_status").fill_null("continues")).select(EDIT_COLUMNS)


def _problems(
    frame: pl.DataFrame, indicators: Collection[str], departments: Collection[str]
) -> list[str]:
    """'Row n, column: what is wrong' for every problem, by row then column."""
    key = list(REPORTING_LINE_KEY)
    # The first row of each complete key: later rows with that key are its duplicates.
    rows = frame.with_row_index("row", offset=1).with_columns(_first=pl.col("row").min().over(key))

    def problem(failing: pl.Expr, column: str, message: pl.Expr | str) -> pl.DataFrame:
        text = pl.lit(message) if isinstance(message, str) else message
        return rows.filter(failing).select("row", column=pl.lit(column), message=text.cast(pl.Utf8))

    def closed(column: str, vocabulary: Sequence[str], what: str) -> pl.DataFrame:
        value = pl.col(column)
        return problem(
            value.is_not_null() & ~value.is_in(list(vocabulary)),
            column,
            pl.format(f"“{{}}” is not a {what} (one of {', '.join(vocabulary)})", value),
        )

    code, days = pl.col("indicator_code"), pl.col("due_days")
    complete = pl.all_horizontal(pl.col(k).is_not_null() for k in key)
    first = pl.col("_first")
    found = [
        *(problem(pl.col(c).is_null(), c, "is required") for c in _REQUIRED),
        problem(
            code.is_not_null() & ~code.is_in(list(indicators)),
            "indicator_code",
            pl.format("unknown indicator “{}”", code),
        ),
        closed("recipient_type", RECIPIENT_TYPES, "recipient type"),
        closed("frequency", FREQUENCIES, "frequency"),
        closed("laa_status", REPORTING_STATUSES, "LAA status"),
        problem(
            (pl.col("recipient_type") == "department")
            & pl.col("recipient_code").is_not_null()
            & ~pl.col("recipient_code").is_in(list(departments)),
            "recipient_code",
            pl.format("“{}” is not a known department code", pl.col("recipient_code")),
        ),
        problem(days < 0, "due_days", "must not be negative"),
        problem(days != days.floor(), "due_days", "must be a whole number of days"),
        problem(
            days > DUE_DAYS[1], "due_days", f"must be between 0 and {DUE_DAYS[1]} days"
        ),  # the importer's limit: a deadline the date arithmetic can still reach
        problem(
            complete & (pl.col("row") != first),
            "return_name",
            pl.format("the same indicator, recipient and return as row {}", first),
        ),
    ]
    order = {c: i for i, c in enumerate(EDIT_COLUMNS)}
    messages = (
        pl.concat(found)
        .with_columns(_col=pl.col("column").replace_strict(order, return_dtype=pl.Int64))
        .sort("row", "_col")
        .select(pl.format("Row {}, {}: {}", "row", "column", "message"))
    )
    return messages.to_series().to_list()


def line_edits(
    original: pl.DataFrame,
    edited: pl.DataFrame,
    *,
    indicators: Collection[str],
    departments: Collection[str],
) -> LineEdits:
    """Compare the edited table with the lines in the database by their key.

    A line whose key cells were edited is the old line removed and a new one added (the key
    is what the store matches on). Nothing is returned to write if any row has a problem.
    """
    frame = clean_lines(edited)
    errors = _problems(frame, indicators, departments)
    if errors:
        return LineEdits(errors=errors)
    frame = frame.with_columns(pl.col("due_days").cast(pl.Int64))
    before = editable_lines(original)
    key = list(REPORTING_LINE_KEY)
    removed = before.join(frame, on=key, how="anti", nulls_equal=True).select(key)
    matched = frame.join(
        before.with_columns(_old=pl.lit(True)), on=key, how="left", suffix="_old",
        nulls_equal=True,
    )  # fmt: skip
    differs = pl.any_horizontal(
        pl.col(f).ne_missing(pl.col(f"{f}_old")) for f in REPORTING_LINE_FIELDS
    )
    is_new = pl.col("_old").is_null()
    inserted = matched.filter(is_new).select(EDIT_COLUMNS)
    changed = matched.filter(~is_new & differs).select(EDIT_COLUMNS)
    return LineEdits(
        inserted=inserted.to_dicts(), changed=changed.to_dicts(), removed=removed.to_dicts()
    )
