"""The reward element (DOMAIN §5), computed exactly.

Money and fractions are decided in exact rational arithmetic (:class:`fractions.Fraction`
built from decimals), never in binary floating point: in floats (5.8 - 5.2) / (6.2 - 5.2) is
0.5999999999999996, yet it is exactly 60% and must be paid. Floats read from storage are
converted with ``Decimal(repr(x))``, which recovers the decimal that was typed. Shares are
kept exact; each reward is rounded once, half-up, to the penny.

Money columns in frames are ``pl.Decimal(38, 2)`` (exact pennies; ``cast(pl.Utf8)`` gives
``"305555.56"``); fractions are Float64 for charts plus ``*_text`` Utf8 columns with
``FRACTION_PLACES`` decimals rounded half-up from the exact value, for exports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import suppress
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from dashboard.metrics.status import reward_status

__all__ = [
    "DEFAULT_THRESHOLD",
    "FRACTION_PLACES",
    "MONEY",
    "REWARD_COLUMNS",
    "Number",
    "achieved_fraction",
    "agreement_keys",
    "exact",
    "exact_shares",
    "fraction_text",
    "maximum_prg",
    "money",
    "money_text",
    "paid_fraction",
    "pump_priming_grant",
    "reward_amount",
    "reward_frame",
    "reward_shares",
]

Number = Decimal | Fraction | float | int | str
MONEY = pl.Decimal(38, 2)
FRACTION_PLACES = 10
DEFAULT_THRESHOLD = Fraction(3, 5)
DEFAULT_CLIFF_FLOOR = Fraction(1, 2)
PPG_BASE = Fraction(750_000)
PPG_PER_HEAD = Fraction(1)

REWARD_COLUMNS = (
    "target_id",
    "basis",
    "assessed_value",
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
)


def exact(x: Number | None) -> Fraction | None:
    """Exact rational value of ``x``; floats via ``Decimal(repr(x))``. None/NaN -> None."""
    if x is None:
        return None
    if isinstance(x, Fraction):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            return None
        return Fraction(Decimal(repr(x)))
    if isinstance(x, str):
        return Fraction(Decimal(x.strip().replace(",", "")))
    return Fraction(x)


# The default precision, enough for every amount but the huge (1e38 is allowed in the database).
_NARROW = Context(prec=28)


def _round_half_up(x: Fraction, places: int) -> Decimal:
    """Round half away from zero (ROUND_HALF_UP) to ``places`` decimals, exactly."""
    # floor(|x| * 10**places + 1/2) in integers: a Fraction's sum and floor would reduce by
    # the gcd at every step, and this runs several times for each reward target.
    n, d = x.numerator, x.denominator
    units = (2 * abs(n) * 10**places + d) // (2 * d)
    digits = Decimal(-units if n < 0 else units)  # exact: an int converts without rounding
    # A precision wide enough for every digit, so a huge value is still exact rather than an
    # InvalidOperation of the default 28-digit context.
    wide = digits.adjusted() + places + 2
    return digits.scaleb(-places, _NARROW if wide <= 28 else Context(prec=wide))


def money(x: Number) -> Decimal:
    """Pounds rounded once, half-up, to the penny: ``Decimal('416666.67')``."""
    value = exact(x)
    if value is None:
        raise ValueError(f"not a finite amount: {x!r}")
    return _round_half_up(value, 2)


def money_text(x: Number | None) -> str | None:
    """``'305555.56'``: pounds with exactly two decimals (None stays None)."""
    return None if x is None else f"{money(x):.2f}"


def fraction_text(x: Number | None, places: int = FRACTION_PLACES) -> str | None:
    """A fraction as a decimal string with ``places`` decimals, half-up from the exact value."""
    value = exact(x)
    return None if value is None else f"{_round_half_up(value, places):.{places}f}"


def achieved_fraction(
    actual: Number | None, without: Number | None, stretched: Number | None
) -> Fraction | None:
    """``(A - W) / (S - W)``, exact; None when any input is missing or ``S == W`` (invalid).

    The same formula serves both polarities: for lower-is-better both differences are
    negative.
    """
    a, w, s = exact(actual), exact(without), exact(stretched)
    if a is None or w is None or s is None or s == w:
        return None
    return (a - w) / (s - w)


def paid_fraction(
    achieved: Fraction | None, threshold: Number = DEFAULT_THRESHOLD
) -> Fraction | None:
    """0 below the threshold (exactly 60% qualifies), else ``min(achieved, 1)``."""
    if achieved is None:
        return None
    thr = exact(threshold)
    assert thr is not None
    if achieved < thr:
        return Fraction(0)
    return min(achieved, Fraction(1))


def reward_amount(share: Number, paid: Number) -> Decimal:
    """``share x paid`` rounded once, half-up, to the penny."""
    s, p = exact(share), exact(paid)
    if s is None or p is None:
        raise ValueError("share and paid fraction are required")
    return _round_half_up(s * p, 2)


def maximum_prg(net_budget_requirement: Number, reward_rate: Number) -> Fraction:
    """Maximum Performance Reward Grant: net budget requirement x reward rate (2.5%)."""
    net, rate = exact(net_budget_requirement), exact(reward_rate)
    if net is None or rate is None:
        raise ValueError("net budget requirement and reward rate are required")
    return net * rate


def reward_shares(
    maximum: Number,
    agreed: Sequence[Number | None],
    area_code: str = "?",
    *,
    whole: tuple[Number, int] | None = None,
) -> list[Fraction]:
    """Each reward target's exact share of the maximum PRG, in the order given.

    Targets with an agreed share keep it; the others split ``maximum - sum(agreed)``
    equally (``maximum / n`` when none is agreed). Not rounded: rounding happens once, on
    the reward. Agreed shares above the maximum (or negative) raise ``ValueError``.

    ``whole`` is ``(sum of agreed shares, targets without one)`` over the whole agreement,
    when ``agreed`` lists only some of its reward targets (a department's): the split is
    the agreement's, not that of the targets given.
    """
    total = exact(maximum)
    if total is None:
        raise ValueError(f"area {area_code}: maximum PRG is missing")
    fixed = [exact(a) for a in agreed]
    if any(f is not None and f < 0 for f in fixed):
        raise ValueError(f"area {area_code}: an agreed reward share is negative")
    agreed_sum = sum((f for f in fixed if f is not None), Fraction(0))
    n_equal = sum(1 for f in fixed if f is None)
    if whole is not None:
        agreed_sum, n_equal = exact(whole[0]) or Fraction(0), int(whole[1])
    if agreed_sum > total:
        raise ValueError(
            f"area {area_code}: agreed reward shares total £{money_text(agreed_sum)}, "
            f"more than the maximum reward grant £{money_text(total)}"
        )
    equal = (total - agreed_sum) / n_equal if n_equal else Fraction(0)
    return [equal if f is None else f for f in fixed]


def pump_priming_grant(population: int | None, given: Number | None = None) -> Decimal:
    """Pump-priming grant: the agreed amount, else £750,000 + £1 per head."""
    amount = exact(given)
    if amount is None:
        if population is None:
            raise ValueError("population is required for the default pump-priming grant")
        amount = PPG_BASE + PPG_PER_HEAD * population
    return money(amount)


def _reward_or_none(share: Fraction | None, paid: Fraction | None) -> Decimal | None:
    if share is None or paid is None:
        return None
    return _round_half_up(share * paid, 2)


def agreement_keys(targets: pl.DataFrame, agreements: pl.DataFrame) -> list[str]:
    """Columns that tie a target to its agreement.

    ``area_code``; plus ``agreement_id`` when both frames carry it, so that an area with a
    first- and a second-generation agreement keeps two separate reward pots.
    """
    if "agreement_id" in targets.columns and "agreement_id" in agreements.columns:
        return ["area_code", "agreement_id"]
    return ["area_code"]


# Optional agreement columns (the store adds them): how the maximum is split over all the
# agreement's reward targets, so a frame holding only some of them keeps their exact shares.
SPLIT_COLUMNS = ("reward_agreed_gbp", "reward_split_count")

Terms = tuple[Fraction, Fraction, tuple[Number, int] | None]


def _agreement_terms(agreements: pl.DataFrame, keys: list[str]) -> dict[tuple[Any, ...], Terms]:
    """(maximum PRG, threshold, whole-agreement split or None) per agreement, exact."""
    split = all(c in agreements.columns for c in SPLIT_COLUMNS)
    terms: dict[tuple[Any, ...], Terms] = {}
    for row in agreements.iter_rows(named=True):
        if row["net_budget_requirement_gbp"] is None or row["reward_rate"] is None:
            continue
        threshold = exact(row["reward_threshold"])
        whole = (row["reward_agreed_gbp"], row["reward_split_count"]) if split else None
        terms[tuple(row[k] for k in keys)] = (
            maximum_prg(row["net_budget_requirement_gbp"], row["reward_rate"]),
            DEFAULT_THRESHOLD if threshold is None else threshold,
            whole if whole is None or None not in whole else None,
        )
    return terms


def exact_shares(
    targets: pl.DataFrame, agreements: pl.DataFrame
) -> dict[int, tuple[Fraction | None, Fraction]]:
    """``target_id -> (exact share or None without agreement, threshold)`` of reward targets.

    A Python loop over the reward targets only (at most 12 per agreement), because shares
    must stay exact. An agreement whose agreed shares exceed its maximum (which the store
    refuses to write) has no exact split: its targets get no share. With ``SPLIT_COLUMNS`` in ``agreements`` the split is the whole agreement's,
    whichever of its targets ``targets`` holds.
    """
    keys = agreement_keys(targets, agreements)
    terms = _agreement_terms(agreements, keys)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    reward_rows = targets.filter(pl.col("is_reward").fill_null(False))
    for row in reward_rows.select("target_id", "agreed_share_gbp", *keys).iter_rows(named=True):
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    out: dict[int, tuple[Fraction | None, Fraction]] = {}
    for key, group in groups.items():
        maximum, threshold, whole = terms.get(key, (None, DEFAULT_THRESHOLD, None))
        agreed = [r["agreed_share_gbp"] for r in group]
        shares: list[Fraction | None] = [None] * len(group)
        if maximum is not None:
            # Shares the store refuses today (over the maximum, negative) but held from
            # before: no exact split exists, so these targets show no reward, not an error.
            with suppress(ValueError):
                shares = list(reward_shares(maximum, agreed, key[0], whole=whole))
        for row, share in zip(group, shares, strict=True):
            out[row["target_id"]] = (share, threshold)
    return out


def _assess_reward_target(
    row: dict[str, Any],
    share: Fraction | None,
    threshold: Fraction,
    cliff_floor: Fraction,
) -> dict[str, Any]:
    """Apply the §5 rules to one reward target (actual if known, else forecast)."""
    w, s = exact(row["without_reward_value"]), exact(row["target_value"])
    invalid = w is None or s is None or s == w
    actual, point = row["actual_value"], row["forecast_value"]
    basis = (
        "invalid"
        if invalid
        else "actual"
        if actual is not None
        else "forecast"
        if point is not None
        else "none"
    )
    out: dict[str, Any] = {
        "target_id": row["target_id"],
        "basis": basis,
        "reward_share_gbp": None if share is None else _round_half_up(share, 2),
        "cliff_edge": False,
    }
    if invalid:
        zero = Decimal("0.00") if share is not None else None
        out |= {
            "reward_gbp": zero,
            "forecast_reward_gbp": zero,
            "forecast_reward_low_gbp": zero,
            "forecast_reward_high_gbp": zero,
        }
        return out
    assert w is not None and s is not None
    span = s - w

    def achieved(value: Number | None) -> Fraction | None:  # achieved_fraction, w and s exact
        a = exact(value)
        return None if a is None else (a - w) / span

    f_forecast = achieved(point)
    f = achieved(actual) if basis == "actual" else f_forecast
    paid = paid_fraction(f, threshold)
    ends = [
        _reward_or_none(share, paid_fraction(achieved(v), threshold))
        for v in (row["forecast_low"], row["forecast_high"])
    ]
    known_ends = [e for e in ends if e is not None]
    cliff = basis == "forecast" and f is not None and cliff_floor <= f < threshold
    out |= {
        "assessed_value": actual if basis == "actual" else point,
        "achieved_fraction": None if f is None else float(f),
        "achieved_fraction_text": fraction_text(f),
        "paid_fraction": None if paid is None else float(paid),
        "paid_fraction_text": fraction_text(paid),
        "reward_gbp": _reward_or_none(share, paid),
        "forecast_reward_gbp": _reward_or_none(share, paid_fraction(f_forecast, threshold)),
        "forecast_reward_low_gbp": min(known_ends) if len(known_ends) == 2 else None,
        "forecast_reward_high_gbp": max(known_ends) if len(known_ends) == 2 else None,
        "reward_status": reward_status(f, threshold),
        "cliff_edge": cliff,
        "at_stake_gbp": _reward_or_none(share, threshold) if cliff else None,
    }
    return out


def reward_frame(
    rows: pl.DataFrame,
    agreements: pl.DataFrame,
    cliff_floor: Number = DEFAULT_CLIFF_FLOOR,
) -> pl.DataFrame:
    """Reward assessment of every row of ``rows``; ordinary targets get nulls.

    ``rows`` needs ``target_id, area_code, is_reward, target_value, without_reward_value,
    agreed_share_gbp, actual_value`` (tracked value for the target period, null if none yet)
    and ``forecast_value, forecast_low, forecast_high``. Returns ``REWARD_COLUMNS``:
    ``basis`` actual|forecast|none|invalid; fractions and reward follow the basis;
    ``forecast_reward_*`` always use the forecast (min/max of the interval's two ends);
    ``cliff_edge`` only while the reward is still a forecast. Invalid targets (S == W or W
    missing) keep their share of the maximum but are paid 0. Without an agreement row the
    money columns are null. Rows are matched to agreements by :func:`agreement_keys`.
    """
    floor = exact(cliff_floor)
    assert floor is not None
    shares = exact_shares(rows, agreements)
    reward_rows = rows.filter(pl.col("is_reward").fill_null(False)).select(
        "target_id",
        "target_value",
        "without_reward_value",
        "actual_value",
        "forecast_value",
        "forecast_low",
        "forecast_high",
    )
    results = [
        _assess_reward_target(row, *shares[row["target_id"]], floor)
        for row in reward_rows.iter_rows(named=True)  # reward targets only
    ]
    schema = {
        "target_id": pl.Int64,
        "basis": pl.Utf8,
        "assessed_value": pl.Float64,
        "achieved_fraction": pl.Float64,
        "achieved_fraction_text": pl.Utf8,
        "paid_fraction": pl.Float64,
        "paid_fraction_text": pl.Utf8,
        "reward_share_gbp": MONEY,
        "reward_gbp": MONEY,
        "forecast_reward_gbp": MONEY,
        "forecast_reward_low_gbp": MONEY,
        "forecast_reward_high_gbp": MONEY,
        "reward_status": pl.Utf8,
        "cliff_edge": pl.Boolean,
        "at_stake_gbp": MONEY,
    }
    computed = pl.DataFrame([{k: r.get(k) for k in REWARD_COLUMNS} for r in results], schema=schema)
    return (
        rows.select("target_id")
        .join(computed, on="target_id", how="left", maintain_order="left")
        .with_columns(pl.col("cliff_edge").fill_null(False))
        .select(REWARD_COLUMNS)
    )
