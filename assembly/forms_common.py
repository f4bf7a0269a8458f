"""Small normalisers shared by several services."""

from __future__ import annotations

import re
import unicodedata

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_text(text: str) -> str:
    """Unicode NFC, Windows line ends folded, outer whitespace removed."""
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()


def slugify(text: str, fallback: str = "item") -> str:
    folded = (
        unicodedata.normalize("NFKD", text.replace("æ", "ae").replace("ø", "o").replace("å", "a"))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    slug = _SLUG_STRIP.sub("-", folded).strip("-")[:80].strip("-")
    return slug or fallback
