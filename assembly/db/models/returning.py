"""Codes that let a person back in: a citizen's return code, and an account's password link.

Citizens have no account, so the return code is how they come back on another device or after
their session ended. It has a public lookup part, stored as it is, and a secret part, stored
only as an argon2id hash: finding the row takes one indexed read, and only that one row's hash
is checked. A replaced code is kept (marked) so that its owner is told it was replaced.

A password link (a new account's first password, or a reset) carries 80 random bits; only a
keyed hash is stored, and it works once, until it expires.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC

PASSWORD_LINK_PURPOSES = ("welcome", "reset")


class ReturnCode(BigIntAuditBase):
    __tablename__ = "return_codes"
    __table_args__ = (
        # At most one code in use per participant; replaced ones stay to explain themselves.
        Index(
            "ix_return_codes_active",
            "participant_id",
            unique=True,
            sqlite_where=text("replaced_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    # The facilitator who gave it; None when the participant made it themselves.
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class PasswordLink(BigIntAuditBase):
    __tablename__ = "password_links"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10), default="reset")
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
