"""Translations (English, Norwegian Bokmål) and the current request's language.

The catalogues are read from the ``.po`` files at start-up and compiled in memory, so a fresh
clone needs no build step before ``make run``.
"""

from __future__ import annotations

import contextvars
import io
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
LANGUAGES: dict[str, str] = {"en": "English", "nb": "Norsk bokmål"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "assembly_lang"

current_locale: contextvars.ContextVar[str] = contextvars.ContextVar(
    "assembly_locale", default=DEFAULT_LANGUAGE
)


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
        # Norwegian without a variant (no, nn) is served in Bokmål: the closest we have.
        aliases = {"no": "nb", "nn": "nb", "nb-no": "nb", "no-no": "nb"}
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


def locale_names(codes: Iterable[str]) -> dict[str, str]:
    return {code: Locale.parse(code).get_display_name(code) or code for code in codes}
