"""Writing audit events in the caller's transaction: an action and its record commit together."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import AuditEvent


async def record_event(
    db: AsyncSession,
    action: str,
    *,
    actor_kind: str = "system",
    actor_id: int | None = None,
    assembly_id: int | None = None,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str | int = "",
    **details: Any,
) -> AuditEvent:
    if subject is not None:
        subject_type = subject_type or getattr(subject, "__tablename__", type(subject).__name__)
        subject_id = subject_id or getattr(subject, "id", "")
    event = AuditEvent(
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        assembly_id=assembly_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details,
    )
    db.add(event)
    return event
