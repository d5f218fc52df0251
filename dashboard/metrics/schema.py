"""The input frame contracts of the metrics package, as polars schemas.

The store produces frames with exactly these columns and types; extra target columns (names,
units, owners...) are allowed and carried through :func:`assess.assess`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

__all__ = [
    "ACTUALS_SCHEMA",
    "AGREEMENTS_SCHEMA",
    "MILESTONES_SCHEMA",
    "TARGETS_SCHEMA",
    "frame",
]

TARGETS_SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "area_code": pl.Utf8(),
    "indicator_code": pl.Utf8(),
    "block_code": pl.Utf8(),
    "polarity": pl.Utf8(),  # higher | lower
    "measure": pl.Utf8(),  # level | cumulative
    "agreement_start": pl.Date(),
    "baseline_period": pl.Date(),
    "baseline_value": pl.Float64(),
    "target_period": pl.Date(),
    "target_value": pl.Float64(),
    "without_reward_value": pl.Float64(),  # null for ordinary targets
    "is_reward": pl.Boolean(),
    "agreed_share_gbp": pl.Float64(),  # null = equal split
}
MILESTONES_SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "period": pl.Date(),
    "value": pl.Float64(),
}
ACTUALS_SCHEMA: dict[str, pl.DataType] = {
    "target_id": pl.Int64(),
    "period": pl.Date(),
    "value": pl.Float64(),
    "status": pl.Utf8(),  # provisional | final
}
AGREEMENTS_SCHEMA: dict[str, pl.DataType] = {
    "area_code": pl.Utf8(),
    "net_budget_requirement_gbp": pl.Float64(),
    "reward_rate": pl.Float64(),
    "reward_threshold": pl.Float64(),
    "population": pl.Int64(),
    "pump_priming_gbp": pl.Float64(),  # null = £750,000 + £1 per head
}


def frame(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Build a frame with exactly ``schema`` (missing keys null); handy for fixtures."""
    return pl.DataFrame(
        [{k: r.get(k) for k in schema} for r in rows],
        schema=dict(schema),
    )
