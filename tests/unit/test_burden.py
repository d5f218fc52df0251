"""The reporting-burden arithmetic (DOMAIN §8 "data items a year") on a hand-made framework.

Pure polars frames, no database. Each expected figure is worked out by hand in the comments:
monthly 12, quarterly 4, termly 3, annual 1, biennial 1/2, triennial 1/3 items a year per
indicator × recipient; stopped and replaced lines count only before the LAA; "once" is the
most frequent continuing line (the dashboard's one entry serves the rest).
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from dashboard.metrics.burden import (
    BURDEN_COLUMNS,
    ITEMS_PER_YEAR,
    burden,
    indicator_burden,
    upward,
)

COLUMNS = ("indicator_code", "block_code", "recipient_type", "recipient_code", "return_name",
           "frequency", "laa_status")  # fmt: skip


def lines(*rows: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=list(COLUMNS), orient="row")


# A: monthly to HO (continues), quarterly to the GO (replaced), annual to the AC (continues).
CRIME = [
    ("A", "SSC", "department", "HO", "iQuanta", "monthly", "continues"),
    ("A", "SSC", "go", "GO", "Fund quarterly monitoring", "quarterly", "replaced"),
    ("A", "SSC", "regulator", "AC", "Performance indicators", "annual", "continues"),
]
# B: triennial to DH and biennial to the AC, both continuing: 1/3 + 1/2 = 5/6 a year.
SURVEYS = [
    ("B", "HCOP", "department", "DH", "Triennial survey", "triennial", "continues"),
    ("B", "HCOP", "regulator", "AC", "Biennial survey", "biennial", "continues"),
]
# C: annual to DfES that stops, and the LSP board's own monthly report (not upward).
STOPS = [
    ("C", "CYP", "department", "DfES", "Grant monitoring", "annual", "stops"),
    ("C", "CYP", "lsp_board", "LSP", "Board report", "monthly", "continues"),
]


def exact(items: float) -> Fraction:
    """Items a year as the fraction they stand for (a float holds 5/6 only to the last bit)."""
    rational = Fraction(items).limit_denominator(60)
    assert abs(float(rational) - items) < 1e-12, items
    return rational


def one(frame: pl.DataFrame) -> dict:
    assert frame.height == 1, frame
    return frame.row(0, named=True)


def test_monthly_quarterly_annual_example() -> None:
    row = one(burden(lines(*CRIME)))
    assert row == {
        "indicators": 1,
        "lines_before": 3,
        "lines_after": 2,
        "items_before": 17.0,  # 12 + 4 + 1
        "items_after": 13.0,  # 12 + 1: the GO's quarterly return is replaced
        "items_removed": 4.0,
        "items_once": 12.0,  # entered monthly once; the annual AC figure comes from it
        "items_saved_by_once": 1.0,
        "duplicated_before": 1,  # three recipients
        "duplicated_after": 1,  # still two (HO and the AC)
    }
    assert tuple(burden(lines(*CRIME)).columns) == BURDEN_COLUMNS


def test_triennial_and_biennial_sum_exactly() -> None:
    row = one(burden(lines(*SURVEYS)))
    five_sixths = Fraction(1, 3) + Fraction(1, 2)
    assert exact(row["items_before"]) == exact(row["items_after"]) == five_sixths
    assert row["items_removed"] == 0.0
    assert row["items_once"] == 0.5  # the biennial survey is the more frequent
    assert exact(row["items_saved_by_once"]) == Fraction(1, 3)
    assert ITEMS_PER_YEAR["triennial"] == 1 / 3 and ITEMS_PER_YEAR["biennial"] == 0.5


def test_upward_leaves_the_lsp_board_out() -> None:
    framework = lines(*STOPS)
    assert set(upward(framework)["recipient_type"]) == {"department"}
    row = one(burden(upward(framework)))
    assert (row["items_before"], row["items_after"], row["items_removed"]) == (1.0, 0.0, 1.0)
    assert (row["items_once"], row["items_saved_by_once"]) == (0.0, 0.0)  # nothing continues
    assert (row["duplicated_before"], row["duplicated_after"]) == (0, 0)
    # Counted with the board's own report, the monthly board figures would dominate.
    assert one(burden(framework))["items_before"] == 13.0


def test_framework_totals_and_by_block() -> None:
    framework = upward(lines(*CRIME, *SURVEYS, *STOPS))
    total = one(burden(framework))
    assert total["indicators"] == 3
    assert total["lines_before"] == 3 + 2 + 1 and total["lines_after"] == 2 + 2 + 0
    assert exact(total["items_before"]) == 17 + Fraction(5, 6) + 1
    assert exact(total["items_after"]) == 13 + Fraction(5, 6)
    assert total["items_removed"] == 5.0
    assert total["items_once"] == 12.5
    assert exact(total["items_saved_by_once"]) == 1 + Fraction(1, 3)
    assert (total["duplicated_before"], total["duplicated_after"]) == (2, 2)
    by_block = burden(framework, by=("block_code",))
    assert by_block["block_code"].to_list() == ["CYP", "HCOP", "SSC"]
    assert [exact(x) for x in by_block["items_before"]] == [1, Fraction(5, 6), 17]
    assert by_block["items_removed"].to_list() == [1.0, 0.0, 4.0]


def test_per_area_counts_follow_what_each_area_reports() -> None:
    framework = upward(lines(*CRIME, *SURVEYS, *STOPS))
    reported = pl.DataFrame(
        {"area_code": ["X01", "X01", "X02", "X03"], "indicator_code": ["A", "B", "A", "Z"]}
    )
    per_area = burden(framework, reported, by=("area_code",))
    # X03 reports only an indicator with no upward line: nothing to count.
    assert per_area["area_code"].to_list() == ["X01", "X02"]
    x01, x02 = per_area.to_dicts()
    assert x01["indicators"] == 2 and x02["indicators"] == 1
    assert exact(x01["items_before"]) == 17 + Fraction(5, 6)
    assert x02["items_before"] == 17.0
    assert exact(x01["items_saved_by_once"]) == 1 + Fraction(1, 3)
    total = one(burden(framework, reported))
    assert exact(total["items_before"]) == 34 + Fraction(5, 6)  # A twice, B once


def test_indicator_burden_keeps_exact_sixths() -> None:
    frame = indicator_burden(lines(*CRIME, *SURVEYS)).sort("indicator_code")
    assert frame["sixths_before"].to_list() == [17 * 6, 5]
    assert frame["sixths_after"].to_list() == [13 * 6, 5]
    assert frame["sixths_once"].to_list() == [12 * 6, 3]


def test_unknown_frequency_is_refused() -> None:
    bad = lines(("A", "SSC", "department", "HO", "Weekly", "weekly", "continues"))
    with pytest.raises(ValueError, match="unknown frequency weekly"):
        burden(bad)


def test_two_returns_to_one_recipient_at_one_frequency_are_one_stream() -> None:
    """The docstring's rule: "A recipient is counted once per indicator and frequency, even if
    it names two returns" (issue 6: "counting each indicator × recipient × frequency")."""
    two_returns = lines(
        ("D", "HCOP", "department", "DH", "Service return", "quarterly", "continues"),
        ("D", "HCOP", "department", "DH", "Delivery plan return", "quarterly", "replaced"),
    )
    row = one(burden(two_returns))
    assert row["lines_before"] == 2 and row["lines_after"] == 1
    assert row["items_before"] == 4.0  # one quarterly stream to DH, not 8
    assert row["items_after"] == 4.0
