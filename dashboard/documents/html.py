"""A document as one self-contained, print-friendly HTML page with the PDF's words."""

from __future__ import annotations

import re
from html import escape

from dashboard.documents.content import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    KeyValues,
    Note,
    PageBreak,
    Paragraph,
    Signatures,
    Table,
)

_CSS = """
@page { size: A4; margin: 2cm; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #0b0c0c; line-height: 1.45; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 2rem; margin: 0 0 .4rem; }
h2 { border-bottom: 2px solid #1d70b8; padding-bottom: .2rem; margin-top: 2rem; }
.subtitle, .caption, footer { color: #505a5f; }
.cover { border-bottom: 4px solid #1d70b8; padding-bottom: 1rem; margin-bottom: 1.5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.2rem; }
dt { font-weight: bold; } dd { margin: 0; }
p, .note { white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; margin: .3rem 0 1rem; }
th, td { border: 1px solid #b1b4b6; padding: .25rem .4rem; vertical-align: middle; }
th { background: #f3f2f1; }
caption { caption-side: top; text-align: left; color: #505a5f; padding-bottom: .3rem; }
figure { margin: 1rem 0; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
.note { border-left: 4px solid #1d70b8; background: #f3f2f1; padding: .5rem .8rem; margin: 1rem 0; }
.note.warning { border-left-color: #f47738; }
.signatures { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem 3rem; break-inside: avoid; }
.line { display: grid; grid-template-columns: 5rem 1fr; margin-top: 1.2rem; }
.line span:last-child { border-bottom: 1px solid #0b0c0c; min-height: 1.2em; }
.line.signature span:last-child { min-height: 3em; }  /* room to sign */
.page-break { break-before: page; page-break-before: always; }
footer { border-top: 1px solid #b1b4b6; margin-top: 2rem; padding-top: .5rem; font-size: .9rem; }
"""

_SVG_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')


def _text(value: str) -> str:
    return escape(value, quote=True)


def _pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    items = "".join(f"<dt>{_text(key)}</dt><dd>{_text(value)}</dd>" for key, value in pairs)
    return f"<dl>{items}</dl>"


def _table(table: Table) -> str:
    align = table.align or ("left",) * len(table.columns)
    cols = ""
    if table.widths:
        total = sum(table.widths)
        cols = "<colgroup>" + "".join(
            f'<col style="width:{100 * width / total:.2f}%">' for width in table.widths
        )
        cols += "</colgroup>"
    caption = f"<caption>{_text(table.caption)}</caption>" if table.caption else ""
    head = "".join(
        f'<th scope="col" style="text-align:{a}">{_text(c)}</th>'
        for c, a in zip(table.columns, align, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="text-align:{a}">{_text(c)}</td>' for c, a in zip(row, align, strict=True)
        )
        + "</tr>"
        for row in table.rows
    )
    return f"<table>{caption}{cols}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _scoped_ids(svg: str, number: int) -> str:
    """Ids renamed per chart and in order of use: two inline SVGs never share a clip-path
    id, and vl-convert's process-wide counter does not make the same content differ."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        name = names.setdefault(match.group(2), f"chart{number}-{len(names) + 1}")
        return match.group(1) + name

    return _SVG_ID.sub(rename, svg)


def _chart(chart: Chart, number: int) -> str:
    svg = _scoped_ids(chart.to_svg(), number)
    svg = svg.replace("<svg", f'<svg role="img" aria-label="{_text(chart.description)}"', 1)
    return f'<figure>{svg}<figcaption class="caption">{_text(chart.caption)}</figcaption></figure>'


def _signatures(block: Signatures) -> str:
    def party(role: str, name: str) -> str:
        lines = "".join(
            f'<div class="line {label.lower()}"><span>{label}</span><span>{_text(value)}</span></div>'
            for label, value in (("Signature", ""), ("Name", name), ("Date", ""))
        )
        return f"<div><strong>{_text(role)}</strong>{lines}</div>"

    return '<div class="signatures">' + "".join(party(*p) for p in block.parties) + "</div>"


def _block(block: Block, number: int) -> str:
    match block:
        case Heading(text=text, level=level):
            # the title is the page's h1, so document headings start at h2
            return f"<h{level + 1}>{_text(text)}</h{level + 1}>"
        case Paragraph(text=text, emphasis=emphasis):
            return f"<p><strong>{_text(text)}</strong></p>" if emphasis else f"<p>{_text(text)}</p>"
        case Bullets(items=items):
            return "<ul>" + "".join(f"<li>{_text(item)}</li>" for item in items) + "</ul>"
        case Table():
            return _table(block)
        case KeyValues(pairs=pairs):
            return _pairs(pairs)
        case Chart():
            return _chart(block, number)
        case Note(text=text, tone=tone):
            label = "<strong>Warning:</strong> " if tone == "warning" else ""
            return f'<div class="note {tone}" role="note">{label}{_text(text)}</div>'
        case Signatures():
            return _signatures(block)
        case PageBreak():
            return '<div class="page-break"></div>'
    raise TypeError(f"not a document block: {block!r}")


def render_html(doc: Document) -> str:
    """The document as one HTML page: inline CSS, charts as inline SVG, every text escaped."""
    subtitle = f'<p class="subtitle">{_text(doc.subtitle)}</p>' if doc.subtitle else ""
    meta = _pairs(doc.meta) if doc.meta else ""
    body = "\n".join(_block(block, number) for number, block in enumerate(doc.blocks, start=1))
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_text(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header class="cover"><h1>{_text(doc.title)}</h1>{subtitle}{meta}</header>\n'
        f"<main>\n{body}\n</main>\n<footer>{_text(doc.footer)}</footer>\n</body>\n</html>\n"
    )
