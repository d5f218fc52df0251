"""`laa import capacity-framework` and `laa export capacity`: the seed framework goes in,
bad files are refused by row and column with nothing written, and an area's assessments come
out as spreadsheet-safe CSV that only its readers may take."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select

from dashboard import store
from dashboard.store import Actor, Grant
from data_models import CapacityCharacteristic
from tests.unit.test_cli import WORKED, add_user, run

SEED = Path(store.FRAMEWORK_DIR) / "capacity_framework.csv"


def _characteristics(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(CapacityCharacteristic)).scalar_one()


def test_import_the_seed_framework_then_again_unchanged(engine: Engine) -> None:
    result = run("import", "capacity-framework", SEED)
    framework = store.capacity_framework(engine)
    assert framework.height == 11 and "added 11" in result.stderr
    assert set(framework["condition"]) == {
        "Clarity of vision",
        "Performance improvement capacity",
        "Meaningful accountability within and between partnerships",
        "Simplified and integrated vertical performance management",
    }
    assert {"LEADERSHIP", "PMF", "DATA", "RISK", "FUNDS", "COMMUNITY", "DELIVERY"} <= set(
        framework["code"]
    )
    assert framework.filter(framework["code"] == "DATA")["strong"][0].startswith(
        "Values are checked at source and graded"
    )
    again = run("import", "capacity-framework", SEED)
    assert "added 0, updated 0, unchanged 11" in again.stderr


def test_a_changed_file_updates_and_retires(engine: Engine, tmp_path: Path) -> None:
    run("import", "capacity-framework", SEED)
    text = SEED.read_text(encoding="utf-8").replace(",true\r\n", ",true\n")
    lines = text.splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",false"  # retire the first characteristic
    changed = tmp_path / "framework.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", "capacity-framework", changed)
    assert "updated 1, unchanged 10" in result.stderr
    assert store.capacity_framework(engine).height == 10
    assert store.capacity_framework(engine, include_retired=True).height == 11


def test_a_bad_file_is_refused_by_row_and_column(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,condition,description,display_order,strong,adequate,developing,weak\n"
        "VISION,Vision,Clarity of vision,,1,a,b,c,d\n"
        "DATA,,Capacity,,two,a,b,c,\n",
        encoding="utf-8",
    )
    result = run("import", "capacity-framework", bad, code=1)
    assert "refused, nothing was written (3 problems)" in result.stderr
    assert "row 3, column name: required, but empty" in result.stderr
    assert "row 3, column display_order: 'two' is not a whole number" in result.stderr
    assert "row 3, column weak: required, but empty" in result.stderr
    assert _characteristics(engine) == 0


def test_missing_and_unknown_columns_are_named(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level_weak\nX,Y,z\n", encoding="utf-8")
    result = run("import", "capacity-framework", bad, code=1)
    assert "column condition: required column is missing" in result.stderr
    assert "column level_weak: unknown column" in result.stderr
    assert _characteristics(engine) == 0
    assert "no such file" in run("import", "capacity-framework", tmp_path / "x.csv", code=2).stderr


def test_only_an_administrator_imports_the_framework(engine: Engine) -> None:
    run("import", "indicators", Path(store.FRAMEWORK_DIR) / "indicators.csv")
    run("import", "areas", WORKED / "areas.csv")
    add_user("gina", "go", "--region", "GOWM")
    result = run("--as", "gina", "import", "capacity-framework", SEED, code=1)
    assert "refused" in result.stderr and _characteristics(engine) == 0


def test_export_capacity_is_csv_of_every_assessment(engine: Engine, tmp_path: Path) -> None:
    run("import", "indicators", Path(store.FRAMEWORK_DIR) / "indicators.csv")
    run("import", "areas", WORKED / "areas.csv")
    run("import", "capacity-framework", SEED)
    go = Actor("Gordon", (Grant("go", region_code="GOWM"),))
    store.record_capacity_assessment(
        engine, go, "X01", kind="go", assessed_on=date(2008, 3, 14), overall="adequate",
        ratings=[
            {"characteristic_code": "DATA", "level": "weak", "evidence": "=cmd|' /C calc'!A0",
             "strengths": "", "weaknesses": "late returns"},
            {"characteristic_code": "VISION", "level": "strong", "evidence": "board minutes",
             "strengths": "shared", "weaknesses": ""},
        ],
        recommendation="ready_with_conditions", conditions=["Data plan by June", "PCT signs"],
    )  # fmt: skip
    result = run("export", "capacity", "--area", "X01")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["characteristic_code"] for r in rows] == ["VISION", "DATA"]  # display order
    assert {r["recommendation"] for r in rows} == {"ready_with_conditions"}
    assert rows[0]["conditions"] == "Data plan by June; PCT signs"
    assert rows[1]["evidence"].startswith("'=")  # a formula opens as text
    assert result.stderr == ""
    out = tmp_path / "capacity.csv"
    assert "wrote 2 rows" in run("export", "capacity", "--area", "X01", "-o", out).stderr
    assert out.read_text(encoding="utf-8").startswith("area_code,assessment_id,kind,")


def test_export_capacity_refuses_unknown_areas_and_other_regions(engine: Engine) -> None:
    run("import", "indicators", Path(store.FRAMEWORK_DIR) / "indicators.csv")
    run("import", "areas", WORKED / "areas.csv")
    assert "not a known area code" in run("export", "capacity", "--area", "Z99", code=2).stderr
    add_user("nell", "go", "--region", "GONE")
    result = run("--as", "nell", "export", "capacity", "--area", "X01", code=1)
    assert "refused" in result.stderr and result.stdout == ""
    header = run("export", "capacity", "--area", "X01").stdout.strip()
    assert header.startswith("area_code,assessment_id,kind,assessed_on")
