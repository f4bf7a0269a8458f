"""Every string the interface shows is translated into every language, and languages negotiate."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from assembly.i18n import (
    LANGUAGES,
    TRANSLATIONS_DIR,
    choose_language,
    needs_review,
    plural_forms,
    review_status,
    text_direction,
)
from assembly.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _extracted() -> set[str]:
    found: set[str] = set()
    method_map = [("**.py", "python")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT / "assembly"), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT / "templates"),
        method_map=[("**.html", "jinja2")],
        keywords=KEYWORDS,
        options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return {m for m in found if m}


def _catalogue(locale: str) -> dict[str, object]:
    path = Path(TRANSLATIONS_DIR) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): m.string
        for m in catalog
        if m.id and not m.fuzzy
    }


TRANSLATED = [code for code in LANGUAGES if code != "en"]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_translates_every_string(locale: str) -> None:
    path = Path(TRANSLATIONS_DIR) / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{locale} has no catalogue; see docs/translating.md"
    catalogue = _catalogue(locale)
    missing = sorted(
        m
        for m in _extracted()
        if not catalogue.get(m) or (isinstance(catalogue[m], tuple) and not all(catalogue[m]))  # type: ignore[arg-type]
    )
    assert missing == [], f"{len(missing)} strings lack a {locale} translation; run `make i18n`"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_uses_the_languages_plural_rules(locale: str) -> None:
    path = Path(TRANSLATIONS_DIR) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    forms = get_plural(locale).num_plurals
    assert catalog.num_plurals == forms
    for message in catalog:
        if isinstance(message.id, tuple) and message.string:
            assert len(message.string) == forms, message.id


def test_arabic_has_six_plural_forms_and_reads_right_to_left() -> None:
    assert plural_forms("ar") == 6
    assert plural_forms("pl") == plural_forms("uk") == 3
    assert plural_forms("nn") == plural_forms("so") == 2
    assert text_direction("ar") == "rtl"
    assert all(text_direction(code) == "ltr" for code in LANGUAGES if code != "ar")


def test_new_catalogues_await_a_native_reviewer() -> None:
    assert set(review_status()) == set(TRANSLATED)
    assert not needs_review("en")
    assert not needs_review("nb")
    assert all(needs_review(code) for code in ("nn", "pl", "uk", "ar", "so"))


def test_language_negotiation() -> None:
    assert choose_language("nb", "en") == "nb"
    assert choose_language(None, "nb-NO,nb;q=0.9,en;q=0.8") == "nb"
    assert choose_language(None, "no") == "nb"
    assert choose_language(None, "nn-NO,nn;q=0.9") == "nn"
    assert choose_language(None, "ar-SA,ar;q=0.9,en;q=0.5") == "ar"
    assert choose_language(None, "uk,ru;q=0.5") == "uk"
    assert choose_language("so", "en") == "so"
    assert choose_language(None, "de-DE,en;q=0.5") == "en"
    assert choose_language("xx", None, "nb") == "nb"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_placeholder(locale: str) -> None:
    import re

    path = Path(TRANSLATIONS_DIR) / locale / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        pytest.fail(f"{locale} has no catalogue")
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    placeholder = re.compile(r"%\((\w+)\)[sd]")
    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1])) - {"num"}
        for text in strings:
            if text and not wanted <= set(placeholder.findall(text)) | set(
                placeholder.findall(ids[0])
            ):
                broken.append(ids[0])
    assert broken == []
