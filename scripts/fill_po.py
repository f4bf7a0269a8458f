"""Fill a language's catalogue from a JSON mapping of translations, a chunk at a time.

    python scripts/fill_po.py LOCALE MAPPING.json [MAPPING2.json ...]

Each mapping is ``{msgid: translation}``; a message with plural forms takes a list with as
many forms as the language has (Babel's CLDR rules: 2 for nb, nn; 3 for pl, uk; 6 for ar).
The catalogue is created from ``messages.pot`` when missing, and keeps what it already has:
only the messages a mapping names are written, so chunks of a few hundred can follow one
another. Messages that are still empty are listed at the end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent / "assembly" / "translations"


def load(locale: str) -> Catalog:
    po = ROOT / locale / "LC_MESSAGES" / "messages.po"
    with (ROOT / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    else:
        catalog = Catalog(locale=locale, project="Assembly")
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def fill(locale: str, mappings: list[dict[str, object]]) -> list[str]:
    catalog = load(locale)
    forms = get_plural(locale).num_plurals
    for mapping in mappings:
        for msgid, text in mapping.items():
            key = msgid
            message = catalog.get(key)
            if message is None:
                # A plural message is keyed by its singular.
                message = next(
                    (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None
                )
            if message is None:
                print(f"not in the template: {msgid!r}", file=sys.stderr)
                continue
            if isinstance(message.id, tuple):
                values = list(text) if isinstance(text, list) else [str(text)]
                values += [values[-1]] * (forms - len(values))
                message.string = tuple(values[:forms])
            else:
                message.string = str(text[0] if isinstance(text, list) else text)
            message.flags.discard("fuzzy")
    po = ROOT / locale / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
    return [
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


def main(argv: list[str]) -> int:
    locale, *files = argv
    mappings = [json.loads(Path(f).read_text(encoding="utf-8")) for f in files]
    missing = fill(locale, mappings)
    print(f"{locale}: {len(missing)} messages still empty")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
