"""The board pack for a meeting: cover with the as-at date and the known-at moment; headline
figures; each block's status and three-axis rating; the exceptions with their commentary; the
cliff edge; a page per off-track target with its trajectory chart (the pages' own Altair
chart, as vector); and the action log. A thematic partnership's pack holds its own targets.

Pure: an assessment in (made with `known_at`, so only what was recorded by then counts), a
`documents.Document` out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import Engine

from dashboard import charts
from dashboard.access import Actor
from dashboard.analysis import Assessment
from dashboard.documents import Chart, Document, Heading, KeyValues, PageBreak, Paragraph, Table
from dashboard.formatting import STATUS, format_value, money
from dashboard.metrics.due import OVERDUE
from dashboard.reports import board

AXIS_WORDS = {"green": "Good", "amber": "Mixed", "red": "Poor", None: "Not known"}
DIRECTION_WORDS = {"improving": "↗ improving", "steady": "→ steady", "worsening": "↘ worsening"}


def _status(rag: str | None) -> str:
    icon, word, _ = STATUS.get(rag, STATUS[None])
    return f"{icon} {word}"


def _value(row: dict, column: str) -> str:
    value = row.get(column)
    return (
        "–" if value is None else format_value(value, int(row["decimals"] or 0), row["unit"] or "")
    )


def build_pack(
    result: Assessment,
    *,
    area_name: str,
    meeting_title: str,
    meets_on: date,
    known_at: datetime,
    partnership: str | None = None,
    actions: pl.DataFrame | None = None,
) -> tuple[Document, str]:
    """The pack and its fingerprint (the content hash without the footer). `actions`:
    `store.actions` as known at the same moment (a partnership's pack: its targets' only)."""
    targets = board.reported_targets(result.targets, None if partnership is None else {partnership})
    for_whom = partnership or f"{area_name} LSP executive board"
    counts = board.status_counts(targets)
    reward = targets.filter(pl.col("is_reward").fill_null(False))
    forecast = sum(
        (Decimal(str(v)) for v in reward["forecast_reward_gbp"].drop_nulls()), Decimal(0)
    )
    maximum = board.reward_share_total(targets)
    cliff = board.cliff_edge(targets)
    exceptions = board.exceptions(targets, result.scope.commentary, result.as_at)
    # values overdue: due for more than 30 days (DOMAIN §8), of the pack's own targets
    overdue = result.missing.filter(
        (pl.col("state") == OVERDUE) & pl.col("target_id").is_in(targets["target_id"].implode())
    )
    blocks: list = [
        KeyValues((
            ("Meeting", f"{meeting_title}, {meets_on:%d %B %Y}"),
            ("For", for_whom),
            ("Figures as at", f"{result.as_at:%d %B %Y}"),
            ("As known at", f"{known_at:%H:%M on %d %B %Y} (values recorded after it are not in this pack)"),
            ("Targets", str(targets.height)),
        )),
        Heading("Headline figures", 1),
        KeyValues((
            ("On track", str(counts["green"])),
            ("Behind", str(counts["amber"])),
            ("Off track", str(counts["red"])),
            ("No data yet", str(counts[None])),
            ("Reward forecast", f"{money(forecast)} of {money(maximum)}" if maximum else "no reward targets"),
            ("Cliff edge", f"{cliff.height} reward target{'s' if cliff.height != 1 else ''} forecast at 50–60% of their stretch"),
            ("Values overdue", str(overdue.height)),
        )),
    ]  # fmt: skip
    summary = board.block_summary(targets, result.blocks)
    if summary.height:
        blocks += [
            Heading("The blocks", 1),
            Table(
                columns=("Block", "On track", "Behind", "Off track", "No data", "Performance",
                         "Progress", "Risk"),
                rows=tuple(
                    (r["block_name"], str(r["green"]), str(r["amber"]), str(r["red"]),
                     str(r["no_data"]), AXIS_WORDS.get(r["performance"], "–"),
                     AXIS_WORDS.get(r["progress"], "–"), AXIS_WORDS.get(r["risk"], "–"))
                    for r in summary.iter_rows(named=True)
                ),
                widths=(3, 1, 1, 1, 1, 1.3, 1.3, 1.3),
            ),
        ]  # fmt: skip
    blocks.append(Heading("Exceptions", 1))
    if exceptions.is_empty():
        blocks.append(Paragraph("No target is off track or worsening."))
    else:
        blocks.append(Table(
            columns=("Indicator", "Status", "Direction", "Latest", "Expected", "Commentary"),
            rows=tuple(
                (f"{r['indicator_code']} {r['indicator_name']}", _status(r["rag"]),
                 DIRECTION_WORDS.get(r["direction"], "–"), _value(r, "latest_value"),
                 _value(r, "expected_value"), r.get("commentary") or "No commentary yet")
                for r in exceptions.iter_rows(named=True)
            ),
            widths=(3, 1.3, 1.3, 1.2, 1.2, 4),
        ))  # fmt: skip
    blocks.append(Heading("The cliff edge", 1))
    if cliff.is_empty():
        blocks.append(Paragraph("No reward target is forecast just below 60% of its stretch."))
    else:
        blocks.append(Table(
            columns=("Indicator", "Forecast share of the stretch", "£ at stake"),
            rows=tuple(
                (f"{r['indicator_code']} {r['indicator_name']}",
                 f"{float(r['achieved_fraction']):.0%}" if r["achieved_fraction"] is not None else "–",
                 money(r["at_stake_gbp"]))
                for r in cliff.iter_rows(named=True)
            ),
        ))  # fmt: skip
    off_track = targets.filter(pl.col("rag") == "red").sort("block_order", "indicator_code")
    if off_track.height:
        data = charts.trajectory_data(
            off_track, result.scope.milestones, result.scope.actuals, result.as_at,
            agreements=result.scope.agreements,
        )  # fmt: skip
        for r in off_track.iter_rows(named=True):
            chart = charts.trajectory_chart(
                data.filter(pl.col("target_id") == r["target_id"]),
                title=f"{r['indicator_code']} trajectory",
                subtitle=f"{r['block_name']} · {_status(r['rag'])}",
                unit=r["unit"], polarity=r["polarity"], decimals=int(r["decimals"] or 0),
                height=220, width=600,  # a page of print, not a stretched screen
            )  # fmt: skip
            blocks += [
                PageBreak(),
                Heading(f"{r['indicator_code']} {r['indicator_name']}", 2),
                KeyValues((
                    ("Owner", f"{r['partnership']}" + (f" ({r['lead_officer']})" if r["lead_officer"] else "")),
                    ("Latest", _value(r, "latest_value")),
                    ("Expected by now", _value(r, "expected_value")),
                    ("Target", f"{_value(r, 'target_value')} by {r['target_period']:%B %Y}"),
                )),
                Chart(chart.to_dict(), caption=f"{r['indicator_code']}: actuals against the trajectory",
                      description=f"{r['indicator_code']} {r['indicator_name']}, off track"),
            ]  # fmt: skip
            found = exceptions.filter(pl.col("target_id") == r["target_id"])
            text = (
                found["commentary"][0] if found.height and "commentary" in found.columns else None
            )
            blocks.append(
                Paragraph(
                    text
                    or "No commentary yet: the lead officer should say why and what will be done."
                )
            )
    if actions is not None:
        shown = actions
        if partnership is not None:
            own = targets["indicator_code"].implode()
            shown = actions.filter(pl.col("indicator_code").is_in(own))
        # the open ones, and those closed since the previous quarter's meetings
        since = board.previous_quarter_end(result.as_at)
        recent = shown.filter(
            (pl.col("status") == "open") | (pl.col("status_at").dt.date() > since)
        )
        blocks += [PageBreak(), Heading("Action log", 1)]
        if recent.is_empty():
            blocks.append(Paragraph("No action is open, and none was closed this quarter."))
        else:
            blocks.append(Table(
                columns=("Action", "Owner", "By", "Target", "Status"),
                rows=tuple(
                    (r["text"], r["owner"], f"{r['due_on']:%d %b %Y}", r["indicator_code"] or "–",
                     ("Overdue" if r["overdue"] else r["status"].capitalize())
                     + (f": {r['status_note']}" if r["status_note"] else ""))
                    for r in recent.iter_rows(named=True)
                ),
                widths=(4, 1.6, 1.2, 1, 2),
            ))  # fmt: skip
    document = Document(
        title=f"{for_whom}: board pack",
        subtitle=f"{meeting_title}, {meets_on:%d %B %Y}",
        meta=(("Area", area_name),),
        blocks=tuple(blocks),
        footer="",
    )
    fingerprint = document.content_hash()
    footer = f"{area_name} · {meeting_title} · as known at {known_at:%d %b %Y %H:%M} · fingerprint {fingerprint[:16]}"
    return replace(document, footer=footer), fingerprint


def meeting_pack(
    engine: Engine, actor: Actor, meeting_id: int, known_at: datetime, as_at: date | None = None
) -> tuple[Document, str, dict]:
    """Build the pack of one meeting as known at `known_at` (figures as at `as_at`, by default
    the meeting's day or the business date if that is earlier): the page and
    `laa export pack` build it the same way. Returns (document, fingerprint, meeting)."""
    from dashboard import store
    from dashboard.analysis import assess_areas

    meeting = store.meeting(engine, actor, meeting_id)
    day = as_at or min(meeting["meets_on"], store.business_today(engine))
    result = assess_areas(engine, actor, [meeting["area_code"]], day, known_at=known_at)
    actions = store.actions(engine, actor, meeting["area_code"], day, known_at=known_at)
    areas = store.list_areas(engine, actor).filter(pl.col("area_code") == meeting["area_code"])
    document, fingerprint = build_pack(
        result, area_name=str(areas["area_name"][0]), meeting_title=meeting["title"],
        meets_on=meeting["meets_on"], known_at=known_at, partnership=meeting["partnership"],
        actions=actions,
    )  # fmt: skip
    return document, fingerprint, meeting
