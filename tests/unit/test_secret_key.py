"""The signing key's fallback: without SECRET_KEY a server keeps its own random key, and over a
shared (PostgreSQL) database it says once, in its log, that every server needs the same one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import accounts, settings

WARNING = "SECRET_KEY is not set"


@pytest.fixture
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No SECRET_KEY (nor a .env giving one), and the fallback key file in `tmp_path`."""
    monkeypatch.setattr(accounts, "PROJECT_DIR", tmp_path)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    accounts._warn_own_key.cache_clear()
    yield tmp_path / ".secret_key"
    accounts._warn_own_key.cache_clear()
    settings.get_settings.cache_clear()


def _warnings(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, url: str
) -> tuple[set[str], int]:
    """The keys three calls give over `url`, and how many warnings they logged."""
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="dashboard.accounts"):
        keys = {accounts.secret_key() for _ in range(3)}
    return keys, sum(WARNING in record.getMessage() for record in caplog.records)


def test_without_secret_key_a_shared_database_is_warned_once(
    own_key: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys, warned = _warnings(caplog, monkeypatch, f"sqlite:///{own_key.parent / 'x.db'}")
    assert warned == 0  # one machine's file: one server's key is enough
    assert keys == {own_key.read_text().strip()}
    keys, warned = _warnings(caplog, monkeypatch, "postgresql+psycopg://laa@db.example/laa")
    assert warned == 1
    assert keys == {own_key.read_text().strip()}  # the same file's key, still


def test_with_secret_key_set_nothing_is_warned_and_no_file_is_made(
    own_key: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECRET_KEY", "one-key-for-every-server")
    keys, warned = _warnings(caplog, monkeypatch, "postgresql+psycopg://laa@db.example/laa")
    assert (keys, warned) == ({"one-key-for-every-server"}, 0)
    assert not own_key.exists()
