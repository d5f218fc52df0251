"""AppTest: a page's CSV and Excel downloads open in a spreadsheet as text, never as formulas,
fullwidth forms included (the same `spreadsheet_safe` as the `laa` exports)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import polars as pl
import pytest
from streamlit.delta_generator import DeltaGenerator

from dashboard import db, store
from dashboard.importer import import_file
from tests.app.conftest import app, errors

PAYLOADS = ("＝1+1", "＋SUM(A1)", "＠x", "－2+3", "=1+1")
FORMULA_START = re.compile(r"^(?:[\t\r\n]|\s*[=+\-@])")


@pytest.fixture
def clicked(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes each download button of a run would give, by key."""
    captured: dict[str, bytes] = {}
    original = DeltaGenerator.download_button

    def record(self, label, data, *args, **kwargs):  # type: ignore[no-untyped-def]
        captured[kwargs.get("key") or label] = data() if callable(data) else data
        return original(self, label, data, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", record)
    return captured


def runnable(cells: list[str]) -> list[str]:
    return [c for c in cells if FORMULA_START.match(unicodedata.normalize("NFKC", c))]


def test_audit_downloads_neutralise_fullwidth_formulas(
    worked_db: str, clicked: dict[str, bytes], tmp_path: Path
) -> None:
    rows = "".join(
        f"X{i + 2:02d},{name},GOWM,unitary,1000,1000000,2005-04-01,2008-03-31,,10\n"
        for i, name in enumerate(PAYLOADS)
    )
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "area_code,area_name,region_code,la_type,population,net_budget_requirement_gbp,"
        "agreement_start,agreement_end,pump_priming_gbp,deprivation_rank\n" + rows,
        encoding="utf-8",
    )
    assert import_file(db.get_engine(worked_db), store.cli_actor("tester"), "areas", areas).ok

    at = app("admin")
    at.switch_page("../pages/audit.py")
    at.run()
    at.selectbox(key="w_audit_area").select("all").run()  # every area's trail
    assert not errors(at), errors(at)

    table = pl.read_csv(io.BytesIO(clicked["audit_dl_csv"]), infer_schema_length=0)
    assert {"'" + p for p in PAYLOADS} <= set(table["after"].drop_nulls())
    assert runnable(table.fill_null("").to_numpy().ravel().tolist()) == []

    book = clicked["audit_dl_xlsx"]
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "hyperlink" not in xml
    sheet = pl.read_excel(io.BytesIO(book), infer_schema_length=0)
    assert {"'" + p for p in PAYLOADS} <= set(sheet["after"].drop_nulls())
    assert runnable(sheet.fill_null("").to_numpy().ravel().tolist()) == []
