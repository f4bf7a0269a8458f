"""pseudonym key, reaction counts index, published counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:50:00

Joining checks that no one in the assembly has the name already, ignoring case. Without an
index on the folded name that check read every participant of the assembly; with 100,000
participants it was most of the time a join took. The index on (proposal, reaction) lets a
topic page count reactions from the index alone. ``published_counts`` keeps what the published
tally counted, so a published topic's page reads no ballots.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True))

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonym_key', sa.String(length=180), nullable=True))

    # Fill the key in Python: SQLite's lower() folds ASCII letters only. Names that already
    # clash without case (possible only before this check was indexed) keep their pseudonym
    # and get a key made unique with their id.
    participants = sa.table(
        'participants',
        sa.column('id', sa.Integer),
        sa.column('assembly_id', sa.Integer),
        sa.column('pseudonym', sa.String),
        sa.column('pseudonym_key', sa.String),
    )
    connection = op.get_bind()
    seen: set[tuple[int, str]] = set()
    updates = []
    rows = connection.execute(
        sa.select(participants.c.id, participants.c.assembly_id, participants.c.pseudonym)
        .order_by(participants.c.id)
    )
    for participant_id, assembly_id, pseudonym in rows:
        key = pseudonym.casefold()
        if (assembly_id, key) in seen:
            key = f'{key}#{participant_id}'
        seen.add((assembly_id, key))
        updates.append({'participant_id': participant_id, 'key': key})
    if updates:
        connection.execute(
            participants.update()
            .where(participants.c.id == sa.bindparam('participant_id'))
            .values(pseudonym_key=sa.bindparam('key')),
            updates,
        )

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.alter_column('pseudonym_key', existing_type=sa.String(length=180), nullable=False)
        batch_op.create_index('ix_participants_pseudonym_key', ['assembly_id', 'pseudonym_key'], unique=True)

    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.create_index('ix_reactions_proposal_reaction', ['proposal_id', 'reaction'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.drop_index('ix_reactions_proposal_reaction')

    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index('ix_participants_pseudonym_key')
        batch_op.drop_column('pseudonym_key')

    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.drop_column('published_counts')
