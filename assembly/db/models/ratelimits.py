"""Rate-limit counters shared by all workers, and room windows that lift the join ceiling."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, BigIntBase, DateTimeUTC, utcnow


class RateLimitCounter(BigIntBase):
    """Attempts in one bucket's current minute. The key is a keyed hash (see ratelimits.rules):
    no address or session identifier is stored."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC, index=True)


class RoomWindow(BigIntAuditBase):
    """For a while, joining from one network (a venue's Wi-Fi) meets no address ceiling."""

    __tablename__ = "room_windows"

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[str] = mapped_column(String(50))
    opened_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
    opens_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC, default=utcnow)
    ends_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC, index=True)
