"""Translations and the current request's language.

English, Norwegian Bokmål and Nynorsk, Polish, Ukrainian, Arabic (right to left) and Somali.
A catalogue that no native speaker has signed off yet is marked for review in the language
menu; ``translations/status.toml`` records who reviewed which (see docs/translating.md).

The catalogues are read from the ``.po`` files at start-up and compiled in memory, so a fresh
clone needs no build step before ``make run``.
"""

from __future__ import annotations

import contextvars
import io
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_name
from babel.support import LazyProxy, NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: Every interface language, named in itself (the menu shows each in its own script).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "pl": "Polski",
    "uk": "Українська",
    "ar": "العربية",
    "so": "Soomaali",
}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "assembly_lang"
EASY_READ_COOKIE = "assembly_easy"
STATUS_FILE = TRANSLATIONS_DIR / "status.toml"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "assembly_locale", default=DEFAULT_LANGUAGE
)
#: The reader asked for easy-read (klarspråk) citizen pages: short sentences, key steps only.
easy_read: contextvars.ContextVar[bool] = contextvars.ContextVar("assembly_easy", default=False)


@cache
def translations_for(locale: str) -> NullTranslations:
    po_file = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LANGUAGE or not po_file.exists():
        return NullTranslations()
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext(message: str, **variables: Any) -> str:
    text = translations_for(current_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations_for(current_locale.get()).ngettext(singular, plural, n)
    variables.setdefault("num", n)
    return text % variables


def template_ngettext(singular: str, plural: str, n: int) -> str:
    """The translated form, unformatted: Jinja's i18n extension fills in every variable."""
    return translations_for(current_locale.get()).ngettext(singular, plural, n)


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    """A message translated when it is shown, in the language of the request showing it."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def choose_language(
    chosen: str | None, accept_language: str | None, default: str = DEFAULT_LANGUAGE
) -> str:
    """The user's explicit choice first, then the browser's Accept-Language, then the default."""
    if chosen in LANGUAGES:
        return chosen
    if accept_language:
        preferred = _parse_accept_language(accept_language)
        # Norwegian without a variant is served in Bokmål, as most Norwegians write it.
        aliases = {"no": "nb", "nb-no": "nb", "no-no": "nb", "nn-no": "nn"}
        preferred = [aliases.get(p.lower(), p) for p in preferred]
        found = negotiate_locale(preferred, list(LANGUAGES), sep="-")
        if found:
            return found
    return default if default in LANGUAGES else DEFAULT_LANGUAGE


def _parse_accept_language(header: str) -> list[str]:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            weighted.append((-quality, index, tag.strip()))
    return [tag for _q, _i, tag in sorted(weighted)]


def format_datetime(value: Any, time_zone: str = "Europe/Oslo", fmt: str = "medium") -> str:
    if value is None:
        return ""
    return babel_format_datetime(
        value, fmt, tzinfo=ZoneInfo(time_zone), locale=current_locale.get()
    )


def format_clock(value: Any, time_zone: str = "Europe/Oslo") -> str:
    """The time of day alone (14:05, 2:05 PM), in the time zone and the reader's language."""
    if value is None:
        return ""
    return babel_format_time(
        value, "short", tzinfo=ZoneInfo(time_zone), locale=current_locale.get()
    )


def format_number(value: float, digits: int = 0) -> str:
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt, locale=current_locale.get())


def format_money(value: float | None, currency: str = "NOK") -> str:
    """An amount in the reader's locale: "kr 12 000" for nb, "NOK 12,000" for en.

    Budgets are counted in whole units, so no decimals are shown unless the amount has them.
    """
    if value is None:
        return ""
    locale = current_locale.get()
    if not float(value).is_integer():
        return format_currency(value, currency, locale=locale)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    whole = ";".join(part.replace(".00", "") for part in pattern.split(";"))
    return format_currency(value, currency, format=whole, locale=locale, currency_digits=False)


def currency_name(code: str) -> str:
    return str(get_currency_name(code, locale=current_locale.get()))


class Money:
    """An amount formatted only when shown, so a lazy message reads in the reader's locale."""

    def __init__(self, value: float, currency: str) -> None:
        self.value, self.currency = value, currency

    def __str__(self) -> str:
        return format_money(self.value, self.currency)


def language_name(code: str) -> str:
    return LANGUAGES.get(code, code)


def display_language(code: str) -> str:
    """The language's name in the reader's language ("Arabic", "arabisk")."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(current_locale.get()) or code
    except (ValueError, TypeError):
        return code


def language_options() -> list[tuple[str, str]]:
    """(code, name) for a language menu in a form: each named in the reader's language."""
    return [(code, display_language(code)) for code in LANGUAGES]


def text_direction(code: str) -> str:
    """``rtl`` for languages written right to left, else ``ltr`` (the ``dir`` attribute)."""
    return "rtl" if code.split("-")[0] in RIGHT_TO_LEFT else "ltr"


@cache
def review_status() -> dict[str, dict[str, Any]]:
    """Each catalogue's review record from ``status.toml``: ``reviewed``, ``reviewer``, ``date``."""
    if not STATUS_FILE.exists():
        return {}
    with STATUS_FILE.open("rb") as handle:
        return {code: dict(entry) for code, entry in tomllib.load(handle).items()}


def needs_review(code: str) -> bool:
    """True until a native speaker has signed the catalogue off (English is the source)."""
    if code == DEFAULT_LANGUAGE:
        return False
    return not bool(review_status().get(code, {}).get("reviewed", False))


def plural_forms(code: str) -> int:
    """How many plural forms the language has, by Babel's (CLDR's) rules: 6 for Arabic."""
    from babel.messages.plurals import get_plural

    return int(get_plural(code).num_plurals)


def locale_names(codes: Iterable[str]) -> dict[str, str]:
    return {code: Locale.parse(code).get_display_name(code) or code for code in codes}
