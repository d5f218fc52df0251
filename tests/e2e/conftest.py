"""Browser tests: the real served app (`dashboard/server.py`, with its sign-in gate) on a free
port, driven in Debian's Chromium.

Chromium comes from Debian (`apt-get install chromium`), never from `playwright install`.
Outside CI a machine without it skips these tests with a message saying how to install it;
in CI (CI set) a missing Chromium is an error.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard import accounts, db, settings, store
from dashboard.access import Grant
from seed_data.demo import seed_demo
from seed_data.demo_users import DEMO_PASSWORD
from tests.conftest import load_worked_example

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots to look at; git-ignored
VIEWPORT = {"width": 1400, "height": 1000}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser_path() -> str:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(
                "CI is set but Debian's chromium is not installed (apt-get install chromium)"
            )
        pytest.skip("browser tests need Debian's Chromium: sudo apt-get install chromium")
    return path


def _seeded(path: Path, load: Callable[[Engine, store.Actor], object]) -> str:
    url = f"sqlite:///{path}"
    store.upgrade(url)
    engine = db.get_engine(url)
    load(engine, store.cli_actor("e2e"))
    engine.dispose()
    db.dispose_all()
    settings.get_settings.cache_clear()
    return url


def _worked_example_with_admin(engine: Engine, actor: store.Actor) -> None:
    """The worked example and an administrator `admin` (password as the demo users')."""
    load_worked_example(engine, actor)
    accounts.add_user(engine, actor, "admin", "Test Administrator", DEMO_PASSWORD)
    accounts.grant(engine, actor, "admin", Grant("admin"))


@pytest.fixture(scope="session")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the worked example of DOMAIN §5 (area X01) and a user `admin`."""
    return _seeded(tmp_path_factory.mktemp("e2e") / "e2e.db", _worked_example_with_admin)


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database with the demo: every area of `seed_data.demo.AREAS`, today 30 November 2008."""
    return _seeded(tmp_path_factory.mktemp("e2e_demo") / "demo.db", seed_demo)


def private_demo_copy(demo_url: str, folder: Path) -> str:
    """A private copy of the demo database in `folder` (SQLite's backup API: consistent even
    while the shared demo server has it open in WAL mode), for tests that write."""
    source = sqlite3.connect(demo_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(folder / "demo.db")
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{folder / 'demo.db'}"


@dataclass(frozen=True)
class Private:
    """A served private copy of the demo: the app's base URL and its database URL."""

    base: str
    url: str


@pytest.fixture
def private(browser_path: str, demo_url: str, tmp_path: Path) -> Iterator[Private]:
    """The app over a private copy of the demo database, for a test that writes (its own
    server, so the shared demo server's caches never see the writes)."""
    url = private_demo_copy(demo_url, tmp_path)
    try:
        with serve(url) as base:
            yield Private(base, url)
    finally:
        db.dispose_all()


def server_log_dir(database_url: str) -> Path:
    """The served app's LOG_DIR (its security.log), next to its database."""
    return Path(database_url.removeprefix("sqlite:///")).parent / "logs"


@contextmanager
def serve(
    database_url: str, *, folder: Path | None = None, secret_key: str | None = None
) -> Iterator[str]:
    """`streamlit run dashboard/server.py` (the app behind its sign-in gate) over `database_url`
    on a free port; yields its base URL.

    LOG_DIR is a temporary folder (`server_log_dir`, or `folder`/logs) and SECRET_KEY a fresh
    random key unless `secret_key` is given (servers sharing one accept each other's cookies),
    so the project's logs/ and .secret_key are left alone. The server's log (next to the SQLite
    database, or `folder`/server.log: a PostgreSQL URL needs a folder) is printed if it fails
    to start or exits with an error.
    """
    port = _free_port()
    if folder is None:
        log_path = Path(database_url.removeprefix("sqlite:///")).with_suffix(".log")
        log_dir = server_log_dir(database_url)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        log_path, log_dir = folder / "server.log", folder / "logs"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_DIR": str(log_dir),
        "SECRET_KEY": secret_key or secrets.token_urlsafe(32),
    }
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "server.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log_path.read_text()}")
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            if proc.returncode not in (0, -15, None):
                print(log_path.read_text())


@pytest.fixture(scope="session")
def server(browser_path: str, seeded_url: str) -> Iterator[str]:
    """The app over the worked example (area X01)."""
    with serve(seeded_url) as base:
        yield base


@pytest.fixture(scope="session")
def demo_server(browser_path: str, demo_url: str) -> Iterator[str]:
    """The app over the demo database."""
    with serve(demo_url) as base:
        yield base


@pytest.fixture(scope="session")
def browser(browser_path: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    """A fresh browser tab (own cookies) on the worked-example server, signed in as `admin`."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    signed_in(pg, server, "admin")
    yield pg
    context.close()


@pytest.fixture
def demo_page(browser, demo_server):  # type: ignore[no-untyped-def]
    """A fresh browser tab (own cookies) on the demo server, signed in as the demo `admin`;
    downloads allowed."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    pg = context.new_page()
    signed_in(pg, demo_server, "admin")
    yield pg
    context.close()


@pytest.fixture
def stranger(browser):  # type: ignore[no-untyped-def]
    """A fresh browser tab that has not signed in (its context: `stranger.context`)."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    yield pg
    context.close()


SIGNIN_URL = re.compile(r"/account/signin(\?|$)")


def fill_signin(page, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """On the sign-in page: type the user name (or email) and password, press Enter."""
    page.get_by_label("User name or email").fill(user)
    password_box = page.get_by_label("Password")
    password_box.fill(password)
    password_box.press("Enter")


def signed_in(  # type: ignore[no-untyped-def]
    page, server: str, user: str, password: str = DEMO_PASSWORD, path: str = "/"
):
    """Open `server` + `path`, which lands on `/account/signin`; sign in as `user` with the form
    (Enter submits) and wait for the Streamlit app at the requested page. Returns the page."""
    from playwright.sync_api import expect

    page.goto(server + path)
    expect(page).to_have_url(SIGNIN_URL)
    fill_signin(page, user, password)
    expect(page).not_to_have_url(SIGNIN_URL, timeout=15_000)
    wait_for_app(page)
    return page


def wait_for_app(page, timeout_ms: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished the script run and shows no skeletons. At the root
    URL, also until it has forwarded to the landing page (the root's run only forwards): a
    click before that would be overtaken by the forward."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_timeout(250)
    page.wait_for_function(
        """() => {
            const app = document.querySelector("[data-testid='stApp']");
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && !document.querySelector("[data-testid='stSkeleton']")
                && window.location.pathname !== '/';
        }""",
        timeout=timeout_ms,
    )


def assert_no_exception(page) -> None:  # type: ignore[no-untyped-def]
    """No Streamlit exception box anywhere on the page."""
    errors = page.get_by_test_id("stException")
    assert errors.count() == 0, errors.all_inner_texts()


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """A full-length screenshot into tests/e2e/artifacts/<name>.png, for people to look at.

    Streamlit scrolls inside its main area, not the document, so a `full_page` shot alone
    stops at the window: the window is stretched to the content's height for the shot.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        """() => Math.max(window.innerHeight, ...[...document.querySelectorAll(
            "[data-testid='stMain'], [data-testid='stSidebarContent']")].map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height), 12_000)})
    page.wait_for_timeout(400)  # let charts and tables lay out at the new size
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    page.set_viewport_size(size)
    return path
