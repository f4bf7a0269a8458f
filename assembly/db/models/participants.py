"""Participants (citizens, by pseudonym) and the invite codes they join with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB

JOINED_VIA = ("invite", "paper", "panel")
# Roles a facilitator can give a participant within their assembly: a drafter writes
# recommendations, a table host runs a table's discussion on the evening.
PARTICIPANT_ROLES = ("drafter", "table_host", "translator")
CHANNELS = ("online", "paper")


def _key_of_inserted(context: Any) -> str:
    return pseudonym_key(str(context.get_current_parameters()["pseudonym"]))


class Participant(BigIntAuditBase):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("assembly_id", "pseudonym"),
        # Names are unique ignoring case; an index on the folded name lets a join check it
        # without reading every participant of the assembly.
        Index("ix_participants_pseudonym_key", "assembly_id", "pseudonym_key", unique=True),
        # The summary's version check reads the latest change in the assembly on every view.
        Index("ix_participants_assembly_updated", "assembly_id", "updated_at"),
    )

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    pseudonym: Mapped[str] = mapped_column(String(60))
    # The pseudonym case-folded (Unicode, so "Ærlig" and "ærlig" match): kept by ``_fold``
    # for the ORM, and filled from the pseudonym by a bulk INSERT that leaves it out.
    pseudonym_key: Mapped[str] = mapped_column(String(180), default=_key_of_inserted)
    joined_via: Mapped[str] = mapped_column(String(20), default="invite")
    channel: Mapped[str] = mapped_column(String(10), default="online")
    # None: not asked yet; False: declined; True: consented and answered.
    demographics_consent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    demographics: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    # Set when the person withdrew (or the assembly's personal data was erased): the
    # pseudonym is replaced and the answers removed; what they wrote and voted stays.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)

    @validates("pseudonym")
    def _fold(self, _key: str, pseudonym: str) -> str:
        self.pseudonym_key = pseudonym_key(pseudonym)
        return pseudonym


def pseudonym_key(pseudonym: str) -> str:
    """What two pseudonyms must not share in one assembly: the name without case."""
    return pseudonym.casefold()


class ParticipantRole(BigIntAuditBase):
    """A role given to a participant in their own assembly, by one of its facilitators."""

    __tablename__ = "participant_roles"
    __table_args__ = (UniqueConstraint("participant_id", "role"),)

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class InviteCode(BigIntAuditBase):
    __tablename__ = "invite_codes"

    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    # A facilitator's own note for the letter ("table 3", a name); never exported.
    label: Mapped[str] = mapped_column(String(200), default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
