"""AppTest fixtures: the real entrypoint over a seeded database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import db, settings, store
from tests.conftest import load_worked_example

ENTRYPOINT = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def worked_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite database holding the worked example of DOMAIN §5 (area X01), signed."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    store.upgrade(url)
    engine = db.get_engine(url)
    load_worked_example(engine, store.cli_actor("tester"))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    engine.dispose()
    db.dispose_all()
    settings.get_settings.cache_clear()


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    store.upgrade(url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    db.dispose_all()
    settings.get_settings.cache_clear()


def app() -> AppTest:
    return AppTest.from_file(ENTRYPOINT, default_timeout=30)
