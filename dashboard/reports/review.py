"""The GO six-monthly review pack of one area: the highlight-report return (issue 6).

Per block: the three-axis self-assessment (DOMAIN §8), status counts, the reward forecast
against the block's maximum, and the exceptions with their commentary. Built from the same
assessment as the pages, so the pack for a date equals what the overview showed at that date.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from dashboard import store
from dashboard.analysis import assess_areas
from dashboard.reports import board
from dashboard.reports.capacity import judgement_at
from dashboard.reports.exports import money_column
from dashboard.reports.returns import review_period, review_signoff_state
from dashboard.store import Actor

REVIEW_COLUMNS = (
    "area_code", "block_code", "performance", "progress", "risk", "targets", "green", "amber",
    "red", "reward_forecast_gbp", "reward_maximum_gbp", "exceptions",
    # The GO's latest capacity judgement of the area by the as-at date (the same on every
    # block's row; empty when the GO had not assessed it): level and sign-off recommendation.
    "capacity_judgement", "capacity_assessed_on", "signoff_recommendation",
)  # fmt: skip

NO_COMMENTARY = "no commentary yet"
CAPACITY_ITEMS = (
    "capacity judgement (GO)", "capacity assessed on", "sign-off recommendation",
    "conditions of sign-off",
)  # fmt: skip


@dataclass(frozen=True)
class ReviewPack:
    """An area's six-monthly review pack at a date."""

    area_code: str
    area_name: str
    as_at: date  # the values and statuses are those of this business date
    review: date  # the half-year the pack covers (30 September or 31 March)
    blocks: pl.DataFrame  # REVIEW_COLUMNS + block_name, block_order, no_data, reward_targets
    exceptions: pl.DataFrame  # one row per exception, worst first, with commentary
    reward: pl.DataFrame  # one row per reward target: forecast reward and its range
    signoff: str  # "reviewed by ... on ..." or "not reviewed"
    # The GO's latest capacity judgement by the as-at date (`reports.capacity.judgement_at`:
    # judgement, assessed_on, signoff_recommendation, conditions, ...), None if none.
    capacity: dict | None = None

    def table(self) -> pl.DataFrame:
        """The CLI's CSV: exactly REVIEW_COLUMNS, money as pounds to 2 dp."""
        return self.blocks.select(
            money_column(c).alias(c) if c.endswith("_gbp") else pl.col(c) for c in REVIEW_COLUMNS
        )

    def capacity_values(self) -> list[str]:
        """The About sheet's lines on the capacity judgement (CAPACITY_ITEMS), in words."""
        found = self.capacity
        if found is None:
            return ["not assessed by the Government Office yet", "", "", ""]
        return [
            found["judgement"],
            found["assessed_on"].isoformat(),
            found["signoff_recommendation"]
            + (f" ({found['recommendation_date'].isoformat()})" if found["recommendation_date"]
               else ""),
            "; ".join(found["conditions"]),
        ]  # fmt: skip

    def csv_bytes(self) -> bytes:
        from dashboard.formatting import spreadsheet_safe

        return spreadsheet_safe(self.table()).write_csv().encode("utf-8")

    def excel_bytes(self) -> bytes:
        """The pack as a workbook: blocks, exceptions, reward forecast, about."""
        from dashboard.formatting import spreadsheet_safe, spreadsheet_workbook

        about = pl.DataFrame(
            {
                "item": ["area", "review (half-year ending)", "as at", "GO sign-off",
                         *CAPACITY_ITEMS, "generated"],
                "value": [f"{self.area_code} {self.area_name}", self.review.isoformat(),
                          self.as_at.isoformat(), self.signoff, *self.capacity_values(),
                          datetime.now().strftime("%Y-%m-%d %H:%M")],
            }
        )  # fmt: skip
        buffer = io.BytesIO()
        with spreadsheet_workbook(buffer) as workbook:
            spreadsheet_safe(self.table()).write_excel(workbook, worksheet="Blocks", autofit=True)
            spreadsheet_safe(self.exceptions).write_excel(
                workbook, worksheet="Exceptions", autofit=True
            )
            spreadsheet_safe(self.reward).write_excel(
                workbook, worksheet="Reward forecast", autofit=True
            )
            spreadsheet_safe(about).write_excel(workbook, worksheet="About", autofit=True)
        return buffer.getvalue()


def review_pack(engine: Engine, actor: Actor, area_code: str, as_at: date) -> ReviewPack:
    """Build the review pack of an area as at a business date (values known now)."""
    result = assess_areas(engine, actor, [area_code], as_at)
    targets = result.targets
    if targets.is_empty():
        raise store.RuleViolation(f"{area_code} has no targets in force at {as_at.isoformat()}")
    summary = board.block_summary(targets, result.blocks)
    money = result.blocks.select("block_code", "reward_forecast_gbp", "reward_maximum_gbp")
    exceptions = (
        board.exceptions(targets, result.scope.commentary, as_at)
        .with_columns(commentary=pl.col("commentary").fill_null(NO_COMMENTARY))
        .select(
            "block_code",
            "indicator_code",
            "indicator_name",
            "partnership",
            "is_reward",
            "latest_period",
            "latest_value",
            "expected_value",
            "rag",
            "direction",
            "commentary",
        )
    )
    joined = exceptions.group_by("block_code").agg(
        exceptions=pl.format("{}: {}", "indicator_code", "commentary").str.join(" | ")
    )
    blocks = (
        summary.join(money, on="block_code", how="left")
        .join(joined, on="block_code", how="left")
        .with_columns(area_code=pl.lit(area_code), exceptions=pl.col("exceptions").fill_null(""))
        .sort("block_order")
        .select(
            *REVIEW_COLUMNS[: REVIEW_COLUMNS.index("exceptions") + 1],
            "block_name",
            "block_order",
            "no_data",
            "reward_targets",
        )
    )
    reward = targets.filter(pl.col("is_reward")).select(
        "block_code",
        "indicator_code",
        "indicator_name",
        "basis",
        pl.col("achieved_fraction_text").alias("achieved_fraction"),
        money_column("reward_share_gbp").alias("reward_share_gbp"),
        money_column("reward_gbp").alias("reward_forecast_gbp"),
        money_column("forecast_reward_low_gbp").alias("forecast_low_gbp"),
        money_column("forecast_reward_high_gbp").alias("forecast_high_gbp"),
        "reward_status",
        "cliff_edge",
    )
    review = review_period(as_at)
    signoff = review_signoff_state(engine, actor, [area_code], review)["go_signoff"][0]
    assessments, _ = store.capacity_assessments(engine, actor, area_code)
    capacity = judgement_at(assessments, as_at)
    blocks = blocks.with_columns(
        pl.lit(capacity and capacity["overall"], pl.Utf8).alias("capacity_judgement"),
        pl.lit(capacity and capacity["assessed_on"], pl.Date).alias("capacity_assessed_on"),
        pl.lit(capacity and capacity["recommendation"], pl.Utf8).alias("signoff_recommendation"),
    )
    return ReviewPack(
        area_code=area_code,
        area_name=str(result.scope.agreements["area_name"][0]),
        as_at=as_at,
        review=review,
        blocks=blocks,
        exceptions=exceptions,
        reward=reward,
        signoff=signoff,
        capacity=capacity,
    )
