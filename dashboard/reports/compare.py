"""Compare one indicator across areas (issue 13, item 3): comparison groups, the group's
median and quartiles beside all the areas the reader sees, and a ranking only on request.

Pure functions over frames: the assessed targets of every readable area (one
`dashboard.analysis.assess_areas` call) and the areas frame (`store.list_areas`). No league
table by default: rows are in area-name order; `ranked` sorts best first by polarity when the
user asks for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from dashboard.formatting import status_expr
from dashboard.metrics import period_label_expr

# Comparison groups, as carried in `?group=`, with the words the page shows.
GROUPS: dict[str, str] = {
    "region": "Same region",
    "type": "Same authority type",
    "neighbours": "Nearest neighbours",
    "all": "All areas",
}
NEIGHBOURS = 10
# Distance between two areas: Euclidean on deprivation rank over 150 (the number of areas)
# and log10(population) over 1.5 (about England's spread of upper-tier populations, 38,000
# to 1.4 million). Fixed scales, so an area's neighbours do not depend on who is looking.
RANK_SCALE = 150.0
LOG_POPULATION_SCALE = 1.5
# Indicators whose values are counts of people or events: compared per 1,000 population.
COUNT_UNITS = frozenset({"count"})
QUANTILE_METHOD = "linear"  # as Excel's QUARTILE.INC: the (n − 1)·q-th value, interpolated

LA_TYPE_WORDS = {
    "county": "county councils",
    "unitary": "unitary authorities",
    "metropolitan": "metropolitan districts",
    "london_borough": "London boroughs",
}
CONTEXT_LINE = (
    "Deprivation, population and starting points differ between areas: a low value is a "
    "question to ask, not a verdict."
)


def nearest_neighbours(areas: pl.DataFrame, area_code: str, n: int = NEIGHBOURS) -> pl.DataFrame:
    """The `n` areas nearest to `area_code` by deprivation rank and population (the area
    itself excluded), nearest first, ties broken by area code, with their `distance`.
    Areas without a rank or a population cannot be placed and are left out."""
    chosen = areas.filter(pl.col("area_code") == area_code)
    if chosen.is_empty():
        return areas.clear().with_columns(distance=pl.lit(None, pl.Float64))
    row = chosen.row(0, named=True)
    rank, population = row["deprivation_rank"], row["population"]
    if rank is None or not population:
        return areas.clear().with_columns(distance=pl.lit(None, pl.Float64))
    distance = (
        ((pl.col("deprivation_rank") - rank) / RANK_SCALE).pow(2)
        + (
            (pl.col("population").cast(pl.Float64).log10() - math.log10(population))
            / LOG_POPULATION_SCALE
        ).pow(2)
    ).sqrt()
    return (
        areas.filter(
            (pl.col("area_code") != area_code)
            & pl.col("deprivation_rank").is_not_null()
            & (pl.col("population") > 0)
        )
        .with_columns(distance=distance)
        .sort("distance", "area_code")
        .head(n)
    )


def group_areas(areas: pl.DataFrame, area_code: str, group: str) -> pl.DataFrame:
    """The areas of `group` for the chosen area (the chosen area included), with `distance`
    from it for nearest neighbours (0 for the area itself, null in the other groups)."""
    chosen = areas.filter(pl.col("area_code") == area_code)
    if chosen.is_empty():
        raise ValueError(f"area {area_code} is not among the areas read")
    row = chosen.row(0, named=True)
    if group == "neighbours":
        near = nearest_neighbours(areas, area_code)
        return pl.concat([chosen.with_columns(distance=pl.lit(0.0)), near], how="vertical")
    if group == "region":
        members = areas.filter(pl.col("region_code") == row["region_code"])
    elif group == "type":
        members = areas.filter(pl.col("la_type") == row["la_type"])
    elif group == "all":
        members = areas
    else:
        raise ValueError(f"unknown comparison group {group}")
    return members.with_columns(distance=pl.lit(None, pl.Float64))


def how_chosen(areas: pl.DataFrame, area_code: str, group: str, *, seen: bool = True) -> str:
    """One sentence saying how the group's areas are chosen, in the reader's words (`seen`:
    the group is of the areas the reader can see, else of every area)."""
    row = areas.filter(pl.col("area_code") == area_code).row(0, named=True)
    you = " you can see" if seen else ""
    if group == "region":
        return f"Every area{you} that the {row['region_name']} covers."
    if group == "type":
        kind = LA_TYPE_WORDS.get(row["la_type"], str(row["la_type"]).replace("_", " "))
        return f"Every area{you} of the same authority type ({kind})."
    if group == "neighbours":
        return (
            f"The {NEIGHBOURS} areas{you} closest to {row['area_name']} in deprivation "
            "rank and population: the distance adds the squares of the rank difference ÷ 150 "
            "and of the difference in log₁₀ population ÷ 1.5 (15 places of rank weigh as much "
            "as a population 1.4 times larger); equal distances go to the lower area code."
        )
    return f"Every area{you}."


def comparison(
    targets: pl.DataFrame, areas: pl.DataFrame, indicator_code: str, area_code: str, group: str
) -> pl.DataFrame:
    """Every area of the group with its latest value, period, status, target and target
    period for `indicator_code`; counts also per 1,000 population. `value` is what is
    compared (per 1,000 for counts, else the latest value). Rows by area name; areas whose
    agreement does not hold the indicator stay, with `in_agreement` false and no value."""
    members = group_areas(areas, area_code, group).select(
        "area_code", "area_name", "region_code", "la_type", "population",
        "deprivation_rank", "distance",
    )  # fmt: skip
    of_indicator = targets.filter(pl.col("indicator_code") == indicator_code).select(
        "area_code", "target_id", "indicator_code", "indicator_name", "unit", "polarity",
        "decimals", "frequency", "period_basis", "measure", "latest_period", "latest_value",
        "latest_status", "rag", "direction", "target_period", "target_value", "is_reward",
    )  # fmt: skip
    per_1000 = pl.col("unit").is_in(sorted(COUNT_UNITS))
    rate = 1000 / pl.col("population").cast(pl.Float64)
    return (
        members.join(of_indicator, on="area_code", how="left")
        .with_columns(
            chosen=pl.col("area_code") == area_code,
            in_agreement=pl.col("target_id").is_not_null(),
            per_1000=pl.when(per_1000).then(pl.col("latest_value") * rate),
            target_per_1000=pl.when(per_1000).then(pl.col("target_value") * rate),
            latest_label=period_label_expr("latest_period", "frequency", "period_basis"),
            target_label=period_label_expr("target_period", "frequency", "period_basis"),
            status=status_expr("rag"),
        )
        .with_columns(
            value=pl.when(per_1000).then(pl.col("per_1000")).otherwise(pl.col("latest_value")),
            status=pl.when(pl.col("in_agreement"))
            .then(pl.col("status"))
            .otherwise(pl.lit("– not in its agreement")),
        )
        .sort("area_name", "area_code")
    )


def is_count(frame: pl.DataFrame) -> bool:
    """Whether the compared indicator is a count (compared per 1,000 population)."""
    units = frame["unit"].drop_nulls()
    return bool(units.len()) and units[0] in COUNT_UNITS


def polarity(frame: pl.DataFrame) -> str:
    found = frame["polarity"].drop_nulls()
    return str(found[0]) if found.len() else "higher"


def ranked(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows best first by the indicator's polarity (areas without a value last, then by
    name): the ranking a user asks for, never the default order."""
    lower_better = polarity(frame) == "lower"
    return frame.sort(
        pl.col("value").is_null(), "value", "area_name",
        descending=[False, not lower_better, False],
    )  # fmt: skip


@dataclass(frozen=True)
class Statistics:
    """The median and quartiles of some areas' values (None when no area has a value)."""

    label: str
    n: int
    lower_quartile: float | None
    median: float | None
    upper_quartile: float | None


def statistics(values: pl.Series, label: str) -> Statistics:
    """Quartiles by polars' `quantile(q, "linear")`, the method of Excel's QUARTILE.INC."""
    clean = values.drop_nulls().drop_nans().cast(pl.Float64)
    if clean.is_empty():
        return Statistics(label, 0, None, None, None)
    return Statistics(
        label,
        clean.len(),
        clean.quantile(0.25, QUANTILE_METHOD),
        clean.quantile(0.5, QUANTILE_METHOD),
        clean.quantile(0.75, QUANTILE_METHOD),
    )


def group_statistics(
    group: pl.DataFrame, everyone: pl.DataFrame, *, group_label: str, everyone_label: str
) -> pl.DataFrame:
    """The group's n, lower quartile, median and upper quartile beside the same over every
    area the reader sees (`everyone`: a `comparison` with group "all"), one row each."""
    rows = [
        statistics(group["value"], group_label),
        statistics(everyone["value"], everyone_label),
    ]
    return pl.DataFrame(
        [vars(s) for s in rows],
        schema={
            "label": pl.Utf8,
            "n": pl.Int64,
            "lower_quartile": pl.Float64,
            "median": pl.Float64,
            "upper_quartile": pl.Float64,
        },
    )


def against_median(value: float | None, median: float | None, polarity_: str) -> str:
    """Whether a value is better or worse than a median, in the indicator's polarity."""
    if value is None or median is None:
        return "cannot be set against the median"
    if value == median:
        return "equals the median"
    better = value > median if polarity_ == "higher" else value < median
    return "better than the median" if better else "worse than the median"


def trajectories(actuals: pl.DataFrame, frame: pl.DataFrame, as_at_period: object) -> pl.DataFrame:
    """Each group area's actuals over time, as compared (counts per 1,000; cumulative
    targets as running totals): `area_code, area_name, chosen, period, value, period_label`."""
    ids = frame.filter(pl.col("in_agreement")).select(
        "target_id", "area_name", "chosen", "population", "unit", "measure", "frequency",
        "period_basis",
    )  # fmt: skip
    data = (
        actuals.filter(pl.col("period") <= as_at_period)
        .join(ids, on="target_id", how="inner")
        .sort("target_id", "period")
        .with_columns(
            value=pl.when(pl.col("measure") == "cumulative")
            .then(pl.col("value").cum_sum().over("target_id"))
            .otherwise(pl.col("value"))
        )
        .with_columns(
            value=pl.when(pl.col("unit").is_in(sorted(COUNT_UNITS)))
            .then(pl.col("value") * 1000 / pl.col("population").cast(pl.Float64))
            .otherwise(pl.col("value")),
            period_label=period_label_expr("period", "frequency", "period_basis"),
        )
    )
    return data.select(
        "area_code", "area_name", "chosen", "period", "value", "period_label", "status"
    ).sort("area_name", "period")
