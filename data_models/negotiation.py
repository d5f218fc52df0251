"""The negotiation of a draft agreement between an area and its Government Office.

Everything here is append-only: a choice of indicator, a proposed target, the GO's verdict on
it and each comment is a new row, so every revision is kept and what changed between two
versions can be shown. At sign-off the agreed proposals become the agreement's targets
(`data_models.target`), and the signature records the document's content hash.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Column, Field, SQLModel


class DraftChoice(SQLModel, table=True):
    """An indicator put into (or taken out of) a draft agreement; the latest row counts."""

    __tablename__ = "draft_choice"
    __table_args__ = (Index("ix_draft_choice_agreement", "agreement_id", "indicator_code"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id")
    indicator_code: str = Field(foreign_key="indicator.code", max_length=40)
    included: bool = True
    recorded_at: datetime
    recorded_by: str
    reason: str | None = None


class ProposedTarget(SQLModel, table=True):
    """One version of the area's proposal for an indicator of a draft agreement: the figures,
    who owns it, for a reward target the without-reward figure and share, the five headings
    of the negotiation note, and an optional focus (a geography or group)."""

    __tablename__ = "proposed_target"
    __table_args__ = (UniqueConstraint("agreement_id", "indicator_code", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    indicator_code: str = Field(foreign_key="indicator.code", max_length=40)
    version: int
    partnership: str
    lead_officer: str | None = None
    measure: str = "level"
    baseline_period: date
    baseline_value: float
    target_period: date
    target_value: float
    milestones: str | None = None  # "YYYY-MM-DD=value" per line, in period order
    without_reward_value: float | None = None  # set: a proposed reward (stretched) target
    agreed_share_gbp: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    focus: str | None = None  # e.g. "neighbourhood renewal wards", "looked-after children"
    note_indicator: str = ""
    note_source: str = ""
    note_clarifications: str = ""
    note_stretch: str = ""  # determining stretching performance
    note_reward: str = ""  # determining the level of reward
    recorded_at: datetime
    recorded_by: str
    reason: str | None = None


class ProposalVerdict(SQLModel, table=True):
    """The GO's verdict on one version of a proposal: agreed or challenged (the latest counts;
    a new version of the proposal awaits a new verdict)."""

    __tablename__ = "proposal_verdict"
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposed_target.id", index=True)
    verdict: str  # a value of VERDICTS
    recorded_at: datetime
    recorded_by: str
    note: str | None = None


class NegotiationComment(SQLModel, table=True):
    """A comment in the negotiation of a draft agreement, on one indicator or on the whole."""

    __tablename__ = "negotiation_comment"
    __table_args__ = (Index("ix_negotiation_comment_agreement", "agreement_id", "indicator_code"),)
    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id")
    indicator_code: str | None = Field(default=None, max_length=40)
    proposal_version: int | None = None  # the version of the proposal it was written against
    text: str
    recorded_at: datetime
    recorded_by: str


class AgreementSignature(SQLModel, table=True):
    """The GO's signature of a negotiated agreement: the single LAA document as signed (its
    content hash and the file itself, so it can be downloaded again unchanged) and the
    proposals it signed."""

    __tablename__ = "agreement_signature"
    agreement_id: int = Field(foreign_key="agreement.id", primary_key=True)
    signed_date: date
    signed_at: datetime
    signed_by: str
    document_sha256: str = Field(max_length=64)
    proposal_ids: str  # the signed proposal versions' ids, comma-separated
    document_pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    document_html: str
