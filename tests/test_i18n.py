"""Every string the interface shows has a Norwegian Bokmål translation, and languages negotiate."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from assembly.i18n import TRANSLATIONS_DIR, choose_language
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


def test_norwegian_catalogue_translates_every_string() -> None:
    catalogue = _catalogue("nb")
    missing = sorted(
        m
        for m in _extracted()
        if not catalogue.get(m) or (isinstance(catalogue[m], tuple) and not all(catalogue[m]))  # type: ignore[arg-type]
    )
    assert missing == [], f"{len(missing)} strings lack a Bokmål translation; run `make i18n`"


def test_language_negotiation() -> None:
    assert choose_language("nb", "en") == "nb"
    assert choose_language(None, "nb-NO,nb;q=0.9,en;q=0.8") == "nb"
    assert choose_language(None, "no") == "nb"
    assert choose_language(None, "de-DE,en;q=0.5") == "en"
    assert choose_language("xx", None, "nb") == "nb"
