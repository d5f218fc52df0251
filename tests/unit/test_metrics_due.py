"""Due and overdue values (DOMAIN §8)."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.metrics.due import due_values, missing_values, overdue_by_partnership


def _targets() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "target_id": [1, 2],
            "partnership": ["Safer", "Health"],
            "frequency": ["quarterly", "annual"],
            "period_basis": ["financial", "financial"],
            "baseline_period": [date(2007, 3, 31), date(2007, 3, 31)],
            "target_period": [date(2009, 3, 31), date(2009, 3, 31)],
            "lag_months": [3, 6],
        }
    )


def test_a_value_is_due_at_period_end_plus_lag_and_overdue_30_days_later() -> None:
    actuals = pl.DataFrame(
        {
            "target_id": [1, 1, 1, 2],
            "period": [date(2007, 6, 30), date(2007, 9, 30), date(2008, 3, 31), date(2008, 3, 31)],
        }
    )
    today = date(2008, 10, 31)
    due = due_values(_targets(), actuals, today)
    # Quarterly: Dec 2007 (due 31 Mar 2008) and Jun 2008 (due 30 Sep 2008) are missing;
    # Sep 2008 ends but is due only on 31 Dec 2008. Annual 2007/08 is in.
    assert due.select("target_id", "period", "due_date", "overdue").rows() == [
        (1, date(2007, 12, 31), date(2008, 3, 31), True),
        (1, date(2008, 6, 30), date(2008, 9, 30), True),
    ]
    assert due["days_late"].to_list() == [214, 31]
    states = missing_values(_targets(), actuals, today).select("period", "state").rows()
    assert (date(2008, 9, 30), "open") in states


def test_exactly_thirty_days_late_is_due_not_overdue() -> None:
    actuals = pl.DataFrame(
        {"target_id": [2], "period": [date(2007, 3, 31)]},
        schema={"target_id": pl.Int64, "period": pl.Date},
    )
    due = due_values(
        _targets().filter(pl.col("target_id") == 2), actuals.clear(), date(2008, 10, 30)
    )
    assert due.select("period", "days_late", "overdue").rows() == [(date(2008, 3, 31), 30, False)]


def test_overdue_counts_per_partnership() -> None:
    empty = pl.DataFrame(schema={"target_id": pl.Int64, "period": pl.Date})
    due = due_values(_targets(), empty, date(2008, 12, 31))
    summary = overdue_by_partnership(_targets(), due)
    # Quarterly Jun 07 .. Sep 08 are due by 31 Dec 2008 (Sep 08 exactly on it): six values.
    assert summary.rows() == [("Health", 1, 1), ("Safer", 1, 6)]
