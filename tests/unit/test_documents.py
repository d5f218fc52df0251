"""The document engine: one content model, the same words in the PDF and in the HTML."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import altair as alt
import polars as pl
import pypdf
import pytest
import typst

from dashboard.documents import (
    Bullets,
    Chart,
    Document,
    DocumentError,
    Heading,
    KeyValues,
    Note,
    PageBreak,
    Paragraph,
    Signatures,
    Table,
    render_html,
    render_pdf,
)
from dashboard.documents import pdf as pdf_module

# every character with a meaning in Typst markup or HTML, typed by a user
SPECIAL = "Hash # dollar $x$ star *b* under _i_ <tag> @ref [link] back\\slash `code` ~ // & {b} = +"
SCRIPT = "<script>alert('x')</script>"
MONEY = "£1,234.56"
THRESHOLD = "≥ 60% of the stretch – “agreed”"
SYMBOLS = "● On track ✖ Off track"
ROWS = tuple(
    (f"Area {n:02d}", f"£{n},000.00", "● On track" if n % 2 else "✖ Off track") for n in range(60)
)


def _chart_spec() -> dict:
    frame = pl.DataFrame({"period": ["2006/07", "2007/08", "2008/09"], "value": [61.0, 63.5, 66.0]})
    chart = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(x=alt.X("period:N", title="Year"), y=alt.Y("value:Q", title="Adults in work"))
        .properties(width=400, height=180)
    )
    return chart.to_dict()


def _document(rows: tuple[tuple[str, str, str], ...] = ROWS, spec: dict | None = None) -> Document:
    return Document(
        title="Local Area Agreement: Barnet",
        subtitle="For sign-off – 2006/07 to 2008/09",
        meta=(("Area", "Barnet"), ("Version", "3 <draft>")),
        blocks=(
            Heading("Targets and rewards"),
            Paragraph(SPECIAL),
            Paragraph(SCRIPT),
            Paragraph("Read this first", emphasis=True),
            Heading("Reward", level=2),
            KeyValues((("Reward grant", MONEY), ("Threshold", THRESHOLD))),
            Bullets(("First point", SYMBOLS)),
            Note("Figures are provisional."),
            Note("Two targets have no baseline.", tone="warning"),
            Heading("The trajectory", level=3),
            Chart(
                spec or _chart_spec(),
                caption="Adults in work by year",
                description="A line rising from 61 to 66",
            ),
            Table(
                ("Area name", "Grant paid", "Status now"),
                rows,
                widths=(2, 1, 1),
                align=("left", "right", "left"),
                caption="Grant by area",
            ),
            PageBreak(),
            Signatures((("For the council", "Jane Doe"), ("For government", ""))),
        ),
        footer="Barnet LAA – for sign-off",
    )


# the words a reader must find in both renderings
TEXTS = (
    "Local Area Agreement: Barnet",
    "For sign-off – 2006/07 to 2008/09",
    "3 <draft>",
    "Targets and rewards",
    SPECIAL,
    SCRIPT,
    "Read this first",
    "Reward grant",
    MONEY,
    THRESHOLD,
    SYMBOLS,
    "Figures are provisional.",
    "Warning:",
    "Two targets have no baseline.",
    "Adults in work by year",
    "Grant by area",
    "For the council",
    "Jane Doe",
    "For government",
    "Barnet LAA – for sign-off",
)


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_pdf(_document())


@pytest.fixture(scope="module")
def pdf_pages(pdf_bytes: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages]


class _Text(HTMLParser):
    """The text a reader sees: everything outside <style> and the charts' SVG."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self._hidden += tag in ("style", "svg")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "svg")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_pdf_shows_every_text_literally(pdf_pages: list[str]) -> None:
    """Markup characters, money, symbols and the signature block come out as typed."""
    text = "\n".join(pdf_pages)
    for expected in TEXTS:
        assert expected in text, expected


def test_pdf_table_spans_pages_with_every_cell_and_a_repeated_header(pdf_pages: list[str]) -> None:
    text = "\n".join(pdf_pages)
    for row in ROWS:
        assert " ".join(row) in text, row
    table_pages = [page for page in pdf_pages if any(row[0] in page for row in ROWS)]
    assert len(table_pages) > 1
    assert all("Area name Grant paid Status now" in page for page in table_pages)


def test_pdf_pages_are_numbered_with_the_footer(pdf_pages: list[str]) -> None:
    count = len(pdf_pages)
    assert count > 1
    for number, page in enumerate(pdf_pages, start=1):
        assert f"Page {number} of {count}" in page
        assert "Barnet LAA – for sign-off" in page


def test_page_break_starts_the_signatures_on_a_new_page(pdf_pages: list[str]) -> None:
    signature_page = next(page for page in pdf_pages if "For the council" in page)
    assert "Area 59" not in signature_page
    assert "Signature" in signature_page and "Date" in signature_page


def test_pdf_chart_is_vector(pdf_bytes: bytes, pdf_pages: list[str]) -> None:
    """No raster image anywhere; the chart's axis titles are text in the PDF."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert all(len(page.images) == 0 for page in reader.pages)
    assert "Adults in work" in pdf_pages[0] and "Year" in pdf_pages[0]


def test_pdf_is_reproducible(pdf_bytes: bytes) -> None:
    assert render_pdf(_document()) == pdf_bytes
    assert b"/CreationDate" not in pdf_bytes


def test_pdf_reports_progress_up_to_done() -> None:
    calls: list[tuple[float, str]] = []
    render_pdf(
        _document(rows=ROWS[:3]), progress=lambda fraction, words: calls.append((fraction, words))
    )
    fractions = [fraction for fraction, _ in calls]
    assert len(calls) >= 3
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(words for _, words in calls)


def test_html_escapes_text_and_shows_the_same_words() -> None:
    html = render_html(_document())
    parsed = _html_text(html)
    text = "".join(parsed.parts)
    for expected in TEXTS:
        assert expected in text, expected
    assert "script" not in parsed.tags
    assert "&lt;script&gt;" in html
    for row in ROWS:
        assert all(cell in text for cell in row)


def test_html_is_self_contained_and_accessible() -> None:
    html = render_html(_document())
    parsed = _html_text(html)
    assert parsed.tags.count("th") == 3
    assert "caption" in parsed.tags
    assert '<svg role="img" aria-label="A line rising from 61 to 66"' in html
    assert "<link" not in html and " src=" not in html
    assert "@page" in html and "page-break-before" in html


def test_html_charts_have_their_own_ids_and_the_same_text_each_time() -> None:
    """Clipped charts define ids; two charts must not clash, and re-rendering must not drift."""
    spec = {
        "data": {"values": [{"a": 1, "b": 2}, {"a": 3, "b": 5}]},
        "mark": {"type": "line", "clip": True},
        "encoding": {
            "x": {"field": "a", "type": "quantitative"},
            "y": {"field": "b", "type": "quantitative"},
        },
    }
    charts = (Chart(spec, "One", "first"), Chart(spec, "Two", "second"))
    doc = Document("Charts", "", (), charts, "f")
    html = render_html(doc)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) >= 2 and len(ids) == len(set(ids))
    assert all(f"url(#{name})" in html for name in ids)
    assert render_html(doc) == html


def test_content_hash_follows_the_content() -> None:
    first, second = _document(), _document()
    assert first.content_hash() == second.content_hash()
    changed = (ROWS[0], ("Area 01", "£1,000.01", ROWS[1][2]), *ROWS[2:])
    assert _document(rows=changed).content_hash() != first.content_hash()


def test_content_hash_ignores_the_order_keys_were_written_in() -> None:
    spec = _chart_spec()
    reordered = dict(reversed(list(spec.items())))
    assert _document(spec=spec).content_hash() == _document(spec=reordered).content_hash()


def test_content_hash_is_the_same_in_a_fresh_interpreter() -> None:
    """A signature made today must verify in another process (string hashing is salted)."""
    code = "from tests.unit.test_documents import _document; print(_document().content_hash())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == _document().content_hash()


def test_json_round_trip_keeps_the_document() -> None:
    doc = _document()
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert again.content_hash() == doc.content_hash()


def test_content_is_immutable() -> None:
    spec = _chart_spec()
    chart = Chart(spec, caption="c", description="d")
    before = Document("t", "", (), (chart,), "f").content_hash()
    spec["mark"] = "bar"  # the caller's dict changes later; the document does not
    assert Document("t", "", (), (chart,), "f").content_hash() == before
    assert Bullets(["a", "b"]).items == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        chart.caption = "other"  # type: ignore[misc]


def test_malformed_blocks_are_refused() -> None:
    with pytest.raises(ValueError):
        Table(("a", "b"), (("1",),))
    with pytest.raises(TypeError):
        Table(("a",), ((1,),))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Heading("h", level=4)
    with pytest.raises(ValueError):
        Note("n", tone="error")  # type: ignore[arg-type]


@pytest.mark.parametrize("render", [render_pdf, render_html])
def test_a_chart_that_cannot_be_drawn_gives_a_plain_error(render) -> None:
    broken = {
        "mark": "bar",
        "data": {"values": [{"a": 1}]},
        "encoding": {"x": {"field": "a", "type": "bogus"}},
    }
    with pytest.raises(DocumentError) as raised:
        render(_document(rows=ROWS[:2], spec=broken))
    message = str(raised.value)
    assert message.startswith("The document could not be built:")
    assert "Adults in work by year" in message
    assert "Error" not in message and "vega" not in message.lower()
    assert raised.value.__cause__ is not None


def test_charts_may_not_fetch_outside_data() -> None:
    remote = {"data": {"url": "https://example.invalid/data.csv"}, "mark": "point"}
    with pytest.raises(DocumentError):
        render_html(_document(rows=ROWS[:2], spec=remote))


def test_a_compiler_failure_gives_a_plain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "_template", lambda: b"#let x = (")
    with pytest.raises(DocumentError) as raised:
        render_pdf(_document(rows=ROWS[:2]))
    assert str(raised.value).startswith("The document could not be built:")
    assert isinstance(raised.value.__cause__, typst.TypstError)
