"""Shared fixtures: a migrated database per test on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set (CI sets it), so storage code is proven on both."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from dashboard import db, settings, store

FIXTURES = Path(__file__).parent / "fixtures"
FRAMEWORK_INDICATORS = Path(store.FRAMEWORK_DIR) / "indicators.csv"

_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _worker_database(url: str, worker: str, *, create: bool) -> str:
    """The PostgreSQL database of one pytest-xdist worker beside TEST_DATABASE_URL's (its name
    and the worker's), made empty (`create`) or dropped: workers that shared one database
    would reset it under each other's tests."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


_SHARED_URL = os.environ.get("TEST_DATABASE_URL")  # as given, before a worker's replaces it
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def pytest_configure(config: pytest.Config) -> None:
    if _WORKER and _SHARED_URL:
        os.environ["TEST_DATABASE_URL"] = _worker_database(_SHARED_URL, _WORKER, create=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _WORKER and _SHARED_URL:
        db.dispose_all()
        _worker_database(_SHARED_URL, _WORKER, create=False)


def _reset_postgres(url: str) -> None:
    db.dispose_all()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def backend_database(backend: str, folder: Path) -> str:
    """A migrated, empty database on `backend` ("sqlite": a file in `folder`; "postgresql":
    TEST_DATABASE_URL, reset), for fixtures wider than one test (e.g. a module's demo)."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'demo.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    store.upgrade(url)
    return url


def demo_engine(backend: str, folder: Path) -> tuple[Engine, store.Actor]:
    """`backend_database` with the demo seeded in it, and the operator who seeded it, for a
    module's demo fixture (which disposes the engines when done: `db.dispose_all()`)."""
    from seed_data.demo import seed_demo

    engine = db.get_engine(backend_database(backend, folder))
    admin = store.cli_actor("tester")
    seed_demo(engine, admin)
    return engine, admin


@pytest.fixture(autouse=True, scope="session")
def _security_log_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests write the security log to a temporary folder, not the project's logs/."""
    folder = tmp_path_factory.mktemp("logs")
    previous = os.environ.get("LOG_DIR")
    os.environ["LOG_DIR"] = str(folder)
    settings.get_settings.cache_clear()
    yield
    if previous is None:
        os.environ.pop("LOG_DIR", None)
    else:
        os.environ["LOG_DIR"] = previous
    settings.get_settings.cache_clear()


@pytest.fixture(params=_BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A migrated, empty database (reference lists loaded), and DATABASE_URL pointing at it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    monkeypatch.setenv("DATABASE_URL", url)
    settings.get_settings.cache_clear()
    store.upgrade(url)
    yield url
    db.dispose_all()
    settings.get_settings.cache_clear()


def load_worked_example(engine, actor: store.Actor, *, today: str | None = "2008-11-30") -> None:  # type: ignore[no-untyped-def]
    """Import the worked example of DOMAIN §5 (area X01) through the importer, and sign it."""
    from datetime import date

    from dashboard.importer import import_file

    if today:  # fixed first, so every write is stamped on this business date (DOMAIN §8)
        store.set_setting(engine, actor, "today", today)
    for kind, path in [
        ("indicators", FRAMEWORK_INDICATORS),
        ("areas", FIXTURES / "worked_example" / "areas.csv"),
        ("targets", FIXTURES / "worked_example" / "targets.csv"),
        ("actuals", FIXTURES / "worked_example" / "actuals.csv"),
    ]:
        result = import_file(engine, actor, kind, path)
        assert result.ok, result.describe()
    store.sign_agreement(engine, actor, "X01", date(2005, 3, 20))


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    return db.get_engine(db_url)


@pytest.fixture
def admin() -> store.Actor:
    return store.cli_actor("tester")
