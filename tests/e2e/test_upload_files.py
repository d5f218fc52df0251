"""Uploading files on My updates in Chromium (issue 11 item 2): Excel for Mac's CR-only CSV
just works; a hostile or broken file is refused with the reason in the users' words.

A written upload changes the database, so the module serves its own private copy of the demo.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from dashboard import accounts, db, entry, store, tabular
from dashboard.analysis import assess_areas
from dashboard.importer import FORMATS
from seed_data.demo import DEMO_TODAY
from tests.e2e.conftest import (
    assert_no_exception,
    private_demo_copy,
    screenshot,
    serve,
    signed_in,
    wait_for_app,
)
from tests.e2e.test_updates import AREA, Private, _first_row, _on_trajectory

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def private(
    browser_path: str, demo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Private]:
    url = private_demo_copy(demo_url, tmp_path_factory.mktemp("uploads"))
    with serve(url) as base:
        yield Private(base, url)


@pytest.fixture
def lead_page(browser, private: Private):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    signed_in(page, private.base, "lead", path=f"/updates?area={AREA}")
    assert_no_exception(page)
    yield page
    context.close()


def _mac_template(url: str) -> tuple[bytes, dict]:
    """The lead's template as Excel for Mac saves "CSV (Macintosh)": CR line ends, Mac Roman
    text, the first row's value filled in on its trajectory."""
    row = _first_row(url)
    engine = create_engine(url)
    try:
        lead = accounts.actor_for(engine, "lead")
        result = assess_areas(engine, lead, [AREA], DEMO_TODAY)
        book = entry.template_workbook(result, lead)
    finally:
        engine.dispose()
        db.dispose_all()
    sheet = pl.read_excel(io.BytesIO(book), sheet_name="Values", infer_schema_length=0)
    first = pl.int_range(pl.len()) == 0
    sheet = sheet.with_columns(
        value=pl.when(first).then(pl.lit(str(_on_trajectory(row)))).otherwise(pl.col("value"))
    )
    assert sheet.row(0, named=True)["indicator_code"] == row["indicator_code"]
    text = sheet.write_csv().replace("\n", "\r")
    return text.encode("mac_roman", errors="replace"), row


def _upload(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    wait_for_app(page)
    assert_no_exception(page)


def test_a_mac_csv_template_is_previewed_and_written(lead_page, private: Private) -> None:  # type: ignore[no-untyped-def]
    """Excel for Mac's CR-only CSV of the template is read row by row and its value written
    (it used to be one header line of every cell, refused as hundreds of unknown columns)."""
    main = lead_page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stFileUploaderDropzoneInstructions")).to_contain_text(
        re.compile(rf"\b{tabular.MAX_MEGABYTES}\s?MB per file")
    )
    data, _row = _mac_template(private.url)
    _upload(lead_page, "my updates.csv", data)
    expect(main.get_by_text("The file is refused")).to_have_count(0)
    write = main.get_by_role("button", name="Write these values")
    expect(write).to_be_visible(timeout=30_000)
    screenshot(lead_page, "upload-1-mac-csv-preview")
    write.click()
    wait_for_app(lead_page)
    assert_no_exception(lead_page)
    expect(main.get_by_test_id("stAlert").first).to_contain_text("Saved 1 value")
    screenshot(lead_page, "upload-2-mac-csv-saved")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "one line.csv",
            (",".join(f"c{i}" for i in range(100_000)) + "\r").encode(),
            "The header row has 100,000 columns; at most 200 can be read.",
        ),
        (
            "ragged.csv",
            b"area_code,indicator_code,period,value\rD10,NI_1,2008-03-31,1,5\r",
            "Row 2 has 5 cells but the header has 4",
        ),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x81", "is not text"),
    ],
    ids=["100,000 columns", "ragged", "not text"],
)
def test_a_broken_file_is_refused_in_plain_words(  # type: ignore[no-untyped-def]
    lead_page, name: str, data: bytes, message: str
) -> None:
    main = lead_page.get_by_test_id("stMain")
    _upload(lead_page, name, data)
    alert = main.get_by_test_id("stAlert").filter(has_text="The file is refused")
    expect(alert).to_contain_text(message, timeout=30_000)
    text = alert.inner_text()
    for leak in ("/tmp", "upload.csv", "polars", "Traceback", "calamine", "utf-8"):
        assert leak not in text, text
    expect(main.get_by_role("button", name="Write these values")).to_have_count(0)
    screenshot(lead_page, f"upload-3-refused-{Path(name).stem.replace(' ', '-')}")


def _mac_reporting_lines(demo_url: str, count: int = 3) -> bytes:
    """The demo's first reporting lines as an administrator's Excel for Mac CSV (CR only)."""
    engine = create_engine(demo_url)
    try:
        lines = store.reporting_lines(engine).head(count)
    finally:
        engine.dispose()
        db.dispose_all()
    fmt = FORMATS["reporting_lines"]
    text = lines.select(*fmt.required, *fmt.optional).write_csv()
    return text.replace("\n", "\r").encode("mac_roman")


def test_reporting_lines_take_a_mac_csv_and_refuse_a_broken_one(
    demo_page, demo_server, demo_url
) -> None:  # type: ignore[no-untyped-def]
    """The administrator's reporting-lines upload reads the same way: a Mac CSV of three
    unchanged lines is checked (and nothing written); a one-line file of 100,000 cells is
    refused in plain words. Nothing is written to the shared demo either way."""
    demo_page.goto(f"{demo_server}/reporting-lines")
    wait_for_app(demo_page)
    main = demo_page.get_by_test_id("stMain")
    main.get_by_text("Edit reporting lines").click()
    _upload(demo_page, "lines.csv", _mac_reporting_lines(demo_url))
    expect(
        main.get_by_text("lines.csv: 3 rows, nothing changed (nothing was written)")
    ).to_be_visible(timeout=30_000)
    _upload(demo_page, "one line.csv", (",".join(f"c{i}" for i in range(100_000)) + "\r").encode())
    alert = main.get_by_test_id("stAlert").filter(has_text="The file is refused")
    expect(alert).to_contain_text("The header row has 100,000 columns", timeout=30_000)
    screenshot(demo_page, "upload-4-reporting-lines-refused")
