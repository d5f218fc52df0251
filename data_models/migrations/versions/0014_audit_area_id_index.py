"""an index on the audit trail's area and id, for an area's data version

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:40:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An area's pages key their caches on the newest audit id of the area and of no area,
    # read in every run: each is the last entry of this index, not a scan of the area's rows.
    op.create_index('ix_audit_area_id', 'audit_event', ['area_code', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_area_id', table_name='audit_event')
