"""One assessment of every target at a business date, and its roll-ups per area and block.

:func:`assess` is the single entry point the pages, exports and reports share, so that a
target's RAG, forecast and reward are computed the same way everywhere (DOMAIN §5, §8).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl

from dashboard.metrics.forecast import forecast_from_series
from dashboard.metrics.reward import (
    MONEY,
    agreement_keys,
    exact_shares,
    maximum_prg,
    money,
    pump_priming_grant,
    reward_frame,
)
from dashboard.metrics.series import tracked_actuals
from dashboard.metrics.status import direction_expr, gap_expr, rag_expr
from dashboard.metrics.trajectory import expected_values

__all__ = [
    "ASSESSMENT_COLUMNS",
    "agreement_ended",
    "agreements_ended",
    "area_summary",
    "assess",
    "block_assessment",
    "outturn_expr",
]

ASSESSMENT_COLUMNS = (
    "latest_period",
    "latest_value",
    "latest_status",
    "latest_period_value",
    "previous_period",
    "previous_value",
    "previous_period_value",
    "expected_value",
    "gap",
    "rag",
    "direction",
    "forecast_value",
    "forecast_low",
    "forecast_high",
    "forecast_n",
    "assessed_period",
    "assessed_value",
    "basis",
    "achieved_fraction",
    "achieved_fraction_text",
    "paid_fraction",
    "paid_fraction_text",
    "reward_share_gbp",
    "reward_gbp",
    "forecast_reward_gbp",
    "forecast_reward_low_gbp",
    "forecast_reward_high_gbp",
    "reward_status",
    "cliff_edge",
    "at_stake_gbp",
    "target_period_value",
)


def agreement_ended(agreement_end: date | None, as_at: date) -> bool:
    """True once the business date is after the agreement's end: its figures are then the
    outturn, not a forecast, and what is expected is the target itself."""
    return agreement_end is not None and as_at > agreement_end


def agreements_ended(agreements: pl.DataFrame, as_at: date) -> bool:
    """True when the frame holds agreements and every one of them has ended by ``as_at``
    (an area's page: its current agreement)."""
    ends = agreements.get_column("agreement_end") if "agreement_end" in agreements.columns else []
    return len(ends) > 0 and all(agreement_ended(end, as_at) for end in ends)


def outturn_expr(as_at: date, agreement_end: str = "agreement_end") -> pl.Expr:
    """:func:`agreement_ended` for every row of a frame with an ``agreement_end`` column."""
    return (pl.col(agreement_end) < pl.lit(as_at)).fill_null(False)


def assess(
    targets: pl.DataFrame,
    milestones: pl.DataFrame,
    actuals: pl.DataFrame,
    agreements: pl.DataFrame,
    as_at: date,
    tolerance: float = 0.10,
    *,
    direction_threshold: float = 0.02,
    forecast_window: int = 8,
    forecast_min_points: int = 3,
    forecast_level: float = 0.80,
) -> pl.DataFrame:
    """Assess every target with the actuals known at ``as_at``: one row per target.

    Returns the target columns followed by ``ASSESSMENT_COLUMNS``. Running totals (for
    cumulative targets): ``latest_value, previous_value, expected_value, forecast_*,
    assessed_value`` and the gap. Period figures as returned: ``latest_period_value,
    previous_period_value`` (direction of travel compares these). ``assessed_period`` is
    the target period; ``assessed_value`` its actual if known, else the forecast.
    ``basis`` and the reward columns are null for ordinary targets (see
    :func:`reward.reward_frame`).

    Once the target period has an actual (``target_period_value``), that actual is what is
    rated (DOMAIN §8): ``expected_value`` is the target, the gap is the target-period
    actual's gap against it, and neither later values nor the forecast change the RAG.
    """
    tid = "target_id"
    series = tracked_actuals(targets, actuals, as_at)
    ranked = series.with_columns(_k=pl.col("period").rank("ordinal", descending=True).over(tid))
    latest = ranked.filter(pl.col("_k") == 1).select(
        tid,
        latest_period=pl.col("period"),
        latest_value=pl.col("value"),
        latest_status=pl.col("status"),
        latest_period_value=pl.col("period_value"),
    )
    previous = ranked.filter(pl.col("_k") == 2).select(
        tid,
        previous_period=pl.col("period"),
        previous_value=pl.col("value"),
        previous_period_value=pl.col("period_value"),
    )
    at_target = (
        series.join(targets.select(tid, "target_period"), on=tid)
        .filter(pl.col("period") == pl.col("target_period"))
        .select(tid, actual_value=pl.col("value"))
    )
    fc = forecast_from_series(series, targets, forecast_window, forecast_min_points, forecast_level)
    frame = (
        targets.join(latest, on=tid, how="left", maintain_order="left")
        .join(previous, on=tid, how="left", maintain_order="left")
        .join(at_target, on=tid, how="left", maintain_order="left")
        .join(fc, on=tid, how="left", maintain_order="left")
    )
    expected = expected_values(
        targets, milestones, frame.select(tid, period=pl.col("latest_period"))
    )
    settled = pl.col("actual_value").is_not_null()
    frame = frame.with_columns(
        expected.get_column("expected_value"),
        target_period_value=pl.col("actual_value"),
        _settled=settled,
        _rated=pl.when(settled).then(pl.col("actual_value")).otherwise(pl.col("latest_value")),
    ).with_columns(
        expected_value=pl.when(settled)
        .then(pl.col("target_value"))
        .otherwise(pl.col("expected_value"))
    )
    frame = frame.with_columns(gap=gap_expr(actual="_rated")).with_columns(
        rag=rag_expr(tolerance, settled="_settled"),
        direction=direction_expr(threshold=direction_threshold),
        assessed_period=pl.col("target_period"),
        assessed_value=pl.coalesce("actual_value", "forecast_value"),
    )
    rewards = reward_frame(frame, agreements).drop("assessed_value")
    frame = frame.join(rewards, on=tid, how="left", maintain_order="left")
    return frame.select(*targets.columns, *ASSESSMENT_COLUMNS)


def _money_sum(expr: pl.Expr) -> pl.Expr:
    return expr.cast(MONEY).sum()


def _key_schema(agreements: pl.DataFrame, keys: list[str]) -> dict[str, pl.DataType]:
    return {k: agreements.schema[k] if k in agreements.columns else pl.Utf8() for k in keys}


def _agreement_money(agreements: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Maximum PRG and PPG per agreement, exact (a loop over agreement rows)."""
    rows = []
    for a in agreements.iter_rows(named=True):
        net, rate = a["net_budget_requirement_gbp"], a["reward_rate"]
        given, population = a["pump_priming_gbp"], a["population"]
        rows.append(
            {k: a[k] for k in keys}
            | {
                "max_prg_gbp": None
                if net is None or rate is None
                else money(maximum_prg(net, rate)),
                "ppg_gbp": None
                if given is None and population is None
                else pump_priming_grant(population, given),
            }
        )
    schema = _key_schema(agreements, keys) | {"max_prg_gbp": MONEY, "ppg_gbp": MONEY}
    return pl.DataFrame(rows, schema=schema)


_COUNTS = (
    "targets",
    "green",
    "amber",
    "red",
    "no_data",
    "reward_targets",
    "reward_invalid",
    "reward_no_data",
    "cliff_edge",
)


def area_summary(assessed: pl.DataFrame, agreements: pl.DataFrame) -> pl.DataFrame:
    """Per area (per agreement when ``agreement_id`` is present): RAG counts, maximum and
    expected PRG with its range, PPG, cliff edge.

    ``prg_gbp`` adds each reward target's reward on its basis (actual where the target
    period is in, else forecast); ``prg_low_gbp``/``prg_high_gbp`` use the actual reward
    where known, else the forecast range ends; ``prg_earned_gbp`` counts actuals only.
    Targets without actual or forecast add nothing (counted in ``reward_no_data``).
    Agreements without targets appear with zero counts.
    """
    keys = agreement_keys(assessed, agreements)
    rag = pl.col("rag")
    basis = pl.col("basis")
    is_actual = basis == "actual"
    counts = assessed.group_by(keys).agg(
        targets=pl.len().cast(pl.Int64),
        green=(rag == "green").sum().cast(pl.Int64),
        amber=(rag == "amber").sum().cast(pl.Int64),
        red=(rag == "red").sum().cast(pl.Int64),
        no_data=rag.is_null().sum().cast(pl.Int64),
        reward_targets=pl.col("is_reward").fill_null(False).sum().cast(pl.Int64),
        reward_invalid=(basis == "invalid").sum().cast(pl.Int64),
        reward_no_data=(basis == "none").sum().cast(pl.Int64),
        prg_gbp=_money_sum(pl.col("reward_gbp")),
        prg_low_gbp=_money_sum(
            pl.when(is_actual)
            .then(pl.col("reward_gbp"))
            .otherwise(pl.col("forecast_reward_low_gbp"))
        ),
        prg_high_gbp=_money_sum(
            pl.when(is_actual)
            .then(pl.col("reward_gbp"))
            .otherwise(pl.col("forecast_reward_high_gbp"))
        ),
        prg_earned_gbp=_money_sum(pl.when(is_actual).then(pl.col("reward_gbp"))),
        cliff_edge=pl.col("cliff_edge").fill_null(False).sum().cast(pl.Int64),
        at_stake_gbp=_money_sum(pl.col("at_stake_gbp")),
    )
    return (
        _agreement_money(agreements, keys)
        .join(counts, on=keys, how="full", coalesce=True)
        .with_columns(pl.col(_COUNTS).fill_null(0))
        .select(
            *keys,
            *_COUNTS[:-1],
            "max_prg_gbp",
            "prg_gbp",
            "prg_low_gbp",
            "prg_high_gbp",
            "prg_earned_gbp",
            "ppg_gbp",
            "cliff_edge",
            "at_stake_gbp",
        )
        .sort(keys)
    )


def _block_reward_maximum(
    assessed: pl.DataFrame, agreements: pl.DataFrame, keys: list[str]
) -> pl.DataFrame:
    """Exact sum of each block's reward shares, rounded once to the penny.

    Loops over reward-target rows only; shares stay exact so that six shares of £5m/12
    add up to £2,500,000.00, not to the sum of rounded shares (£2,500,000.02).
    """
    shares = exact_shares(assessed, agreements)
    totals: dict[tuple[Any, ...], Fraction] = {}
    reward_rows = assessed.filter(pl.col("is_reward").fill_null(False))
    for row in reward_rows.select("target_id", "block_code", *keys).iter_rows(named=True):
        share = shares[row["target_id"]][0]
        if share is not None:
            key = (*(row[k] for k in keys), row["block_code"])
            totals[key] = totals.get(key, Fraction(0)) + share
    cols = [*keys, "block_code"]
    return pl.DataFrame(
        [
            dict(zip(cols, key, strict=True)) | {"reward_maximum_gbp": money(t)}
            for key, t in totals.items()
        ],
        schema=_key_schema(agreements, keys) | {"block_code": pl.Utf8, "reward_maximum_gbp": MONEY},
    )


def block_assessment(assessed: pl.DataFrame, agreements: pl.DataFrame) -> pl.DataFrame:
    """The board's three-axis rating of each area (agreement) x block (DOMAIN §8).

    performance: green if >= 75% of the block's targets are green, red if > 25% are red;
    progress: (improving - worsening) / targets >= 0.2 green, <= -0.2 red;
    risk: block reward (actual or forecast, ``reward_gbp``) / block maximum >= 0.8 green,
    < 0.6 red; a block without reward targets rates its share of red targets (<= 10% green,
    > 25% red); null while no reward target of the block has a reward figure (once one has,
    the others count as £0). Percentages
    are over all the block's targets, "no data" included, and are compared in integer or
    decimal arithmetic so that exactly 75% / 20% / 80% fall on the stated side.
    """
    rag = pl.col("rag")
    d = pl.col("direction")
    is_reward = pl.col("is_reward").fill_null(False)
    keys = agreement_keys(assessed, agreements)
    g = assessed.group_by(*keys, "block_code").agg(
        targets=pl.len().cast(pl.Int64),
        green=(rag == "green").sum().cast(pl.Int64),
        amber=(rag == "amber").sum().cast(pl.Int64),
        red=(rag == "red").sum().cast(pl.Int64),
        no_data=rag.is_null().sum().cast(pl.Int64),
        improving=(d == "improving").sum().cast(pl.Int64),
        steady=(d == "steady").sum().cast(pl.Int64),
        worsening=(d == "worsening").sum().cast(pl.Int64),
        reward_targets=is_reward.sum().cast(pl.Int64),
        _reward_known=(is_reward & pl.col("reward_gbp").is_not_null()).sum(),
        reward_forecast_gbp=_money_sum(pl.when(is_reward).then(pl.col("reward_gbp"))),
    )
    g = g.join(
        _block_reward_maximum(assessed, agreements, keys), on=[*keys, "block_code"], how="left"
    )
    n, green, red = pl.col("targets"), pl.col("green"), pl.col("red")
    net = pl.col("improving") - pl.col("worsening")
    fc, mx = pl.col("reward_forecast_gbp"), pl.col("reward_maximum_gbp")

    def band(is_green: pl.Expr, is_red: pl.Expr) -> pl.Expr:
        return (
            pl.when(is_green)
            .then(pl.lit("green"))
            .when(is_red)
            .then(pl.lit("red"))
            .otherwise(pl.lit("amber"))
        )

    reward_risk = (
        pl.when((pl.col("_reward_known") == 0) | mx.is_null() | (mx <= 0))
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(band(fc * 5 >= mx * 4, fc * 5 < mx * 3))
    )
    return (
        g.with_columns(
            performance=band(green * 4 >= n * 3, red * 4 > n),
            progress=band(net * 5 >= n, net * 5 <= -n),
            risk=pl.when(pl.col("reward_targets") > 0)
            .then(reward_risk)
            .otherwise(band(red * 10 <= n, red * 4 > n)),
            reward_forecast_gbp=pl.when(pl.col("_reward_known") > 0).then(fc),
        )
        .drop("_reward_known")
        .select(
            *keys,
            "block_code",
            "targets",
            "green",
            "amber",
            "red",
            "no_data",
            "improving",
            "steady",
            "worsening",
            "reward_targets",
            "reward_forecast_gbp",
            "reward_maximum_gbp",
            "performance",
            "progress",
            "risk",
        )
        .sort(*keys, "block_code")
    )
