"""Documents people sign and file, from one content model to PDF and HTML with the same words."""

from dashboard.documents.content import (
    Block,
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
)
from dashboard.documents.html import render_html
from dashboard.documents.pdf import render_pdf

__all__ = [
    "Block",
    "Bullets",
    "Chart",
    "Document",
    "DocumentError",
    "Heading",
    "KeyValues",
    "Note",
    "PageBreak",
    "Paragraph",
    "Signatures",
    "Table",
    "render_html",
    "render_pdf",
]
