"""Business settings and the append-only audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class Setting(SQLModel, table=True):
    """A business setting shared by every user (e.g. `today`, `rag_tolerance`)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str


class AuditEvent(SQLModel, table=True):
    """One change: who, when, what, before, after, why. Rows are only ever inserted."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_area_at", "area_code", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    user: str
    action: str
    area_code: str | None = None
    indicator_code: str | None = None
    period: date | None = None
    before: str | None = None
    after: str | None = None
    reason: str | None = None
