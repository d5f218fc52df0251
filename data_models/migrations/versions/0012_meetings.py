"""meetings and board packs

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:23:18.381511
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('partnership', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('meets_on', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['area.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_area_date', ['area_code', 'meets_on'], unique=False)

    op.create_table('board_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('as_at', sa.Date(), nullable=False),
    sa.Column('known_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('built_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('built_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_pdf', sa.LargeBinary(), nullable=False),
    sa.Column('document_html', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('board_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_pack_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('board_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_pack_meeting_id'))

    op.drop_table('board_pack')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_area_date')

    op.drop_table('meeting')
