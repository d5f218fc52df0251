"""AppTest of pages/burden.py: the headline burden equals `metrics.burden` for the user's scope,
the charts and tables are there, and every role sees the page without an error."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, store
from dashboard.metrics import burden
from tests.app.conftest import DEMO_AREAS, all_text, app, chart_data, chart_spec, charts, errors

PAGE = "../pages/burden.py"
HEADLINE = {
    "Without the LAA": "items_before",
    "With the LAA": "items_after",
    "Removed by the LAA": "items_removed",
    "Entered once": "items_once",
    "Saved by reporting once": "items_saved_by_once",
}


def open_burden(user: str = "admin", **params: str) -> AppTest:
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def expected(url: str, user: str, areas: list[str]) -> dict[str, float]:
    """The burden computed straight from the store as that user, for `areas`."""
    engine = db.get_engine(url)
    actor = accounts.actor_for(engine, user)
    reported = store.reported_indicators(engine, actor, areas)
    return burden.burden(burden.upward(store.reporting_lines(engine)), reported).row(0, named=True)


def headline(at: AppTest) -> dict[str, float]:
    return {m.label: float(m.value.replace(",", "")) for m in at.metric}


def visible(url: str, user: str) -> list[str]:
    engine = db.get_engine(url)
    return store.list_areas(engine, accounts.actor_for(engine, user))["area_code"].to_list()


def test_headline_equals_the_burden_of_the_selected_area(demo_db: str) -> None:
    at = open_burden("admin", area="D10")
    assert not errors(at), errors(at)
    assert at.title[0].value == "Reporting burden"
    want = expected(demo_db, "admin", ["D10"])
    shown = headline(at)
    assert set(shown) == set(HEADLINE)
    for label, column in HEADLINE.items():
        assert shown[label] == round(want[column], 1), label
    assert want["items_removed"] > 0 and want["items_saved_by_once"] > 0  # not vacuous
    share = round(want["items_removed"] / want["items_before"] * 100)
    removed = next(m for m in at.metric if m.label == "Removed by the LAA")
    assert f"{share}% fewer" in str(removed.proto.delta)
    assert "LSP board" in all_text(at)  # says the horizontal lines are left out


def test_all_my_areas_sums_every_visible_area(demo_db: str) -> None:
    at = open_burden("admin", area="D10")
    at.button_group(key="burden_scope").set_value("all").run()
    assert not errors(at), errors(at)
    want = expected(demo_db, "admin", DEMO_AREAS)
    shown = headline(at)
    for label, column in HEADLINE.items():
        assert shown[label] == round(want[column], 1), label
    assert want["items_before"] > expected(demo_db, "admin", ["D10"])["items_before"]


def test_charts_and_tables(demo_db: str) -> None:
    at = open_burden("admin", area="D10")
    titles = {str(chart_spec(c).get("title", {}).get("text")): c for c in charts(at)}
    assert set(titles) == {
        "Data items a year sent upward, by block",
        "Data items a year no longer keyed, by area",
        "Indicators sent to two or more recipients",
    }
    engine = db.get_engine(demo_db)
    lines = burden.upward(store.reporting_lines(engine))
    reported = store.reported_indicators(engine, store.cli_actor("reader"), DEMO_AREAS)
    per_block = burden.burden(lines, reported.filter(pl.col("area_code") == "D10"),
                              by=("block_code",))  # fmt: skip
    bars = chart_data(titles["Data items a year sent upward, by block"])
    assert bars.height == 3 * per_block.height  # before, after, once per block
    per_area = chart_data(titles["Data items a year no longer keyed, by area"])
    assert per_area["area"].n_unique() == len(DEMO_AREAS)
    (block_table, area_table) = [pl.from_pandas(d.value) for d in at.dataframe]
    # one row per block, in the blocks' order, each with its own count
    blocks = lines.select("block_code", "block_name", "block_order").unique()
    want = per_block.join(blocks, on="block_code").sort("block_order")
    assert block_table["Block"].to_list() == want["block_name"].to_list()
    assert block_table["Items without LAA"].to_list() == want["items_before"].round(1).to_list()
    assert block_table["Items saved"].to_list() == want["items_saved_by_once"].round(1).to_list()
    assert area_table.height == len(DEMO_AREAS)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") == 2 and labels.count("Excel") == 2
    assert any(e.label == "How this is counted" for e in at.expander)


@pytest.mark.parametrize("user", ["admin", "board", "go", "department"])
def test_every_role_sees_its_own_burden(demo_db: str, user: str) -> None:
    areas = visible(demo_db, user)
    area = "D10" if "D10" in areas else areas[0]
    at = open_burden(user, area=area)
    assert not errors(at), errors(at)
    assert len(charts(at)) == 3
    want = expected(demo_db, user, [area])
    shown = headline(at)
    for label, column in HEADLINE.items():
        assert shown[label] == round(want[column], 1), (user, label)


def test_a_department_counts_only_its_own_indicators(demo_db: str) -> None:
    admin = expected(demo_db, "admin", ["D10"])
    department = expected(demo_db, "department", ["D10"])
    assert 0 < department["indicators"] < admin["indicators"]
    at = open_burden("department", area="D10")
    assert headline(at)["Without the LAA"] == round(department["items_before"], 1)
    assert headline(at)["Without the LAA"] < round(admin["items_before"], 1)
