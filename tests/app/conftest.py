"""AppTest fixtures: the real entrypoint over a seeded database, and helpers to read a run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import accounts, db, settings, store
from dashboard.access import Actor, Grant
from dashboard.analysis import Assessment, assess_areas
from dashboard.ui import auth
from seed_data.demo import AREAS, DEMO_TODAY, seed_demo
from tests.conftest import load_worked_example

ENTRYPOINT = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
DEMO_AREAS = [a.code for a in AREAS]
PAGES = {
    "overview": "../pages/overview.py",  # the landing page of most roles, not of departments
    "block": "../pages/block.py",
    "partnership": "../pages/partnership.py",
    "indicator": "../pages/indicator.py",
}


def ensure_admin(url: str, username: str = "admin") -> None:
    """An administrator account for AppTest sessions (the demo has one already)."""
    engine = db.get_engine(url)
    admin = store.cli_actor("tester")
    if username not in accounts.list_users(engine, admin)["username"].to_list():
        accounts.add_user(engine, admin, username, "Test Administrator", "test-password")
        accounts.grant(engine, admin, username, Grant("admin"))


def _use_database(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()


def _release() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    db.dispose_all()
    settings.get_settings.cache_clear()


@pytest.fixture
def worked_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite database holding the worked example of DOMAIN §5 (area X01), signed."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    store.upgrade(url)
    load_worked_example(db.get_engine(url), store.cli_actor("tester"))
    ensure_admin(url)
    _use_database(url, monkeypatch)
    yield url
    _release()


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    store.upgrade(url)
    ensure_admin(url)
    _use_database(url, monkeypatch)
    yield url
    _release()


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo (its `AREAS`, today 30 Nov 2008) seeded once per session; tests only read it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    store.upgrade(url)
    seed_demo(db.get_engine(url), store.cli_actor("tester"))
    db.dispose_all()
    return url


@pytest.fixture
def demo_db(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DATABASE_URL pointing at the session's demo database, with cold Streamlit caches."""
    _use_database(demo_url, monkeypatch)
    yield demo_url
    _release()


@pytest.fixture
def writable_demo(demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the session's demo database, for tests that write."""
    db.dispose_all()
    copy = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), copy)
    url = f"sqlite:///{copy}"
    _use_database(url, monkeypatch)
    yield url
    _release()


def app(user: str | None = "admin") -> AppTest:
    """The entrypoint, signed in as `user` (a user name in the database; None: signed out)."""
    at = AppTest.from_file(ENTRYPOINT, default_timeout=30)
    if user is not None:
        at.session_state[auth.SESSION_KEY] = Actor(user)  # the gate re-reads its grants
    return at


def open_page(page: str, user: str | None = "admin", **params: str) -> AppTest:
    """Open `page` (a key of PAGES) straight from a link carrying `params`, as a pasted URL does.

    Before the first run AppTest finds a page by its file name; that works here because each
    page's `url_path` (dashboard/ui/nav.py) is its file name.
    """
    at = app(user)
    for key, value in params.items():
        at.query_params[key] = value
    if PAGES[page] is not None:
        at.switch_page(PAGES[page])
    return at.run()


def assess(url: str, area_code: str, as_at: date = DEMO_TODAY) -> Assessment:
    """The core's assessment of an area, for expectations computed independently of the page."""
    return assess_areas(db.get_engine(url), store.cli_actor("reader"), [area_code], as_at)


def query(at: AppTest, name: str) -> str | None:
    """One query parameter of the app's URL (AppTest may hold a list)."""
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def errors(at: AppTest) -> list[str]:
    """Exception and error boxes of a run, as text (empty when the page is healthy)."""
    return [e.value for e in at.exception] + [e.value for e in at.error]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [h.value for h in at.subheader]
    parts += [str(h.proto) for h in at.get("html")]
    return "\n".join(parts)


def charts(at: AppTest) -> list[Any]:
    """The Altair/Vega-Lite charts of a run (AppTest has no typed wrapper for them)."""
    return list(at.get("vega_lite_chart"))


def chart_spec(chart: Any) -> dict[str, Any]:
    return json.loads(chart.proto.spec)


def chart_data(chart: Any) -> pl.DataFrame:
    """The chart's embedded rows (Streamlit ships a named dataset as Arrow IPC bytes)."""
    (dataset,) = chart.proto.datasets
    return pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all())  # type: ignore[return-value]


def section(at: AppTest, heading: str) -> list[Any]:
    """The main-area elements after the subheader starting with `heading`, up to the next one."""
    found: list[Any] = []
    inside = False
    for node in at.main:
        if getattr(node, "type", None) == "subheader":
            if inside:
                break
            inside = str(node.value).startswith(heading)
        elif inside:
            found.append(node)
    return found


def links(nodes: Any) -> list[tuple[str, dict[str, str]]]:
    """(label, query parameters) of each page link among `nodes`, in page order."""
    from urllib.parse import parse_qsl

    return [
        (n.value, dict(parse_qsl(n.proto.query_string)))
        for n in nodes
        if getattr(n, "type", None) == "page_link"
    ]


def open_exceptions(at: AppTest) -> AppTest:
    """Open a page's expanders of exception cards, drawn only once opened: the overview's
    "N more exceptions", the review pack's one per block."""
    from dashboard.ui.review import BLOCK_EXCEPTIONS_KEY

    closed = [
        e.key
        for e in at.expander
        if e.label.endswith("more exceptions") or str(e.key).startswith(BLOCK_EXCEPTIONS_KEY)
    ]
    for key in closed:
        at.session_state[key] = True
    return at.run() if closed else at
