"""Small normalisers shared by several services."""

from __future__ import annotations

import unicodedata

from slugify import slugify as _slugify


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
