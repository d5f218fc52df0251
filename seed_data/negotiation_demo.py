"""A negotiation in progress for the demo: Thornbury Vale (the demo officer's area) and its
Government Office agreeing the next agreement, 2009–2012, in the autumn of 2008.

Every mandatory indicator and the area's current optional ones are chosen; most have a
proposed target (baseline from the area's own values, a modest improvement over three years),
eight of them reward targets; the GO has agreed most, challenged two (one of them revised since,
awaiting a new verdict), and not yet looked at a few; a handful of comments go back and forth.
Written through the store as the demo's officer, GO and partnership lead, each at a backdated
time, so the seed passes the same rules as a user. Deterministic: no random draws.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Engine

from dashboard import store
from dashboard.store import Actor, Grant
from seed_data.demo_users import DEMO_AREA, DEMO_REGION, lead_partnership

DRAFT_START = date(2009, 4, 1)
STARTED = date(2008, 9, 8)
OFFICER = Actor("officer", (Grant("officer", area_code=DEMO_AREA),))
GO = Actor("go", (Grant("go", region_code=DEMO_REGION),))
# Reward targets of the draft, and the ones the GO challenges (the first is revised since).
REWARD = ("BCS-C", "BV126", "DRUG-T", "EMP", "MORT", "NEET", "RES-W", "SAFE-D")
CHALLENGED = ("BV126", "NEET")
AWAITING = ("RES-W", "SAFE-D", "BV49")  # proposed, the GO has not looked yet
NOT_YET = ("SFL", "VAT-REG", "YJ-FTE")  # chosen, no target proposed yet
IMPROVEMENT = 0.06  # of the baseline, over the three years, in the good direction
STRETCH = 0.04  # a reward target's stretch above its without-reward figure


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _toward(
    value: float,
    share: float,
    polarity: str,
    low: float | None,
    high: float | None,
    decimals: int = 1,
) -> float:
    """`value` moved by `share` of itself the good way, kept inside the plausible range, to
    the indicator's decimals."""
    moved = value * (1 + share if polarity == "higher" else 1 - share)
    if high is not None:
        moved = min(moved, high)
    if low is not None:
        moved = max(moved, low)
    return round(moved, decimals)


def _baselines(engine: Engine, codes: list[str]) -> pl.DataFrame:
    """Each indicator's latest value of the area at or before March 2008: the baseline."""
    values = store.current_actuals(engine, OFFICER, [DEMO_AREA], indicators=codes)
    return (
        values.filter(pl.col("period") <= date(2008, 3, 31))
        .sort("period")
        .group_by("indicator_code")
        .last()
        .select("indicator_code", "period", "value")
    )


def _target_period(baseline: date, start: date, end: date) -> date:
    """The same point of the year as the baseline period, three years on or the first such
    date inside the agreement, and never after its end."""
    years = 3
    while baseline.replace(year=baseline.year + years) < start:
        years += 1
    while baseline.replace(year=baseline.year + years) > end:
        years -= 1
    return baseline.replace(year=baseline.year + years)


def seed_negotiation_demo(engine: Engine) -> int:
    """The demo's draft agreement and its negotiation; returns the draft agreement's id."""
    lead = Actor(
        "lead", (Grant("lead", area_code=DEMO_AREA, partnership=lead_partnership(engine)),)
    )
    indicators = store.load_indicators(engine, OFFICER)
    current = store.load_scope(engine, OFFICER, [DEMO_AREA]).targets
    owners = dict(
        current.select("indicator_code", "partnership").unique("indicator_code").iter_rows()
    )
    leads = dict(
        current.select("indicator_code", "lead_officer").unique("indicator_code").iter_rows()
    )
    mandatory = indicators.filter(pl.col("outcome_type") == "mandatory")["indicator_code"].to_list()
    chosen = sorted(set(mandatory) | set(owners))
    with store.backdated(_at(STARTED)):
        draft = store.start_draft(engine, OFFICER, DEMO_AREA, DRAFT_START)
    agreement = store.latest_agreement(engine, OFFICER, DEMO_AREA)
    assert agreement is not None
    with store.backdated(_at(STARTED, 14)):
        store.choose_indicators(
            engine, OFFICER, draft, chosen, reason="Carried forward and the mandatory set"
        )
    facts = {r["indicator_code"]: r for r in indicators.to_dicts()}
    baselines = _baselines(engine, chosen)
    day = STARTED + timedelta(days=7)
    proposals: dict[str, int] = {}
    for row in baselines.sort("indicator_code").iter_rows(named=True):
        code = row["indicator_code"]
        if code in NOT_YET:
            continue
        ind = facts[code]
        low, high = ind["plausible_min"], ind["plausible_max"]
        reward = code in REWARD
        target = _toward(row["value"], IMPROVEMENT, ind["polarity"], low, high, ind["decimals"])
        without = (
            _toward(
                row["value"], IMPROVEMENT - STRETCH, ind["polarity"], low, high, ind["decimals"]
            )
            if reward
            else None
        )
        if code == "BV126":  # the without figure set worse than the baseline: padded
            without = _toward(row["value"], -0.05, ind["polarity"], low, high, ind["decimals"])
        values = {
            "partnership": owners.get(code) or _block_owner(engine, ind["block_code"]),
            "lead_officer": leads.get(code),
            "baseline_period": row["period"],
            "baseline_value": round(row["value"], ind["decimals"]),
            "target_period": _target_period(row["period"], agreement["start_date"], agreement["end_date"]),
            "target_value": target,
            "without_reward_value": without,
            "note_indicator": f"{code} {ind['name']}" if reward else "",
            "note_source": ind["data_source"] if reward else "",
            "note_stretch": "The area's trend projected forward, plus what the new programme adds."
            if reward else "",
            "note_reward": "An equal share of the reward grant." if reward else "",
            "focus": "neighbourhood renewal wards" if code in ("BCS-C", "EMP") else None,
        }  # fmt: skip
        with store.backdated(_at(day, 9 + len(proposals) % 8)):
            store.propose_target(engine, OFFICER, draft, code, values, reason="First proposal")
        proposals[code] = len(proposals)
    negotiation = store.load_negotiation(engine, GO, draft)
    ids = dict(negotiation.proposals.select("indicator_code", "id").iter_rows())
    verdict_day = day + timedelta(days=21)
    for i, code in enumerate(sorted(ids)):
        if code in AWAITING:
            continue
        challenged = code in CHALLENGED
        note = {
            "BV126": "The without-reward figure is worse than today's: the trend alone would beat it.",
            "NEET": "The stretch is less than a year of the trend's improvement: make it more challenging.",
        }.get(code)  # fmt: skip
        with store.backdated(_at(verdict_day + timedelta(days=i % 5), 11)):
            store.record_verdict(
                engine, GO, ids[code], "challenged" if challenged else "agreed", note
            )
    comments = [
        (GO, "BV126", "Why is the without figure above the 2007/08 rate?", 2),
        (OFFICER, "BV126", "Two new estates come on stream; we will look again at the trend.", 3),
        (lead, "NEET", "The September guarantee figures support a larger fall.", 4),
        (
            GO,
            None,
            "Please have the remaining three targets to us before the board on 10 December.",
            5,
        ),
        (OFFICER, None, "Understood: the economic partnership meets on 4 December.", 6),
    ]
    for actor, code, text, after in comments:
        with store.backdated(_at(verdict_day + timedelta(days=after), 15)):
            store.add_negotiation_comment(engine, actor, draft, text, code)
    revised = negotiation.proposals.filter(pl.col("indicator_code") == "BV126").row(0, named=True)
    ind = facts["BV126"]
    with store.backdated(_at(verdict_day + timedelta(days=9), 10)):
        store.propose_target(
            engine, OFFICER, draft, "BV126",
            {k: revised[k] for k in store.PROPOSAL_FIELDS}
            | {"without_reward_value": _toward(revised["baseline_value"], IMPROVEMENT - STRETCH,
                                               ind["polarity"], ind["plausible_min"], ind["plausible_max"],
                                               ind["decimals"])},
            reason="Without figure reset to the trend, as the GO asked",
        )  # fmt: skip
    return draft


def _block_owner(engine: Engine, block_code: str) -> str:
    found = store.area_partnerships(engine, OFFICER, DEMO_AREA).filter(
        pl.col("block_code") == block_code
    )
    return str(found["name"][0]) if found.height else "LSP executive board"
