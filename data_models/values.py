"""Actual values (append-only revisions) and commentary."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class ActualRevision(SQLModel, table=True):
    """One revision of an area's value for an indicator and period; never updated or deleted.

    The current value is the revision with the highest revision number (DOMAIN.md §8).
    """

    __tablename__ = "actual_revision"
    __table_args__ = (
        UniqueConstraint("area_code", "indicator_code", "period", "revision"),
        Index("ix_actual_scope", "area_code", "indicator_code", "period"),
    )
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    indicator_code: str = Field(foreign_key="indicator.code")
    period: date
    revision: int
    value: float
    status: str = "final"
    data_quality: str | None = None
    recorded_at: datetime = Field(index=True)
    recorded_by: str
    source: str | None = None
    note: str | None = None


COMMENTARY_KINDS = ("officer", "board")


class Commentary(SQLModel, table=True):
    """Commentary on a target, for a period or in general (period None); append-only.

    `kind` "officer": the lead officer's exception commentary — why (`text`) and what is
    being done (`action`); "board": a board member's comment (`text` only).
    """

    __table_args__ = (Index("ix_commentary_scope", "area_code", "indicator_code"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    indicator_code: str = Field(foreign_key="indicator.code")
    period: date | None = None
    text: str
    author: str
    recorded_at: datetime
    kind: str = Field(default="officer", sa_column_kwargs={"server_default": "officer"})
    action: str | None = None
