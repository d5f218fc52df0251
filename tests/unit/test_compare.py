"""Comparing one indicator across areas (dashboard.reports.compare) on hand-made frames."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from dashboard.reports import compare

# 15 fake areas: A01 at rank 50 / population 300,000; A02–A11 close to it in both, the rest
# far away (rank 140+ or populations over a million), so the nearest ten are obvious.
_AREAS = [
    # code, name, region, type, population, rank
    ("A01", "Oakham", "R1", "unitary", 300_000, 50),
    ("A02", "Zeal", "R1", "unitary", 310_000, 51),
    ("A03", "Birch", "R1", "county", 290_000, 49),
    ("A04", "Cedar", "R2", "unitary", 300_000, 53),
    ("A05", "Alder", "R2", "unitary", 300_000, 47),  # the same distance as A04: ties by code
    ("A06", "Elm", "R1", "metropolitan", 320_000, 55),
    ("A07", "Fir", "R2", "unitary", 280_000, 45),
    ("A08", "Hazel", "R1", "county", 330_000, 56),
    ("A09", "Holly", "R2", "unitary", 270_000, 44),
    ("A10", "Ivy", "R1", "unitary", 340_000, 58),
    ("A11", "Juniper", "R2", "county", 260_000, 42),
    ("A12", "Larch", "R1", "unitary", 1_200_000, 140),
    ("A13", "Maple", "R2", "county", 1_300_000, 145),
    ("A14", "Nettle", "R1", "unitary", 40_000, 149),
    ("A15", "Pine", "R2", "unitary", None, 50),  # no population: cannot be placed
]


def areas() -> pl.DataFrame:
    return pl.DataFrame(
        _AREAS,
        schema={
            "area_code": pl.Utf8,
            "area_name": pl.Utf8,
            "region_code": pl.Utf8,
            "la_type": pl.Utf8,
            "population": pl.Int64,
            "deprivation_rank": pl.Int64,
        },
        orient="row",
    ).with_columns(region_name=pl.lit("Northern"))


def targets(
    values: dict[str, float | None], *, unit: str = "%", polarity: str = "higher"
) -> pl.DataFrame:
    """One target of indicator X1 per area in `values` (its latest value), RAG by value."""
    codes = list(values)
    return pl.DataFrame(
        {
            "area_code": codes,
            "target_id": list(range(1, len(codes) + 1)),
            "indicator_code": ["X1"] * len(codes),
            "indicator_name": ["Something counted"] * len(codes),
            "unit": [unit] * len(codes),
            "polarity": [polarity] * len(codes),
            "decimals": [1] * len(codes),
            "frequency": ["annual"] * len(codes),
            "period_basis": ["financial"] * len(codes),
            "measure": ["level"] * len(codes),
            "latest_period": [date(2008, 3, 31)] * len(codes),
            "latest_value": [values[c] for c in codes],
            "latest_status": ["final"] * len(codes),
            "rag": ["green" if (values[c] or 0) > 10 else "red" for c in codes],
            "direction": [None] * len(codes),
            "target_period": [date(2009, 3, 31)] * len(codes),
            "target_value": [12.0] * len(codes),
            "is_reward": [False] * len(codes),
        },
        schema_overrides={"direction": pl.Utf8, "latest_value": pl.Float64},
    )


def distance(a: tuple, b: tuple) -> float:
    """The documented rule, written out independently of the module."""
    return math.hypot((a[5] - b[5]) / 150, (math.log10(a[4]) - math.log10(b[4])) / 1.5)


def test_nearest_neighbours_are_the_obvious_ten_nearest_first() -> None:
    near = compare.nearest_neighbours(areas(), "A01")
    assert set(near["area_code"]) == {f"A{i:02d}" for i in range(2, 12)}
    assert near["distance"].is_sorted()
    own = _AREAS[0]
    expected = {row[0]: distance(own, row) for row in _AREAS[1:11]}
    for code, got in zip(near["area_code"], near["distance"], strict=True):
        assert got == pytest.approx(expected[code])
    assert "A01" not in near["area_code"].to_list()  # the area is not its own neighbour


def test_equal_distances_go_to_the_lower_area_code() -> None:
    near = compare.nearest_neighbours(areas(), "A01")
    codes = near["area_code"].to_list()
    d4, d5 = (near.filter(pl.col("area_code") == c)["distance"][0] for c in ("A04", "A05"))
    assert d4 == pytest.approx(d5)
    assert codes.index("A04") == codes.index("A05") - 1


def test_fewer_areas_than_ten_gives_them_all_and_unplaceable_areas_are_left_out() -> None:
    near = compare.nearest_neighbours(areas(), "A01", n=20)
    assert set(near["area_code"]) == {f"A{i:02d}" for i in range(2, 15)}  # not A15
    assert compare.nearest_neighbours(areas(), "A15").is_empty()  # no population


def test_groups() -> None:
    frame = areas()
    assert set(compare.group_areas(frame, "A01", "region")["area_code"]) == {
        r[0] for r in _AREAS if r[2] == "R1"
    }
    assert set(compare.group_areas(frame, "A01", "type")["area_code"]) == {
        r[0] for r in _AREAS if r[3] == "unitary"
    }
    assert compare.group_areas(frame, "A01", "all").height == len(_AREAS)
    near = compare.group_areas(frame, "A01", "neighbours")
    assert near.height == 11 and near["area_code"][0] == "A01" and near["distance"][0] == 0
    with pytest.raises(ValueError):
        compare.group_areas(frame, "A01", "league")


def test_comparison_rows_by_name_with_the_chosen_area_marked() -> None:
    values = {r[0]: float(i) for i, r in enumerate(_AREAS)}
    values.pop("A12")  # its agreement does not hold the indicator
    frame = compare.comparison(targets(values), areas(), "X1", "A01", "region")
    names = frame["area_name"].to_list()
    assert names == sorted(r[1] for r in _AREAS if r[2] == "R1")
    assert frame.filter(pl.col("chosen"))["area_code"].to_list() == ["A01"]
    larch = frame.filter(pl.col("area_code") == "A12").row(0, named=True)
    assert not larch["in_agreement"] and larch["value"] is None
    assert "not in its agreement" in larch["status"]
    zeal = frame.filter(pl.col("area_code") == "A02").row(0, named=True)
    assert zeal["latest_label"] == "2007/08" and zeal["target_label"] == "2008/09"
    assert zeal["status"] == "✖ Off track" and zeal["per_1000"] is None
    assert zeal["value"] == 1.0  # not a count: the value itself


def test_counts_are_compared_per_1000_population() -> None:
    frame = compare.comparison(
        targets({"A01": 600.0, "A02": 31.0}, unit="count"), areas(), "X1", "A01", "region"
    )
    oakham = frame.filter(pl.col("area_code") == "A01").row(0, named=True)
    assert oakham["per_1000"] == pytest.approx(2.0)  # 600 of 300,000
    assert oakham["value"] == pytest.approx(2.0) and oakham["latest_value"] == 600
    assert oakham["target_per_1000"] == pytest.approx(12 * 1000 / 300_000)
    zeal = frame.filter(pl.col("area_code") == "A02").row(0, named=True)
    assert zeal["value"] == pytest.approx(0.1)  # 31 of 310,000
    assert compare.is_count(frame)


def test_quartiles_match_hand_computed_values_like_excel_quartile_inc() -> None:
    # values 1, 2, 4, 7, 11, 16: QUARTILE.INC gives Q1 = 2.5, median 5.5, Q3 = 10
    # (positions (n−1)·q = 1.25, 2.5, 3.75 between the sorted values)
    stats = compare.statistics(pl.Series([16.0, 1.0, None, 4.0, 2.0, 11.0, 7.0]), "group")
    assert stats.n == 6
    assert stats.lower_quartile == pytest.approx(2.5)
    assert stats.median == pytest.approx(5.5)
    assert stats.upper_quartile == pytest.approx(10.0)
    empty = compare.statistics(pl.Series([None], dtype=pl.Float64), "none")
    assert empty.n == 0 and empty.median is None


def test_group_statistics_beside_everyone() -> None:
    values = {r[0]: float(i + 1) for i, r in enumerate(_AREAS)}  # 1..15
    t = targets(values)
    group = compare.comparison(t, areas(), "X1", "A01", "region")  # R1: 1,2,3,6,8,10,12,14
    everyone = compare.comparison(t, areas(), "X1", "A01", "all")
    stats = compare.group_statistics(
        group, everyone, group_label="Same region", everyone_label="National"
    )
    assert stats["label"].to_list() == ["Same region", "National"]
    assert stats["n"].to_list() == [8, 15]
    group_row, all_row = stats.to_dicts()
    # R1 sorted 1,2,3,6,8,10,12,14: Q1 at 1.75 → 2.75, median at 3.5 → 7, Q3 at 5.25 → 10.5
    assert (group_row["lower_quartile"], group_row["median"], group_row["upper_quartile"]) == (
        pytest.approx(2.75), pytest.approx(7.0), pytest.approx(10.5)
    )  # fmt: skip
    assert (all_row["lower_quartile"], all_row["median"], all_row["upper_quartile"]) == (
        4.5, 8.0, 11.5
    )  # fmt: skip


def test_ranking_is_best_first_by_polarity_and_only_on_request() -> None:
    values = {"A01": 5.0, "A02": 9.0, "A03": None, "A06": 1.0}
    higher = compare.comparison(targets(values), areas(), "X1", "A01", "region")
    assert higher["area_name"].to_list()[:3] == ["Birch", "Elm", "Hazel"]  # by name
    assert compare.ranked(higher)["area_code"].to_list()[:3] == ["A02", "A01", "A06"]
    assert compare.ranked(higher)["value"].to_list()[-1] is None  # no value: last
    lower = compare.comparison(targets(values, polarity="lower"), areas(), "X1", "A01", "region")
    assert compare.ranked(lower)["area_code"].to_list()[:3] == ["A06", "A01", "A02"]


def test_against_the_median_follows_polarity() -> None:
    assert compare.against_median(3.0, 5.0, "lower") == "better than the median"
    assert compare.against_median(3.0, 5.0, "higher") == "worse than the median"
    assert compare.against_median(5.0, 5.0, "higher") == "equals the median"
    assert "cannot" in compare.against_median(None, 5.0, "higher")


def test_how_chosen_says_the_rule() -> None:
    text = compare.how_chosen(areas(), "A01", "neighbours")
    assert "deprivation rank" in text and "population" in text and "10" in text
    assert "unitary authorities" in compare.how_chosen(areas(), "A01", "type")


def test_trajectories_per_1000_and_running_totals() -> None:
    t = targets({"A01": 600.0, "A02": 31.0}, unit="count").with_columns(
        measure=pl.Series(["cumulative", "level"])
    )
    frame = compare.comparison(t, areas(), "X1", "A01", "region")
    actuals = pl.DataFrame(
        {
            "target_id": [1, 1, 2, 2, 2],
            "area_code": ["A01", "A01", "A02", "A02", "A02"],
            "period": [date(y, 3, 31) for y in (2007, 2008, 2007, 2008, 2009)],
            "value": [300.0, 300.0, 31.0, 62.0, 93.0],
            "status": ["final"] * 5,
        }
    )
    data = compare.trajectories(actuals, frame, date(2008, 11, 30))
    oakham = data.filter(pl.col("area_code") == "A01")["value"].to_list()
    assert oakham == pytest.approx([1.0, 2.0])  # running total per 1,000 of 300,000
    zeal = data.filter(pl.col("area_code") == "A02")
    assert zeal.height == 2  # the 2009 period is after the as-at date
    assert zeal["value"].to_list() == pytest.approx([0.1, 0.2])
    assert data.filter(pl.col("chosen"))["area_code"].unique().to_list() == ["A01"]
