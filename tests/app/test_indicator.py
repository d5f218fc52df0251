"""AppTest of pages/indicator.py: one target of one area — chart, reward maths, actuals."""

from __future__ import annotations

from datetime import date
from html import escape

import polars as pl
import pytest

from dashboard import db, store
from dashboard.charts import BLUE, INK, ORANGE
from dashboard.reports import board
from seed_data.demo import DEMO_TODAY
from tests.app.conftest import (
    DEMO_AREAS,
    PAGES,
    app,
    assess,
    chart_data,
    chart_spec,
    charts,
    errors,
    open_page,
    query,
    section,
)

AREA, REWARD, ORDINARY = "D05", "BV128", "BV126"  # in the demo: a reward and an ordinary target
REWARD_LAYERS = {"stretch_band", "without_line", "threshold_line"}


def _target(url: str, code: str, area: str = AREA, as_at: date | None = None) -> dict:
    result = assess(url, area) if as_at is None else assess(url, area, as_at)
    return result.targets.filter(pl.col("indicator_code") == code).row(0, named=True)


def _revisions(url: str, code: str, as_at: date | None = None) -> pl.DataFrame:
    frame = store.actual_revisions(db.get_engine(url), store.cli_actor("reader"), AREA, code)
    return frame if as_at is None else frame.filter(pl.col("period") <= as_at)


def _layers(spec: dict) -> dict[str, dict]:
    return {layer["name"]: layer for layer in spec["layer"]}


def _series_style(spec: dict) -> dict[str, tuple[str, list[int]]]:
    """Legend series -> (colour, dash), from the colour and dash scales of the actual line."""
    encoding = _layers(spec)["actual_line"]["encoding"]
    colour, dash = encoding["color"]["scale"], encoding["strokeDash"]["scale"]
    return {
        name: (c, d)
        for name, c, d in zip(colour["domain"], colour["range"], dash["range"], strict=True)
    }


@pytest.mark.parametrize("area", DEMO_AREAS)
def test_indicator_page_runs_for_every_demo_area(demo_db: str, area: str) -> None:
    at = open_page("indicator", area=area)
    assert not errors(at), errors(at)
    code = at.selectbox(key="w_indicator").value
    assert code in assess(demo_db, area).targets["indicator_code"].to_list()
    assert at.title[0].value.startswith(f"{code} ")
    assert len(charts(at)) == 1


def test_indicator_comes_from_the_link(demo_db: str) -> None:
    at = open_page("indicator", area=AREA, indicator=REWARD)
    assert not errors(at)
    assert at.title[0].value.startswith(REWARD)
    assert at.title[0].value == f"{REWARD} {_target(demo_db, REWARD)['indicator_name']}"
    assert query(at, "indicator") == REWARD and query(at, "area") == AREA


def test_unknown_indicator_falls_back_to_the_first(demo_db: str) -> None:
    at = open_page("indicator", area=AREA, indicator="NOPE")
    assert not errors(at)
    picker = at.selectbox(key="w_indicator")
    assert picker.options[0].startswith(f"{picker.value} — ")
    assert query(at, "indicator") == picker.value


def test_choosing_an_indicator_updates_the_url(demo_db: str) -> None:
    at = open_page("indicator", area=AREA, indicator=REWARD)
    at.selectbox(key="w_indicator").set_value(ORDINARY).run()
    assert not errors(at)
    assert query(at, "indicator") == ORDINARY
    assert at.title[0].value.startswith(f"{ORDINARY} ")


def test_reward_target_chart_has_the_reward_layers(demo_db: str) -> None:
    assert _target(demo_db, REWARD)["is_reward"]
    at = open_page("indicator", area=AREA, indicator=REWARD)
    (chart,) = charts(at)
    spec = chart_spec(chart)
    layers = _layers(spec)
    assert REWARD_LAYERS | {"trajectory_line", "actual_line", "target_marker"} <= set(layers)
    assert layers["actual_line"]["mark"]["color"] == INK == "#0b0c0c"
    assert layers["stretch_band"]["mark"]["type"] == "area"
    assert layers["target_marker"]["mark"]["shape"] == "diamond"
    style = _series_style(spec)
    assert style["Actual"] == (INK, [])
    assert style["Stretched target"] == (BLUE, []) and BLUE == "#1d70b8"
    assert style["Without reward"][1] == [1, 3]  # dotted
    assert style["60% of stretch"] == (ORANGE, [1, 3])
    assert "Trajectory" not in style  # the agreed path of a reward target is the stretched one


def test_ordinary_target_chart_has_no_reward_layers(demo_db: str) -> None:
    assert not _target(demo_db, ORDINARY)["is_reward"]
    at = open_page("indicator", area=AREA, indicator=ORDINARY)
    (chart,) = charts(at)
    spec = chart_spec(chart)
    layers = _layers(spec)
    assert {"trajectory_line", "actual_line", "target_marker"} <= set(layers)
    assert not REWARD_LAYERS & set(layers)
    style = _series_style(spec)
    assert {"Actual", "Trajectory"} <= set(style)
    assert not {"Stretched target", "Without reward", "60% of stretch"} & set(style)
    assert (
        set(chart_data(chart)["layer"]) & {"stretch_band", "without_reward", "threshold"} == set()
    )


def test_chart_data_holds_the_targets_actual_values(demo_db: str) -> None:
    result = assess(demo_db, AREA)
    row = result.targets.filter(pl.col("indicator_code") == REWARD).row(0, named=True)
    assert row["measure"] == "level"  # the values are plotted as returned
    expected = (
        result.scope.actuals.filter(
            pl.col("target_id") == row["target_id"], pl.col("period") <= result.as_at
        )
        .select(pl.col("period").dt.strftime("%Y-%m-%d"), "value")
        .sort("period")
    )
    at = open_page("indicator", area=AREA, indicator=REWARD)
    shown = (
        chart_data(charts(at)[0])
        .filter(pl.col("layer") == "actual")
        .select("period", "value")
        .sort("period")
    )
    assert expected.height > 10
    assert shown.to_dicts() == expected.to_dicts()


@pytest.mark.parametrize("code", [REWARD, ORDINARY])
def test_reward_explanation_is_the_cores(demo_db: str, code: str) -> None:
    expected = board.reward_explanation(_target(demo_db, code))
    at = open_page("indicator", area=AREA, indicator=code)
    assert any(m.value == expected for m in at.markdown), expected


def test_actuals_table_shows_the_current_revision_of_each_period(demo_db: str) -> None:
    revisions = _revisions(demo_db, REWARD)
    at = open_page("indicator", area=AREA, indicator=REWARD)
    table = at.dataframe[0].value
    assert len(table) == revisions["period"].n_unique()
    current = revisions.group_by("period").agg(pl.col("revision").max())
    assert sorted(table["Revision"].to_list()) == sorted(current["revision"].to_list())


def test_show_every_revision_adds_the_corrections(demo_db: str) -> None:
    revisions = _revisions(demo_db, REWARD)
    assert revisions.height > revisions["period"].n_unique()  # BV128 at D05 has corrections
    at = open_page("indicator", area=AREA, indicator=REWARD)
    assert len(at.dataframe[0].value) == revisions["period"].n_unique()
    at.toggle(key="all_revisions").set_value(True).run()
    assert not errors(at)
    assert len(at.dataframe[0].value) == revisions.height


def test_commentary_tab_shows_the_targets_commentary(demo_db: str) -> None:
    result = assess(demo_db, AREA)
    texts = result.scope.commentary.filter(pl.col("indicator_code") == REWARD)["text"].to_list()
    assert texts
    at = open_page("indicator", area=AREA, indicator=REWARD)
    (tab,) = [t for t in at.tabs if t.label == "Commentary"]
    shown = "\n".join(node.value for node in tab if getattr(node, "type", None) == "html")
    for text in texts:
        assert escape(text) in shown
    others = result.scope.commentary.filter(pl.col("indicator_code") != REWARD)["text"]
    assert not any(escape(text) in shown for text in others)


def test_as_at_hides_later_periods(demo_db: str) -> None:
    as_at = date(2007, 6, 30)
    revisions = _revisions(demo_db, REWARD, as_at)
    assert _revisions(demo_db, REWARD)["period"].max() > as_at  # there is something to hide
    at = open_page("indicator", area=AREA, indicator=REWARD, as_at=as_at.isoformat())
    assert not errors(at)
    assert at.sidebar.date_input(key="w_as_at").value == as_at
    assert len(at.dataframe[0].value) == revisions["period"].n_unique()
    actual = chart_data(charts(at)[0]).filter(pl.col("layer") == "actual")
    assert actual.height and actual["period"].max() <= as_at.isoformat()
    assert _target(demo_db, REWARD, as_at=as_at)["latest_period"] <= as_at


def test_empty_database_shows_an_info_box(empty_db: str) -> None:
    at = app().run()
    at.switch_page(PAGES["indicator"]).run()
    assert not at.exception
    assert at.title[0].value == "Indicator"
    assert "loads the demonstration areas" in at.info[0].value


# ---------------------------------------------------------------- commentary on any value

COMMENTARY_AREA = "D10"  # the demo users' area


def _silent_exception(url: str) -> str:
    """An exception of D10 without commentary yet."""
    result = assess(url, COMMENTARY_AREA)
    exceptions = board.exceptions(result.targets, result.scope.commentary, result.as_at)
    return exceptions.filter(pl.col("commentary").is_null())["indicator_code"][0]


def _commentary_html(at) -> str:  # type: ignore[no-untyped-def]
    (tab,) = [t for t in at.tabs if t.label == "Commentary"]
    return "\n".join(n.value for n in tab if getattr(n, "type", None) in ("html", "caption"))


def _add_commentary(at, period: date, why: str, action: str) -> None:  # type: ignore[no-untyped-def]
    at.selectbox(key="commentary_period").set_value(period)
    at.text_area(key="commentary_why").input(why)
    at.text_area(key="commentary_action").input(action)
    at.button(key="commentary_add").click().run()
    assert not errors(at), errors(at)


def test_commentary_on_an_existing_value_shows_in_the_overview_exception(
    writable_demo: str,
) -> None:
    code = _silent_exception(writable_demo)
    periods = (
        store.actual_revisions(db.get_engine(writable_demo), store.cli_actor("r"), "D10", code)
        .filter(pl.col("period") <= DEMO_TODAY)["period"]
        .unique()
        .sort(descending=True)
        .to_list()
    )
    assert len(periods) >= 2
    at = open_page("indicator", user="officer", area="D10", indicator=code, tab="Commentary")
    assert not errors(at), errors(at)
    assert at.session_state["tab"] == "Commentary"
    # An earlier period (not only the newest one), then the newest: both are kept.
    _add_commentary(at, periods[1], "Earlier: the cohort changed.", "Tracking by school.")
    assert any("Officer commentary added" in s.value for s in at.success)
    _add_commentary(at, periods[0], "Newest: a provider closed.", "A new provider from April.")
    shown = _commentary_html(at)
    newest, earlier = shown.find("Newest: a provider closed."), shown.find("Earlier: the cohort")
    assert 0 <= newest < earlier  # both listed, newest first
    assert escape("What is being done: A new provider from April.") in shown

    overview = open_page("overview", user="officer", area="D10")
    assert not errors(overview), errors(overview)
    said = "\n".join(
        str(n.value) for n in section(overview, "Exceptions") if getattr(n, "type", "") == "html"
    )
    assert "Newest: a provider closed." in said
    assert "Earlier: the cohort changed." not in said  # the newest commentary only


def test_board_comment_is_offered_to_the_board_and_nothing_to_the_viewer(
    writable_demo: str,
) -> None:
    code = _silent_exception(writable_demo)
    at = open_page("indicator", user="board", area="D10", indicator=code, tab="Commentary")
    assert not at.text_area(key="commentary_text").disabled
    assert not [t for t in at.text_area if t.key == "commentary_why"]  # board: comments only
    periods = at.selectbox(key="commentary_period")
    periods.select_index(len(periods.options) - 1)  # the last option: general
    at.text_area(key="commentary_text").input("The board asks for a recovery plan.")
    at.button(key="commentary_add").click().run()
    assert not errors(at), errors(at)
    shown = _commentary_html(at)
    assert "The board asks for a recovery plan." in shown and "Board comment" in shown
    assert "General" in shown

    viewer = open_page("indicator", user="viewer", area="D10", indicator=code, tab="Commentary")
    assert not viewer.text_area and not [b for b in viewer.button if b.key == "commentary_add"]
    assert "The board asks for a recovery plan." in _commentary_html(viewer)


def test_after_the_agreement_end_the_cards_show_the_outturn_not_a_forecast(
    demo_db: str,
) -> None:
    """D02's agreement ended on 31 March 2008; its YJ-FTE missed the target that year although
    later values are better: the page rates it on the outturn and expects the target."""
    as_at = date(2008, 6, 30)
    row = _target(demo_db, "YJ-FTE", area="D02", as_at=as_at)
    assert row["agreement_end"] < as_at and row["target_period_value"] is not None
    at = open_page("indicator", area="D02", indicator="YJ-FTE", as_at=as_at.isoformat())
    assert not errors(at), errors(at)
    cards = {m.label: m.value for m in at.metric}
    assert "Forecast" not in cards and "Expected now" not in cards
    assert cards["Outturn"] == f"{row['target_period_value']:,.0f}"
    assert cards["Expected"] == cards["Target"] == f"{row['target_value']:,.0f}"
    assert row["rag"] == "red"
    assert "Off track" in " ".join(h.body for h in at.get("html"))
    # While an agreement runs, the cards still forecast.
    running = open_page("indicator", area="D14", indicator="YJ-FTE", as_at=as_at.isoformat())
    labels = {m.label for m in running.metric}
    assert {"Forecast", "Expected now"} <= labels and "Outturn" not in labels


def test_a_past_view_draws_the_values_known_then_after_todays(demo_db: str) -> None:
    """The chart of a past view ("as known then") is its own, not the one drawn for today's
    view of the same date: a corrected value shows as it stood before the correction."""
    engine = db.get_engine(demo_db)
    reader = store.cli_actor("reader")
    targeted = assess(demo_db, AREA).targets["indicator_code"].to_list()
    found = None
    for code in targeted:  # a value corrected later than its first figure was recorded
        revised = store.actual_revisions(engine, reader, AREA, code).filter(
            pl.col("period") <= DEMO_TODAY
        )
        twice = revised.filter(pl.len().over("period") > 1).sort("period", "revision")
        if twice.height:
            first, last = (
                twice.row(0, named=True),
                twice.filter(pl.col("period") == twice["period"][0]).row(-1, named=True),
            )
            if first["value"] != last["value"] and first["recorded_at"] < last["recorded_at"]:
                found = code, first, last
                break
    assert found is not None, "the demo corrects some values"
    code, first, last = found
    moment = first["recorded_at"] + (last["recorded_at"] - first["recorded_at"]) / 2
    as_at = DEMO_TODAY.isoformat()

    def actual_at(at) -> float:  # type: ignore[no-untyped-def]
        assert not errors(at), errors(at)
        data = chart_data(charts(at)[0])
        period = pl.col("period").cast(pl.Utf8).str.slice(0, 10)  # shipped as ISO text
        rows = data.filter((pl.col("layer") == "actual") & (period == first["period"].isoformat()))
        return float(rows["value"][0])

    today = open_page("indicator", area=AREA, indicator=code, as_at=as_at)
    assert actual_at(today) == pytest.approx(last["value"])
    then = open_page(
        "indicator", area=AREA, indicator=code, as_at=as_at,
        known_at=moment.isoformat(timespec="minutes"),
    )  # fmt: skip
    assert actual_at(then) == pytest.approx(first["value"])
