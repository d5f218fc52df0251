"""The GO assessment of performance-management capacity (DOMAIN §6): a framework of
characteristics held as data, and dated assessments of an area against it.

Characteristics are never deleted (retired with `active=False`) so old assessments keep their
meaning; assessments and their ratings are only ever inserted: each save is a new version.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class CapacityCharacteristic(SQLModel, table=True):
    """One characteristic of the framework, with a descriptor per level of the four-point
    scale, each written as example strengths and weaknesses."""

    __tablename__ = "capacity_characteristic"
    code: str = Field(primary_key=True, max_length=20)
    name: str
    condition: str  # the condition for success (or dimension group) it belongs to
    description: str = ""
    display_order: int = 0
    descriptor_strong: str = ""
    descriptor_adequate: str = ""
    descriptor_developing: str = ""
    descriptor_weak: str = ""
    active: bool = True


class CapacityAssessment(SQLModel, table=True):
    """One dated assessment of an area: by its GO (`go`, with a sign-off recommendation) or
    by the partnership itself (`self`)."""

    __tablename__ = "capacity_assessment"
    __table_args__ = (Index("ix_capacity_area_kind", "area_code", "kind", "assessed_on"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    kind: str  # "go" | "self"
    assessed_on: date
    recorded_at: datetime
    recorded_by: str
    overall: str  # a level of CAPACITY_LEVELS
    summary: str = ""
    recommendation: str | None = None  # GO only: a value of SIGNOFF_RECOMMENDATIONS
    recommendation_date: date | None = None
    conditions: str | None = None  # one condition per line (ready with conditions)


class CapacityRating(SQLModel, table=True):
    """The level given to one characteristic in one assessment, with its evidence."""

    __tablename__ = "capacity_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "characteristic_code"),)
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="capacity_assessment.id")
    characteristic_code: str = Field(foreign_key="capacity_characteristic.code", max_length=20)
    level: str
    evidence: str = ""
    strengths: str = ""
    weaknesses: str = ""
