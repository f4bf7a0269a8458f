"""Proposals, the pro and con arguments on them, and agree/disagree/pass reactions."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase

PROPOSAL_STATUSES = ("visible", "hidden", "merged")
ARGUMENT_STATUSES = ("visible", "hidden")
STANCES = ("pro", "con")
REACTIONS = ("agree", "disagree", "pass")


class Proposal(BigIntAuditBase):
    __tablename__ = "proposals"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    # Null for proposals a facilitator seeded.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    # The language its author wrote in (empty: the assembly's main language).
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="visible")
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="SET NULL"), nullable=True
    )
    # A budget topic's project cost, in whole units of the assembly's currency: the
    # facilitator's figure is the one counted; the author's estimate only informs it.
    cost: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    estimated_cost: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Argument(BigIntAuditBase):
    __tablename__ = "arguments"

    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    stance: Mapped[str] = mapped_column(String(3))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="visible")
    moderation_reason: Mapped[str] = mapped_column(Text, default="")


class Reaction(BigIntAuditBase):
    __tablename__ = "reactions"
    __table_args__ = (
        UniqueConstraint("participant_id", "proposal_id"),
        # Covers the per-proposal counts a topic page shows, without reading the rows.
        Index("ix_reactions_proposal_reaction", "proposal_id", "reaction"),
    )

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    reaction: Mapped[str] = mapped_column(String(10))
