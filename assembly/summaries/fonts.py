"""The font embedded in every PDF, and text made drawable with it.

The PDFs embed DejaVu Sans (shipped in ``assembly/fonts``, Bitstream Vera licence), so that
Norwegian letters, typographic signs and the check mark a page uses print as they look on
screen, on any machine and in any PDF reader. reportlab draws glyphs, not fallbacks: a
character the font lacks, such as an emoji, would print as a black box, so it is written out
as its Unicode name in brackets instead ("[thumbs up sign]").
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from reportlab.graphics.shapes import STATE_DEFAULTS
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "AssemblySans"
FONT_BOLD = "AssemblySans-Bold"
FONT_ITALIC = "AssemblySans-Oblique"

_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
}


@cache
def register_fonts() -> frozenset[int]:
    """Register the family once per process; return the code points the regular face draws."""
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    # <b> and <i> in paragraphs pick the matching face; there is no bold oblique face.
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, FONT_BOLD)
    addMapping(FONT, 0, 1, FONT_ITALIC)
    addMapping(FONT, 1, 1, FONT_BOLD)
    # Drawings start from reportlab's default graphics state, which names Helvetica.
    STATE_DEFAULTS["fontName"] = FONT
    face = pdfmetrics.getFont(FONT).face
    return frozenset(face.charToGlyph)


def drawable(text: object) -> str:
    """The text, with every character the font cannot draw written out by name."""
    value = str(text)
    covered = register_fonts()
    if all(ord(char) in covered or char in "\n\t" for char in value):
        return value
    # Some emoji: drop what only binds them (joiners, skin tones), name each one.
    out = []
    for char in value:
        if char in "\n\t":
            out.append(char)
        elif unicodedata.category(char) == "Cf" or 0x1F3FB <= ord(char) <= 0x1F3FF:
            continue  # joiners and skin tones bind emoji together; alone they say nothing
        elif ord(char) in covered:
            out.append(char)
        elif unicodedata.category(char) in ("Mn", "Me"):
            continue  # a variation selector or mark the font lacks adds no word
        else:
            out.append(f"[{unicodedata.name(char, 'symbol').lower()}]")
    return "".join(out)
