"""The compare-areas page's builder: the comparison of one indicator, its statistics and the
tables as shown, from the cached loaders and `dashboard.reports.compare` (no drawing here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from dashboard.formatting import value_expr
from dashboard.reports import compare
from dashboard.ui import loaders

CHOSEN_MARK = "◆"


@dataclass(frozen=True)
class CompareView:
    """One indicator compared across a group of areas, as the page shows it."""

    frame: pl.DataFrame  # reports.compare.comparison: rows by area name
    statistics: pl.DataFrame  # the group's and everyone's n, quartiles, median
    trajectories: pl.DataFrame  # reports.compare.trajectories
    how_chosen: str
    per_1000: bool
    polarity: str
    unit: str
    decimals: int  # of the compared value (2 for a count per 1,000)
    everyone_label: str

    @property
    def chosen(self) -> dict:
        return self.frame.filter(pl.col("chosen")).row(0, named=True)

    @property
    def lonely(self) -> bool:
        """Whether the user reads no other area of the group (the statistics are then the
        store's spread of the whole group, without its rows)."""
        return "suppressed" in self.statistics.columns

    @property
    def suppressed(self) -> bool:
        """Whether some statistics are withheld: fewer than five areas have a value."""
        return "suppressed" in self.statistics.columns and bool(self.statistics["suppressed"].any())


def build(area_code: str, indicator_code: str, group: str, as_at: date) -> CompareView:
    targets, actuals, everyone = loaders.compare_inputs(indicator_code, as_at)
    areas = loaders.areas()
    frame = compare.comparison(targets, areas, indicator_code, area_code, group)
    every = compare.comparison(targets, areas, indicator_code, area_code, "all")
    everyone_label = "National: all areas" if everyone else "All areas you can see"
    how = compare.how_chosen(areas, area_code, group)
    if frame.height > 1 or everyone:
        stats = compare.group_statistics(
            frame, every, group_label=compare.GROUPS[group], everyone_label=everyone_label
        )
    else:  # a reader of one area: the spread of the group, without any other area's row
        in_group, national, how = loaders.distribution(indicator_code, area_code, group, as_at)
        everyone_label = "National: all areas"
        stats = pl.DataFrame(
            [
                {"label": compare.GROUPS[group], **in_group},
                {"label": everyone_label, **national},
            ],
            schema={
                "label": pl.Utf8, "n": pl.Int64, "suppressed": pl.Boolean,
                "lower_quartile": pl.Float64, "median": pl.Float64, "upper_quartile": pl.Float64,
            },
        )  # fmt: skip
    per_1000 = compare.is_count(frame)
    chosen = frame.filter(pl.col("chosen")).row(0, named=True)
    return CompareView(
        frame=frame,
        statistics=stats,
        trajectories=compare.trajectories(actuals, frame, as_at),
        how_chosen=how,
        per_1000=per_1000,
        polarity=compare.polarity(frame),
        unit=str(chosen["unit"] or ""),
        decimals=2 if per_1000 else int(chosen["decimals"] or 0),
        everyone_label=everyone_label,
    )


def table(view: CompareView, *, ranked: bool = False) -> pl.DataFrame:
    """The rows as shown: by area name, or best first when the user asks for a ranking."""
    frame = compare.ranked(view.frame) if ranked else view.frame
    compared_unit = "rate per 1000" if view.per_1000 else view.unit
    shown = frame.with_columns(
        _decimals=pl.col("decimals").fill_null(view.decimals),
        _unit=pl.col("unit").fill_null(view.unit),
        _cdecimals=pl.lit(view.decimals),
        _cunit=pl.lit(compared_unit),
    )
    columns = [
        pl.when(pl.col("chosen"))
        .then(pl.concat_str(pl.lit(f"{CHOSEN_MARK} "), pl.col("area_name"), pl.lit(" (this area)")))
        .otherwise(pl.col("area_name"))
        .alias("Area"),
        pl.col("area_code").alias("Code"),
        value_expr("latest_value", "_decimals", "_unit").alias("Latest value"),
    ]
    if view.per_1000:
        columns.append(value_expr("per_1000", "_cdecimals", "_cunit").alias("Per 1,000 population"))
    columns += [
        pl.col("latest_label").fill_null("–").alias("Period"),
        pl.col("status").alias("Status"),
        value_expr("target_value", "_decimals", "_unit").alias("Target"),
        pl.col("target_label").fill_null("–").alias("Target period"),
        pl.col("la_type").str.replace("_", " ").alias("Authority type"),
        pl.col("population").alias("Population"),
        pl.col("deprivation_rank").alias("Deprivation rank"),
    ]
    return shown.select(columns)


def statistics_table(view: CompareView) -> pl.DataFrame:
    """The group's statistics beside everyone's, as text in the compared unit."""
    unit = "rate per 1000" if view.per_1000 else view.unit
    stats = view.statistics.with_columns(_d=pl.lit(view.decimals), _u=pl.lit(unit))
    return stats.select(
        pl.col("label").alias("Areas"),
        pl.col("n").alias("Areas with a value"),
        value_expr("lower_quartile", "_d", "_u").alias("Lower quartile"),
        value_expr("median", "_d", "_u").alias("Median"),
        value_expr("upper_quartile", "_d", "_u").alias("Upper quartile"),
    )


def statistics_note(view: CompareView) -> str:
    """What quartiles are and how they are worked out (and why counts are per 1,000)."""
    note = (
        "Quartiles split the areas' values into four equal parts: half the areas lie between "
        "the lower and upper quartile. They are worked out as a spreadsheet's QUARTILE.INC does."
    )
    if view.per_1000:
        note += " Counts are shown per 1,000 population, so that areas of different sizes compare."
    return note


def position_line(view: CompareView) -> str:
    """Where the chosen area stands against the group's median, in the indicator's polarity."""
    chosen = view.chosen
    median = view.statistics["median"][0]
    if chosen["value"] is None:
        return f"{chosen['area_name']} has no value for this indicator yet."
    unit = "rate per 1000" if view.per_1000 else view.unit
    shown = (
        pl.DataFrame({"v": [chosen["value"], median]}, schema={"v": pl.Float64})
        .with_columns(_d=pl.lit(view.decimals), _u=pl.lit(unit))
        .select(value_expr("v", "_d", "_u").alias("v"))["v"]
        .to_list()
    )
    where = compare.against_median(chosen["value"], median, view.polarity)
    return (
        f"{chosen['area_name']}: {shown[0]}, {where} of the group ({shown[1]}); "
        f"{'lower' if view.polarity == 'lower' else 'higher'} is better."
    )
