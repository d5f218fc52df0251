"""an index on the audit trail's recorded time, for the audit log newest first

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:15:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The all-areas audit log reads a page newest first: without this a national trail
    # (a row per value) is sorted whole on every first visit.
    op.create_index('ix_audit_at_id', 'audit_event', ['at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_at_id', table_name='audit_event')
