"""Two Streamlit servers over one database, as a national deployment runs them behind a proxy
with sticky sessions: a value saved through server A shows on server B's next run, with its
audit row; two saves of one value through the two servers are a conflict, not a lost update;
and a sign-in on either server is good on both (they share SECRET_KEY).

The database is TEST_DATABASE_URL's PostgreSQL when it is set (CI sets it), else one SQLite
file (two servers on one machine). It holds the worked example (area X01) and two
administrators, one signed in on each server.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import polars as pl
import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import Engine

from dashboard import accounts, db, entry, settings, store
from dashboard.access import Grant
from dashboard.analysis import assess_areas
from seed_data.demo_users import DEMO_PASSWORD
from tests.conftest import backend_database
from tests.e2e.conftest import (
    SIGNIN_URL,
    VIEWPORT,
    _worked_example_with_admin,
    assert_no_exception,
    screenshot,
    serve,
    signed_in,
    wait_for_app,
)
from tests.e2e.test_updates import _on_trajectory, _type_value

pytestmark = pytest.mark.browser

AREA = "X01"
TODAY = date(2008, 11, 30)  # the worked example's business date
WRITER, READER = "admin", "auditor"  # signed in on server A and on server B
WRITER_NAME = "Test Administrator"  # the worked example's admin, as messages name them


@dataclass(frozen=True)
class Servers:
    """Two servers' base URLs over one database, and the SECRET_KEY they share."""

    a: str
    b: str
    url: str
    secret_key: str


def _two_administrators(engine: Engine, actor: store.Actor) -> None:
    _worked_example_with_admin(engine, actor)
    accounts.add_user(engine, actor, READER, "Second Administrator", DEMO_PASSWORD)
    accounts.grant(engine, actor, READER, Grant("admin"))


@pytest.fixture(scope="module")
def servers(browser_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("two_servers")
    backend = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    url = backend_database(backend, folder)
    engine = db.get_engine(url)
    _two_administrators(engine, store.cli_actor("e2e"))
    db.dispose_all()
    key = secrets.token_urlsafe(32)
    try:
        with (
            serve(url, folder=folder / "a", secret_key=key) as a,
            serve(url, folder=folder / "b", secret_key=key) as b,
        ):
            yield Servers(a, b, url, key)
    finally:
        db.dispose_all()


@pytest.fixture
def open_as(browser):  # type: ignore[no-untyped-def]
    """Open a tab signed in as a user on a server, each in its own browser context."""
    contexts = []

    def opened(base: str, user: str, path: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = signed_in(context.new_page(), base, user, path=path)
        assert_no_exception(page)
        return page

    yield opened
    for context in contexts:
        context.close()


def _first_row(url: str) -> dict:
    """The writer's first row in My updates for X01, with the indicator's polarity and
    decimals."""
    engine = db.get_engine(url)
    try:
        writer = accounts.actor_for(engine, WRITER)
        assert writer is not None
        result = assess_areas(engine, writer, [AREA], TODAY)
        row = entry.entry_grid(result, writer).row(0, named=True)
        meta = result.targets.filter(pl.col("indicator_code") == row["indicator_code"])
        return row | meta.select("polarity", "decimals").row(0, named=True)
    finally:
        db.dispose_all()


def _point(page, row: dict, shown: str):  # type: ignore[no-untyped-def]
    """The indicator chart's actual point for the row's period at the shown value (and its
    unit: `54.0%`)."""
    chart = page.get_by_test_id("stVegaLiteChart").first
    label = f"Series: Actual; Period: {row['period_label']}; Value: {shown}"
    return chart.locator(f"svg .mark-symbol path[aria-label*='{label}']")


def _changes(page) -> int:  # type: ignore[no-untyped-def]
    """The audit log's count of changes, from its caption ("N of M changes")."""
    caption = page.get_by_test_id("stMain").get_by_text(re.compile(r"^[\d,]+ of [\d,]+ changes"))
    expect(caption).to_be_visible()
    return int(caption.inner_text().split(" of ")[1].split()[0].replace(",", ""))


def _newest_change(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The audit table's first row (newest first), header -> text, from the grid's
    accessible table."""
    rows = page.get_by_test_id("stMain").get_by_test_id("stDataFrame").first.locator("table tr")
    expect(rows.nth(1)).to_be_attached()
    headers = rows.nth(0).locator("th, td").all_inner_texts()
    return dict(zip(headers, rows.nth(1).locator("th, td").all_inner_texts(), strict=True))


def test_a_value_saved_through_one_server_shows_on_the_other(servers: Servers, open_as) -> None:  # type: ignore[no-untyped-def]
    row = _first_row(servers.url)
    value = _on_trajectory(row)
    shown = f"{value:,.{int(row['decimals'])}f}"
    indicator_path = f"/indicator?area={AREA}&indicator={row['indicator_code']}"

    # Server B has drawn the indicator and the audit log (its caches hold them) before the write.
    reader = open_as(servers.b, READER, indicator_path)
    expect(reader.get_by_test_id("stVegaLiteChart").first).to_be_visible()
    expect(_point(reader, row, shown)).to_have_count(0)
    reader.goto(f"{servers.b}/audit?area={AREA}")
    wait_for_app(reader)
    changes_before = _changes(reader)

    writer = open_as(servers.a, WRITER, f"/updates?area={AREA}")
    _type_value(writer, str(value))
    writer.get_by_test_id("stMain").get_by_role("button", name="Save values").click()
    wait_for_app(writer)
    assert_no_exception(writer)
    expect(writer.get_by_test_id("stAlert")).to_contain_text("Saved 1 value.")

    # B's next run reads the new data version from the database and draws the new value.
    reader.goto(f"{servers.b}{indicator_path}")
    wait_for_app(reader)
    assert_no_exception(reader)
    expect(_point(reader, row, shown)).to_have_count(1)
    expect(reader.get_by_test_id("stVegaLiteChart").first).to_have_attribute(
        "aria-label", re.compile(rf"Latest actual {re.escape(shown)}\S* \({row['period_label']}, ")
    )
    screenshot(reader, "two-servers-1-indicator-on-b")

    reader.goto(f"{servers.b}/audit?area={AREA}")
    wait_for_app(reader)
    assert_no_exception(reader)
    assert _changes(reader) == changes_before + 1
    assert _newest_change(reader) | {"When": ""} == {
        "When": "", "Who": WRITER, "What": "Value recorded", "Area": AREA,
        "Indicator": row["indicator_code"], "Period": row["period_label"], "Before": "",
        "After": store.bare(value), "Reason": "data entry",
    }  # fmt: skip
    screenshot(reader, "two-servers-2-audit-on-b")


def _history(url: str, row: dict) -> list[tuple[float, str]]:
    """(value, recorded_by) of every revision of the row's value, oldest first."""
    engine = db.get_engine(url)
    try:
        revisions = store.actual_revisions(
            engine, store.cli_actor("e2e"), AREA, row["indicator_code"]
        )
    finally:
        db.dispose_all()
    ours = revisions.filter(pl.col("period") == row["period"]).sort("revision")
    return list(ours.select("value", "recorded_by").iter_rows())


def test_two_saves_of_one_value_through_two_servers_are_a_conflict(
    servers: Servers, open_as
) -> None:  # type: ignore[no-untyped-def]
    """B's grid was drawn before A saved the same value: B's save is refused, naming who saved
    on A, and nothing of B's is written (no lost update between servers)."""
    row = _first_row(servers.url)
    decimals = int(row["decimals"])
    ours = _on_trajectory(row)
    step = 10**-decimals
    theirs = round(ours + (step if row["polarity"] == "higher" else -step), 6)

    late = open_as(servers.b, READER, f"/updates?area={AREA}")  # drawn first, saves last
    _type_value(late, f"{theirs:.{decimals}f}")
    first = open_as(servers.a, WRITER, f"/updates?area={AREA}")
    _type_value(first, f"{ours:.{decimals}f}")
    first.get_by_test_id("stMain").get_by_role("button", name="Save values").click()
    wait_for_app(first)
    expect(first.get_by_test_id("stAlert")).to_contain_text("Saved 1 value.")

    main = late.get_by_test_id("stMain")
    main.get_by_role("button", name="Save values").click()
    wait_for_app(late)
    assert_no_exception(late)
    warning = main.get_by_test_id("stAlert").filter(has_text="Nothing was saved")
    expect(warning).to_contain_text(
        f"Row 1 ({row['indicator_code']}, {row['period_label']}): {WRITER_NAME} saved "
    )
    expect(warning).to_contain_text("after you opened this page — review and save again")
    assert _history(servers.url, row) == [(pytest.approx(ours), WRITER)]


def test_a_sign_in_on_one_server_is_good_on_the_other(servers: Servers, browser) -> None:  # type: ignore[no-untyped-def]
    """Signed in through A, the browser opens B's pages (the proxy may send it there) without
    signing in again: B checks the cookie with the same SECRET_KEY, over HTTP and websocket."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = signed_in(context.new_page(), servers.a, WRITER)
        page.goto(f"{servers.b}/?area={AREA}")
        expect(page).not_to_have_url(SIGNIN_URL)
        wait_for_app(page)
        assert_no_exception(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Signed in as")).to_contain_text(WRITER)
    finally:
        context.close()


def test_a_sign_in_form_from_one_server_is_accepted_by_the_other(servers: Servers) -> None:
    """Without sticky sessions the form may come from A and its answer go to B: the form's
    anti-forgery token and the session cookie are signed with the shared key, so it signs in."""
    session = requests.Session()
    form = session.get(f"{servers.a}/account/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert form.status_code == 200 and token
    answer = session.post(
        f"{servers.b}/account/signin",
        data={"login": READER, "password": DEMO_PASSWORD, "csrf": token.group(1)},
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    for base in (servers.a, servers.b):  # the cookie B set is good on A too
        assert session.get(f"{base}/", allow_redirects=False).status_code == 200


def test_a_cookie_signed_with_another_key_is_refused(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a server with its own random key would issue: neither server accepts it."""
    engine = db.get_engine(servers.url)
    try:
        writer = accounts.actor_for(engine, WRITER)
    finally:
        db.dispose_all()
    assert writer is not None
    tokens = {}
    with monkeypatch.context() as env:  # the key this process signs with, for a moment
        for name, key in (("shared", servers.secret_key), ("other", secrets.token_urlsafe(32))):
            env.setenv("SECRET_KEY", key)
            settings.get_settings.cache_clear()
            tokens[name] = accounts.issue_session(writer)
    settings.get_settings.cache_clear()
    for base in (servers.a, servers.b):
        for name, token in tokens.items():
            response = requests.get(
                f"{base}/", cookies={accounts.SESSION_COOKIE: token}, allow_redirects=False
            )
            if name == "shared":
                assert response.status_code == 200, (base, name)
            else:
                assert response.status_code == 303, (base, name)
                assert response.headers["location"].startswith("/account/signin")
