"""SQLModel tables of the LAA dashboard, split by concept and re-exported here.

Tables live only in this package: a table class defined in a page script would be
re-registered on every Streamlit rerun. The schema is created and changed only by the
Alembic migrations in `data_models/migrations`.
"""

from data_models.access import User, UserGrant
from data_models.area import Agreement, Area, Partnership
from data_models.capacity import CapacityAssessment, CapacityCharacteristic, CapacityRating
from data_models.framework import Indicator, Outcome, ReportingLine
from data_models.meetings import Action, ActionUpdate, BoardPack, Meeting
from data_models.negotiation import (
    AgreementSignature,
    DraftChoice,
    NegotiationComment,
    ProposalVerdict,
    ProposedTarget,
)
from data_models.reference import AreaType, Block, Department, DepartmentSuccession, Region
from data_models.system import AuditEvent, LockExemption, PeriodLock, ReviewSignOff, Setting
from data_models.target import Target, TargetAgreement, TargetMilestone, TargetVersion
from data_models.values import ActualRevision, Commentary
from data_models.vocab import (
    ACTION_STATUSES,
    AGREEMENT_STATUSES,
    CAPACITY_KINDS,
    CAPACITY_LEVELS,
    DATA_QUALITY_GRADES,
    FREQUENCIES,
    MEASURES,
    OUTCOME_TYPES,
    PARTNERSHIP_KINDS,
    PERIOD_BASES,
    POLARITIES,
    RECIPIENT_TYPES,
    REPORTING_STATUSES,
    SIGNOFF_RECOMMENDATIONS,
    VALUE_STATUSES,
    VERDICTS,
)

__all__ = [
    "ACTION_STATUSES",
    "AGREEMENT_STATUSES",
    "CAPACITY_KINDS",
    "CAPACITY_LEVELS",
    "DATA_QUALITY_GRADES",
    "FREQUENCIES",
    "MEASURES",
    "OUTCOME_TYPES",
    "PARTNERSHIP_KINDS",
    "PERIOD_BASES",
    "POLARITIES",
    "RECIPIENT_TYPES",
    "REPORTING_STATUSES",
    "SIGNOFF_RECOMMENDATIONS",
    "VALUE_STATUSES",
    "VERDICTS",
    "Action",
    "ActionUpdate",
    "ActualRevision",
    "Agreement",
    "AgreementSignature",
    "Area",
    "AreaType",
    "AuditEvent",
    "Block",
    "BoardPack",
    "CapacityAssessment",
    "CapacityCharacteristic",
    "CapacityRating",
    "Commentary",
    "Department",
    "DepartmentSuccession",
    "DraftChoice",
    "Indicator",
    "LockExemption",
    "Meeting",
    "NegotiationComment",
    "Outcome",
    "Partnership",
    "PeriodLock",
    "ProposalVerdict",
    "ProposedTarget",
    "Region",
    "ReportingLine",
    "ReviewSignOff",
    "Setting",
    "Target",
    "TargetAgreement",
    "TargetMilestone",
    "TargetVersion",
    "User",
    "UserGrant",
]
