"""The commissioning body's answer to an assembly's recommendations, and what became of them.

Nothing here is ever changed in place: a new version of a response or a status update is a new
row, so every earlier version stays readable by the public.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, JsonB

RESPONSE_STANCES = ("accepted", "accepted_in_part", "not_accepted", "under_consideration")
PROGRESS_STATES = ("planned", "in_progress", "partly_implemented", "implemented", "not_pursued")


class ResponderGrant(BigIntAuditBase):
    """A responder's right to answer one assembly's recommendations."""

    __tablename__ = "responder_grants"
    __table_args__ = (UniqueConstraint("assembly_id", "account_id"),)

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class RecommendationResponse(BigIntAuditBase):
    """One version of the response to a recommendation; the highest version is in force."""

    __tablename__ = "recommendation_responses"
    __table_args__ = (UniqueConstraint("recommendation_id", "version"),)

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    stance: Mapped[str] = mapped_column(String(24))
    reasoning: Mapped[str] = mapped_column(Text)
    promised_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class StatusUpdate(BigIntAuditBase):
    """One version of a status update; updates are numbered per recommendation."""

    __tablename__ = "status_updates"
    __table_args__ = (UniqueConstraint("recommendation_id", "number", "version"),)

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    progress: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    happened_on: Mapped[dt.date] = mapped_column(Date)
    # Links to evidence (decisions, budgets, reports), as a list of URLs.
    evidence: Mapped[list[str]] = mapped_column(JsonB, default=list)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
