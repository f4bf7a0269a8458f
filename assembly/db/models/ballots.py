"""Ballots and the separate record of who has voted.

A secret ballot carries no participant, no timestamp and a random (not time-ordered) id, so
nothing in the tables links it to the ``ballot_voters`` row that prevents double voting.
On SQLite the table is WITHOUT ROWID, so not even the storage order follows the voting order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntBase, DateTimeUTC, JsonB, UUIDBase

BALLOT_CHANNELS = ("online", "paper")


class Ballot(UUIDBase):
    __tablename__ = "ballots"
    __table_args__ = (
        # The summary's version check reads the latest ballot of a topic on every view.
        Index("ix_ballots_topic_cast", "topic_id", "cast_at"),
        {"sqlite_with_rowid": False},
    )

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    content: Mapped[Any] = mapped_column(JsonB)
    # sha256 of the receipt code; the code itself is shown once to the voter.
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="online")
    secrecy: Mapped[str] = mapped_column(String(10))
    # Only for open ballots.
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
    cast_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)


class BallotVoter(BigIntBase):
    """Who has voted on a topic: the one guard against double voting."""

    __tablename__ = "ballot_voters"
    __table_args__ = (UniqueConstraint("topic_id", "participant_id"),)

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
