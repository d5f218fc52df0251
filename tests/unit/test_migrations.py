"""The migrations build exactly the schema the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

import data_models  # noqa: F401  (registers every table on the metadata)
from tests.conftest import _BACKENDS, backend_database


@pytest.mark.parametrize("backend", _BACKENDS)
def test_upgraded_schema_matches_the_models(backend: str, tmp_path: Path) -> None:
    """No table, column or index a model declares is missing from, or different in, the
    migrated database (a model change without its migration fails here)."""
    engine = create_engine(backend_database(backend, tmp_path))
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
            indexes = {i["name"] for i in inspect(conn).get_indexes("audit_event")}
    finally:
        engine.dispose()
    assert differences == []
    assert {"ix_audit_area_at", "ix_audit_at_id"} <= indexes
