"""A document as PDF bytes: a fixed Typst template fills itself from the content as JSON.

The content never becomes markup, so nothing a user types can change the layout. Only the
fonts bundled with the ``typst`` package are used, so the output is the same wherever the
package is installed.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

from dashboard.documents.content import Chart, Document, DocumentError

Progress = Callable[[float, str], None]

# chart labels in the body font, instead of whatever font the compiler picks for "sans-serif"
_SVG_FONT = re.compile(r'font-family="[^"]*"')
_BODY_FONT = 'font-family="Libertinus Serif"'


def _template() -> bytes:
    return files("dashboard.documents").joinpath("template.typ").read_bytes()


def render_pdf(doc: Document, progress: Progress | None = None) -> bytes:
    """The document as PDF; ``progress(fraction, words)`` is told as the work goes on."""
    report = progress or (lambda fraction, words: None)
    charts = [block for block in doc.blocks if isinstance(block, Chart)]
    report(0.0, "Drawing the charts")
    with tempfile.TemporaryDirectory(prefix="document-") as folder:
        root = Path(folder)
        payload = doc.to_dict()
        chart_blocks = [block for block in payload["blocks"] if block["kind"] == "chart"]
        for number, (chart, block) in enumerate(zip(charts, chart_blocks, strict=True), start=1):
            name = f"chart-{number}.svg"
            (root / name).write_text(_SVG_FONT.sub(_BODY_FONT, chart.to_svg()), encoding="utf-8")
            block["file"] = "/" + name
            report(0.6 * number / len(charts), f"Drawn chart {number} of {len(charts)}")
        (root / "content.json").write_text(
            json.dumps(payload, ensure_ascii=False), encoding="utf-8"
        )
        report(0.65, "Laying out the pages")
        pdf = _compile(root)
    report(1.0, "Done")
    return pdf


def _compile(root: Path) -> bytes:
    import typst

    try:
        return typst.compile(_template(), root=str(root), ignore_system_fonts=True, format="pdf")
    except typst.TypstError as error:
        raise DocumentError(
            "The document could not be built: its pages could not be laid out."
        ) from error
