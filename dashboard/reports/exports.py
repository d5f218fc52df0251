"""CSV exports of the reward and status of an area's targets (columns fixed by the CLI spec)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from dashboard.analysis import assess_areas
from dashboard.store import Actor

REWARD_COLUMNS = (
    "area_code", "indicator_code", "polarity", "baseline_value", "without_reward_value",
    "target_value", "assessed_period", "assessed_value", "basis", "achieved_fraction",
    "paid_fraction", "reward_share_gbp", "reward_gbp",
)  # fmt: skip

STATUS_COLUMNS = (
    "area_code", "block_code", "partnership", "indicator_code", "is_reward", "latest_period",
    "latest_value", "expected_value", "rag", "reward_status", "direction", "forecast_value",
    "forecast_reward_gbp",
)  # fmt: skip


def money_column(column: str) -> pl.Expr:
    """A money column as text in pounds to 2 dp (exact: via Decimal, never a float repr)."""
    return pl.col(column).cast(pl.Decimal(38, 2)).cast(pl.Utf8)


def reward_table(assessed: pl.DataFrame) -> pl.DataFrame:
    """One row per reward target; fractions as exact decimal text, money in pounds to 2 dp."""
    return (
        assessed.filter(pl.col("is_reward"))
        .select(
            "area_code",
            "indicator_code",
            "polarity",
            "baseline_value",
            "without_reward_value",
            "target_value",
            "assessed_period",
            "assessed_value",
            "basis",
            pl.col("achieved_fraction_text").alias("achieved_fraction"),
            pl.col("paid_fraction_text").alias("paid_fraction"),
            money_column("reward_share_gbp").alias("reward_share_gbp"),
            money_column("reward_gbp").alias("reward_gbp"),
        )
        .sort("area_code", "indicator_code")
    )


def status_table(assessed: pl.DataFrame) -> pl.DataFrame:
    """One row per target with its latest value, expected value, statuses and forecast."""
    return (
        assessed.select(
            *[c for c in STATUS_COLUMNS if c != "forecast_reward_gbp"],
            money_column("forecast_reward_gbp").alias("forecast_reward_gbp"),
        )
        .with_columns(pl.col("is_reward").cast(pl.Utf8).str.to_lowercase())
        .sort("area_code", "block_code", "indicator_code")
    )


def reward_export(
    engine: Engine, actor: Actor, area_code: str, as_at: date, known_at: datetime | None = None
) -> pl.DataFrame:
    """The reward table of an area; with `known_at`, of the values recorded by then only."""
    return reward_table(assess_areas(engine, actor, [area_code], as_at, known_at=known_at).targets)


def status_export(
    engine: Engine, actor: Actor, area_code: str, as_at: date, known_at: datetime | None = None
) -> pl.DataFrame:
    """The status table of an area; with `known_at`, of the values recorded by then only."""
    return status_table(assess_areas(engine, actor, [area_code], as_at, known_at=known_at).targets)
