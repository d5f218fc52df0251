"""Reporting periods: display labels and period-end calendars.

Every actual is keyed by the ISO date its period ends on; people read periods the way the
returns name them (``2006/07``, ``Q2 2006/07``, ``Autumn 2006/07``...). Labels are derived
from the end date plus the indicator's frequency and period basis, so nothing else stores them.
"""

from __future__ import annotations

import calendar
from datetime import date

import polars as pl

__all__ = [
    "FREQUENCIES",
    "PERIOD_BASES",
    "label_periods",
    "period_ends",
    "period_label",
    "period_label_expr",
]

FREQUENCIES = ("monthly", "quarterly", "termly", "annual", "biennial", "triennial")
PERIOD_BASES = ("financial", "academic", "calendar", "rolling_12_months", "three_year_pooled")

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DASH = "\u2013"

# Month in which an annual period ends, per basis. Rolling 12 months reported annually is
# taken to run to March (financial year-end); pooled three-year data are calendar years.
_ANNUAL_END_MONTH = {
    "financial": 3,
    "academic": 8,
    "calendar": 12,
    "rolling_12_months": 3,
    "three_year_pooled": 12,
}
_QUARTER_END_MONTHS = (3, 6, 9, 12)
_TERM_END_MONTHS = (4, 8, 12)  # spring ends 30 Apr, summer 31 Aug, autumn 31 Dec
_YEARS_PER_PERIOD = {"annual": 1, "biennial": 2, "triennial": 3}


def _check(frequency: str, period_basis: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; expected one of {FREQUENCIES}")
    if period_basis not in PERIOD_BASES:
        raise ValueError(f"unknown period basis {period_basis!r}; expected one of {PERIOD_BASES}")


def _split_year(start_year: int) -> str:
    """``2006`` -> ``2006/07``: the way financial and academic years are written."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_label(period_end: date, frequency: str, period_basis: str) -> str:
    """Display label of the period ending on ``period_end``.

    Financial years run April-March (Q1 = Apr-Jun), academic years September-August, terms
    are autumn (to 31 Dec), spring (to 30 Apr) and summer (to 31 Aug) of the academic year.
    Biennial and triennial periods are labelled like the annual period they end with;
    quarterly data on a calendar basis use calendar quarters (Q1 = Jan-Mar).
    """
    _check(frequency, period_basis)
    y, m = period_end.year, period_end.month
    if period_basis == "rolling_12_months":
        return f"12m to {_MONTHS[m - 1]} {y}"
    if period_basis == "three_year_pooled":
        return f"{y - 2}{_EN_DASH}{y % 100:02d}"
    if frequency == "monthly":
        return f"{_MONTHS[m - 1]} {y}"
    if frequency == "termly":
        term = "Autumn" if m >= 9 else ("Spring" if m <= 4 else "Summer")
        return f"{term} {_split_year(y if m >= 9 else y - 1)}"
    if frequency == "quarterly":
        if period_basis == "calendar":
            return f"Q{(m - 1) // 3 + 1} {y}"
        return f"Q{(m - 4) % 12 // 3 + 1} {_split_year(y if m >= 4 else y - 1)}"
    # annual, biennial, triennial
    if period_basis == "calendar":
        return str(y)
    if period_basis == "academic":
        return _split_year(y if m >= 9 else y - 1)
    return _split_year(y if m >= 4 else y - 1)


def period_label_expr(
    period: str | pl.Expr = "period",
    frequency: str | pl.Expr = "frequency",
    period_basis: str | pl.Expr = "period_basis",
) -> pl.Expr:
    """Vectorised :func:`period_label`: a Utf8 expression over Date/frequency/basis columns.

    Strings name columns. Unknown frequency or basis values give null rather than raising,
    so one bad indicator does not blank a whole page.
    """
    d = pl.col(period) if isinstance(period, str) else period
    f = pl.col(frequency) if isinstance(frequency, str) else frequency
    b = pl.col(period_basis) if isinstance(period_basis, str) else period_basis
    y = d.dt.year()
    m = d.dt.month().cast(pl.Int32)
    mon = d.dt.strftime("%b")  # chrono formats English month names regardless of locale

    def two(expr: pl.Expr) -> pl.Expr:
        return (expr % 100).cast(pl.Utf8).str.zfill(2)

    def split_year(start: pl.Expr) -> pl.Expr:
        return pl.concat_str([start.cast(pl.Utf8), pl.lit("/"), two(start + 1)])

    fin_start = pl.when(m >= 4).then(y).otherwise(y - 1)
    acad_start = pl.when(m >= 9).then(y).otherwise(y - 1)
    term = pl.when(m >= 9).then(pl.lit("Autumn")).when(m <= 4).then(pl.lit("Spring"))
    term = term.otherwise(pl.lit("Summer"))
    fin_q = ((m - 4) % 12) // 3 + 1
    cal_q = (m - 1) // 3 + 1
    annual_like = f.is_in(["annual", "biennial", "triennial"])
    valid = f.is_in(list(FREQUENCIES)) & b.is_in(list(PERIOD_BASES))
    label = (
        pl.when(b == "rolling_12_months")
        .then(pl.concat_str([pl.lit("12m to "), mon, pl.lit(" "), y.cast(pl.Utf8)]))
        .when(b == "three_year_pooled")
        .then(pl.concat_str([(y - 2).cast(pl.Utf8), pl.lit(_EN_DASH), two(y)]))
        .when(f == "monthly")
        .then(pl.concat_str([mon, pl.lit(" "), y.cast(pl.Utf8)]))
        .when(f == "termly")
        .then(pl.concat_str([term, pl.lit(" "), split_year(acad_start)]))
        .when((f == "quarterly") & (b == "calendar"))
        .then(pl.concat_str([pl.lit("Q"), cal_q.cast(pl.Utf8), pl.lit(" "), y.cast(pl.Utf8)]))
        .when(f == "quarterly")
        .then(pl.concat_str([pl.lit("Q"), fin_q.cast(pl.Utf8), pl.lit(" "), split_year(fin_start)]))
        .when(annual_like & (b == "calendar"))
        .then(y.cast(pl.Utf8))
        .when(annual_like & (b == "academic"))
        .then(split_year(acad_start))
        .when(annual_like)
        .then(split_year(fin_start))
    )
    return pl.when(valid).then(label).otherwise(None)


def label_periods(
    frame: pl.DataFrame,
    period: str = "period",
    frequency: str = "frequency",
    period_basis: str = "period_basis",
    out: str = "period_label",
) -> pl.DataFrame:
    """Add a ``period_label`` column (see :func:`period_label_expr`)."""
    return frame.with_columns(period_label_expr(period, frequency, period_basis).alias(out))


def period_ends(frequency: str, period_basis: str, start: date, end: date) -> list[date]:
    """Every period-end date in ``[start, end]`` for this frequency and basis, ascending.

    Monthly: month ends; quarterly: 30 Jun, 30 Sep, 31 Dec, 31 Mar; termly: 31 Dec, 30 Apr,
    31 Aug; annual: 31 Mar (financial, rolling), 31 Aug (academic), 31 Dec (calendar,
    pooled). Biennial/triennial step 2/3 years from the first annual end on/after ``start``.
    """
    _check(frequency, period_basis)
    if end < start:
        return []
    if frequency == "monthly":
        months = tuple(range(1, 13))
    elif frequency == "quarterly":
        months = _QUARTER_END_MONTHS
    elif frequency == "termly":
        months = _TERM_END_MONTHS
    else:
        months = (_ANNUAL_END_MONTH[period_basis],)
    candidates = [
        _month_end(year, month)
        for year in range(start.year, end.year + 1)
        for month in months
        if start <= _month_end(year, month) <= end
    ]
    step = _YEARS_PER_PERIOD.get(frequency, 1)
    return candidates[::step]
