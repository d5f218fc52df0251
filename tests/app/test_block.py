"""AppTest of pages/block.py: every target of one block of an area."""

from __future__ import annotations

import polars as pl
import pytest

from dashboard.reports import board
from tests.app.conftest import (
    DEMO_AREAS,
    PAGES,
    app,
    assess,
    chart_data,
    chart_spec,
    charts,
    errors,
    links,
    open_page,
    query,
)


def _blocks(url: str, area: str) -> pl.DataFrame:
    result = assess(url, area)
    return board.block_summary(result.targets, result.blocks)


def _table_codes(at) -> list[str]:  # type: ignore[no-untyped-def]
    (table,) = [d for d in at.dataframe if d.key and d.key.startswith("block_targets_")]
    return table.value["Code"].to_list()


@pytest.mark.parametrize("area", DEMO_AREAS)
def test_block_page_runs_for_every_demo_area(demo_db: str, area: str) -> None:
    first = _blocks(demo_db, area).row(0, named=True)  # the default: the first block in order
    at = open_page("block", area=area)
    assert not errors(at), errors(at)
    assert at.title[0].value == first["block_name"]
    assert len(_table_codes(at)) == first["targets"]


def test_block_comes_from_the_link(demo_db: str) -> None:
    blocks = _blocks(demo_db, "D05")
    at = open_page("block", area="D05", block="SSC")
    assert not errors(at)
    assert at.title[0].value == blocks.filter(pl.col("block_code") == "SSC")["block_name"].item()
    assert at.button_group(key="w_block").value == "SSC"
    assert query(at, "block") == "SSC" and query(at, "area") == "D05"


def test_unknown_block_falls_back_to_the_first(demo_db: str) -> None:
    first = _blocks(demo_db, "D05").row(0, named=True)
    at = open_page("block", area="D05", block="NOPE")
    assert not errors(at)
    assert at.title[0].value == first["block_name"]
    assert query(at, "block") == first["block_code"]


def test_choosing_a_block_updates_the_url(demo_db: str) -> None:
    at = open_page("block", area="D07")
    at.button_group(key="w_block").set_value("EDE").run()
    assert not errors(at)
    assert query(at, "block") == "EDE"
    assert set(_table_codes(at)) == set(
        assess(demo_db, "D07").targets.filter(pl.col("block_code") == "EDE")["indicator_code"]
    )


def test_targets_table_holds_exactly_the_blocks_targets(demo_db: str) -> None:
    expected = assess(demo_db, "D05").targets.filter(pl.col("block_code") == "SSC")
    at = open_page("block", area="D05", block="SSC")
    codes = _table_codes(at)
    assert sorted(codes) == sorted(expected["indicator_code"])
    assert any(h.value == f"Targets ({expected.height})" for h in at.subheader)


def test_partnership_links_name_the_blocks_owners(demo_db: str) -> None:
    expected = assess(demo_db, "D05").targets.filter(pl.col("block_code") == "SSC")
    at = open_page("block", area="D05", block="SSC")
    owners = [p["partnership"] for _, p in links(at.main) if "partnership" in p]
    assert sorted(owners) == sorted(expected["partnership"].unique())


def test_small_multiples_draw_one_chart_per_target(demo_db: str) -> None:
    expected = assess(demo_db, "D05").targets.filter(pl.col("block_code") == "SSC")
    at = open_page("block", area="D05", block="SSC")
    (chart,) = charts(at)
    spec = chart_spec(chart)
    cells = spec["facet"]["sort"]
    assert spec["facet"]["field"] == "facet_title"
    assert len(cells) == expected.height
    assert sorted(title.split()[0] for title in cells) == sorted(expected["indicator_code"])
    data = chart_data(chart)
    assert data["facet_title"].n_unique() == expected.height
    assert set(data["target_id"]) == set(expected["target_id"])


def test_empty_database_shows_an_info_box(empty_db: str) -> None:
    at = app().run()
    at.switch_page(PAGES["block"]).run()
    assert not at.exception
    assert at.title[0].value == "Blocks"
    assert "loads the demonstration areas" in at.info[0].value
