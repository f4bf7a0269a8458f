"""In a real browser: a researcher builds pre and post questionnaires from a template, citizens
answer at joining and at the end, the research page shows the change; no axe violations on the
new pages in English and Bokmål."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.test_accessibility import LANGUAGES, axe_violations
from browser.world import RESEARCHER, World

pytestmark = pytest.mark.browser


def _answer(person: Any, slug: str, qid: str, heard: str) -> None:
    person.goto(f"/assemblies/{slug}/questionnaires/{qid}")
    person.page.locator('input[name="consent"][value="yes"]').check()
    person.submit(person.page.get_by_role("button", name="Continue"))
    person.page.locator(f'input[name="heard"][value="{heard}"]').check()
    person.submit(person.page.get_by_role("button", name="Send my answers"))
    assert "your answers are sent" in person.page.content()


def test_researcher_builds_citizens_answer_and_the_change_shows(visitor: Any, world: World) -> None:
    researcher = visitor()
    researcher.sign_in(RESEARCHER)
    manage = f"/research/{world.slug}/questionnaires"
    for wave in ("pre", "post"):
        researcher.goto(manage)
        researcher.page.get_by_label("Start from").select_option("evaluation")
        researcher.page.get_by_label("When it is asked").select_option(wave)
        researcher.submit(researcher.page.get_by_role("button", name="Create the questionnaire"))
        researcher.submit(researcher.page.get_by_role("button", name="Open", exact=True).first)
    ids = re.findall(rf"{manage}/(\d+)/print", researcher.page.content())
    assert len(ids) == 2
    pre, post = ids
    for n, code in enumerate(world.codes[:5]):
        citizen = visitor()
        citizen.join(code, f"Surveyed {n}")
        citizen.goto(f"/assemblies/{world.slug}")
        assert citizen.page.get_by_role("link", name=re.compile("questionnaire")).count() == 1
        _answer(citizen, world.slug, pre, "2")
        _answer(citizen, world.slug, post, "4")
        if n == 0:
            for lang in LANGUAGES:
                citizen.set_language(lang)
                for path in ("", f"/{pre}"):
                    citizen.goto(f"/assemblies/{world.slug}/questionnaires{path}")
                    assert axe_violations(citizen.page) == [], (lang, path)
            citizen.set_language("en")
        citizen.close()
    researcher.goto(manage)
    assert "2.00 → 4.00" in researcher.page.content()
    for lang in LANGUAGES:
        researcher.set_language(lang)
        for path in (
            manage,
            f"{manage}/{pre}/print",
            f"{manage}/{pre}/edit",
            f"{manage}/{pre}/paper",
        ):
            researcher.goto(path)
            assert axe_violations(researcher.page) == [], (lang, path)
