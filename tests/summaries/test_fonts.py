"""Text made drawable with the PDFs' embedded font."""

from __future__ import annotations

from assembly.summaries.fonts import drawable, register_fonts


def test_the_font_draws_norwegian_letters_and_the_signs_pages_use() -> None:
    covered = register_fonts()
    for char in "æøåÆØÅ✔✗–—…≥≤≈→−€«»":
        assert ord(char) in covered, char
    assert drawable("Blåbær ✔ ≥ 5 kr") == "Blåbær ✔ ≥ 5 kr"


def test_emoji_fall_back_to_their_names() -> None:
    assert drawable("Bra 👍") == "Bra [thumbs up sign]"
    # Skin tones, joiners and variation selectors add no word of their own.
    assert drawable("👍🏽") == "[thumbs up sign]"
    assert drawable("Takk 🙏") == "Takk [person with folded hands]"
    assert drawable("👩\u200d🌾") == "[woman][ear of rice]"
