"""sign-in attempts are counted per client and name, per client and per account (no lock-out)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signin_throttle',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('next_allowed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_throttle_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_signin_throttle_last_attempt_at'), ['last_attempt_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signin_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_throttle_last_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_signin_throttle_subject'))
    op.drop_table('signin_throttle')
