"""Addresses made from titles keep what Norwegian and other letters mean."""

from __future__ import annotations

import pytest

from assembly.forms_common import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Øya", "oya"),
        ("Ærlig talt", "aerlig-talt"),
        ("ØYA BYDEL", "oya-bydel"),
        ("Blåbær på Åsen", "blabaer-pa-asen"),
        ("Łódź i Kraków", "lodz-i-krakow"),
        ("Київ", "kiiv"),
        ("Straße 5", "strasse-5"),
        ("  Hvor skal   parken ligge?  ", "hvor-skal-parken-ligge"),
    ],
)
def test_titles_become_readable_addresses(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_title_with_no_letters_gets_the_fallback() -> None:
    assert slugify("👍 !!", fallback="topic") == "topic"
    assert slugify("", fallback="assembly") == "assembly"


def test_an_address_stays_short() -> None:
    slug = slugify("ord " * 60)
    assert len(slug) <= 80
    assert not slug.endswith("-")
