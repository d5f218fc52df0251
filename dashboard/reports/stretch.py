"""Stretch evidence of a proposed reward target, worked out from the area's own history.

In the negotiation the area proposes, for a reward target, a "without reward" figure W and a
stretched figure S (DOMAIN §4–§5). The Government Office judges whether the proposal is
evidence-based, challenging and value for money; this module computes that evidence — it is
never typed — as warnings for the conversation, never as blocks:

- the trend of the last values, the same fit and 80% range as the forecast (DOMAIN §8);
- whether W sits inside that range ("not_credible" beyond its good end, "padded" beyond its
  bad end; a value exactly on a bound is not flagged);
- the stretch S − W, whether it points the good way ("not_a_stretch" when not; S == W is an
  invalid reward target), and how many years of the trend's improvement it amounts to;
- value for money: the reward share per unit of stretch and per head of population;
- where W and S would stand among comparable areas' values today.

Pure functions: no Streamlit, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from dashboard.formatting import format_value
from dashboard.metrics.forecast import forecast_from_series

__all__ = [
    "DAYS_PER_YEAR",
    "NOT_A_STRETCH",
    "NOT_CHALLENGING",
    "NOT_CREDIBLE",
    "PADDED",
    "StretchEvidence",
    "Trend",
    "group_position",
    "group_standing",
    "stretch_evidence",
    "trend",
    "trend_cone",
]

DAYS_PER_YEAR = 365.25
PENNY = Decimal("0.01")

# Flags: warnings for the negotiation, never blocks.
NOT_CREDIBLE = "not_credible"  # W better than the trend's range allows
PADDED = "padded"  # W worse than the trend's range: part of the stretch comes anyway
NOT_A_STRETCH = "not_a_stretch"  # S not better than W (S == W: an invalid reward target)
NOT_CHALLENGING = "not_challenging"  # the stretch is less than the test's years of the trend

# Where a value stands against a group's quartiles, in raw (numeric) order, and the same
# place said in the good/bad direction for each polarity.
BELOW_LOWER = "below the lower quartile"
AT_LOWER = "at the lower quartile"
LOWER_TO_MEDIAN = "between the lower quartile and the median"
AT_MEDIAN = "at the median"
MEDIAN_TO_UPPER = "between the median and the upper quartile"
AT_UPPER = "at the upper quartile"
ABOVE_UPPER = "above the upper quartile"
_STANDING_HIGHER = {
    ABOVE_UPPER: "better than three quarters of the group",
    AT_UPPER: "level with the best quarter of the group",
    MEDIAN_TO_UPPER: "better than half of the group but not in its best quarter",
    AT_MEDIAN: "level with the middle of the group",
    LOWER_TO_MEDIAN: "worse than half of the group but not in its worst quarter",
    AT_LOWER: "level with the worst quarter of the group",
    BELOW_LOWER: "worse than three quarters of the group",
}
_MIRROR = {
    BELOW_LOWER: ABOVE_UPPER,
    AT_LOWER: AT_UPPER,
    LOWER_TO_MEDIAN: MEDIAN_TO_UPPER,
    AT_MEDIAN: AT_MEDIAN,
    MEDIAN_TO_UPPER: LOWER_TO_MEDIAN,
    AT_UPPER: AT_LOWER,
    ABOVE_UPPER: BELOW_LOWER,
}


# --- the trend ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Trend:
    """The trend of an indicator's last values, evaluated at the target period.

    `point` and the `level` prediction range `low`–`high` come from the forecast's fit;
    `slope_per_year` is the same fit's slope in value units per 365.25 days (positive: rising).
    """

    point: float
    low: float
    high: float
    n: int
    slope_per_year: float
    first_period: date
    last_period: date
    window: int = 8
    level: float = 0.80


def _clean(history: pl.DataFrame) -> pl.DataFrame:
    """`period` (Date) and `value` (Float64) rows with a number, oldest first."""
    return (
        history.select(pl.col("period").cast(pl.Date), pl.col("value").cast(pl.Float64))
        .filter(pl.col("period").is_not_null() & pl.col("value").is_finite())
        .sort("period")
    )


def _fit_at(
    history: pl.DataFrame, periods: pl.Series, *, window: int, min_points: int, level: float
) -> pl.DataFrame:
    """The forecast's fit of `history` evaluated at each of `periods`.

    `forecast_from_series` evaluates a series at its own target's period only, so each
    evaluation date becomes a one-target frame of its own, all carrying the same series.
    Columns `period, value, low, high, n` in the order of `periods`.
    """
    evaluations = pl.DataFrame({"target_period": periods.cast(pl.Date)}).with_row_index("target_id")
    evaluations = evaluations.with_columns(pl.col("target_id").cast(pl.Int64))
    series = evaluations.select("target_id").join(_clean(history), how="cross")
    fitted = forecast_from_series(series, evaluations, window, min_points, level)
    return evaluations.join(fitted, on="target_id", how="left", maintain_order="left").select(
        period="target_period",
        value="forecast_value",
        low="forecast_low",
        high="forecast_high",
        n="forecast_n",
    )


def trend(
    history: pl.DataFrame,
    target_period: date,
    *,
    window: int = 8,
    min_points: int = 3,
    level: float = 0.80,
) -> Trend | None:
    """The trend of the last `window` values of `history` (`period`, `value`; any order) at
    `target_period`, with its `level` prediction range. None with fewer than `min_points`
    values (or when they all share one period, which gives no slope)."""
    used = _clean(history).tail(window)
    if used.height < min_points:
        return None
    first, last = used["period"][0], used["period"][-1]
    # The slope is not among the forecast's outputs: read it off the same fit evaluated at the
    # first and last periods used (the fit is a straight line, so the difference is exact
    # up to rounding).
    fit = _fit_at(
        history,
        pl.Series([target_period, first, last]),
        window=window,
        min_points=min_points,
        level=level,
    )
    point, low, high = fit["value"][0], fit["low"][0], fit["high"][0]
    if point is None or low is None or high is None:
        return None
    days = (last - first).days
    slope_per_year = (fit["value"][2] - fit["value"][1]) / days * DAYS_PER_YEAR
    return Trend(
        point=point,
        low=low,
        high=high,
        n=int(fit["n"][0]),
        slope_per_year=slope_per_year,
        first_period=first,
        last_period=last,
        window=window,
        level=level,
    )


def trend_cone(
    history: pl.DataFrame,
    target_period: date,
    *,
    window: int = 8,
    min_points: int = 3,
    level: float = 0.80,
    points: int = 6,
) -> pl.DataFrame:
    """The trend and its prediction range at `points` dates evenly spaced from the last value's
    period to `target_period` (the cone that widens towards the target), by the same fit as
    :func:`trend`. Columns `period, value, low, high`; empty when there is no trend."""
    used = _clean(history)
    empty = pl.DataFrame(
        schema={"period": pl.Date, "value": pl.Float64, "low": pl.Float64, "high": pl.Float64}
    )
    if used.height < min_points:
        return empty
    last = used["period"][-1]
    days = max((target_period - last).days, 0)
    steps = max(points - 1, 1)
    periods = (
        pl.select(
            period=pl.lit(last)
            + pl.duration(days=(pl.int_range(0, steps + 1) * days / steps).round().cast(pl.Int64))
        )
        .unique("period", maintain_order=True)
        .get_column("period")
    )
    fit = _fit_at(history, periods, window=window, min_points=min_points, level=level)
    return fit.filter(pl.col("value").is_not_null()).select("period", "value", "low", "high")


# --- comparable areas ---------------------------------------------------------------------
def group_position(value: float, group: dict[str, Any]) -> str | None:
    """Where `value` stands against the group's quartiles, in numeric order (e.g. "between
    the lower quartile and the median"); None when the group has no statistics. A value equal
    to a statistic is "at" it; with tied statistics the median wins."""
    lower, median, upper = (group.get(k) for k in ("lower_quartile", "median", "upper_quartile"))
    if lower is None or median is None or upper is None or not group.get("n"):
        return None
    if value == median:
        return AT_MEDIAN
    if value > upper:
        return ABOVE_UPPER
    if value == upper:
        return AT_UPPER
    if value > median:
        return MEDIAN_TO_UPPER
    if value > lower:
        return LOWER_TO_MEDIAN
    if value == lower:
        return AT_LOWER
    return BELOW_LOWER


def group_standing(position: str | None, polarity: str) -> str | None:
    """A :func:`group_position` said the good/bad way for the polarity, e.g. "better than
    three quarters of the group" (above the upper quartile when higher is better, below the
    lower quartile when lower is better)."""
    if position is None:
        return None
    return _STANDING_HIGHER[position if polarity != "lower" else _MIRROR[position]]


# --- the evidence ---------------------------------------------------------------------------
def _exact(value: float | Decimal) -> Decimal:
    """A figure as the decimal it was typed as (`Decimal(repr(x))` for a stored float)."""
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def _decimals(*values: float | None) -> int:
    """Sensible decimals for the figures of one target: as many as its typed figures carry
    (at most 3), and at least 1 unless they are whole numbers in the thousands."""
    present = [_exact(v) for v in values if v is not None]
    carried = max((max(-int(d.normalize().as_tuple().exponent), 0) for d in present), default=1)
    big = all(abs(d) >= 1000 for d in present) if present else False
    return min(max(carried, 0 if big else 1), 3)


@dataclass(frozen=True)
class StretchEvidence:
    """The evidence on one proposed reward target (see :func:`stretch_evidence`).

    Trend-based fields (`without_flag`, `yearly_improvement`, `years_of_improvement`,
    `challenging`) are None when `trend` is None ("not enough history").
    """

    polarity: str
    baseline_value: float | None
    target_period: date
    without_value: float
    stretched_value: float
    trend: Trend | None
    history_n: int
    min_points: int
    without_flag: str | None  # NOT_CREDIBLE | PADDED | None (within the range, or no trend)
    stretch: float  # S − W, signed, worked out in decimal from the typed figures
    stretch_in_good_direction: bool
    stretch_flag: str | None  # NOT_A_STRETCH | None
    invalid_target: bool  # S == W: no fraction, no reward (DOMAIN §8)
    yearly_improvement: float | None  # the trend's slope per year, the good way
    years_of_improvement: float | None
    challenging: bool | None
    challenging_years: float
    share_gbp: Decimal | None
    population: int | None
    gbp_per_unit: Decimal | None
    gbp_per_head: Decimal | None
    group: dict[str, Any] | None
    without_position: str | None  # group_position of W
    stretched_position: str | None  # group_position of S
    unit: str = ""
    decimals: int = 1

    @property
    def flags(self) -> tuple[str, ...]:
        """The warnings raised, in the order the sentences give them."""
        raised = [self.without_flag, self.stretch_flag]
        if self.challenging is False and self.stretch_in_good_direction:
            raised.append(NOT_CHALLENGING)
        return tuple(f for f in raised if f)

    @property
    def without_standing(self) -> str | None:
        return group_standing(self.without_position, self.polarity)

    @property
    def stretched_standing(self) -> str | None:
        return group_standing(self.stretched_position, self.polarity)

    def _v(self, value: float) -> str:
        """A figure with the target's decimals and unit."""
        return format_value(value, self.decimals, self.unit).strip()

    def _n(self, value: float, decimals: int | None = None) -> str:
        """A bare number (no unit) with the target's decimals."""
        return format_value(value, self.decimals if decimals is None else decimals, "").strip()

    def _change(self, value: float, decimals: int | None = None) -> str:
        """A change of the value: "5.0 percentage points" for a %, else the value's words."""
        if self.unit == "%":
            return f"{self._n(value, decimals)} percentage points"
        if decimals is None:
            return self._v(value)
        return format_value(value, decimals, self.unit).strip()

    def sentences(self) -> list[str]:
        """The evidence in plain English, for the negotiation page and the LAA document."""
        return [
            s
            for s in (
                self._trend_sentence(),
                self._without_sentence(),
                self._stretch_sentence(),
                self._challenge_sentence(),
                self._value_sentence(),
                self._group_sentence(),
            )
            if s
        ]

    def _trend_sentence(self) -> str:
        t = self.trend
        if t is None:
            have = "no values" if self.history_n == 0 else _plural(self.history_n, "value")
            return (
                f"There is not enough history for a trend ({have}; at least "
                f"{self.min_points} are needed), so the without-reward figure and the stretch "
                "cannot be checked against it."
            )
        way = "rising" if t.slope_per_year > 0 else "falling" if t.slope_per_year < 0 else "flat"
        per_year = (
            f"{way} by {self._change(abs(t.slope_per_year), self.decimals + 1)} a year"
            if way != "flat"
            else "flat"
        )
        level = f"{t.level:.0%}"
        article = "an" if level.startswith(("8", "11", "18")) else "a"
        return (
            f"The trend of the last {_plural(t.n, 'value')} ({t.first_period:%B %Y} to "
            f"{t.last_period:%B %Y}, {per_year}) points to {self._v(t.point)} in "
            f"{self.target_period:%B %Y}, with {article} {level} range of {self._v(t.low)} to "
            f"{self._v(t.high)}."
        )

    def _without_sentence(self) -> str | None:
        t = self.trend
        if t is None:
            return None
        w = self._v(self.without_value)
        lower = self.polarity == "lower"
        good_end, bad_end = (t.low, t.high) if lower else (t.high, t.low)
        if self.without_flag == NOT_CREDIBLE:
            return (
                f"The without-reward figure {w} is better than the best end of the trend's "
                f"range ({self._v(good_end)}): the area expects to beat its own trend without "
                "the reward, so either that figure is not believable or a stretch on top of "
                "it is implausible."
            )
        if self.without_flag == PADDED:
            return (
                f"The without-reward figure {w} is worse than the worst end of the trend's "
                f"range ({self._v(bad_end)}): it looks set low, so part of the stretch is what "
                "the trend would deliver anyway."
            )
        return f"The without-reward figure {w} is within the trend's range: it fits the history."

    def _stretch_sentence(self) -> str:
        w, s = self._v(self.without_value), self._v(self.stretched_value)
        good = "lower is better" if self.polarity == "lower" else "higher is better"
        if self.invalid_target:
            return (
                f"The stretched figure equals the without-reward figure ({s}): there is no "
                "stretch, so it cannot be a reward target and could never earn a reward."
            )
        if not self.stretch_in_good_direction:
            return (
                f"The stretched figure {s} is worse than the without-reward figure {w} "
                f"({good}): this is not a stretch."
            )
        way = "higher" if self.stretch > 0 else "lower"
        return (
            f"The stretch is {self._change(abs(self.stretch))} {way}: {s} with the reward "
            f"against {w} without it ({good})."
        )

    def _challenge_sentence(self) -> str | None:
        if self.trend is None or not self.stretch_in_good_direction:
            return None
        test = f"the test is {_years(self.challenging_years)} of the trend's improvement"
        if self.years_of_improvement is None:
            return (
                "The trend is not improving: all of the stretch is beyond it, so the stretch "
                f"is challenging ({test})."
            )
        verdict = "challenging" if self.challenging else "not challenging"
        return (
            f"At the trend's rate of improvement the stretch is "
            f"{_years(self.years_of_improvement)} of improvement: {verdict} ({test})."
        )

    def _value_sentence(self) -> str | None:
        if self.invalid_target:
            return None
        if self.share_gbp is None:
            return "No reward share is set yet, so value for money cannot be worked out."
        parts = [f"£{self.gbp_per_unit:,.2f} for each {_unit_step(self.unit)} of stretch"]
        if self.gbp_per_head is not None:
            parts.append(
                f"£{self.gbp_per_head:,.2f} per head of population ({self.population:,} people)"
            )
        return f"Value for money: the reward share of £{self.share_gbp:,.2f} is " + (
            " and ".join(parts) + "."
        )

    def _group_sentence(self) -> str | None:
        g = self.group
        if g is None:
            return None
        label = str(g.get("label") or "comparable areas")
        if self.without_position is None or self.stretched_position is None:
            return f"The {label} have no values to set the figures against."
        return (
            f"Against the {label} ({_plural(int(g['n']), 'area')}, today's values): the "
            f"without-reward figure {self._v(self.without_value)} would be "
            f"{self.without_position}, {self.without_standing}; the stretched figure "
            f"{self._v(self.stretched_value)} would be {self.stretched_position}, "
            f"{self.stretched_standing}."
        )


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _years(years: float) -> str:
    """`1 year`, `2.9 years`, `3 years`."""
    shown = f"{years:,.1f}".removesuffix(".0")
    return f"{shown} year" if shown == "1" else f"{shown} years"


def _unit_step(unit: str) -> str:
    """One step of the indicator's unit, as in "£500 for each percentage point of stretch"."""
    if unit == "%":
        return "percentage point"
    if unit.startswith("rate per "):
        per = unit.removeprefix("rate per ")
        return f"point of the rate per {int(per):,}" if per.isdigit() else f"point of the {unit}"
    if unit in ("", "count", "ratio"):
        return "unit"
    return unit


def stretch_evidence(
    *,
    history: pl.DataFrame,
    polarity: str,
    baseline_value: float | None,
    target_period: date,
    without_value: float,
    stretched_value: float,
    share_gbp: Decimal | None,
    population: int | None,
    group: dict[str, Any] | None = None,
    challenging_years: float = 1.0,
    unit: str | None = None,
    decimals: int | None = None,
    window: int = 8,
    min_points: int = 3,
    level: float = 0.80,
) -> StretchEvidence:
    """The evidence on a proposed reward target: W `without_value`, S `stretched_value`.

    `history`: the area's actuals of the indicator (`period`, `value`). `group`: the compare
    page's statistics of comparable areas (`label, n, lower_quartile, median,
    upper_quartile`). `unit` and `decimals` only shape the sentences (default: no unit, the
    decimals the figures carry). Comparisons with the trend's bounds and with
    `challenging_years` are exact: a figure equal to a bound is not flagged, a stretch of
    exactly `challenging_years` is challenging.
    """
    w, s = float(without_value), float(stretched_value)
    found = trend(history, target_period, window=window, min_points=min_points, level=level)
    lower = polarity == "lower"

    without_flag = None
    if found is not None:
        beyond_good = w < found.low if lower else w > found.high
        beyond_bad = w > found.high if lower else w < found.low
        without_flag = NOT_CREDIBLE if beyond_good else PADDED if beyond_bad else None

    # S − W in decimal from the typed figures: 5.8 − 5.2 is 0.6, not 0.5999999999999996
    exact_stretch = _exact(stretched_value) - _exact(without_value)
    invalid = exact_stretch == 0
    good_way = exact_stretch < 0 if lower else exact_stretch > 0

    yearly = years = challenging = None
    if found is not None:
        yearly = -found.slope_per_year if lower else found.slope_per_year
        if good_way:
            if yearly > 0:
                years = float(abs(exact_stretch)) / yearly
                challenging = years >= challenging_years
            else:
                challenging = True  # the trend is not improving: all of the stretch is beyond it
        else:
            challenging = False

    per_unit = per_head = None
    if share_gbp is not None and not invalid:
        share = Decimal(share_gbp)
        per_unit = (share / abs(exact_stretch)).quantize(PENNY, ROUND_HALF_UP)
        if population:
            per_head = (share / Decimal(population)).quantize(PENNY, ROUND_HALF_UP)

    positions: tuple[str | None, str | None] = (None, None)
    if group is not None:
        positions = (group_position(w, group), group_position(s, group))

    return StretchEvidence(
        polarity=polarity,
        baseline_value=baseline_value,
        target_period=target_period,
        without_value=w,
        stretched_value=s,
        trend=found,
        history_n=_clean(history).height,
        min_points=min_points,
        without_flag=without_flag,
        stretch=float(exact_stretch),
        stretch_in_good_direction=good_way,
        stretch_flag=None if good_way else NOT_A_STRETCH,
        invalid_target=invalid,
        yearly_improvement=yearly,
        years_of_improvement=years,
        challenging=challenging,
        challenging_years=challenging_years,
        share_gbp=share_gbp,
        population=population,
        gbp_per_unit=per_unit,
        gbp_per_head=per_head,
        group=group,
        without_position=positions[0],
        stretched_position=positions[1],
        unit=unit or "",
        decimals=_decimals(without_value, stretched_value, baseline_value)
        if decimals is None
        else decimals,
    )
