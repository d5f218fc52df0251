"""The content model every document is written in: frozen dataclasses, plain text only.

A document is data, not markup: renderers (HTML, PDF) decide how it looks, so the same
content gives the same words in both, and its hash is what a signature records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal

Alignment = Literal["left", "right", "center"]


class DocumentError(Exception):
    """A document could not be built; the message is for users, the cause for developers."""


def _frozen(value: Any) -> Any:
    """Lists (from JSON or a careless caller) become tuples, all the way down."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


@dataclass(frozen=True)
class _Block:
    """Shared behaviour: tuple fields are frozen on construction, blocks serialise by kind."""

    kind: ClassVar[str]

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, list | tuple):
                object.__setattr__(self, field.name, _frozen(value))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind} | {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Heading(_Block):
    kind: ClassVar[str] = "heading"
    text: str
    level: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.level not in (1, 2, 3):
            raise ValueError(f"a heading's level is 1, 2 or 3, not {self.level}")


@dataclass(frozen=True)
class Paragraph(_Block):
    """Shown exactly as typed: line breaks and symbols are kept, nothing is interpreted."""

    kind: ClassVar[str] = "paragraph"
    text: str
    emphasis: bool = False


@dataclass(frozen=True)
class Bullets(_Block):
    kind: ClassVar[str] = "bullets"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table(_Block):
    """Cells are text the caller has already formatted (``£1,234.56``, ``62.5%``).

    ``widths`` are relative (``(2, 1, 1)`` makes the first column twice as wide);
    ``align`` is one of left/right/center per column.
    """

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    align: tuple[Alignment, ...] | None = None
    caption: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        count = len(self.columns)
        if any(len(row) != count for row in self.rows):
            raise ValueError(f"every row of a table needs {count} cells")
        if any(not isinstance(cell, str) for row in self.rows for cell in row):
            raise TypeError("table cells are text: format numbers before building the table")
        for name in ("widths", "align"):
            value = getattr(self, name)
            if value is not None and len(value) != count:
                raise ValueError(f"a table's {name} needs one entry per column ({count})")
        if self.align and not set(self.align) <= {"left", "right", "center"}:
            raise ValueError("a column is aligned left, right or center")


@dataclass(frozen=True)
class KeyValues(_Block):
    kind: ClassVar[str] = "key_values"
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Chart(_Block):
    """A Vega-Lite chart, drawn as vector graphics; ``description`` is its text alternative."""

    kind: ClassVar[str] = "chart"
    spec: dict[str, Any]
    caption: str
    description: str

    def __post_init__(self) -> None:
        # a private JSON copy: later changes to the caller's dict cannot alter a signed document
        object.__setattr__(self, "spec", json.loads(json.dumps(self.spec)))

    def to_svg(self) -> str:
        """The chart as SVG text; external data is refused (documents are built on the server)."""
        import vl_convert as vlc

        try:
            return vlc.vegalite_to_svg(self.spec, allowed_base_urls=[])
        # vl-convert raises ValueError, but to users any failure here is the same
        except Exception as error:
            raise DocumentError(
                f"The document could not be built: the chart “{self.caption}” could not be drawn."
            ) from error


@dataclass(frozen=True)
class Note(_Block):
    kind: ClassVar[str] = "note"
    text: str
    tone: Literal["info", "warning"] = "info"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tone not in ("info", "warning"):
            raise ValueError(f"a note's tone is info or warning, not {self.tone}")


@dataclass(frozen=True)
class Signatures(_Block):
    """A signature block: for each (role, name) lines for signature, name and date."""

    kind: ClassVar[str] = "signatures"
    parties: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PageBreak(_Block):
    kind: ClassVar[str] = "page_break"


Block = Heading | Paragraph | Bullets | Table | KeyValues | Chart | Note | Signatures | PageBreak
_BLOCK_KINDS: dict[str, type[_Block]] = {
    cls.kind: cls
    for cls in (Heading, Paragraph, Bullets, Table, KeyValues, Chart, Note, Signatures, PageBreak)
}


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    meta: tuple[tuple[str, str], ...]
    blocks: tuple[Block, ...]
    footer: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "meta", _frozen(self.meta))
        object.__setattr__(self, "blocks", tuple(self.blocks))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "subtitle": self.subtitle,
            "meta": self.meta,
            "blocks": [block.to_dict() for block in self.blocks],
            "footer": self.footer,
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, so equal content gives equal text."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Document:
        data = json.loads(text)
        blocks = []
        for block in data.pop("blocks"):
            kind = block.pop("kind")
            if kind not in _BLOCK_KINDS:
                raise ValueError(f"unknown block kind {kind!r}")
            blocks.append(_BLOCK_KINDS[kind](**block))
        return cls(blocks=tuple(blocks), **data)

    def content_hash(self) -> str:
        """SHA-256 (hex) of the canonical JSON: the same on every run and machine."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
