"""The privacy notice, the accessibility statement and the about page: in every language,
linked from every page, and filled from the operator's settings (or plainly unfinished)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar.testing import TestClient

from assembly.i18n import LANGUAGE_COOKIE
from assembly.settings import Settings

PAGES = {
    "/privacy": {"en": "Privacy notice", "nb": "Personvernerklæring"},
    "/accessibility": {"en": "Accessibility statement", "nb": "Tilgjengelighetserklæring"},
    "/about": {"en": "About and contact", "nb": "Om og kontakt"},
}


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_legal_pages_in_each_language_say_what_is_still_to_be_filled_in(
    client: TestClient[Any], lang: str
) -> None:
    client.cookies.set(LANGUAGE_COOKIE, lang)
    unfinished = {"en": "Still to be filled in", "nb": "Må fylles ut"}[lang]
    for address, titles in PAGES.items():
        response = client.get(address)
        assert response.status_code == 200, address
        assert f'<html lang="{lang}" dir="ltr">' in response.text
        assert f"<h1>{titles[lang]}</h1>" in response.text, address
        assert unfinished in response.text, address
        assert "ASSEMBLY_CONTACT_EMAIL" in response.text, address


def test_every_page_links_the_legal_pages_from_its_footer(client: TestClient[Any]) -> None:
    for address in ("/", "/join", "/assemblies", "/signin", "/privacy", "/no-such-page"):
        footer = client.get(address).text.split('<footer class="site-footer">', 1)[1]
        for link in PAGES:
            assert f'href="{link}"' in footer, (address, link)


def test_operator_details_come_from_the_settings(settings: Settings) -> None:
    from assembly.app import create_app

    filled = dataclasses.replace(
        settings,
        controller_name="Trondheim kommune",
        controller_address="Postboks 2300 Torgarden, 7004 Trondheim",
        contact_email="personvern@example.no",
        dpo_contact="Kari Nordmann, personvernombud@example.no",
        accessibility_reviewed="2026-12-01",
    )
    with TestClient(app=create_app(filled), base_url="http://127.0.0.1") as client:
        privacy = client.get("/privacy").text
        for value in ("Trondheim kommune", "Postboks 2300", "Kari Nordmann"):
            assert value in privacy
        assert 'href="mailto:personvern@example.no"' in privacy
        assert "Still to be filled in" not in privacy
        assert "This page is not finished" not in privacy
        statement = client.get("/accessibility").text
        assert "Trondheim kommune is responsible for this website" in statement
        assert "2026-12-01" in statement
        assert "WCAG 2.2" in statement
        assert "Trondheim kommune" in client.get("/about").text


def test_the_privacy_notice_covers_articles_13_and_14(client: TestClient[Any]) -> None:
    text = client.get("/privacy").text
    for part in (
        "Data controller",
        "Data protection officer",
        "Purposes and legal basis",
        "article 6(1)(e)",
        "What is stored",
        "pseudonym",
        "Secret ballots are stored without any link to you",
        "How long it is kept",
        "Your rights",
        "Datatilsynet",
        "fewer than 5",
    ):
        assert part in text, part
