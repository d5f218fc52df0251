"""Who may read which areas: the readable scope of an actor, checked before every read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from dashboard import access
from dashboard.access import Actor
from dashboard.store.rules import RuleViolation, deny
from data_models import (
    Area,
    DepartmentSuccession,
    ReportingLine,
)


def department_families(conn: Connection, codes: Iterable[str]) -> dict[str, set[str]]:
    """Each department with its predecessors and successors (the same department across a
    rename or split). Not siblings: DCSF's family holds DfES but not DIUS, though both came
    from DfES, so a line addressed to DfES counts for each successor and a line to DIUS only
    for DIUS (and DfES)."""
    links = conn.execute(
        select(DepartmentSuccession.predecessor_code, DepartmentSuccession.successor_code)
    ).all()

    def walk(code: str, forward: bool) -> set[str]:
        seen: set[str] = set()
        frontier = [code]
        while frontier:  # a handful of renames: a tiny graph walk
            here = frontier.pop()
            step = (
                [a for b, a in links if b == here]
                if forward
                else [b for b, a in links if a == here]
            )
            frontier += [n for n in step if n not in seen]
            seen.update(step)
        return seen

    return {code: {code} | walk(code, True) | walk(code, False) for code in codes}


def department_family(conn: Connection, codes: Iterable[str]) -> set[str]:
    """The union of the departments' families (see `department_families`)."""
    return set().union(*department_families(conn, codes).values())


@dataclass(frozen=True)
class Readable:
    """What one actor may read, resolved against the database."""

    areas: frozenset[str] | None  # None: every area
    indicators: frozenset[str] | None  # None: every indicator of those areas


def readable(engine: Engine, actor: Actor) -> Readable:
    """Resolve the actor's grants to area and indicator codes (DOMAIN roles, dashboard.access)."""
    scope = access.read_scope(actor)
    if scope.all_areas:
        return Readable(None, None)
    with engine.connect() as conn:
        areas = set(scope.areas)
        if scope.regions:
            areas |= set(
                conn.execute(
                    select(Area.code).where(Area.region_code.in_(sorted(scope.regions)))
                ).scalars()
            )
        if scope.indicator_limited:
            family = department_family(conn, scope.departments)
            indicators = frozenset(
                conn.execute(
                    select(ReportingLine.indicator_code)
                    .where(
                        ReportingLine.recipient_type == "department",
                        ReportingLine.recipient_code.in_(sorted(family)),
                    )
                    .distinct()
                ).scalars()
            )
            return Readable(None, indicators)
    return Readable(frozenset(areas), None)


def check_areas_exist(engine: Engine, area_codes: Iterable[str]) -> None:
    """Refuse unknown area codes (a department reads every area, but only areas that exist)."""
    codes = set(area_codes)
    with engine.connect() as conn:
        found = set(conn.execute(select(Area.code).where(Area.code.in_(sorted(codes)))).scalars())
    if codes - found:
        raise RuleViolation(f"unknown area {', '.join(sorted(codes - found))}")


def _check_read(engine: Engine, actor: Actor, area_codes: Iterable[str], what: str) -> Readable:
    """Refuse (and log) a read of any area outside the actor's grants."""
    allowed = readable(engine, actor)
    if allowed.areas is not None:
        outside = sorted(set(area_codes) - allowed.areas)
        if outside:
            deny(actor, f"read {what} of {', '.join(outside)}")
    return allowed
