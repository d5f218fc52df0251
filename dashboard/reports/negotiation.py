"""The negotiation of a draft agreement, worked out from what the store holds: where each
chosen indicator stands (no proposal yet, awaiting the GO, challenged, agreed), the reward
element (the pot, each reward target's share), readiness for sign-off, what changed between
versions of a proposal, and the menu of indicators to choose from. Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from dashboard.metrics.reward import maximum_prg, money, reward_shares
from dashboard.store.negotiation import PROPOSAL_FIELDS, Negotiation

STATES = {
    "no_proposal": "No target proposed yet",
    "awaiting": "Awaiting the Government Office",
    "challenged": "Challenged",
    "agreed": "Agreed",
}
STATE_SYMBOLS = {"no_proposal": "○", "awaiting": "◔", "challenged": "✖", "agreed": "●"}
FIELD_LABELS = {
    "partnership": "Owner partnership",
    "lead_officer": "Lead officer",
    "measure": "Measure",
    "baseline_period": "Baseline period",
    "baseline_value": "Baseline",
    "target_period": "Target period",
    "target_value": "Target (stretched target for a reward target)",
    "milestones": "Milestones",
    "without_reward_value": "Without reward",
    "agreed_share_gbp": "Agreed share £",
    "focus": "Focus",
    "note_indicator": "Note: indicator",
    "note_source": "Note: source of data",
    "note_clarifications": "Note: clarifications and qualifications",
    "note_stretch": "Note: determining stretching performance",
    "note_reward": "Note: determining the level of reward",
}
NOTE_HEADINGS = {
    "note_indicator": "Indicator",
    "note_source": "Source of data",
    "note_clarifications": "Clarifications/qualifications about the indicator",
    "note_stretch": "Determining stretching performance",
    "note_reward": "Determining the level of reward",
}


def latest_proposals(proposals: pl.DataFrame) -> pl.DataFrame:
    """The highest version of each indicator's proposal."""
    return proposals.sort("indicator_code", "version").group_by("indicator_code").last()


def proposal_states(negotiation: Negotiation) -> pl.DataFrame:
    """One row per chosen indicator: its latest proposal (columns of `proposed_target`, null
    when none), `state` (a key of STATES), the verdict's note, who gave it and when."""
    chosen = negotiation.choices.filter(pl.col("included")).select("indicator_code")
    latest = latest_proposals(negotiation.proposals)
    verdicts = (
        negotiation.verdicts.sort("id")
        .group_by("proposal_id")
        .last()
        .select(
            pl.col("proposal_id").alias("id"),
            "verdict",
            pl.col("note").alias("verdict_note"),
            pl.col("recorded_by_name").alias("verdict_by"),
            pl.col("recorded_at").alias("verdict_at"),
        )
    )
    joined = chosen.join(latest, on="indicator_code", how="left").join(
        verdicts, on="id", how="left"
    )
    state = (
        pl.when(pl.col("id").is_null())
        .then(pl.lit("no_proposal"))
        .when(pl.col("verdict").is_null())
        .then(pl.lit("awaiting"))
        .otherwise(pl.col("verdict"))
    )
    return joined.with_columns(state=state).sort("indicator_code")


@dataclass(frozen=True)
class Readiness:
    """Whether the draft can be signed, and the summary the page and the document show."""

    states: pl.DataFrame  # `proposal_states`
    counts: dict[str, int]  # per key of STATES
    mandatory_missing: list[str]
    reward_targets: int
    max_reward_targets: int
    pot_gbp: Decimal
    shares: pl.DataFrame  # indicator_code, share_gbp (exact to the penny), agreed (bool)
    share_problem: str | None
    blockers: list[str]

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def agreed_proposals(self) -> pl.DataFrame:
        return self.states.filter(pl.col("state") == "agreed")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def reward_element(
    states: pl.DataFrame, agreement: dict
) -> tuple[Decimal, pl.DataFrame, str | None]:
    """The reward pot and each proposed reward target's share (agreed, or the equal split of
    what the agreed shares leave), and the problem with the shares if there is one."""
    pot = maximum_prg(agreement["net_budget_requirement_gbp"], agreement["reward_rate"])
    reward = states.filter(pl.col("without_reward_value").is_not_null()).sort("indicator_code")
    agreed = reward["agreed_share_gbp"].to_list()
    problem = None
    try:
        exact = reward_shares(pot, agreed, agreement["area_code"])
    except ValueError:
        total = sum((Decimal(str(a)) for a in agreed if a is not None), Decimal(0))
        problem = (
            f"the agreed shares add up to £{total:,.2f}, more than the reward grant of "
            f"£{money(pot):,.2f}"
        )
        exact = [None] * reward.height
    shares = pl.DataFrame(
        {
            "indicator_code": reward["indicator_code"],
            "share_gbp": [None if e is None else money(e) for e in exact],
            "agreed": [a is not None for a in agreed],
        },
        schema={"indicator_code": pl.Utf8, "share_gbp": pl.Decimal(16, 2), "agreed": pl.Boolean},
    )
    return money(pot), shares, problem


def readiness(negotiation: Negotiation, *, mandatory_codes: Sequence[str]) -> Readiness:
    """Where the draft stands, and what still stops it being signed."""
    states = proposal_states(negotiation)
    counts = {k: int((states["state"] == k).sum()) for k in STATES}
    chosen = set(states["indicator_code"])
    missing = sorted(set(mandatory_codes) - chosen)
    agreement = negotiation.agreement
    pot, shares, share_problem = reward_element(states, agreement)
    blockers: list[str] = []
    if not chosen:
        blockers.append("no indicator has been chosen yet")
    if missing:
        blockers.append("mandatory indicators not in the draft: " + ", ".join(missing))
    if counts["no_proposal"]:
        blockers.append(
            _plural(counts["no_proposal"], "indicator has", "indicators have")
            + " no proposed target"
        )
    if counts["awaiting"]:
        blockers.append(
            _plural(counts["awaiting"], "proposal awaits", "proposals await")
            + " the Government Office's verdict"
        )
    if counts["challenged"]:
        blockers.append(
            _plural(counts["challenged"], "proposal is", "proposals are") + " challenged"
        )
    if shares.height > agreement["max_reward_targets"]:
        blockers.append(
            f"{shares.height} reward targets, more than the {agreement['max_reward_targets']} "
            "the agreement allows"
        )
    if share_problem:
        blockers.append(share_problem)
    if negotiation.signed:
        blockers = ["the agreement is already signed"]
    return Readiness(
        states=states,
        counts=counts,
        mandatory_missing=missing,
        reward_targets=shares.height,
        max_reward_targets=int(agreement["max_reward_targets"]),
        pot_gbp=pot,
        shares=shares,
        share_problem=share_problem,
        blockers=blockers,
    )  # fmt: skip


def _as_text(column: str) -> pl.Expr:
    value = pl.col(column)
    dtype_text = value.cast(pl.Utf8)
    return dtype_text.fill_null("").alias(column)


def proposal_changes(proposals: pl.DataFrame, indicator_code: str) -> pl.DataFrame:
    """What changed in each version of one indicator's proposal against the one before:
    version, field (label), before, after, by (full name), at, reason. Version 1 lists the
    fields it set."""
    rows = proposals.filter(pl.col("indicator_code") == indicator_code).sort("version")
    if rows.is_empty():
        return pl.DataFrame(
            schema={"version": pl.Int64, "field": pl.Utf8, "before": pl.Utf8, "after": pl.Utf8,
                    "by": pl.Utf8, "at": pl.Datetime("us", "UTC"), "reason": pl.Utf8}
        )  # fmt: skip
    long = rows.select(
        "version",
        "recorded_by_name",
        "recorded_at",
        "reason",
        *(_as_text(f) for f in PROPOSAL_FIELDS),
    ).unpivot(
        index=["version", "recorded_by_name", "recorded_at", "reason"],
        on=list(PROPOSAL_FIELDS),
        variable_name="key",
        value_name="after",
    )
    ordered = long.sort("key", "version").with_columns(before=pl.col("after").shift(1).over("key"))
    changed = ordered.filter(
        (pl.col("before").is_null() & (pl.col("after") != ""))
        | (pl.col("before") != pl.col("after"))
    )
    order = {k: i for i, k in enumerate(PROPOSAL_FIELDS)}
    return (
        changed.with_columns(
            field=pl.col("key").replace_strict(FIELD_LABELS),
            order=pl.col("key").replace_strict(order, return_dtype=pl.Int64),
        )
        .sort("version", "order")
        .select(
            "version",
            "field",
            pl.col("before").fill_null(""),
            "after",
            pl.col("recorded_by_name").alias("by"),
            pl.col("recorded_at").alias("at"),
            "reason",
        )
    )


def indicator_menu(
    indicators: pl.DataFrame,
    choices: pl.DataFrame,
    reporting_lines: pl.DataFrame,
    values: pl.DataFrame,
) -> pl.DataFrame:
    """The outcomes framework as a menu for the draft: each indicator with its block, outcome,
    type (mandatory first, with the reason), department and data source; whether it is in the
    draft; the reporting lines that stop or continue once it is in the agreement; and the
    baseline data the area has (values and the latest period).

    `indicators`: `store.load_indicators`; `choices`: `Negotiation.choices`; `reporting_lines`:
    `store.reporting_lines` (indicator_code, laa_status); `values`: `store.current_actuals` of
    the area (indicator_code, period)."""
    lines = reporting_lines.group_by("indicator_code").agg(
        lines_stop=(pl.col("laa_status") != "continues").sum().cast(pl.Int64),
        lines_continue=(pl.col("laa_status") == "continues").sum().cast(pl.Int64),
    )
    history = values.group_by("indicator_code").agg(
        values=pl.len().cast(pl.Int64), latest_period=pl.col("period").max()
    )
    chosen = choices.select("indicator_code", pl.col("included").alias("in_draft"))
    order = pl.col("outcome_type").replace_strict(
        {"mandatory": 0, "optional": 1, "local": 2}, default=3, return_dtype=pl.Int64
    )
    return (
        indicators.join(chosen, on="indicator_code", how="left")
        .join(lines, on="indicator_code", how="left")
        .join(history, on="indicator_code", how="left")
        .with_columns(
            pl.col("in_draft").fill_null(False),
            pl.col("lines_stop", "lines_continue", "values").fill_null(0),
            type_order=order,
        )
        .sort("type_order", "block_code", "indicator_code")
        .drop("type_order")
    )
