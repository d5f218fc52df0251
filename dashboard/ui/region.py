"""Drawing the region and national views: the grids' display tables with their column
configuration, and the filters. The numbers come from `dashboard.reports.region`; this
module only turns them into symbols, words and links (never colour alone)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from dashboard.formatting import STATUS, direction_expr, status_expr
from dashboard.reports.capacity import LEVEL_LABELS, RECOMMENDATION_LABELS
from dashboard.ui import components, nav, state

ALL = "all"
COUNT_KEYS = (("green", "green"), ("amber", "amber"), ("red", "red"), ("no_data", None))
AXIS_NAMES = {"performance": "performance", "progress": "progress", "risk": "risk"}
LA_TYPES = {
    "county": "County",
    "unitary": "Unitary",
    "metropolitan": "Metropolitan",
    "london_borough": "London borough",
}
COUNTS_HELP = "● on track · ▲ behind · ✖ off track · ○ no data (targets of the block)"


def counts_text(block: str) -> pl.Expr:
    """`● 5 · ▲ 3 · ✖ 2 · ○ 1` for a block's counts; `–` where the area has no such block."""
    parts = [
        pl.format(f"{STATUS[rag][0]} {{}}", pl.col(f"{block}_{column}").cast(pl.Utf8))
        for column, rag in COUNT_KEYS
    ]
    return (
        pl.when(pl.col(f"{block}_targets").is_null())
        .then(pl.lit("–"))
        .otherwise(pl.concat_str(parts, separator=" · "))
    )


def rating_text(block: str, axes: Sequence[str]) -> pl.Expr:
    """`● Good · ▲ Mixed · ✖ Poor` for a block's performance, progress (and risk)."""
    parts = []
    for axis in axes:
        mapping = {
            k: f"{STATUS[k][0]} {components.AXIS_WORDS[k]}" for k in ("green", "amber", "red")
        }
        none = f"{STATUS[None][0]} {components.AXIS_WORDS[None]}"
        parts.append(
            pl.col(f"{block}_{axis}").replace_strict(mapping, default=none, return_dtype=pl.Utf8)
        )
    return (
        pl.when(pl.col(f"{block}_targets").is_null())
        .then(pl.lit("–"))
        .otherwise(pl.concat_str(parts, separator=" · "))
    )


def link_expr(page: str, **columns: str) -> pl.Expr:
    """A relative link to `page` carrying the view's selections (area, as-at) and, per row,
    the given query parameters from columns (e.g. area=area_code)."""
    fixed = {k: v for k, v in nav.selection_params().items() if k not in columns}
    prefix = f"{page}?{urlencode(fixed)}&" if fixed else f"{page}?"
    pieces: list[pl.Expr | str] = []
    for i, (name, column) in enumerate(columns.items()):
        pieces += [("&" if i else "") + f"{name}=", pl.col(column)]
    return pl.concat_str(
        [pl.lit(prefix), *(pl.lit(p) if isinstance(p, str) else p for p in pieces)]
    )


def money_columns(frame: pl.DataFrame, *, pounds: bool = False) -> pl.DataFrame:
    """Money as floats (tables and downloads); whole pounds on screen (`pounds`)."""
    money = pl.col(pl.Decimal).cast(pl.Float64)
    return frame.with_columns(money.round(0) if pounds else money)


def region_table(grid: pl.DataFrame, blocks: Sequence[str], *, risk: bool) -> pl.DataFrame:
    """The region grid as the page shows it: symbols and numbers, a link per area."""
    axes = ("performance", "progress", "risk") if risk else ("performance", "progress")
    capacity = (
        pl.when(pl.col("capacity_overall").is_null())
        .then(pl.lit("Not assessed yet"))
        .otherwise(
            pl.format(
                "{} · {} ({})",
                pl.col("capacity_overall").replace_strict(
                    LEVEL_LABELS, default=pl.col("capacity_overall")
                ),
                pl.col("capacity_recommendation").replace_strict(
                    RECOMMENDATION_LABELS, default=pl.col("capacity_recommendation")
                ),
                pl.col("capacity_assessed_on").dt.strftime("%d %b %Y"),
            )
        )
        if "capacity_overall" in grid.columns
        else pl.lit("Not assessed yet")
    )
    signoff = (
        pl.when(pl.col("go_signoff").str.starts_with("reviewed"))
        .then(pl.format("{} {}", pl.lit(STATUS["green"][0]), pl.col("go_signoff")))
        .otherwise(pl.format("{} {}", pl.lit(STATUS[None][0]), pl.col("go_signoff")))
        if "go_signoff" in grid.columns
        else pl.lit("–")
    )
    shown = money_columns(grid, pounds=True).select(
        pl.col("area_name").alias("Area"),
        link_expr("overview", area="area_code").alias("Overview"),
        pl.col("la_type").replace_strict(LA_TYPES, default=pl.col("la_type")).alias("Type"),
        pl.col("cohort").alias("Cohort"),
        pl.col("red").alias("Off track"),
        *(
            expr
            for b in blocks
            for expr in (counts_text(b).alias(b), rating_text(b, axes).alias(f"{b} rating"))
        ),
        pl.col("prg_gbp").alias("Reward forecast £"),
        pl.col("max_prg_gbp").alias("Maximum £"),
        (pl.col("reward_fraction") * 100).alias("Share of maximum"),
        pl.format("£{} – £{}", *(_thousands(c) for c in ("prg_low_gbp", "prg_high_gbp"))).alias(
            "80% range"
        ),
        pl.col("at_stake_gbp").alias("Cliff edge £ at stake"),
        pl.col("overdue_values").alias("Values overdue"),
        signoff.alias("Six-monthly review"),
        capacity.alias("GO capacity judgement"),
    )
    return shown


def _thousands(column: str) -> pl.Expr:
    """Whole pounds with thousands separators (vectorised: digits grouped by a regex)."""
    digits = pl.col(column).round(0).cast(pl.Int64).cast(pl.Utf8)
    grouped = digits.str.reverse().str.replace_all(r"(\d{3})", "$1,").str.strip_chars_end(",")
    return grouped.str.replace(r",-$", "-").str.reverse()


def region_column_config(blocks: Sequence[str], names: dict[str, str], *, risk: bool) -> dict:
    """Column configuration of `region_table`: links, money, help texts."""
    axes = "performance · progress · risk" if risk else "performance · progress"
    config: dict = {
        "Area": st.column_config.TextColumn(pinned=True),
        "Overview": st.column_config.LinkColumn(
            display_text="Open ›", help="The area's LSP overview at this as-at date", width=80
        ),
        "Cohort": st.column_config.NumberColumn(format="%d", help="The year its agreement started"),
        "Off track": st.column_config.NumberColumn(help="Targets off track, all blocks"),
        "Reward forecast £": st.column_config.NumberColumn(format="localized"),
        "Maximum £": st.column_config.NumberColumn(format="localized"),
        "Share of maximum": st.column_config.ProgressColumn(
            format="%.0f%%", min_value=0, max_value=100,
            help="Reward forecast as a share of the maximum grant",
        ),
        "80% range": st.column_config.TextColumn(help="The forecast's 80% range"),
        "Cliff edge £ at stake": st.column_config.NumberColumn(
            format="localized",
            help="What reaching 60% would pay on reward targets forecast at 50–60% of stretch",
        ),
        "Values overdue": st.column_config.NumberColumn(help="Due for more than 30 days"),
    }  # fmt: skip
    for b in blocks:
        config[b] = st.column_config.TextColumn(help=f"{names.get(b, b)}: {COUNTS_HELP}")
        config[f"{b} rating"] = st.column_config.TextColumn(
            help=f"{names.get(b, b)}, the block's three-axis rating: {axes}"
        )
    return config


def flags_table(flags: pl.DataFrame) -> pl.DataFrame:
    """The red flags as the page shows them, worst first."""
    return money_columns(flags, pounds=True).select(
        pl.col("why").alias("Why flagged"),
        pl.col("area_name").alias("Area"),
        pl.format("{} {}", "indicator_code", "indicator_name").alias("Indicator"),
        link_expr("indicator", area="area_code", indicator="indicator_code").alias("Open"),
        status_expr("rag").alias("Status"),
        direction_expr("direction").alias("Direction"),
        pl.col("at_stake_gbp").alias("£ at stake"),
        pl.col("overdue_values").alias("Values overdue"),
        pl.col("partnership").alias("Thematic partnership"),
        pl.col("lead_officer").alias("Lead officer"),
        pl.col("commentary").fill_null("No commentary yet").alias("Latest commentary"),
    )


FLAGS_CONFIG = {
    "Open": st.column_config.LinkColumn(display_text="Open ›", width=70),
    "£ at stake": st.column_config.NumberColumn(format="localized"),
    "Latest commentary": st.column_config.TextColumn(width="large"),
}


def filters(
    grid_facts: pl.DataFrame, block_names: dict[str, str]
) -> tuple[str | None, int | None, str | None]:
    """Block, cohort and authority type pickers in a row, kept in the URL."""
    cohorts = sorted({int(c) for c in grid_facts["cohort"].drop_nulls()})
    types = sorted(set(grid_facts["la_type"].drop_nulls()))
    row = st.columns(3)
    block = state.select(
        "region_block", "Block", [ALL, *block_names], container=row[0], publish_default=False,
        format_func=lambda c: "All blocks" if c == ALL else f"{block_names[c]} ({c})",
    )  # fmt: skip
    cohort = state.select(
        "cohort", "Cohort", [ALL, *(str(c) for c in cohorts)], container=row[1],
        publish_default=False,
        format_func=lambda c: "All cohorts" if c == ALL else f"Agreements from {c}",
    )  # fmt: skip
    la_type = state.select(
        "la_type", "Authority type", [ALL, *types], container=row[2], publish_default=False,
        format_func=lambda c: "All types" if c == ALL else LA_TYPES.get(c, c),
    )  # fmt: skip
    return (
        None if block == ALL else block,
        None if cohort == ALL else int(cohort),
        None if la_type == ALL else la_type,
    )


def national_table(grid: pl.DataFrame, blocks: Sequence[str]) -> pl.DataFrame:
    """The national grid as the page shows it: a row per region, a link to its page."""
    return money_columns(grid, pounds=True).select(
        pl.col("region_name").alias("Region"),
        link_expr("region", region="region_code").alias("Region page"),
        pl.col("areas").alias("Areas"),
        pl.col("red").alias("Off track"),
        *(counts_text(b).alias(b) for b in blocks),
        pl.col("prg_gbp").alias("Reward forecast £"),
        pl.col("max_prg_gbp").alias("Maximum £"),
        (pl.col("reward_fraction") * 100).alias("Share of maximum"),
        pl.col("cliff_edge").alias("Cliff edge targets"),
        pl.col("overdue_values").alias("Values overdue"),
    )


def national_column_config(blocks: Sequence[str], names: dict[str, str]) -> dict:
    config = {
        "Region": st.column_config.TextColumn(pinned=True),
        "Region page": st.column_config.LinkColumn(display_text="Open ›", width=80),
        "Reward forecast £": st.column_config.NumberColumn(format="localized"),
        "Maximum £": st.column_config.NumberColumn(format="localized"),
        "Share of maximum": st.column_config.ProgressColumn(
            format="%.0f%%", min_value=0, max_value=100
        ),
    }
    for b in blocks:
        config[b] = st.column_config.TextColumn(help=f"{names.get(b, b)}: {COUNTS_HELP}")
    return config
