"""Government Office regions: the nine regions (reference data) and one region's areas,
read only by those whose grants cover the region."""

from __future__ import annotations

import polars as pl
from sqlalchemy import Engine, select

from dashboard import access
from dashboard.access import Actor
from dashboard.store import frames
from dashboard.store.reads import list_areas
from dashboard.store.rules import RuleViolation, deny
from data_models import Region


def list_regions(engine: Engine) -> pl.DataFrame:
    """Every Government Office region (public reference data): region_code, region_name."""
    query = select(Region.code.label("region_code"), Region.name.label("region_name"))
    return frames.read_frame(engine, query.order_by(Region.code))


def can_read_region(actor: Actor, region_code: str) -> bool:
    """The whole region: administrators, departments (their own indicators in every area)
    and the region's Government Office; an area's own people read their area, not its region."""
    scope = access.read_scope(actor)
    return scope.all_areas or bool(scope.departments) or region_code in scope.regions


def readable_regions(engine: Engine, actor: Actor) -> pl.DataFrame:
    """The regions whose region page the actor may open (`list_regions` rows)."""
    regions = list_regions(engine)
    allowed = [code for code in regions["region_code"] if can_read_region(actor, code)]
    return regions.filter(pl.col("region_code").is_in(allowed))


def region_areas(engine: Engine, actor: Actor, region_code: str) -> pl.DataFrame:
    """The areas of one region (`list_areas` rows), refused (and logged) for an actor whose
    grants do not cover the region; an unknown region code is a RuleViolation."""
    if region_code not in set(list_regions(engine)["region_code"]):
        raise RuleViolation(f"unknown region {region_code}")
    if not can_read_region(actor, region_code):
        deny(actor, f"read the areas of region {region_code}")
    return list_areas(engine, actor).filter(pl.col("region_code") == region_code)
