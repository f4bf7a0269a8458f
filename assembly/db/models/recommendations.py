"""Recommendations an assembly drafts, their clauses, amendments and minority statements.

A recommendation's text is a list of clauses, each a row with a version that grows with every
change, so an amendment can say which version of a clause it was written against. Every state
of the text is kept as a revision. Votes on amendments and on the final recommendations are
topics of kind "motion" (see ``assembly.recommendations.motions``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB, metadata

ABSTENTION_RULES = ("excluded", "counted")
AMENDMENT_KINDS = ("replace", "insert", "delete")
# proposed: waiting for a vote; voting: its vote is open; adopted: merged into the text;
# rejected: voted down; conflict: its clause changed since it was written, so it was not
# merged; withdrawn: by its author; lapsed: never put to the vote before voting began.
AMENDMENT_STATUSES = (
    "proposed",
    "voting",
    "adopted",
    "rejected",
    "conflict",
    "withdrawn",
    "lapsed",
)
REVISION_CAUSES = ("created", "edited", "amendment")

recommendation_proposals = Table(
    "recommendation_proposals",
    metadata,
    Column(
        "recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
)

recommendation_table_notes = Table(
    "recommendation_table_notes",
    metadata,
    Column(
        "recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("table_note_id", ForeignKey("table_notes.id", ondelete="CASCADE"), primary_key=True),
)

recommendation_practices = Table(
    "recommendation_practices",
    metadata,
    Column(
        "recommendation_id", ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("practice_id", ForeignKey("practices.id", ondelete="CASCADE"), primary_key=True),
)


class DraftingProcess(BigIntAuditBase):
    """An assembly's drafting: its phase and schedule, the voting rules and the report's facts.

    Created by the first change a facilitator or drafter makes; until then the defaults hold.
    """

    __tablename__ = "drafting_processes"

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), unique=True
    )
    phase: Mapped[str] = mapped_column(String(20), default="drafting")
    # Planned start of each later phase, ISO 8601 in UTC: {"voting": "2026-12-01T17:00:00+00:00"}
    phase_schedule: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    phase_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    # Shares as exact fractions ("4/5" is 80 %), passed to the voting engine as they are.
    threshold: Mapped[str] = mapped_column(String(20), default="1/2")
    amendment_threshold: Mapped[str] = mapped_column(String(20), default="1/2")
    abstentions: Mapped[str] = mapped_column(String(10), default="excluded")
    ballot_secrecy: Mapped[str] = mapped_column(String(10), default="secret")
    minority_signatures: Mapped[int] = mapped_column(Integer, default=3)
    remit: Mapped[str] = mapped_column(Text, default="")
    commissioned_by: Mapped[str] = mapped_column(String(200), default="")
    meetings: Mapped[int] = mapped_column(Integer, default=0)
    meeting_hours: Mapped[int] = mapped_column(Integer, default=0)
    data_url: Mapped[str] = mapped_column(String(500), default="")
    response_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    report_published_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class Recommendation(BigIntAuditBase):
    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("assembly_id", "number"),)

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Grows with every change of the title or the clauses.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    created_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
    # The final vote, and the revision of the text it was opened on.
    vote_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), nullable=True
    )
    voting_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Clause(BigIntAuditBase):
    """One numbered clause; deleted clauses stay (with ``deleted``) for the history."""

    __tablename__ = "recommendation_clauses"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class RecommendationRevision(BigIntAuditBase):
    """The whole text as it stood after one change."""

    __tablename__ = "recommendation_revisions"
    __table_args__ = (UniqueConstraint("recommendation_id", "revision"),)

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    clauses: Mapped[list[str]] = mapped_column(JsonB, default=list)
    cause: Mapped[str] = mapped_column(String(20), default="created")
    amendment_id: Mapped[int | None] = mapped_column(
        ForeignKey("amendments.id", ondelete="SET NULL"), nullable=True
    )


class Amendment(BigIntAuditBase):
    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("recommendation_id", "number"),)

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    # replace, delete: the clause changed; insert: the clause the new one follows (none: first).
    clause_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation_clauses.id", ondelete="SET NULL"), nullable=True
    )
    # The clause's version and text when the amendment was written.
    base_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    base_text: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(12), default="proposed")
    vote_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), nullable=True
    )
    merged_revision: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MinorityStatement(BigIntAuditBase):
    """A view some members hold against a recommendation, shown once enough have signed."""

    __tablename__ = "minority_statements"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )


class MinoritySignature(BigIntAuditBase):
    __tablename__ = "minority_signatures"
    __table_args__ = (UniqueConstraint("statement_id", "participant_id"),)

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("minority_statements.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
