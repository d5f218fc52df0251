"""Names from data files (indicators, lead officers, partnerships, areas) shown as plain text.

Streamlit reads Markdown in almost every text it shows — st.markdown, captions, titles,
alerts, metric labels and help, expander and tab labels, page links, radio and pill options
— and turns `**x**` into bold, `[x](http://…)` into a link, a bare `http://…` into a live
link, `$x$` into maths and `:red[x]` into colour. A stored name is not Markdown: `md` escapes
it for those places, `html` for st.html. Plain-text places (selectbox options, table cells,
chart titles) take the name as it is.
"""

from __future__ import annotations

import re
from html import escape

# The characters that start Markdown (or Streamlit's extensions to it) inside a line:
# emphasis, code, links and images, raw HTML, maths, strikethrough, tables, icons and
# colours, headings; `&` only where it would start an entity. Each is backslash-escaped,
# which shows it as itself; other punctuation (`(`, `-`, `'`, `.`) is left as typed.
_SPECIALS = re.compile(r"([\\`*_\[\]<>$~:|#]|&(?=#?\w+;))")
# At the start of a label these begin a list or a quote.
_LEADING_MARKER = re.compile(r"^([-+]|\d+[.)])(?=\s|$)")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# Streamlit finds bare links (`http://x.y`, `www.x.y`, `a@b.c`) and icons (`:material/x:`)
# in the text after the escapes are resolved, so escaping alone leaves them live: an
# invisible word joiner where each pattern needs a letter or a dot breaks the match.
_BARE_LINKS = re.compile(r"(://|\bwww(?=\.)|@|:(?=material/))", re.IGNORECASE)
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """`text` for a place that reads Markdown, shown literally (`**Bold**` stays as typed, a
    bare `http://…` is not a link). Line breaks become spaces: a name is one line, and a
    break could start a block."""
    line = _LINE_BREAKS.sub(" ", "" if text is None else str(text)).strip()
    line = _SPECIALS.sub(r"\\\1", _BARE_LINKS.sub(r"\1" + WORD_JOINER, line))
    return _LEADING_MARKER.sub(lambda m: m[1][:-1] + "\\" + m[1][-1], line)


def html(text: object) -> str:
    """`text` for st.html: markup escaped, quotes included (safe inside an attribute too)."""
    return escape("" if text is None else str(text), quote=True)


def indicator_label(row: dict) -> str:
    """`**CODE** name` for a link or heading: the code in bold, both shown as typed."""
    return f"**{md(row['indicator_code'])}** {md(row['indicator_name'])}"
