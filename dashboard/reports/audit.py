"""The audit trail as tables: pure functions over `store.audit_frame` (no SQL, no Streamlit).

The store returns one row per change (`at, user, action, area_code, indicator_code, period,
before, after, reason`); here it is filtered (partnership, user, dates), given readable
action words for the page, and laid out for the CSV export (`laa export audit`, the page's
downloads).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from dashboard.metrics.periods import period_label_expr

EXPORT_COLUMNS = (
    "at", "user", "action", "area_code", "indicator_code", "period", "before", "after", "reason",
)  # fmt: skip

DISPLAY_COLUMNS = {
    "at": "When",
    "user": "Who",
    "what": "What",
    "area_code": "Area",
    "indicator_code": "Indicator",
    "period": "Period",
    "before": "Before",
    "after": "After",
    "reason": "Reason",
}

# Whole actions first, then `<kind>:<field>` by kind and field.
ACTIONS = {
    "value": "Value corrected",
    "status": "Status changed",
    "data_quality": "Data-quality grade changed",
    "commentary": "Commentary added",
    "commentary:board": "Board comment added",
    "agreement:create": "Agreement added",
    "agreement:sign": "Agreement signed",
    "area:create": "Area added",
    "indicator:create": "Indicator added",
    "partnership:create": "Partnership added",
    "target:create": "Target added",
    "target:milestones": "Target milestones changed",
}
KINDS = {
    "target": "Target",
    "area": "Area",
    "agreement": "Agreement",
    "indicator": "Indicator",
    "partnership": "Partnership",
    "setting": "Setting",
    "user": "User",
    "grant": "Grant",
}
FIELDS = {
    "agreed_share_gbp": "reward share",
    "baseline_period": "baseline period",
    "baseline_value": "baseline",
    "block_code": "block",
    "data_source": "data source",
    "department_code": "department",
    "deprivation_rank": "deprivation rank",
    "end_date": "end date",
    "la_type": "area type",
    "lag_months": "publication lag",
    "lead_officer": "lead officer",
    "net_budget_requirement_gbp": "net budget requirement",
    "outcome_id": "outcome",
    "outcome_type": "outcome type",
    "partnership_id": "owning partnership",
    "period_basis": "period basis",
    "plausible_max": "plausible maximum",
    "plausible_min": "plausible minimum",
    "pump_priming_gbp": "pump-priming grant",
    "region_code": "region",
    "reward_rationale": "reward rationale",
    "stretch_rationale": "stretch rationale",
    "target_period": "target period",
    "target_value": "target value",
    "without_reward_value": "without-reward value",
}


def action_label(action: str, before: str | None = "") -> str:
    """Readable words for a stored action: `value` -> "Value corrected", `target:target_value`
    -> "Target value changed" (a first value, with nothing before it, is "Value recorded")."""
    if action == "value" and before is None:
        return "Value recorded"
    if action in ACTIONS:
        return ACTIONS[action]
    kind, _, field = action.partition(":")
    if not field:
        return action.replace("_", " ").capitalize()
    if kind == "setting":
        return f"Setting “{field}” changed"
    noun = KINDS.get(kind, kind.replace("_", " ").capitalize())
    words = FIELDS.get(field, field.replace("_", " "))
    if words.startswith(noun.lower()):  # "Target target value" -> "Target value"
        return f"{noun} {words[len(noun) + 1 :]} changed".replace("  ", " ")
    return f"{noun} {words} changed" if field != "create" else f"{noun} added"


def what_expr(frame: pl.DataFrame) -> pl.Expr:
    """The readable action of each row of `frame` (see `action_label`)."""
    labels = {a: action_label(a) for a in frame["action"].unique().to_list()}
    return (
        pl.when((pl.col("action") == "value") & pl.col("before").is_null())
        .then(pl.lit(action_label("value", None)))
        .otherwise(pl.col("action").replace_strict(labels, default=None, return_dtype=pl.Utf8))
    )


def with_partnership(frame: pl.DataFrame, owners: Mapping[tuple[str, str], str]) -> pl.DataFrame:
    """Add `partnership`: the current owner of the row's target (`store.target_owners`), or the
    partnership a `partnership:create` row added; null for rows about no target."""
    joined = frame.join(
        _owners_table(owners), on=["area_code", "indicator_code"], how="left",
        maintain_order="left",
    )  # fmt: skip
    return joined.with_columns(
        pl.when(pl.col("action") == "partnership:create")
        .then(pl.col("after"))
        .otherwise(pl.col("partnership"))
        .alias("partnership")
    )


def _owners_table(owners: Mapping[tuple[str, str], str]) -> pl.DataFrame:
    return pl.DataFrame(
        [(a, i, p) for (a, i), p in owners.items()],
        schema=[("area_code", pl.Utf8), ("indicator_code", pl.Utf8), ("partnership", pl.Utf8)],
        orient="row",
    )


def with_partnership_counts(
    summary: pl.DataFrame, owners: Mapping[tuple[str, str], str]
) -> pl.DataFrame:
    """`store.audit_summary` with `partnership`, as `with_partnership` gives each row: the
    partnership a `partnership:create` row added, else the current owner of the target."""
    joined = summary.join(
        _owners_table(owners), on=["area_code", "indicator_code"], how="left",
        maintain_order="left",
    )  # fmt: skip
    return joined.with_columns(pl.coalesce("created", "partnership").alias("partnership"))


def count_changes(
    summary: pl.DataFrame, *, user: str | None = None, partnership: str | None = None
) -> int:
    """How many changes of one user and/or partnership a `with_partnership_counts` holds."""
    out = summary
    if partnership:
        out = out.filter(pl.col("partnership") == partnership)
    if user:
        out = out.filter(pl.col("user") == user)
    return int(out["changes"].sum())


def with_period_labels(frame: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Add `period_label`: the row's period as every other page names it (``Q2 2008/09``,
    ``2006/07``) from its indicator's frequency and basis (`store.load_indicators`); a period
    of no indicator (an agreement's start) reads as a day, ``1 Apr 2006``."""
    kinds = indicators.select("indicator_code", "frequency", "period_basis").unique(
        "indicator_code"
    )
    joined = frame.join(kinds, on="indicator_code", how="left", maintain_order="left")
    label = pl.coalesce(
        period_label_expr("period", "frequency", "period_basis"),
        pl.col("period").dt.strftime("%-d %b %Y"),
    )
    return joined.with_columns(period_label=label).drop("frequency", "period_basis")


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def filter_audit(
    frame: pl.DataFrame,
    *,
    partnership: str | None = None,
    user: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pl.DataFrame:
    """Rows of one partnership (needs `with_partnership`), of one user, and/or recorded on or
    after `since` and on or before `until` (whole days, UTC)."""
    out = frame
    if partnership:
        out = out.filter(pl.col("partnership") == partnership)
    if user:
        out = out.filter(pl.col("user") == user)
    if since:
        out = out.filter(pl.col("at") >= _start(since))
    if until:
        out = out.filter(pl.col("at") < _start(until + timedelta(days=1)))
    return out


def oldest_first(frame: pl.DataFrame) -> pl.DataFrame:
    """By time recorded; rows recorded at the same time keep the order they were written in."""
    return frame.sort("at", maintain_order=True)


def display_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The page's table: newest first, readable actions, periods by their labels (with
    `with_period_labels`), columns When … Reason."""
    shown = oldest_first(frame).reverse().with_columns(what_expr(frame).alias("what"))
    if "period_label" in shown.columns:
        shown = shown.with_columns(period=pl.col("period_label"))
    table = shown.select([pl.col(c).alias(label) for c, label in DISPLAY_COLUMNS.items()])
    text = [c for c, t in table.schema.items() if t == pl.Utf8]
    return table.with_columns(pl.col(text).fill_null(""))  # empty, not "None", where nothing


def export_table(frame: pl.DataFrame) -> pl.DataFrame:
    """The CSV of `laa export audit` (and the page's downloads): one row per change, oldest
    first, ISO timestamps in UTC, before/after as written in import files (empty for none)."""
    return oldest_first(frame).select(
        pl.col("at").dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z"),
        *(pl.col(c) for c in EXPORT_COLUMNS[1:]),
    )


def choices(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-empty values of a column, sorted (for a filter's options)."""
    if column not in frame.columns:
        return []
    return sorted(frame[column].drop_nulls().unique().to_list())
