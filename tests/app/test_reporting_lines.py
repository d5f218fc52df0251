"""AppTest of pages/reporting_lines.py: the map of reporting lines, its filters and tables, and
an administrator's edits (grid and CSV upload), checked and audited."""

from __future__ import annotations

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import db, store
from dashboard.metrics.burden import ITEMS_PER_YEAR
from dashboard.reports.reporting_edits import EDIT_COLUMNS, editable_lines
from tests.app.conftest import all_text, app, chart_data, chart_spec, charts, errors

PAGE = "../pages/reporting_lines.py"
EDITOR = "rl_editor_0"  # the grid's key before any save


def open_lines(user: str = "admin", **params: str) -> AppTest:
    """The page's url_path (reporting-lines) is not its file name, so AppTest can only find it
    once the entrypoint has registered the pages: run the home page first."""
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE)
    return at.run()


def lines_in(url: str) -> pl.DataFrame:
    return store.reporting_lines(db.get_engine(url))


def matrix(at: AppTest) -> pl.DataFrame:
    (chart,) = [c for c in charts(at) if "Who receives" in str(chart_spec(c).get("title"))]
    return chart_data(chart)


def metrics(at: AppTest) -> dict[str, int]:
    return {m.label: int(m.value.replace(",", "")) for m in at.metric}


# The page's read-only tables in page order (st.dataframe carries no key to find it by).
TABLES = ("indicator", "return", "ending", "continuing")


def table(at: AppTest, name: str) -> pl.DataFrame:
    shown = [d for d in at.dataframe if d.editing_mode == "read_only"]
    assert len(shown) == len(TABLES)
    return pl.from_pandas(shown[TABLES.index(name)].value)


# ------------------------------------------------------------------------------ the map


def test_the_matrix_draws_every_line_once(demo_db: str) -> None:
    at = open_lines()
    assert not errors(at), errors(at)
    assert at.title[0].value == "Reporting lines"
    lines = lines_in(demo_db)
    drawn = matrix(at)
    assert drawn.height == lines.height
    assert sorted(drawn["line_id"].to_list()) == sorted(lines["line_id"].to_list())
    # each square sits in its recipient's column, with its return's frequency
    joined = drawn.join(lines, on="line_id", suffix="_db")
    assert (joined["recipient"] == joined["recipient_db"]).all()
    assert (joined["frequency"] == joined["frequency_db"]).all()
    # several returns to one recipient sit side by side, never on top of each other
    assert drawn.select("indicator_code", "recipient", "slot").is_unique().all()
    status = lines["laa_status"]
    assert metrics(at) == {
        "Indicators": lines["indicator_code"].n_unique(),
        "Reporting lines": lines.height,
        "Continue": int((status == "continues").sum()),
        "Stop": int((status == "stops").sum()),
        "Replaced": int((status == "replaced").sum()),
    }


def test_filters_narrow_the_map(demo_db: str) -> None:
    lines = lines_in(demo_db)
    at = open_lines()
    at.selectbox(key="w_rl_block").set_value("SSC").run()
    assert not errors(at)
    ssc = lines.filter(pl.col("block_code") == "SSC")
    assert 0 < ssc.height < lines.height
    assert sorted(matrix(at)["line_id"].to_list()) == sorted(ssc["line_id"].to_list())

    at.selectbox(key="w_rl_recipient").set_value("regulator").run()
    expected = ssc.filter(pl.col("recipient_type") == "regulator")
    assert sorted(matrix(at)["line_id"].to_list()) == sorted(expected["line_id"].to_list())
    assert metrics(at)["Reporting lines"] == expected.height

    at.selectbox(key="w_rl_block").set_value("").run()
    at.selectbox(key="w_rl_recipient").set_value("").run()
    at.text_input(key="rl_search").input("crime").run()
    crime = lines.filter(pl.col("indicator_name").str.to_lowercase().str.contains("crime"))
    assert crime.height > 0
    assert sorted(matrix(at)["line_id"].to_list()) == sorted(crime["line_id"].to_list())


def test_a_filter_comes_from_the_link(demo_db: str) -> None:
    at = open_lines(rl_status="stops")
    assert not errors(at)
    stops = lines_in(demo_db).filter(pl.col("laa_status") == "stops")
    assert sorted(matrix(at)["line_id"].to_list()) == sorted(stops["line_id"].to_list())


def test_stop_and_continue_tables_match_the_lines(demo_db: str) -> None:
    lines = lines_in(demo_db)
    at = open_lines()
    ending, continuing = table(at, "ending"), table(at, "continuing")
    stopped = lines.filter(pl.col("laa_status") != "continues")
    assert ending.height == stopped.height
    assert continuing.height == lines.height - stopped.height
    assert set(ending["After the LAA"]) == {"Stops", "Replaced"}
    assert "After the LAA" not in continuing.columns
    assert ending["Items a year"].sum() == pytest.approx(
        stopped["frequency"].replace_strict(ITEMS_PER_YEAR).sum(), abs=0.1
    )
    text = all_text(at)
    assert f"Stop or are replaced by the LAA return ({stopped.height})" in text
    assert f"Continue ({lines.height - stopped.height})" in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("CSV") >= 2 and labels.count("Excel") >= 2


def test_indicator_and_return_lookups(demo_db: str) -> None:
    lines = lines_in(demo_db)
    at = open_lines()
    at.selectbox(key="rl_pick_indicator").set_value("BV126").run()
    by_indicator = table(at, "indicator")
    bv126 = lines.filter(pl.col("indicator_code") == "BV126")
    assert by_indicator.height == bv126.height
    assert set(by_indicator["Return"]) == set(bv126["return_name"])

    name = "LAA quarterly performance return"
    at.selectbox(key="rl_pick_return").set_value(name).run()
    by_return = table(at, "return")
    expected = lines.filter(pl.col("return_name") == name)
    codes = by_return["Indicator"].str.split(" · ").list.first()
    assert sorted(codes.to_list()) == sorted(expected["indicator_code"].to_list())


# --------------------------------------------------------------------------- editing


def test_only_administrators_see_the_editor(demo_db: str) -> None:
    admin = open_lines("admin")
    assert any(e.label == "Edit reporting lines" for e in admin.expander)
    assert len(admin.data_editor) == 1 and admin.button(key="rl_save")
    board = open_lines("board")
    assert not errors(board)
    assert not any(e.label == "Edit reporting lines" for e in board.expander)
    assert not [b for b in board.button if b.key == "rl_save"]
    assert matrix(board).height == lines_in(demo_db).height  # the map is open to all


def _row_of(url: str, indicator: str, recipient: str) -> tuple[int, dict]:
    """The grid row (0-based, the editor's order) of a line, and the line."""
    grid = editable_lines(lines_in(url)).with_row_index("row")
    found = grid.filter(
        pl.col("indicator_code") == indicator, pl.col("recipient_code") == recipient
    ).row(0, named=True)
    return found["row"], found


def _edit(at: AppTest, rows: dict[int, dict], added: list[dict] | None = None) -> AppTest:
    at.session_state[EDITOR] = {"edited_rows": rows, "added_rows": added or [], "deleted_rows": []}
    return at.button(key="rl_save").click().run()


def test_an_edit_is_saved_and_audited(writable_demo: str) -> None:
    row, line = _row_of(writable_demo, "BV126", "AC")
    assert line["frequency"] != "quarterly"
    before = store.audit_frame(db.get_engine(writable_demo), store.cli_actor("reader"))
    at = _edit(open_lines(), {row: {"frequency": "quarterly"}})
    assert not errors(at), errors(at)
    assert any("1 line changed" in s.value for s in at.success)
    after = lines_in(writable_demo).filter(
        pl.col("indicator_code") == "BV126", pl.col("recipient_code") == "AC"
    )
    assert after["frequency"].to_list() == ["quarterly"]
    audit = store.audit_frame(db.get_engine(writable_demo), store.cli_actor("reader"))
    (change,) = audit.slice(before.height).to_dicts()  # the trail is append-only
    assert change["action"] == "reporting_line:change"
    assert change["user"] == "admin" and change["indicator_code"] == "BV126"
    assert "frequency=quarterly" in change["after"]
    assert f"frequency={line['frequency']}" in change["before"]
    # the map shows the saved line
    drawn = matrix(at).filter(pl.col("line_id") == after["line_id"][0])
    assert drawn["frequency"].to_list() == ["quarterly"]


def test_a_bad_edit_names_row_and_column_and_writes_nothing(writable_demo: str) -> None:
    row, _ = _row_of(writable_demo, "BV126", "AC")
    lines = lines_in(writable_demo)
    version = store.data_version(db.get_engine(writable_demo))
    added = {column: None for column in EDIT_COLUMNS} | {
        "indicator_code": "BV126", "recipient_type": "department", "recipient_code": "HO",
        "return_name": "New return", "frequency": "monthly", "due_days": -5,
    }  # fmt: skip
    at = _edit(open_lines(), {row: {"indicator_code": "NOPE"}}, [added])
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert "Nothing was saved" in message
    assert f"Row {row + 1}, indicator_code: unknown indicator “NOPE”" in message
    assert f"Row {lines.height + 1}, due_days: must not be negative" in message
    assert lines_in(writable_demo).equals(lines)
    assert store.data_version(db.get_engine(writable_demo)) == version  # no audit row either


def test_an_uploaded_file_is_checked_then_written(writable_demo: str) -> None:
    _, line = _row_of(writable_demo, "BV126", "AC")
    fields = {**{k: line[k] for k in EDIT_COLUMNS}, "frequency": "monthly"}
    csv = pl.DataFrame([fields]).write_csv().encode()
    at = open_lines()
    at.file_uploader(key="rl_upload").set_value(("lines.csv", csv, "text/csv")).run()
    assert not errors(at), errors(at)
    assert any("would update 1" in c.value for c in at.caption)
    unchanged = lines_in(writable_demo).filter(
        pl.col("indicator_code") == "BV126", pl.col("recipient_code") == "AC"
    )
    assert unchanged["frequency"].to_list() == [line["frequency"]]  # the dry run wrote nothing
    at.button(key="rl_upload_commit").click().run()
    assert not errors(at), errors(at)
    saved = lines_in(writable_demo).filter(
        pl.col("indicator_code") == "BV126", pl.col("recipient_code") == "AC"
    )
    assert saved["frequency"].to_list() == ["monthly"]

    bad = pl.DataFrame([{**fields, "indicator_code": "NOPE"}]).write_csv().encode()
    at.file_uploader(key="rl_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert any("refused" in e.value and "NOPE" in e.value for e in at.error)
