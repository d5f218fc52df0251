"""SQL to polars: typed selects read into frames (the one place reads become frames)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from sqlalchemy import Engine


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


def read_frame(engine: Engine, query: Any, schema: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """Run a typed select into polars; money (Numeric) arrives as Float64 (exact via repr)."""
    types = {c.key: _polars_type(c.type) for c in query.selected_columns}
    overrides = {k: v for k, v in types.items() if v is not None} | dict(schema or {})
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    schema_list = [(c, overrides.get(c, pl.Utf8 if not rows else None)) for c in types]
    return pl.DataFrame([tuple(r) for r in rows], schema=schema_list, orient="row", strict=False)
