"""The one place that owns engines and migrations.

SQLite: WAL, foreign keys on, and write transactions that take the write lock up front
(`BEGIN IMMEDIATE`): deferred read-then-write transactions lose updates under concurrency
(see DESIGN.md). PostgreSQL: ordinary transactions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event

from dashboard.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "data_models" / "migrations"


def database_url(url: str | None = None) -> str:
    return url or get_settings().database_url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL for the life of the process."""
    url = database_url(url)
    engine = _ENGINES.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _ENGINES[url] = engine
    return engine


def dispose_all() -> None:
    """Close every pooled connection and forget the engines (tests, forked workers)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("laa_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that commits on success and rolls back on any error."""
    with engine.execution_options(laa_write=True).begin() as conn:
        yield conn


# A load of more rows than this refreshes the planner's statistics (see `refresh_statistics`).
BULK_LOAD_ROWS = 50_000


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE after a bulk load: without statistics the planner guesses row counts and a
    national read can take a plan many times slower (autovacuum would catch up later)."""
    with engine.execution_options(laa_write=True).begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None) -> None:
    """Bring the schema to the newest migration."""
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.connect() as conn:
        if is_sqlite(engine):
            # Batch migrations rebuild SQLite tables; foreign keys must be off meanwhile (and
            # the pragma only works outside a transaction, so on the raw connection first).
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        if is_sqlite(engine):
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
