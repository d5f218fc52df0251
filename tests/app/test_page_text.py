"""No developer words on any screen (AppTest): for every demo role, every page its navigation
registers is opened and all the text a user can read is collected — markdown, captions,
titles, alerts, help tooltips, metric labels, widget labels and options, table headers and
column help, chart titles and tooltips, raw HTML — and searched for the project's internals:
"DOMAIN §…" references, temporary-folder paths, tracebacks, and `laa` command lines (which
only administrators, who run the command, are told about)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import text_format
from streamlit.testing.v1 import AppTest

from dashboard.ui.nav import HELP_MENU
from tests.app.conftest import app, errors, open_exceptions

DEMO_USERS = ("admin", "officer", "board", "lead", "go", "department", "viewer")
INTERNALS = {
    "a DOMAIN reference": re.compile(r"DOMAIN|§"),
    "a temporary path": re.compile(r"/tmp\b|/var/folders|\\Temp\\|AppData"),
    "a traceback": re.compile(r"Traceback|File \"/"),
}
# Command lines are never shown, not even in an administrator's empty state.
CLI = re.compile(r"\blaa (db|seed|import|export|user|lock|agreement|review)\b")
# Element payloads that are data, not words: table cells (checked separately for their
# headers) and chart datasets.
DATA_FIELDS = ("data", "datasets", "arrow_data")


def visible_text(at: AppTest) -> list[str]:
    """Every element of the run, main area and sidebar, as the text a reader can see."""
    found: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            present = {f.name for f, _ in proto.ListFields()}
            if present & set(DATA_FIELDS):
                words = type(proto)()
                words.CopyFrom(proto)
                for field in present & set(DATA_FIELDS):
                    words.ClearField(field)
                proto = words
            found.append(text_format.MessageToString(proto, as_utf8=True))
            spec = getattr(proto, "spec", "")
            if isinstance(spec, str) and spec.startswith("{"):  # a chart: titles and tooltips
                found.append(json.dumps(json.loads(spec), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    found += [" | ".join(map(str, frame.value.columns)) for frame in at.dataframe]
    return found


def pages_of(at: AppTest) -> list[tuple[str, str]]:
    """(title, script path relative to the entrypoint) of every page this run registered."""
    return [
        (info["page_name"], str(Path("..") / "pages" / Path(str(info["script_path"])).name))
        for info in at._registered_pages.values()
    ]


def every_page(user: str) -> Iterator[tuple[str, AppTest]]:
    """One session that opens each registered page in turn, as a user clicking the menu."""
    at = app(user).run()
    pages = pages_of(at)
    assert len(pages) >= 8, pages
    for title, path in pages:
        at.switch_page(path)
        at.run()
        yield title, open_exceptions(at)  # the cards drawn only once opened, read too


@pytest.mark.parametrize("user", DEMO_USERS)
def test_no_internals_on_any_page(demo_db: str, user: str) -> None:
    problems: list[str] = []
    seen: list[str] = []
    for title, at in every_page(user):
        assert not at.exception, (title, [e.value for e in at.exception])
        text = "\n".join(visible_text(at))
        seen.append(title)
        rules = {**INTERNALS, "a laa command": CLI}
        for what, pattern in rules.items():
            for match in pattern.finditer(text):
                context = text[max(match.start() - 80, 0) : match.end() + 80].replace("\n", " ")
                problems.append(f"{title}: {what}: …{context}…")
    assert HELP_MENU in seen  # the help page was among them
    assert not problems, "\n".join(problems)


def test_the_scan_sees_what_the_reader_sees(demo_db: str) -> None:
    """The scan is not blind: a page's help tooltips, captions and table headers are in it."""
    at = app("officer").run()
    text = "\n".join(visible_text(at))
    assert not errors(at), errors(at)
    assert "Performance Reward Grant forecast" in text  # a metric label
    assert "80% interval" in text  # that metric's help tooltip
    assert "Status" in text and "Lead officer" in text  # the target table's headers
