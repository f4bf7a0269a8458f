"""Offered languages and translations of an assembly's texts.

Facilitator texts are written in the assembly's main language and translated into its offered
languages. Citizens write in any interface language and mark which; a facilitator or a
participant with the translator role may add a translation, which is shown as one, with the
role of whoever wrote it. A reader whose language has no translation sees the original, with
a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import (
    TRANSLATABLE,
    TRANSLATOR_ROLES,
    Argument,
    Assembly,
    ContentTranslation,
    Proposal,
    Topic,
)
from assembly.errors import InvalidInput, NotFound
from assembly.i18n import LANGUAGES, _l, current_locale, text_direction

ROLE_LABELS = {"facilitator": _l("a facilitator"), "translator": _l("a volunteer translator")}
TEXT_LIMIT = 20_000


def assembly_languages(assembly: Assembly) -> list[str]:
    """The main language first, then the offered ones, each once."""
    seen = [assembly.language]
    for code in assembly.offered_languages or []:
        if code in LANGUAGES and code not in seen:
            seen.append(code)
    return seen


def parse_offered_languages(values: list[str], main: str) -> list[str]:
    unknown = [v for v in values if v not in LANGUAGES]
    if unknown:
        raise InvalidInput({"offered_languages": _l("Choose languages from the list.")})
    return [code for code in LANGUAGES if code in values and code != main]


@dataclass(frozen=True, slots=True)
class Shown:
    """A text as one reader sees it."""

    text: str
    language: str
    #: True when the reader's language has no translation, so the original is shown.
    untranslated: bool
    #: The translator's role label when ``text`` is a translation, else None.
    translated_by: Any = None
    original: str = ""
    original_language: str = ""

    @property
    def direction(self) -> str:
        return text_direction(self.language)


class TranslationIndex:
    """Every translation of one assembly, looked up while a page is drawn (one query)."""

    def __init__(self, assembly: Assembly, rows: list[ContentTranslation], reader: str) -> None:
        self.assembly = assembly
        self.reader = reader
        self.multilingual = bool(assembly.offered_languages)
        self._rows = {(r.subject_kind, r.subject_id, r.field, r.language): r for r in rows}

    def show(
        self, kind: str, subject_id: int, field: str, original: str, language: str = ""
    ) -> Shown:
        written_in = language or self.assembly.language
        if not original or written_in == self.reader:
            return Shown(original, written_in, False)
        row = self._rows.get((kind, subject_id, field, self.reader))
        if row is not None:
            return Shown(
                row.text,
                self.reader,
                False,
                ROLE_LABELS.get(row.author_role, row.author_role),
                original,
                written_in,
            )
        # Citizens' own texts are not promised in every language; facilitator texts are.
        offered = self.reader in assembly_languages(self.assembly)
        untranslated = self.multilingual and offered and kind not in ("proposal", "argument")
        return Shown(original, written_in, untranslated)

    def existing(self, kind: str, subject_id: int, field: str, language: str) -> str:
        row = self._rows.get((kind, subject_id, field, language))
        return row.text if row else ""


async def index_for(db: AsyncSession, assembly: Assembly, reader: str) -> TranslationIndex:
    rows = list(
        await db.scalars(
            select(ContentTranslation).where(ContentTranslation.assembly_id == assembly.id)
        )
    )
    return TranslationIndex(assembly, rows, reader)


async def _subject_language(
    db: AsyncSession, assembly: Assembly, kind: str, subject_id: int
) -> str:
    """The language the subject was written in; NotFound unless it belongs to the assembly."""
    if kind == "assembly":
        if subject_id != assembly.id:
            raise NotFound()
        return assembly.language
    if kind == "topic":
        topic = await db.get(Topic, subject_id)
        if topic is None or topic.assembly_id != assembly.id:
            raise NotFound()
        return assembly.language
    if kind in ("proposal", "argument"):
        item: Proposal | Argument | None
        if kind == "proposal":
            item = await db.get(Proposal, subject_id)
            topic_id = item.topic_id if item else None
        else:
            item = await db.get(Argument, subject_id)
            parent = await db.get(Proposal, item.proposal_id) if item else None
            topic_id = parent.topic_id if parent else None
        topic = await db.get(Topic, topic_id) if topic_id else None
        if item is None or topic is None or topic.assembly_id != assembly.id:
            raise NotFound()
        return item.language or assembly.language
    # Recommendations and questionnaire items carry their own checks where they are built.
    return assembly.language


async def save_translations(
    db: AsyncSession,
    assembly: Assembly,
    *,
    kind: str,
    subject_id: int,
    language: str,
    texts: dict[str, str],
    author_role: str,
    account_id: int | None = None,
    participant_id: int | None = None,
) -> list[ContentTranslation]:
    """Write (or replace) the translations of one subject's fields; an empty text removes one.

    Every field is checked before anything is written, so a refused form stores nothing.
    """
    if kind not in TRANSLATABLE or not texts or any(f not in TRANSLATABLE[kind] for f in texts):
        raise InvalidInput({"": _l("This text cannot be translated.")})
    if author_role not in TRANSLATOR_ROLES:
        raise InvalidInput(
            {"": _l("Only facilitators and volunteer translators add translations.")}
        )
    if language not in LANGUAGES:
        raise InvalidInput({"language": _l("Choose languages from the list.")})
    written_in = await _subject_language(db, assembly, kind, subject_id)
    if language == written_in:
        raise InvalidInput({"language": _l("The text is already written in this language.")})
    cleaned = {field: text.strip() for field, text in texts.items()}
    if any(len(text) > TEXT_LIMIT for text in cleaned.values()):
        raise InvalidInput({"": _l("The translation is too long.")})
    existing = {
        row.field: row
        for row in await db.scalars(
            select(ContentTranslation).where(
                ContentTranslation.subject_kind == kind,
                ContentTranslation.subject_id == subject_id,
                ContentTranslation.language == language,
            )
        )
    }
    saved = []
    for field, text in cleaned.items():
        row = existing.get(field)
        if not text:
            if row is not None:
                await db.delete(row)
            continue
        row = row or ContentTranslation(
            assembly_id=assembly.id, subject_kind=kind, subject_id=subject_id, field=field
        )
        row.language = language
        row.text = text
        row.author_role = author_role
        row.author_account_id = account_id
        row.author_participant_id = participant_id
        db.add(row)
        saved.append(row)
    await db.flush()
    return saved


async def set_offered_languages(db: AsyncSession, assembly: Assembly, values: list[str]) -> None:
    assembly.offered_languages = parse_offered_languages(values, assembly.language)
    await db.flush()


def shown_in_context(
    translations: TranslationIndex | None,
    kind: str,
    subject_id: int,
    field: str,
    text: str,
    language: str = "",
) -> Shown:
    """What a template shows; without an index (a page of one language) the text as written."""
    if translations is None:
        return Shown(text, language or current_locale.get(), False)
    return translations.show(kind, subject_id, field, text, language)
