"""Scale seeds: `laa seed national` (150 areas) and `laa seed stress` (350 areas, monthly).

The same kind of history as the demo (seed_data/demo.py) — fictional areas in the nine
Government Office regions, signed three-year agreements in the three start cohorts, 30–60
targets per area of which up to 12 are stretched reward targets with milestones, values with
provisional figures, provisional → final revisions and corrections, and exception commentary —
but for a whole country, so it is drawn and written set-based:

* every area's draws come from its own generator, `default_rng([seed, area number])`, so the
  data do not depend on the chunk size and the same seed gives the same tables, row for row;
* values are drawn as numpy arrays (indicators × periods) per area, revisions are built as
  polars frames, and each chunk of areas is written in bulk — COPY on PostgreSQL, one
  executemany per table on SQLite — in one transaction per chunk, so memory stays bounded by
  the chunk, not the country;
* the framework (indicators and reporting lines), settings and users go through the store as
  in the demo; the bulk rows get one audit row per area (`area:create`, whose reason says what
  was seeded) and one per value revision, as an import writes them.

Every area reports every indicator of the framework each period (quarterly for the national
seed: 150 × 200 × 28 ≈ 0.8M values), as areas did in their statutory returns; targets are the
subset agreed in the LAA.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, Table, func, select, text

from dashboard import accounts, db, store
from dashboard.access import Actor, Grant
from dashboard.metrics.periods import period_ends, period_label
from dashboard.store.audit import AUDIT_SCHEMA, bare_values
from dashboard.store.bulk import bulk_insert
from data_models import (
    ActualRevision,
    Agreement,
    Area,
    AuditEvent,
    Commentary,
    Partnership,
    Target,
    TargetMilestone,
    TargetVersion,
)
from seed_data.capacity_demo import seed_capacity_scale
from seed_data.demo import (
    AREA_TYPES,
    COHORTS,
    COUNT_PER_HEAD,
    DEMO_TODAY,
    FAMILY_TEXT,
    FIRST_NAMES,
    FRAMEWORK_LOADED_AT,
    NORTHERN,
    PROFILES,
    SETTINGS_AT,
    SOUTHERN,
    SURNAMES,
    _reward_outcomes,
    add_months,
    framework_rows,
    reporting_line_rows,
)
from seed_data.demo_users import DEMO_PASSWORD

__all__ = ["NATIONAL", "REAL_REGION_COUNTS", "STRESS", "Scale", "SeedSummary", "seed_scale"]

TODAY = DEMO_TODAY  # the same business date as the demo: 2005 pilots done, 2007 in flight
DEFAULT_SEED = 2005

# Upper-tier areas per Government Office region in 2005–08 (150 in all).
REAL_REGION_COUNTS: dict[str, int] = {
    "GONE": 12, "GONW": 22, "GOYH": 15, "GOEM": 9, "GOWM": 14,
    "GOEE": 10, "GOL": 33, "GOSE": 19, "GOSW": 16,
}  # fmt: skip
METROPOLITAN_REGIONS = ("GONE", "GONW", "GOYH", "GOWM")
BLOCKS = ("CYP", "SSC", "HCOP", "EDE")
PILOT_BLOCKS = ("CYP", "SSC", "HCOP")

# Sub-populations that turn the 40 framework indicators into a framework of about 200.
VARIANTS: tuple[tuple[str, str], ...] = (
    ("NRA", "in neighbourhood renewal areas"),
    ("MDW", "in the most deprived wards"),
    ("RUR", "in rural wards"),
    ("TC", "in the principal town"),
    ("LSOA", "in the worst-performing 10% of super output areas"),
)

PREFIXES = (
    "Ash", "Bar", "Bram", "Brock", "Cal", "Carr", "Chel", "Clay", "Dun", "Eden", "Elm",
    "Fal", "Fern", "Glen", "Gran", "Hale", "Hart", "Hol", "Ivy", "Kel", "Kings", "Lang",
    "Lyn", "Mar", "Mel", "Nor", "Oak", "Pen", "Quen", "Red", "Ros", "Sal", "Stan", "Sut",
    "Thorn", "Tun", "Ud", "Wal", "Wes", "Whit", "Wil", "Wyc", "Yar", "Brad", "Cross",
    "Deane", "Ever", "Fox", "Hay", "Lee",
)  # fmt: skip
SUFFIXES = (
    "ford", "bury", "field", "mouth", "dale", "ton", "ham", "wick", "bridge", "moor",
    "stead", "by", "worth", "mere", "combe", "ley", "well", "chester", "holm", "minster",
)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How big a seed is; tests use small ones (e.g. 9 areas × 20 indicators × 2 years)."""

    name: str
    areas: int
    indicators: int
    years: int
    frequency: str  # "quarterly" or "monthly"
    code_prefix: str
    chunk: int = 10  # areas generated and written together

    @property
    def per_year(self) -> int:
        return 12 if self.frequency == "monthly" else 4

    @property
    def target_range(self) -> tuple[int, int]:
        """Targets per area: 30–60 out of 200 indicators, scaled for a smaller framework."""
        low = max(1, round(30 * min(self.indicators, 200) / 200))
        high = max(low, round(60 * min(self.indicators, 200) / 200))
        return low, high


NATIONAL = Scale("national", 150, 200, 7, "quarterly", "N")
STRESS = Scale("stress", 350, 200, 10, "monthly", "S")


@dataclass(frozen=True)
class SeedSummary:
    scale: str
    areas: int
    indicators: int
    targets: int
    reward_targets: int
    milestones: int
    refreshed: int
    actual_revisions: int
    corrections: int
    provisional: int
    commentary: int

    def __str__(self) -> str:
        return (
            f"{self.scale} seed: {self.areas} areas, {self.indicators} indicators, "
            f"{self.targets} targets ({self.reward_targets} reward, {self.milestones} "
            f"milestones, {self.refreshed} refreshed), {self.actual_revisions} value revisions ({self.corrections} "
            f"second revisions, {self.provisional} provisional now), "
            f"{self.commentary} commentaries"
        )


# ------------------------------------------------------------------------------ framework


def region_counts(n: int) -> dict[str, int]:
    """Areas per region: the real 150 split, scaled to `n` by largest remainder."""
    total = sum(REAL_REGION_COUNTS.values())
    quotas = {r: n * c / total for r, c in REAL_REGION_COUNTS.items()}
    counts = {r: int(q) for r, q in quotas.items()}
    rest = sorted(quotas, key=lambda r: (-(quotas[r] - counts[r]), r))
    for r in rest[: n - sum(counts.values())]:
        counts[r] += 1
    # Every Government Office has at least one area when there are enough to go round.
    for r in sorted((r for r in counts if counts[r] == 0), key=lambda r: -quotas[r]):
        largest = max(counts, key=lambda k: (counts[k], k))
        if counts[largest] < 2:
            break
        counts[largest] -= 1
        counts[r] += 1
    return counts


def framework(scale: Scale) -> list[dict[str, Any]]:
    """`store.save_indicators` rows: the 40 framework indicators and their sub-population
    variants, up to `scale.indicators`, all collected at the seed's frequency."""
    base = framework_rows()
    if scale.indicators <= len(base):
        step = len(base) / scale.indicators  # spread over the blocks
        chosen = [base[int(k * step)] for k in range(scale.indicators)]
    else:
        chosen = list(base)
        for tag, words in VARIANTS:
            for row in base:
                if len(chosen) >= scale.indicators:
                    break
                chosen.append(
                    row
                    | {
                        "indicator_code": f"{row['indicator_code']}-{tag}",
                        "name": f"{row['name']} {words}",
                        "outcome_type": "local" if row["outcome_type"] == "local" else "optional",
                        "definition": f"{row['definition']} Reported {words}.",
                    }
                )
    lag_cap = 1 if scale.frequency == "monthly" else 3
    return [
        r
        | {
            "frequency": scale.frequency,
            "period_basis": "financial",
            "lag_months": min(r["lag_months"], lag_cap),
        }
        for r in chosen
    ]


def _base_code(code: str) -> str:
    for tag, _ in VARIANTS:
        if code.endswith(f"-{tag}"):
            return code[: -len(tag) - 1]
    return code


@dataclass(frozen=True)
class _Inds:
    """The framework as arrays (one entry per indicator), for vectorised draws."""

    codes: list[str]
    block: np.ndarray
    unit: list[str]
    decimals: np.ndarray
    good: np.ndarray
    low: np.ndarray
    high: np.ndarray
    dep: np.ndarray
    noise: np.ndarray  # 0 abs, 1 rel, 2 poisson
    sd: np.ndarray
    pmin: np.ndarray
    pmax: np.ndarray
    lag: np.ndarray
    reward_weight: np.ndarray
    per_head_lo: np.ndarray  # NaN unless a count scaled by population
    per_head_hi: np.ndarray
    bv_like: np.ndarray
    role: list[str]
    family: list[str]
    source: list[str]


def _inds(rows: list[dict[str, Any]]) -> _Inds:
    profiles = [PROFILES[_base_code(r["indicator_code"])] for r in rows]
    bases = [_base_code(r["indicator_code"]) for r in rows]
    pct = np.array([r["unit"] == "%" for r in rows])
    pmin = np.array([-math.inf if r["plausible_min"] is None else r["plausible_min"] for r in rows])
    pmax = np.array([math.inf if r["plausible_max"] is None else r["plausible_max"] for r in rows])
    nan = float("nan")
    return _Inds(
        codes=[r["indicator_code"] for r in rows],
        block=np.array([r["block_code"] for r in rows]),
        unit=[r["unit"] for r in rows],
        decimals=np.array([r["decimals"] for r in rows]),
        good=np.array([1.0 if r["polarity"] == "higher" else -1.0 for r in rows]),
        low=np.array([p.low for p in profiles]),
        high=np.array([p.high for p in profiles]),
        dep=np.array([p.dep for p in profiles]),
        noise=np.array([{"abs": 0, "rel": 1, "poisson": 2}[p.noise] for p in profiles]),
        sd=np.array([p.sd for p in profiles]),
        pmin=np.where(pct, np.maximum(pmin, 0.0), pmin),
        pmax=np.where(pct, np.minimum(pmax, 100.0), pmax),
        lag=np.array([r["lag_months"] for r in rows]),
        reward_weight=np.array([p.reward_weight for p in profiles]),
        per_head_lo=np.array([COUNT_PER_HEAD.get(b, (nan, nan))[0] for b in bases]),
        per_head_hi=np.array([COUNT_PER_HEAD.get(b, (nan, nan))[1] for b in bases]),
        bv_like=np.array([b.startswith(("BV", "PAF")) for b in bases]),
        role=[p.role for p in profiles],
        family=[p.family for p in profiles],
        source=[r["data_source"] for r in rows],
    )


# ------------------------------------------------------------------------------ areas


@dataclass(frozen=True)
class _AreaPlan:
    number: int
    code: str
    name: str
    region: str
    la_type: str
    cohort: int
    population: int
    net_budget: int
    deprivation_rank: int
    start: date
    end: date
    signed: date
    negotiated_at: datetime
    created_at: datetime

    @property
    def dscore(self) -> float:
        return 1.0 - (self.deprivation_rank - 1) / 149.0

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "")

    @property
    def blocks(self) -> tuple[str, ...]:
        return PILOT_BLOCKS if self.cohort == 2005 else BLOCKS


def _stamp(rng: np.random.Generator, day: date) -> datetime:
    return datetime.combine(
        day, time(int(rng.integers(8, 18)), int(rng.integers(0, 60))), tzinfo=UTC
    )


def plan_areas(seed: int, scale: Scale) -> list[_AreaPlan]:
    """The areas: names, regions, types, cohorts and dates, from the seed (few per-area draws)."""
    rng = np.random.default_rng([seed, 0])
    # The three start cohorts, in their real proportions; a short test seed keeps only those
    # whose baseline period (the quarter before the start) is among its periods.
    first = _periods(scale)[0]
    share = {2005: 0.15, 2006: 0.4, 2007: 0.45}
    cohorts = [c for c in share if COHORTS[c][0] > first] or [2007]
    weights = np.array([share[c] for c in cohorts]) / sum(share[c] for c in cohorts)
    names = [p + s for p in PREFIXES for s in SUFFIXES]
    order = rng.permutation(len(names))
    counts = region_counts(scale.areas)
    regions = [r for r, c in counts.items() for _ in range(c)]
    areas = []
    for k, region in enumerate(regions):
        name = names[int(order[k % len(names)])]
        if k >= len(names):  # stress sizes beyond the name list: a second series
            name = f"North {name}" if k < 2 * len(names) else f"{name} {k // len(names)}"
        if region == "GOL":
            la_type = "london_borough"
        else:
            kinds = ["county", "unitary"] + (
                ["metropolitan"] if region in METROPOLITAN_REGIONS else []
            )
            la_type = kinds[int(rng.integers(len(kinds)))]
        if la_type == "county":
            name = name.rstrip("e") + "shire" if not name.endswith("shire") else name
        (pop_lo, pop_hi), (head_lo, head_hi), (dep_lo, dep_hi) = AREA_TYPES[la_type]
        population = int(round(rng.uniform(pop_lo, pop_hi), -2))
        net_budget = int(round(population * rng.uniform(head_lo, head_hi), -4))
        if region in NORTHERN:
            dep_hi = min(dep_hi, 115)
        elif region in SOUTHERN:
            dep_lo = max(dep_lo, 40)
        rank = int(rng.integers(dep_lo, dep_hi + 1))
        cohort = int(rng.choice(cohorts, p=weights))
        start, end = COHORTS[cohort]
        signed = start - timedelta(days=int(rng.integers(12, 45)))
        negotiated = signed - timedelta(days=int(rng.integers(10, 35)))
        created = start - timedelta(days=int(rng.integers(200, 260)))
        areas.append(
            _AreaPlan(
                number=k + 1,
                code=f"{scale.code_prefix}{k + 1:03d}",
                name=name,
                region=region,
                la_type=la_type,
                cohort=cohort,
                population=population,
                net_budget=net_budget,
                deprivation_rank=rank,
                start=start,
                end=end,
                signed=signed,
                negotiated_at=_stamp(rng, negotiated),
                created_at=_stamp(rng, created),
            )
        )
    return areas


def partnership_name(area: _AreaPlan, block: str) -> str:
    return {
        "CYP": f"{area.name} Children's Trust",
        "SSC": f"Safer {area.name} Partnership",
        "HCOP": f"{area.name} Health and Wellbeing Partnership",
        "EDE": f"{area.name} Economic Partnership",
    }[block]


# ------------------------------------------------------------------------------ drawing


def _round(x: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    scale = 10.0 ** decimals.astype(float)
    return np.round(x * scale) / scale + 0.0


def _clip(x: np.ndarray, inds: _Inds, idx: np.ndarray | slice = slice(None)) -> np.ndarray:
    return np.minimum(np.maximum(x, inds.pmin[idx]), inds.pmax[idx])


def _days(d: date) -> int:
    return d.toordinal()


_UNIX_DAY = date(1970, 1, 1).toordinal()


def _timestamps(minutes: np.ndarray) -> pl.Series:
    """UTC times (naive, microseconds) from minutes counted as ordinal day × 1440 + minute."""
    micros = (minutes.astype(np.int64) - _UNIX_DAY * 1440) * 60_000_000
    return pl.Series(micros, dtype=pl.Int64).cast(pl.Datetime("us"))


def _timestamp(minutes: int) -> datetime:
    day, minute = divmod(minutes, 1440)
    return datetime.combine(date.fromordinal(day), time(minute // 60, minute % 60))


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _fmt(unit: str, decimals: int, value: float) -> str:
    text_ = f"{value:,.{decimals}f}"
    if unit == "%":
        return f"{text_}%"
    if unit.startswith("rate per "):
        return f"{text_} per {int(unit.removeprefix('rate per ')):,}"
    if unit in ("count", "ratio"):
        return text_
    return f"{text_} {unit}"


@dataclass
class _Frames:
    """One chunk's rows, table by table."""

    partnerships: list[pl.DataFrame]
    agreements: list[pl.DataFrame]
    targets: list[pl.DataFrame]
    versions: list[pl.DataFrame]
    milestones: list[pl.DataFrame]
    actuals: list[pl.DataFrame]
    commentary: list[pl.DataFrame]
    audit: list[pl.DataFrame]  # per area: its creation, then a row per value revision


def _refresh(
    rng: np.random.Generator,
    area: _AreaPlan,
    baseline: np.ndarray,
    target_value: np.ndarray,
    outcome: np.ndarray,
    is_reward: np.ndarray,
    decimals: np.ndarray,
    chosen: np.ndarray,
    inds: _Inds,
    kept_ms: dict[int, list[tuple[date, float]]],
    anchors: list[tuple[np.ndarray, np.ndarray]],
    bp: date,
    tp: date,
    ids: dict[str, int],
    out: _Frames,
) -> dict[int, int]:
    """The annual refresh, as in the demo: the GO agrees to re-profile one or two ordinary
    targets running well ahead of (or behind) their trajectory; each gets a version 2, and its
    trajectory (for commentary) becomes the new one. Returns {target: refresh time in minutes}.
    """
    day = date(area.start.year + 1, 6, int(rng.integers(3, 27)))
    candidates = np.flatnonzero(
        ~is_reward & (target_value != baseline) & ((outcome > 1.3) | (outcome < 0.2))
    )
    if day >= TODAY or not len(candidates):
        return {}
    picks = sorted(int(j) for j in rng.permutation(candidates)[: int(rng.integers(1, 3))])
    year = f"{area.start.year}/{(area.start.year + 1) % 100:02d}"
    rows: list[dict[str, Any]] = []
    refreshed: dict[int, int] = {}
    for j in picks:
        b, old, d = float(baseline[j]), float(target_value[j]), decimals[j : j + 1]
        ahead = outcome[j] > 1.3
        factor = rng.uniform(1.3, 1.6) if ahead else rng.uniform(0.5, 0.75)
        i = chosen[j]
        new = float(_round(np.clip(b + (old - b) * factor, inds.pmin[i], inds.pmax[i]), d)[0])
        at = _stamp(rng, day)
        if new in (old, b):
            continue
        reason = (
            f"Annual refresh {year}: performance was already running ahead of the trajectory, "
            "so the partnership and the Government Office agreed a more ambitious target."
            if ahead
            else f"Annual refresh {year}: target re-profiled with the Government Office's "
            "agreement; the original figure assumed grant funding that was not renewed."
        )
        ids["version"] += 1
        milestones = [
            (p, float(_round(np.array([b + (v - b) * (new - b) / (old - b)]), d)[0]))
            for p, v in kept_ms.get(j, [])
        ]
        if milestones:
            out.milestones.append(
                pl.DataFrame(
                    {
                        "target_version_id": [ids["version"]] * len(milestones),
                        "period": [p for p, _ in milestones],
                        "value": [v for _, v in milestones],
                    }
                )
            )
        rows.append({"j": j, "id": ids["version"], "target_value": new, "at": at, "reason": reason})
        xs = [_days(bp), *(_days(p) for p, _ in milestones), _days(tp)]
        anchors[j] = (np.array(xs, dtype=float), np.array([b, *(v for _, v in milestones), new]))
        refreshed[j] = _days(day) * 1440 + at.hour * 60 + at.minute
    if rows:
        first = out.versions[-1]
        v2 = first[[r["j"] for r in rows]].with_columns(
            id=pl.Series([r["id"] for r in rows]),
            version=pl.lit(2),
            target_value=pl.Series([r["target_value"] for r in rows]),
            recorded_at=pl.Series([r["at"] for r in rows]),
            reason=pl.Series([r["reason"] for r in rows]),
        )
        out.versions.append(v2.cast(first.schema))
    return refreshed


def _area_frames(
    seed: int,
    scale: Scale,
    area: _AreaPlan,
    inds: _Inds,
    periods: list[date],
    ids: dict[str, int],
    actor_name: str,
    out: _Frames,
) -> dict[str, int]:
    """Draw one area's agreement, targets, values and commentary into `out`; returns counts."""
    rng = np.random.default_rng([seed, area.number])
    n_ind, n_p = len(inds.codes), len(periods)
    p_days = np.array([_days(p) for p in periods])
    today = _days(TODAY)
    # Baseline: the last period before the start; target: the last one within the agreement
    # (it may lie beyond the seed's periods, when the agreement runs past the business date).
    bp = period_ends(scale.frequency, "financial", area.start - timedelta(days=40), area.start)[-1]
    if bp >= area.start:
        bp = period_ends(scale.frequency, "financial", area.start - timedelta(days=100), bp)[-2]
    tp = period_ends(scale.frequency, "financial", area.end - timedelta(days=100), area.end)[-1]
    bpi = periods.index(bp)
    tpi = periods.index(tp) if tp in periods else n_p  # n_p: not among the periods
    span = _days(tp) - _days(bp)
    years = span / 365.25
    step = 10.0 ** -inds.decimals.astype(float)

    # Agreement and partnerships (executive board + one thematic partnership per block).
    agreement_id = ids["agreement"] = ids["agreement"] + 1
    out.agreements.append(
        pl.DataFrame(
            {
                "id": [agreement_id],
                "area_code": [area.code],
                "start_date": [area.start],
                "end_date": [area.end],
                "status": ["signed"],
                "signed_date": [area.signed],
            }
        )
    )
    names = [f"{area.name} LSP Executive Board"] + [partnership_name(area, b) for b in area.blocks]
    first = ids["partnership"] + 1
    ids["partnership"] += len(names)
    out.partnerships.append(
        pl.DataFrame(
            {
                "id": list(range(first, first + len(names))),
                "area_code": [area.code] * len(names),
                "name": names,
                "kind": ["executive"] + ["thematic"] * len(area.blocks),
                "block_code": [None, *area.blocks],
            },
            schema_overrides={"block_code": pl.String},
        )
    )
    partnership_of = {b: first + 1 + k for k, b in enumerate(area.blocks)}

    # Officers: one named person per role, emails on the area's domain.
    roles = sorted(set(inds.role))
    people = rng.permutation(len(FIRST_NAMES) * len(SURNAMES))[: len(roles)]
    officer: dict[str, tuple[str, str]] = {}
    for role, k in zip(roles, people, strict=True):
        first_name, last = FIRST_NAMES[k // len(SURNAMES)], SURNAMES[k % len(SURNAMES)]
        email = f"{first_name[0].lower()}.{last.lower()}@{area.slug}.example"
        officer[role] = (f"{first_name} {last}", email)
    inbox = f"performance.officer@{area.slug}.example"

    # Baselines for every indicator, placed by deprivation (counts scale with population).
    x = np.where(inds.dep > 0, area.dscore, 1.0 - area.dscore)
    w = 0.7 * np.abs(inds.dep)
    q = np.clip(w * x + (1.0 - w) * rng.random(n_ind), 0.02, 0.98)
    per_head = inds.per_head_lo + (inds.per_head_hi - inds.per_head_lo) * rng.random(n_ind)
    counted = np.isfinite(inds.per_head_lo)
    b = np.where(
        counted,
        area.population * np.nan_to_num(per_head) / scale.per_year
        * (1.0 + inds.dep * (area.dscore - 0.5)),
        inds.low + q * (inds.high - inds.low),
    )  # fmt: skip
    b = _round(_clip(b, inds), inds.decimals)

    # Targets: 30–60 of the indicators in the area's blocks, up to 12 of them stretched.
    eligible = np.flatnonzero(np.isin(inds.block, area.blocks))
    low, high = scale.target_range
    n_t = min(int(rng.integers(low, high + 1)), len(eligible))
    chosen = np.sort(rng.choice(eligible, n_t, replace=False))
    n_r = min(int(rng.integers(9, 13)), max(1, n_t // 2))
    weights = inds.reward_weight[chosen]
    reward_idx = np.sort(rng.choice(chosen, n_r, replace=False, p=weights / weights.sum()))
    is_reward = np.isin(chosen, reward_idx)
    outcome = rng.uniform(0.9, 1.5, n_t)
    off = rng.random(n_t) < 0.2
    outcome = np.where(off, rng.uniform(-0.5, 0.6, n_t), outcome)
    outcome[is_reward] = _reward_outcomes(rng, n_r)

    cb, cg, cd, cs = b[chosen], inds.good[chosen], inds.decimals[chosen], step[chosen]
    drift = np.maximum(rng.uniform(0.01, 0.03, n_t) * np.abs(cb) * years, cs)
    stretch = np.maximum(rng.uniform(0.03, 0.10, n_t) * np.abs(cb), 4 * cs)
    wv = _round(_clip(cb + cg * drift, inds, chosen), cd)
    sv = _round(_clip(wv + cg * stretch, inds, chosen), cd)
    pinned = np.abs(sv - wv) < 4 * cs
    wv = np.where(pinned, _round(sv - cg * 4 * cs, cd), wv)
    maintain = rng.random(n_t) < 0.06
    improvement = np.where(maintain, 0.0, np.maximum(rng.uniform(0.04, 0.12, n_t) * cb, 2 * cs))
    ordinary = _round(_clip(cb + cg * improvement, inds, chosen), cd)
    target_value = np.where(is_reward, sv, ordinary)
    without = np.where(is_reward, wv, np.nan)
    start_of_final = np.where(is_reward, wv, cb)
    final_t = _round(
        _clip(start_of_final + outcome * (target_value - start_of_final), inds, chosen), cd
    )
    flat = target_value == cb
    final_t = np.where(
        flat & ~is_reward,
        _round(_clip(cb * (1 + rng.uniform(-0.04, 0.04, n_t)), inds, chosen), cd),
        final_t,
    )

    # Every indicator's end point: the target's designed outcome, else a slow drift the good way.
    final = b + inds.good * rng.uniform(0.01, 0.03, n_ind) * np.abs(b) * years
    final[chosen] = final_t

    # Milestones: annual steps back from the target period, for about a third of the targets.
    ms_periods = []
    k = 1
    while (p := add_months(tp, -12 * k)) > bp:
        ms_periods.append(p)
        k += 1
    ms_periods.sort()
    has_ms = rng.random(n_t) < 0.35
    ms_rows: list[pl.DataFrame] = []
    target_ids = np.arange(ids["target"] + 1, ids["target"] + 1 + n_t)
    ids["target"] += n_t
    version_ids = np.arange(ids["version"] + 1, ids["version"] + 1 + n_t)
    ids["version"] += n_t
    anchors: list[tuple[np.ndarray, np.ndarray]] = []
    kept_ms: dict[int, list[tuple[date, float]]] = {}
    for j in range(n_t):  # per target (≤ 60 an area): its trajectory anchors
        xs, ys = [_days(bp)], [cb[j]]
        if has_ms[j] and ms_periods:
            frac = np.array([(_days(p) - _days(bp)) / span for p in ms_periods])
            bend = rng.uniform(0.8, 1.15, len(ms_periods))
            vals = _round(
                cb[j] + np.minimum(frac * bend, 0.95) * (target_value[j] - cb[j]),
                cd[j : j + 1].repeat(len(ms_periods)),
            )
            keep = (vals != cb[j]) & (vals != target_value[j])
            kept = [(p, v) for p, v, kk in zip(ms_periods, vals, keep, strict=True) if kk]
            if kept:
                kept_ms[j] = kept
                ms_rows.append(
                    pl.DataFrame(
                        {
                            "target_version_id": [int(version_ids[j])] * len(kept),
                            "period": [p for p, _ in kept],
                            "value": [float(v) for _, v in kept],
                        }
                    )
                )
                xs += [_days(p) for p, _ in kept]
                ys += [v for _, v in kept]
        xs.append(_days(tp))
        ys.append(target_value[j])
        anchors.append((np.array(xs, dtype=float), np.array(ys, dtype=float)))
    out.milestones.extend(ms_rows)

    code_arr = np.array(inds.codes)
    out.targets.append(
        pl.DataFrame(
            {
                "id": target_ids,
                "agreement_id": [agreement_id] * n_t,
                "indicator_code": code_arr[chosen],
            }
        )
    )
    lead = [f"{officer[inds.role[i]][0]}, {inds.role[i]}" for i in chosen]
    out.versions.append(
        pl.DataFrame(
            {
                "id": version_ids,
                "target_id": target_ids,
                "version": [1] * n_t,
                "partnership_id": [partnership_of[str(inds.block[i])] for i in chosen],
                "lead_officer": lead,
                "measure": ["level"] * n_t,
                "baseline_period": [bp] * n_t,
                "baseline_value": cb,
                "target_period": [tp] * n_t,
                "target_value": target_value,
                "without_reward_value": without,
                "agreed_share_gbp": [None] * n_t,
                "recorded_at": [area.negotiated_at] * n_t,
                "recorded_by": [actor_name] * n_t,
                "reason": np.where(
                    is_reward,
                    "Agreed in the LAA negotiation (stretched target)",
                    "Agreed in the LAA negotiation",
                ),
                "needs_agreement": [False] * n_t,
            },
            schema_overrides={"agreed_share_gbp": pl.Float64},
        ).with_columns(pl.col("without_reward_value").fill_nan(None))
    )
    refreshed_at = _refresh(rng, area, cb, target_value, outcome, is_reward, cd, chosen, inds,
                            kept_ms, anchors, bp, tp, ids, out)  # fmt: skip

    # Values: a path from the baseline to the end point, with autocorrelated noise.
    tau = (p_days - _days(bp)) / span  # 0 at the baseline period, 1 at the target period
    shape = rng.uniform(0.7, 1.15, n_ind)[:, None]
    after = rng.uniform(-0.1, 0.5, n_ind)[:, None]
    before = rng.uniform(0.2, 0.6, n_ind)[:, None]
    delta = (final - b)[:, None]
    t2 = tau[None, :]
    path = np.where(
        t2 < 0,
        b[:, None] + delta * before * t2,
        np.where(
            t2 <= 1,
            b[:, None] + delta * np.clip(t2, 0, 1) ** shape,
            final[:, None] + delta * after * (t2 - 1),
        ),
    )
    rho = 0.8 if scale.frequency == "monthly" else 0.5
    reward_row = np.zeros(n_ind, dtype=bool)
    reward_row[reward_idx] = True
    sd = inds.sd * (0.6 if scale.frequency == "monthly" else 0.8) * np.where(reward_row, 0.7, 1.0)
    z = rng.normal(0.0, 1.0, (n_ind, n_p)) * sd[:, None]
    e = np.empty_like(z)
    e[:, 0] = z[:, 0]
    innovation = math.sqrt(1.0 - rho * rho)
    for k in range(1, n_p):  # per period (28 or 120), across all indicators at once
        e[:, k] = rho * e[:, k - 1] + innovation * z[:, k]
    kind = inds.noise[:, None]
    lam = np.maximum(path * (1.0 + e), 0.0)
    values = np.where(kind == 0, path + e, np.where(kind == 1, path * (1.0 + e), rng.poisson(lam)))
    values[:, bpi] = b
    if tpi < n_p:
        values[reward_idx, tpi] = final[reward_idx]
    lo, hi, dec = inds.pmin[:, None], inds.pmax[:, None], inds.decimals[:, None]
    values = _round(np.minimum(np.maximum(values, lo), hi), dec)

    # Which periods are available (period end + lag on or before today), and their revisions.
    due = np.array(
        [
            [_days(add_months(p, int(lag))) for p in periods]
            for lag in range(int(inds.lag.max()) + 1)
        ]
    )[inds.lag]  # indicators × periods
    avail = due <= today
    latest = np.where(avail, np.arange(n_p)[None, :], -1).max(axis=1)
    shape2 = (n_ind, n_p)
    rec_day = due - rng.integers(0, 13, shape2)
    rec_min = rng.integers(8, 18, shape2) * 60 + rng.integers(0, 60, shape2)
    age = today - rec_day
    by_officer = rng.random(shape2) < 0.3
    u = rng.random(shape2)
    u_prov = rng.random(shape2)
    u_quality = rng.random(shape2)
    u_audited = rng.random(shape2)
    later_days = np.where(u < 0.05, rng.integers(25, 80, shape2), 0)
    corr_days = rng.integers(40, np.maximum(np.minimum(age, 200), 41), shape2)
    nudge = np.maximum(np.abs(values) * rng.uniform(0.005, 0.03, shape2), step[:, None])
    sign = np.where(rng.random(shape2) < 0.5, 1.0, -1.0)
    nudged = _round(np.minimum(np.maximum(values + sign * nudge, lo), hi), dec)
    nudged = np.where(
        nudged == values, _round(np.minimum(np.maximum(values - sign * nudge, lo), hi), dec), nudged
    )

    col = np.arange(n_p)[None, :]
    special = (col == bpi) | ((col == tpi) & np.isin(np.arange(n_ind), chosen)[:, None])
    skip = (col == latest[:, None]) & (age < 45) & ~special & (u < 0.04)
    keep = avail & ~skip
    prov_p = np.where(age <= 45, 0.85, np.where(age <= 100, 0.5, 0.0))
    provisional = u_prov < prov_p
    quality_prov = np.where(u_quality < 0.4, "not_checked", "checked")
    final_quality = np.where(
        inds.bv_like[:, None] & (age > 200) & (u_audited < 0.25),
        "audited",
        np.where(u_quality < 0.06, "not_checked", "checked"),
    )
    prov_then_final = ~provisional & (age > 100) & (u < 0.05)
    corrected = ~provisional & ~prov_then_final & (age > 160) & (u < 0.065)
    two = keep & (prov_then_final | corrected)

    ii, pp = np.nonzero(keep)
    base_minutes = rec_day[ii, pp].astype(np.int64) * 1440 + rec_min[ii, pp]
    first_is_prov = provisional[ii, pp] | prov_then_final[ii, pp]
    rev1 = pl.DataFrame(
        {
            "i": ii,
            "p": pp,
            "revision": np.ones(len(ii), dtype=np.int64),
            "value": np.where(two[ii, pp], nudged[ii, pp], values[ii, pp]),
            "status": np.where(first_is_prov, "provisional", "final"),
            "data_quality": np.where(
                provisional[ii, pp],
                quality_prov[ii, pp],
                np.where(
                    prov_then_final[ii, pp],
                    "not_checked",
                    np.where(corrected[ii, pp], "checked", final_quality[ii, pp]),
                ),
            ),
            "minutes": base_minutes,
            "note": np.full(len(ii), None, dtype=object),
        },
        schema_overrides={"note": pl.String},
    )
    i2, p2 = np.nonzero(two)
    ptf = prov_then_final[i2, p2]
    rev2 = pl.DataFrame(
        {
            "i": i2,
            "p": p2,
            "revision": np.full(len(i2), 2, dtype=np.int64),
            "value": values[i2, p2],
            "status": np.full(len(i2), "final"),
            "data_quality": final_quality[i2, p2],
            "minutes": rec_day[i2, p2].astype(np.int64) * 1440
            + rec_min[i2, p2]
            + np.where(ptf, later_days[i2, p2], corr_days[i2, p2]) * 1440,
            "note": np.where(
                ptf,
                "Final figure replaces the provisional estimate",
                "Corrected after the data-quality review: duplicate records removed and late "
                "returns included",
            ),
        }
    )
    emails = np.array([officer[r][1] for r in inds.role])[:, None]
    by = np.where(by_officer, emails, inbox)
    revs = pl.concat([rev1, rev2]).sort("i", "p", "revision")
    ii_all, pp_all = revs["i"].to_numpy(), revs["p"].to_numpy()
    actuals = pl.DataFrame(
        {
            "area_code": [area.code] * revs.height,
            "indicator_code": code_arr[ii_all],
            "period": pl.Series(periods, dtype=pl.Date).gather(pp_all),
            "revision": revs["revision"],
            "value": revs["value"],
            "status": revs["status"],
            "data_quality": revs["data_quality"],
            "recorded_at": _timestamps(revs["minutes"].to_numpy()),
            "recorded_by": by[ii_all, pp_all],
            "source": np.array(inds.source)[ii_all],
            "note": revs["note"],
        }
    )
    out.actuals.append(actuals)

    # Commentary by exception: a target behind its trajectory in the last 300 days.
    current = revs.filter(pl.col("revision") == pl.col("revision").max().over("i", "p"))
    latest_minutes = np.full(shape2, -1, dtype=np.int64)
    latest_minutes[current["i"].to_numpy(), current["p"].to_numpy()] = current["minutes"].to_numpy()
    window = (today - 300) * 1440
    notes: list[dict[str, Any]] = []
    for j, i in enumerate(chosen):  # per target: its few candidate periods
        xs, ys = anchors[j]
        expected = np.interp(p_days.astype(float), xs, ys)
        denom = abs(target_value[j] - cb[j]) or abs(target_value[j]) or 1.0
        gap = (expected - values[i]) * inds.good[i] / denom
        since = refreshed_at.get(j, window)
        cand = np.flatnonzero(
            (latest_minutes[i] >= max(window, since))
            & (np.arange(n_p) > bpi)
            & (np.arange(n_p) <= tpi)
            & (gap > 0.10)
        )
        picks: list[int] = []
        if len(cand) and rng.random() < 0.8:
            picks.append(int(cand[-1]))
            earlier = [c for c in cand if p_days[cand[-1]] - p_days[c] >= 80]
            if earlier and rng.random() < 0.3:
                picks.append(int(earlier[-1]))
        why, action = FAMILY_TEXT[inds.family[i]]
        for pk in picks:
            unit, d = inds.unit[i], int(inds.decimals[i])
            label = period_label(periods[pk], scale.frequency, "financial")
            body = (
                f"{label} figure {_fmt(unit, d, values[i, pk])} against "
                f"{_fmt(unit, d, expected[pk])} expected on the trajectory. "
                f"Why: {why[int(rng.integers(len(why)))]} "
                f"Action: {action[int(rng.integers(len(action)))]}"
            )
            if is_reward[j]:
                body += (
                    " This is a stretched (reward) target: the thematic partnership will report "
                    "progress to the LSP board each quarter until it is back on track."
                )
            at = (
                int(latest_minutes[i, pk])
                + int(rng.integers(4, 22)) * 1440
                + int(rng.integers(0, 5)) * 60
            )
            if at // 1440 > today:
                at = int(latest_minutes[i, pk]) + 120
            notes.append(
                {
                    "area_code": area.code,
                    "indicator_code": inds.codes[i],
                    "period": periods[pk],
                    "text": body,
                    "author": lead[j],
                    "recorded_at": _timestamp(at),
                    "kind": "officer",
                }
            )
    if notes:
        out.commentary.append(pl.DataFrame(notes))

    n_second = rev2.height
    n_prov = int((provisional & keep).sum())
    area_audit = pl.DataFrame(
        [
            {
                "at": area.created_at,
                "indicator_code": None,
                "period": None,
                "before": None,
                "user": actor_name,
                "action": "area:create",
                "area_code": area.code,
                "after": area.name,
                "reason": (
                    f"{scale.name.capitalize()} seed (fictional area): agreement "
                    f"{_long(area.start)} to {_long(area.end)} signed on {_long(area.signed)}, "
                    f"{n_t} targets ({n_r} reward), {actuals.height:,} value revisions, "
                    f"{len(notes)} commentaries, {len(refreshed_at)} targets refreshed"
                ),
            }
        ],
        schema=AUDIT_SCHEMA,
    )
    out.audit.extend([area_audit, _value_audit(actuals, scale.name)])
    return {
        "targets": n_t,
        "reward": n_r,
        "milestones": sum(f.height for f in ms_rows),
        "revisions": actuals.height,
        "second": n_second,
        "provisional": n_prov,
        "commentary": len(notes),
        "refreshed": len(refreshed_at),
    }


# ------------------------------------------------------------------------------ writing


def _periods(scale: Scale) -> list[date]:
    """The seed's periods: `years` of quarter (or month) ends up to the business date."""
    ends = period_ends(
        scale.frequency, "financial", date(TODAY.year - scale.years - 1, 1, 1), TODAY
    )
    return ends[-scale.years * scale.per_year :]


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _next_ids(conn: Connection) -> dict[str, int]:
    def top(model: Any) -> int:
        return int(conn.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one())

    return {
        "agreement": top(Agreement),
        "partnership": top(Partnership),
        "target": top(Target),
        "version": top(TargetVersion),
    }


def _value_audit(actuals: pl.DataFrame, scale_name: str) -> pl.DataFrame:
    """One audit row per value revision, as every import writes them: "value" with the
    previous revision's figure, or "status" where a revision only made a provisional value
    final. The trail a national deployment holds, for the audit log and the benchmarks."""
    key = ["indicator_code", "period"]  # one area's revisions, sorted by key and revision
    previous = actuals.select(
        pl.col("value").shift(1).over(key).alias("before_value"),
        pl.col("status").shift(1).over(key).alias("before_status"),
    )
    new_value = previous["before_value"].is_null() | (previous["before_value"] != actuals["value"])
    return pl.DataFrame(
        {
            "at": actuals["recorded_at"],
            "user": actuals["recorded_by"],
            "action": pl.Series(["status", "value"]).gather(new_value.cast(pl.Int8)),
            "area_code": actuals["area_code"],
            "indicator_code": actuals["indicator_code"],
            "period": actuals["period"],
            "before": pl.select(
                pl.when(new_value)
                .then(bare_values(previous["before_value"]))
                .otherwise(previous["before_status"])
            ).to_series(),
            "after": pl.select(
                pl.when(new_value).then(bare_values(actuals["value"])).otherwise(actuals["status"])
            ).to_series(),
            "reason": actuals["note"].fill_null(f"{scale_name} seed (fictional values)"),
        },
        schema=AUDIT_SCHEMA,
    )


def _write_chunk(conn: Connection, areas: list[_AreaPlan], out: _Frames) -> None:
    area_frame = pl.DataFrame(
        {
            "code": [a.code for a in areas],
            "name": [a.name for a in areas],
            "region_code": [a.region for a in areas],
            "la_type": [a.la_type for a in areas],
            "population": [a.population for a in areas],
            "net_budget_requirement_gbp": [a.net_budget for a in areas],
            "deprivation_rank": [a.deprivation_rank for a in areas],
        }
    )
    bulk_insert(conn, _table(Area), area_frame)
    defaults = {"reward_rate": 0.025, "reward_threshold": 0.6, "capital_share": 0.5}
    agreements = pl.concat(out.agreements).with_columns(
        *(pl.lit(v).alias(k) for k, v in defaults.items()), reward_instalments=pl.lit(2)
    )
    bulk_insert(conn, _table(Agreement), agreements)
    bulk_insert(conn, _table(Partnership), pl.concat(out.partnerships))
    bulk_insert(conn, _table(Target), pl.concat(out.targets))
    bulk_insert(conn, _table(TargetVersion), pl.concat(out.versions))
    if out.milestones:
        bulk_insert(conn, _table(TargetMilestone), pl.concat(out.milestones))
    bulk_insert(conn, _table(ActualRevision), pl.concat(out.actuals))
    if out.commentary:
        bulk_insert(conn, _table(Commentary), pl.concat(out.commentary))
    bulk_insert(conn, _table(AuditEvent), pl.concat(out.audit))


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the id sequences continue after the ids the seed chose itself."""
    for model in (Agreement, Partnership, Target, TargetVersion):
        name = _table(model).name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                f'COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{name}"'
            )
        )


def _users(engine: Engine, actor: Actor, areas: list[_AreaPlan]) -> None:
    """The demo's users, one per role, scoped to an East Midlands area of this seed."""
    from seed_data.demo_users import lead_partnership

    home = next((a for a in areas if a.region == "GOEM"), areas[0])
    grants = [
        ("admin", "Demo Administrator", Grant("admin")),
        ("officer", "Priya Shah, LSP Performance Officer", Grant("officer", area_code=home.code)),
        ("board", "Cllr Margaret Hale, LSP Board", Grant("board", area_code=home.code)),
        (
            "lead",
            "Mark Marsden, Partnership Lead",
            Grant("lead", area_code=home.code, partnership=lead_partnership(engine, home.code)),
        ),
        ("go", f"Gordon Ellis, {home.region}", Grant("go", region_code=home.region)),
        ("department", "Home Office analyst", Grant("department", department_code="HO")),
        ("viewer", "Community viewer", Grant("viewer", area_code=home.code)),
    ]
    existing = set(accounts.list_users(engine, actor)["username"].to_list())
    for username, name, grant in grants:
        if username not in existing:
            accounts.add_user(
                engine, actor, username, name, DEMO_PASSWORD, f"{username}@demo.example"
            )
        accounts.grant(engine, actor, username, grant)


def seed_scale(
    engine: Engine,
    actor: Actor,
    scale: Scale,
    seed: int = DEFAULT_SEED,
    *,
    users: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Write a scale seed into an upgraded database that has no areas yet.

    The framework goes in first (through the store, audited per indicator and reporting
    line), then each chunk of `scale.chunk` areas in its own transaction, then the `today` and
    `demo` settings and the demo users. Raises `store.AccessDenied` for a non-administrator and
    `store.RuleViolation` when the database already has areas.
    """
    if not actor.is_admin:
        raise store.AccessDenied(f"{actor.name} may not load the {scale.name} seed")
    rows = framework(scale)
    inds = _inds(rows)
    codes = set(inds.codes)
    periods = _periods(scale)
    areas = plan_areas(seed, scale)
    with store.backdated(FRAMEWORK_LOADED_AT), db.write_transaction(engine) as conn:
        if conn.execute(select(func.count()).select_from(Area)).scalar_one():
            raise store.RuleViolation("the database already has areas")
        store.save_indicators(conn, actor, rows)
        lines = [r for r in reporting_line_rows() if r["indicator_code"] in codes]
        if lines:
            store.save_reporting_lines(conn, actor, lines)
        ids = _next_ids(conn)
    totals: dict[str, int] = dict.fromkeys(
        (
            "targets",
            "reward",
            "milestones",
            "refreshed",
            "revisions",
            "second",
            "provisional",
            "commentary",
        ),
        0,
    )
    for first in range(0, len(areas), scale.chunk):
        chunk = areas[first : first + scale.chunk]
        out = _Frames([], [], [], [], [], [], [], [])
        for area in chunk:
            counts = _area_frames(seed, scale, area, inds, periods, ids, actor.name, out)
            for key, value in counts.items():
                totals[key] += value
        with db.write_transaction(engine) as conn:
            _write_chunk(conn, chunk, out)
        del out
        if progress is not None:
            progress(first + len(chunk), len(areas))
    if not db.is_sqlite(engine):
        with db.write_transaction(engine) as conn:
            _reset_sequences(conn)
    # Two rounds of capacity assessment (self, then the GO's) for every area, in one write.
    seed_capacity_scale(engine, actor, [(a.code, a.region) for a in areas], seed)
    db.refresh_statistics(engine)
    with store.backdated(SETTINGS_AT):
        store.set_setting(
            engine, actor, "today", TODAY.isoformat(), f"{scale.name} seed business date"
        )
        store.set_setting(engine, actor, "demo", "true", f"{scale.name} seed loaded (fictional)")
    if users:
        _users(engine, actor, areas)
    return SeedSummary(
        scale=scale.name,
        areas=len(areas),
        indicators=len(inds.codes),
        targets=totals["targets"],
        reward_targets=totals["reward"],
        milestones=totals["milestones"],
        refreshed=totals["refreshed"],
        actual_revisions=totals["revisions"],
        corrections=totals["second"],
        provisional=totals["provisional"],
        commentary=totals["commentary"],
    )
