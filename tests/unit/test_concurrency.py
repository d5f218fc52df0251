"""Concurrent saves: no lost update, conflicts reported, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl
from sqlalchemy import func, select

from dashboard import db, store
from data_models import ActualRevision, AuditEvent
from tests.conftest import load_worked_example

THREADS = 8


def _save(engine, admin, row: dict) -> str:  # type: ignore[no-untyped-def]
    try:
        with db.write_transaction(engine) as conn:
            store.save_actuals(conn, admin, [row], default_reason="concurrency test")
        return "saved"
    except store.ConcurrentChange:
        return "conflict"


def _count(engine, model) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_same_value_many_savers_one_wins_the_rest_are_told(engine, admin) -> None:
    """Eight people correct the same NEET figure they all read at revision 1."""
    load_worked_example(engine, admin)
    base = {
        "area_code": "X01",
        "indicator_code": "NEET",
        "period": date(2008, 3, 31),
        "expected_revision": 1,
    }
    rows = [base | {"value": 7.0 + i / 100} for i in range(THREADS)]
    audit_before = _count(engine, AuditEvent)
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda r: _save(engine, admin, r), rows))
    assert outcomes.count("saved") == 1 and outcomes.count("conflict") == THREADS - 1
    history = store.actual_revisions(engine, admin, "X01", "NEET").filter(
        pl.col("period") == date(2008, 3, 31)
    )
    assert history["revision"].to_list() == [2, 1]  # the original is kept, one correction added
    assert _count(engine, AuditEvent) == audit_before + 1  # exactly one audit row per change


def test_different_values_in_parallel_all_land(engine, admin) -> None:
    """Saves to different periods never block each other into losing data."""
    load_worked_example(engine, admin)
    before = _count(engine, ActualRevision)
    rows = [
        {
            "area_code": "X01",
            "indicator_code": code,
            "period": period,
            "value": 1.0 + period.month,
        }
        for code in ("BV127a", "BV49")
        for period in (date(2005, 4, 30), date(2005, 6, 30), date(2005, 9, 30), date(2005, 11, 30))
    ]
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda r: _save(engine, admin, r), rows))
    assert outcomes == ["saved"] * len(rows)
    assert _count(engine, ActualRevision) == before + len(rows)


def test_imports_racing_on_the_same_value_keep_every_revision(engine, admin) -> None:
    """Without an optimistic check (imports), racing corrections become revisions or are
    refused whole — never a silent overwrite."""
    load_worked_example(engine, admin)
    rows = [
        {
            "area_code": "X01",
            "indicator_code": "SPORT",
            "period": date(2008, 3, 31),
            "value": 24.0 + i,
        }
        for i in range(1, THREADS + 1)
    ]
    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda r: _save(engine, admin, r), rows))
    saved = outcomes.count("saved")
    history = store.actual_revisions(engine, admin, "X01", "SPORT").filter(
        pl.col("period") == date(2008, 3, 31)
    )
    assert history.height == 1 + saved  # each successful save is one revision, none lost
    assert sorted(history["revision"].to_list()) == list(range(1, saved + 2))
