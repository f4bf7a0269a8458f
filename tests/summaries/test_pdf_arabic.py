"""PDFs in Arabic: the embedded font joins the letters (HarfBuzz shaping) and aligns right."""

from __future__ import annotations

from reportlab.lib.enums import TA_RIGHT
from reportlab.pdfbase.ttfonts import shapeStr

from assembly.summaries.fonts import FONT, register_fonts
from assembly.summaries.pdf import _styles


def test_arabic_letters_are_shaped_with_the_embedded_font() -> None:
    register_fonts()
    shaped = shapeStr("سلام", FONT, 10)
    glyphs = [int(g[0]) for g in shaped.__shapeData__]  # type: ignore[attr-defined]
    # Four letters, three glyphs: lam and alef join into one ligature, as Arabic is written.
    assert len(glyphs) == 3


def test_arabic_paragraphs_shape_and_align_right() -> None:
    arabic, english = _styles("ar"), _styles("en")
    assert arabic["BodyText"].shaping == 1
    assert arabic["BodyText"].alignment == TA_RIGHT
    assert english["BodyText"].shaping == 0
