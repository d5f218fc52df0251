"""Period data entry: what to report, the shared hard rules, the soft rules, all-or-nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from dashboard import accounts, db, entry, store
from dashboard.access import AccessDenied
from dashboard.analysis import assess_areas
from data_models import ActualRevision, Commentary
from seed_data.demo import DEMO_TODAY, seed_demo

AREA = "D10"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('entry')) / 'demo.db'}"
    store.upgrade(url)
    seed_demo(db.get_engine(url), store.cli_actor("tester"))
    db.get_engine(url).dispose()  # the last connection closing checkpoints the WAL into the file
    return url


@pytest.fixture
def engine(demo_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A private copy of the demo per test (tests write)."""
    source = Path(demo_url.removeprefix("sqlite:///"))
    copy = tmp_path / "copy.db"
    copy.write_bytes(source.read_bytes())
    engine = db.get_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _grid(engine, user: str):  # type: ignore[no-untyped-def]
    actor = accounts.actor_for(engine, user)
    result = assess_areas(engine, actor, [AREA], DEMO_TODAY)
    return actor, result, entry.entry_grid(result, actor)


def test_a_lead_reports_only_their_partnerships_targets(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    owners = result.targets.filter(pl.col("indicator_code").is_in(grid["indicator_code"].implode()))
    assert grid.height > 0
    assert set(owners["partnership"].to_list()) == {g.partnership for g in actor.grants}
    _officer, result, everything = _grid(engine, "officer")
    assert everything.height > grid.height
    assert set(grid["state"].to_list()) <= {"open", "due", "overdue"}


def test_typed_values_are_saved_in_one_transaction_with_commentary(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    before = _count(engine, ActualRevision)
    edited = grid.head(2).with_columns(
        value=pl.col("expected_value"),  # on trajectory: no commentary needed
        commentary=pl.lit("Figures from the monthly return."),
    )
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert check.ok, check.errors
    summary = entry.save_entries(engine, actor, check)
    assert summary.inserted == 2
    assert _count(engine, ActualRevision) == before + 2
    after = assess_areas(engine, actor, [AREA], DEMO_TODAY)
    code, period = edited["indicator_code"][0], edited["period"][0]
    values = after.scope.actuals.join(
        after.targets.select("target_id", "indicator_code"), on="target_id"
    )
    row = values.filter((pl.col("indicator_code") == code) & (pl.col("period") == period))
    assert row["value"].to_list() == [pytest.approx(edited["value"][0])]
    assert row["status"].to_list() == ["provisional"]


def test_behind_trajectory_without_commentary_is_refused_whole(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    polarity = result.targets.select("indicator_code", "polarity")
    rows = grid.head(2).join(polarity, on="indicator_code", how="left", maintain_order="left")
    worse = (
        pl.when(pl.col("polarity") == "higher")
        .then(pl.col("expected_value") * 0.5)
        .otherwise(pl.col("expected_value") * 1.5)
    )
    edited = rows.with_columns(value=worse).drop("polarity")
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert not check.ok
    assert any(
        "row 1, column commentary" in e and "behind its trajectory" in e for e in check.errors
    )
    before = _count(engine, ActualRevision)
    with pytest.raises(ValueError, match="nothing was saved"):
        entry.save_entries(engine, actor, check)
    assert _count(engine, ActualRevision) == before


def test_hard_rules_are_the_importers_and_name_the_grid_row(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    edited = grid.head(3).with_columns(
        value=pl.Series([None, 1.0, 2.0]), status=pl.Series(["final", "made-up", "final"])
    )
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert any(e.startswith("row 2, column status, value 'made-up'") for e in check.errors), (
        check.errors
    )


def test_implausible_values_need_confirmation(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    edited = grid.head(1).with_columns(
        value=pl.lit(1e7), commentary=pl.lit("A data error? Checking.")
    )
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert check.implausible and "plausible range" in check.implausible[0]


def test_a_lead_cannot_save_another_partnerships_values(engine) -> None:
    lead, _result, grid = _grid(engine, "lead")
    _officer, full, everything = _grid(engine, "officer")
    other = everything.join(grid.select("indicator_code").unique(), on="indicator_code", how="anti")
    edited = other.head(1).with_columns(value=pl.col("expected_value"))
    check = entry.check_entries(engine, lead, full, edited, DEMO_TODAY)
    before = (_count(engine, ActualRevision), _count(engine, Commentary))
    with pytest.raises(AccessDenied):
        entry.save_entries(engine, lead, check)
    assert (_count(engine, ActualRevision), _count(engine, Commentary)) == before


def test_nothing_typed_saves_nothing(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    check = entry.check_entries(engine, actor, result, grid, DEMO_TODAY)
    assert check.ok and check.rows == []
    assert date(2008, 11, 30) == DEMO_TODAY


def test_excel_template_round_trip(engine, tmp_path) -> None:
    """Download the template, fill in one value, upload: the importer writes exactly that."""
    from dashboard.importer import import_file

    actor, result, grid = _grid(engine, "lead")
    path = tmp_path / "template.xlsx"
    path.write_bytes(entry.template_workbook(result, actor))
    sheet = pl.read_excel(path, sheet_name="Values", infer_schema_length=0)
    assert sheet.columns == list(entry.TEMPLATE_COLUMNS)
    assert sheet.height == grid.height
    filled = sheet.with_columns(
        value=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("12.5")).otherwise(pl.col("value"))
    )
    typed = tmp_path / "typed.xlsx"
    filled.write_excel(typed, worksheet="Values")
    upload = entry.filled_rows(typed, tmp_path / "values.csv")
    preview = entry.upload_preview(engine, result, upload)
    assert preview["change"].to_list() == ["new"]
    before = _count(engine, ActualRevision)
    done = import_file(engine, actor, "actuals", upload, skip_empty_values=True)
    assert done.ok, done.describe()
    assert _count(engine, ActualRevision) == before + 1


def test_a_correction_adds_a_revision_with_its_reason(engine) -> None:
    actor = accounts.actor_for(engine, "officer")
    result = assess_areas(engine, actor, [AREA], DEMO_TODAY)
    row = result.scope.actuals.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).row(0, named=True)
    summary = entry.correct_value(
        engine, actor, area_code=AREA, indicator_code=row["indicator_code"], period=row["period"],
        value=row["value"] + 1, status="final", data_quality="audited", reason="recount by the PCT",
        seen_revision=row["revision"], today=DEMO_TODAY,
    )  # fmt: skip
    assert summary.inserted == 1
    history = store.actual_revisions(engine, actor, AREA, row["indicator_code"]).filter(
        pl.col("period") == row["period"]
    )
    assert history["revision"].to_list()[0] == row["revision"] + 1
    assert history["note"].to_list()[0] == "recount by the PCT"
    assert history["value"][1] == pytest.approx(row["value"])  # the earlier value is kept


def test_a_correction_needs_a_reason_and_a_fresh_revision(engine) -> None:
    actor = accounts.actor_for(engine, "officer")
    result = assess_areas(engine, actor, [AREA], DEMO_TODAY)
    row = result.scope.actuals.join(
        result.targets.select("target_id", "indicator_code"), on="target_id"
    ).row(0, named=True)
    common = {"area_code": AREA, "indicator_code": row["indicator_code"], "period": row["period"],
              "value": row["value"] + 1, "status": "final", "data_quality": None, "today": DEMO_TODAY}  # fmt: skip
    with pytest.raises(ValueError, match="needs a reason"):
        entry.correct_value(engine, actor, reason=" ", seen_revision=row["revision"], **common)
    with pytest.raises(store.ConcurrentChange):
        entry.correct_value(
            engine, actor, reason="late", seen_revision=row["revision"] - 1, **common
        )


# ------------------------------------------------------------- typed text, never a mangled number


def _row_of(grid: pl.DataFrame, code: str) -> int:
    """The grid position (0-based) of `code`'s first row."""
    return grid["indicator_code"].to_list().index(code)


@pytest.mark.parametrize("typed", ["abc", "n/a", "twelve", "1x9"])
def test_a_typo_is_refused_with_the_importers_message_naming_the_grid_row(
    engine, typed: str
) -> None:
    """Text that is not a plain number is refused (never read as 0 or 19) and nothing is saved."""
    actor, result, grid = _grid(engine, "lead")
    values = [None] * grid.height
    values[2] = typed  # the grid's third row
    edited = grid.with_columns(value=pl.Series(values, dtype=pl.Utf8))
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert check.errors == [
        f"row 3, column value, value '{typed}': is not a number (use '.' as the decimal point, "
        "no thousands separators)"
    ]
    assert check.rows == []
    before = _count(engine, ActualRevision)
    with pytest.raises(ValueError, match="nothing was saved"):
        entry.save_entries(engine, actor, check)
    assert _count(engine, ActualRevision) == before


def test_what_is_saved_is_exactly_what_was_typed(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    i = _row_of(grid, "BV127a")
    values = [None] * grid.height
    values[i] = " 29.15 "  # as typed into the text cell, spaces and all
    edited = grid.with_columns(value=pl.Series(values, dtype=pl.Utf8))
    check = entry.check_entries(engine, actor, result, edited, DEMO_TODAY)
    assert check.ok and check.to_confirm == [], (check.errors, check.to_confirm)
    entry.save_entries(engine, actor, check)
    saved = store.actual_revisions(engine, actor, AREA, "BV127a").filter(
        pl.col("period") == grid["period"][i]
    )
    assert saved["value"].to_list() == [29.15]


# --------------------------------------------------------------------- far better than expected


@pytest.mark.parametrize(
    ("value", "expected", "previous", "polarity", "flagged"),
    [
        (7.0, 29.2, 29.2, "lower", True),  # 7 typed for 27: 22.2 ahead, denominator 2.8
        (28.0, 29.2, 29.2, "lower", False),  # 1.2 ahead: less than half of 2.8
        (27.8, 29.2, 29.2, "lower", False),  # exactly half ahead: not more than half
        (26.0, 29.2, 26.5, "lower", False),  # far ahead of the trajectory, not of the last value
        (7.0, 29.2, None, "lower", True),  # no previous value: the trajectory decides
        (40.0, 22.0, 24.0, "higher", True),
        (7.0, 22.0, 24.0, "higher", False),  # far behind is the commentary rule's business
        (7.0, None, 24.0, "lower", False),  # no trajectory, no rule
    ],
)
def test_far_better_than_its_trajectory_and_the_previous_value(
    value: float, expected: float | None, previous: float | None, polarity: str, flagged: bool
) -> None:
    denominator = 2.8 if polarity == "lower" else 1.8
    assert entry.far_better(value, expected, previous, polarity, denominator) is flagged


def test_a_far_better_value_in_the_grid_asks_for_confirmation(engine) -> None:
    actor, result, grid = _grid(engine, "lead")
    i = _row_of(grid, "BV127a")  # expected about 29.2, previous 29.2, baseline 31.6 -> 28.8
    values = [None] * grid.height
    values[i] = "7"
    check = entry.check_entries(
        engine, actor, result, grid.with_columns(value=pl.Series(values)), DEMO_TODAY
    )
    assert check.ok and check.implausible == []
    assert check.far_better == [
        f"row {i + 1}, BV127a: 7 is far better than expected (29.21) and than the previous "
        "value (29.2): check it is not a slip"
    ]


# ------------------------------------------------------------------ the template, as the grid


def _template(engine, tmp_path: Path, values: dict[str, str], comments: dict[str, str]):  # type: ignore[no-untyped-def]
    """The lead's downloaded template with `values` (and `comments`) typed into the first row
    of each named indicator, saved as the user's own file `my updates.xlsx`."""
    actor, result, grid = _grid(engine, "lead")
    path = tmp_path / "template.xlsx"
    path.write_bytes(entry.template_workbook(result, actor))
    sheet = pl.read_excel(path, sheet_name="Values", infer_schema_length=0)
    firsts = {code: _row_of(grid, code) for code in values}
    index = pl.int_range(pl.len())
    for code, text in values.items():
        sheet = sheet.with_columns(
            value=pl.when(index == firsts[code]).then(pl.lit(text)).otherwise(pl.col("value")),
            commentary=pl.when(index == firsts[code])
            .then(pl.lit(comments.get(code)))
            .otherwise(pl.col("commentary")),
        )
    typed = tmp_path / "upload.xlsx"
    sheet.write_excel(typed, worksheet="Values")
    return actor, result, typed, {code: i + 2 for code, i in firsts.items()}  # file rows


def test_the_template_carries_name_unit_last_and_expected_values(engine, tmp_path) -> None:
    actor, result, grid = _grid(engine, "lead")
    path = tmp_path / "template.xlsx"
    path.write_bytes(entry.template_workbook(result, actor))
    sheet = pl.read_excel(path, sheet_name="Values")
    assert sheet.columns == list(entry.TEMPLATE_COLUMNS)
    row = sheet.row(_row_of(grid, "BV143"), named=True)
    assert row["indicator_name"].startswith("Deaths and injuries")
    assert row["unit"] == "rate per 100000"
    assert row["last_value"] == 12.6 and row["expected_value"] == pytest.approx(12.33)
    assert row["value"] is None and row["commentary"] is None


def test_an_upload_raises_the_grids_soft_rules(engine, tmp_path) -> None:
    """Implausible (BV143 = 5000 of 0–30), behind its trajectory without commentary (BV126),
    far better than expected (BV127a = 7): the same warnings and refusal as the grid."""
    actor, result, typed, rows = _template(
        engine, tmp_path, {"BV143": "5000", "BV126": "20.5", "BV127a": "7"}, {}
    )
    review = entry.review_upload(engine, actor, result, typed, "my updates.xlsx", DEMO_TODAY)
    assert review.errors == [] and review.trial is not None and review.trial.ok
    assert review.check.implausible == [
        f"row {rows['BV143']}, BV143: 5000 is outside the plausible range 0–30"
    ]
    assert [e.split(":")[0] for e in review.check.errors] == [
        f"row {rows['BV126']}, column commentary",  # (file order: BV126 is above BV143)
        f"row {rows['BV143']}, column commentary",  # 5000 deaths and injuries: behind too
    ]
    assert "BV126 at 20.5 is behind its trajectory" in review.check.errors[0]
    assert [w.split(":")[0] for w in review.check.far_better] == [f"row {rows['BV127a']}, BV127a"]
    assert not review.writable
    assert "my updates.xlsx" in review.trial.describe()
    assert str(tmp_path) not in review.trial.describe()
    before = _count(engine, ActualRevision)
    with pytest.raises(ValueError, match="nothing was written"):
        entry.write_upload(engine, actor, typed, review)
    assert _count(engine, ActualRevision) == before


def test_an_upload_writes_values_and_commentary_in_one_go_naming_the_file(engine, tmp_path) -> None:
    actor, result, typed, _rows = _template(
        engine, tmp_path, {"BV126": "20.5", "BV128": "18.3"}, {"BV126": "Two burglary series."}
    )
    review = entry.review_upload(engine, actor, result, typed, "my updates.xlsx", DEMO_TODAY)
    assert review.writable, (review.errors, review.check.errors)
    before = (_count(engine, ActualRevision), _count(engine, Commentary))
    done = entry.write_upload(engine, actor, typed, review)
    assert done.ok and done.summary.inserted == 2
    assert (_count(engine, ActualRevision), _count(engine, Commentary)) == (
        before[0] + 2,
        before[1] + 1,
    )
    with engine.connect() as conn:
        reasons = conn.exec_driver_sql(
            "SELECT action, reason FROM audit_event WHERE indicator_code IN ('BV126', 'BV128') "
            "ORDER BY id DESC LIMIT 3"
        ).all()
    values = [reason for action, reason in reasons if action == "value"]
    assert values == ["import of my updates.xlsx"] * 2


def test_an_upload_refused_by_the_store_writes_no_commentary(engine, tmp_path) -> None:
    """Values and commentary are one transaction: a lock refusing the values keeps the comment
    out too."""
    actor, result, typed, _rows = _template(
        engine, tmp_path, {"BV126": "20.5"}, {"BV126": "Two burglary series."}
    )
    review = entry.review_upload(engine, actor, result, typed, "my updates.xlsx", DEMO_TODAY)
    assert review.writable
    store.lock_periods(engine, accounts.actor_for(engine, "officer"), AREA, DEMO_TODAY, "seen")
    before = (_count(engine, ActualRevision), _count(engine, Commentary))
    done = entry.write_upload(engine, actor, typed, review)
    assert not done.ok and "locked" in done.errors[0]
    assert (_count(engine, ActualRevision), _count(engine, Commentary)) == before


def test_an_upload_over_a_value_saved_since_it_was_checked_is_a_conflict(engine, tmp_path) -> None:
    """The lead checks a file; the officer then saves BV126's period: writing the file is
    refused whole, naming its row, the officer and the value; after a fresh check it writes."""
    actor, result, typed, rows = _template(
        engine, tmp_path, {"BV126": "20.5", "BV128": "18.3"}, {"BV126": "Two burglary series."}
    )
    first = entry.review_upload(engine, actor, result, typed, "my updates.xlsx", DEMO_TODAY)
    assert first.writable, (first.errors, first.check.errors)
    officer = accounts.actor_for(engine, "officer")
    (key,) = [k for k in first.seen if k[1] == "BV126"]
    store_row = {"area_code": AREA, "indicator_code": "BV126", "period": key[2], "value": 19.0}
    with db.write_transaction(engine) as conn:
        store.save_actuals(conn, officer, [store_row])
    before = (_count(engine, ActualRevision), _count(engine, Commentary))

    done = entry.write_upload(engine, actor, typed, first)  # the page keeps the first check's
    assert not done.ok
    assert (_count(engine, ActualRevision), _count(engine, Commentary)) == before
    (message,) = done.errors
    assert message.startswith(f"Row {rows['BV126']} (BV126, {key[2].isoformat()}): ")
    assert "Priya Shah, LSP Performance Officer saved 19" in message
    assert message.endswith("after you uploaded this file — review and save again")

    again = entry.review_upload(engine, actor, result, typed, "my updates.xlsx", DEMO_TODAY)
    done = entry.write_upload(engine, actor, typed, again)
    assert done.ok and done.summary.inserted == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.xlsx", b"PK\x03\x04 not really a workbook", "This file is not a readable Excel"),
        # Windows (cp1252) and Mac text are read now; bytes that are neither are refused.
        ("binary.csv", b"area_code,value\nD10,\x81\x8d\x00\n", "is not text that can be read"),
        ("empty.csv", b"", "This file is empty."),
    ],
)
def test_an_unreadable_upload_is_said_in_plain_words(
    engine, tmp_path, name: str, content: bytes, message: str
) -> None:
    actor, result, _grid_rows = _grid(engine, "lead")
    raw = tmp_path / name
    raw.write_bytes(content)
    review = entry.review_upload(engine, actor, result, raw, name, DEMO_TODAY)
    assert len(review.errors) == 1 and message in review.errors[0]
    for leak in (str(tmp_path), "calamine", "Zip", "utf-8 sequence", "polars"):
        assert leak not in review.errors[0]


def test_a_cumulative_target_is_checked_on_its_running_total(engine) -> None:
    """Skills for Life at D07 counts learners over three years: a year's figure is checked as
    the running total it makes (against the running-total trajectory), and against the
    previous year's figure, not a year's figure against a three-year total."""
    actor = accounts.actor_for(engine, "admin")
    result = assess_areas(engine, actor, ["D07"], DEMO_TODAY)
    period = date(2008, 3, 31)  # 2007/08: 1,101 learners in 2006/07 before it
    entries = pl.DataFrame(
        {"indicator_code": ["SFL", "SFL"], "period": [period, period], "value": [1200.0, 3500.0]}
    )
    context = entry.entry_context(result, entries)
    assert context["tracked_value"].to_list() == [2301.0, 4601.0]
    assert context["previous_value"].to_list() == [1101.0, 1101.0]
    assert context["denominator"].to_list() == [3402.0, 3402.0]
    assert 1200 < context["expected_value"][0] < 2301  # a running total, so 1200 is not behind
    check = entry.EntryCheck()
    entry._soft_checks(
        result,
        [{"row": n, "indicator_code": "SFL", "period": period, "value": v, "commentary": ""}
         for n, v in ((1, 1200.0), (2, 3500.0))],
        check,
    )  # fmt: skip
    assert check.errors == []  # neither is behind its (running-total) trajectory
    assert [w.split(":")[0] for w in check.far_better] == ["row 2, SFL"]
