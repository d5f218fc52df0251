"""The trajectory charts' specs built as dicts (dashboard.charts_spec) equal the Altair-built
charts' `to_dict()` (dashboard.charts), on the demo: every block's small multiples and every
target's trajectory of several areas, so the two builders cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from dashboard import analysis, charts, charts_spec, db, store
from dashboard.analysis import Assessment
from seed_data.demo import DEMO_TODAY, seed_demo

# an agreement that has ended, one in progress with reward targets, one with a cliff edge
AREAS = ["D05", "D10", "D11"]


@pytest.fixture(scope="module")
def assessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Assessment]]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('spec')) / 'demo.db'}"
    store.upgrade(url)
    engine = db.get_engine(url)
    admin = store.cli_actor("tester")
    seed_demo(engine, admin)
    yield {code: analysis.assess_areas(engine, admin, [code], DEMO_TODAY) for code in AREAS}
    db.dispose_all()


def _inputs(result: Assessment, ids: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    wanted = pl.Series(ids).implode()
    rows = result.targets.filter(pl.col("target_id").is_in(wanted))
    data = charts.trajectory_data(
        rows,
        result.scope.milestones.filter(pl.col("target_id").is_in(wanted)),
        result.scope.actuals.filter(pl.col("target_id").is_in(wanted)),
        result.as_at,
        agreements=result.scope.agreements,
    )
    return rows, data


def _layer_names(spec: dict[str, Any]) -> set[str]:
    return {layer["name"] for layer in spec.get("spec", spec)["layer"]}


@pytest.mark.parametrize("area", AREAS)
@pytest.mark.parametrize(("columns", "width"), [(3, 250), (2, 220)])
def test_small_multiples_spec_equals_the_altair_charts(
    assessed: dict[str, Assessment], area: str, columns: int, width: int
) -> None:
    result = assessed[area]
    blocks = result.targets["block_code"].unique(maintain_order=True).to_list()
    assert len(blocks) > 1
    for block in blocks:
        ids = result.targets.filter(pl.col("block_code") == block)["target_id"].to_list()
        rows, data = _inputs(result, ids)
        built = charts.small_multiples(data, rows, columns=columns, width=width).to_dict()
        direct = charts_spec.small_multiples_spec(data, rows, columns=columns, width=width)
        assert direct == built, (area, block)


def test_the_grids_compared_hold_every_kind_of_layer(assessed: dict[str, Assessment]) -> None:
    """The comparison above meets reward bands, thresholds, forecasts and period ticks."""
    seen: set[str] = set()
    for result in assessed.values():
        rows, data = _inputs(result, result.targets["target_id"].to_list()[:40])
        seen |= _layer_names(charts_spec.small_multiples_spec(data, rows))
    assert {
        "stretch_band",
        "threshold_line",
        "forecast_band",
        "forecast_point",
        "x_tick_labels",
    } <= seen


@pytest.mark.parametrize("area", AREAS)
def test_trajectory_spec_equals_the_altair_chart(
    assessed: dict[str, Assessment], area: str
) -> None:
    result = assessed[area]
    for i, row in enumerate(result.targets.iter_rows(named=True)):
        _, data = _inputs(result, [row["target_id"]])
        drawn: dict[str, Any] = {
            "title": f"{row['indicator_name']} ({row['indicator_code']})",
            "subtitle": row["block_name"],
            "unit": row["unit"],
            "polarity": row["polarity"],
            "decimals": int(row["decimals"]),
            "height": 420 if i % 2 else 380,
            "font_size": 20 if i % 3 == 0 else None,  # meeting mode's larger type
        }
        direct = charts_spec.trajectory_spec(data, **drawn)
        assert direct == charts.trajectory_chart(data, **drawn).to_dict(), row["indicator_code"]
        assert direct["params"][0]["views"] == ["trajectory_line"]  # the legend picks a series


def test_a_trajectory_without_a_subtitle_or_values(assessed: dict[str, Assessment]) -> None:
    result = assessed["D10"]
    row = result.targets.row(0, named=True)
    _, data = _inputs(result, [row["target_id"]])
    empty = data.filter(pl.col("layer") != "actual")  # no actual value yet
    for frame in (data, empty):
        drawn = {"title": "T", "unit": row["unit"], "polarity": "lower", "decimals": 0}
        direct = charts_spec.trajectory_spec(frame, **drawn)
        assert direct == charts.trajectory_chart(frame, **drawn).to_dict()
