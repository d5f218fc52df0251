"""Targets and their versions: a changed target adds a version, the earlier one is kept."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Target(SQLModel, table=True):
    """The stable identity of one indicator's target in one agreement."""

    __table_args__ = (UniqueConstraint("agreement_id", "indicator_code"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    indicator_code: str = Field(foreign_key="indicator.code")


class TargetVersion(SQLModel, table=True):
    """One version of a target; the current one has the highest version number."""

    __tablename__ = "target_version"
    __table_args__ = (UniqueConstraint("target_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="target.id", index=True)
    version: int
    partnership_id: int = Field(foreign_key="partnership.id")
    lead_officer: str | None = None
    measure: str = "level"
    baseline_period: date
    baseline_value: float
    target_period: date
    target_value: float
    without_reward_value: float | None = None
    agreed_share_gbp: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    recorded_at: datetime
    recorded_by: str
    reason: str | None = None
    # A change proposed at the annual refresh takes effect once the GO records its agreement.
    needs_agreement: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # a geography or group the target is focused on, agreed in the negotiation
    focus: str | None = None


class TargetAgreement(SQLModel, table=True):
    """The Government Office's agreement to a proposed target version (append-only)."""

    __tablename__ = "target_agreement"
    target_version_id: int = Field(foreign_key="target_version.id", primary_key=True)
    agreed_by: str
    agreed_at: datetime
    note: str | None = None


class TargetMilestone(SQLModel, table=True):
    """An interim milestone of one target version."""

    __tablename__ = "target_milestone"
    target_version_id: int = Field(foreign_key="target_version.id", primary_key=True)
    period: date = Field(primary_key=True)
    value: float
