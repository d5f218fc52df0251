"""The sane range of every number and date the dashboard accepts, in one place.

Files, the data-entry grid and the correction form all go through the importer's hard rules,
which refuse anything outside these ranges; the `?as_at=` of a link is held to the same
dates. The limits fit every real indicator with room to spare (the largest figure is a count
of a few million, the longest publication lag 14 months) while keeping every figure inside
what the database, the decimal formatting and the date arithmetic can hold.
"""

from __future__ import annotations

import math
from datetime import date

# Values, baselines, targets, milestones and plausible ranges: a million million either way.
VALUE_LIMIT = 1_000_000_000_000.0
# Pounds (budgets, reward shares, pump-priming grants): a million million.
MONEY_LIMIT = 1_000_000_000_000.0
LAG_MONTHS = (0, 36)  # an indicator's publication lag
DECIMALS = (0, 3)  # the decimals a value is shown with
DUE_DAYS = (0, 730)  # a return's deadline after its period end
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)

# Files the operator imports from their own disk (`laa import`); an upload through a page keeps
# `dashboard.tabular`'s 20 MB and 2,000,000 cells. A national actuals file (150 areas x 198
# indicators x 24 quarters, 712,800 rows) is about 32 MB and 4.3 million cells; the bounds
# leave room for the stress scale (350 areas monthly) while keeping what is read finite.
OPERATOR_FILE_MEGABYTES = 1024
OPERATOR_FILE_CELLS = 100_000_000
# calamine holds a sheet's whole rectangle at 32 bytes a cell before anything is read: 10
# million cells (Excel's own 1,048,576 rows of ten columns) is 320 MB.
OPERATOR_WORKBOOK_CELLS = 10_000_000


def _amount(limit: float) -> str:
    return f"{limit:,.0f}"


def value_problem(value: float) -> str | None:
    """Why a value, baseline or target cannot be stored, or None when it is in range."""
    if not math.isfinite(value):
        return "is not a finite number"
    if abs(value) > VALUE_LIMIT:
        size = "too large" if value > 0 else "too far below zero"
        return (
            f"is {size}: values must be between −{_amount(VALUE_LIMIT)} and {_amount(VALUE_LIMIT)}"
        )
    return None


def money_problem(amount: float) -> str | None:
    """Why an amount in pounds cannot be stored, or None when it is in range."""
    if not math.isfinite(amount) or abs(amount) > MONEY_LIMIT:
        return f"is too large: amounts must be at most £{_amount(MONEY_LIMIT)}"
    return None


def whole_number_problem(value: int, bounds: tuple[int, int], what: str) -> str | None:
    """Why a lag, decimals or number of days is out of its range, or None."""
    low, high = bounds
    if low <= value <= high:
        return None
    return f"must be between {low} and {high} {what}".rstrip()


def date_problem(day: date) -> str | None:
    """Why a date is outside the years the dashboard covers, or None."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return (
        f"is outside the years the dashboard covers: dates must be between "
        f"{EARLIEST_DATE:%d %B %Y} and {LATEST_DATE:%d %B %Y}"
    )
