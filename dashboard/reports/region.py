"""A Government Office's view across its areas, and the nation's across its regions.

Pure functions over one `dashboard.analysis.Assessment` of all the areas in view (one pass
through the store, never a load per area): the region grid (area × block status counts and
three-axis ratings, with each area's reward forecast, cliff edge, overdue values, review
sign-off and capacity judgement), the region's red flags, and the national grid (region ×
block). No Streamlit and no SQL: the pages, the loaders and the tests call the same
functions; the view builders at the end (`region_view`, `national_view`) read through the
store, which checks access first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import polars as pl
from sqlalchemy import Engine

from dashboard import access, metrics, store
from dashboard.access import Actor
from dashboard.analysis import Assessment, assess_areas
from dashboard.metrics.due import OVERDUE
from dashboard.reports.board import latest_commentary

COUNTS = ("green", "amber", "red", "no_data")
AXES = ("performance", "progress", "risk")
MONEY = pl.Decimal(38, 2)

# Why a red flag is raised, worst first (the phrases the table shows).
FLAG_REWARD_WORSENING = "Reward target off track and worsening"
FLAG_CLIFF_EDGE = "Cliff edge: forecast just below 60% of its stretch"
FLAG_OVERDUE = "Value overdue more than 30 days"
FLAG_NO_COMMENTARY = "Off track or worsening, with no commentary"
FLAGS = (FLAG_REWARD_WORSENING, FLAG_CLIFF_EDGE, FLAG_OVERDUE, FLAG_NO_COMMENTARY)


@dataclass(frozen=True)
class Filters:
    """What the region page narrows to: one block, one cohort (the year the agreement
    started), one authority type; None: all."""

    block: str | None = None
    cohort: int | None = None
    la_type: str | None = None


def block_codes(targets: pl.DataFrame) -> list[str]:
    """The blocks of these targets in the framework's order (CYP, SSC, HCOP, EDE)."""
    order = targets.select("block_code", "block_order").unique().sort("block_order", "block_code")
    return order["block_code"].to_list()


def area_facts(assessment: Assessment, areas: pl.DataFrame) -> pl.DataFrame:
    """Per area in the assessment: name, region, authority type and cohort (the year its
    current agreement started)."""
    agreements = assessment.scope.agreements.select(
        "area_code", cohort=pl.col("agreement_start").dt.year().cast(pl.Int64)
    )
    known = areas.select("area_code", "area_name", "region_code", "la_type")
    return agreements.join(known, on="area_code", how="left").select(
        "area_code", "area_name", "region_code", "la_type", "cohort"
    )


def apply_filters(assessment: Assessment, areas: pl.DataFrame, filters: Filters) -> Assessment:
    """The assessment narrowed to the chosen cohort and authority type (whole areas) and
    block (that block's targets only; each area's reward figures are then the block's)."""
    facts = area_facts(assessment, areas)
    if filters.cohort is not None:
        facts = facts.filter(pl.col("cohort") == filters.cohort)
    if filters.la_type is not None:
        facts = facts.filter(pl.col("la_type") == filters.la_type)
    kept = facts["area_code"].implode()
    targets = assessment.targets.filter(pl.col("area_code").is_in(kept))
    blocks = assessment.blocks.filter(pl.col("area_code").is_in(kept))
    if filters.block is not None:
        targets = targets.filter(pl.col("block_code") == filters.block)
        blocks = blocks.filter(pl.col("block_code") == filters.block)
    agreements = assessment.scope.agreements.filter(pl.col("area_code").is_in(kept))
    ids = targets["target_id"].implode()
    scope = replace(
        assessment.scope,
        targets=assessment.scope.targets.filter(pl.col("target_id").is_in(ids)),
        agreements=agreements,
    )
    return replace(
        assessment,
        scope=scope,
        targets=targets,
        blocks=blocks,
        areas=(
            metrics.area_summary(targets, agreements)
            if filters.block is not None
            else assessment.areas.filter(pl.col("area_code").is_in(kept))
        ),
        missing=assessment.missing.filter(pl.col("target_id").is_in(ids)),
    )


def _own_maximum(targets: pl.DataFrame) -> pl.DataFrame:
    """Per area: the shares of the maximum grant its reward targets in view carry (what a
    department's targets, or one block's, could earn)."""
    return targets.group_by("area_code").agg(
        max_prg_gbp=pl.col("reward_share_gbp")
        .filter(pl.col("is_reward").fill_null(False))
        .sum()
        .cast(MONEY)
    )


def _wide_blocks(long: pl.DataFrame, index: str, blocks: Sequence[str]) -> pl.DataFrame:
    """One row per `index`, and per block its counts (and ratings, when `long` has them) as
    `<block>_<column>` columns."""
    values = [c for c in ("targets", *COUNTS, *AXES) if c in long.columns]
    wide = long.select(index).unique()
    for code in blocks:  # four blocks: a column group each
        part = long.filter(pl.col("block_code") == code).select(
            index, *(pl.col(c).alias(f"{code}_{c}") for c in values)
        )
        wide = wide.join(part, on=index, how="left")
    return wide


def overdue_values(assessment: Assessment) -> pl.DataFrame:
    """Per area: how many values are overdue (due for more than 30 days, DOMAIN §8)."""
    overdue = assessment.missing.filter(pl.col("state") == OVERDUE)
    return (
        overdue.join(assessment.targets.select("target_id", "area_code"), on="target_id")
        .group_by("area_code")
        .agg(overdue_values=pl.len().cast(pl.Int64))
    )


def region_grid(
    assessment: Assessment,
    areas: pl.DataFrame,
    *,
    signoffs: pl.DataFrame | None = None,
    capacity: pl.DataFrame | None = None,
    whole_agreement: bool = True,
    blocks: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per area: per block `<block>_green/_amber/_red/_no_data/_targets` and the
    block's `<block>_performance/_progress/_risk`; per area its totals, reward forecast
    (`prg_gbp`) against its maximum with the 80% range, the cliff edge and its £ at stake,
    the values overdue, the six-monthly review sign-off (`signoffs`:
    `reports.returns.review_signoff_state`), the latest GO capacity judgement (`capacity`:
    `store.latest_capacity`), the cohort and the authority type.

    `whole_agreement` False (a department's indicators, or one block): the maximum is the
    shares the targets in view carry, not the agreement's whole grant.
    """
    codes = list(blocks) if blocks is not None else block_codes(assessment.targets)
    summary = assessment.areas.select(
        "area_code", "targets", *COUNTS, "reward_targets", "max_prg_gbp", "prg_gbp",
        "prg_low_gbp", "prg_high_gbp", "cliff_edge", "at_stake_gbp",
    )  # fmt: skip
    if not whole_agreement:
        summary = (
            summary.drop("max_prg_gbp")
            .join(_own_maximum(assessment.targets), on="area_code", how="left")
            .with_columns(pl.col("max_prg_gbp").fill_null(0).cast(MONEY))
        )
    grid = (
        area_facts(assessment, areas)
        .join(summary, on="area_code", how="left")
        .join(_wide_blocks(assessment.blocks, "area_code", codes), on="area_code", how="left")
        .join(overdue_values(assessment), on="area_code", how="left")
        .with_columns(
            pl.col("overdue_values").fill_null(0),
            reward_fraction=pl.when(pl.col("max_prg_gbp") > 0).then(
                pl.col("prg_gbp").cast(pl.Float64) / pl.col("max_prg_gbp").cast(pl.Float64)
            ),
        )
    )
    if signoffs is not None:
        grid = grid.join(
            signoffs.select("area_code", "review_period", "go_signoff"), on="area_code", how="left"
        )
    if capacity is not None:
        grid = grid.join(
            capacity.select(
                "area_code",
                pl.col("assessed_on").alias("capacity_assessed_on"),
                pl.col("overall").alias("capacity_overall"),
                pl.col("recommendation").alias("capacity_recommendation"),
            ),
            on="area_code",
            how="left",
        )
    return grid.sort("area_name", "area_code")


def red_flags(
    assessment: Assessment, commentary: pl.DataFrame | None = None, as_at: date | None = None
) -> pl.DataFrame:
    """The region's targets that need the GO's challenge, worst first: reward targets off
    track and worsening; cliff-edge targets (with the £ at stake); values overdue more than
    30 days; exceptions (off track or worsening) without commentary. One row per target,
    with every reason it is flagged (`why`), its area, owner, lead officer and latest
    commentary."""
    as_at = assessment.as_at if as_at is None else as_at
    said = latest_commentary(
        assessment.scope.commentary if commentary is None else commentary, as_at
    )
    overdue = (
        assessment.missing.filter(pl.col("state") == OVERDUE)
        .group_by("target_id")
        .agg(overdue_values=pl.len().cast(pl.Int64), days_late=pl.col("days_late").max())
    )
    names = assessment.scope.agreements.select("area_code", "area_name").unique("area_code")
    flagged = (
        assessment.targets.join(overdue, on="target_id", how="left")
        .join(said, on=["area_code", "indicator_code"], how="left")
        .join(names, on="area_code", how="left")
    )
    red = (pl.col("rag") == "red").fill_null(False)
    worsening = (pl.col("direction") == "worsening").fill_null(False)
    rules = [
        pl.col("is_reward").fill_null(False) & red & worsening,
        pl.col("cliff_edge").fill_null(False),
        pl.col("overdue_values").fill_null(0) > 0,
        (red | worsening) & pl.col("commentary").is_null(),
    ]
    reasons = [
        pl.when(rule).then(pl.lit(phrase)) for rule, phrase in zip(rules, FLAGS, strict=True)
    ]
    severity = pl.lit(None, pl.Int64)
    for rank in reversed(range(len(rules))):  # the first rule that holds: the worst
        severity = pl.when(rules[rank]).then(pl.lit(rank, pl.Int64)).otherwise(severity)
    return (
        flagged.with_columns(
            severity=severity,
            why=pl.concat_list(reasons).list.drop_nulls().list.join("; "),
            overdue_values=pl.col("overdue_values").fill_null(0),
            at_stake_gbp=pl.when(pl.col("cliff_edge").fill_null(False)).then(
                pl.col("at_stake_gbp")
            ),
        )
        .filter(pl.col("severity").is_not_null())
        .sort(
            ["severity", "at_stake_gbp", "days_late", "gap", "area_name", "indicator_code"],
            descending=[False, True, True, True, False, False],
            nulls_last=True,
        )
        .select(
            "area_code",
            "area_name",
            "block_code",
            "indicator_code",
            "indicator_name",
            "partnership",
            "lead_officer",
            "why",
            "severity",
            "rag",
            "direction",
            "is_reward",
            "at_stake_gbp",
            "overdue_values",
            "days_late",
            "commentary",
            "commentary_author",
            "commentary_at",
            "target_id",
        )
    )


def areas_to_challenge(grid: pl.DataFrame, flags: pl.DataFrame, n: int = 3) -> pl.DataFrame:
    """The areas to challenge first: the most red flags of the worst kind (reward targets off
    track and worsening), then the most red flags, then the most targets off track; ties by
    name. area_code, area_name, flags, worst (how many of the worst kind), red, at_stake_gbp."""
    counted = flags.group_by("area_code").agg(
        flags=pl.len().cast(pl.Int64), worst=(pl.col("severity") == 0).sum().cast(pl.Int64)
    )
    return (
        grid.select("area_code", "area_name", "red", "at_stake_gbp")
        .join(counted, on="area_code", how="left")
        .with_columns(pl.col("flags", "worst").fill_null(0), pl.col("red").fill_null(0))
        .filter((pl.col("flags") > 0) | (pl.col("red") > 0))
        .sort(["worst", "flags", "red", "area_name"], descending=[True, True, True, False])
        .head(n)
        .select("area_code", "area_name", "flags", "worst", "red", "at_stake_gbp")
    )


def national_grid(
    assessment: Assessment,
    areas: pl.DataFrame,
    regions: pl.DataFrame,
    *,
    whole_agreement: bool = True,
    blocks: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per region (every row of `regions`, with zeros where it has no area in view):
    per block `<block>_green/_amber/_red/_no_data/_targets` summed over its areas; per region
    the areas, their totals, and the reward forecast against the maximum (summed)."""
    codes = list(blocks) if blocks is not None else block_codes(assessment.targets)
    per_area = region_grid(assessment, areas, whole_agreement=whole_agreement, blocks=codes)
    count_columns = [
        f"{code}_{c}" for code in codes for c in ("targets", *COUNTS) if f"{code}_{c}" in per_area
    ]
    summed = per_area.group_by("region_code").agg(
        areas=pl.len().cast(pl.Int64),
        **{c: pl.col(c).sum().cast(pl.Int64) for c in ("targets", *COUNTS, "overdue_values")},
        **{c: pl.col(c).fill_null(0).sum().cast(pl.Int64) for c in count_columns},
        **{
            c: pl.col(c).sum().cast(MONEY)
            for c in ("max_prg_gbp", "prg_gbp", "prg_low_gbp", "prg_high_gbp", "at_stake_gbp")
        },
        cliff_edge=pl.col("cliff_edge").sum().cast(pl.Int64),
    )
    grid = regions.select("region_code", "region_name").join(summed, on="region_code", how="left")
    zeros = ["areas", "targets", *COUNTS, "overdue_values", "cliff_edge", *count_columns]
    money_columns = ["max_prg_gbp", "prg_gbp", "prg_low_gbp", "prg_high_gbp", "at_stake_gbp"]
    return grid.with_columns(
        pl.col(zeros).fill_null(0),
        pl.col(money_columns).fill_null(0),
    ).with_columns(
        reward_fraction=pl.when(pl.col("max_prg_gbp") > 0).then(
            pl.col("prg_gbp").cast(pl.Float64) / pl.col("max_prg_gbp").cast(pl.Float64)
        )
    )


# ---- the views the pages draw: one pass through the store each ------------------------------
@dataclass(frozen=True)
class RegionView:
    """One region at a business date: its areas, their one assessment, the six-monthly
    review sign-offs and the latest GO capacity judgements."""

    region_code: str
    region_name: str
    areas: pl.DataFrame  # store.list_areas rows of the region
    assessment: Assessment
    signoffs: pl.DataFrame  # reports.returns.review_signoff_state
    capacity: pl.DataFrame  # store.latest_capacity
    whole_agreement: bool  # False for a department: its indicators' share of each maximum


def region_view(
    engine: Engine,
    actor: Actor,
    region_code: str,
    as_at: date,
    *,
    assessed: Callable[[list[str]], Assessment] | None = None,
) -> RegionView:
    """Read and assess every area of a region in one pass (the store refuses a region the
    actor's grants do not cover: AccessDenied). `assessed` gives the assessment of the
    areas' codes (the app passes the one it keeps area by area); by default they are
    assessed here, once the region is allowed."""
    from dashboard.reports.returns import review_period, review_signoff_state

    areas = store.region_areas(engine, actor, region_code)
    codes = areas["area_code"].to_list()
    names = store.list_regions(engine).filter(pl.col("region_code") == region_code)
    return RegionView(
        region_code=region_code,
        region_name=str(names["region_name"][0]),
        areas=areas,
        assessment=assess_areas(engine, actor, codes, as_at)
        if assessed is None
        else assessed(codes),
        signoffs=review_signoff_state(engine, actor, codes, review_period(as_at)),
        capacity=store.latest_capacity(engine, actor, codes, as_at),
        whole_agreement=not access.read_scope(actor).indicator_limited,
    )


def region_tables(view: RegionView, filters: Filters) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The region's grid and red flags with the page's filters applied."""
    narrowed = apply_filters(view.assessment, view.areas, filters)
    grid = region_grid(
        narrowed,
        view.areas,
        signoffs=view.signoffs,
        capacity=view.capacity,
        whole_agreement=view.whole_agreement and filters.block is None,
        blocks=block_codes(view.assessment.targets),
    )
    return grid, red_flags(narrowed)


@dataclass(frozen=True)
class NationalView:
    """The nine regions × four blocks, and the blocks' names."""

    grid: pl.DataFrame  # national_grid
    blocks: dict[str, str]  # block code -> name, in the framework's order


def national_view(
    engine: Engine,
    actor: Actor,
    as_at: date,
    *,
    assessed: Callable[[list[str]], Assessment] | None = None,
) -> NationalView:
    """The nine regions × four blocks of every area the actor reads, from one assessment:
    for administrators and departments (a Government Office reads its own region).
    `assessed` gives that assessment of the areas' codes (the app passes the one it keeps for
    every page across areas); by default they are assessed here, once the view is allowed."""
    scope = access.read_scope(actor)
    if not (scope.all_areas or scope.departments):
        store.deny(actor, "read the national view")
    areas = store.list_areas(engine, actor)
    codes = areas["area_code"].to_list()
    assessment = assess_areas(engine, actor, codes, as_at) if assessed is None else assessed(codes)
    blocks = block_codes(assessment.targets)
    names = dict(assessment.targets.select("block_code", "block_name").unique().iter_rows())
    grid = national_grid(
        assessment,
        areas,
        store.list_regions(engine),
        whole_agreement=not scope.indicator_limited,
        blocks=blocks,
    )
    return NationalView(grid=grid, blocks={code: names[code] for code in blocks})
