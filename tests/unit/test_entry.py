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
