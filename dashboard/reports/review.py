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
from dashboard.reports.exports import money_column
from dashboard.reports.returns import review_period, review_signoff_state
from dashboard.store import Actor

REVIEW_COLUMNS = (
    "area_code", "block_code", "performance", "progress", "risk", "targets", "green", "amber",
    "red", "reward_forecast_gbp", "reward_maximum_gbp", "exceptions",
)  # fmt: skip

NO_COMMENTARY = "no commentary yet"


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

    def table(self) -> pl.DataFrame:
        """The CLI's CSV: exactly REVIEW_COLUMNS, money as pounds to 2 dp."""
        return self.blocks.select(
            *[c for c in REVIEW_COLUMNS if not c.endswith("_gbp") and c != "exceptions"],
            money_column("reward_forecast_gbp").alias("reward_forecast_gbp"),
            money_column("reward_maximum_gbp").alias("reward_maximum_gbp"),
            "exceptions",
        )

    def csv_bytes(self) -> bytes:
        from dashboard.formatting import spreadsheet_safe

        return spreadsheet_safe(self.table()).write_csv().encode("utf-8")

    def excel_bytes(self) -> bytes:
        """The pack as a workbook: blocks, exceptions, reward forecast, about."""
        from dashboard.formatting import spreadsheet_safe, spreadsheet_workbook

        about = pl.DataFrame(
            {
                "item": ["area", "review (half-year ending)", "as at", "GO sign-off",
                         "generated"],
                "value": [f"{self.area_code} {self.area_name}", self.review.isoformat(),
                          self.as_at.isoformat(), self.signoff,
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
        .select(*REVIEW_COLUMNS, "block_name", "block_order", "no_data", "reward_targets")
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
    return ReviewPack(
        area_code=area_code,
        area_name=str(result.scope.agreements["area_name"][0]),
        as_at=as_at,
        review=review,
        blocks=blocks,
        exceptions=exceptions,
        reward=reward,
        signoff=signoff,
    )
