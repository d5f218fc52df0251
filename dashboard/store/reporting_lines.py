"""Reporting lines: which indicator goes to which department or body, how often, in what form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, and_, select

from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.agreements import _differs
from dashboard.store.audit import _audit
from dashboard.store.rules import RuleViolation, WriteSummary, _require_admin
from dashboard.store.scope import _check_read, department_families, department_family
from data_models import (
    Agreement,
    Area,
    Block,
    Department,
    Indicator,
    ReportingLine,
    Target,
)

REPORTING_LINE_KEY = ("indicator_code", "recipient_type", "recipient_code", "return_name")


REPORTING_LINE_FIELDS = ("frequency", "laa_status", "format", "due_days")


def _line_text(line: Mapping[str, Any]) -> str:
    return " | ".join(f"{k}={line.get(k)}" for k in (*REPORTING_LINE_KEY, *REPORTING_LINE_FIELDS))


def save_reporting_lines(
    conn: Connection,
    actor: Actor,
    rows: Sequence[Mapping[str, Any]],
    *,
    remove: Sequence[Mapping[str, Any]] = (),
) -> WriteSummary:
    """Insert or update reporting lines, keyed by indicator, recipient and return (a row's
    absent fields are left as they are); remove the lines named in `remove`. Every change is
    audited with the whole line before and after."""
    _require_admin(actor, "change reporting lines")
    summary = WriteSummary()
    table = ReportingLine.__table__  # type: ignore[attr-defined]
    existing = {
        tuple(r[k] for k in REPORTING_LINE_KEY): dict(r)
        for r in conn.execute(select(table)).mappings()
    }
    for row in remove:
        key = tuple(row[k] for k in REPORTING_LINE_KEY)
        line = existing.pop(key, None)
        if line is None:
            raise RuleViolation(f"no reporting line {' / '.join(map(str, key))} to remove")
        conn.execute(table.delete().where(table.c.id == line["id"]))
        _audit(conn, actor, "reporting_line:remove", indicator_code=key[0],
               before=_line_text(line))  # fmt: skip
        summary.removed += 1
    for row in rows:
        key = tuple(row[k] for k in REPORTING_LINE_KEY)
        # Only the fields the row names change: a file of frequencies alone keeps each line's
        # format and due days (an empty cell, None, does clear one).
        values = {k: row[k] for k in REPORTING_LINE_FIELDS if k in row}
        if "laa_status" in values:
            values["laa_status"] = values["laa_status"] or "continues"
        if values.get("due_days") is not None:
            values["due_days"] = int(values["due_days"])
        line = existing.get(key)
        if line is None:
            new = (
                dict(zip(REPORTING_LINE_KEY, key, strict=True))
                | {"laa_status": "continues", "format": None, "due_days": None}
                | values
            )
            conn.execute(table.insert(), [new])
            existing[key] = new
            _audit(conn, actor, "reporting_line:create", indicator_code=key[0],
                   after=_line_text(new))  # fmt: skip
            summary.inserted += 1
        elif any(_differs(line[k], v) for k, v in values.items()):
            conn.execute(table.update().where(table.c.id == line["id"]).values(**values))
            _audit(conn, actor, "reporting_line:change", indicator_code=key[0],
                   before=_line_text(line), after=_line_text(line | values))  # fmt: skip
            existing[key] = line | values
            summary.updated += 1
        else:
            summary.unchanged += 1
    return summary


RECIPIENT_NAMES = {
    "AC": "Audit Commission",
    "CSCI": "Commission for Social Care Inspection",
    "Ofsted": "Ofsted",
    "HC": "Healthcare Commission",
    "GO": "Government Office",
    "LSP": "LSP executive board",
}


def reporting_lines(engine: Engine) -> pl.DataFrame:
    """Every reporting line with its indicator's name, block and owning department, and a
    readable recipient name. The framework is shared reference data: anyone signed in reads it."""
    query = (
        select(
            ReportingLine.id.label("line_id"),
            ReportingLine.indicator_code,
            Indicator.name.label("indicator_name"),
            Indicator.block_code,
            Block.name.label("block_name"),
            Block.sort_order.label("block_order"),
            Indicator.department_code.label("owning_department"),
            ReportingLine.recipient_type,
            ReportingLine.recipient_code,
            Department.name.label("department_name"),
            ReportingLine.return_name,
            ReportingLine.frequency,
            ReportingLine.laa_status,
            ReportingLine.format,
            ReportingLine.due_days,
        )
        .join(Indicator, Indicator.code == ReportingLine.indicator_code)
        .join(Block, Block.code == Indicator.block_code)
        .join(
            Department,
            and_(
                ReportingLine.recipient_type == "department",
                Department.code == ReportingLine.recipient_code,
            ),
            isouter=True,
        )
        .order_by(
            Block.sort_order,
            ReportingLine.indicator_code,
            ReportingLine.recipient_type,
            ReportingLine.recipient_code,
            ReportingLine.return_name,
        )
    )
    frame = frames.read_frame(engine, query, {"line_id": pl.Int64, "block_order": pl.Int64,
                                   "due_days": pl.Int64})  # fmt: skip
    return frame.with_columns(
        recipient=pl.coalesce(
            pl.col("department_name"),
            pl.col("recipient_code").replace_strict(
                RECIPIENT_NAMES, default=pl.col("recipient_code"), return_dtype=pl.Utf8
            ),
        )
    ).drop("department_name")


def reported_indicators(engine: Engine, actor: Actor, area_codes: Sequence[str]) -> pl.DataFrame:
    """Which indicators each area reports: area_code, area_name, indicator_code, block_code
    (every indicator with a target in any of the area's agreements). A light query: the burden
    map needs the pairs, not the values."""
    allowed = _check_read(engine, actor, area_codes, "the indicators reported")
    query = (
        select(
            Agreement.area_code,
            Area.name.label("area_name"),
            Target.indicator_code,
            Indicator.block_code,
        )
        .join(Agreement, Agreement.id == Target.agreement_id)
        .join(Area, Area.code == Agreement.area_code)
        .join(Indicator, Indicator.code == Target.indicator_code)
        .where(Agreement.area_code.in_(list(area_codes)))
        .distinct()
        .order_by(Agreement.area_code, Target.indicator_code)
    )
    if allowed.indicators is not None:
        query = query.where(Target.indicator_code.in_(sorted(allowed.indicators)))
    return frames.read_frame(engine, query)


def department_lines(engine: Engine, department_code: str) -> pl.DataFrame:
    """The reporting lines a department receives: addressed to it, or to a predecessor or
    successor of it (DOMAIN §1: the same department across a rename)."""
    with engine.connect() as conn:
        known = conn.execute(
            select(Department.code).where(Department.code == department_code)
        ).first()
        if known is None:
            raise RuleViolation(f"unknown department {department_code}")
        family = department_family(conn, [department_code])
    return reporting_lines(engine).filter(
        pl.col("recipient_type") == "department", pl.col("recipient_code").is_in(sorted(family))
    )


def department_indicators(engine: Engine) -> pl.DataFrame:
    """department_code × indicator_code: the indicators each department receives, lines to its
    predecessors and successors included (one pass, for pickers over every department)."""
    lines = (
        reporting_lines(engine)
        .filter(pl.col("recipient_type") == "department")
        .select("recipient_code", "indicator_code")
        .unique()
    )
    with engine.connect() as conn:
        codes = conn.execute(select(Department.code)).scalars().all()
        families = department_families(conn, codes)
    members = pl.DataFrame(
        [(code, member) for code, family in families.items() for member in family],
        schema={"department_code": pl.Utf8, "recipient_code": pl.Utf8},
        orient="row",
    )
    return (
        members.join(lines, on="recipient_code")
        .select("department_code", "indicator_code")
        .unique()
        .sort("department_code", "indicator_code")
    )


def departments(engine: Engine) -> pl.DataFrame:
    """Department codes and names, with the dates each name was held."""
    return frames.read_frame(
        engine,
        select(
            Department.code, Department.name, Department.valid_from, Department.valid_to
        ).order_by(Department.code),
        {"valid_from": pl.Date, "valid_to": pl.Date},
    )
