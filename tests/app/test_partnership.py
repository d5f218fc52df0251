"""AppTest of pages/partnership.py: the targets one thematic partnership owns."""

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
    open_exceptions,
    open_page,
    query,
)

OWNER = "Safer Northgate Partnership"  # a thematic partnership of the demo's D05 (Northgate)


def _owned(url: str, area: str, name: str) -> pl.DataFrame:
    return assess(url, area).targets.filter(pl.col("partnership") == name)


def _table_codes(at) -> list[str]:  # type: ignore[no-untyped-def]
    (table,) = [d for d in at.dataframe if d.key and d.key.startswith("partnership_targets_")]
    return table.value["Code"].to_list()


@pytest.mark.parametrize("area", DEMO_AREAS)
def test_partnership_page_runs_for_every_demo_area(demo_db: str, area: str) -> None:
    at = open_page("partnership", area=area)
    assert not errors(at), errors(at)
    name = at.selectbox(key="w_partnership").value
    assert at.title[0].value == name
    assert sorted(_table_codes(at)) == sorted(_owned(demo_db, area, name)["indicator_code"])


def test_partnership_comes_from_the_link(demo_db: str) -> None:
    assert not _owned(demo_db, "D05", OWNER).is_empty()
    at = open_page("partnership", area="D05", partnership=OWNER)
    assert not errors(at)
    assert at.title[0].value == OWNER
    assert at.selectbox(key="w_partnership").value == OWNER
    assert query(at, "partnership") == OWNER


def test_unknown_partnership_falls_back_to_the_first(demo_db: str) -> None:
    at = open_page("partnership", area="D05", partnership="Nobody's Partnership")
    assert not errors(at)
    picker = at.selectbox(key="w_partnership")
    assert picker.value == picker.options[0] == at.title[0].value
    assert query(at, "partnership") == picker.value


def test_choosing_a_partnership_updates_the_url(demo_db: str) -> None:
    at = open_page("partnership", area="D05")
    picker = at.selectbox(key="w_partnership")
    other = next(o for o in picker.options if o != picker.value)
    picker.set_value(other).run()
    assert not errors(at)
    assert query(at, "partnership") == other
    assert at.title[0].value == other


def test_targets_table_holds_exactly_the_partnerships_targets(demo_db: str) -> None:
    expected = _owned(demo_db, "D05", OWNER)
    at = open_page("partnership", area="D05", partnership=OWNER)
    assert sorted(_table_codes(at)) == sorted(expected["indicator_code"])
    summary = f"**{expected.height} targets** ({int(expected['is_reward'].sum())} reward)"
    assert any(m.value.startswith(summary) for m in at.markdown)


def test_exceptions_are_the_partnerships_own(demo_db: str) -> None:
    result = assess(demo_db, "D05")
    owned = result.targets.filter(pl.col("partnership") == OWNER)
    expected = board.exceptions(owned, result.scope.commentary, result.as_at)
    assert expected.height
    at = open_exceptions(open_page("partnership", area="D05", partnership=OWNER))
    assert any(h.value == f"Exceptions ({expected.height})" for h in at.subheader)
    shown = [p["indicator"] for _, p in links(at.main) if "indicator" in p and "tab" not in p]
    assert shown == expected["indicator_code"].to_list()


def test_breadcrumbs_lead_back_to_the_overview_and_block(demo_db: str) -> None:
    block = _owned(demo_db, "D05", OWNER)["block_code"][0]
    at = open_page("partnership", area="D05", partnership=OWNER)
    crumbs = links(at.main)[:2]
    assert crumbs[0][1] == {"area": "D05"}
    assert crumbs[1][1] == {"area": "D05", "block": block}


def test_small_multiples_draw_one_chart_per_target(demo_db: str) -> None:
    expected = _owned(demo_db, "D05", OWNER)
    at = open_page("partnership", area="D05", partnership=OWNER)
    (chart,) = charts(at)
    cells = chart_spec(chart)["facet"]["sort"]
    assert len(cells) == expected.height
    assert sorted(title.split()[0] for title in cells) == sorted(expected["indicator_code"])
    assert chart_data(chart)["facet_title"].n_unique() == expected.height


def test_empty_database_shows_an_info_box(empty_db: str) -> None:
    at = app().run()
    at.switch_page(PAGES["partnership"]).run()
    assert not at.exception
    assert at.title[0].value == "Thematic partnerships"
    assert "loads the demonstration areas" in at.info[0].value
