"""Due and overdue values (DOMAIN §8): a value is due when its period end + the indicator's
lag is on or before today and there is no value; overdue when due for more than 30 days."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboard.metrics.periods import period_ends

OVERDUE_AFTER_DAYS = 30
OPEN, DUE, OVERDUE = "open", "due", "overdue"
_FURTHEST_LAG_MONTHS = 1200


def value_due_date_expr(period: str = "period", lag_months: str = "lag_months") -> pl.Expr:
    """When a period's value is due: its end + the indicator's lag in months (DOMAIN §8), on
    the month end (periods end on month ends, and so do their deadlines).

    A lag the database holds beyond the import rules (999999999 months) is read as a century:
    still never due in practice, and a date the calendar arithmetic can reach."""
    lag = pl.col(lag_months).fill_null(0).clip(0, _FURTHEST_LAG_MONTHS).cast(pl.Int64)
    return (
        pl.col(period).dt.offset_by(pl.concat_str(lag.cast(pl.Utf8), pl.lit("mo"))).dt.month_end()
    )


def days_late_expr(today: date, due_date: str = "due_date") -> pl.Expr:
    """Days since the value fell due (negative while it is not due yet)."""
    return (pl.lit(today) - pl.col(due_date)).dt.total_days()


def due_state_expr(
    days_late: str = "days_late", overdue_after_days: int = OVERDUE_AFTER_DAYS
) -> pl.Expr:
    """`open` (not due yet), `due` (due date on or before today) or `overdue` (due for more
    than `overdue_after_days` days), for a period without a value. The one rule that My
    updates, the overview and the department returns all use."""
    late = pl.col(days_late)
    return (
        pl.when(late > overdue_after_days)
        .then(pl.lit(OVERDUE))
        .when(late >= 0)
        .then(pl.lit(DUE))
        .otherwise(pl.lit(OPEN))
    )


_SCHEDULE_KEYS = ["frequency", "period_basis", "baseline_period", "target_period"]


def reporting_schedule(targets: pl.DataFrame, today: date) -> pl.DataFrame:
    """Every reporting period of each target after its baseline, up to its target period and
    today: `target_id, period, due_date` (period end + lag months)."""
    combos = targets.select(_SCHEDULE_KEYS).unique().drop_nulls()
    schedule = pl.DataFrame(
        [  # one calendar per frequency/basis/term: a handful of rows, not one per target
            {
                **combo,
                "period": [
                    p
                    for p in period_ends(
                        combo["frequency"],
                        combo["period_basis"],
                        combo["baseline_period"],
                        min(combo["target_period"], today),
                    )
                    if p > combo["baseline_period"]
                ],
            }
            for combo in combos.iter_rows(named=True)
        ],
        schema={
            "frequency": pl.Utf8,
            "period_basis": pl.Utf8,
            "baseline_period": pl.Date,
            "target_period": pl.Date,
            "period": pl.List(pl.Date),
        },
    ).explode("period")
    return (
        targets.select("target_id", *_SCHEDULE_KEYS, "lag_months")
        .join(schedule.drop_nulls("period"), on=_SCHEDULE_KEYS)
        .with_columns(due_date=value_due_date_expr())
        .select("target_id", "period", "due_date")
    )


def missing_values(
    targets: pl.DataFrame,
    actuals: pl.DataFrame,
    today: date,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> pl.DataFrame:
    """Ended periods without a value: `target_id, period, due_date, days_late, state` where
    state is `open` (may be reported, not yet due), `due` or `overdue`; oldest first.
    `actuals` needs `target_id, period` (the current values)."""
    return (
        reporting_schedule(targets, today)
        .join(
            actuals.select("target_id", "period").unique(), on=["target_id", "period"], how="anti"
        )
        .with_columns(days_late=days_late_expr(today))
        .with_columns(state=due_state_expr(overdue_after_days=overdue_after_days))
        .sort("target_id", "period")
    )


def due_values(
    targets: pl.DataFrame,
    actuals: pl.DataFrame,
    today: date,
    overdue_after_days: int = OVERDUE_AFTER_DAYS,
) -> pl.DataFrame:
    """Values that are due and missing (DOMAIN §8), with `overdue` when late by > 30 days."""
    return only_due(missing_values(targets, actuals, today, overdue_after_days)).drop("state")


def only_due(missing: pl.DataFrame) -> pl.DataFrame:
    """The due and overdue rows of :func:`missing_values`, with a boolean `overdue`."""
    return missing.filter(pl.col("state") != OPEN).with_columns(overdue=pl.col("state") == OVERDUE)


def overdue_by_partnership(targets: pl.DataFrame, due: pl.DataFrame) -> pl.DataFrame:
    """Per owning partnership: targets with an overdue value, and how many values are due."""
    joined = due.join(targets.select("target_id", "partnership"), on="target_id")
    return (
        targets.select("partnership")
        .unique()
        .join(
            joined.group_by("partnership").agg(
                overdue_targets=pl.col("target_id").filter(pl.col("overdue")).n_unique(),
                due_values=pl.len(),
            ),
            on="partnership",
            how="left",
        )
        .with_columns(pl.col("overdue_targets", "due_values").fill_null(0).cast(pl.Int64))
        .sort("overdue_targets", "partnership", descending=[True, False])
    )
