"""AppTest of pages/national.py: the nine regions × four blocks for administrators and
department analysts; everyone else is told where their own view is. Expectations come from
`reports.region.national_view` computed directly over the demo."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.access import Actor, Grant
from dashboard.reports import region as core
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import all_text, app, errors

PAGE = "../pages/national.py"
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
READERS = {"admin", "department"}
HOME_OFFICE = Actor("department", (Grant("department", department_code="HO"),))


def open_national(user: str, **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run(timeout=60)


def national_table(at: AppTest) -> pl.DataFrame:
    (found,) = [d.value for d in at.dataframe if "Region page" in d.value.columns]
    return pl.from_pandas(found)


def expected(url: str, actor: Actor) -> core.NationalView:
    return core.national_view(db.get_engine(url), actor, DEMO_TODAY)


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_gets_a_healthy_page(demo_db: str, user: str) -> None:
    at = open_national(user)
    assert not errors(at), errors(at)
    if user in READERS:
        assert national_table(at).height == 9
    else:
        (info,) = [i.value for i in at.info]
        assert "for administrators and department analysts" in info
        assert not at.dataframe
        assert [p.proto.page for p in at.get("page_link")]  # where their own view is


def test_the_nine_regions_with_the_cores_counts(demo_db: str) -> None:
    view = expected(demo_db, store.cli_actor("reader"))
    at = open_national("admin")
    table = national_table(at)
    grid = view.grid
    assert table["Region"].to_list() == grid["region_name"].to_list()
    assert table["Areas"].to_list() == grid["areas"].to_list()
    areas = store.list_areas(db.get_engine(demo_db), store.cli_actor("reader"))
    assert sum(table["Areas"]) == areas.height
    assert table["Off track"].to_list() == grid["red"].to_list()
    for block in view.blocks:
        for row, cell in zip(grid.iter_rows(named=True), table[block].to_list(), strict=True):
            assert cell == (
                f"● {row[f'{block}_green']} · ▲ {row[f'{block}_amber']} · "
                f"✖ {row[f'{block}_red']} · ○ {row[f'{block}_no_data']}"
            )
    assert (
        table["Reward forecast £"].to_list() == grid["prg_gbp"].cast(pl.Float64).round(0).to_list()
    )


def test_each_region_links_to_its_region_page(demo_db: str) -> None:
    at = open_national("admin", as_at="2008-06-30")
    assert not errors(at), errors(at)
    codes = store.list_regions(db.get_engine(demo_db))["region_code"].to_list()
    links = national_table(at)["Region page"].to_list()
    assert [link.split("region=")[1].split("&")[0] for link in links] == codes
    assert all(link.startswith("region?") and "as_at=2008-06-30" in link for link in links)


def test_a_department_sees_only_its_indicators(demo_db: str) -> None:
    mine = expected(demo_db, HOME_OFFICE).grid
    everything = expected(demo_db, store.cli_actor("reader")).grid
    at = open_national("department")
    table = national_table(at)
    assert table["Off track"].to_list() == mine["red"].to_list()
    assert mine["targets"].sum() < everything["targets"].sum()
    assert "Home Office indicators only" in all_text(at)


def test_the_table_downloads(demo_db: str) -> None:
    at = open_national("admin")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["CSV", "Excel"]
