"""Files that cannot blow up the server, through the importer and `laa import` (issue 11
item 2), on SQLite and PostgreSQL: a Mac CSV imports as the original does; a hostile or
broken file is refused with one plain message, exit code 1 and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from dashboard import store
from dashboard.cli import app
from dashboard.importer import import_file
from tests.conftest import FIXTURES, FRAMEWORK_INDICATORS

WORKED = FIXTURES / "worked_example"
PROJECT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _framework(engine, admin) -> None:  # type: ignore[no-untyped-def]
    store.set_setting(engine, admin, "today", "2008-11-30")
    for kind, path in [
        ("indicators", FRAMEWORK_INDICATORS),
        ("areas", WORKED / "areas.csv"),
        ("targets", WORKED / "targets.csv"),
    ]:
        assert import_file(engine, admin, kind, path).ok


def test_a_mac_csv_imports_as_the_original_does(engine, admin, tmp_path: Path) -> None:
    """The worked example's actuals saved with CR line ends: 18 values, the same ones (the
    original imported afterwards changes nothing). It used to be one 126-column header."""
    _framework(engine, admin)
    original = (WORKED / "actuals.csv").read_text()
    mac = tmp_path / "actuals (Macintosh).csv"
    mac.write_bytes(original.replace("\n", "\r").encode("mac_roman"))
    result = import_file(engine, admin, "actuals", mac)
    assert result.ok, result.describe()
    assert (result.rows, result.summary.inserted) == (18, 18)
    again = import_file(engine, admin, "actuals", WORKED / "actuals.csv")
    assert again.ok and again.summary.changed == 0, again.describe()


def _panicking_workbook(path: Path) -> Path:
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, ["area_code", "indicator_code", "period", "value"])
        sheet.write_row(1, 0, ["X01", "BV82ab"])
        sheet.write_number(1, 2, -1e300, book.add_format({"num_format": "yyyy-mm-dd"}))
        sheet.write_number(1, 3, 1)
    return path


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "wide.csv",
            (",".join(f"c{i}" for i in range(100_000)) + "\r1\r").encode(),
            "could not read the file: The header row has 100,000 columns; at most 200 can be read.",
        ),
        (
            "ragged.csv",
            b"area_code,indicator_code,period,value\nX01,BV82ab,2007-03-31,1,5\n",
            "could not read the file: Row 2 has 5 cells but the header has 4",
        ),
        ("panic.xlsx", None, "could not read the file: This workbook could not be read"),
    ],
)
def test_laa_import_refuses_a_broken_file_in_one_plain_message(
    engine, admin, tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    _framework(engine, admin)
    path = tmp_path / name
    if data is None:
        _panicking_workbook(path)
    else:
        path.write_bytes(data)
    result = runner.invoke(app, ["import", "actuals", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    head, problem = result.stderr.splitlines()
    assert head == f"{path}: refused, nothing was written (1 problem)"
    assert problem.startswith(message), problem
    assert "Traceback" not in result.output and "polars" not in problem


def test_laa_import_of_a_panicking_workbook_in_a_real_process(db_url: str, tmp_path: Path) -> None:
    """A panic inside the workbook reader reaches the user as the refusal alone: exit 1, no
    traceback, and none of the Rust panic text the reader prints on stderr (RUST_BACKTRACE=1
    adds its stack)."""
    path = _panicking_workbook(tmp_path / "panic.xlsx")
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(PROJECT), "RUST_BACKTRACE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "import", "actuals", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    for leak in ("Traceback", "PanicException", "panicked", "backtrace", "calamine"):
        assert leak not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        "could not read the file: This workbook could not be read"
    ), done.stderr
