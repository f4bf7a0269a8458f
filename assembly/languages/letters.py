"""Which language each invitation letter speaks, and who answered in which language.

Pure: no web or database code. A sortition pool may carry a language column (``language``,
``språk``, ``lang``); its values may be codes ("ar") or names in English, Norwegian or the
language itself ("Arabic", "arabisk", "العربية").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale

from assembly.i18n import LANGUAGES

LANGUAGE_COLUMNS = ("language", "språk", "sprak", "lang", "målform")


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for code in LANGUAGES:
        names[code] = code
        for reader in ("en", "nb", "nn", code):
            name = Locale.parse(code).get_display_name(reader)
            if name:
                names[name.casefold()] = code
        names[LANGUAGES[code].casefold()] = code
    # Plain "norsk" (Norwegian) is read as Bokmål, as most Norwegians write it.
    names.update({"norsk": "nb", "norwegian": "nb", "no": "nb", "nynorsk": "nn", "bokmål": "nb"})
    return names


def language_code(value: object) -> str | None:
    """The interface language a pool cell names, or None when it names none we have."""
    text = str(value or "").strip().casefold()
    if not text:
        return None
    return _names().get(text) or _names().get(text.split("-")[0].split("_")[0])


def language_column(features: Mapping[str, Any]) -> str | None:
    for name in features:
        if str(name).strip().casefold() in LANGUAGE_COLUMNS:
            return str(name)
    return None


def letter_language(features: Mapping[str, Any], default: str) -> str:
    """The language a recipient's letter is printed in: their pool row's, else the default."""
    column = language_column(features)
    found = language_code(features.get(column)) if column else None
    return found or default


@dataclass(frozen=True, slots=True)
class AnswerRate:
    language: str
    invited: int
    joined: int
    #: False when the group is smaller than the small-cell threshold: counts are withheld.
    shown: bool

    @property
    def rate(self) -> float:
        return self.joined / self.invited if self.invited else 0.0


def answer_rates(
    members: Iterable[tuple[Mapping[str, Any], bool]], default: str, k: int = 5
) -> list[AnswerRate]:
    """Per letter language: how many were invited and how many joined (``(features, joined)``).

    A group of fewer than ``k`` people is listed without its counts (the small-cell rule).
    """
    invited: dict[str, int] = {}
    joined: dict[str, int] = {}
    for features, has_joined in members:
        code = letter_language(features, default)
        invited[code] = invited.get(code, 0) + 1
        joined[code] = joined.get(code, 0) + int(has_joined)
    order = {code: i for i, code in enumerate(LANGUAGES)}
    return [
        AnswerRate(code, invited[code], joined[code], invited[code] >= k)
        for code in sorted(invited, key=lambda c: order.get(c, 99))
    ]
