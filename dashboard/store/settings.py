"""Schema upgrades, the reference lists loaded with them, and the settings table (business
date, RAG tolerance, demo flag)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlmodel import SQLModel

from dashboard import db
from dashboard.access import Actor
from dashboard.store.audit import _audit
from dashboard.store.rules import _require_admin
from data_models import (
    AreaType,
    Block,
    Department,
    DepartmentSuccession,
    Region,
    Setting,
)

FRAMEWORK_DIR = Path(__file__).resolve().parents[2] / "seed_data" / "framework"


def upgrade(url: str | None = None) -> None:
    """Migrate the schema to head and load the reference lists (idempotent)."""
    db.upgrade(url)
    engine = db.get_engine(url)
    with db.write_transaction(engine) as conn:
        sync_reference_data(conn)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (FRAMEWORK_DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def sync_reference_data(conn: Connection) -> None:
    """Insert the reference lists (regions, area types, departments, blocks) that are missing."""

    def missing(model: type[SQLModel], key: str, rows: list[dict[str, Any]]) -> list[dict]:
        have = {r[0] for r in conn.execute(select(getattr(model, key)))}
        return [r for r in rows if r[key] not in have]

    plan: list[tuple[type[SQLModel], str, list[dict[str, Any]]]] = [
        (
            Region,
            "code",
            [{"code": r["region_code"], "name": r["name"]} for r in _read_csv("regions.csv")],
        ),
        (
            AreaType,
            "code",
            [{"code": r["la_type"], "name": r["name"]} for r in _read_csv("area_types.csv")],
        ),
        (
            Department,
            "code",
            [
                {
                    "code": r["department_code"],
                    "name": r["name"],
                    "valid_from": _d(r["valid_from"]),
                    "valid_to": _d(r["valid_to"]),
                }
                for r in _read_csv("departments.csv")
            ],
        ),
        (
            Block,
            "code",
            [
                {
                    "code": r["block_code"],
                    "name": r["name"],
                    "lead_department_code": r["lead_department_code"],
                    "sort_order": int(r["sort_order"]),
                }
                for r in _read_csv("blocks.csv")
            ],
        ),
    ]
    for model, key, rows in plan:
        new = missing(model, key, rows)
        if new:
            conn.execute(model.__table__.insert(), new)  # type: ignore[attr-defined]
    have = {
        (p, s)
        for p, s in conn.execute(
            select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
        )
    }
    succ = [
        {
            "predecessor_code": r["predecessor_code"],
            "successor_code": r["successor_code"],
            "on_date": _d(r["on_date"]),
        }
        for r in _read_csv("department_successions.csv")
        if (r["predecessor_code"], r["successor_code"]) not in have
    ]
    if succ:
        conn.execute(DepartmentSuccession.__table__.insert(), succ)  # type: ignore[attr-defined]


def get_setting(engine: Engine, key: str, default: str | None = None) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    return default if value is None else value


def set_setting(
    engine: Engine, actor: Actor, key: str, value: str, reason: str | None = None
) -> None:
    _require_admin(actor, f"change the setting {key}")
    with db.write_transaction(engine) as conn:
        _set_setting(conn, actor, key, value, reason)


def _set_setting(conn: Connection, actor: Actor, key: str, value: str, reason: str | None) -> None:
    before = conn.execute(select(Setting.value).where(Setting.key == key)).scalar()
    if before == value:
        return
    if before is None:
        conn.execute(Setting.__table__.insert(), [{"key": key, "value": value}])  # type: ignore[attr-defined]
    else:
        conn.execute(Setting.__table__.update().where(Setting.key == key).values(value=value))  # type: ignore[attr-defined]
    _audit(conn, actor, f"setting:{key}", before=before, after=value, reason=reason)


def business_today(engine: Engine) -> date:
    """The app's "today" (DOMAIN §8): the `today` setting, else the system date."""
    value = get_setting(engine, "today")
    return date.fromisoformat(value) if value else datetime.now(UTC).date()


def rag_tolerance(engine: Engine) -> float:
    return float(get_setting(engine, "rag_tolerance", "0.10") or "0.10")


def is_demo(engine: Engine) -> bool:
    return get_setting(engine, "demo") == "true"
