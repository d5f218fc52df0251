"""A frame holding only some of an agreement's reward targets (a department's) keeps their
exact shares of the whole agreement's maximum (DOMAIN §5), from the split the store adds."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from dashboard.metrics.reward import exact_shares, reward_shares
from dashboard.metrics.schema import AGREEMENTS_SCHEMA, frame

SPLIT = {**AGREEMENTS_SCHEMA, "reward_agreed_gbp": pl.Float64(), "reward_split_count": pl.Int64()}


def _targets(agreed: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "target_id": list(range(1, len(agreed) + 1)),
            "area_code": ["A"] * len(agreed),
            "is_reward": [True] * len(agreed),
            "agreed_share_gbp": agreed,
        },
        schema={"target_id": pl.Int64, "area_code": pl.Utf8, "is_reward": pl.Boolean,
                "agreed_share_gbp": pl.Float64},
    )  # fmt: skip


def test_shares_of_some_targets_follow_the_whole_agreements_split() -> None:
    # £5m among 5 targets: one agreed at £1m, one at £0.5m, three split £3.5m equally.
    whole = _targets([1_000_000.0, None, 500_000.0, None, None])
    agreement = {"area_code": "A", "net_budget_requirement_gbp": 200e6, "reward_rate": 0.025}
    split = frame([agreement | {"reward_agreed_gbp": 1_500_000.0, "reward_split_count": 3}], SPLIT)
    some = whole.filter(pl.col("target_id").is_in([1, 2]))
    shares = {k: v[0] for k, v in exact_shares(some, split).items()}
    assert shares == {1: Fraction(1_000_000), 2: Fraction(3_500_000, 3)}
    # Without the split, the two targets seen would share the rest between them.
    alone = exact_shares(some, frame([agreement], AGREEMENTS_SCHEMA))
    assert alone[2][0] == Fraction(4_000_000)


def test_whole_split_refuses_agreed_shares_over_the_maximum() -> None:
    with pytest.raises(ValueError, match="area A"):
        reward_shares(Fraction(100), [None], "A", whole=(100.01, 1))
