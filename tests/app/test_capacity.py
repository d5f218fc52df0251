"""AppTest of pages/capacity.py: the GO capacity assessment behind sign-off, for every demo role.

Each test writes to its own copy of the demo and records its assessments through the store
(two GO rounds and a self-assessment of D10, Thornbury Vale, in the demo GO's region), so
the expectations come from the store, never from the page.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import delete
from streamlit.testing.v1 import AppTest

from dashboard import db, store, tabular
from dashboard.access import AccessDenied, Actor, Grant
from dashboard.reports import capacity as report
from dashboard.ui import capacity as ui
from data_models import CapacityAssessment, CapacityCharacteristic, CapacityRating
from tests.app.conftest import all_text, app, chart_data, charts, errors, links

PAGE = "../pages/capacity.py"
AREA = "D10"  # Thornbury Vale, East Midlands (GOEM): the demo GO's and officer's area
AWAY = "D01"  # an area of the North East, outside the demo GO's region
FORMS = {"admin": "go", "go": "go", "officer": "self"}  # whose form each role sees
READERS = ("board", "lead", "viewer")
GO = Actor("go", (Grant("go", region_code="GOEM"),))
OFFICER = Actor("officer", (Grant("officer", area_code=AREA),))


def reader() -> Actor:
    return store.cli_actor("reader")


def framework(url: str) -> pl.DataFrame:
    """The demo's framework, or the standard one loaded into this copy if it has none."""
    engine = db.get_engine(url)
    if store.capacity_framework(engine).is_empty():
        rows = tabular.read_table(ui.STANDARD_FRAMEWORK).to_dicts()
        store.save_capacity_framework(engine, store.cli_actor("tester"), rows, first_row=2)
    return store.capacity_framework(engine)


def record(url: str, who: Actor, kind: str, day: date, levels: list[str], **extra) -> int:  # type: ignore[no-untyped-def]
    codes = framework(url)["code"].to_list()
    ratings = [
        {"characteristic_code": code, "level": levels[i % len(levels)], "evidence": f"ev {code}",
         "strengths": f"good {code}", "weaknesses": f"weak {code}"}
        for i, code in enumerate(codes)
    ]  # fmt: skip
    return store.record_capacity_assessment(
        db.get_engine(url), who, AREA, kind=kind, assessed_on=day, ratings=ratings, **extra
    )


@pytest.fixture
def assessed(writable_demo: str) -> str:
    """The demo copy with a self-assessment and two GO rounds of D10 (the newest: ready with
    conditions), dated after anything the demo itself holds, so they are the latest."""
    record(writable_demo, OFFICER, "self", date(2008, 11, 3), ["strong", "adequate"],
           overall="adequate", summary="Our own view")  # fmt: skip
    record(writable_demo, GO, "go", date(2008, 11, 4), ["weak", "developing"], overall="weak",
           recommendation="not_ready")  # fmt: skip
    record(writable_demo, GO, "go", date(2008, 11, 20), ["adequate", "developing", "strong"],
           overall="adequate", summary="Much improved since the spring",
           recommendation="ready_with_conditions",
           conditions=["Data quality plan agreed by March", "Risk register to the board"],
           recommendation_date=date(2008, 11, 25))  # fmt: skip
    return writable_demo


def open_capacity(user: str = "go", **params: str) -> AppTest:
    at = app(user)
    for key, value in {"area": AREA, **params}.items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def submit_buttons(at: AppTest) -> set[str]:
    return {b.key for b in at.button if b.key and b.key.startswith("capacity_save_")}


def versions(url: str, kind: str) -> pl.DataFrame:
    found, _ = store.capacity_assessments(db.get_engine(url), reader(), AREA)
    return found.filter(pl.col("kind") == kind)


# ------------------------------------------------------------------------- who sees what
@pytest.mark.parametrize("user", ["admin", "go", "officer", *READERS])
def test_every_area_role_reads_the_page_and_only_recorders_see_a_form(
    assessed: str, user: str
) -> None:
    at = open_capacity(user)
    assert not errors(at), errors(at)
    assert at.title[0].value == "Capacity assessment"
    expected = {f"capacity_save_{FORMS[user]}"} if user in FORMS else set()
    assert submit_buttons(at) == expected
    tabs = [t.label for t in at.tabs]
    assert ("Record an assessment" in tabs) == (user in FORMS)
    assert ("Framework" in tabs) == (user == "admin")


def test_an_administrator_may_record_either_kind(assessed: str) -> None:
    at = open_capacity("admin")
    assert at.radio(key="capacity_kind").options == [
        report.KIND_LABELS["go"],
        report.KIND_LABELS["self"],
    ]
    at.radio(key="capacity_kind").set_value("self").run()
    assert submit_buttons(at) == {"capacity_save_self"}


def test_a_department_is_told_whose_assessments_these_are(assessed: str) -> None:
    at = open_capacity("department")
    assert not errors(at), errors(at)
    (info,) = at.info
    assert "between an area's Local Strategic Partnership and its Government Office" in info.value
    assert not submit_buttons(at) and not at.tabs
    assert [label for label, _ in links(at.main)] == ["Open Department returns"]


def test_a_forged_area_does_not_open_another_regions_assessment(assessed: str) -> None:
    """A GO's ?area= of the North East shows an area of its own region, and the store
    refuses the other region's assessments whatever the page asks."""
    at = open_capacity("go", area=AWAY)
    assert not errors(at), errors(at)
    header = at.header[0].value
    assert f"({AWAY})" not in header
    areas = store.list_areas(db.get_engine(assessed), reader())
    goem = areas.filter(pl.col("region_code") == "GOEM")["area_code"].to_list()
    assert any(f"({code})" in header for code in goem)
    with pytest.raises(AccessDenied):
        store.capacity_assessments(db.get_engine(assessed), GO, AWAY)
    with pytest.raises(AccessDenied):
        store.record_capacity_assessment(
            db.get_engine(assessed), GO, AWAY, kind="go", assessed_on=date(2008, 11, 5),
            ratings=[{"characteristic_code": framework(assessed)["code"][0], "level": "weak"}],
            overall="weak", recommendation="not_ready",
        )  # fmt: skip


# --------------------------------------------------------------------- what it shows
def test_the_judgement_is_the_stores_latest(assessed: str) -> None:
    latest = report.latest_judgement(
        store.latest_capacity(db.get_engine(assessed), reader(), [AREA]), AREA
    )
    assert latest is not None and latest["overall"] == "adequate"
    at = open_capacity("board")
    text = all_text(at)
    assert ui.level_words(latest["overall"]) in text
    assert latest["signoff_recommendation"] == "Ready with conditions"
    assert "Ready with conditions</span> on 25 November 2008" in text
    for condition in latest["conditions"]:
        assert f"<li>{condition}</li>" in text
    assert latest["recorded_by"] == "go" and latest["recorded_by_name"] != "go"  # a full name
    assert f"Assessed on {latest['assessed_on']:%d %B %Y} by {latest['recorded_by_name']}" in text
    assert "Latest self-assessment: 03 November 2008" in text


def test_go_levels_beside_the_self_assessment_with_differences_marked(assessed: str) -> None:
    at = open_capacity("go")
    table = pl.from_pandas(next(d.value for d in at.dataframe if "Difference" in d.value.columns))
    names = framework(assessed)["name"].to_list()
    assert table["Characteristic"].to_list() == names
    # first characteristic: GO adequate, self strong: the partnership rates itself higher
    first = table.row(0, named=True)
    assert first["Government Office"] == "●●●○ Adequate"
    assert first["Self-assessment"] == "●●●● Strong"
    assert first["Difference"] == "▲ +1: the partnership rates itself higher"
    assert "= the same level" in table["Difference"].to_list()  # not all differ
    assert any(d.startswith("▼") for d in table["Difference"].to_list())
    detail = next(d.value for d in at.dataframe if "Evidence" in d.value.columns)
    assert set(detail["Whose"]) == {"Government Office", "Self-assessment"}


def test_the_heatmap_has_a_column_per_go_assessment(assessed: str) -> None:
    at = open_capacity("go")
    (chart,) = [c for c in charts(at) if "Government Office assessments of" in c.proto.spec]
    data = chart_data(chart)
    go = versions(assessed, "go")
    assert set(data["assessment_id"]) == set(go["id"])
    assert data["level_word"].is_in(["Strong", "Adequate", "Developing", "Weak"]).all()
    moved = pl.from_pandas(next(d.value for d in at.dataframe if "Movement" in d.value.columns))
    assert moved.height == framework(assessed).height
    assert "↗ improved" in moved["Movement"].to_list()
    assert "PNG" in {b.proto.label for b in at.get("download_button")}
    # the self-assessments on request
    at.radio(key="capacity_history_kind").set_value("self").run()
    (chart,) = [c for c in charts(at) if "self-assessments of" in c.proto.spec]
    assert set(chart_data(chart)["assessment_id"]) == set(versions(assessed, "self")["id"])


def test_an_earlier_version_can_be_read(assessed: str) -> None:
    go = versions(assessed, "go").sort("assessed_on")
    first = go.row(-2, named=True)
    at = open_capacity("viewer")
    at.selectbox(key="capacity_version").set_value(first["id"]).run()
    table = pl.from_pandas(next(d.value for d in at.dataframe if "Level" in d.value.columns
                                and "Condition for success" in d.value.columns))  # fmt: skip
    assert table["Level"][0] == ui.level_words("weak")
    assert "Not ready" in all_text(at)
    downloads = {b.proto.label for b in at.get("download_button")}
    assert {"CSV", "Excel"} <= downloads


def test_the_as_at_date_hides_later_assessments(assessed: str) -> None:
    at = open_capacity("go", as_at="2008-11-10")
    assert not errors(at), errors(at)
    (header,) = [h for h in at.get("html") if "Government Office judgement" in str(h.proto)]
    assert "Not ready" in str(header.proto) and "Ready with conditions" not in str(header.proto)


# ------------------------------------------------------------------------- recording
def test_the_go_records_an_assessment_through_the_form(assessed: str) -> None:
    before = versions(assessed, "go").height
    codes = framework(assessed)["code"].to_list()
    at = open_capacity("go")
    prefix = f"cap_go_{AREA}"
    # prefilled from the previous GO assessment
    assert at.radio(key=f"{prefix}_overall").value == "adequate"
    assert at.text_area(key=f"{prefix}_conditions").value.splitlines() == [
        "Data quality plan agreed by March",
        "Risk register to the board",
    ]
    at.radio(key=f"{prefix}_{codes[0]}_level").set_value("strong")
    at.text_area(key=f"{prefix}_{codes[0]}_evidence").input("Board minutes, November")
    at.radio(key=f"{prefix}_overall").set_value("strong")
    at.text_area(key=f"{prefix}_summary").input("Ready: the conditions are met")
    at.radio(key=f"{prefix}_recommendation").set_value("ready")
    at.button(key="capacity_save_go").click().run()
    assert not errors(at), errors(at)
    after = versions(assessed, "go").sort("id")
    assert after.height == before + 1
    new = after.row(-1, named=True)
    assert (new["overall"], new["recommendation"], new["conditions"]) == ("strong", "ready", [])
    assert new["assessed_on"] == date(2008, 11, 30)  # the demo's today
    _, ratings = store.capacity_assessments(db.get_engine(assessed), reader(), AREA)
    mine = ratings.filter(pl.col("assessment_id") == new["id"])
    assert mine.height == len(codes)  # every characteristic, prefilled
    first = mine.filter(pl.col("characteristic_code") == codes[0]).row(0, named=True)
    assert (first["level"], first["evidence"]) == ("strong", "Board minutes, November")
    assert "saved as a new version" in at.success[0].value
    assert "Ready for sign-off</span> on 30 November 2008" in all_text(at)  # shown at once


def test_the_officer_records_the_self_assessment(assessed: str) -> None:
    before = versions(assessed, "self").height
    at = open_capacity("officer")
    at.radio(key=f"cap_self_{AREA}_overall").set_value("developing")
    at.button(key="capacity_save_self").click().run()
    assert not errors(at), errors(at)
    after = versions(assessed, "self").sort("id")
    assert after.height == before + 1
    assert after.row(-1, named=True)["overall"] == "developing"
    assert after.row(-1, named=True)["recommendation"] is None


def test_a_refused_assessment_is_shown_in_the_domains_words(assessed: str) -> None:
    before = versions(assessed, "go").height
    at = open_capacity("go")
    prefix = f"cap_go_{AREA}"
    at.text_area(key=f"{prefix}_conditions").input("")
    at.radio(key=f"{prefix}_recommendation").set_value("ready_with_conditions")
    at.button(key="capacity_save_go").click().run()
    assert not at.exception
    (error,) = at.error
    assert error.value.startswith("The assessment was not saved:")
    assert "ready with conditions needs at least one condition" in error.value
    assert versions(assessed, "go").height == before


# ------------------------------------------------------------------------- the framework
def grid(at: AppTest) -> pl.DataFrame:
    return pl.from_pandas(next(d.value for d in at.dataframe if "weak" in d.value.columns))


def test_an_administrator_edits_the_framework_grid(assessed: str) -> None:
    """The grid holds every characteristic; an edit is saved and audited, a bad one is
    refused naming its row and column, and nothing is written."""
    engine = db.get_engine(assessed)
    before = store.capacity_framework(engine, include_retired=True)
    at = open_capacity("admin")
    assert at.tabs[-1].label == "Framework"
    assert grid(at)["code"].to_list() == before["code"].to_list()
    editor = "capacity_framework_editor_0"
    at.session_state[editor] = {
        "edited_rows": {1: {"name": ""}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    at.button(key="capacity_framework_save").click().run()
    (error,) = at.error
    shown = error.value.replace("\\", "")  # as read: Markdown's escapes dropped
    assert "Nothing was saved" in shown and "row 2, column name: required, but empty" in shown
    assert store.capacity_framework(engine, include_retired=True).equals(before)
    at.session_state[editor] = {
        "edited_rows": {1: {"name": "Delivery plans"}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    at.button(key="capacity_framework_save").click().run()
    assert not errors(at), errors(at)
    after = store.capacity_framework(engine, include_retired=True)
    assert after["name"][1] == "Delivery plans"
    assert after.drop("name").equals(before.drop("name"))
    assert "1 changed" in at.success[0].value
    audit = store.audit_frame(engine, store.cli_actor("admin"), None)
    assert "capacity_framework:update" in audit["action"].to_list()


def test_an_empty_framework_offers_the_standard_one(assessed: str) -> None:
    engine = db.get_engine(assessed)
    with db.write_transaction(engine) as conn:  # this copy only: the framework as if new
        for table in (CapacityRating, CapacityAssessment, CapacityCharacteristic):
            conn.execute(delete(table))
    at = open_capacity("admin")
    assert not errors(at), errors(at)
    at.button(key="capacity_load_standard").click().run()
    assert not errors(at), errors(at)
    loaded = store.capacity_framework(engine)
    standard = tabular.read_table(ui.STANDARD_FRAMEWORK)
    assert (
        loaded["code"].to_list()
        == standard.sort(pl.col("display_order").cast(pl.Int64))["code"].to_list()
    )
    assert "Framework saved" in at.success[0].value


# ------------------------------------------------------------------------- the overview
def test_the_overview_carries_the_judgement_and_a_link(assessed: str) -> None:
    at = app("board")
    at.query_params["area"] = AREA
    at.switch_page("../pages/overview.py")
    at.run()
    assert not errors(at), errors(at)
    line = next(c.value for c in at.caption if c.value.startswith("GO capacity judgement"))
    assert line == (
        "GO capacity judgement (20 Nov 2008): ●●●○ Adequate · Ready with conditions (2 conditions)"
    )
    assert ("Capacity assessment", {"area": AREA}) in links(at.main)
    # on an earlier as-at date, the judgement of then
    at = app("board")
    at.query_params.update(area=AREA, as_at="2008-11-10")
    at.switch_page("../pages/overview.py")
    at.run()
    line = next(c.value for c in at.caption if c.value.startswith("GO capacity judgement"))
    assert line == "GO capacity judgement (04 Nov 2008): ●○○○ Weak · Not ready"


def test_a_departments_overview_has_no_capacity_line(assessed: str) -> None:
    """The capacity page is not in a department's menu: its overview does not point there."""
    at = app("department")
    at.query_params["area"] = AREA
    at.switch_page("../pages/overview.py")
    at.run()
    assert not errors(at), errors(at)
    assert not [c for c in at.caption if c.value.startswith("GO capacity judgement")]
    assert "Capacity assessment" not in [label for label, _ in links(at.main)]


def test_an_area_without_assessments_says_so(assessed: str) -> None:
    engine = db.get_engine(assessed)
    codes = store.list_areas(engine, reader())["area_code"].to_list()
    assessed_codes = set(store.latest_capacity(engine, reader(), codes)["area_code"])
    bare = next(c for c in sorted(codes) if c not in assessed_codes and c != AREA)
    assert store.capacity_assessments(engine, reader(), bare)[0].is_empty(), bare
    at = open_capacity("admin", area=bare)
    assert not errors(at), errors(at)
    text = all_text(at)
    assert "No Government Office assessment dated on or before 30 November 2008" in text
    assert "The partnership has not recorded a self-assessment yet." in text
    infos = [i.value for i in at.info]
    assert "No assessment of this area yet: nothing to compare." in infos
    assert submit_buttons(at) == {"capacity_save_go"}  # the first assessment is recorded here
