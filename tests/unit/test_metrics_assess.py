"""End-to-end assessment: one row per target, area summary and block self-assessment."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

from dashboard.metrics.assess import ASSESSMENT_COLUMNS, area_summary, assess, block_assessment
from dashboard.metrics.reward import achieved_fraction, paid_fraction, reward_amount
from dashboard.metrics.schema import (
    ACTUALS_SCHEMA,
    AGREEMENTS_SCHEMA,
    MILESTONES_SCHEMA,
    TARGETS_SCHEMA,
    frame,
)

D = date
START, BASE, END = D(2005, 4, 1), D(2005, 3, 31), D(2008, 3, 31)
QUARTERS = [
    D(2005, 6, 30), D(2005, 9, 30), D(2005, 12, 31), D(2006, 3, 31), D(2006, 6, 30),
    D(2006, 9, 30), D(2006, 12, 31), D(2007, 3, 31), D(2007, 6, 30), D(2007, 9, 30),
    D(2007, 12, 31), D(2008, 3, 31),
]  # fmt: skip
WORKED = [  # polarity, W, S, A, reward £ (DOMAIN §5)
    ("higher", 30.0, 36.0, 34.4, "305555.56"),
    ("lower", 13.0, 11.5, 12.2, "0.00"),
    ("lower", 13.0, 11.5, 12.1, "250000.00"),
    ("higher", 4200.0, 5000.0, 5300.0, "416666.67"),
    ("lower", 8.2, 6.8, 7.3, "267857.14"),
    ("higher", 21.0, 24.0, 24.0, "416666.67"),
]


def _target(target_id: int, **kw: Any) -> dict[str, Any]:
    return {
        "target_id": target_id,
        "area_code": "B",
        "indicator_code": f"I{target_id}",
        "block_code": "CYP",
        "polarity": "higher",
        "measure": "level",
        "agreement_start": START,
        "baseline_period": BASE,
        "baseline_value": 20.0,
        "target_period": END,
        "target_value": 36.0,
        "without_reward_value": None,
        "is_reward": False,
        "agreed_share_gbp": None,
    } | kw


def _agreement(area: str, net: float) -> dict[str, Any]:
    return {
        "area_code": area,
        "net_budget_requirement_gbp": net,
        "reward_rate": 0.025,
        "reward_threshold": 0.6,
        "population": 150_000,
        "pump_priming_gbp": None,
    }


def _acts(target_id: int, values: list[float], periods: list[date] = QUARTERS) -> list[dict]:
    return [
        {"target_id": target_id, "period": p, "value": v, "status": "final"}
        for p, v in zip(periods, values, strict=False)
    ]


def _ols(periods: list[date], ys: list[float], x0: date) -> tuple[float, float, float]:
    x = np.array([p.toordinal() for p in periods], dtype=float)
    y = np.array(ys)
    n = len(x)
    b, a = np.polyfit(x, y, 1)
    s = math.sqrt(float(((y - (a + b * x)) ** 2).sum()) / (n - 2))
    xx = x0.toordinal()
    half = (
        stats.t.ppf(0.9, n - 2)
        * s
        * math.sqrt(1 + 1 / n + (xx - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    )
    return a + b * xx, a + b * xx - half, a + b * xx + half


# --- the worked example at the end of the agreement -------------------------------------


@pytest.fixture
def worked() -> tuple[pl.DataFrame, pl.DataFrame]:
    targets, actuals = [], []
    for i in range(12):
        polarity, w, s, a, _ = WORKED[i % 6]
        targets.append(
            _target(
                i + 1,
                area_code="A",
                block_code="CYP" if i < 6 else "SSC",
                polarity=polarity,
                baseline_value=w,
                target_value=s,
                without_reward_value=w,
                is_reward=True,
            )
        )
        actuals += _acts(i + 1, [w, a], [D(2007, 3, 31), END])
    agreements = frame([_agreement("A", 200e6)], AGREEMENTS_SCHEMA)
    out = assess(
        frame(targets, TARGETS_SCHEMA),
        frame([], MILESTONES_SCHEMA),
        frame(actuals, ACTUALS_SCHEMA),
        agreements,
        D(2008, 9, 30),
    )
    return out, agreements


def test_worked_example_every_reward_to_the_penny(
    worked: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    out, _ = worked
    assert out.get_column("reward_gbp").cast(pl.Utf8).to_list() == [w[-1] for w in WORKED] * 2
    assert out.get_column("basis").to_list() == ["actual"] * 12
    assert out.get_column("assessed_period").to_list() == [END] * 12
    assert out.get_column("assessed_value").to_list() == [w[3] for w in WORKED] * 2
    assert set(out.get_column("reward_share_gbp").cast(pl.Utf8).to_list()) == {"416666.67"}


def test_worked_example_area_and_blocks(worked: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    out, agreements = worked
    area = area_summary(out, agreements).row(0, named=True)
    assert area["max_prg_gbp"] == Decimal("5000000.00")
    assert area["prg_gbp"] == Decimal("3313492.08")  # 2 x 1,656,746.04
    assert area["prg_low_gbp"] == area["prg_high_gbp"] == area["prg_earned_gbp"]
    assert area["ppg_gbp"] == Decimal("900000.00")
    assert area["reward_targets"] == 12
    blocks = block_assessment(out, agreements)
    # six exact shares of £5m/12 are £2,500,000.00, not 6 x 416,666.67 = .02
    assert blocks.get_column("reward_maximum_gbp").cast(pl.Utf8).to_list() == ["2500000.00"] * 2
    # 1,656,746.04 / 2,500,000 = 66%: amber
    assert blocks.get_column("risk").to_list() == ["amber", "amber"]


def test_output_has_target_columns_then_assessment_columns(
    worked: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    out, _ = worked
    assert out.columns == [*TARGETS_SCHEMA, *ASSESSMENT_COLUMNS]
    assert out.height == 12


# --- mid-agreement: forecasts, cumulative, no data, invalid ------------------------------

AS_AT = D(2006, 8, 15)  # latest known period: Q1 2006/07 (2006-06-30)


@pytest.fixture
def midway() -> tuple[pl.DataFrame, pl.DataFrame]:
    targets = [
        _target(1),  # ordinary, higher, with a milestone
        _target(
            2,
            polarity="lower",
            baseline_value=13.5,
            target_value=11.5,
            without_reward_value=13.0,
            is_reward=True,
        ),
        _target(
            3,
            measure="cumulative",
            baseline_value=1400.0,
            target_value=5000.0,
            without_reward_value=4200.0,
            is_reward=True,
            block_code="HCOP",
        ),
        _target(4, without_reward_value=30.0, is_reward=True),  # no data at all
        _target(5, target_value=40.0, without_reward_value=40.0, is_reward=True),  # invalid
    ]
    milestones = [{"target_id": 1, "period": D(2006, 3, 31), "value": 26.0}]
    actuals = (
        _acts(1, [21.0, 22.5, 23.0, 25.0, 27.0, 99.0])  # 99.0 is after as_at
        + _acts(2, [13.4, 13.1, 12.9, 12.8, 12.4])
        + [{"target_id": 3, "period": BASE, "value": 999.0, "status": "final"}]
        + _acts(3, [400.0, 420.0, 380.0, 450.0, 430.0])
        + _acts(5, [41.0, 42.0, 43.0])
    )
    actuals[4]["status"] = "provisional"
    agreements = frame([_agreement("B", 160_000.0)], AGREEMENTS_SCHEMA)  # max £4,000
    out = assess(
        frame(targets, TARGETS_SCHEMA),
        frame(milestones, MILESTONES_SCHEMA),
        frame(actuals, ACTUALS_SCHEMA),
        agreements,
        AS_AT,
    )
    return out, agreements


def test_level_target_midway(midway: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    row = midway[0].row(0, named=True)
    assert row["latest_period"] == D(2006, 6, 30)
    assert row["latest_value"] == 27.0 and row["latest_status"] == "provisional"
    assert row["previous_value"] == 25.0 and row["previous_period"] == D(2006, 3, 31)
    expected = 26.0 + 10.0 * 91 / 731  # milestone 26 -> 36 over 731 days
    assert row["expected_value"] == pytest.approx(expected)
    assert row["gap"] == pytest.approx((expected - 27.0) / 16, abs=1e-9)
    assert row["rag"] == "amber"
    assert row["direction"] == "improving"
    yhat, lo, hi = _ols(QUARTERS[:5], [21.0, 22.5, 23.0, 25.0, 27.0], END)
    assert row["forecast_value"] == pytest.approx(yhat)
    assert (row["forecast_low"], row["forecast_high"]) == pytest.approx((lo, hi))
    assert row["assessed_value"] == pytest.approx(yhat)
    assert row["basis"] is None and row["reward_gbp"] is None
    assert row["cliff_edge"] is False


def test_lower_reward_target_forecast_reward(midway: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    row = midway[0].row(1, named=True)
    assert row["basis"] == "forecast"
    f = achieved_fraction(row["forecast_value"], 13.0, 11.5)
    assert f is not None
    assert row["achieved_fraction"] == pytest.approx(float(f))
    share = Decimal(4000) / 4
    assert row["reward_share_gbp"] == Decimal("1000.00")
    assert row["reward_gbp"] == reward_amount(share, paid_fraction(f))
    assert row["forecast_reward_gbp"] == row["reward_gbp"]
    ends = [
        reward_amount(share, paid_fraction(achieved_fraction(v, 13.0, 11.5)))
        for v in (row["forecast_low"], row["forecast_high"])
    ]
    assert row["forecast_reward_low_gbp"] == min(ends)
    assert row["forecast_reward_high_gbp"] == max(ends)


def test_cumulative_reward_target_uses_running_totals(
    midway: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    row = midway[0].row(2, named=True)
    totals = [400.0, 820.0, 1200.0, 1650.0, 2080.0]  # the 999 before the start is excluded
    assert row["latest_value"] == 2080.0 and row["latest_period_value"] == 430.0
    assert row["previous_value"] == 1650.0 and row["previous_period_value"] == 450.0
    assert row["expected_value"] == pytest.approx(5000.0 * 455 / 1095)
    assert row["gap"] == pytest.approx((5000.0 * 455 / 1095 - 2080.0) / 5000.0, abs=1e-9)
    assert row["direction"] == "steady"  # 430 vs 450 is -0.4% of 5000
    yhat, lo, hi = _ols(QUARTERS[:5], totals, END)
    assert row["forecast_value"] == pytest.approx(yhat)
    assert (row["forecast_low"], row["forecast_high"]) == pytest.approx((lo, hi))
    assert row["basis"] == "forecast"


def test_no_data_and_invalid_targets(midway: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    none, invalid = midway[0].row(3, named=True), midway[0].row(4, named=True)
    assert none["rag"] is None and none["direction"] is None and none["gap"] is None
    assert none["basis"] == "none" and none["reward_gbp"] is None
    assert none["reward_status"] is None and none["forecast_n"] == 0
    assert invalid["basis"] == "invalid"
    assert invalid["achieved_fraction"] is None and invalid["reward_status"] is None
    assert invalid["reward_gbp"] == Decimal("0.00")
    assert invalid["rag"] is not None  # still monitored as a target


def test_midway_area_summary(midway: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    out, agreements = midway
    area = area_summary(out, agreements).row(0, named=True)
    assert area["targets"] == 5
    assert area["green"] + area["amber"] + area["red"] == 4 and area["no_data"] == 1
    assert area["reward_targets"] == 4
    assert area["reward_invalid"] == 1 and area["reward_no_data"] == 1
    assert area["max_prg_gbp"] == Decimal("4000.00")
    rewards = out.get_column("reward_gbp").drop_nulls().to_list()
    assert area["prg_gbp"] == sum(rewards)
    assert area["prg_low_gbp"] <= area["prg_gbp"] <= area["prg_high_gbp"]
    assert area["prg_earned_gbp"] == Decimal("0.00")
    assert area["ppg_gbp"] == Decimal("900000.00")


def test_cumulative_reward_assessed_on_the_final_running_total() -> None:
    t = _target(
        1,
        measure="cumulative",
        baseline_value=1400.0,
        target_value=5000.0,
        without_reward_value=4200.0,
        is_reward=True,
    )
    amounts = [440.0] * 11 + [460.0]  # 5,300 over the three years
    out = assess(
        frame([t], TARGETS_SCHEMA),
        frame([], MILESTONES_SCHEMA),
        frame(_acts(1, amounts), ACTUALS_SCHEMA),
        frame([_agreement("B", 40_000.0)], AGREEMENTS_SCHEMA),  # max £1,000
        D(2008, 6, 30),
    ).row(0, named=True)
    assert out["basis"] == "actual"
    assert out["assessed_value"] == pytest.approx(5300.0)
    assert out["achieved_fraction_text"] == "1.3750000000"
    assert out["reward_gbp"] == Decimal("1000.00")
    assert out["rag"] == "green"


# --- block three-axis self-assessment ------------------------------------------------------


def test_block_assessment_bands_at_their_exact_edges() -> None:
    rows: list[dict[str, Any]] = []

    def add(block: str, rag: str | None, direction: str | None = None, **kw: Any) -> None:
        rows.append(
            {
                "target_id": len(rows) + 1,
                "area_code": "A",
                "block_code": block,
                "rag": rag,
                "direction": direction,
                "is_reward": False,
                "reward_gbp": None,
                "reward_share_gbp": None,
                "agreed_share_gbp": None,
            }
            | kw
        )

    # B1: 80% green, (2 - 1) / 5 = 0.2 progress, 20% red
    for rag, d in [("green", "improving"), ("green", "improving"), ("green", None),
                   ("green", None), ("red", "worsening")]:  # fmt: skip
        add("B1", rag, d)
    # B2: exactly 75% green and 25% red; progress -0.25
    for rag, d in [("green", None), ("green", None), ("green", None), ("red", "worsening")]:
        add("B2", rag, d)
    # B3: 50% red
    for rag in ["green", "green", "red", "red"]:
        add("B3", rag, "steady")
    # B4: 25% green, the rest amber / no data
    for rag in ["green", "amber", "amber", None]:
        add("B4", rag)
    # reward blocks: 5 reward targets of £1,000 each (max £5,000)
    for block, reward in [("R1", "800.00"), ("R1", "800.00"), ("R2", "600.00"),
                          ("R3", "599.99"), ("R4", None)]:  # fmt: skip
        add(
            block,
            "green",
            is_reward=True,
            reward_gbp=None if reward is None else Decimal(reward),
            reward_share_gbp=Decimal("1000.00"),
        )
    schema = {
        "target_id": pl.Int64,
        "area_code": pl.Utf8,
        "block_code": pl.Utf8,
        "rag": pl.Utf8,
        "direction": pl.Utf8,
        "is_reward": pl.Boolean,
        "reward_gbp": pl.Decimal(38, 2),
        "reward_share_gbp": pl.Decimal(38, 2),
        "agreed_share_gbp": pl.Float64,
    }
    assessed = pl.DataFrame(rows, schema=schema)
    agreements = frame([_agreement("A", 200_000.0)], AGREEMENTS_SCHEMA)
    out = {r["block_code"]: r for r in block_assessment(assessed, agreements).iter_rows(named=True)}
    assert [out[b]["performance"] for b in ("B1", "B2", "B3", "B4")] == [
        "green",
        "green",
        "red",
        "amber",
    ]
    assert [out[b]["progress"] for b in ("B1", "B2", "B3", "B4")] == [
        "green",
        "red",
        "amber",
        "amber",
    ]
    assert [out[b]["risk"] for b in ("B1", "B2", "B3", "B4")] == ["amber", "amber", "red", "green"]
    assert [out[b]["risk"] for b in ("R1", "R2", "R3", "R4")] == ["green", "amber", "red", None]
    assert out["R1"]["reward_maximum_gbp"] == Decimal("2000.00")
    assert out["B4"]["no_data"] == 1


def test_two_agreements_in_one_area_keep_separate_reward_pots() -> None:
    """With ``agreement_id`` on both frames (as the store gives), pots do not mix."""
    targets = frame(
        [
            _target(1, without_reward_value=30.0, is_reward=True),
            _target(2, without_reward_value=30.0, is_reward=True),
            _target(3, without_reward_value=30.0, is_reward=True, target_period=D(2011, 3, 31)),
        ],
        TARGETS_SCHEMA,
    ).with_columns(agreement_id=pl.Series([1, 1, 2], dtype=pl.Int64))
    agreements = frame(
        [_agreement("B", 80_000.0), _agreement("B", 400_000.0)], AGREEMENTS_SCHEMA
    ).with_columns(agreement_id=pl.Series([1, 2], dtype=pl.Int64))
    actuals = frame(
        _acts(1, [36.0], [END]) + _acts(2, [36.0], [END]) + _acts(3, [36.0], [D(2011, 3, 31)]),
        ACTUALS_SCHEMA,
    )
    out = assess(targets, frame([], MILESTONES_SCHEMA), actuals, agreements, D(2011, 6, 30))
    assert out.get_column("reward_share_gbp").cast(pl.Utf8).to_list() == [
        "1000.00",
        "1000.00",
        "10000.00",
    ]
    summary = area_summary(out, agreements)
    assert summary.select("agreement_id", "max_prg_gbp", "prg_gbp").rows() == [
        (1, Decimal("2000.00"), Decimal("2000.00")),
        (2, Decimal("10000.00"), Decimal("10000.00")),
    ]
    blocks = block_assessment(out, agreements)
    assert blocks.get_column("reward_maximum_gbp").cast(pl.Utf8).to_list() == [
        "2000.00",
        "10000.00",
    ]


def test_agreed_shares_over_the_maximum_held_from_before_give_no_share_not_an_error() -> None:
    """The store refuses to write such shares; held from before, the area's pages still
    assess (the target shows no share or reward) instead of failing."""
    targets = frame(
        [_target(1, without_reward_value=30.0, is_reward=True, agreed_share_gbp=2_000.01)],
        TARGETS_SCHEMA,
    )
    out = assess(
        targets,
        frame([], MILESTONES_SCHEMA),
        frame([], ACTUALS_SCHEMA),
        frame([_agreement("B", 80_000.0)], AGREEMENTS_SCHEMA),
        AS_AT,
    )
    assert out.height == 1
    assert out.get_column("reward_share_gbp").to_list() == [None]


def test_empty_inputs_give_empty_frames() -> None:
    agreements = frame([], AGREEMENTS_SCHEMA)
    out = assess(
        frame([], TARGETS_SCHEMA),
        frame([], MILESTONES_SCHEMA),
        frame([], ACTUALS_SCHEMA),
        agreements,
        AS_AT,
    )
    assert out.height == 0
    assert out.columns == [*TARGETS_SCHEMA, *ASSESSMENT_COLUMNS]
    assert area_summary(out, agreements).height == 0
    assert block_assessment(out, agreements).height == 0


# --- at and after the target period: the target-period actual decides (DOMAIN §8) -------


AFTER_END = D(2008, 12, 31)


def _after_target(values: list[float], as_at: date = AFTER_END, **kw: Any) -> dict:
    """One ordinary target (baseline 20 → target 36 by END) with quarterly actuals up to
    END and beyond, assessed at `as_at`."""
    periods = [*QUARTERS, D(2008, 6, 30), D(2008, 9, 30)]
    out = assess(
        frame([_target(1, **kw)], TARGETS_SCHEMA),
        frame([], MILESTONES_SCHEMA),
        frame(_acts(1, values, periods), ACTUALS_SCHEMA),
        frame([_agreement("B", 1e6)], AGREEMENTS_SCHEMA),
        as_at,
    )
    return out.row(0, named=True)


RISING = [21.0, 22.0, 23.5, 25.0, 26.0, 27.5, 29.0, 30.0, 31.5, 33.0, 34.5]  # up to 2007-12-31


def test_target_period_actual_that_meets_is_green_even_if_a_later_value_is_worse() -> None:
    row = _after_target([*RISING, 36.0, 20.0, 20.0])  # met at END, then fell far behind
    assert row["latest_value"] == 20.0 and row["target_period_value"] == 36.0
    assert row["expected_value"] == 36.0  # after the target period: the target
    assert row["gap"] == 0.0 and row["rag"] == "green"


def test_target_period_actual_missed_within_tolerance_is_amber() -> None:
    row = _after_target([*RISING, 34.6, 40.0, 41.0])  # 1.4 short of 16 = 8.75%; later ahead
    assert row["gap"] == pytest.approx(1.4 / 16)
    assert row["rag"] == "amber"


def test_target_period_actual_missed_is_red_even_if_the_forecast_meets() -> None:
    row = _after_target([*RISING, 33.0, 39.0, 45.0])  # 3 short = 18.75%; trend well above 36
    assert row["forecast_value"] is not None and row["forecast_value"] >= 36.0
    assert row["gap"] == pytest.approx(3 / 16)
    assert row["rag"] == "red"


def test_later_values_do_not_change_the_rating_at_the_target_period() -> None:
    at_end = _after_target([*RISING, 34.6], as_at=D(2008, 4, 30))
    later = [_after_target([*RISING, 34.6, v, w]) for v, w in [(20.0, 19.0), (50.0, 60.0)]]
    assert at_end["rag"] == "amber"
    assert [r["rag"] for r in later] == ["amber", "amber"]
    assert {r["gap"] for r in later} == {at_end["gap"]}


def test_before_the_target_period_has_a_value_the_forecast_still_rescues() -> None:
    # The target period is not in yet (reported late): the old rule with the forecast holds.
    steep = [1.0, 1.0, 1.0] + [33.0 - 3.5 * (11 - i) for i in range(4, 12)]  # 33 at 2007-12
    row = _after_target(steep, as_at=D(2008, 4, 30))
    assert row["target_period_value"] is None
    assert row["gap"] > 0.10 and row["rag"] == "amber"  # the trend reaches 36 by END


def test_lower_is_better_target_period_missed_is_red() -> None:
    row = _after_target(
        [13.0] * 11 + [12.9, 10.0, 9.0],
        polarity="lower",
        baseline_value=13.0,
        target_value=11.5,
    )
    assert row["expected_value"] == 11.5
    assert row["gap"] == pytest.approx(1.4 / 1.5)
    assert row["rag"] == "red"


def test_agreement_ended_is_after_the_end_date() -> None:
    from dashboard.metrics.assess import agreement_ended, outturn_expr

    assert not agreement_ended(END, END)
    assert agreement_ended(END, D(2008, 4, 1))
    assert not agreement_ended(None, D(2030, 1, 1))
    ends = pl.DataFrame({"agreement_end": [END, D(2009, 3, 31), None]})
    assert ends.select(outturn_expr(D(2008, 11, 30))).to_series().to_list() == [True, False, False]
