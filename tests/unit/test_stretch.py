"""Stretch evidence: the trend and its range, the flags on W and S, challenge, value for money
and where the figures would stand among comparable areas.

Expectations are worked out by hand from the rules (DOMAIN §4–§5, §8 "forecast") or with an
independent fit (numpy's polyfit and scipy's t), never copied from the code's output.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from scipy import stats

from dashboard.reports import stretch
from dashboard.reports.stretch import NOT_A_STRETCH, NOT_CHALLENGING, NOT_CREDIBLE, PADDED

D = date
START = D(2005, 1, 1)
QUARTERS = [
    D(2005, 6, 30), D(2005, 9, 30), D(2005, 12, 31), D(2006, 3, 31),
    D(2006, 6, 30), D(2006, 9, 30), D(2006, 12, 31), D(2007, 3, 31),
    D(2007, 6, 30), D(2007, 9, 30),
]  # fmt: skip
NOISY = [50.0, -40.0, 21.0, 22.5, 22.1, 24.0, 25.2, 24.8, 26.9, 27.3]  # 10: the first 2 unused
TARGET = D(2008, 3, 31)


def _history(periods: list[date], values: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"period": periods, "value": values}, schema={"period": pl.Date, "value": pl.Float64}
    )


def _line() -> pl.DataFrame:
    """0, 100, 200 at days 0, 100, 200: slope exactly 1 a day, no scatter (s = 0)."""
    return _history([START + timedelta(days=d) for d in (0, 100, 200)], [0.0, 100.0, 200.0])


LINE_TARGET = START + timedelta(days=300)  # the line reaches 300 there, with zero width


def _noisy() -> pl.DataFrame:
    return _history(QUARTERS, NOISY)


def _reference(periods: list[date], ys: list[float], x0: date) -> tuple[float, float, float, float]:
    """Independent OLS on ordinal days + 80% Student-t prediction interval; slope per year."""
    x = np.array([p.toordinal() for p in periods], dtype=float)
    y = np.array(ys)
    n = len(x)
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    s = math.sqrt(float(resid @ resid) / (n - 2))
    xx = x0.toordinal()
    yhat = slope * xx + intercept
    half = (
        stats.t.ppf(0.90, n - 2)
        * s
        * math.sqrt(1 + 1 / n + (xx - x.mean()) ** 2 / ((x - x.mean()) ** 2).sum())
    )
    return yhat, yhat - half, yhat + half, slope * 365.25


def _evidence(**kw: Any) -> stretch.StretchEvidence:
    args: dict[str, Any] = {
        "history": _noisy(),
        "polarity": "higher",
        "baseline_value": 27.3,
        "target_period": TARGET,
        "without_value": 28.0,
        "stretched_value": 32.0,
        "share_gbp": None,
        "population": None,
    }
    return stretch.stretch_evidence(**(args | kw))


# --- the trend ----------------------------------------------------------------------------
def test_trend_matches_an_independent_fit_of_the_last_eight_values() -> None:
    found = stretch.trend(_noisy(), TARGET)
    assert found is not None
    yhat, low, high, per_year = _reference(QUARTERS[2:], NOISY[2:], TARGET)
    assert found.n == 8
    assert (found.first_period, found.last_period) == (QUARTERS[2], QUARTERS[-1])
    assert found.point == pytest.approx(yhat, rel=1e-9)
    assert found.low == pytest.approx(low, rel=1e-9)
    assert found.high == pytest.approx(high, rel=1e-9)
    assert found.slope_per_year == pytest.approx(per_year, rel=1e-9)


def test_trend_ignores_row_order_and_missing_values() -> None:
    shuffled = _noisy().with_row_index().sort(pl.col("index") * 7 % 10).drop("index")
    with_gap = pl.concat([shuffled, _history([D(2004, 3, 31)], [None])])
    assert stretch.trend(with_gap, TARGET) == stretch.trend(_noisy(), TARGET)


def test_trend_of_a_perfect_line_has_zero_width() -> None:
    found = stretch.trend(_line(), LINE_TARGET)
    assert found is not None
    assert found.point == found.low == found.high == 300.0
    assert found.slope_per_year == 365.25  # 1 a day
    assert found.n == 3


@pytest.mark.parametrize("values", [[], [1.0], [1.0, 2.0], [1.0, 2.0, None]])
def test_too_little_history_gives_no_trend(values: list[float | None]) -> None:
    history = _history(QUARTERS[: len(values)], values)
    assert stretch.trend(history, TARGET) is None
    found = _evidence(history=history)
    assert found.trend is None
    assert found.without_flag is None
    assert found.years_of_improvement is None and found.challenging is None
    lead = found.sentences()[0]
    assert lead.startswith("There is not enough history for a trend")
    assert "at least 3 are needed" in lead


# --- the without-reward figure against the trend's range -----------------------------------
def _bounds() -> stretch.Trend:
    found = stretch.trend(_noisy(), TARGET)
    assert found is not None and found.low < found.point < found.high
    return found


@pytest.mark.parametrize(
    ("polarity", "where", "flag"),
    [
        ("higher", "above", NOT_CREDIBLE),  # claims to beat its own trend without the reward
        ("higher", "below", PADDED),  # set low: part of the stretch would come anyway
        ("higher", "point", None),
        ("lower", "below", NOT_CREDIBLE),
        ("lower", "above", PADDED),
        ("lower", "point", None),
    ],
)
def test_without_flag_on_and_off_for_both_polarities(
    polarity: str, where: str, flag: str | None
) -> None:
    t = _bounds()
    w = {"above": t.high + 0.5, "below": t.low - 0.5, "point": t.point}[where]
    s = w + (1.0 if polarity == "higher" else -1.0)
    found = _evidence(polarity=polarity, without_value=w, stretched_value=s)
    assert found.without_flag == flag
    assert (flag in found.flags) if flag else not ({NOT_CREDIBLE, PADDED} & set(found.flags))


@pytest.mark.parametrize("polarity", ["higher", "lower"])
@pytest.mark.parametrize("bound", ["low", "high"])
def test_a_without_figure_exactly_on_a_bound_is_not_flagged(polarity: str, bound: str) -> None:
    t = _bounds()
    edge = getattr(t, bound)
    outward = math.inf if bound == "high" else -math.inf
    on = _evidence(polarity=polarity, without_value=edge, stretched_value=edge + 1)
    past = _evidence(
        polarity=polarity,
        without_value=math.nextafter(edge, outward),
        stretched_value=edge + 1,
    )
    assert on.without_flag is None
    good_side = (bound == "high") == (polarity == "higher")
    assert past.without_flag == (NOT_CREDIBLE if good_side else PADDED)


def test_on_a_zero_width_range_only_the_exact_point_is_within() -> None:
    # the perfect line points to exactly 300 with no range: 300 is on both bounds
    def flag(w: float, polarity: str = "higher") -> str | None:
        return _evidence(
            history=_line(), target_period=LINE_TARGET, polarity=polarity, without_value=w,
            stretched_value=w + 10,
        ).without_flag  # fmt: skip

    assert flag(300.0) is None
    assert flag(300.5) == NOT_CREDIBLE and flag(299.5) == PADDED
    assert flag(300.0, "lower") is None
    assert flag(299.5, "lower") == NOT_CREDIBLE and flag(300.5, "lower") == PADDED


def test_without_sentences_say_what_each_flag_means() -> None:
    t = _bounds()
    high = _evidence(without_value=t.high + 1, stretched_value=t.high + 3).sentences()
    low = _evidence(without_value=t.low - 1, stretched_value=t.low + 3).sentences()
    within = _evidence(without_value=t.point, stretched_value=t.point + 3).sentences()
    assert any("better than the best end of the trend's range" in s for s in high)
    assert any("not believable" in s for s in high)
    assert any("worse than the worst end of the trend's range" in s for s in low)
    assert any("what the trend would deliver anyway" in s for s in low)
    assert any("within the trend's range" in s for s in within)


# --- the stretch -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("polarity", "w", "s", "good"),
    [
        ("higher", 30.0, 36.0, True),
        ("higher", 30.0, 29.0, False),
        ("lower", 13.0, 11.5, True),
        ("lower", 13.0, 13.5, False),
    ],
)
def test_stretch_direction_for_both_polarities(
    polarity: str, w: float, s: float, good: bool
) -> None:
    found = _evidence(polarity=polarity, without_value=w, stretched_value=s)
    assert found.stretch == s - w  # signed
    assert found.stretch_in_good_direction is good
    assert (found.stretch_flag is None) is good
    assert (NOT_A_STRETCH in found.flags) is not good
    assert found.invalid_target is False
    if not good:
        assert any("this is not a stretch" in x for x in found.sentences())
        assert found.challenging is False and found.years_of_improvement is None


def test_stretch_is_worked_out_in_decimal() -> None:
    # in floats 5.8 − 5.2 is 0.5999999999999996
    assert _evidence(without_value=5.2, stretched_value=5.8).stretch == 0.6
    assert _evidence(polarity="lower", without_value=10.1, stretched_value=9.5).stretch == -0.6


@pytest.mark.parametrize("polarity", ["higher", "lower"])
def test_stretched_equal_to_without_is_an_invalid_target(polarity: str) -> None:
    found = _evidence(
        polarity=polarity, without_value=30.0, stretched_value=30.0,
        share_gbp=Decimal("100000"), population=1000,
    )  # fmt: skip
    assert found.invalid_target is True
    assert found.stretch == 0.0
    assert found.stretch_in_good_direction is False
    assert found.stretch_flag == NOT_A_STRETCH
    assert found.gbp_per_unit is None and found.gbp_per_head is None
    assert any("cannot be a reward target" in s for s in found.sentences())


# --- challenging --------------------------------------------------------------------------------
def test_challenging_at_exactly_the_test_and_not_just_below() -> None:
    # the line improves exactly 365.25 a year: a stretch of 365.25 is exactly one year of it
    def on_line(s: float, years: float = 1.0) -> stretch.StretchEvidence:
        return _evidence(
            history=_line(), target_period=LINE_TARGET, without_value=300.0, stretched_value=s,
            challenging_years=years,
        )  # fmt: skip

    exactly = on_line(665.25)
    assert exactly.yearly_improvement == 365.25
    assert exactly.years_of_improvement == 1.0
    assert exactly.challenging is True
    assert NOT_CHALLENGING not in exactly.flags
    short = on_line(665.0)
    assert short.years_of_improvement == pytest.approx(365.0 / 365.25)
    assert short.challenging is False and NOT_CHALLENGING in short.flags
    assert on_line(665.25 + 365.25, years=2.0).challenging is True
    assert on_line(665.25 + 365.0, years=2.0).challenging is False


def test_years_of_improvement_from_an_independent_slope() -> None:
    *_, per_year = _reference(QUARTERS[2:], NOISY[2:], TARGET)
    assert per_year > 0
    found = _evidence(without_value=28.0, stretched_value=32.0, challenging_years=1.0)
    assert found.yearly_improvement == pytest.approx(per_year, rel=1e-9)
    assert found.years_of_improvement == pytest.approx(4.0 / per_year, rel=1e-9)
    assert 4.0 / per_year > 1.0 and found.challenging is True
    tiny = _evidence(without_value=28.0, stretched_value=28.0 + per_year / 4)
    assert tiny.years_of_improvement == pytest.approx(0.25, rel=1e-6)
    assert tiny.challenging is False


def test_lower_is_better_improves_when_the_trend_falls() -> None:
    falling = _noisy().with_columns(value=100.0 - pl.col("value"))
    *_, per_year = _reference(QUARTERS[2:], [100.0 - v for v in NOISY[2:]], TARGET)
    found = _evidence(history=falling, polarity="lower", without_value=72.0, stretched_value=70.0)
    assert per_year < 0
    assert found.yearly_improvement == pytest.approx(-per_year, rel=1e-9)
    assert found.years_of_improvement == pytest.approx(2.0 / -per_year, rel=1e-9)


@pytest.mark.parametrize(
    ("values", "polarity"),
    [
        ([5.0, 5.0, 5.0, 5.0], "higher"),
        ([1.0, 2.0, 3.0, 4.5], "lower"),
        ([4.0, 3.0, 2.0, 1.5], "higher"),
    ],
)
def test_a_flat_or_worsening_trend_makes_any_stretch_challenging(
    values: list[float], polarity: str
) -> None:
    step = 1.0 if polarity == "higher" else -1.0
    found = _evidence(
        history=_history(QUARTERS[:4], values), polarity=polarity, without_value=5.0,
        stretched_value=5.0 + step,
    )  # fmt: skip
    assert found.years_of_improvement is None
    assert found.challenging is True
    assert any(
        "The trend is not improving: all of the stretch is beyond it" in s
        for s in found.sentences()
    )


# --- value for money ---------------------------------------------------------------------------
def test_value_for_money_rounds_half_up_to_the_penny() -> None:
    # £10.05 over a stretch of 2 is £5.025: half-up gives £5.03 (banker's rounding £5.02)
    found = _evidence(
        without_value=30.0, stretched_value=32.0, share_gbp=Decimal("10.05"), population=2
    )
    assert found.gbp_per_unit == Decimal("5.03")
    assert found.gbp_per_head == Decimal("5.03")


def test_value_for_money_rounds_only_at_the_end() -> None:
    # an equal share of £5m among 12 targets is not rounded first: 416,666.666…/6 = 69,444.44
    # (rounding the share to £416,666.67 first would give 69,444.445 -> 69,444.45)
    share = Decimal(5_000_000) / Decimal(12)
    found = _evidence(
        polarity="lower", without_value=13.0, stretched_value=7.0, share_gbp=share, population=3
    )
    assert found.gbp_per_unit == Decimal("69444.44")
    assert found.gbp_per_head == Decimal("138888.89")  # 138,888.888…
    sentence = next(s for s in found.sentences() if s.startswith("Value for money"))
    assert "£69,444.44" in sentence and "£138,888.89 per head" in sentence


def test_value_for_money_uses_the_exact_stretch() -> None:
    # S − W = 0.6 exactly: £3 per 0.6 is £5.00 (in floats 3 / 0.5999999999999996 is 5.0000…04)
    found = _evidence(without_value=5.2, stretched_value=5.8, share_gbp=Decimal("3"))
    assert found.gbp_per_unit == Decimal("5.00")


@pytest.mark.parametrize(("share", "population"), [(None, 1000), (Decimal("100"), None)])
def test_value_for_money_needs_the_share_and_population(
    share: Decimal | None, population: int | None
) -> None:
    found = _evidence(share_gbp=share, population=population)
    assert found.gbp_per_head is None
    assert (found.gbp_per_unit is None) is (share is None)
    if share is None:
        assert any("No reward share is set yet" in s for s in found.sentences())


# --- comparable areas ---------------------------------------------------------------------------
GROUP = {"label": "nearest neighbours", "n": 11, "lower_quartile": 20.0, "median": 25.0,
         "upper_quartile": 30.0}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "position"),
    [
        (19.0, "below the lower quartile"),
        (20.0, "at the lower quartile"),
        (22.0, "between the lower quartile and the median"),
        (25.0, "at the median"),
        (27.0, "between the median and the upper quartile"),
        (30.0, "at the upper quartile"),
        (31.0, "above the upper quartile"),
    ],
)
def test_group_position_at_and_between_the_quartiles(value: float, position: str) -> None:
    assert stretch.group_position(value, GROUP) == position


def test_group_standing_is_said_the_good_way_for_each_polarity() -> None:
    above, below = "above the upper quartile", "below the lower quartile"
    best, worst = (
        "better than three quarters of the group",
        "worse than three quarters of the group",
    )
    assert stretch.group_standing(above, "higher") == best
    assert stretch.group_standing(below, "higher") == worst
    assert stretch.group_standing(below, "lower") == best
    assert stretch.group_standing(above, "lower") == worst
    assert stretch.group_standing("at the median", "lower") == "level with the middle of the group"


def test_group_sentence_for_higher_is_better() -> None:
    found = _evidence(without_value=22.0, stretched_value=31.0, group=GROUP)
    assert found.without_position == "between the lower quartile and the median"
    assert found.stretched_position == "above the upper quartile"
    sentence = next(s for s in found.sentences() if "nearest neighbours" in s)
    assert "11 areas" in sentence
    assert "the stretched figure 31.0 would be above the upper quartile, better than three " \
        "quarters of the group" in sentence  # fmt: skip
    assert "the without-reward figure 22.0 would be between the lower quartile and the " \
        "median, worse than half of the group" in sentence  # fmt: skip


def test_group_sentence_for_lower_is_better() -> None:
    found = _evidence(polarity="lower", without_value=22.0, stretched_value=19.0, group=GROUP)
    assert found.without_standing == "better than half of the group but not in its best quarter"
    assert found.stretched_standing == "better than three quarters of the group"


def test_group_without_statistics_says_so() -> None:
    empty = {"label": "nearest neighbours", "n": 0, "lower_quartile": None, "median": None,
             "upper_quartile": None}  # fmt: skip
    found = _evidence(group=empty)
    assert found.without_position is None and found.stretched_standing is None
    assert any("have no values to set the figures against" in s for s in found.sentences())


def test_no_group_no_group_sentence() -> None:
    assert not any("quartile" in s for s in _evidence().sentences())


# --- the sentences ---------------------------------------------------------------------------
def test_sentences_are_plain_english_with_sensible_numbers() -> None:
    t = _bounds()
    found = _evidence(
        without_value=26.5, stretched_value=30.0, unit="%", share_gbp=Decimal("400000"),
        population=200_000,
    )  # fmt: skip
    text = " ".join(found.sentences())
    assert "The trend of the last 8 values" in text
    assert f"{t.low:.1f}% to {t.high:.1f}%" in text  # the figures' 1 decimal
    assert "The stretch is 3.5 percentage points higher" in text
    assert "£2.00 per head" in text
    assert "£114,285.71 for each percentage point" in text  # 400,000 / 3.5
    for jargon in ("OLS", "regression", "least squares", "Student", "None", "nan", "§"):
        assert jargon not in text
