"""The single LAA document, read back from the PDF: the targets, the shares, the 60% rule in
words, the negotiation notes and the fingerprint; the same file from `laa agreement document`,
and the signed document returned unchanged once signed."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from dashboard import cli, documents, store
from dashboard.reports import agreement_document as build
from tests.unit.test_negotiation_store import (  # the store tests' draft and actors
    GO,
    MANDATORY,
    OFFICER,
    agree_all,
    crime,
    make_draft,
    proposal,
)

TODAY = date(2008, 11, 30)


@pytest.fixture
def draft(engine, admin) -> int:  # type: ignore[no-untyped-def]
    return make_draft(engine, admin)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def negotiated(engine, agreement_id: int) -> None:  # type: ignore[no-untyped-def]
    store.choose_indicators(engine, OFFICER, agreement_id, [MANDATORY, "RECYCLE", "SPORT"])
    store.propose_target(engine, OFFICER, agreement_id, MANDATORY, crime())
    store.propose_target(engine, OFFICER, agreement_id, "RECYCLE",
                         proposal(agreed_share_gbp=3_000_000, note_reward="A larger share: the "
                                  "recycling contract is the biggest change"))  # fmt: skip
    store.propose_target(engine, OFFICER, agreement_id, "SPORT", proposal(focus=None))


def test_the_document_carries_the_reward_element(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    negotiated(engine, draft)
    agree_all(engine, draft)
    made = build.area_document(engine, GO, "E01", TODAY)
    assert made.readiness.ready
    text = pdf_text(documents.render_pdf(made.document))
    assert "Eastvale Local Area Agreement" in text
    for code in (MANDATORY, "RECYCLE", "SPORT"):
        assert code in text
    # the pot is 2.5% of £200m; RECYCLE's agreed £3m, SPORT the rest as an equal split
    assert "£5,000,000.00" in text
    assert "£3,000,000.00" in text and "£2,000,000.00 (equal split)" in text
    assert "Nothing is paid for a target below 60% of its stretch" in text
    assert "Determining the level of reward" in text
    assert "the recycling contract is the biggest change" in text
    assert "neighbourhood renewal wards" in text  # RECYCLE's focus
    assert "Pump-priming grant £950,000.00" in text  # £750,000 + £1 a head
    assert f"fingerprint {made.fingerprint[:16]}" in text
    assert "Not yet agreed" not in text
    assert "For central government" in text  # the signature block
    html = documents.render_html(made.document)
    assert "Nothing is paid for a target below 60% of its stretch" in html


def test_the_fingerprint_follows_the_content(engine, draft: int) -> None:  # type: ignore[no-untyped-def]
    negotiated(engine, draft)
    first = build.area_document(engine, GO, "E01", TODAY)
    assert build.area_document(engine, GO, "E01", TODAY).fingerprint == first.fingerprint
    store.propose_target(engine, OFFICER, draft, "SPORT", proposal(focus=None, target_value=37.0))
    changed = build.area_document(engine, GO, "E01", TODAY)
    assert changed.fingerprint != first.fingerprint
    text = pdf_text(documents.render_pdf(changed.document))
    assert "Not yet agreed" in text and "await the Government Office" in text  # what is missing


def test_the_command_line_writes_the_draft_then_the_signed_file(
    engine, draft: int, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    negotiated(engine, draft)
    agree_all(engine, draft)
    runner = CliRunner()
    out = tmp_path / "draft.pdf"
    result = runner.invoke(cli.app, ["agreement", "document", "--area", "E01", "-o", str(out),
                                     "--html", str(tmp_path / "draft.html")])  # fmt: skip
    assert result.exit_code == 0, result.output
    made = build.area_document(engine, GO, "E01", store.business_today(engine))
    assert out.read_bytes() == documents.render_pdf(made.document)  # the page's file, byte for byte
    assert "Nothing is paid" in (tmp_path / "draft.html").read_text()
    signed_pdf = documents.render_pdf(made.document)
    store.sign_negotiated_agreement(
        engine, GO, draft, signed_date=date(2009, 3, 20),
        proposal_ids=made.readiness.agreed_proposals["id"].to_list(), document_pdf=signed_pdf,
        document_html="<p>signed</p>", document_sha256=made.fingerprint,
    )  # fmt: skip
    again = tmp_path / "signed.pdf"
    result = runner.invoke(cli.app, ["agreement", "document", "--area", "E01", "-o", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == signed_pdf
    assert made.fingerprint in result.output


def test_an_area_without_an_agreement_is_said_so(engine, draft: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(store.AccessDenied):
        build.area_document(engine, store.Actor("nobody", ()), "E01", TODAY)
    result = CliRunner().invoke(
        cli.app, ["agreement", "document", "--area", "ZZ9", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1
    assert not (tmp_path / "x.pdf").exists()
