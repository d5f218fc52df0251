"""Reference lists loaded into every database by `laa db upgrade` (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class Region(SQLModel, table=True):
    """A Government Office region (GONE, GONW, ...)."""

    code: str = Field(primary_key=True, max_length=8)
    name: str


class AreaType(SQLModel, table=True):
    """Upper-tier area type: county, unitary, metropolitan, london_borough."""

    __tablename__ = "area_type"
    code: str = Field(primary_key=True, max_length=20)
    name: str


class Department(SQLModel, table=True):
    """A government department under one name, with the dates it held that name."""

    code: str = Field(primary_key=True, max_length=10)
    name: str
    valid_from: date | None = None
    valid_to: date | None = None


class DepartmentSuccession(SQLModel, table=True):
    """A rename or split: the predecessor and successor are the same department across it."""

    __tablename__ = "department_succession"
    predecessor_code: str = Field(foreign_key="department.code", primary_key=True)
    successor_code: str = Field(foreign_key="department.code", primary_key=True)
    on_date: date


class Block(SQLModel, table=True):
    """One of the four LAA blocks (CYP, SSC, HCOP, EDE)."""

    code: str = Field(primary_key=True, max_length=8)
    name: str
    lead_department_code: str | None = Field(default=None, foreign_key="department.code")
    sort_order: int = 0
