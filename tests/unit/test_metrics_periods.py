"""Period labels and period-end calendars."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.metrics.periods import (
    FREQUENCIES,
    PERIOD_BASES,
    label_periods,
    period_ends,
    period_label,
)

D = date

LABELS = [
    (D(2007, 3, 31), "annual", "financial", "2006/07"),
    (D(2000, 3, 31), "annual", "financial", "1999/00"),
    (D(2006, 6, 30), "quarterly", "financial", "Q1 2006/07"),
    (D(2006, 9, 30), "quarterly", "financial", "Q2 2006/07"),
    (D(2006, 12, 31), "quarterly", "financial", "Q3 2006/07"),
    (D(2007, 3, 31), "quarterly", "financial", "Q4 2006/07"),
    (D(2007, 6, 30), "quarterly", "calendar", "Q2 2007"),
    (D(2007, 11, 30), "monthly", "financial", "Nov 2007"),
    (D(2007, 11, 30), "monthly", "calendar", "Nov 2007"),
    (D(2007, 8, 31), "annual", "academic", "2006/07"),
    (D(2007, 12, 31), "annual", "calendar", "2007"),
    (D(2006, 12, 31), "termly", "academic", "Autumn 2006/07"),
    (D(2007, 4, 30), "termly", "academic", "Spring 2006/07"),
    (D(2007, 8, 31), "termly", "academic", "Summer 2006/07"),
    (D(2008, 3, 31), "biennial", "financial", "2007/08"),
    (D(2007, 8, 31), "triennial", "academic", "2006/07"),
    (D(2007, 6, 30), "quarterly", "rolling_12_months", "12m to Jun 2007"),
    (D(2006, 12, 31), "annual", "three_year_pooled", "2004\u201306"),
    (D(2009, 12, 31), "annual", "three_year_pooled", "2007\u201309"),
]


@pytest.mark.parametrize(("end", "frequency", "basis", "label"), LABELS)
def test_period_label(end: date, frequency: str, basis: str, label: str) -> None:
    assert period_label(end, frequency, basis) == label


def test_label_periods_frame_matches_scalar() -> None:
    df = pl.DataFrame(
        {
            "period": [row[0] for row in LABELS],
            "frequency": [row[1] for row in LABELS],
            "period_basis": [row[2] for row in LABELS],
        }
    )
    assert label_periods(df).get_column("period_label").to_list() == [row[3] for row in LABELS]


def test_unknown_frequency() -> None:
    with pytest.raises(ValueError, match="fortnightly"):
        period_label(D(2007, 3, 31), "fortnightly", "financial")
    df = pl.DataFrame({"period": [D(2007, 3, 31)], "frequency": ["x"], "period_basis": ["y"]})
    assert label_periods(df).get_column("period_label").item() is None


@given(
    day=st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31)),
    frequency=st.sampled_from(FREQUENCIES),
    basis=st.sampled_from(PERIOD_BASES),
)
def test_vectorised_label_equals_scalar(day: date, frequency: str, basis: str) -> None:
    df = pl.DataFrame({"period": [day], "frequency": [frequency], "period_basis": [basis]})
    assert label_periods(df).get_column("period_label").item() == period_label(
        day, frequency, basis
    )


def test_period_ends_monthly_and_quarterly() -> None:
    assert period_ends("monthly", "financial", D(2007, 1, 15), D(2007, 4, 30)) == [
        D(2007, 1, 31),
        D(2007, 2, 28),
        D(2007, 3, 31),
        D(2007, 4, 30),
    ]
    assert period_ends("monthly", "calendar", D(2008, 2, 1), D(2008, 2, 29)) == [D(2008, 2, 29)]
    assert period_ends("quarterly", "financial", D(2005, 4, 1), D(2006, 3, 31)) == [
        D(2005, 6, 30),
        D(2005, 9, 30),
        D(2005, 12, 31),
        D(2006, 3, 31),
    ]


def test_period_ends_termly_and_annual() -> None:
    assert period_ends("termly", "academic", D(2006, 9, 1), D(2007, 8, 31)) == [
        D(2006, 12, 31),
        D(2007, 4, 30),
        D(2007, 8, 31),
    ]
    start, end = D(2005, 4, 1), D(2008, 3, 31)
    assert period_ends("annual", "financial", start, end) == [
        D(2006, 3, 31),
        D(2007, 3, 31),
        D(2008, 3, 31),
    ]
    assert period_ends("annual", "academic", start, end) == [
        D(2005, 8, 31),
        D(2006, 8, 31),
        D(2007, 8, 31),
    ]
    assert period_ends("annual", "calendar", start, end) == [
        D(2005, 12, 31),
        D(2006, 12, 31),
        D(2007, 12, 31),
    ]


def test_period_ends_biennial_and_triennial_anchor_on_first_end_after_start() -> None:
    assert period_ends("biennial", "financial", D(2005, 4, 1), D(2011, 3, 31)) == [
        D(2006, 3, 31),
        D(2008, 3, 31),
        D(2010, 3, 31),
    ]
    assert period_ends("biennial", "financial", D(2006, 4, 1), D(2011, 3, 31)) == [
        D(2007, 3, 31),
        D(2009, 3, 31),
        D(2011, 3, 31),
    ]
    assert period_ends("triennial", "calendar", D(2005, 1, 1), D(2012, 12, 31)) == [
        D(2005, 12, 31),
        D(2008, 12, 31),
        D(2011, 12, 31),
    ]


def test_period_ends_bounds_are_inclusive_and_empty_when_reversed() -> None:
    assert period_ends("quarterly", "financial", D(2006, 6, 30), D(2006, 9, 30)) == [
        D(2006, 6, 30),
        D(2006, 9, 30),
    ]
    assert period_ends("quarterly", "financial", D(2007, 1, 1), D(2006, 1, 1)) == []


@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2010, 12, 31)),
    days=st.integers(min_value=0, max_value=2000),
    frequency=st.sampled_from(FREQUENCIES),
    basis=st.sampled_from(PERIOD_BASES),
)
def test_period_ends_are_sorted_month_ends_in_range(
    start: date, days: int, frequency: str, basis: str
) -> None:
    end = start + timedelta(days=days)
    ends = period_ends(frequency, basis, start, end)
    assert ends == sorted(set(ends))
    assert all(start <= e <= end and (e + timedelta(days=1)).day == 1 for e in ends)
    per_year = {"monthly": 12, "quarterly": 4, "termly": 3}.get(frequency, 1)
    assert len(ends) <= (days // 365 + 2) * per_year
