"""withdrawal and retention

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:20:00

A participant who withdraws keeps their anonymised contributions under a neutral name;
``withdrawn_at`` says so. ``personal_data_erased_at`` records the retention erase of an
assembly's personal data after it ended.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', DateTimeUTC(timezone=True), nullable=True))
    with op.batch_alter_table('assemblies', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('personal_data_erased_at', DateTimeUTC(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('assemblies', schema=None) as batch_op:
        batch_op.drop_column('personal_data_erased_at')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
