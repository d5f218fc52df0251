"""Reading a user's file safely (issue 11 item 2): line ends, encodings, sizes, shapes, panics.

Every file a user gives the dashboard goes through `tabular.read_table`; a refusal is one
plain sentence with no path or library text, and a hostile file costs bounded time and memory
(checked in a child process with an address-space limit, so a regression fails the test
instead of taking the machine down).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from dashboard import importer, tabular
from dashboard.tabular import UnreadableFile, read_table

PROJECT = Path(__file__).resolve().parents[2]
HEADER = "area_code,indicator_code,period,value"
ROWS = ["D10,NI_1,2007-03-31,1.5", "D10,NI_2,2007-03-31,2"]
LEAKS = ("/", "\\", "polars", "calamine", "fastexcel", "Panic", "utf-8 sequence", "Traceback")


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(UnreadableFile) as refused:
        read_table(path)
    message = str(refused.value)
    for leak in (*LEAKS, str(path.parent), path.name):
        assert leak not in message, message
    return message


def _workbook(path: Path, cells: list[tuple[int, int, object]]) -> Path:
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("Values")
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        for row, column, value in cells:
            if isinstance(value, float):
                sheet.write_number(row, column, value, date_format)
            else:
                sheet.write(row, column, value)
    return path


# --------------------------------------------------------------------------- line ends, text


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n"], ids=["CR (Mac)", "CRLF", "LF"])
def test_every_line_end_reads_the_same_table(tmp_path: Path, end: str) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: it used to read as one
    header row of 10 columns and no rows."""
    path = _file(tmp_path, "mac.csv", end.join([HEADER, *ROWS, ""]).encode())
    frame = read_table(path)
    assert frame.columns == HEADER.split(",")
    assert frame.rows() == [tuple(r.split(",")) for r in ROWS]


def test_windows_excel_text_is_read_with_its_pound_sign(tmp_path: Path) -> None:
    """A UK council's CSV saved by Excel on Windows is cp1252: '£' is the byte A3."""
    text = "area_code,note\r\nD10,£5m pump priming – agreed\r\n"
    frame = read_table(_file(tmp_path, "council.csv", text.encode("cp1252")))
    assert frame.rows() == [("D10", "£5m pump priming – agreed")]


def test_mac_excel_text_is_read_as_mac_roman(tmp_path: Path) -> None:
    """CR-only line ends and not UTF-8: Excel for Mac's own encoding (é is 8E there)."""
    text = "area_code,note\rD10,café at £2\r"
    frame = read_table(_file(tmp_path, "mac.csv", text.encode("mac_roman")))
    assert frame.rows() == [("D10", "café at £2")]


def test_utf8_with_a_bom_and_utf16_are_read(tmp_path: Path) -> None:
    text = f"{HEADER}\n{ROWS[0]}\n"
    for name, data in [("bom.csv", text.encode("utf-8-sig")), ("u16.csv", text.encode("utf-16"))]:
        assert read_table(_file(tmp_path, name, data)).columns == HEADER.split(",")


# --------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "This file is empty."),
        ("blank.csv", b" \r\n\r\n", "This file is empty."),
        ("header.csv", f"{HEADER}\r".encode(), tabular.NO_ROWS),
        ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", tabular.NOT_TEXT),
        ("undefined.csv", b"area_code\nD\x81\x8d\n", tabular.NOT_TEXT),
        (
            "ragged.csv",
            "\n".join([HEADER, *ROWS * 2, "D10,NI_3,2007-03-31,1,234,5", ROWS[0]]).encode(),
            "Row 6 has 6 cells but the header has 4: a value with a comma in it needs double "
            "quotes around it, or the header is missing a column name.",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, tabular.OLD_WORKBOOK),
        ("garbage.xlsx", b"PK\x03\x04 not really a workbook", tabular.NOT_WORKBOOK),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_in_plain_words(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    assert _refusal(_file(tmp_path, name, data)) == message


def test_a_short_row_is_read_with_its_missing_cells_empty(tmp_path: Path) -> None:
    """Only a row longer than the header is ambiguous (a comma in a value)."""
    frame = read_table(_file(tmp_path, "short.csv", f"{HEADER}\nD10,NI_1\n".encode()))
    assert frame.rows() == [("D10", "NI_1", "", "")]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(f"{HEADER}\n".encode())
        out.truncate(tabular.MAX_BYTES + 1)  # sparse: no 20 MB written
    assert _refusal(path) == (
        "This file is 20.1 MB; the largest file that can be read is 20 MB. Split it into "
        "smaller files (for example one a year)."
    )


def test_a_header_wider_than_the_limit_is_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(tabular.MAX_COLUMNS + 1))
    message = _refusal(_file(tmp_path, "wide.csv", f"{header}\n{header}\n".encode()))
    assert message.startswith("The header row has 201 columns; at most 200 can be read.")
    ok = ",".join(f"c{i}" for i in range(tabular.MAX_COLUMNS))
    assert read_table(_file(tmp_path, "ok.csv", f"{ok}\n{ok}\n".encode())).width == 200


def test_a_csv_of_more_cells_than_the_limit_is_refused(tmp_path: Path) -> None:
    """A row costs memory by the cell: 2 MB of ',' lines is a million rows of two empty cells
    (5 MB of blank lines took 2.8 s and 670 MB before the importer's checks even began)."""
    data = b"area_code,value\n" + b",\n" * 1_000_000 + b"D10,1\n" + b"\n" * 1_000_000
    assert _refusal(_file(tmp_path, "blank rows.csv", data)) == (
        "The file has 1,000,001 rows of 2 columns, more than 2,000,000 cells: split it into "
        "smaller files (for example one a year)."
    )
    data = b"area_code,value\n" + b",\n" * 999_998 + b"D10,1\n" + b"\n" * 1_000_000
    assert read_table(_file(tmp_path, "ok.csv", data)).height == 999_999  # blank end lines


def test_the_upload_limit_is_the_reading_limit() -> None:
    """The browser refuses what the reader would: Streamlit's limit is the same 20 MB."""
    config = tomllib.loads((PROJECT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == tabular.MAX_MEGABYTES
    assert tabular.MAX_BYTES == tabular.MAX_MEGABYTES * 1024 * 1024


# ------------------------------------------------------------------------------------- XLSX


def test_a_workbook_reaching_the_last_cell_is_refused(tmp_path: Path) -> None:
    """5 KB on disk; calamine would allocate the whole 16,384 x 1,048,576 rectangle (32 GB)
    and abort the server, not raise."""
    path = _workbook(tmp_path / "far.xlsx", [(0, 0, "area_code"), (1_048_575, 16_383, "x")])
    assert path.stat().st_size < 10_000
    assert _refusal(path).startswith("The first sheet reaches column 16,384; at most 200")


def test_a_workbook_too_tall_for_its_width_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "tall.xlsx", [(0, 0, "a"), (0, 19, "b"), (200_000, 0, "c")])
    assert _refusal(path).startswith(
        "The first sheet reaches row 200,001 and column 20, more than 2,000,000 cells."
    )


@pytest.mark.parametrize("cell", ["<c><v>1</v></c>", "<c/>"])
def test_cells_without_references_are_counted_too(tmp_path: Path, cell: str) -> None:
    """`r` is optional in a sheet: cells without it are placed one after another."""
    cells = "<c><v>1</v></c>" + cell * tabular.MAX_COLUMNS
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData><row>{cells}</row></sheetData></worksheet>'
    )
    path = _workbook(tmp_path / "base.xlsx", [(0, 0, "a")])
    assert _refusal(_rebuild(path, tmp_path / "norefs.xlsx", sheet)).startswith(
        "The first sheet reaches column 201"
    )


def _rebuild(path: Path, out: Path, sheet: str | None = None, pad: int = 0) -> Path:
    """`path` with its first sheet replaced by `sheet`, and a member of `pad` zero bytes."""
    with zipfile.ZipFile(path) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for name in book.namelist():
            is_sheet = name == "xl/worksheets/sheet1.xml"
            new.writestr(name, sheet if is_sheet and sheet is not None else book.read(name))
        if pad:
            new.writestr("xl/media/padding.bin", b"\x00" * pad)
    return out


def test_a_zip_bomb_is_refused_by_what_it_unpacks_to(tmp_path: Path) -> None:
    base = _workbook(tmp_path / "base.xlsx", [(0, 0, "area_code"), (1, 0, "D10")])
    bomb = _rebuild(base, tmp_path / "bomb.xlsx", pad=tabular.MAX_UNPACKED_BYTES + 1)
    assert bomb.stat().st_size < 1_000_000
    assert _refusal(bomb).startswith("This workbook unpacks to more than 200 MB")


def test_a_workbook_that_makes_the_reader_panic_is_refused(tmp_path: Path) -> None:
    """A date cell holding -1e300 makes the Rust reader panic (pyo3's PanicException derives
    from BaseException, so `except Exception` let it through as a traceback)."""
    path = _workbook(tmp_path / "panic.xlsx", [(0, 0, "period"), (1, 0, -1e300)])
    with pytest.raises(BaseException) as raw:
        pl.read_excel(path, infer_schema_length=0)
    assert type(raw.value).__name__ == "PanicException"
    assert _refusal(path).startswith("This workbook could not be read: a cell in its first")


@pytest.mark.parametrize(
    ("cells", "message"),
    [([], "The first sheet of this workbook is empty."), ([(0, 0, "area_code")], tabular.NO_ROWS)],
    ids=["empty", "header only"],
)
def test_an_empty_sheet_is_refused_in_plain_words(
    tmp_path: Path, cells: list[tuple[int, int, object]], message: str
) -> None:
    assert _refusal(_workbook(tmp_path / "empty.xlsx", cells)) == message


def test_a_plain_workbook_still_reads(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "ok.xlsx",
        [(0, 0, "area_code"), (0, 1, "value"), (1, 0, "D10"), (1, 1, " 1.5 "), (2, 0, "D11")],
    )
    assert read_table(path).rows() == [("D10", "1.5"), ("D11", "")]


# ----------------------------------------------------------------------- bounded cost, child

_CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))  # 1.5 GB
from pathlib import Path
from dashboard import importer
start = time.perf_counter()
try:
    frame = importer.read_table(Path(sys.argv[1]))
    errors = importer._column_errors(frame, importer.FORMATS["actuals"])
    outcome = f"read {frame.shape}, {len(errors)} column problems"
except importer.UnreadableFile as exc:
    outcome = f"refused: {exc}"
# VmHWM, not ru_maxrss: the latter keeps the parent's high-water mark across exec.
status = Path("/proc/self/status").read_text()
peak = int(next(x.split()[1] for x in status.splitlines() if x.startswith("VmHWM:"))) // 1024
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - start, "peak_mb": peak}))
"""


def _read_in_a_child(path: Path) -> dict[str, object]:
    """read_table and the column check in a child limited to 1.5 GB and 20 s."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=PROJECT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "shape",
    ["2 MB on one CR-only line", "100,000-column header", "2 MB with no line end"],
)
def test_a_hostile_csv_costs_bounded_time_and_memory(tmp_path: Path, shape: str) -> None:
    """On main a 1.2 MB CR-only file took `laa import` past 4.4 GB."""
    if shape == "2 MB on one CR-only line":  # one line, ended by a CR: 280,000 cells
        data = (",".join(f"D{i % 150}" for i in range(560_000))[:2_000_000] + "\r").encode()
    elif shape == "100,000-column header":
        data = (",".join(f"c{i}" for i in range(100_000)) + "\n1\n").encode()
    else:
        data = ",".join(["value"] * 333_000).encode()
    path = _file(tmp_path, "hostile.csv", data)
    report = _read_in_a_child(path)
    assert str(report["outcome"]).startswith("refused: The header row has"), report
    assert float(report["seconds"]) < 5, report  # the bug took minutes
    assert int(report["peak_mb"]) < 600, report  # ... and gigabytes


def test_a_large_cr_only_file_reads_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """A genuine 2 MB Mac CSV of 60,000 rows is read as 60,000 rows, cheaply."""
    cells = [f"D{i % 150},NI_{i % 50},2007-03-31,{i}" for i in range(60_000)]
    path = _file(tmp_path, "mac.csv", "\r".join([HEADER, *cells]).encode())
    report = _read_in_a_child(path)
    assert report["outcome"] == "read (60000, 4), 0 column problems", report
    assert int(report["peak_mb"]) < 600, report


def test_the_column_check_is_linear(tmp_path: Path) -> None:
    """200 repeated and unknown headers are checked in a blink (it was quadratic or worse)."""
    columns = [f"value_duplicated_{i}" for i in range(100)] + [f"x{i}" for i in range(100)]
    frame = pl.DataFrame({c: [] for c in ["area_code", "value", *columns]})
    errors = importer._column_errors(frame, importer.FORMATS["actuals"])
    assert errors[:2] == [
        "column indicator_code: required column is missing",
        "column period: required column is missing",
    ]
    assert errors.count("column value: appears more than once") == 1
    assert len([e for e in errors if e.endswith("unknown column")]) == 100


def test_every_reader_of_a_users_file_goes_through_read_table() -> None:
    """No page or command reads an upload with polars, fastexcel or csv directly."""
    readers = re.compile(r"\b(read_csv|read_excel|scan_csv|load_workbook|csv\.reader)\(")
    # The store reads its own reference CSVs and its own COPY output, never a user's file.
    store = PROJECT / "dashboard" / "store"
    allowed = {PROJECT / "dashboard" / "tabular.py", store / "settings.py", store / "bulk.py"}
    offenders = [
        str(path.relative_to(PROJECT))
        for folder in ("dashboard", "pages")
        for path in (PROJECT / folder).rglob("*.py")
        if path not in allowed and readers.search(path.read_text())
    ]
    assert offenders == []


def test_messages_are_one_paragraph_without_library_words() -> None:
    for name in ("EMPTY", "NO_ROWS", "NOT_TEXT", "NOT_CSV", "NOT_WORKBOOK", "OLD_WORKBOOK"):
        text = getattr(tabular, name)
        assert "\n" not in text and not any(leak in text for leak in LEAKS[2:]), name
