"""Names from import files show as plain text (AppTest): an indicator, a lead officer, a
thematic partnership and an area named with Markdown and link payloads are shown as typed on
every page for every demo role — never bold, never a link, never a heading.

Streamlit reads Markdown in most of what it shows (markdown, captions, titles, alerts,
metric labels and help, expander and tab labels, page links, buttons, radio and pill
options); selectboxes, tables, charts and raw HTML take text as it is, so they are left
out of the scan (raw HTML is escaped where it is built).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, update

from dashboard import db, store
from dashboard.ui.plain import md
from data_models import Area, Indicator, Partnership, TargetVersion, UserGrant
from seed_data.demo_users import DEMO_AREA, lead_partnership
from tests.app.conftest import errors, open_page
from tests.app.test_page_text import DEMO_USERS, every_page

INDICATOR = "**Bold** [click](http://evil.example)"
OFFICER = "[x](javascript:alert(1))"
PARTNERSHIP = "Safer _Streets_ see www.evil.example"
AREA = "# Vale :red[red] <b>x</b> $x$"
NAMES = (INDICATOR, OFFICER, PARTNERSHIP, AREA)
# What any of them would become if read as Markdown: none may reach a Markdown element.
RAW = ("**Bold**", "[click](", "](javascript", "http://evil", "www.evil", "_Streets_",
       "# Vale", ":red[", "<b>", "$x$")  # fmt: skip
# Elements whose text is not read as Markdown.
PLAIN_TYPES = {"selectbox", "multiselect", "arrow_data_frame", "arrow_vega_lite_chart",
               "vega_lite_chart", "html", "text_input", "text_area", "date_input",
               "number_input", "code", "text", "json"}  # fmt: skip
NOT_TEXT = {"data", "datasets", "arrow_data", "spec", "id", "form_id", "page_script_hash"}


def strings(message: Any) -> Iterator[str]:
    """Every text field of a protobuf message, nested messages included."""
    for field, value in message.ListFields():
        if field.name in NOT_TEXT:
            continue
        repeated = hasattr(value, "__iter__") and not isinstance(value, (str, bytes))
        values = value if repeated and not hasattr(value, "ListFields") else [value]
        for item in values:
            if isinstance(item, str):
                yield item
            elif hasattr(item, "ListFields"):
                yield from strings(item)


def markdown_texts(at: Any) -> list[str]:
    """The text of every element of a run that Streamlit renders as Markdown."""
    found: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and getattr(node, "type", None) not in PLAIN_TYPES:
            found.extend(strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def name_with_payloads(engine: Engine) -> str:
    """Give the lead's partnership of D10, one of its HO indicators, that target's lead
    officer and D10 itself the payload names (the lead's grant follows the rename), as an
    import of such files would; returns the indicator's code."""
    owner = lead_partnership(engine)
    admin = store.cli_actor("tester")
    department = store.load_scope(
        engine, store.Actor("dept", (store.Grant("department", department_code="HO"),)), [DEMO_AREA]
    ).targets
    target = (
        store.load_scope(engine, admin, [DEMO_AREA])
        .targets.filter(
            (pl.col("partnership") == owner)
            & pl.col("indicator_code").is_in(department["indicator_code"].implode())
        )
        .row(0, named=True)
    )
    with engine.begin() as conn:
        conn.execute(
            update(Indicator)
            .where(Indicator.code == target["indicator_code"])
            .values(name=INDICATOR)
        )
        conn.execute(
            update(TargetVersion)
            .where(TargetVersion.target_id == target["target_id"])
            .values(lead_officer=OFFICER)
        )
        conn.execute(
            update(Partnership)
            .where(Partnership.area_code == DEMO_AREA, Partnership.name == owner)
            .values(name=PARTNERSHIP)
        )
        conn.execute(
            update(UserGrant)
            .where(UserGrant.area_code == DEMO_AREA, UserGrant.partnership == owner)
            .values(partnership=PARTNERSHIP)
        )
        conn.execute(update(Area).where(Area.code == DEMO_AREA).values(name=AREA))
    return str(target["indicator_code"])


@pytest.fixture
def named_demo(writable_demo: str) -> dict[str, str]:
    """The demo with payload names (see `name_with_payloads`)."""
    return {"indicator": name_with_payloads(db.get_engine(writable_demo))}


def test_escaped_names_show_as_typed(named_demo: dict[str, str]) -> None:
    """Where the names appear, they are escaped: the title is the name, not Markdown of it."""
    code = named_demo["indicator"]
    at = open_page("indicator", "officer", area=DEMO_AREA, indicator=code)
    assert not errors(at), errors(at)
    assert at.title[0].value == f"{code} {md(INDICATOR)}"
    caption = at.caption[0].value
    assert md(PARTNERSHIP) in caption and md(OFFICER) in caption
    crumbs = [n.proto.label for n in at.main if getattr(n, "type", None) == "page_link"]
    assert f"{md(AREA)} LSP" in crumbs and md(PARTNERSHIP) in crumbs

    at = open_page("partnership", "lead", area=DEMO_AREA, partnership=PARTNERSHIP)
    assert not errors(at), errors(at)
    assert at.title[0].value == md(PARTNERSHIP)
    assert any(md(OFFICER) in m.value for m in at.markdown)

    at = open_page("overview", "officer", area=DEMO_AREA)
    assert not errors(at), errors(at)
    assert at.title[0].value == f"{md(AREA)} LSP overview"


@pytest.mark.parametrize("user", DEMO_USERS)
def test_no_name_renders_as_markdown_on_any_page(named_demo: dict[str, str], user: str) -> None:
    problems: list[str] = []
    escaped = 0
    for title, at in every_page(user):
        assert not at.exception, (title, [e.value for e in at.exception])
        for text in markdown_texts(at):
            rest = text  # what is left once each escaped name is taken out
            for name in NAMES:
                escaped += md(name) in rest
                rest = rest.replace(md(name), "")
            problems += [f"{title}: {raw!r} in {text!r}" for raw in RAW if raw in rest]
    assert not problems, "\n".join(problems)
    assert escaped, f"{user} saw none of the names: the scan would prove nothing"
