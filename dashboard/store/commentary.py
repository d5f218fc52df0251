"""Commentary on a value or a target: who may write which kind, and recording it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from dashboard import access, db
from dashboard.access import Actor
from dashboard.store.actuals import target_owners
from dashboard.store.audit import _audit
from dashboard.store.clock import recorded_now
from dashboard.store.rules import RuleViolation, WriteSummary, deny
from data_models import (
    Commentary,
)
from data_models.values import COMMENTARY_KINDS


def _commentary_kind(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Each row's kind, checked against the grants: officer commentary needs the right to
    report the target (admin, the area's officer, a lead of the owning partnership); a board
    comment the board-level right (admin, the area's board or officer). A row that names no
    kind is the writer's own: officer commentary where they report the target, else a board
    comment. Any refused row refuses the whole batch."""
    owners = target_owners(conn, {r["area_code"] for r in rows}) if rows else {}
    kinds = []
    for row in rows:
        area, indicator = row["area_code"], row["indicator_code"]
        reports = access.can_write_value(actor, area, owners.get((area, indicator)))
        kind = row.get("kind") or ("officer" if reports else "board")
        if kind not in COMMENTARY_KINDS:
            raise RuleViolation(f"commentary kind {kind!r}: expected officer or board")
        allowed = reports if kind == "officer" else access.can_write_board_commentary(actor, area)
        if not allowed:
            what = "write commentary on" if kind == "officer" else "write a board comment on"
            deny(actor, f"{what} {indicator} in {area}")
        kinds.append(kind)
    return kinds


def add_commentary(
    conn: Connection, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> WriteSummary:
    """Append commentary (never updated or deleted), one audit row each, in the caller's
    transaction. Rows: area_code, indicator_code, period (None: general), text (why), and
    optionally action (what is being done) and kind ("officer" or "board")."""
    kinds = _commentary_kind(conn, actor, rows)
    now = recorded_now(conn)
    payload = [
        {
            "area_code": r["area_code"],
            "indicator_code": r["indicator_code"],
            "period": r.get("period"),
            "text": r["text"],
            "action": r.get("action") or None,
            "kind": kind,
            "author": r.get("author") or actor.name,
            "recorded_at": r.get("recorded_at") or now,
        }
        for r, kind in zip(rows, kinds, strict=True)
    ]
    if payload:
        conn.execute(Commentary.__table__.insert(), payload)  # type: ignore[attr-defined]
        for r in payload:
            _audit(
                conn,
                actor,
                "commentary" if r["kind"] == "officer" else "commentary:board",
                area_code=r["area_code"],
                indicator_code=r["indicator_code"],
                period=r["period"],
                after=r["text"] + (f" | What is being done: {r['action']}" if r["action"] else ""),
                at=r["recorded_at"],
            )
    return WriteSummary(inserted=len(payload))


def record_commentary(
    engine: Engine,
    actor: Actor,
    area_code: str,
    indicator_code: str,
    period: date | None,
    text: str,
    *,
    action: str | None = None,
    kind: str = "officer",
) -> WriteSummary:
    """One comment from the indicator page, in its own transaction with its audit row:
    officer commentary (why, and what is being done) or a board comment, on any period of the
    target (None: general)."""
    text, action = text.strip(), (action or "").strip() or None
    if not text:
        raise RuleViolation(
            "Say why the target is where it is." if kind == "officer" else "Write the comment."
        )
    row = {"area_code": area_code, "indicator_code": indicator_code, "period": period,
           "text": text, "action": action, "kind": kind}  # fmt: skip
    with db.write_transaction(engine) as conn:
        return add_commentary(conn, actor, [row])
