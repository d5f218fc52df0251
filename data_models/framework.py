"""The outcomes framework: outcomes, indicators and the returns each indicator feeds."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class Outcome(SQLModel, table=True):
    """An outcome of a block; mandatory, optional (government menu) or local."""

    __table_args__ = (UniqueConstraint("block_code", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    block_code: str = Field(foreign_key="block.code")
    name: str
    outcome_type: str = "optional"


class Indicator(SQLModel, table=True):
    """A performance indicator with every field of DOMAIN.md §3."""

    code: str = Field(primary_key=True, max_length=40)
    name: str
    block_code: str = Field(foreign_key="block.code", index=True)
    outcome_id: int | None = Field(default=None, foreign_key="outcome.id")
    outcome_type: str = "optional"
    # why a mandatory indicator is mandatory, e.g. the funding stream that requires it
    mandatory_reason: str | None = None
    unit: str
    polarity: str
    decimals: int = 1
    frequency: str
    period_basis: str = "financial"
    lag_months: int = 0
    data_source: str
    department_code: str = Field(foreign_key="department.code")
    plausible_min: float | None = None
    plausible_max: float | None = None
    definition: str | None = None
    clarifications: str | None = None
    stretch_rationale: str | None = None
    reward_rationale: str | None = None


class ReportingLine(SQLModel, table=True):
    """One return an indicator feeds: to a department, the GO, a regulator or the LSP board."""

    __tablename__ = "reporting_line"
    id: int | None = Field(default=None, primary_key=True)
    indicator_code: str = Field(foreign_key="indicator.code", index=True)
    recipient_type: str
    recipient_code: str
    return_name: str
    frequency: str
    laa_status: str = "continues"
    format: str | None = None  # how it is sent: e.g. "Interchange Hub XML", "Excel template"
    due_days: int | None = None  # days after the period end the return is due
