"""The LSP overview's parts: the status cards with their change since last quarter, the
reward figures, the cliff edge and the reporting table. The page (`pages/overview.py`) reads
the selections and calls these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import pyarrow as pa
import streamlit as st

from dashboard.analysis import Assessment
from dashboard.formatting import money, percent, with_value_texts
from dashboard.metrics.due import only_due, overdue_by_partnership
from dashboard.reports import board
from dashboard.ui import components, nav
from dashboard.ui.plain import indicator_label

CAPTIONS = {
    "green": "at or ahead of trajectory",
    "amber": "slightly behind, or forecast to hit",
    "red": "behind trajectory",
    None: "no actual yet",
}


# The all-targets download's columns besides the reward (plain values, not display texts).
DOWNLOAD_COLUMNS = (
    "area_code", "block_code", "partnership", "indicator_code", "indicator_name", "is_reward",
    "latest_period", "latest_value", "expected_value", "rag", "direction", "forecast_value",
)  # fmt: skip


@dataclass(frozen=True)
class Figures:
    """What the overview works out from an assessment before drawing it: built once per data
    version (`loaders.derived`), as 25 board members opening it at once each worked it out."""

    counts: dict[str | None, int]  # targets per status
    change: dict[str | None, int]  # and the change since the last quarter's end
    blocks: pl.DataFrame  # board.block_summary
    exceptions: pl.DataFrame  # board.exceptions of the listed targets
    cliff: pl.DataFrame  # board.cliff_edge of the listed targets, with value texts
    reporting: pa.Table  # overdue values per thematic partnership, as the table shows them
    table: pa.Table  # the listed targets' table (components.target_table_frame), as sent
    download: pl.DataFrame  # and their download's columns


def figures(
    result: Assessment, listed: pl.DataFrame, last_quarter: pl.DataFrame, as_at: date
) -> Figures:
    """The overview's figures: `listed` are the targets its lists show (a lead's own, with My
    targets on), `last_quarter` the targets as the board saw them at the last quarter's end."""
    targets = result.targets
    return Figures(
        counts=board.status_counts(targets),
        change=board.status_change(targets, last_quarter),
        blocks=board.block_summary(targets, result.blocks),
        exceptions=board.exceptions(listed, result.scope.commentary, as_at),
        cliff=with_value_texts(board.cliff_edge(listed), "forecast_value"),
        reporting=components.arrow_table(
            overdue_by_partnership(targets, only_due(result.missing)).select(
                pl.col("partnership").alias("Thematic partnership"),
                pl.col("overdue_targets").alias("Targets with an overdue value"),
                pl.col("due_values").alias("Values due or overdue"),
            )
        ),
        table=components.arrow_table(components.target_table_frame(listed)),
        download=listed.select(*DOWNLOAD_COLUMNS, pl.col("forecast_reward_gbp").cast(pl.Float64)),
    )


def status_cards(counts: dict, change: dict, previous: date) -> None:
    """One card per status: how many targets, and the change since the last quarter's end."""
    for column, rag in zip(st.columns(4), ["green", "amber", "red", None], strict=True):
        delta = change[rag]
        since = (
            f"{delta:+d} since {previous:%d %b %Y}"
            if delta
            else f"unchanged since {previous:%d %b %Y}"
        )
        with column:
            components.status_card(rag, counts[rag], f"{CAPTIONS[rag]} · {since}")


def reward_figures(
    summary: dict, targets: pl.DataFrame, department: str | None, ended: bool
) -> None:
    """The reward forecast (or outturn) against its maximum, the pump-priming grant and the
    cliff edge; a department's figures are for its own targets and their share only."""
    reward_col, ppg_col, stake_col = st.columns(3)
    maximum = summary["max_prg_gbp"] if department is None else board.reward_share_total(targets)
    share = float(summary["prg_gbp"]) / float(maximum) if maximum else None
    word = "outturn" if ended else "forecast"
    reward_col.metric(
        f"Performance Reward Grant {word}"
        if department is None
        else f"{department} targets: reward {word}",
        money(summary["prg_gbp"], short=True),
        help=(
            "The agreement has ended: the reward its target periods' actuals earn (a target "
            "whose figure is not in yet counts at its trend)."
            if ended
            else "Actual reward where the target period's figure is in, else the forecast. "
            "Range: the forecast's 80% interval."
        )
        + f" {nav.help_link('reward')}",
        border=True,
    )
    reward_col.caption(
        (
            f"of {money(maximum, short=True)} maximum"
            if department is None
            else f"{department} targets: {money(summary['prg_gbp'], short=True)} of "
            f"{money(maximum, short=True)}, their share of the maximum"
        )
        + (f" ({share:.0%})" if share is not None else "")
        + f" · range {money(summary['prg_low_gbp'], short=True)} – "
        f"{money(summary['prg_high_gbp'], short=True)} · {summary['reward_targets']} reward targets"
    )
    if department is None:
        ppg_col.metric(
            "Pump-priming grant",
            money(summary["ppg_gbp"], short=True),
            help="Paid up front on signing: £750,000 + £1 per head unless the agreement says "
            "otherwise.",
            border=True,
        )
    else:
        ppg_col.caption(
            f"These figures are for {department} targets only. The pump-priming grant and the "
            "area's risk rating belong to the whole area's agreement, so they are not shown here."
        )
    stake_col.metric(
        "Cliff edge",
        f"{summary['cliff_edge']} target{'' if summary['cliff_edge'] == 1 else 's'}",
        help="Reward targets forecast at 50–60% of their stretch: reaching 60% pays 60% of the "
        "share."
        + (" The agreement has ended: only a target whose final figure is not in yet can be "
           "on it." if ended else ""),
        border=True,
    )  # fmt: skip
    stake_col.caption(f"{money(summary['at_stake_gbp'], short=True)} at stake if they reach 60%")


def cliff_edge(cliff: pl.DataFrame, ended: bool) -> None:
    """Reward targets forecast just below 60% of their stretch (`Figures.cliff`), each with
    what is at stake."""
    st.subheader(f"Cliff edge ({cliff.height})")
    st.caption(
        "Reward targets forecast just below the 60% threshold: a small improvement releases 60% "
        "of the target's share of the grant."
    )
    if cliff.is_empty():
        st.info(
            "The agreement has ended: the reward is the outturn, with no target left to move."
            if ended
            else "No reward target is forecast at 50–60% of its stretch.",
            icon=":material/info:",
        )
        return
    for row in cliff.iter_rows(named=True):
        with st.container(border=True):
            left, mid, right = st.columns([5, 3, 2], vertical_alignment="center")
            with left:
                nav.link("indicator", indicator_label(row), indicator=row["indicator_code"])
            mid.markdown(
                f"Forecast {row['forecast_value_text']} · "
                f"**{percent(row['achieved_fraction'])}** of stretch"
            )
            right.markdown(f"**{money(row['at_stake_gbp'])}** at stake")


def reporting(table: pa.Table) -> None:
    """Per thematic partnership (`Figures.reporting`): targets with an overdue value, values
    due or overdue."""
    st.subheader("Reporting")
    st.caption(
        "Values are due when the period's end plus the indicator's lag has passed, and overdue "
        "30 days later."
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
    )
