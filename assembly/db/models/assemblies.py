"""Assemblies, their facilitators, researcher grants, and topics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assembly.db.models.accounts import Account
from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB, metadata
from assembly.db.models.catalogue import Practice, SpotlightArea
from assembly.topics.phases import PHASES as PHASES  # the one list, named here for the models

ASSEMBLY_STATUSES = ("draft", "published", "archived")
# An assembly in one of these has ended: its citizens' sessions end, its data may be erased.
ENDED_STATUSES = ("archived",)
BALLOT_SECRECY = ("secret", "open")
# A topic is what the assembly deliberates; a motion carries one decision taken on the topics'
# ballot machinery (an amendment, a final recommendation) and is listed only where it belongs.
TOPIC_KINDS = ("topic", "motion")

assembly_facilitators = Table(
    "assembly_facilitators",
    metadata,
    Column("assembly_id", ForeignKey("assemblies.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)

topic_practices = Table(
    "topic_practices",
    metadata,
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
    Column("practice_id", ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
)


class Assembly(BigIntAuditBase):
    __tablename__ = "assemblies"

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Languages besides the main one that facilitator texts are translated into.
    offered_languages: Mapped[list[str]] = mapped_column(JsonB, default=list, server_default="[]")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Oslo")
    # ISO 4217 code of the money a budget topic shares out.
    currency: Mapped[str] = mapped_column(String(3), default="NOK", server_default="NOK")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Questions asked after consent: [{"key": "age", "label": "...", "options": [...]}]
    demographic_questions: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    invited_count: Mapped[int] = mapped_column(Integer, default=0)
    # When the retention erase removed the assembly's personal data (None: not erased).
    personal_data_erased_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)

    facilitators: Mapped[list[Account]] = relationship(
        secondary=assembly_facilitators, lazy="selectin"
    )
    topics: Mapped[list[Topic]] = relationship(
        back_populates="assembly",
        lazy="selectin",
        order_by="Topic.position",
        cascade="all, delete-orphan",
        # Motions are votes of the drafting process, not topics of the assembly's pages.
        primaryjoin="and_(Assembly.id == Topic.assembly_id, Topic.kind == 'topic')",
    )


class ResearchGrant(BigIntAuditBase):
    """A researcher's right to read one assembly's non-public data and exports."""

    __tablename__ = "research_grants"
    __table_args__ = (UniqueConstraint("assembly_id", "account_id"),)

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class Topic(BigIntAuditBase):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("assembly_id", "slug"),)

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10), default="topic", server_default="topic")
    position: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text, default="")
    spotlight_area_id: Mapped[int] = mapped_column(ForeignKey("spotlight_areas.id"))
    voting_method: Mapped[str] = mapped_column(String(40), default="approval")
    voting_params: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    ballot_secrecy: Mapped[str] = mapped_column(String(10), default="secret")
    phase: Mapped[str] = mapped_column(String(20), default="draft")
    # Planned start of each phase, ISO 8601 in UTC: {"voting": "2026-12-01T17:00:00+00:00"}
    phase_schedule: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    phase_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    facilitator_notes: Mapped[str] = mapped_column(Text, default="")
    summary_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when ballots are published anonymised after the close.
    ballots_published: Mapped[bool] = mapped_column(Boolean, default=False)
    # The tally as published, so that a recount can compare against it.
    published_result: Mapped[dict[str, Any] | None] = mapped_column(JsonB, nullable=True)
    # What that tally counted: ballots per channel and the number set aside. Kept apart from
    # the tally, which a recount compares whole; the topic page reads it instead of the ballots.
    published_counts: Mapped[dict[str, Any] | None] = mapped_column(JsonB, nullable=True)

    assembly: Mapped[Assembly] = relationship(back_populates="topics", lazy="joined")
    spotlight_area: Mapped[SpotlightArea] = relationship(lazy="joined")
    practices: Mapped[list[Practice]] = relationship(
        secondary=topic_practices, lazy="selectin", order_by=Practice.position
    )
