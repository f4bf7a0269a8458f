"""Letters in each recipient's language, and answer rates by language in the fairness report."""

from __future__ import annotations

import html
from typing import Any

import pytest
from assemblies.manage_seed import fast_passwords, login, seed  # noqa: F401
from helpers import post_form
from sortition.pages_seed import members, seed_drawn_selection, settings_for
from sqlalchemy import select

from assembly.db.models import PanelMember
from assembly.languages.letters import answer_rates, language_code, letter_language
from assembly.settings import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


def test_pool_cells_name_languages_by_code_or_name() -> None:
    assert language_code("ar") == "ar"
    assert language_code("Arabic") == "ar"
    assert language_code("arabisk") == "ar"
    assert language_code("العربية") == "ar"
    assert language_code("Nynorsk") == "nn"
    assert language_code("polsk") == "pl"
    assert language_code("uk-UA") == "uk"
    assert language_code("Klingon") is None
    assert letter_language({"Språk": "somali"}, "nb") == "so"
    assert letter_language({"gender": "female"}, "nb") == "nb"


def test_answer_rates_by_language_keep_small_groups_hidden() -> None:
    people = [({"language": "ar"}, i < 3) for i in range(6)] + [({"language": "so"}, True)]
    people += [({}, i % 2 == 0) for i in range(10)]
    rates = {r.language: r for r in answer_rates(people, "nb")}
    assert (rates["ar"].invited, rates["ar"].joined, rates["ar"].shown) == (6, 3, True)
    assert rates["ar"].rate == 0.5
    assert rates["nb"].invited == 10
    assert rates["nb"].joined == 5
    assert not rates["so"].shown  # one person: below the small-cell threshold


def test_letters_print_in_the_recipients_language(client: Any, db: Any) -> None:
    s = seed(db)
    selection_id = seed_drawn_selection(db, s.assembly_id)
    seated = [m for m in members(db, selection_id) if m.status == "selected"]
    arabic = {m.pool_id for m in seated[::2]}

    async def mark(session: Any) -> None:
        rows = await session.scalars(
            select(PanelMember).where(PanelMember.selection_id == selection_id)
        )
        for member in rows:
            if member.pool_id in arabic:
                member.features = {**member.features, "language": "Arabic"}

    db(mark)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition/{selection_id}"
    response = post_form(client, f"{base}/invitations", {}, form_page=f"{base}/report")
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert text.count('class="invite-sheet" lang="ar" dir="rtl"') == len(arabic)
    assert text.count('class="invite-sheet" lang="en" dir="ltr"') == len(seated) - len(arabic)
    assert "هذه الرسالة بلغتك" in text  # the line in Arabic on the English letters
    assert "This letter in your language" in text  # and in English on the Arabic ones
    report = html.unescape(client.get(f"{base}/report").text)
    assert "Answer rates by the language of the letter" in report
