"""What the "Department returns" page shows: who picks which department, and the display
tables of a `DepartmentReturn` (pure polars; the page only draws them).

Kept apart from `dashboard.reports.returns` so the return itself (what a department
receives) stays free of display wording.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date

import polars as pl

from dashboard.access import AREA_ROLES, Actor
from dashboard.formatting import status_expr, value_expr
from dashboard.reports.returns import (
    ASSESSED_ON_RUNNING_TOTAL,
    ASSESSED_ON_VALUE,
    DepartmentReturn,
)

ASSESSED_ON_WORDS = {
    ASSESSED_ON_VALUE: "the period's value",
    ASSESSED_ON_RUNNING_TOTAL: "the running total",
}

# How the page treats the signed-in user.
CHOOSE, OWN_DEPARTMENT, AREA = "choose", "department", "area"


def mode(actor: Actor) -> str | None:
    """`choose` (admin, GO: any department), `department` (fixed to their own), `area` (an
    LSP's people: the returns their area owes), or None (no grant that reads returns)."""
    if actor.is_admin or actor.of_role("go"):
        return CHOOSE
    if actor.of_role("department"):
        return OWN_DEPARTMENT
    if actor.of_role(*AREA_ROLES):
        return AREA
    return None


def own_departments(actor: Actor) -> list[str]:
    """The departments a department user's grants name, in grant order."""
    codes = [g.department_code for g in actor.of_role("department") if g.department_code]
    return list(dict.fromkeys(codes))


def department_options(
    departments: pl.DataFrame, receives: pl.DataFrame, indicators: Iterable[str] | None = None
) -> pl.DataFrame:
    """Departments that receive at least one reporting line (directly or through a
    predecessor/successor), current ones first: code, name, label.

    `departments` is `store.departments()`; `receives` pairs department_code with each
    indicator_code of its `store.department_lines()`. With `indicators`, only departments
    receiving one of them (an area sees the departments it owes returns to).
    """
    pairs = receives
    if indicators is not None:
        pairs = pairs.filter(pl.col("indicator_code").is_in(list(indicators)))
    until = pl.col("valid_to").dt.strftime("%b %Y")
    return (
        departments.join(
            pairs.select(code=pl.col("department_code")).unique(), on="code", how="semi"
        )
        .sort(pl.col("valid_to").is_not_null(), "code")
        .select(
            "code",
            "name",
            label=pl.when(pl.col("valid_to").is_null())
            .then(pl.format("{} — {}", "code", "name"))
            .otherwise(pl.format("{} — {} (until {})", "code", "name", until)),
        )
    )


def busiest(options: pl.DataFrame, receives: pl.DataFrame) -> str | None:
    """The offered department receiving the most indicators (ties: current first, by code)."""
    if options.is_empty():
        return None
    counts = receives.group_by("department_code").agg(n=pl.col("indicator_code").n_unique())
    ranked = (
        options.with_row_index("order")
        .join(counts, left_on="code", right_on="department_code", how="left")
        .sort(pl.col("n").fill_null(0), "order", descending=[True, False])
    )
    return ranked["code"][0]


def only_return(result: DepartmentReturn, return_name: str | None) -> DepartmentReturn:
    """The department return narrowed to one named return (None: all of them); its tables,
    completeness and downloads then cover that return only."""
    if not return_name:
        return result
    return dataclasses.replace(
        result, rows=result.rows.filter(pl.col("return_name") == return_name)
    )


def file_stem(department_code: str, period: date, return_name: str | None = None) -> str:
    """`return-HO-2008-09-30`, or with the return's name as a slug when one is chosen."""
    slug = ""
    if return_name:
        slug = "-" + re.sub(r"[^a-z0-9]+", "-", return_name.lower()).strip("-")[:48].strip("-")
    return f"return-{department_code}{slug}-{period.isoformat()}"


def completeness_table(result: DepartmentReturn) -> pl.DataFrame:
    """Per area, with display headers: counts, share complete, what is missing, GO sign-off."""
    due = pl.col("reported") + pl.col("missing")
    return result.completeness().select(
        pl.col("area_code").alias("Area"),
        pl.col("area_name").alias("Area name"),
        pl.col("rows").alias("Rows"),
        pl.col("reported").alias("Reported"),
        pl.col("missing").alias("Missing"),
        pl.col("not_yet_due").alias("Not yet due"),
        # whole per cent: the progress bar's label reads "79%", not "78.57%"
        pl.when(due > 0).then((100 * pl.col("reported") / due).round(0)).alias("Complete"),
        pl.col("missing_indicators").replace("", None).fill_null("–").alias("Missing indicators"),
        pl.col("go_signoff").fill_null("not reviewed").alias("GO sign-off"),
    )


def owed_rows(result: DepartmentReturn) -> pl.DataFrame:
    """The rows still owed, most overdue first, with display headers. Due and overdue are
    the rule My updates and the overview use: due from the period end + the indicator's lag,
    overdue after 30 days more."""
    return (
        result.missing()
        .sort("due_date", "area_code", "indicator_code")
        .select(
            pl.col("area_code").alias("Area"),
            pl.col("area_name").alias("Area name"),
            pl.col("indicator_code").alias("Indicator"),
            pl.col("indicator_name").alias("Indicator name"),
            pl.col("period_label").alias("Period"),
            pl.col("due_date").alias("Due"),
            pl.col("due_state").alias("State"),
            pl.col("days_late").alias("Days since due"),
            pl.col("return_name").alias("Return"),
        )
    )


def return_table(result: DepartmentReturn) -> pl.DataFrame:
    """The return as the page shows it: every return column, with names, the period's label,
    values in their units and the trajectory status in words."""
    words = {"not_checked": "not checked"}
    return result.rows.select(
        pl.col("area_code").alias("Area"),
        pl.col("area_name").alias("Area name"),
        pl.col("indicator_code").alias("Indicator"),
        pl.col("indicator_name").alias("Indicator name"),
        pl.col("period_label").alias("Period"),
        value_expr("value").alias("Value"),
        value_expr("running_total").alias("Running total"),
        pl.col("status").fill_null("–").alias("Value status"),
        pl.col("data_quality")
        .replace(words)
        .str.replace_all("_", " ")
        .fill_null("–")
        .alias("Data quality"),
        value_expr("target_value").alias("Target"),
        value_expr("expected_value").alias("Expected"),
        status_expr("rag").alias("Trajectory"),
        pl.col("assessed_on")
        .replace_strict(ASSESSED_ON_WORDS, default="the period's value")
        .alias("Target, expected and trajectory of"),
        pl.col("completeness").alias("Completeness"),
        pl.col("due_date").alias("Due"),
        pl.col("return_deadline").alias("Return deadline"),
        pl.col("return_name").alias("Return"),
        pl.col("period").alias("Period end"),
        pl.col("department_code").alias("Department"),
    )


def owed_returns_table(owed: pl.DataFrame) -> pl.DataFrame:
    """`dashboard.reports.returns.owed_returns` with display headers."""
    return owed.select(
        pl.format("{} — {}", "recipient_code", "recipient").alias("Recipient"),
        pl.col("return_name").alias("Return"),
        pl.col("frequency").alias("Frequency"),
        pl.col("format").fill_null("–").alias("Format"),
        pl.col("due_days").alias("Due (days after period end)"),
        pl.col("indicators").alias("Indicators"),
    )


def owed_indicators(owed: pl.DataFrame) -> list[str]:
    """The indicator codes behind an area's owed returns."""
    return owed["indicators"].str.split(", ").explode().drop_nulls().unique().sort().to_list()
