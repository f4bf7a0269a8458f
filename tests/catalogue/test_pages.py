"""Public catalogue pages show every spotlight area and practice, in English and Bokmål."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from assembly.catalogue.data import load_catalogue

CATALOGUE = load_catalogue()


@pytest.mark.parametrize("locale", ["en", "nb"])
def test_home_lists_areas_and_every_practice(client: TestClient[Any], locale: str) -> None:
    response = client.get("/", headers={"accept-language": locale})
    assert response.status_code == 200
    assert f'<html lang="{locale}" dir="ltr">' in response.text
    for area in CATALOGUE.areas:
        name = area.name_nb if locale == "nb" else area.name_en
        assert f"/areas/{area.slug}" in response.text
        assert name.replace("'", "&#39;") in response.text
    for practice in CATALOGUE.practices:
        assert f'href="/practices/{practice.slug}"' in response.text


def test_practices_filter_by_area_and_kind(client: TestClient[Any]) -> None:
    area = CATALOGUE.areas[2].slug
    response = client.get(f"/practices?area={area}")
    expected = [p for p in CATALOGUE.practices if area in p.areas]
    assert response.text.count('class="card practice-card"') == len(expected)
    response = client.get("/practices?kind=national_practice")
    assert response.text.count('class="card practice-card"') == len(
        [p for p in CATALOGUE.practices if p.kind == "national_practice"]
    )
    # Unknown filters are ignored rather than failing.
    assert client.get("/practices?area=nowhere&kind=nothing").status_code == 200


def test_practice_and_area_pages(client: TestClient[Any]) -> None:
    response = client.get("/practices/wigan-deal", headers={"accept-language": "nb"})
    assert response.status_code == 200
    practice = CATALOGUE.practice("wigan-deal") if hasattr(CATALOGUE, "practice") else None
    if practice is not None:
        assert practice.title_nb in response.text
    assert client.get("/practices/no-such-practice").status_code == 404
    assert client.get(f"/areas/{CATALOGUE.areas[0].slug}").status_code == 200
    assert client.get("/areas/no-such-area").status_code == 404
