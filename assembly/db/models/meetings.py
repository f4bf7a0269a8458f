"""Meetings: an evening's run of show (agenda items), its tables, and speaking-round counts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC

MEETING_STATUSES = ("planned", "running", "ended")
AGENDA_KINDS = ("plenary", "tables", "proposals", "reactions", "voting", "break")
AGENDA_STATUSES = ("pending", "running", "paused", "done", "skipped")


class Meeting(BigIntAuditBase):
    """One sitting of an assembly. ``version`` grows by one with every change of the run of show,
    so two facilitators pressing the same button move it once, and live pages can catch up."""

    __tablename__ = "meetings"

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="planned")
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_item_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    table_plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("table_plans.id", ondelete="SET NULL"), nullable=True
    )
    show_results: Mapped[bool] = mapped_column(Boolean, default=False)
    # The code shown on the projector for those joining in the room; replaced once used.
    door_code: Mapped[str] = mapped_column(String(20), default="")
    door_invite_id: Mapped[int | None] = mapped_column(
        ForeignKey("invite_codes.id", ondelete="SET NULL"), nullable=True
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)

    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting",
        order_by="AgendaItem.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class AgendaItem(BigIntAuditBase):
    """One item of the run of show: planned minutes, and the time it actually ran."""

    __tablename__ = "agenda_items"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12), default="plenary")
    title: Mapped[str] = mapped_column(String(200), default="")
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), nullable=True
    )
    table_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    planned_seconds: Mapped[int] = mapped_column(Integer, default=600)
    extra_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # Seconds run before the latest start (pauses stop the clock), and when the clock restarted.
    run_seconds: Mapped[int] = mapped_column(Integer, default=0)
    running_since: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="items")


class MeetingTable(BigIntAuditBase):
    """A table in a meeting: its host, and whether its members agreed to have turns counted."""

    __tablename__ = "meeting_tables"
    __table_args__ = (UniqueConstraint("meeting_id", "table_number"),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    table_number: Mapped[int] = mapped_column(Integer)
    host_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    speaking_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    notes_done: Mapped[bool] = mapped_column(Boolean, default=False)


class SpeakingCount(BigIntAuditBase):
    """How many turns one seat took at one table in one round, kept only with the table's
    consent. Keyed by the seat's key in the table plan (a pseudonymous id), never a name."""

    __tablename__ = "speaking_counts"
    __table_args__ = (UniqueConstraint("meeting_id", "round_number", "table_number", "seat_key"),)

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    round_number: Mapped[int] = mapped_column(Integer)
    table_number: Mapped[int] = mapped_column(Integer)
    seat_key: Mapped[str] = mapped_column(String(40))
    turns: Mapped[int] = mapped_column(Integer, default=0)
