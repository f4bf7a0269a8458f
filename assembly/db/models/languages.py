"""Translations of an assembly's texts into its offered languages.

A facilitator's text (the assembly's description, a topic's question and background, a
recommendation, a questionnaire item) is written in the assembly's main language; a citizen's
proposal or argument in whatever language its author marked. Each translation is one row, for
one field of one subject in one language, with the role of whoever wrote it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assembly.db.models.base import BigIntAuditBase

#: What can be translated, and which of its fields.
TRANSLATABLE: dict[str, tuple[str, ...]] = {
    "assembly": ("description",),
    "topic": ("question", "background"),
    "proposal": ("title", "body"),
    "argument": ("body",),
    "recommendation": ("title", "rationale"),
    # Questionnaire items are translated by the same rows once questionnaires exist.
    "questionnaire_item": ("text",),
}
TRANSLATOR_ROLES = ("facilitator", "translator")


class ContentTranslation(BigIntAuditBase):
    __tablename__ = "content_translations"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "field", "language"),)

    assembly_id: Mapped[int] = mapped_column(
        ForeignKey("assemblies.id", ondelete="CASCADE"), index=True
    )
    subject_kind: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    field: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # "facilitator" (an account) or "translator" (a participant the facilitators asked).
    author_role: Mapped[str] = mapped_column(String(20))
    author_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), nullable=True
    )
    author_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), nullable=True
    )
