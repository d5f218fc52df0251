"""Benchmarks (run with `make bench`; never part of the test suite).

1. The pure maths at national scale: 150 areas x 200 targets x 28 quarterly actuals,
   built in memory, assessed in one call.
2. The demo database through the store: loading and assessing one area, as a page does.
"""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import polars as pl

from dashboard import db, metrics, store
from dashboard.analysis import assess_areas


def national_frames(areas: int = 150, per_area: int = 200, quarters: int = 28):
    rng = np.random.default_rng(1)
    n = areas * per_area
    target_id = np.arange(n)
    area = np.repeat([f"A{i:03d}" for i in range(areas)], per_area)
    polarity = np.where(rng.random(n) < 0.5, "higher", "lower")
    baseline = rng.uniform(10, 100, n)
    sign = np.where(polarity == "higher", 1.0, -1.0)
    target = baseline * (1 + sign * rng.uniform(0.05, 0.15, n))
    reward = rng.random(n) < 0.06
    without = np.where(reward, baseline * (1 + sign * 0.03), np.nan)
    targets = pl.DataFrame(
        {
            "target_id": target_id,
            "area_code": area,
            "indicator_code": [f"I{i % per_area:03d}" for i in range(n)],
            "block_code": np.array(["CYP", "SSC", "HCOP", "EDE"])[target_id % 4],
            "polarity": polarity,
            "measure": "level",
            "agreement_start": date(2005, 4, 1),
            "baseline_period": date(2005, 3, 31),
            "baseline_value": baseline,
            "target_period": date(2012, 3, 31),
            "target_value": target,
            "without_reward_value": without,
            "is_reward": reward,
            "agreed_share_gbp": None,
        },
        schema_overrides={"agreed_share_gbp": pl.Float64},
    ).with_columns(pl.col("without_reward_value").fill_nan(None))
    periods = pl.date_range(date(2005, 6, 30), date(2012, 3, 31), "1q", eager=True).dt.month_end()
    actuals = (
        targets.select("target_id", "baseline_value", "target_value")
        .join(pl.DataFrame({"period": periods[:quarters]}), how="cross")
        .with_columns(
            value=pl.col("baseline_value")
            + (pl.col("target_value") - pl.col("baseline_value"))
            * pl.int_range(pl.len()).over("target_id")
            / quarters
            + pl.lit(rng.normal(0, 1, n * quarters)),
            status=pl.lit("final"),
        )
        .select("target_id", "period", "value", "status")
    )
    agreements = pl.DataFrame(
        {
            "area_code": [f"A{i:03d}" for i in range(areas)],
            "net_budget_requirement_gbp": 2e8,
            "reward_rate": 0.025,
            "reward_threshold": 0.6,
            "population": 250_000,
            "pump_priming_gbp": None,
        },
        schema_overrides={"pump_priming_gbp": pl.Float64},
    )
    milestones = pl.DataFrame(
        schema={"target_id": pl.Int64, "period": pl.Date, "value": pl.Float64}
    )
    return targets, milestones, actuals, agreements


def timed(label: str, fn, repeat: int = 3) -> None:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<60} best of {repeat}: {best * 1000:8.1f} ms")


def main() -> None:
    frames = national_frames()
    print(f"national frames: {frames[0].height:,} targets, {frames[2].height:,} actuals")
    timed(
        "assess() all national targets (pure maths)",
        lambda: metrics.assess(*frames, date(2012, 6, 30)),
    )
    engine = db.get_engine()
    areas = store.list_areas(engine, store.cli_actor("reader"))
    if areas.is_empty():
        print("demo database is empty: run `make db` first")
        return
    code = areas["area_code"][0]
    today = store.business_today(engine)
    timed(
        f"load + assess one demo area ({code}) through the store",
        lambda: assess_areas(engine, store.cli_actor("reader"), [code], today),
    )
    codes = areas["area_code"].to_list()
    timed(
        f"load + assess all {len(codes)} demo areas",
        lambda: assess_areas(engine, store.cli_actor("reader"), codes, today),
    )
    from dashboard.reports.returns import department_return
    from dashboard.reports.review import review_pack

    timed(
        f"HO department return over all {len(codes)} demo areas",
        lambda: department_return(engine, store.cli_actor("reader"), "HO", today, today),
    )
    timed(
        f"GO review pack of one demo area ({code})",
        lambda: review_pack(engine, store.cli_actor("reader"), code, today),
    )


if __name__ == "__main__":
    main()
