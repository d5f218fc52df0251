"""Read an uploaded table safely: a CSV or the first sheet of an XLSX, every cell as text.

Every file a user gives the dashboard (`laa import`, the upload on My updates, a reporting
lines upload) is read here, within bounds checked *before* a parser sees it: the readers'
costs grow with a file's shape, not its size (a 5 KB workbook naming cell XFD1048576 makes
calamine allocate 32 GB and abort the server; a CR-only CSV read as one 100,000-column line
took minutes and gigabytes). A refusal is an `UnreadableFile` said in the users' words: never
a path, a library's message or a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import math
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dashboard.metrics import bounds

# 20 MB: a year of national actuals (198 indicators x 150 areas x 4 quarters, ~60 bytes a row)
# is about 7 MB; a My updates template for one area is a few KB. What is larger is split by year
# for an upload; `laa import` reads the operator's own files within `OPERATOR` below.
MAX_MEGABYTES = 20  # also `server.maxUploadSize` in .streamlit/config.toml (MB of 1024 * 1024)
MAX_BYTES = MAX_MEGABYTES * 1024 * 1024
# The widest import (indicators) has 19 columns; a template adds a few guide columns.
MAX_COLUMNS = 200
# calamine builds the sheet's whole rectangle at 32 bytes a cell before anything is read, and
# polars and the checks then hold every cell of either format: 2,000,000 cells (200,000 rows of
# 10 columns; a year of national actuals is 830,000) is 64 MB in calamine.
MAX_CELLS = 2_000_000
# An XLSX is a zip: what it unpacks to is bounded too (a zip bomb is small on disk).
MAX_UNPACKED_BYTES = 10 * MAX_BYTES

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass(frozen=True)
class Limits:
    """How large a file may be before it is read: its size, and the cells of a CSV or of a
    workbook's first sheet (calamine's rectangle)."""

    megabytes: int
    cells: int
    workbook_cells: int

    @property
    def bytes(self) -> int:
        return self.megabytes * 1024 * 1024

    @property
    def unpacked_bytes(self) -> int:
        return 10 * self.bytes


# What anyone may upload through a page (the server's own memory is at stake) ...
UPLOAD = Limits(MAX_MEGABYTES, MAX_CELLS, MAX_CELLS)
# ... and what the operator imports from their own disk with `laa import` (a national file).
OPERATOR = Limits(
    bounds.OPERATOR_FILE_MEGABYTES, bounds.OPERATOR_FILE_CELLS, bounds.OPERATOR_WORKBOOK_CELLS
)


class UnreadableFile(ValueError):
    """A file that is not a table at all, said in plain words (never a path or library text)."""


EMPTY = "This file is empty."
NO_ROWS = "The file has no rows: there is a header row but nothing below it."
NOT_TEXT = (
    "This file is not text that can be read (neither UTF-8 nor Excel's Windows or Mac text): "
    "save it from Excel as CSV UTF-8 (Comma delimited), or upload the Excel workbook itself."
)
NOT_CSV = (
    "This file is not a readable CSV file: one header row, then one row per line, columns "
    "separated by commas."
)
NOT_WORKBOOK = (
    "This file is not a readable Excel workbook: save it from Excel as an Excel Workbook "
    "(.xlsx) or as CSV UTF-8, and upload that."
)
OLD_WORKBOOK = (
    "This is an Excel 97-2003 workbook (.xls), which cannot be read here: save it from Excel "
    "as an Excel Workbook (.xlsx) or as CSV UTF-8, and upload that."
)


def read_table(path: Path, limits: Limits = UPLOAD) -> pl.DataFrame:
    """Read a CSV or the first sheet of an XLSX with every cell as text, stripped, no nulls.

    Raises `UnreadableFile` when the file is larger or wider than `limits` allow (an upload's,
    unless the operator's own `laa import`), not a workbook, not text, ragged (a row longer
    than the header) or empty.
    """
    size = path.stat().st_size
    if size > limits.bytes:
        raise UnreadableFile(
            f"This file is {math.ceil(size / 2**20 * 10) / 10:.1f} MB; the largest file that "
            f"can be read is {limits.megabytes:,} MB. Split it into smaller files (for example "
            "one a year)."
        )
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile(OLD_WORKBOOK)
    if suffix in EXCEL_SUFFIXES:
        frame = _read_workbook(path, limits)
    else:
        frame = _read_csv(path.read_bytes(), limits.cells)
    if frame.height == 0:
        raise UnreadableFile(NO_ROWS)
    return frame.with_columns(pl.all().cast(pl.Utf8).str.strip_chars().fill_null(""))


@contextmanager
def native_output_to_log() -> Iterator[None]:
    """Send what the native readers print on the process's stderr (a Rust panic's message and
    backtrace) to the log instead. For the CLI, whose stderr is the user's screen; the server
    keeps it in its own log."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            if text := sink.read().decode(errors="replace").strip():
                logging.getLogger(__name__).info("reader output: %s", text)


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside polars or fastexcel: pyo3's PanicException derives from
    BaseException (each extension has its own class, so it is known by name)."""
    return type(exc).__name__ == "PanicException"


# ------------------------------------------------------------------------------------- CSV


def _read_csv(data: bytes, max_cells: int = MAX_CELLS) -> pl.DataFrame:
    if not data.strip():
        raise UnreadableFile(EMPTY)
    # UTF-8 (nearly every file) stays bytes: a national file is read without the copies a
    # decoded str, its line-end fixes and its re-encoding would each cost.
    data = _utf8(data)
    # Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: a Mac user expects it to work.
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    header = data.partition(b"\n")[0]
    width = header.count(b",") + 1
    if width > MAX_COLUMNS:
        raise UnreadableFile(
            f"The header row has {width:,} columns; at most {MAX_COLUMNS} can be read. Check "
            "that each row of the table is on a line of its own and that the columns are "
            "separated by commas."
        )
    # Rows cost memory by the cell, not the byte: ",\n" is a row of two cells. Blank lines at
    # the end are not rows; a line break inside a quoted value counts as a row (to be safe).
    end = _end_of_text(data)
    rows = data.count(b"\n", 0, end)
    if rows * width > max_cells:
        raise UnreadableFile(
            f"The file has {rows:,} rows of {width:,} columns, more than {max_cells:,} cells: "
            "split it into smaller files (for example one a year)."
        )
    if end + 1 < len(data):
        data = data[: end + 1]
    try:
        return pl.read_csv(data, infer_schema=False)
    except pl.exceptions.NoDataError:
        raise UnreadableFile(EMPTY) from None
    except pl.exceptions.DuplicateError:
        raise UnreadableFile(
            "The header row names a column twice in a way that cannot be told apart (for "
            "example 'value', 'value' and 'value_duplicated_0'): give each column one name."
        ) from None
    except pl.exceptions.PolarsError:
        raise UnreadableFile(_ragged(data.decode()) or NOT_CSV) from None
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        raise UnreadableFile(_ragged(data.decode()) or NOT_CSV) from None


def _end_of_text(data: bytes) -> int:
    """Where the blank lines at the end begin: from the last 64 KB when that is not all
    blank, without copying the whole file as `rstrip` does."""
    tail = data[-65536:].rstrip(b"\n")
    if tail:
        return len(data) - 65536 + len(tail) if len(data) > 65536 else len(tail)
    return len(data.rstrip(b"\n"))


def _utf8(data: bytes) -> bytes:
    """The file's text as UTF-8 without a BOM; `UnreadableFile` when it is only whitespace or
    not text. UTF-8 is checked a megabyte at a time, never decoded whole."""
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, step, blank = memoryview(body), 1 << 20, True
    try:
        for start in range(0, len(body), step):
            chunk = decoder.decode(view[start : start + step])
            blank = blank and (not chunk or chunk.isspace())
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        text = _decode(data)  # another encoding: small files, decoded whole
        if not text.strip():
            raise UnreadableFile(EMPTY) from None
        return text.encode()
    finally:
        view.release()
    if blank:
        raise UnreadableFile(EMPTY)
    return body


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, else Excel's own 8-bit text: Windows
    cp1252 (a UK council's '£'), or Mac Roman where lines end in CR alone ("CSV (Macintosh)")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(NOT_TEXT) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:  # binary, not text in any 8-bit encoding
        raise UnreadableFile(NOT_TEXT)
    legacy = "mac_roman" if b"\r" in data and b"\n" not in data else "cp1252"
    try:
        return data.decode(legacy)
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        raise UnreadableFile(NOT_TEXT) from None


def _ragged(text: str) -> str | None:
    """The first row longer than the header, in the importer's numbering (the header is row 1).

    Only on a file polars refused, and it stops at the first such row."""
    try:
        rows = csv.reader(io.StringIO(text))
        width = len(next(rows, []))
        for number, row in enumerate(rows, start=2):
            if len(row) > width:
                return (
                    f"Row {number} has {len(row):,} cells but the header has {width:,}: a value "
                    "with a comma in it needs double quotes around it, or the header is "
                    "missing a column name."
                )
    except csv.Error:
        return None
    return None


# ------------------------------------------------------------------------------------ XLSX

_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\b[^>]*>")
_REL_ID = re.compile(rb'\b(?:[\w.-]+:)?id="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>")
# A cell's or a row's reference (`<c r="AB12"`, `<row r="12"`): the only ` r=` attributes of a
# sheet. One simple pattern: Python's `re` is slow at anything cleverer on 30 MB of XML.
_REF = re.compile(rb' r="([A-Z]*)([0-9]+)"')
_PREFIX = re.compile(rb"<([\w.-]+:)?sheetData\b")
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
# A whole row: empty (`<row/>`), or up to its own closing tag (not a self-closing cell's `/>`).
_ROW = re.compile(rb"<(?:[\w.-]+:)?row\b(?:[^>]*/>|[^>]*>.*?</(?:[\w.-]+:)?row>)", re.DOTALL)


def _read_workbook(path: Path, limits: Limits = UPLOAD) -> pl.DataFrame:
    _check_workbook(path, limits)
    try:
        return pl.read_excel(path, sheet_id=1, infer_schema_length=0)
    except pl.exceptions.NoDataError:
        raise UnreadableFile("The first sheet of this workbook is empty.") from None
    except Exception:  # calamine's zip and format errors, whatever their class
        raise UnreadableFile(NOT_WORKBOOK) from None
    except BaseException as exc:  # e.g. a date cell far outside the calendar panics
        if not _is_panic(exc):
            raise
        raise UnreadableFile(
            "This workbook could not be read: a cell in its first sheet holds something the "
            "reader cannot take (for example a date far outside the calendar). Check the "
            "dates, save it again as an Excel Workbook (.xlsx) or as CSV UTF-8, and upload that."
        ) from None


def _check_workbook(path: Path, limits: Limits = UPLOAD) -> None:
    """Refuse a workbook that unpacks too large or whose first sheet spans too many cells."""
    try:
        with zipfile.ZipFile(path) as book:
            unpacked = 0
            for member in book.infolist():
                unpacked += member.file_size
                if unpacked > limits.unpacked_bytes:
                    raise UnreadableFile(
                        f"This workbook unpacks to more than {limits.unpacked_bytes // 2**20:,} MB, "
                        "too large to read: save its sheet as CSV UTF-8 and upload that."
                    )
            # zipfile stops at each member's declared size and checks its CRC, so a member
            # that lies about its size is refused here rather than unpacked by calamine.
            for name in _first_sheet(book):
                rows, columns = _sheet_extent(book.read(name))
                _check_extent(rows, columns, limits.workbook_cells)
    except UnreadableFile:
        raise
    except Exception:  # not a zip, a corrupt or encrypted member, a bad CRC: not a workbook
        raise UnreadableFile(NOT_WORKBOOK) from None


def _first_sheet(book: zipfile.ZipFile) -> list[str]:
    """The member holding the workbook's first sheet (calamine's `sheet_id=1`); every
    worksheet when the workbook's own index cannot be followed (then all are checked)."""
    names = set(book.namelist())
    worksheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    try:
        first = _SHEET.search(book.read("xl/workbook.xml"))
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return worksheets
    ident = _REL_ID.findall(first[0]) if first else []
    for relationship in _RELATIONSHIP.findall(rels):
        if ident and re.search(rb'\bId="' + re.escape(ident[-1]) + rb'"', relationship):
            target = re.search(rb'\bTarget="([^"]*)"', relationship)
            if target:
                name = target[1].decode(errors="replace")
                name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
                if name in names:
                    return [name]
    return worksheets


def _sheet_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) that calamine's rectangle for this sheet reaches."""
    rows, references, letters = 0, 0, set[bytes]()
    # A few megabytes of the sheet at a time (cut before a '<', which no reference holds): an
    # operator's million-row sheet would otherwise hold millions of matches at once.
    start, step = 0, 4 * 2**20
    while start < len(xml):
        end = xml.find(b"<", start + step)
        end = len(xml) if end < 0 else end
        refs = _REF.findall(xml, start, end)
        references += len(refs)
        letters.update(c for c, _ in refs)
        rows = max(rows, max(map(int, (r for _, r in refs)), default=0))
        start = end
    columns = max(map(_column_number, letters), default=0)
    found = _PREFIX.search(xml)
    prefix = (found[1] or b"") if found else b""
    cell_tags = _tags(xml, b"<" + prefix + b"c")
    if cell_tags + _tags(xml, b"<" + prefix + b"row") > references:
        # Some cells or rows carry no reference: calamine places them one after another.
        widest = max((len(_CELL_TAG.findall(row[0])) for row in _ROW.finditer(xml)), default=0)
        rows, columns = rows + _tags(xml, b"<" + prefix + b"row"), columns + widest
    return rows, columns


def _tags(xml: bytes, start: bytes) -> int:
    """How many elements open with `start` (`<c` but not `<col`): counted in C."""
    return sum(xml.count(start + end) for end in (b" ", b">", b"/>"))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _check_extent(rows: int, columns: int, max_cells: int = MAX_CELLS) -> None:
    if columns > MAX_COLUMNS:
        raise UnreadableFile(
            f"The first sheet reaches column {columns:,}; at most {MAX_COLUMNS} columns can be "
            "read. Delete the columns to the right of the table (they may hold only "
            "formatting) and save it again."
        )
    if rows * columns > max_cells:
        raise UnreadableFile(
            f"The first sheet reaches row {rows:,} and column {columns:,}, more than "
            f"{max_cells:,} cells. Delete the rows below the table (they may hold only "
            "formatting), or split it into smaller files."
        )
