"""Research questionnaires: versions of a questionnaire and each participant's answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase, DateTimeUTC, JsonB

WAVES = ("pre", "meeting", "topic", "post", "followup")
QUESTIONNAIRE_STATUSES = ("draft", "open", "closed")
RESPONSE_STATUSES = ("draft", "submitted")


class Questionnaire(BigIntAuditBase):
    """One version of a questionnaire. Versions of the same questionnaire share ``series``;
    a version that has answers is never edited, a new version is made instead."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("assembly_id", "series", "version"),)

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    series: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    wave: Mapped[str] = mapped_column(String(10), default="pre")
    # The meeting or topic after which the wave is asked (none for pre, post and follow-up).
    wave_ref: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    # Texts by locale ({"en": ..., "nb": ...}), so any assembly language fits.
    title: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    intro: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    consent_text: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    source: Mapped[str] = mapped_column(String(300), default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    # Item keys a facilitator chose to show in the assembly's summary.
    summary_items: Mapped[list[str]] = mapped_column(JsonB, default=list)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )


class QuestionnaireResponse(BigIntAuditBase):
    """A participant's consent and answers to one version; a draft until submitted."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (UniqueConstraint("questionnaire_id", "participant_id"),)

    questionnaire_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaires.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    consent: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    consent_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC, nullable=True)
    channel: Mapped[str] = mapped_column(String(10), default="web")
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
