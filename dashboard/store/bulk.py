"""Set-based writes and reads inside a caller's transaction: a frame goes in with COPY on
PostgreSQL and executemany on SQLite, in batches, never a Python object per row for the whole.

`frames.read_frame` opens its own connection; a write that must read what its own transaction
already holds (a row written earlier in the same transaction, the write lock SQLite holds)
reads with `read_in` instead.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table

ROWS_PER_BATCH = 50_000


def _for_database(frame: pl.DataFrame, sqlite: bool) -> pl.DataFrame:
    """Dates and times as the app's own writes store them (UTC; SQLite: SQLAlchemy's text)."""
    out = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                column = column.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            column = column.dt.strftime("%Y-%m-%d %H:%M:%S%.6f" + ("" if sqlite else "+00"))
        elif dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean and sqlite:
            column = column.cast(pl.Int64)
        out.append(column.alias(name))
    return frame.select(out)


def bulk_insert(conn: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Write a frame into `table` in bulk, in the connection's transaction: COPY on PostgreSQL,
    executemany on SQLite, `ROWS_PER_BATCH` rows at a time. Ids the frame leaves out come from
    the database (its sequence, SQLite's rowid), rising in the frame's order. Errors are the
    driver's own (`conn.dialect.dbapi.IntegrityError` for a constraint)."""
    if frame.is_empty():
        return
    sqlite = conn.dialect.name == "sqlite"
    frame = _for_database(frame, sqlite)
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if sqlite:
        marks = ", ".join("?" for _ in frame.columns)
        cursor = raw.cursor()
        insert = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
        try:
            for part in frame.iter_slices(ROWS_PER_BATCH):  # Python tuples for one batch only
                cursor.executemany(insert, part.rows())
        finally:
            cursor.close()
        return
    statement = f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[attr-defined]
        for part in frame.iter_slices(ROWS_PER_BATCH):
            buffer = io.BytesIO()
            # Strings quoted, so an empty text stays empty and only a missing one is NULL.
            part.write_csv(buffer, include_header=False, null_value="", quote_style="non_numeric")
            copy.write(buffer.getvalue())


def read_in(conn: Connection, query: Any, schema: Mapping[str, Any]) -> pl.DataFrame:
    """Run a select in the connection's own transaction into a frame of `schema` (the query's
    columns, in order): COPY ... TO STDOUT on PostgreSQL, batches of rows on SQLite. The query's
    parameters are rendered as literals, so give it plain values (codes), not user text."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name != "sqlite":
        buffer = io.BytesIO()
        copy_out = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(copy_out) as copy:  # type: ignore[attr-defined]
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=dict(schema))
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, schema=dict(schema))
    # SQLite keeps dates as text: read them as text, then parse.
    text_schema = {n: (pl.String if t == pl.Date else t) for n, t in schema.items()}
    cursor = raw.cursor()
    parts = []
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(ROWS_PER_BATCH):
            parts.append(pl.DataFrame(batch, schema=text_schema, orient="row"))
    finally:
        cursor.close()
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=text_schema)
    return frame.with_columns(
        pl.col(n).str.to_date("%Y-%m-%d") for n, t in schema.items() if t == pl.Date
    )
