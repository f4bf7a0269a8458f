"""Audit events: who did what, when, to which record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, JsonB


class AuditEvent(BigIntAuditBase):
    __tablename__ = "audit_events"
    # The log page reads an assembly's events newest first, a page at a time.
    __table_args__ = (Index("ix_audit_events_assembly_newest", "assembly_id", "id"),)

    action: Mapped[str] = mapped_column(String(60), index=True)
    actor_kind: Mapped[str] = mapped_column(String(20))  # account, participant, system, token
    actor_id: Mapped[int | None] = mapped_column(nullable=True)
    assembly_id: Mapped[int | None] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), nullable=True, index=True
    )
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
