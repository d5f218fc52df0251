"""AppTest of pages/compare.py: one indicator across a group of areas, for every demo role.

Expected areas and figures come from the store and the core, never from counts written here:
the demo's areas may grow.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, store
from dashboard.analysis import assess_areas
from dashboard.reports import compare
from dashboard.ui.compare import CHOSEN_MARK
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import all_text, app, chart_spec, charts, errors, open_page

ROLES = ["admin", "officer", "board", "lead", "go", "department", "viewer"]
AREA_ONLY = ["officer", "board", "lead", "viewer"]  # each reads only D10
OWN = "D10"
INDICATOR = "BV126"  # in every demo area's agreement


def open_compare(user: str = "admin", **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("../pages/compare.py")
    return at.run()


def table(at: AppTest) -> pl.DataFrame:
    (frame,) = [d.value for d in at.dataframe if "Area" in d.value.columns]
    return pl.from_pandas(frame)


def area_names(at: AppTest) -> list[str]:
    """The table's area names in order, the chosen area's marker taken off."""
    return [
        name.removeprefix(f"{CHOSEN_MARK} ").removesuffix(" (this area)")
        for name in table(at)["Area"].to_list()
    ]


def statistics(at: AppTest) -> pl.DataFrame:
    (frame,) = [d.value for d in at.dataframe if "Median" in d.value.columns]
    return pl.from_pandas(frame)


def all_areas(url: str) -> pl.DataFrame:
    return store.list_areas(db.get_engine(url), store.cli_actor("t"))


def readable(url: str, user: str) -> pl.DataFrame:
    engine = db.get_engine(url)
    return store.list_areas(engine, accounts.actor_for(engine, user))


@pytest.mark.parametrize("user", ROLES)
def test_the_page_runs_for_every_role(demo_db: str, user: str) -> None:
    at = open_compare(user, indicator=INDICATOR)
    assert not errors(at), errors(at)
    title = at.title[0].value
    assert title.startswith("Compare areas") and INDICATOR in title
    marked = [n for n in table(at)["Area"] if n.startswith(CHOSEN_MARK)]
    assert len(marked) == 1  # the chosen area marked
    assert any("a question to ask, not a verdict" in i.value for i in at.info)
    assert "how they are chosen" in all_text(at)
    assert statistics(at)["Areas"].to_list()[0] == compare.GROUPS["region"]
    assert {b.proto.label for b in at.get("download_button")} >= {"CSV", "Excel"}
    # names in a shown table are the user's readable areas only
    assert set(area_names(at)) <= set(readable(demo_db, user)["area_name"])


def test_the_gos_region_group_is_its_regions_areas(demo_db: str) -> None:
    goem = all_areas(demo_db).filter(pl.col("region_code") == "GOEM")
    at = open_compare("go", indicator=INDICATOR, group="region")
    assert not errors(at)
    assert area_names(at) == sorted(goem["area_name"].to_list())
    assert set(table(at)["Code"]) == set(goem["area_code"])


def test_nearest_neighbours_show_ten_areas_beside_the_chosen_one(demo_db: str) -> None:
    at = open_compare("admin", area=OWN, indicator=INDICATOR, group="neighbours")
    assert not errors(at)
    areas = all_areas(demo_db)
    expected = compare.nearest_neighbours(areas, OWN)
    assert expected.height == min(compare.NEIGHBOURS, areas.height - 1)
    codes = table(at)["Code"].to_list()
    assert len(codes) == expected.height + 1
    assert set(codes) == {OWN, *expected["area_code"]}
    assert "deprivation rank and population" in all_text(at)


def test_rows_are_by_name_until_ranking_is_chosen(demo_db: str) -> None:
    at = open_compare("admin", area=OWN, indicator=INDICATOR, group="all")
    names = area_names(at)
    assert names == sorted(names)
    at.toggle(key="compare_rank").set_value(True).run()
    assert not errors(at)
    engine = db.get_engine(demo_db)
    result = assess_areas(engine, store.cli_actor("t"), all_areas(demo_db)["area_code"], DEMO_TODAY)
    of_indicator = result.targets.filter(pl.col("indicator_code") == INDICATOR).join(
        all_areas(demo_db).select("area_code", "area_name"), on="area_code"
    )
    values = dict(of_indicator.select("area_name", "latest_value").iter_rows())
    polarity = result.targets.filter(pl.col("indicator_code") == INDICATOR)["polarity"][0]
    ranked = [values[n] for n in area_names(at) if values.get(n) is not None]
    best_first = sorted(ranked, reverse=polarity == "higher")
    assert ranked == best_first and area_names(at) != names


def test_counts_are_shown_per_1000_population(demo_db: str) -> None:
    at = open_compare("admin", area=OWN, indicator="DRUG-T", group="region")
    assert not errors(at)
    shown = table(at)
    assert "Per 1,000 population" in shown.columns
    assert all(v.endswith("per 1,000") for v in shown["Per 1,000 population"] if v != "–")
    assert statistics(at)["Median"][0].endswith("per 1,000")


@pytest.mark.parametrize("user", AREA_ONLY)
def test_a_forged_area_outside_the_users_scope_is_refused(demo_db: str, user: str) -> None:
    away = all_areas(demo_db).filter(pl.col("area_code") != OWN).row(0, named=True)
    at = open_compare(user, area=away["area_code"], indicator=INDICATOR, group="all")
    assert not errors(at)
    assert at.session_state["sel_area"] == OWN
    assert table(at)["Code"].to_list() == [OWN]
    assert away["area_name"] not in all_text(at)


def test_a_gos_forged_area_of_another_region_is_refused(demo_db: str) -> None:
    away = all_areas(demo_db).filter(pl.col("region_code") != "GOEM").row(0, named=True)
    at = open_compare("go", area=away["area_code"], indicator=INDICATOR, group="all")
    assert not errors(at)
    goem = set(all_areas(demo_db).filter(pl.col("region_code") == "GOEM")["area_code"])
    assert at.session_state["sel_area"] in goem
    assert set(table(at)["Code"]) <= goem
    assert away["area_name"] not in "\n".join(area_names(at))


def test_a_reader_of_one_area_sees_the_groups_spread_without_its_rows(demo_db: str) -> None:
    at = open_compare("officer", indicator=INDICATOR, group="neighbours")
    assert not errors(at)
    assert table(at)["Code"].to_list() == [OWN]
    engine = db.get_engine(demo_db)
    members = compare.group_areas(store.reference_areas(engine), OWN, "neighbours")
    expected = store.indicator_distribution(
        engine, store.cli_actor("t"), INDICATOR, members["area_code"], DEMO_TODAY
    )
    stats = statistics(at).row(0, named=True)
    assert stats["Areas with a value"] == expected["n"]
    assert stats["Median"] != "–" and not expected["suppressed"]
    neighbours = set(members["area_name"]) - {"Thornbury Vale"}
    text = all_text(at) + "".join(str(c.proto.spec) for c in charts(at))
    assert not [name for name in neighbours if name in text]


def test_the_strip_plot_highlights_the_chosen_area(demo_db: str) -> None:
    at = open_compare("admin", area=OWN, indicator=INDICATOR, group="region")
    strip = next(chart_spec(c) for c in charts(at) if "across the group" in str(chart_spec(c)))
    dots = strip["layer"][2]
    assert dots["encoding"]["shape"]["field"] == dots["encoding"]["color"]["field"] == "who"
    assert len(charts(at)) == 2  # the strip plot and the small multiples


def test_the_indicator_page_links_here_with_its_indicator(demo_db: str) -> None:
    at = open_page("indicator", area=OWN, indicator=INDICATOR)
    assert not errors(at)
    found = [
        dict(parse_qsl(n.proto.query_string))
        for n in at.get("page_link")
        if n.proto.label == "Compare with other areas"
    ]
    assert found == [{"area": OWN, "indicator": INDICATOR}]


def test_the_department_compares_only_its_own_indicators(demo_db: str) -> None:
    engine = db.get_engine(demo_db)
    own = store.readable(engine, accounts.actor_for(engine, "department")).indicators or set()
    at = open_compare("department", area=OWN)
    (picker,) = [s for s in at.selectbox if s.label == "Indicator"]
    codes = {label.split(" — ")[0] for label in picker.options}
    assert codes and codes <= set(own)
