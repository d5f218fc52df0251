"""Reward rules of DOMAIN §5: exact fractions, the 60% threshold, shares and pennies."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.metrics.reward import (
    achieved_fraction,
    fraction_text,
    maximum_prg,
    money,
    money_text,
    paid_fraction,
    pump_priming_grant,
    reward_amount,
    reward_frame,
    reward_shares,
)
from dashboard.metrics.schema import AGREEMENTS_SCHEMA, frame

# (label, polarity, W, S, A, achieved, paid, reward £) — DOMAIN §5 worked example
WORKED = [
    ("recycling", "higher", 30.0, 36.0, 34.4, Fraction(11, 15), Fraction(11, 15), "305555.56"),
    ("vehicle crime", "lower", 13.0, 11.5, 12.2, Fraction(8, 15), Fraction(0), "0.00"),
    ("vehicle crime 12.1", "lower", 13.0, 11.5, 12.1, Fraction(3, 5), Fraction(3, 5), "250000.00"),
    ("quitters", "higher", 4200.0, 5000.0, 5300.0, Fraction(11, 8), Fraction(1), "416666.67"),
    ("NEET", "lower", 8.2, 6.8, 7.3, Fraction(9, 14), Fraction(9, 14), "267857.14"),
    ("sport", "higher", 21.0, 24.0, 24.0, Fraction(1), Fraction(1), "416666.67"),
]
SHARE_OF_12 = Fraction(5_000_000, 12)


def _agreement(area: str = "A", net: float = 200e6, **kw: object) -> dict[str, object]:
    return {
        "area_code": area,
        "net_budget_requirement_gbp": net,
        "reward_rate": 0.025,
        "reward_threshold": 0.6,
        "population": 176_912,
        "pump_priming_gbp": None,
    } | kw


def _rows(specs: list[dict[str, object]]) -> pl.DataFrame:
    """Rows in the shape reward_frame needs (all reward targets unless told)."""
    base = {
        "area_code": "A",
        "is_reward": True,
        "target_value": None,
        "without_reward_value": None,
        "agreed_share_gbp": None,
        "actual_value": None,
        "forecast_value": None,
        "forecast_low": None,
        "forecast_high": None,
    }
    schema = {
        "target_id": pl.Int64,
        "area_code": pl.Utf8,
        "is_reward": pl.Boolean,
        "target_value": pl.Float64,
        "without_reward_value": pl.Float64,
        "agreed_share_gbp": pl.Float64,
        "actual_value": pl.Float64,
        "forecast_value": pl.Float64,
        "forecast_low": pl.Float64,
        "forecast_high": pl.Float64,
    }
    return pl.DataFrame(
        [base | {"target_id": i + 1} | s for i, s in enumerate(specs)], schema=schema
    )


# --- scalar rules -------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "polarity", "w", "s", "a", "achieved", "paid", "reward"), WORKED)
def test_worked_example_row(
    label: str,
    polarity: str,
    w: float,
    s: float,
    a: float,
    achieved: Fraction,
    paid: Fraction,
    reward: str,
) -> None:
    f = achieved_fraction(a, w, s)
    assert f == achieved
    assert paid_fraction(f) == paid
    assert str(reward_amount(SHARE_OF_12, paid_fraction(f))) == reward


def test_worked_example_maximum_and_share() -> None:
    maximum = maximum_prg(200_000_000.0, 0.025)
    assert maximum == 5_000_000
    shares = reward_shares(maximum, [None] * 12, "A")
    assert all(share == SHARE_OF_12 for share in shares)  # exact, not 416,666.67
    assert money(shares[0]) == Decimal("416666.67")
    assert sum(shares) == maximum


@pytest.mark.parametrize(
    ("a", "w", "s"),
    [(5.8, 5.2, 6.2), (9.5, 10.1, 9.1)],
    ids=["higher 5.8 of 5.2->6.2", "lower 9.5 of 10.1->9.1"],
)
def test_float_traps_are_exactly_sixty_percent_and_pay(a: float, w: float, s: float) -> None:
    assert (a - w) / (s - w) < 0.6  # the trap: floats say 0.5999999999999996
    f = achieved_fraction(a, w, s)
    assert f == Fraction(3, 5)
    assert paid_fraction(f) == Fraction(3, 5)
    assert reward_amount(1000, paid_fraction(f)) == Decimal("600.00")


def test_text_inputs_are_exact_decimals() -> None:
    assert achieved_fraction("5.8", "5.2", "6.2") == Fraction(3, 5)
    assert achieved_fraction(Decimal("9.5"), Decimal("10.1"), Decimal("9.1")) == Fraction(3, 5)


def test_just_below_threshold_pays_nothing() -> None:
    f = achieved_fraction(Decimal("0.5999"), 0, 1)
    assert f == Fraction(5999, 10000)
    assert paid_fraction(f) == 0
    assert reward_amount(SHARE_OF_12, paid_fraction(f)) == Decimal("0.00")


def test_capped_at_one_hundred_percent() -> None:
    f = achieved_fraction(5300.0, 4200.0, 5000.0)
    assert f == Fraction(11, 8)
    assert paid_fraction(f) == 1


def test_worse_than_without_reward_pays_nothing() -> None:
    higher = achieved_fraction(28.0, 30.0, 36.0)
    lower = achieved_fraction(13.6, 13.0, 11.5)
    assert higher is not None and higher < 0
    assert lower is not None and lower < 0
    assert paid_fraction(higher) == 0
    assert paid_fraction(lower) == 0


def test_lower_is_better_uses_the_same_formula() -> None:
    assert achieved_fraction(7.3, 8.2, 6.8) == Fraction(9, 14)
    assert achieved_fraction(6.0, 8.2, 6.8) == Fraction(11, 7)  # better than stretch


def test_invalid_target_has_no_fraction() -> None:
    assert achieved_fraction(5.0, 4.0, 4.0) is None
    assert paid_fraction(None) is None


def test_threshold_is_a_setting() -> None:
    assert paid_fraction(Fraction(13, 20), Decimal("0.7")) == 0
    assert paid_fraction(Fraction(7, 10), 0.7) == Fraction(7, 10)


def test_rounding_is_half_up_once() -> None:
    assert money(Decimal("0.005")) == Decimal("0.01")
    assert money(Decimal("2.675")) == Decimal("2.68")  # float 2.675 is below the half
    assert money(Fraction(1, 200)) == Decimal("0.01")
    assert money(Decimal("-0.005")) == Decimal("-0.01")
    assert money_text(0) == "0.00"
    assert money_text(Fraction(5_000_000, 12)) == "416666.67"
    # rounding the share first is wrong: 416,666.67 x 9/14 = 267,857.145 -> .15,
    # the exact share gives 267,857.1428... -> .14 (the worked example's figure)
    assert reward_amount(Decimal("416666.67"), Fraction(9, 14)) == Decimal("267857.15")
    assert reward_amount(SHARE_OF_12, Fraction(9, 14)) == Decimal("267857.14")


@given(
    numerator=st.integers(min_value=-(10**45), max_value=10**45),
    denominator=st.integers(min_value=1, max_value=10**9),
    places=st.sampled_from([2, 6, 10]),
    on_a_half=st.booleans(),
)
def test_rounding_matches_decimal_half_up_for_any_fraction(
    numerator: int, denominator: int, places: int, on_a_half: bool
) -> None:
    """Pennies and fraction texts round as Decimal's own ROUND_HALF_UP does on the exact
    value (to 120 digits, beyond any run of nines a denominator this size gives), huge
    amounts and negative halves included, with no negative zero."""
    if on_a_half:  # exactly halfway between two roundings: the case half-up is about
        numerator, denominator = 2 * numerator + 1, 2 * 10**places
    x = Fraction(numerator, denominator)
    wide = Context(prec=120)
    exact_value = wide.divide(Decimal(numerator), Decimal(denominator))
    expected = exact_value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, wide)
    text = fraction_text(x, places)
    assert text is not None and Decimal(text) == expected
    if places == 2:
        assert money(x) == expected and money_text(x) == text
    assert not text.startswith("-") or Decimal(text) != 0


def test_fraction_text_has_at_least_six_decimals() -> None:
    assert fraction_text(Fraction(11, 15)) == "0.7333333333"
    assert fraction_text(Fraction(3, 5), 6) == "0.600000"
    assert fraction_text(None) is None


def test_mixed_agreed_and_equal_shares() -> None:
    shares = reward_shares(Fraction(5_000_000), [1_000_000.0, None, 500_000.0, None, None], "A")
    assert shares[0] == 1_000_000
    assert shares[2] == 500_000
    assert shares[1] == shares[3] == shares[4] == Fraction(3_500_000, 3)
    assert sum(shares) == 5_000_000


def test_agreed_shares_over_maximum_raise_naming_area() -> None:
    with pytest.raises(ValueError, match="E10000015"):
        reward_shares(Fraction(1_000_000), [600_000.0, 500_000.0, None], "E10000015")


def test_agreed_shares_equal_to_maximum_leave_zero_for_others() -> None:
    assert reward_shares(Fraction(100), [60.0, 40.0, None], "A") == [60, 40, 0]


def test_pump_priming_grant() -> None:
    assert pump_priming_grant(176_912) == Decimal("926912.00")
    assert pump_priming_grant(170_000) == Decimal("920000.00")
    assert pump_priming_grant(1_040_000, 1_800_000.0) == Decimal("1800000.00")


# --- the frame version --------------------------------------------------------------------


def test_reward_frame_worked_example_twelve_targets() -> None:
    specs = [
        {"target_value": s, "without_reward_value": w, "actual_value": a}
        for _, _, w, s, a, _, _, _ in WORKED * 2
    ]
    out = reward_frame(_rows(specs), frame([_agreement()], AGREEMENTS_SCHEMA))
    got = out.get_column("reward_gbp").cast(pl.Utf8).to_list()
    assert got == [r[-1] for r in WORKED] * 2
    assert set(out.get_column("reward_share_gbp").cast(pl.Utf8).to_list()) == {"416666.67"}
    assert out.get_column("basis").to_list() == ["actual"] * 12
    assert out.get_column("paid_fraction_text").to_list()[:6] == [
        "0.7333333333",
        "0.0000000000",
        "0.6000000000",
        "1.0000000000",
        "0.6428571429",
        "1.0000000000",
    ]
    assert out.get_column("reward_status").to_list()[:6] == [
        "amber",
        "red",
        "amber",
        "green",
        "amber",
        "green",
    ]


def test_reward_frame_float_trap_through_storage() -> None:
    specs = [
        {"target_value": 6.2, "without_reward_value": 5.2, "actual_value": 5.8},
        {"target_value": 9.1, "without_reward_value": 10.1, "actual_value": 9.5},
    ]
    out = reward_frame(_rows(specs), frame([_agreement(net=80_000.0)], AGREEMENTS_SCHEMA))
    # max 2,000 -> 1,000 each -> 60% pays 600.00
    assert out.get_column("reward_gbp").cast(pl.Utf8).to_list() == ["600.00", "600.00"]
    assert out.get_column("achieved_fraction_text").to_list() == ["0.6000000000"] * 2
    assert out.get_column("reward_status").to_list() == ["amber", "amber"]


def test_reward_frame_invalid_target_reported_not_crashed() -> None:
    specs = [
        {"target_value": 40.0, "without_reward_value": 40.0, "actual_value": 45.0},
        {"target_value": 36.0, "without_reward_value": 30.0, "actual_value": 36.0},
    ]
    out = reward_frame(_rows(specs), frame([_agreement(net=80_000.0)], AGREEMENTS_SCHEMA))
    bad = out.row(0, named=True)
    assert bad["basis"] == "invalid"
    assert bad["achieved_fraction"] is None and bad["achieved_fraction_text"] is None
    assert bad["reward_gbp"] == Decimal("0.00")
    assert bad["reward_status"] is None
    assert bad["reward_share_gbp"] == Decimal("1000.00")  # still holds its share
    assert out.row(1, named=True)["reward_gbp"] == Decimal("1000.00")


def test_reward_frame_mixed_shares_and_over_maximum_error() -> None:
    specs = [
        {"target_value": 36.0, "without_reward_value": 30.0, "actual_value": 36.0},
        {"target_value": 36.0, "without_reward_value": 30.0, "actual_value": 36.0,
         "agreed_share_gbp": 1_000.0},
        {"target_value": 36.0, "without_reward_value": 30.0, "actual_value": 36.0},
    ]  # fmt: skip
    agreements = frame([_agreement(net=100_000.0)], AGREEMENTS_SCHEMA)  # max 2,500
    out = reward_frame(_rows(specs), agreements)
    assert out.get_column("reward_gbp").cast(pl.Utf8).to_list() == ["750.00", "1000.00", "750.00"]
    # Shares over the maximum (refused at the write, held from before): no exact split, so no
    # target has a share or a reward, and nothing fails.
    specs[1]["agreed_share_gbp"] = 2_500.01
    assert reward_frame(_rows(specs), agreements).get_column("reward_gbp").to_list() == [None] * 3


def test_reward_frame_forecast_range_shows_the_cliff_and_cliff_edge() -> None:
    specs = [
        # forecast 57% (34.2 of 30 -> 36 would be 70%); interval 33.0..35.0 -> 50%..83.3%
        {"target_value": 36.0, "without_reward_value": 30.0, "forecast_value": 33.42,
         "forecast_low": 33.0, "forecast_high": 35.0},
        # lower polarity: low end is the good end
        {"target_value": 11.5, "without_reward_value": 13.0, "forecast_value": 12.0,
         "forecast_low": 11.0, "forecast_high": 12.5},
        # no data
        {"target_value": 36.0, "without_reward_value": 30.0},
        {"target_value": 36.0, "without_reward_value": 30.0, "forecast_value": 32.0,
         "forecast_low": 31.0, "forecast_high": 33.0},
    ]  # fmt: skip
    out = reward_frame(_rows(specs), frame([_agreement(net=160_000.0)], AGREEMENTS_SCHEMA))
    first, lower, none, far = out.iter_rows(named=True)
    assert first["basis"] == "forecast"
    assert first["achieved_fraction_text"] == "0.5700000000"
    assert first["forecast_reward_gbp"] == Decimal("0.00")
    assert first["forecast_reward_low_gbp"] == Decimal("0.00")
    assert first["forecast_reward_high_gbp"] == Decimal("833.33")  # 1000 x 5/6
    assert first["cliff_edge"] is True
    assert first["at_stake_gbp"] == Decimal("600.00")
    assert first["reward_status"] == "red"
    assert lower["forecast_reward_gbp"] == Decimal("666.67")  # (12-13)/(11.5-13) = 2/3
    assert lower["forecast_reward_low_gbp"] == Decimal("0.00")  # 12.5 -> 1/3
    assert lower["forecast_reward_high_gbp"] == Decimal("1000.00")  # 11.0 -> capped
    assert lower["cliff_edge"] is False
    assert none["basis"] == "none"
    assert none["reward_gbp"] is None and none["reward_status"] is None
    assert far["achieved_fraction_text"] == "0.3333333333"
    assert far["cliff_edge"] is False and far["at_stake_gbp"] is None


def test_reward_frame_cliff_edge_lower_bound_inclusive() -> None:
    specs = [
        {"target_value": 36.0, "without_reward_value": 30.0, "forecast_value": 33.0,
         "forecast_low": 32.0, "forecast_high": 34.0},
        {"target_value": 36.0, "without_reward_value": 30.0, "forecast_value": 32.999,
         "forecast_low": 32.0, "forecast_high": 34.0},
    ]  # fmt: skip
    out = reward_frame(_rows(specs), frame([_agreement(net=80_000.0)], AGREEMENTS_SCHEMA))
    assert out.get_column("cliff_edge").to_list() == [True, False]


def test_reward_frame_ordinary_targets_get_nulls() -> None:
    rows = _rows([{"is_reward": False, "target_value": 10.0, "actual_value": 12.0}])
    out = reward_frame(rows, frame([_agreement()], AGREEMENTS_SCHEMA))
    row = out.row(0, named=True)
    assert row["basis"] is None and row["reward_gbp"] is None
    assert row["cliff_edge"] is False


def test_reward_frame_without_agreement_has_no_money() -> None:
    rows = _rows([{"target_value": 36.0, "without_reward_value": 30.0, "actual_value": 36.0}])
    out = reward_frame(rows, frame([], AGREEMENTS_SCHEMA))
    row = out.row(0, named=True)
    assert row["basis"] == "actual" and row["paid_fraction"] == 1.0
    assert row["reward_gbp"] is None and row["reward_share_gbp"] is None


# --- properties ---------------------------------------------------------------------------

decimals = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False)


@given(a=decimals, w=decimals, s=decimals)
def test_paid_fraction_is_zero_or_between_threshold_and_one(
    a: Decimal, w: Decimal, s: Decimal
) -> None:
    f = achieved_fraction(a, w, s)
    if s == w:
        assert f is None
        return
    paid = paid_fraction(f)
    assert paid == 0 or Fraction(3, 5) <= paid <= 1
    assert (paid == 0) == (f < Fraction(3, 5))


@given(
    net=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
    n=st.integers(min_value=1, max_value=12),
    a=decimals,
    w=decimals,
    s=decimals,
)
def test_reward_never_exceeds_share(
    net: Decimal, n: int, a: Decimal, w: Decimal, s: Decimal
) -> None:
    shares = reward_shares(maximum_prg(net, "0.025"), [None] * n)
    f = achieved_fraction(a, w, s)
    paid = paid_fraction(f) if f is not None else Fraction(0)
    reward = reward_amount(shares[0], paid)
    assert Decimal(0) <= reward <= money(shares[0])
    assert sum(shares) == maximum_prg(net, "0.025")


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_money_matches_decimal_round_half_up(x: Decimal) -> None:
    assert money(x) == x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(
    shares=st.lists(
        st.one_of(st.none(), st.decimals(min_value=0, max_value=1000, places=2)), max_size=12
    ),
)
def test_shares_never_exceed_maximum(shares: list[Decimal | None]) -> None:
    maximum = Fraction(5000)
    agreed = sum((Fraction(s) for s in shares if s is not None), Fraction(0))
    if agreed > maximum:
        with pytest.raises(ValueError):
            reward_shares(maximum, shares, "A")
        return
    out = reward_shares(maximum, shares, "A")
    assert all(x >= 0 for x in out)
    if any(s is None for s in shares):
        assert sum(out) == maximum
    else:
        assert sum(out) == agreed
