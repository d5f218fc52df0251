"""The only code that talks SQL: reads scopes into polars frames, writes in one transaction.

Every read and write takes the acting user (`Actor`) so access can be enforced here, in the
core, not only in the menu. Nothing is overwritten: actual values gain revisions, targets gain
versions, and every change writes an audit row in the same transaction.

One module a concept: `clock`, `rules`, `settings`, `audit`, `frames`, `scope`, `reads`, `agreements`, `targets`, `actuals`, `locks`, `commentary`, `reporting_lines`, `reviews`, `capacity`, `distribution`, `negotiation`, `meetings`, `actions`.
This package re-exports their functions, so callers write `store.save_actuals(...)`.
"""

from __future__ import annotations

from dashboard.access import AccessDenied, Actor, Grant
from dashboard.store.actions import action_history, actions, raise_action, update_action
from dashboard.store.actuals import save_actuals, target_owners
from dashboard.store.agreements import agreement_for, save_areas, save_indicators, sign_agreement
from dashboard.store.audit import audit_frame, audit_summary, bare, data_version
from dashboard.store.bulk import bulk_insert
from dashboard.store.capacity import (
    CAPACITY_FRAMEWORK_COLUMNS,
    capacity_assessments,
    capacity_framework,
    latest_capacity,
    record_capacity_assessment,
    record_capacity_assessments,
    save_capacity_framework,
)
from dashboard.store.clock import Backdate, backdated, recorded_now, utcnow, wall_clock
from dashboard.store.commentary import add_commentary, record_commentary
from dashboard.store.distribution import (
    MINIMUM_AREAS,
    indicator_distribution,
    reference_areas,
)
from dashboard.store.frames import read_frame
from dashboard.store.locks import current_locks, grant_unlock, lock_periods
from dashboard.store.meetings import (
    BOARD,
    area_contacts,
    known_now,
    meeting,
    meetings,
    next_meeting,
    pack_file,
    packs,
    save_meeting,
    save_pack,
)
from dashboard.store.negotiation import (
    PROPOSAL_FIELDS,
    Negotiation,
    add_negotiation_comment,
    area_partnerships,
    choose_indicators,
    create_local_indicator,
    latest_agreement,
    load_negotiation,
    propose_target,
    record_verdict,
    sign_negotiated_agreement,
    signed_document,
    start_draft,
)
from dashboard.store.reads import (
    REWARD_SPLIT_COLUMNS,
    Scope,
    actual_revisions,
    area_has_data,
    current_actuals,
    department_successors,
    list_areas,
    load_commentary,
    load_indicators,
    load_scope,
    reference_codes,
)
from dashboard.store.regions import (
    can_read_region,
    list_regions,
    readable_regions,
    region_areas,
)
from dashboard.store.reporting_lines import (
    RECIPIENT_NAMES,
    REPORTING_LINE_FIELDS,
    REPORTING_LINE_KEY,
    department_indicators,
    department_lines,
    departments,
    reported_indicators,
    reporting_lines,
    save_reporting_lines,
)
from dashboard.store.reviews import mark_review, review_signoffs, review_states
from dashboard.store.rules import (
    FROZEN_RULE,
    ConcurrentChange,
    RuleViolation,
    WriteSummary,
    cli_actor,
    deny,
)
from dashboard.store.scope import (
    Readable,
    check_areas_exist,
    department_families,
    department_family,
    readable,
)
from dashboard.store.settings import (
    FRAMEWORK_DIR,
    business_today,
    get_setting,
    is_demo,
    rag_tolerance,
    set_setting,
    sync_reference_data,
    upgrade,
)
from dashboard.store.targets import (
    FROZEN_FIELDS,
    TARGET_FIELDS,
    agree_target_change,
    pending_target_changes,
    propose_target_change,
    save_targets,
)

__all__ = [
    "BOARD",
    "CAPACITY_FRAMEWORK_COLUMNS",
    "FRAMEWORK_DIR",
    "FROZEN_FIELDS",
    "FROZEN_RULE",
    "MINIMUM_AREAS",
    "PROPOSAL_FIELDS",
    "RECIPIENT_NAMES",
    "REPORTING_LINE_FIELDS",
    "REPORTING_LINE_KEY",
    "REWARD_SPLIT_COLUMNS",
    "TARGET_FIELDS",
    "AccessDenied",
    "Actor",
    "Backdate",
    "ConcurrentChange",
    "Grant",
    "Negotiation",
    "Readable",
    "RuleViolation",
    "Scope",
    "WriteSummary",
    "action_history",
    "actions",
    "actual_revisions",
    "add_commentary",
    "add_negotiation_comment",
    "agree_target_change",
    "agreement_for",
    "area_contacts",
    "area_has_data",
    "area_partnerships",
    "audit_frame",
    "audit_summary",
    "backdated",
    "bare",
    "bulk_insert",
    "business_today",
    "can_read_region",
    "capacity_assessments",
    "capacity_framework",
    "check_areas_exist",
    "choose_indicators",
    "cli_actor",
    "create_local_indicator",
    "current_actuals",
    "current_locks",
    "data_version",
    "deny",
    "department_families",
    "department_family",
    "department_indicators",
    "department_lines",
    "department_successors",
    "departments",
    "get_setting",
    "grant_unlock",
    "indicator_distribution",
    "is_demo",
    "known_now",
    "latest_agreement",
    "latest_capacity",
    "list_areas",
    "list_regions",
    "load_commentary",
    "load_indicators",
    "load_negotiation",
    "load_scope",
    "lock_periods",
    "mark_review",
    "meeting",
    "meetings",
    "next_meeting",
    "pack_file",
    "packs",
    "pending_target_changes",
    "propose_target",
    "propose_target_change",
    "rag_tolerance",
    "raise_action",
    "read_frame",
    "readable",
    "readable_regions",
    "record_capacity_assessment",
    "record_capacity_assessments",
    "record_commentary",
    "record_verdict",
    "recorded_now",
    "reference_areas",
    "reference_codes",
    "region_areas",
    "reported_indicators",
    "reporting_lines",
    "review_signoffs",
    "review_states",
    "save_actuals",
    "save_areas",
    "save_capacity_framework",
    "save_indicators",
    "save_meeting",
    "save_pack",
    "save_reporting_lines",
    "save_targets",
    "set_setting",
    "sign_agreement",
    "sign_negotiated_agreement",
    "signed_document",
    "start_draft",
    "sync_reference_data",
    "target_owners",
    "update_action",
    "upgrade",
    "utcnow",
    "wall_clock",
]
