"""commentary kind (officer commentary or board comment) and what is being done

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (a server default for the NOT NULL one): no table rebuild on SQLite,
    # and every earlier comment becomes officer commentary.
    op.add_column('commentary', sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), server_default='officer', nullable=False))
    op.add_column('commentary', sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('commentary', schema=None) as batch_op:
        batch_op.drop_column('action')
        batch_op.drop_column('kind')
