"""Small normalisers shared by several services, and the raw form as the web edge read it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from slugify import slugify as _slugify


@dataclass
class FormData:
    """A form as sent: the first value of each field, and every value of repeated ones."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.values.get(key, default)

    def getlist(self, key: str) -> list[str]:
        return self.lists.get(key, [])

    def strip(self, key: str) -> str:
        return self.get(key).strip()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_text(text: str) -> str:
    """Unicode NFC, Windows line ends folded, outer whitespace removed."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()


def slugify(text: str, fallback: str = "item") -> str:
    """An address part in lower-case ASCII, transliterated from any script and case.

    python-slugify (through text-unidecode) writes "Øya" as ``oya``, "Ærlig" as ``aerlig`` and
    "Łódź" as ``lodz``, and transliterates Cyrillic and Arabic rather than dropping them.
    """
    return _slugify(text, max_length=80, word_boundary=False) or fallback
