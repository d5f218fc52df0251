"""Names from import files are plain text in Chromium: an indicator, lead officer,
partnership and area named with Markdown and link payloads show as typed — no link to the
payload's address, no bold, no heading — on the pages that name them. The browser is the
proof here: Streamlit finds bare links after Markdown escapes are resolved, which AppTest,
reading the Markdown source, cannot see.

This test renames data, so it runs its own server over a private copy of the demo database.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from dashboard import db
from dashboard.ui.plain import WORD_JOINER as JOINER
from seed_data.demo_users import DEMO_AREA, DEMO_PASSWORD
from tests.app.test_plain_names import AREA, INDICATOR, OFFICER, PARTNERSHIP, name_with_payloads
from tests.e2e.conftest import (
    VIEWPORT,
    assert_no_exception,
    fill_signin,
    screenshot,
    wait_for_app,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def named_base(private) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    # renamed before any page is opened: the server's caches have read nothing yet
    code = name_with_payloads(db.get_engine(private.url))
    db.dispose_all()
    yield private.base, code


def test_payload_names_render_as_typed(browser, named_base) -> None:  # type: ignore[no-untyped-def]
    base, code = named_base
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(f"{base}/indicator?area={DEMO_AREA}&indicator={code}")
        fill_signin(page, "officer", DEMO_PASSWORD)
        wait_for_app(page, timeout_ms=90_000)
        assert_no_exception(page)
        main = page.get_by_test_id("stMain")
        shown = main.inner_text().replace(JOINER, "")  # the joiner is invisible
        assert f"{code} {INDICATOR}" in shown and OFFICER in shown and PARTNERSHIP in shown
        screenshot(page, "plain-names-indicator")
        for path in ("", f"/partnership?area={DEMO_AREA}", f"/?area={DEMO_AREA}"):
            if path:
                page.goto(base + path)
                wait_for_app(page, timeout_ms=60_000)
                assert_no_exception(page)
            hrefs = main.locator("a").evaluate_all("links => links.map(a => a.href)")
            away = [h for h in hrefs if urlsplit(h).scheme not in ("http", "https")
                    or urlsplit(h).hostname != "127.0.0.1"]  # fmt: skip
            assert not away, away  # every link is the app's own, none the payload's
            assert "Bold" not in main.locator("strong").all_inner_texts()
            assert not [e for e in main.locator("em").all_inner_texts() if "Streets" in e]
            headings = main.locator("h1, h2, h3").all_inner_texts()
            assert not [h for h in headings if h.startswith("Vale")], headings
            assert AREA in main.inner_text().replace(JOINER, "")
        screenshot(page, "plain-names-overview")
    finally:
        context.close()
