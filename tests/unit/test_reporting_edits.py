"""The admin's reporting-line edits: what a save would insert, change and remove, or why not."""

from __future__ import annotations

import polars as pl

from dashboard.reports.reporting_edits import EDIT_COLUMNS, line_edits

LINE = {
    "indicator_code": "BV128", "recipient_type": "department", "recipient_code": "HO",
    "return_name": "iQuanta monthly recorded crime", "frequency": "monthly",
    "laa_status": "continues", "format": "CSV upload", "due_days": 20,
}  # fmt: skip
OTHER = LINE | {"recipient_type": "go", "recipient_code": "GO", "return_name": "LAA return",
                "frequency": "quarterly"}  # fmt: skip
KNOWN = {"indicators": {"BV128", "BV126"}, "departments": {"HO", "DH"}}


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={c: (pl.Int64 if c == "due_days" else pl.Utf8)
                                            for c in EDIT_COLUMNS})  # fmt: skip


def test_unchanged_table_changes_nothing() -> None:
    edits = line_edits(frame(LINE, OTHER), frame(LINE, OTHER), **KNOWN)
    assert edits.empty and not edits.errors


def test_a_changed_field_is_a_change_and_a_dropped_row_a_removal() -> None:
    edits = line_edits(frame(LINE, OTHER), frame(LINE | {"frequency": "quarterly"}), **KNOWN)
    assert [r["frequency"] for r in edits.changed] == ["quarterly"]
    assert edits.inserted == []
    assert edits.removed == [{k: OTHER[k] for k in
                              ("indicator_code", "recipient_type", "recipient_code", "return_name")}]  # fmt: skip
    assert edits.describe() == "1 line changed, 0 lines added, 1 line removed"


def test_an_edited_key_is_the_old_line_removed_and_a_new_one_added() -> None:
    edits = line_edits(frame(LINE), frame(LINE | {"recipient_code": "DH"}), **KNOWN)
    assert [r["recipient_code"] for r in edits.inserted] == ["DH"]
    assert [r["recipient_code"] for r in edits.removed] == ["HO"]
    assert edits.rows == edits.inserted


def test_problems_name_row_and_column_and_nothing_is_returned_to_write() -> None:
    bad = frame(
        LINE,
        LINE | {"indicator_code": "NOPE", "frequency": "weekly"},
        LINE,  # the same key as row 1
        OTHER | {"recipient_type": "department", "recipient_code": "XX", "due_days": -3},
    )
    edits = line_edits(frame(LINE), bad, **KNOWN)
    assert edits.rows == [] and edits.removed == []
    assert edits.errors == [
        "Row 2, indicator_code: unknown indicator “NOPE”",
        "Row 2, frequency: “weekly” is not a frequency (one of monthly, quarterly, termly, "
        "annual, biennial, triennial)",
        "Row 3, return_name: the same indicator, recipient and return as row 1",
        "Row 4, recipient_code: “XX” is not a known department code",
        "Row 4, due_days: must not be negative",
    ]


def test_blank_cells_are_required_or_defaulted() -> None:
    edits = line_edits(frame(), frame(LINE | {"return_name": "  ", "laa_status": None}), **KNOWN)
    assert edits.errors == ["Row 1, return_name: is required"]
    ok = line_edits(frame(), frame(LINE | {"laa_status": None}), **KNOWN)
    assert [r["laa_status"] for r in ok.inserted] == ["continues"]
