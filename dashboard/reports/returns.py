"""Upward returns built from the one dataset: a department's return for a period (issue 6).

Every figure comes from the store's current values and the same assessment the pages use, so
a return never needs a figure re-keyed: for the latest period its `value` (level targets) or
its `running_total` (cumulative targets) equals `laa export status`'s `latest_value`. Due and
overdue follow the one rule of `dashboard.metrics.due` (period end + the indicator's lag).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from dashboard import metrics, store
from dashboard.analysis import current_agreements
from dashboard.metrics.due import days_late_expr, due_state_expr, value_due_date_expr
from dashboard.metrics.periods import period_ends, period_label_expr
from dashboard.metrics.series import tracked_actuals
from dashboard.metrics.trajectory import expected_values
from dashboard.store import Actor

RETURN_COLUMNS = (
    "department_code", "return_name", "area_code", "indicator_code", "period", "value",
    "status", "data_quality", "target_value", "expected_value", "rag", "running_total",
    "assessed_on",
)  # fmt: skip
# `assessed_on`: what target_value, expected_value and rag refer to — the period's `value`
# (level targets) or the `running_total` from the agreement start (cumulative targets).
ASSESSED_ON_VALUE, ASSESSED_ON_RUNNING_TOTAL = "value", "running_total"

# Completeness of one row, as a department statistician chases it.
REPORTED, MISSING, NOT_YET_DUE = "reported", "missing", "not yet due"


def review_period(on: date) -> date:
    """The six-monthly review a date falls under: the latest 30 September or 31 March on or
    before it (GO reviews follow the financial half-years)."""
    if on >= date(on.year, 9, 30):
        return date(on.year, 9, 30)
    if on >= date(on.year, 3, 31):
        return date(on.year, 3, 31)
    return date(on.year - 1, 9, 30)


def return_periods(targets: pl.DataFrame, on: date) -> pl.DataFrame:
    """Each target's latest period ending on or before `on`: target_id, period.

    Annual, academic, calendar, monthly... indicators each give their own period; biennial
    and triennial ones step from the target's baseline period, so they keep its cycle.
    """
    multi_year = pl.col("frequency").is_in(["biennial", "triennial"])
    keyed = targets.select(
        "target_id",
        "frequency",
        "period_basis",
        anchor=pl.when(multi_year)
        .then(pl.col("baseline_period"))
        .otherwise(pl.lit(date(on.year - 4, 1, 1))),
    )
    combos = keyed.select("frequency", "period_basis", "anchor").unique()
    # A handful of (frequency, basis, anchor) combinations, not one per row of data.
    found = [
        {**combo, "period": ends[-1]}
        for combo in combos.iter_rows(named=True)
        if (ends := period_ends(combo["frequency"], combo["period_basis"], combo["anchor"], on))
    ]
    periods = pl.DataFrame(
        found,
        schema={"frequency": pl.Utf8, "period_basis": pl.Utf8, "anchor": pl.Date,
                "period": pl.Date},
    )  # fmt: skip
    return keyed.join(periods, on=["frequency", "period_basis", "anchor"], how="inner").select(
        "target_id", "period"
    )


def value_status_expr() -> pl.Expr:
    """provisional / final / revised (a final value that replaced an earlier final one)."""
    return (
        pl.when((pl.col("status") == "final") & pl.col("has_earlier_final").fill_null(False))
        .then(pl.lit("revised"))
        .otherwise(pl.col("status"))
    )


@dataclass(frozen=True)
class DepartmentReturn:
    """A department's return for a period: one row per return × area × indicator."""

    department_code: str
    period: date  # the date asked for; each indicator uses its latest period ending by then
    as_at: date
    lines: pl.DataFrame  # the department's reporting lines (store.department_lines)
    rows: pl.DataFrame  # RETURN_COLUMNS + names, labels, due dates and completeness
    signoffs: pl.DataFrame  # per area: the GO sign-off of the review covering the period

    def table(self) -> pl.DataFrame:
        """The return as sent: exactly RETURN_COLUMNS."""
        return self.rows.select(RETURN_COLUMNS)

    def counts(self) -> dict[str, int | float | None]:
        """Rows, reported, missing, not yet due, and `complete`: the share of the rows that
        are due (reported or missing) which are reported (None while nothing is due)."""
        done = pl.col("completeness")
        counts = self.rows.select(
            rows=pl.len().cast(pl.Int64),
            reported=(done == REPORTED).sum().cast(pl.Int64),
            missing=(done == MISSING).sum().cast(pl.Int64),
            not_yet_due=(done == NOT_YET_DUE).sum().cast(pl.Int64),
        ).row(0, named=True)
        due = counts["reported"] + counts["missing"]
        return {**counts, "complete": counts["reported"] / due if due else None}

    def completeness(self) -> pl.DataFrame:
        """Per area: rows expected, reported, missing (due, no value), not yet due, and the
        GO sign-off state."""
        counts = self.rows.group_by("area_code", "area_name").agg(
            rows=pl.len().cast(pl.Int64),
            reported=(pl.col("completeness") == REPORTED).sum().cast(pl.Int64),
            missing=(pl.col("completeness") == MISSING).sum().cast(pl.Int64),
            not_yet_due=(pl.col("completeness") == NOT_YET_DUE).sum().cast(pl.Int64),
            missing_indicators=pl.col("indicator_code")
            .filter(pl.col("completeness") == MISSING)
            .unique()
            .sort()
            .str.join(", "),
        )
        return counts.join(self.signoffs, on="area_code", how="left").sort("area_code")

    def missing(self) -> pl.DataFrame:
        """The rows still owed: due (or overdue) with no value."""
        return self.rows.filter(pl.col("completeness") == MISSING)

    def csv_bytes(self) -> bytes:
        from dashboard.formatting import spreadsheet_safe

        return spreadsheet_safe(self.table()).write_csv().encode("utf-8")

    def excel_bytes(self) -> bytes:
        """A workbook a statistician can file: the return, completeness, what is owed, notes."""
        from dashboard.formatting import spreadsheet_safe, spreadsheet_workbook

        counts = self.counts()
        about = pl.DataFrame(
            {
                "item": [
                    "department",
                    "period (on or before)",
                    "as at",
                    "generated",
                    "rows",
                    "reported",
                    "missing",
                    "not yet due",
                    "basis",
                ],
                "value": [
                    self.department_code,
                    self.period.isoformat(),
                    self.as_at.isoformat(),
                    datetime.now().strftime("%Y-%m-%d %H:%M"),
                    *(str(counts[k]) for k in ("rows", "reported", "missing", "not_yet_due")),
                    "Current values as the dashboard shows them; each indicator's latest period "
                    "ending on or before the period date; one row per area with a target.",
                ],
            }
        )
        detail = self.rows.select(
            *RETURN_COLUMNS,
            "area_name",
            "indicator_name",
            "period_label",
            "frequency",
            "due_date",
            "due_state",
            "return_deadline",
            "completeness",
        )
        buffer = io.BytesIO()
        with spreadsheet_workbook(buffer) as workbook:
            spreadsheet_safe(detail).write_excel(workbook, worksheet="Return", autofit=True)
            spreadsheet_safe(self.completeness()).write_excel(
                workbook, worksheet="Completeness", autofit=True
            )
            spreadsheet_safe(self.missing().select(
                "area_code", "area_name", "indicator_code", "indicator_name", "period_label",
                "due_date", "due_state", "days_late", "return_name",
            )).write_excel(workbook, worksheet="Missing", autofit=True)  # fmt: skip
            spreadsheet_safe(about).write_excel(workbook, worksheet="About", autofit=True)
        return buffer.getvalue()


def _readable_areas(engine: Engine, actor: Actor, area_codes: Sequence[str] | None) -> list[str]:
    visible = store.list_areas(engine, actor)["area_code"].to_list()
    if area_codes is None:
        return visible
    store.check_areas_exist(engine, area_codes)
    return list(area_codes)


def department_return(
    engine: Engine,
    actor: Actor,
    department_code: str,
    period: date,
    as_at: date,
    *,
    area_codes: Sequence[str] | None = None,
    known_at: datetime | None = None,
    tolerance: float | None = None,
) -> DepartmentReturn:
    """Build a department's return for `period` from the current values known at `as_at`.

    Rows: every line addressed to the department (or a predecessor/successor of it) × every
    area (of `area_codes`, else every area the actor reads) whose agreement in force at
    `as_at` has a target on the line's indicator. `department_code` in the rows is the code
    asked for. A department user may build only their own department's returns.
    """
    if period > as_at:
        raise store.RuleViolation(
            f"period {period.isoformat()} is after today ({as_at.isoformat()}): "
            "its values do not exist yet"
        )
    lines = store.department_lines(engine, department_code)
    allowed = store.readable(engine, actor)
    codes = sorted(set(lines["indicator_code"]))
    if allowed.indicators is not None and not set(codes) <= allowed.indicators:
        store.deny(actor, f"read the {department_code} return")
    areas = _readable_areas(engine, actor, area_codes)
    scope = store.load_scope(engine, actor, areas, known_at=known_at, indicators=codes)
    agreements = current_agreements(scope.agreements, as_at)
    targets = scope.targets.filter(
        pl.col("agreement_id").is_in(agreements["agreement_id"].implode())
    )
    ids = targets["target_id"].implode()
    milestones = scope.milestones.filter(pl.col("target_id").is_in(ids))
    actuals = scope.actuals.filter(pl.col("target_id").is_in(ids))
    wanted = return_periods(targets, period)

    # The assessment as it stood with values up to each target's return period: for the
    # latest period it is exactly the pages' assessment (nothing is left out).
    upto = actuals.join(wanted.rename({"period": "_upto"}), on="target_id").filter(
        pl.col("period") <= pl.col("_upto")
    )
    tol = store.rag_tolerance(engine) if tolerance is None else tolerance
    assessed = metrics.assess(targets, milestones, upto.drop("_upto"), agreements, as_at, tol)
    expected = expected_values(targets, milestones, wanted)
    values = actuals.join(wanted, on=["target_id", "period"], how="inner").select(
        "target_id",
        "value",
        status=value_status_expr(),
        data_quality=pl.col("data_quality"),
    )
    # A cumulative target is assessed on its running total (DOMAIN §8), so its row carries
    # that total beside the period's own value.
    totals = (
        tracked_actuals(targets, upto.drop("_upto"), as_at)
        .join(wanted, on=["target_id", "period"], how="inner")
        .select("target_id", running_total=pl.col("value"))
    )
    area_names = agreements.select("area_code", "area_name")
    per_target = (
        targets.join(wanted, on="target_id", how="inner")
        .join(values, on="target_id", how="left")
        .join(totals, on="target_id", how="left")
        .join(expected.select("target_id", "expected_value"), on="target_id", how="left")
        .join(assessed.select("target_id", "latest_period", "rag"), on="target_id", how="left")
        .join(area_names, on="area_code", how="left")
        .with_columns(
            # The status of the period's own value; an earlier value's status is not this one's.
            rag=pl.when(pl.col("latest_period") == pl.col("period")).then(pl.col("rag")),
            period_label=period_label_expr("period", "frequency", "period_basis"),
            due_date=value_due_date_expr(),
            running_total=pl.when(pl.col("measure") == "cumulative").then("running_total"),
            assessed_on=pl.when(pl.col("measure") == "cumulative")
            .then(pl.lit(ASSESSED_ON_RUNNING_TOTAL))
            .otherwise(pl.lit(ASSESSED_ON_VALUE)),
        )
        .with_columns(days_late=days_late_expr(as_at))
        .with_columns(
            # The one rule of My updates and the overview (DOMAIN §8), for a missing value.
            due_state=pl.when(pl.col("value").is_null()).then(due_state_expr()),
        )
    )
    rows = (
        lines.select(
            "indicator_code", "return_name", "due_days", return_frequency=pl.col("frequency")
        )
        .unique(["indicator_code", "return_name"], keep="first", maintain_order=True)
        .join(per_target, on="indicator_code", how="inner")
        .with_columns(
            department_code=pl.lit(department_code),
            # The return's own deadline (the reporting line's days after the period end).
            return_deadline=pl.col("period")
            + pl.duration(days=pl.col("due_days").fill_null(0).cast(pl.Int64)),
            completeness=pl.when(pl.col("value").is_not_null())
            .then(pl.lit(REPORTED))
            .when(pl.col("due_state").is_in(["due", "overdue"]))
            .then(pl.lit(MISSING))
            .otherwise(pl.lit(NOT_YET_DUE)),
        )
        .sort("return_name", "area_code", "block_order", "indicator_code")
        .select(
            *RETURN_COLUMNS,
            "area_name",
            "indicator_name",
            "block_code",
            "period_label",
            "frequency",
            "unit",
            "decimals",
            "due_date",
            "days_late",
            "due_state",
            "return_deadline",
            "completeness",
            "is_reward",
            "partnership",
        )
    )
    return DepartmentReturn(
        department_code=department_code,
        period=period,
        as_at=as_at,
        lines=lines,
        rows=rows,
        signoffs=review_signoff_state(engine, actor, areas, review_period(period)),
    )


def review_signoff_state(
    engine: Engine, actor: Actor, area_codes: Sequence[str], review: date
) -> pl.DataFrame:
    """Per area: the review period, and whether (and by whom, when) the GO signed it off."""
    signed = store.review_signoffs(engine, actor, area_codes).filter(pl.col("period") == review)
    return (
        pl.DataFrame({"area_code": list(area_codes)}, schema={"area_code": pl.Utf8})
        .join(signed, on="area_code", how="left")
        .select(
            "area_code",
            review_period=pl.lit(review),
            go_signoff=pl.when(pl.col("state") == "reviewed")
            .then(pl.format("reviewed by {} on {}", "by", pl.col("at").dt.strftime("%Y-%m-%d")))
            .otherwise(pl.lit("not reviewed")),
        )
    )


def owed_returns(engine: Engine, actor: Actor, area_code: str, as_at: date) -> pl.DataFrame:
    """The department returns an area owes: each department line on an indicator the area
    has a target on, with its frequency, format and due days."""
    scope = store.load_scope(engine, actor, [area_code])
    agreements = current_agreements(scope.agreements, as_at)
    targets = scope.targets.filter(
        pl.col("agreement_id").is_in(agreements["agreement_id"].implode())
    )
    lines = store.reporting_lines(engine).filter(pl.col("recipient_type") == "department")
    return (
        lines.join(targets.select("indicator_code"), on="indicator_code", how="semi")
        .group_by("recipient_code", "recipient", "return_name", "frequency", "format", "due_days")
        .agg(indicators=pl.col("indicator_code").sort().str.join(", "), count=pl.len())
        .sort("recipient_code", "return_name")
    )
