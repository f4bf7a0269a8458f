"""Accounts of facilitators, researchers, administrators and responders (people of the body
that commissioned an assembly, who answer its recommendations). Citizens have no account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC

ROLES = ("facilitator", "researcher", "admin", "responder")


class Account(BigIntAuditBase):
    __tablename__ = "accounts"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_sign_in_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
