"""Research API tokens and cached topic summaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB


class ApiToken(BigIntAuditBase):
    """A researcher's token for the JSON API; only its sha256 is stored."""

    __tablename__ = "api_tokens"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class TopicSummary(BigIntAuditBase):
    """A computed summary, kept until the data it was computed from changes."""

    __tablename__ = "topic_summaries"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), unique=True)
    # A fingerprint of the inputs (counts and last-change times); a new one means recompute.
    data_version: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
