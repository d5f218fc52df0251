"""Capacity assessments for the demo and the scale seeds (DOMAIN §6, the GO assessment tool).

The framework comes from `seed_data/framework/capacity_framework.csv`. Each assessed area gets
two rounds: a self-assessment by the partnership and then the Government Office's assessment
(spring 2008, before the second-generation sign-off, and the October 2008 six-monthly review).
Between the rounds some characteristics move up, some down; the partnership rates itself
higher than the GO on a few. Deterministic: every draw comes from `numpy.random.default_rng`
with a fixed seed, in a fixed order (areas by code), and every recorded time is backdated.

The demo writes each assessment through `store.record_capacity_assessment` as its GO or
officer (so the seed passes the same rules as a user); the scale seeds plan the same rounds
for every area and write them set-based (`store.record_capacity_assessments`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, select

from dashboard import store
from dashboard.store import Actor, Grant
from data_models import CAPACITY_LEVELS, Area
from seed_data.demo_users import DEMO_AREA, DEMO_REGION

FRAMEWORK_CSV = Path(store.FRAMEWORK_DIR) / "capacity_framework.csv"
FRAMEWORK_LOADED_AT = datetime(2008, 1, 14, 10, 0, tzinfo=UTC)
CAPACITY_SEED = 2008
OTHER_REGION_AREAS = 3  # demo areas outside the demo GO's region that are assessed too

# (self-assessment window, GO assessment window): first and last day of each.
ROUNDS: tuple[tuple[tuple[date, date], tuple[date, date]], ...] = (
    ((date(2008, 2, 18), date(2008, 2, 29)), (date(2008, 3, 10), date(2008, 3, 20))),
    ((date(2008, 9, 22), date(2008, 10, 3)), (date(2008, 10, 13), date(2008, 10, 24))),
)
# Levels as scores, best highest (strong 4 … weak 1).
_LEVEL_OF_SCORE = {len(CAPACITY_LEVELS) - i: level for i, level in enumerate(CAPACITY_LEVELS)}

GO_OFFICERS = {
    "GONE": "Helen Dodds, GO North East",
    "GONW": "Martin Crosby, GO North West",
    "GOYH": "Asha Patel, GO Yorkshire and the Humber",
    "GOEM": "go",  # the demo GO user (Gordon Ellis) records his own region's assessments
    "GOWM": "Robert Lane, GO West Midlands",
    "GOEE": "Claire Hunt, GO East of England",
    "GOL": "David Okafor, GO London",
    "GOSE": "Fiona Marsh, GO South East",
    "GOSW": "Tom Pascoe, GO South West",
}

EVIDENCE = {
    "VISION": "Sustainable Community Strategy; partners' plans; interviews with board members",
    "DELIVERY": "delivery plans for the reward targets; thematic partnership minutes",
    "LEADERSHIP": "LSP board terms of reference, attendance and minutes",
    "ACCOUNTABILITY": "board challenge of off-track targets; lead officers' action notes",
    "COMMUNITY": "VCS forum minutes; residents' consultation report; published progress report",
    "PMF": "quarterly board performance reports; exception commentary",
    "IMPROVEMENT": "performance team structure; improvement actions from the last two quarters",
    "DATA": "data quality grades on the returns; revisions log; audit of three indicators",
    "RISK": "partnership risk register; reward targets near the 60% threshold",
    "FUNDS": "accountable body reports on pooled funds; grant conditions",
    "VERTICAL": "the area's returns to departments compared with its LAA report",
}
CONDITIONS = {
    "VISION": "Every statutory partner adopts the LAA priorities in its own plan",
    "DELIVERY": "A delivery plan with milestones and named owners for every reward target",
    "LEADERSHIP": "Revised board terms of reference with senior attendance from each partner",
    "ACCOUNTABILITY": "A named lead officer and owning partnership for every target",
    "COMMUNITY": "The voluntary and community sector represented on each thematic partnership",
    "PMF": "Trajectories and milestones for every target, reported to the board quarterly",
    "IMPROVEMENT": "A resourced performance team serving all partners, not the council alone",
    "DATA": "A data quality protocol agreed with every partner, values graded at source",
    "RISK": "A partnership risk register covering every reward target, reviewed quarterly",
    "FUNDS": "Quarterly reports of pooled fund spend against each priority to the board",
    "VERTICAL": "A plan to stop the duplicate returns the LAA replaces, agreed with the GO",
}


def framework_rows() -> list[dict[str, str]]:
    """The seed framework as rows of the capacity framework file."""
    with FRAMEWORK_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass
class CapacityPlan:
    """Planned assessments (`key`, area_code, kind, assessed_on, recorded_by, overall,
    summary, recommendation, recommendation_date, conditions as text) and ratings (`key`,
    characteristic_code, level, evidence, strengths, weaknesses), oldest first."""

    assessments: list[dict[str, Any]] = field(default_factory=list)
    ratings: list[dict[str, Any]] = field(default_factory=list)

    def frames(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        a = pl.DataFrame(
            self.assessments,
            schema={"key": pl.Int64, "area_code": pl.Utf8, "kind": pl.Utf8,
                    "assessed_on": pl.Date, "recorded_by": pl.Utf8, "overall": pl.Utf8,
                    "summary": pl.Utf8, "recommendation": pl.Utf8,
                    "recommendation_date": pl.Date, "conditions": pl.Utf8},
        )  # fmt: skip
        r = pl.DataFrame(
            self.ratings,
            schema={"key": pl.Int64, "characteristic_code": pl.Utf8, "level": pl.Utf8,
                    "evidence": pl.Utf8, "strengths": pl.Utf8, "weaknesses": pl.Utf8},
        )  # fmt: skip
        return a, r


def _day(rng: np.random.Generator, window: tuple[date, date]) -> date:
    first, last = window
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _overall(scores: np.ndarray) -> int:
    """The overall judgement: the mean, pulled down by any weak characteristic."""
    mean = float(scores.mean()) - (0.25 if (scores == 1).any() else 0.0)
    return int(np.clip(np.floor(mean + 0.5), 1, 4))


def _recommendation(scores: np.ndarray, overall: int) -> str:
    weak, developing = int((scores == 1).sum()), int((scores == 2).sum())
    if overall <= 1 or weak >= 3 or (overall == 2 and weak >= 2):
        return "not_ready"
    if overall >= 3 and weak == 0 and developing <= 1:
        return "ready"
    return "ready_with_conditions"


def _summary(
    names: dict[str, str], codes: Sequence[str], scores: np.ndarray, overall: int, kind: str
) -> str:
    order = np.argsort(-scores, kind="stable")
    best = [names[codes[i]] for i in order[:2]]
    worst = [names[codes[i]] for i in order[::-1][:2] if scores[i] <= 2]
    who = "The partnership's" if kind == "self" else "Its"
    text = f"{_LEVEL_OF_SCORE[overall].capitalize()} capacity overall. {who} strengths: "
    text += f"{best[0].lower()} and {best[1].lower()}."
    if worst:
        text += f" Needs attention: {' and '.join(w.lower() for w in worst)}."
    return text


def plan_capacity(
    framework: Sequence[dict[str, str]],
    areas: Sequence[tuple[str, str]],
    *,
    seed: int = CAPACITY_SEED,
    rounds: int = 2,
    officer_names: dict[str, str] | None = None,
) -> CapacityPlan:
    """Plan `rounds` rounds (self-assessment, then the GO's) for each (area, region), areas
    by code; `officer_names` names the recorder of each area's self-assessment (default: the
    area's performance officer). The demo area always ends "ready with conditions"."""
    codes = [r["code"] for r in framework]
    names = {r["code"]: r["name"] for r in framework}
    descriptors = {r["code"]: r for r in framework}
    plan = CapacityPlan()
    key = 0
    for area_code, region in sorted(areas):
        rng = np.random.default_rng([seed, int.from_bytes(area_code.encode(), "big") % 2**32])
        base = rng.uniform(1.8, 3.6)
        if area_code == DEMO_AREA:  # the demo's own area: a mixed picture, room to improve
            base = 2.7
        go = np.clip(np.rint(base + rng.normal(0, 0.8, len(codes))), 1, 4).astype(int)
        for number in range(rounds):
            if number:  # between rounds: most hold, some improve, a few slip
                step = rng.choice([-1, 0, 1], size=len(codes), p=[0.15, 0.5, 0.35])
                # At least one characteristic moves each way (one that is not already at
                # that end of the scale).
                up = int(rng.choice(np.flatnonzero(go < 4))) if (go < 4).any() else None
                down_from = np.flatnonzero((go > 1) & (np.arange(len(codes)) != up))
                down = int(rng.choice(down_from)) if len(down_from) else None
                if up is not None:
                    step[up] = 1
                if down is not None:
                    step[down] = -1
                go = np.clip(go + step, 1, 4)
            own = go.copy()
            higher = rng.permutation(len(codes))[: int(rng.integers(2, 4))]
            own[higher] = np.clip(own[higher] + 1, 1, 4)
            lower = rng.permutation(len(codes))[:1]
            if rng.random() < 0.4:
                own[lower] = np.clip(own[lower] - 1, 1, 4)
            self_window, go_window = ROUNDS[min(number, len(ROUNDS) - 1)]
            for kind, scores, window in (("self", own, self_window), ("go", go, go_window)):
                key += 1
                on = _day(rng, window)
                overall = _overall(scores)
                recommendation = None
                conditions: list[str] = []
                if kind == "go":
                    recommendation = _recommendation(scores, overall)
                    last = number == rounds - 1
                    if area_code == DEMO_AREA and last:
                        recommendation = "ready_with_conditions"
                    if recommendation == "ready_with_conditions":
                        weakest = np.argsort(scores, kind="stable")[:3]
                        conditions = [CONDITIONS.get(codes[i], f"Improve {names[codes[i]]}")
                                      for i in weakest if scores[i] <= 2] or [
                            CONDITIONS.get(codes[weakest[0]], "Improve capacity")
                        ]  # fmt: skip
                recorder = (
                    GO_OFFICERS.get(region, f"GO {region}")
                    if kind == "go"
                    else (officer_names or {}).get(area_code, f"{area_code} performance officer")
                )
                plan.assessments.append(
                    {
                        "key": key,
                        "area_code": area_code,
                        "kind": kind,
                        "assessed_on": on,
                        "recorded_by": recorder,
                        "overall": _LEVEL_OF_SCORE[overall],
                        "summary": _summary(names, codes, scores, overall, kind),
                        "recommendation": recommendation,
                        "recommendation_date": on + timedelta(days=4) if kind == "go" else None,
                        "conditions": "\n".join(conditions) or None,
                    }
                )
                for code, score in zip(codes, scores, strict=True):
                    level = _LEVEL_OF_SCORE[int(score)]
                    said = descriptors[code][level]
                    plan.ratings.append(
                        {
                            "key": key,
                            "characteristic_code": code,
                            "level": level,
                            "evidence": EVIDENCE.get(code, ""),
                            "strengths": said if score >= 3 else "",
                            "weaknesses": said if score <= 2 else "",
                        }
                    )
    return plan


def load_framework(engine: Engine, actor: Actor) -> None:
    """The seed framework, recorded as loaded in January 2008 (upsert: a second load is a
    no-op)."""
    with store.backdated(FRAMEWORK_LOADED_AT):
        store.save_capacity_framework(engine, actor, framework_rows(), first_row=2)


def _demo_areas(engine: Engine, codes: Sequence[str]) -> list[tuple[str, str]]:
    """Every demo area of the demo GO's region and a few of other regions (by code)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Area.code, Area.region_code).where(Area.code.in_(list(codes)))
        ).all()
    home = sorted((c, r) for c, r in rows if r == DEMO_REGION)
    others = sorted((c, r) for c, r in rows if r != DEMO_REGION)
    rng = np.random.default_rng(CAPACITY_SEED)
    picked = sorted(others[i] for i in rng.choice(len(others), OTHER_REGION_AREAS, replace=False))
    return home + picked


def _recorder(row: dict[str, Any], region: str) -> Actor:
    """The recording user with just the grant a real recorder would hold."""
    if row["kind"] == "go":
        return Actor(row["recorded_by"], (Grant("go", region_code=region),))
    return Actor(row["recorded_by"], (Grant("officer", area_code=row["area_code"]),))


def seed_capacity_demo(engine: Engine, actor: Actor, area_codes: Sequence[str]) -> int:
    """The framework and two rounds of assessment for the demo areas of the demo GO's region
    and a few others, each written through the store as its GO or officer at a backdated
    time; returns how many assessments were written."""
    load_framework(engine, actor)
    framework = framework_rows()
    areas = _demo_areas(engine, area_codes)
    officers = {DEMO_AREA: "officer"}  # the demo officer user records D10's own assessment
    plan = plan_capacity(framework, areas, officer_names=officers)
    regions = dict(areas)
    ratings: dict[int, list[dict[str, Any]]] = {}
    for rating in plan.ratings:
        ratings.setdefault(rating["key"], []).append(rating)
    ordered = sorted(plan.assessments, key=lambda a: (a["assessed_on"], a["area_code"]))
    for row in ordered:
        at = datetime.combine(row["assessed_on"], time(15, 30), tzinfo=UTC)
        with store.backdated(at):
            store.record_capacity_assessment(
                engine,
                _recorder(row, regions[row["area_code"]]),
                row["area_code"],
                kind=row["kind"],
                assessed_on=row["assessed_on"],
                ratings=ratings[row["key"]],
                overall=row["overall"],
                summary=row["summary"],
                recommendation=row["recommendation"],
                conditions=(row["conditions"] or "").splitlines(),
                recommendation_date=row["recommendation_date"],
            )
    return len(ordered)


def seed_capacity_scale(
    engine: Engine, actor: Actor, areas: Sequence[tuple[str, str]], seed: int = CAPACITY_SEED
) -> int:
    """The framework and two rounds of assessment (self then GO) for every area of a scale
    seed, written in one transaction; returns how many assessments were written."""
    load_framework(engine, actor)
    plan = plan_capacity(framework_rows(), areas, seed=seed)
    assessments, ratings = plan.frames()
    with store.backdated(datetime(2008, 10, 31, 17, 0, tzinfo=UTC)):
        return store.record_capacity_assessments(engine, actor, assessments, ratings)
