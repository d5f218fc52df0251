"""AppTest of pages/region.py: a Government Office's areas at a glance, its red flags, and
who may see which region. Expectations come from the store and `reports.region` computed
directly over the demo (today 30 November 2008), never from the page, and never a fixed
number of areas."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.access import Actor, Grant
from dashboard.reports import region as core
from dashboard.reports.capacity import LEVEL_LABELS
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import all_text, app, chart_spec, charts, errors

PAGE = "../pages/region.py"
DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
AREA_ROLES = ("officer", "board", "lead", "viewer")
REGION = "GOEM"  # the demo GO's region
GO = Actor("go", (Grant("go", region_code=REGION),))
HOME_OFFICE = Actor("department", (Grant("department", department_code="HO"),))


def open_region(user: str, **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run(timeout=60)


def expected(url: str, actor: Actor, region: str = REGION, **filters: object):  # type: ignore[no-untyped-def]
    view = core.region_view(db.get_engine(url), actor, region, DEMO_TODAY)
    return core.region_tables(view, core.Filters(**filters))  # type: ignore[arg-type]


def grid_table(at: AppTest) -> pl.DataFrame:
    (found,) = [d.value for d in at.dataframe if "Overview" in d.value.columns]
    return pl.from_pandas(found)


def flags_table(at: AppTest) -> pl.DataFrame | None:
    found = [d.value for d in at.dataframe if "Why flagged" in d.value.columns]
    return pl.from_pandas(found[0]) if found else None


def region_area_names(url: str, region: str = REGION) -> set[str]:
    areas = store.list_areas(db.get_engine(url), store.cli_actor("reader"))
    return set(areas.filter(pl.col("region_code") == region)["area_name"])


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_role_gets_a_healthy_page(demo_db: str, user: str) -> None:
    at = open_region(user)
    assert not errors(at), errors(at)
    if user in AREA_ROLES:
        (info,) = [i.value for i in at.info]
        assert "for Government Office officers" in info
        assert not at.dataframe  # no area of any region is shown
    else:
        assert grid_table(at).height > 0


def test_the_go_sees_exactly_its_regions_areas(demo_db: str) -> None:
    at = open_region("go")
    assert [t.value for t in at.title] == ["Government Office for the East Midlands"]
    assert not [s for s in at.sidebar.selectbox if s.label == "Region"]  # one region: fixed
    assert any("East Midlands" in str(h.proto) for h in at.sidebar.get("html"))  # named
    table = grid_table(at)
    assert set(table["Area"]) == region_area_names(demo_db)
    assert table.height == len(region_area_names(demo_db))


def test_the_grid_shows_the_cores_numbers(demo_db: str) -> None:
    grid, _ = expected(demo_db, GO)
    table = grid_table(open_region("go"))
    table = table.sort("Area")
    grid = grid.sort("area_name")
    assert table["Off track"].to_list() == grid["red"].to_list()
    assert table["Values overdue"].to_list() == grid["overdue_values"].to_list()
    assert (
        table["Reward forecast £"].to_list() == grid["prg_gbp"].cast(pl.Float64).round(0).to_list()
    )
    assert table["Maximum £"].to_list() == grid["max_prg_gbp"].cast(pl.Float64).round(0).to_list()
    for row, cell in zip(grid.iter_rows(named=True), table["CYP"].to_list(), strict=True):
        assert cell == (
            f"● {row['CYP_green']} · ▲ {row['CYP_amber']} · ✖ {row['CYP_red']} · "
            f"○ {row['CYP_no_data']}"
        )
    assert set(table["Cohort"]) == set(grid["cohort"])
    judged = grid.filter(pl.col("capacity_overall").is_not_null())
    assert judged.height > 0
    for row in judged.iter_rows(named=True):
        (cell,) = table.filter(pl.col("Area") == row["area_name"])["GO capacity judgement"]
        assert cell.startswith(LEVEL_LABELS[row["capacity_overall"]] + " · ")
        assert f"{row['capacity_assessed_on']:%d %b %Y}" in cell


def test_each_area_links_to_its_overview_keeping_the_as_at_date(demo_db: str) -> None:
    at = open_region("go", as_at="2008-06-30")
    assert not errors(at), errors(at)
    links = grid_table(at)["Overview"].to_list()
    grid, _ = expected(demo_db, GO)
    for link in links:
        assert link.startswith("overview?") and "as_at=2008-06-30" in link
    assert {link.split("area=")[1].split("&")[0] for link in links} == set(grid["area_code"])


def test_red_flags_are_the_cores_worst_first(demo_db: str) -> None:
    _, flags = expected(demo_db, GO)
    at = open_region("go")
    shown = flags_table(at)
    assert shown is not None and flags.height > 0
    assert shown["Why flagged"].to_list() == flags["why"].to_list()
    assert any(h.value == f"Red flags ({flags.height})" for h in at.subheader)


def test_reward_chart_has_every_area_with_a_maximum(demo_db: str) -> None:
    grid, _ = expected(demo_db, GO)
    at = open_region("go")
    (spec,) = [
        chart_spec(c) for c in charts(at) if "Reward forecast of each area" in str(chart_spec(c))
    ]
    names = {f"{r['area_name']} ({r['area_code']})" for r in grid.iter_rows(named=True)}
    assert "60% of the maximum" in str(spec)
    assert all(name in spec["description"] for name in names)


def test_a_forged_region_is_refused_for_the_go(demo_db: str) -> None:
    at = open_region("go", region="GONW")
    (error,) = [e.value for e in at.error]
    assert "may not see this region" in error and "East Midlands" in error
    assert not at.dataframe
    assert "Ashworth" not in all_text(at)  # a GONW area's name


def test_an_unknown_region_is_said_so(demo_db: str) -> None:
    at = open_region("admin", region="XX")
    (error,) = [e.value for e in at.error]
    assert "There is no region" in error


def test_an_administrator_picks_any_region(demo_db: str) -> None:
    at = open_region("admin", region="GONW")
    assert not errors(at), errors(at)
    assert set(grid_table(at)["Area"]) == region_area_names(demo_db, "GONW")
    picker = [s for s in at.sidebar.selectbox if s.label == "Region"]
    assert len(picker) == 1 and len(picker[0].options) == 9
    picker[0].select("GOEM").run()
    assert set(grid_table(at)["Area"]) == region_area_names(demo_db)


def test_an_administrator_starts_on_the_region_of_the_area_in_the_sidebar(demo_db: str) -> None:
    engine = db.get_engine(demo_db)
    first = str(store.list_regions(engine)["region_code"][0])
    areas = store.list_areas(engine, store.cli_actor("reader"))
    other = areas.filter(pl.col("region_code") != first).row(0, named=True)
    at = open_region("admin", area=other["area_code"])
    assert not errors(at), errors(at)
    assert set(grid_table(at)["Area"]) == region_area_names(demo_db, other["region_code"])
    (picker,) = [s for s in at.sidebar.selectbox if s.label == "Region"]
    assert picker.value == other["region_code"]


def test_a_department_sees_only_its_indicators(demo_db: str) -> None:
    grid, _ = expected(demo_db, HOME_OFFICE)
    whole, _ = expected(demo_db, store.cli_actor("reader"))
    at = open_region("department", region=REGION)
    assert not errors(at), errors(at)
    table = grid_table(at).sort("Area")
    assert table["Off track"].to_list() == grid.sort("area_name")["red"].to_list()
    assert grid["targets"].sum() < whole["targets"].sum()
    assert "only your department's indicators" in all_text(at)
    assert not [c for c in table.columns if c.endswith("rating") and "risk" in c]


def test_filters_narrow_the_grid_as_the_core_does(demo_db: str) -> None:
    whole, _ = expected(demo_db, GO)
    cohort = int(whole["cohort"].min())  # type: ignore[arg-type]
    at = open_region("go", cohort=str(cohort))
    narrowed, _ = expected(demo_db, GO, cohort=cohort)
    assert set(grid_table(at)["Area"]) == set(narrowed["area_name"])
    assert set(grid_table(at)["Cohort"]) == {cohort}
    (block,) = [s for s in at.selectbox if s.label == "Block"]
    block.select("CYP").run()
    table = grid_table(at)
    assert "CYP" in table.columns and "SSC" not in table.columns


def test_every_table_downloads(demo_db: str) -> None:
    at = open_region("go")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == 2 and labels.count("Excel") == 2  # the grid, the red flags


def test_the_go_lands_on_its_region(demo_db: str) -> None:
    at = app("go").run(timeout=60)
    assert not errors(at), errors(at)
    assert [t.value for t in at.title] == ["Government Office for the East Midlands"]


@pytest.mark.parametrize("user", AREA_ROLES)
def test_an_area_role_is_refused_its_own_region_by_link(demo_db: str, user: str) -> None:
    """An area's own people read their area, not its region: a link naming the region is
    refused by the store, not shown."""
    at = open_region(user, region=REGION)
    (error,) = [e.value for e in at.error]
    assert "may not see this region" in error
    assert not at.dataframe
