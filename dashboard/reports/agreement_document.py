"""The single LAA document for sign-off, incorporating the reward element: cover and parties;
outcomes by block with their indicators and targets; the reward schedule with the 60% rule in
words and a small dual-trajectory chart per reward target; the pump-priming grant and the
maximum reward; the negotiation notes; the reporting lines that stop and continue; the
Government Office's capacity judgement; and a signature block.

Pure: the negotiation's frames in, a `documents.Document` out (rendered to PDF and HTML by
`dashboard.documents`). Its fingerprint is the content hash of the document without its
footer; the footer then prints the fingerprint, so a reader can check a copy against the
record of what was signed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from sqlalchemy import Engine

from dashboard.access import Actor
from dashboard.documents import (
    Bullets,
    Chart,
    Document,
    Heading,
    KeyValues,
    Note,
    PageBreak,
    Paragraph,
    Signatures,
    Table,
)
from dashboard.metrics.reward import pump_priming_grant
from dashboard.reports.negotiation import NOTE_HEADINGS, STATES, Readiness
from dashboard.store.negotiation import Negotiation, parse_milestones

SIXTY_PERCENT_RULE = (
    "For each reward target the grant paid is its share of the reward grant multiplied by the "
    "part of the stretch achieved, where the part achieved is (actual − without-reward figure) "
    "÷ (stretched target − without-reward figure), measured at the target period. Nothing is "
    "paid for a target below 60% of its stretch; from 60% the part achieved is paid, up to "
    "100% of the share."
)
LAA_STATUS_WORDS = {"continues": "Continues", "stops": "Stops", "replaced": "Replaced by the LAA"}


def _number(value: float | None, decimals: int) -> str:
    return "–" if value is None else f"{value:,.{decimals}f}"


def _money(value: Decimal | None) -> str:
    return "–" if value is None else f"£{value:,.2f}"


def _period(day: date | None) -> str:
    return "–" if day is None else f"{day:%b %Y}"


def _figure(value: float | None, period: date | None, decimals: int | None) -> str:
    """`52.8 (Aug 2007)`; a dash when not proposed yet."""
    return "–" if value is None else f"{_number(value, decimals or 1)} ({_period(period)})"


def dual_trajectory_spec(
    code: str, baseline: tuple[date, float], without: float, stretched: float, target_period: date
) -> dict[str, Any]:
    """A small Vega-Lite chart of a reward target's two trajectories: baseline → without
    reward (dashed) and baseline → stretched target (solid)."""
    start = baseline[0].isoformat()
    rows = [
        {"line": "Without reward", "period": start, "value": baseline[1]},
        {"line": "Without reward", "period": target_period.isoformat(), "value": without},
        {"line": "Stretched target", "period": start, "value": baseline[1]},
        {"line": "Stretched target", "period": target_period.isoformat(), "value": stretched},
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 420,
        "height": 110,
        "title": {"text": f"{code}: baseline to target", "fontSize": 12},
        "data": {"values": rows},
        "mark": {"type": "line", "point": True, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "title": None, "axis": {"format": "%Y", "tickCount": {"interval": "year", "step": 1}}},
            "y": {"field": "value", "type": "quantitative", "title": None,
                  "scale": {"zero": False}},
            "color": {"field": "line", "type": "nominal", "title": None,
                      "scale": {"domain": ["Stretched target", "Without reward"],
                                "range": ["#1d70b8", "#505a5f"]},
                      "legend": {"orient": "bottom"}},
            "strokeDash": {"field": "line", "type": "nominal", "legend": None,
                           "scale": {"domain": ["Stretched target", "Without reward"],
                                     "range": [[1, 0], [5, 4]]}},
        },
        "config": {"font": "sans-serif", "view": {"stroke": None}},
    }  # fmt: skip


def build_document(
    negotiation: Negotiation,
    readiness: Readiness,
    indicators: pl.DataFrame,
    reporting_lines: pl.DataFrame,
    *,
    region_name: str,
    capacity: dict | None,
    built_on: date,
) -> tuple[Document, str]:
    """The LAA document of the negotiation as it stands, and its fingerprint (SHA-256 of the
    content without the footer). Only the chosen indicators appear; each with its latest
    proposal and where it stands, so a draft can be read before it is agreed."""
    agreement = negotiation.agreement
    states = readiness.states.join(
        indicators.select("indicator_code", "name", "block_code", "block_name", "block_order",
                          "outcome", "outcome_type", "decimals", "data_source", "unit",
                          "polarity"),
        on="indicator_code", how="left",
    ).sort("block_order", "indicator_code")  # fmt: skip
    shares = dict(readiness.shares.select("indicator_code", "share_gbp").iter_rows())
    agreed = dict(readiness.shares.select("indicator_code", "agreed").iter_rows())
    term = f"{agreement['start_date']:%d %B %Y} to {agreement['end_date']:%d %B %Y}"
    signed = negotiation.signed
    blocks: list[Any] = [
        KeyValues((
            ("Area", str(agreement["area_name"])),
            ("Government Office", region_name),
            ("Term", term),
            ("Status", f"Signed on {agreement['signed_date']:%d %B %Y}" if signed
             else "Draft for sign-off" if readiness.ready else "Draft under negotiation"),
            ("Indicators", str(states.height)),
            ("Reward targets", f"{readiness.reward_targets} of at most {readiness.max_reward_targets}"),
        )),
        Paragraph(
            f"This agreement is made between the {agreement['area_name']} Local Strategic "
            f"Partnership and central government, represented by the {region_name}. It sets "
            "the outcomes the partners will deliver, the indicators and targets by which "
            "progress is judged, and the reward element: the stretched targets and the "
            "Performance Reward Grant paid for achieving them."
        ),
    ]  # fmt: skip
    if not readiness.ready and not signed:
        blocks.append(
            Note("Not yet agreed: " + "; ".join(readiness.blockers) + ".", tone="warning")
        )

    blocks.append(Heading("Outcomes, indicators and targets", 1))
    for (block_name,), group in states.group_by("block_name", maintain_order=True):
        blocks.append(Heading(str(block_name), 2))
        owners = sorted(set(group["partnership"].drop_nulls()))
        if len(owners) == 1:
            blocks.append(Paragraph(f"Owned by {owners[0]}."))
        blocks.append(
            Table(
                columns=("Code", "Indicator and outcome", "Type", *(() if len(owners) == 1 else ("Owner",)),
                         "Baseline", "Target", "Where it stands"),
                rows=tuple(
                    (
                        r["indicator_code"], f"{r['name'] or ''} ({r['outcome'] or 'no outcome'})"
                        + (f"; focus: {r['focus']}" if r["focus"] else ""),
                        (r["outcome_type"] or "").capitalize(),
                        *(() if len(owners) == 1 else (r["partnership"] or "–",)),
                        _figure(r["baseline_value"], r["baseline_period"], r["decimals"]),
                        _figure(r["target_value"], r["target_period"], r["decimals"]),
                        STATES[r["state"]],
                    )
                    for r in group.iter_rows(named=True)
                ),
                widths=(1.1, 4, 1.3, *(() if len(owners) == 1 else (2,)), 1.5, 1.5, 1.6),
            )
        )  # fmt: skip

    reward = states.filter(pl.col("without_reward_value").is_not_null())
    blocks += [
        PageBreak(),
        Heading("The reward element", 1),
        Paragraph(SIXTY_PERCENT_RULE),
        KeyValues((
            ("Pump-priming grant", _money(pump_priming_grant(agreement["population"], agreement["pump_priming_gbp"]))),
            ("Maximum Performance Reward Grant", _money(readiness.pot_gbp)),
            ("How the maximum is set", f"{Decimal(str(agreement['reward_rate'])):.1%} of the council's net "
             f"budget requirement of £{Decimal(str(agreement['net_budget_requirement_gbp'])):,.0f}"),
            ("Payment", f"after the end of the agreement, in {agreement['reward_instalments']} annual "
             f"instalments, {Decimal(str(agreement['capital_share'])):.0%} capital and the rest revenue"),
        )),
        Heading("Reward schedule", 2),
        Table(
            columns=("Code", "Indicator", "Baseline", "Without reward", "Stretched target",
                     "Target period", "Share of the grant", "Focus"),
            widths=(1.1, 3, 1.5, 1.2, 1.2, 1.2, 1.8, 1.5),
            rows=tuple(
                (
                    r["indicator_code"], r["name"] or "",
                    f"{_number(r['baseline_value'], r['decimals'] or 1)} ({_period(r['baseline_period'])})",
                    _number(r["without_reward_value"], r["decimals"] or 1),
                    _number(r["target_value"], r["decimals"] or 1), _period(r["target_period"]),
                    _money(shares.get(r["indicator_code"]))
                    + ("" if agreed.get(r["indicator_code"]) else " (equal split)"),
                    r["focus"] or "–",
                )
                for r in reward.iter_rows(named=True)
            ),
        ),
    ]  # fmt: skip
    if readiness.share_problem:
        blocks.append(
            Note(f"The shares cannot be worked out: {readiness.share_problem}.", tone="warning")
        )
    for r in reward.iter_rows(named=True):
        milestones = parse_milestones(r["milestones"])
        blocks.append(
            Chart(
                dual_trajectory_spec(
                    r["indicator_code"], (r["baseline_period"], r["baseline_value"]),
                    r["without_reward_value"], r["target_value"], r["target_period"],
                ),
                caption=f"{r['indicator_code']} {r['name']}: the stretch is "
                f"{_number(abs(r['target_value'] - r['without_reward_value']), r['decimals'] or 1)} "
                f"{r['unit'] or ''} better than the without-reward figure"
                + (f"; milestones {', '.join(f'{p:%b %Y} {v:g}' for p, v in milestones)}" if milestones else ""),
                description=f"{r['indicator_code']}: baseline {r['baseline_value']:g}, without reward "
                f"{r['without_reward_value']:g}, stretched target {r['target_value']:g} by {r['target_period']:%B %Y}",
            )
        )  # fmt: skip

    blocks += [PageBreak(), Heading("Negotiation notes", 1)]
    if reward.is_empty():
        blocks.append(Paragraph("There are no reward targets."))
    for r in reward.iter_rows(named=True):
        blocks.append(Heading(f"{r['indicator_code']} {r['name']}", 2))
        blocks.append(KeyValues(tuple(
            (heading, r[key] or ("–" if key not in ("note_indicator", "note_source") else
                                 (f"{r['indicator_code']} {r['name']}" if key == "note_indicator" else r["data_source"] or "–")))
            for key, heading in NOTE_HEADINGS.items()
        )))  # fmt: skip

    chosen = set(states["indicator_code"])
    lines = reporting_lines.filter(pl.col("indicator_code").is_in(sorted(chosen))).sort(
        "laa_status", "indicator_code"
    )
    blocks += [Heading("Reporting lines that stop and continue", 1)]
    if lines.is_empty():
        blocks.append(Paragraph("None of the chosen indicators feeds another return."))
    else:
        stop = lines.filter(pl.col("laa_status") != "continues").height
        blocks.append(Paragraph(
            f"Of the {lines.height} returns the chosen indicators feed today, {stop} stop or are "
            "replaced once this agreement is signed: the agreement's own reporting takes their place."
        ))  # fmt: skip
        blocks.append(Table(
            columns=("Indicator", "Return", "Recipient", "Frequency", "Once signed"),
            rows=tuple(
                (r["indicator_code"], r["return_name"], r["recipient_code"], r["frequency"],
                 LAA_STATUS_WORDS.get(r["laa_status"], r["laa_status"]))
                for r in lines.iter_rows(named=True)
            ),
        ))  # fmt: skip

    blocks.append(Heading("Performance management capacity", 1))
    if capacity is None:
        blocks.append(Paragraph("The Government Office has not recorded a capacity assessment."))
    else:
        blocks.append(KeyValues((
            ("Government Office judgement", f"{capacity['judgement']} ({capacity['assessed_on']:%d %B %Y})"),
            ("Recommendation for sign-off", capacity["signoff_recommendation"]),
        )))  # fmt: skip
        if capacity.get("conditions"):
            blocks.append(Bullets(tuple(capacity["conditions"])))

    blocks += [
        Heading("Signatures", 1),
        Paragraph("Signed on behalf of the partners to this agreement."),
        Signatures((
            ("For the Local Strategic Partnership", f"Chair, {agreement['area_name']} LSP"),
            ("For the council", f"Leader, {agreement['area_name']} Council"),
            ("For central government", f"Regional Director, {region_name}"),
        )),
    ]  # fmt: skip
    document = Document(
        title=f"{agreement['area_name']} Local Area Agreement",
        subtitle=f"{agreement['start_date']:%Y}–{agreement['end_date']:%Y}: the single LAA "
        "document for sign-off, incorporating the reward element",
        meta=(("Built on", f"{built_on:%d %B %Y}"), ("Proposal versions", _versions(states))),
        blocks=tuple(blocks),
        footer="",
    )
    fingerprint = document.content_hash()
    return replace(
        document, footer=f"{agreement['area_name']} LAA · fingerprint {fingerprint[:16]}"
    ), fingerprint


def _versions(states: pl.DataFrame) -> str:
    proposed = states.filter(pl.col("version").is_not_null())
    return (
        ", ".join(f"{r['indicator_code']} v{r['version']}" for r in proposed.iter_rows(named=True))
        or "none"
    )


@dataclass(frozen=True)
class AreaDocument:
    """The LAA document of an area's latest agreement as it stands, with what it was built
    from: the page and `laa agreement document` build it the same way."""

    document: Document
    fingerprint: str
    negotiation: Negotiation
    readiness: Readiness


def area_document(engine: Engine, actor: Actor, area_code: str, built_on: date) -> AreaDocument:
    """Read the area's latest agreement and its negotiation in one pass and build the document
    (the store refuses an area the actor may not read: AccessDenied; none: RuleViolation)."""
    from dashboard import store
    from dashboard.reports.capacity import judgement_at
    from dashboard.reports.negotiation import readiness

    agreement = store.latest_agreement(engine, actor, area_code)
    if agreement is None:
        raise store.RuleViolation(f"{area_code} has no agreement")
    negotiation = store.load_negotiation(engine, actor, int(agreement["agreement_id"]))
    indicators = store.load_indicators(engine, actor)
    mandatory = indicators.filter(pl.col("outcome_type") == "mandatory")["indicator_code"]
    state = readiness(negotiation, mandatory_codes=mandatory.to_list())
    regions = store.list_regions(engine)
    region = regions.filter(pl.col("region_code") == agreement["region_code"])["region_name"]
    assessments, _ = store.capacity_assessments(engine, actor, area_code)
    document, fingerprint = build_document(
        negotiation, state, indicators, store.reporting_lines(engine),
        region_name=str(region[0]) if region.len() else str(agreement["region_code"]),
        capacity=judgement_at(assessments, built_on), built_on=built_on,
    )  # fmt: skip
    return AreaDocument(document, fingerprint, negotiation, state)
