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
    __table_args__ = (
        Index("ix_audit_area_at", "area_code", "at"),
        Index("ix_audit_at_id", "at", "id"),  # the audit log, newest first
        Index("ix_audit_area_id", "area_code", "id"),  # an area's newest change (its version)
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime  # recorded time: on a fixed business date, that date at the real time of day
    user: str
    action: str
    area_code: str | None = None
    indicator_code: str | None = None
    period: date | None = None
    before: str | None = None
    after: str | None = None
    reason: str | None = None
    wall_clock_at: datetime | None = None  # the real time of the write (none for backdated history)


class PeriodLock(SQLModel, table=True):
    """An area's periods ending on or before `locked_through` are locked (the board has seen
    them). Rows are only inserted: the newest row of an area is its current lock (a later row
    with an earlier date, or none, unlocks)."""

    __tablename__ = "period_lock"
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", index=True)
    locked_through: date | None = None
    set_by: str
    set_at: datetime
    reason: str | None = None


class LockExemption(SQLModel, table=True):
    """A named user may change an area's locked periods until `expires_at` (a temporary unlock)."""

    __tablename__ = "lock_exemption"
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code", index=True)
    username: str
    expires_at: datetime
    granted_by: str
    granted_at: datetime
    reason: str


class ReviewSignOff(SQLModel, table=True):
    """A GO officer's mark on an area's six-monthly review pack. Rows are only inserted: the
    newest row of an area and period is its state (`reviewed`, or `reopened` to take it back)."""

    __tablename__ = "review_signoff"
    __table_args__ = (Index("ix_review_area_period", "area_code", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    area_code: str = Field(foreign_key="area.code")
    period: date  # the half-year end the review covers (30 September or 31 March)
    state: str = "reviewed"
    by: str
    at: datetime
    note: str | None = None
