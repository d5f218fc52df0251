"""SQL to polars: typed selects read into frames (the one place reads become frames).

A read goes through Arrow (ADBC): the database driver fills Arrow columns and polars takes
them over, so a national scope never becomes a Python object per row. The select is compiled
for the driver with bound parameters; the columns are then cast to the types the select
declares, exactly as the row path (`_read_rows`) gives them. Whatever the Arrow path cannot
serve (an in-memory SQLite, another database, a column with no declared type, a value it cannot
convert, a failed connection) is read through SQLAlchemy rows instead, so the result and the
errors are the same either way, only slower.

Every read is its own autocommit snapshot on a pooled connection of its own, as a read through
`engine.connect()` always was: a read inside a write transaction that must see that
transaction's own changes uses the transaction's connection, not this module.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pyarrow as pa
from sqlalchemy import Engine, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.util import LRUCache

log = logging.getLogger(__name__)

# Idle ADBC connections kept per engine: enough for a few concurrent page runs; a Streamlit
# rerun runs on a fresh thread, so connections are pooled rather than kept per thread.
_MAX_IDLE = 4
# SQLite's driver infers each column's type from the first batch and fails on a later batch
# of another type (NULLs then text, integers then reals): one batch holds the whole result.
_SQLITE_BATCH_ROWS = str(2**30)  # the most it takes
_COMPILED_SHAPES = 500  # distinct query shapes kept compiled per database
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.f"  # how SQLAlchemy stores a DateTime in SQLite


def _polars_type(sa_type: Any) -> Any:
    """The polars dtype for a SQLAlchemy column type, so empty results keep their schema."""
    from sqlalchemy import types as t

    if isinstance(sa_type, t.Boolean):
        return pl.Boolean
    if isinstance(sa_type, t.Integer):
        return pl.Int64
    if isinstance(sa_type, t.Float | t.Numeric):
        return pl.Float64
    if isinstance(sa_type, t.DateTime):
        return pl.Datetime("us", "UTC")
    if isinstance(sa_type, t.Date):
        return pl.Date
    if isinstance(sa_type, t.String):
        return pl.Utf8
    inner = getattr(sa_type, "impl", None)
    return _polars_type(inner) if isinstance(inner, t.TypeEngine) else None


def _decimal_scale(sa_type: Any) -> int | None:
    """Digits after the point that SQLAlchemy rounds a SQLite Numeric to when it reads one
    (Float excepted: it is read as it is stored)."""
    from sqlalchemy import types as t

    inner = getattr(sa_type, "impl", None)
    if isinstance(inner, t.TypeEngine) and not isinstance(sa_type, t.Numeric):
        return _decimal_scale(inner)
    if isinstance(sa_type, t.Numeric) and not isinstance(sa_type, t.Float) and sa_type.asdecimal:
        return int(sa_type._effective_decimal_return_scale)
    return None


def read_frame(engine: Engine, query: Any, schema: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """Run a typed select into polars; money (Numeric) arrives as Float64 (exact via repr)."""
    dtypes = _dtypes(query, schema)
    source = _arrow_source(engine)
    if source is not None and all(d is not None for d in dtypes.values()):
        frame = _read_arrow(engine, source, query, dtypes)
        if frame is not None:
            return frame
    return _read_rows(engine, query, dtypes)


def _dtypes(query: Any, schema: Mapping[str, Any] | None) -> dict[str, Any]:
    """Each selected column's polars type: `schema` over the SQLAlchemy type's (None: none)."""
    types = {c.key: _polars_type(c.type) for c in query.selected_columns}
    return {k: (schema or {}).get(k, v) for k, v in types.items()}


def _read_rows(engine: Engine, query: Any, dtypes: Mapping[str, Any]) -> pl.DataFrame:
    """The row path: SQLAlchemy rows into polars (a Python tuple per row). A column of no
    declared type takes polars' inference (text when there are no rows)."""
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    schema_list = [(c, pl.Utf8 if d is None and not rows else d) for c, d in dtypes.items()]
    return pl.DataFrame([tuple(r) for r in rows], schema=schema_list, orient="row", strict=False)


# --- the Arrow path -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    """Where the Arrow path reads an engine's database from."""

    kind: str  # "sqlite" or "postgresql"
    uri: str  # the ADBC URI: a SQLite file path, or a libpq URL
    dialect: Dialect  # compiles selects in the paramstyle the driver binds
    # Compiled SQL by the select's cache key, as SQLAlchemy's own execution keeps it: a page
    # run compiles its few query shapes once per server, not on every read.
    compiled: LRUCache = field(default_factory=lambda: LRUCache(_COMPILED_SHAPES), compare=False)


def _arrow_source(engine: Engine) -> _Source | None:
    """The ADBC source for an engine, or None where only the row path can read it: an
    in-memory or URI-style SQLite, a SQLite file that does not exist yet, another database."""
    cached = _SOURCES.get(engine)
    if cached is not None:
        return cached or None
    source = _make_source(engine)
    _SOURCES[engine] = source or False
    return source


def _make_source(engine: Engine) -> _Source | None:
    url = engine.url
    try:
        if url.get_backend_name() == "sqlite":
            from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

            path = url.database
            if not path or path == ":memory:" or path.startswith("file:") or url.query:
                return None
            return _Source(
                "sqlite", os.path.abspath(path), SQLiteDialect_pysqlite(paramstyle="qmark")
            )
        if url.get_backend_name() == "postgresql":
            from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

            uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
            return _Source("postgresql", uri, PGDialect_psycopg(paramstyle="numeric_dollar"))
    except ImportError:  # a dialect module missing: rows
        return None
    return None


_SOURCES: weakref.WeakKeyDictionary[Engine, _Source | bool] = weakref.WeakKeyDictionary()


@dataclass
class _Pooled:
    connection: Any  # (AdbcDatabase, AdbcConnection): both are closed together
    file_id: tuple[int, int] | None  # a SQLite file's (device, inode) when it was opened


@dataclass
class _Pool:
    """Idle ADBC connections of one engine, handed to one read at a time."""

    source: _Source
    idle: list[_Pooled] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pid: int = field(default_factory=os.getpid)

    def acquire(self) -> _Pooled:
        file_id = _file_id(self.source)
        with self.lock:
            if self.pid != os.getpid():  # a forked worker: the parent's connections are not ours
                self.idle, self.pid = [], os.getpid()
            while self.idle:
                pooled = self.idle.pop()
                if pooled.file_id == file_id:
                    return pooled
                _close(pooled)  # the file was replaced since: its connection reads the old one
        return _Pooled(_connect(self.source), file_id)

    def release(self, pooled: _Pooled) -> None:
        with self.lock:
            if len(self.idle) < _MAX_IDLE and self.pid == os.getpid():
                self.idle.append(pooled)
                return
        _close(pooled)

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for pooled in idle:
            _close(pooled)


_POOLS: weakref.WeakKeyDictionary[Engine, _Pool] = weakref.WeakKeyDictionary()
_POOLS_LOCK = threading.Lock()


def _pool(engine: Engine, source: _Source) -> _Pool:
    with _POOLS_LOCK:
        pool = _POOLS.get(engine)
        if pool is None:
            pool = _POOLS[engine] = _Pool(source)
            # engine.dispose() (db.dispose_all, tests, a reset database) closes these too.
            event.listen(engine, "engine_disposed", lambda _engine: pool.close())
        return pool


def close_all() -> None:
    """Close every idle ADBC connection (at exit, and for tests)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    for pool in pools:
        pool.close()


atexit.register(close_all)


def _file_id(source: _Source) -> tuple[int, int] | None:
    if source.kind != "sqlite":
        return None
    stat = os.stat(source.uri)  # FileNotFoundError: the row path opens (or creates) it
    return (stat.st_dev, stat.st_ino)


def _connect(source: _Source) -> Any:
    """A new ADBC connection (autocommit, ADBC's default), through the drivers' low-level API:
    their DB-API layer imports pyarrow.dataset and pandas, a second at every start-up."""
    import adbc_driver_manager

    if source.kind == "sqlite":
        import adbc_driver_sqlite

        database = adbc_driver_sqlite.connect(source.uri)
    else:
        import adbc_driver_postgresql

        database = adbc_driver_postgresql.connect(source.uri)
    try:
        connection = adbc_driver_manager.AdbcConnection(database)
    except Exception:
        database.close()
        raise
    pooled = (database, connection)
    if source.kind == "sqlite":
        try:  # wait for a checkpoint or a writer's commit as the engine's connections do
            _execute(pooled, source, "PRAGMA busy_timeout = 30000", ())
        except Exception:
            _close_pair(pooled)
            raise
    return pooled


def _execute(pair: Any, source: _Source, sql: str, parameters: Sequence[Any]) -> pa.Table:
    """One statement on a connection, its whole result as an Arrow table."""
    import adbc_driver_manager

    statement = adbc_driver_manager.AdbcStatement(pair[1])
    try:
        if source.kind == "sqlite":
            statement.set_options(**{"adbc.sqlite.query.batch_rows": _SQLITE_BATCH_ROWS})
        statement.set_sql_query(sql)
        if parameters:
            # Built by polars: pyarrow's own conversion of Python values imports pandas (1 s).
            row = pl.DataFrame({str(i): [value] for i, value in enumerate(parameters)})
            statement.bind(row.to_arrow().to_batches()[0])
        stream, _rows = statement.execute_query()
        return pa.RecordBatchReader.from_stream(stream).read_all()
    finally:
        statement.close()


def _close_pair(pair: Any) -> None:
    database, connection = pair
    try:
        connection.close()
    finally:
        database.close()


def _close(pooled: _Pooled) -> None:
    try:
        _close_pair(pooled.connection)
    except Exception:  # closing a broken connection: nothing left to release
        log.debug("closing an ADBC connection failed", exc_info=True)


def _compile(source: _Source, query: Any) -> tuple[str, tuple[Any, ...]]:
    """The select's SQL for the driver, IN-lists expanded, and its positional parameters
    after SQLAlchemy's bind processing (on SQLite: dates and datetimes as stored text)."""
    compiled, extracted, *_ = query._compile_w_cache(
        source.dialect, compiled_cache=source.compiled, column_keys=[]
    )
    state = compiled.construct_expanded_state(
        compiled.construct_params(extracted_parameters=extracted)
    )
    names = state.positiontup or ()
    # as SQLAlchemy's own execution does: the statement's bind processors, then the expanded
    # IN-lists' (the expanded state alone has only the latter: a datetime went unprocessed)
    processors = {**compiled._bind_processors, **state.processors}
    values = tuple(
        processors[n](state.parameters[n]) if n in processors else state.parameters[n]
        for n in names
    )
    return state.statement, values


def _read_arrow(
    engine: Engine, source: _Source, query: Any, dtypes: Mapping[str, Any]
) -> pl.DataFrame | None:
    """The select read through ADBC and cast to `dtypes`, or None: read it as rows instead."""
    try:
        sql, parameters = _compile(source, query)
        pool = _pool(engine, source)
        pooled = pool.acquire()
    except Exception:
        log.debug("Arrow read not possible; reading rows", exc_info=True)
        return None
    try:
        table = _execute(pooled.connection, source, sql, parameters)
    except Exception:
        # A broken or stale connection, or a query the driver refuses: drop the connection
        # (the next read opens a fresh one) and let the row path give the answer or the error.
        _close(pooled)
        log.debug("Arrow read failed; reading rows", exc_info=True)
        return None
    pool.release(pooled)
    try:
        return _typed(table, source, query, dtypes)
    except Exception:
        log.debug("Arrow result not convertible; reading rows", exc_info=True)
        return None


def _typed(table: pa.Table, source: _Source, query: Any, dtypes: Mapping[str, Any]) -> pl.DataFrame:
    """The Arrow result with the declared polars types, as the row path gives them."""
    names = list(dtypes)
    if table.num_columns != len(names):
        raise ValueError("column count differs from the select")
    # PostgreSQL NUMERIC arrives as an opaque extension over its decimal text.
    columns = [
        pa.chunked_array([chunk.storage for chunk in c.chunks], c.type.storage_type)
        if isinstance(c.type, pa.BaseExtensionType)
        else c
        for c in table.columns
    ]
    frame = pl.from_arrow(pa.table(columns, names=names), rechunk=False)
    assert isinstance(frame, pl.DataFrame)
    scales = {c.key: _decimal_scale(c.type) for c in query.selected_columns}
    return frame.with_columns(
        _cast(frame[name], dtype, source, scales.get(name)) for name, dtype in dtypes.items()
    )


def _cast(column: pl.Series, dtype: Any, source: _Source, scale: int | None) -> pl.Series:
    """One column to its declared type; a value that does not convert raises (rows instead)."""
    have = column.dtype
    if have == dtype:
        out = column
    elif have == pl.String and dtype == pl.Date:
        out = column.str.to_date("%Y-%m-%d", strict=True)
    elif have == pl.String and isinstance(dtype, pl.Datetime):
        out = column.str.to_datetime(
            _SQLITE_DATETIME, time_unit="us", time_zone="UTC", strict=True
        ).dt.convert_time_zone(dtype.time_zone or "UTC")
    elif isinstance(dtype, pl.Datetime | pl.Date) and have.is_numeric():
        if column.null_count() != column.len():  # a number is no date: rows decide
            raise ValueError("numbers in a date column")
        out = column.cast(dtype)
    elif isinstance(have, pl.Datetime) and isinstance(dtype, pl.Datetime):
        out = column.dt.cast_time_unit(dtype.time_unit).dt.convert_time_zone(
            dtype.time_zone or "UTC"
        )
    else:
        out = column.cast(dtype, strict=True)
    if scale is not None and source.kind == "sqlite" and out.dtype == pl.Float64:
        out = out.round(scale)  # SQLAlchemy reads a SQLite Numeric as a Decimal of its scale
    return out
