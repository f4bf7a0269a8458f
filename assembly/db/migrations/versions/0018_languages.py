"""languages: offered languages, the language of citizens' texts, translations

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 03:20:00

An assembly offers languages besides its main one; proposals and arguments record the
language their author wrote in; translations of texts live one row per field and language.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "content_translations",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("assembly_id", BIGINT, nullable=False),
        sa.Column("subject_kind", sa.String(length=30), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("author_account_id", BIGINT, nullable=True),
        sa.Column("author_participant_id", BIGINT, nullable=True),
        sa.Column("created_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assembly_id"],
            ["assemblies.id"],
            name=op.f("fk_content_translations_assembly_id_assemblies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_account_id"],
            ["accounts.id"],
            name=op.f("fk_content_translations_author_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_participant_id"],
            ["participants.id"],
            name=op.f("fk_content_translations_author_participant_id_participants"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint(
            "subject_kind",
            "subject_id",
            "field",
            "language",
            name=op.f("uq_content_translations_subject_kind"),
        ),
    )
    with op.batch_alter_table("content_translations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_content_translations_assembly_id"), ["assembly_id"], unique=False
        )
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    with op.batch_alter_table("assemblies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offered_languages", json, server_default="[]", nullable=False)
        )
    for table in ("proposals", "arguments"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("language", sa.String(length=8), server_default="", nullable=False)
            )


def downgrade() -> None:
    for table in ("arguments", "proposals"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("language")
    with op.batch_alter_table("assemblies", schema=None) as batch_op:
        batch_op.drop_column("offered_languages")
    with op.batch_alter_table("content_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_translations_assembly_id"))
    op.drop_table("content_translations")
