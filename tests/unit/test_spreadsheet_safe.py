"""Formula injection: `spreadsheet_safe` is the one neutraliser behind every download on the
pages and every `laa` export; `spreadsheet_workbook` writes text cells as text."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest

from dashboard.formatting import spreadsheet_safe, spreadsheet_workbook

RISKY = [
    "=1+1", "+SUM(A1)", "-2+3", "@x", "-cmd",
    "＝1", "＋SUM(A1)", "－2+3", "＠x", "－1",  # fullwidth: East Asian Excel reads them as ASCII
    "﹦1", "﹢1", "﹣1", "﹫x",  # small forms
    "\t=1", "\r=1", "\n=1", "\tplain", "\rplain",  # control characters first
    " =1", "　＝1", "  @x",  # leading (ideographic) spaces before a formula character
    '=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0",
]  # fmt: skip
HARMLESS = ["fine", "D10", "Safer Thornbury Vale Partnership", "-2", "-2.5", "-1e3", "0", "",
            "a=b", "x+y", "email@example.org", "2008-03-31", "'=already"]  # fmt: skip


@pytest.mark.parametrize("cell", RISKY)
def test_a_cell_that_would_run_gets_an_apostrophe(cell: str) -> None:
    assert spreadsheet_safe(pl.DataFrame({"t": [cell]}))["t"].to_list() == ["'" + cell]


@pytest.mark.parametrize("cell", HARMLESS)
def test_plain_text_and_negative_numbers_as_text_are_left_alone(cell: str) -> None:
    assert spreadsheet_safe(pl.DataFrame({"t": [cell]}))["t"].to_list() == [cell]


def test_numbers_stay_numbers_and_every_text_kind_is_covered() -> None:
    frame = pl.DataFrame(
        {
            "n": [-1.5, 2.0, None],
            "i": [-3, 4, 5],
            "t": ["=1", None, "ok"],
            "c": pl.Series(["＝1", "ok", None], dtype=pl.Categorical),
            "e": pl.Series(["@x", "ok", "ok"], dtype=pl.Enum(["@x", "ok"])),
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe["n"].dtype == pl.Float64 and safe["n"].to_list() == [-1.5, 2.0, None]
    assert safe["i"].dtype == pl.Int64 and safe["i"].to_list() == [-3, 4, 5]
    assert safe["t"].to_list() == ["'=1", None, "ok"]
    assert safe["c"].to_list() == ["'＝1", "ok", None]
    assert safe["e"].to_list() == ["'@x", "ok", "ok"]
    assert spreadsheet_safe(safe).equals(safe)  # applying it twice changes nothing


def test_the_workbook_writes_text_as_text_never_a_formula_or_link() -> None:
    """xlsxwriter's defaults turn `=...` into a formula and `external:`/`http://` into links;
    the workbook of every download and export does neither, even for a frame not made safe."""
    frame = pl.DataFrame(
        {"t": ["=1+1", "external:\\\\evil\\share\\x.xlsx", "http://evil.example", "{=1}"],
         "n": [-2.5, 1.0, 2.0, 3.0]}
    )  # fmt: skip
    buffer = io.BytesIO()
    with spreadsheet_workbook(buffer) as workbook:
        frame.write_excel(workbook, worksheet="Sheet")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "hyperlink" not in xml
    back = pl.read_excel(io.BytesIO(buffer.getvalue()))
    assert back["t"].to_list() == frame["t"].to_list()
    assert back["n"].to_list() == [-2.5, 1.0, 2.0, 3.0]
