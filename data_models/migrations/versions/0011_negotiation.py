"""negotiation: draft choices, proposed targets, verdicts, comments and the signature

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:36:23.854850
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agreement_signature',
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('signed_date', sa.Date(), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('signed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('proposal_ids', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('document_pdf', sa.LargeBinary(), nullable=False),
    sa.Column('document_html', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.PrimaryKeyConstraint('agreement_id')
    )
    op.create_table('negotiation_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('proposal_version', sa.Integer(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('negotiation_comment', schema=None) as batch_op:
        batch_op.create_index('ix_negotiation_comment_agreement', ['agreement_id', 'indicator_code'], unique=False)

    op.create_table('draft_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('included', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('draft_choice', schema=None) as batch_op:
        batch_op.create_index('ix_draft_choice_agreement', ['agreement_id', 'indicator_code'], unique=False)

    op.create_table('proposed_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('partnership', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('lead_officer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('measure', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('baseline_period', sa.Date(), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=False),
    sa.Column('target_period', sa.Date(), nullable=False),
    sa.Column('target_value', sa.Float(), nullable=False),
    sa.Column('milestones', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('without_reward_value', sa.Float(), nullable=True),
    sa.Column('agreed_share_gbp', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('focus', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('note_indicator', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_clarifications', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_stretch', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note_reward', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], ),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'indicator_code', 'version')
    )
    with op.batch_alter_table('proposed_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposed_target_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('proposal_verdict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposed_target.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('proposal_verdict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_verdict_proposal_id'), ['proposal_id'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('max_reward_targets', sa.Integer(), server_default='12', nullable=False))

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mandatory_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))

    with op.batch_alter_table('target_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('focus', sqlmodel.sql.sqltypes.AutoString(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('target_version', schema=None) as batch_op:
        batch_op.drop_column('focus')

    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_column('mandatory_reason')

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('max_reward_targets')

    with op.batch_alter_table('proposal_verdict', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_verdict_proposal_id'))

    op.drop_table('proposal_verdict')
    with op.batch_alter_table('proposed_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposed_target_agreement_id'))

    op.drop_table('proposed_target')
    with op.batch_alter_table('draft_choice', schema=None) as batch_op:
        batch_op.drop_index('ix_draft_choice_agreement')

    op.drop_table('draft_choice')
    with op.batch_alter_table('negotiation_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_negotiation_comment_agreement')

    op.drop_table('negotiation_comment')
    op.drop_table('agreement_signature')
