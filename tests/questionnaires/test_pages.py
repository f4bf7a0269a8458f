"""The questionnaire pages over HTTP: a facilitator builds pre and post questionnaires from a
template, citizens consent and answer (with a draft and bad input on the way), and the research
page shows the change once enough pairs exist."""

from __future__ import annotations

import re
from typing import Any

from assemblies.manage_seed import fast_passwords  # noqa: F401  (an autouse fixture)
from helpers import sign_in
from participants.assembly_seed import PASSWORD, another_client, join, seed_assembly
from participants.assembly_seed import post_form as post


def _ids(page: str, slug: str) -> list[int]:
    return [int(i) for i in re.findall(rf"/research/{slug}/questionnaires/(\d+)/print", page)]


def _answer(client: Any, slug: str, qid: int, heard: int) -> None:
    base = f"/assemblies/{slug}/questionnaires/{qid}"
    assert post(client, f"{base}/consent", {"consent": "yes"}).status_code == 303
    bad = post(client, base, {"heard": "9", "respect": "4", "action": "submit"})
    assert bad.status_code == 400
    assert "Choose from the options shown." in bad.text
    assert 'value="4" checked' in bad.text  # what was typed is kept
    assert post(client, base, {"heard": str(heard), "action": "save"}).status_code == 303
    assert f'value="{heard}" checked' in client.get(base).text  # the draft
    assert post(client, base, {"heard": str(heard), "action": "submit"}).status_code == 303
    again = post(client, base, {"heard": "1", "action": "submit"})
    assert again.status_code == 409
    assert "already sent" in again.text


def test_pre_and_post_questionnaires_show_the_change(client: Any, settings: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, slug="survey", codes=5, facilitator=True))
    slug = seed.slug
    sign_in(client, seed.facilitator_email, PASSWORD)
    manage = f"/research/{slug}/questionnaires"
    for wave in ("pre", "post"):
        made = post(client, manage, {"template": "evaluation", "wave": wave}, form_page=manage)
        assert made.status_code == 303
    page = client.get(manage).text
    pre, post_id = _ids(page, slug)
    assert "Evaluation of the assembly" in page
    for qid in (pre, post_id):
        assert post(client, f"{manage}/{qid}/status", {"status": "open"}).status_code == 303
    printed = client.get(f"{manage}/{pre}/print").text
    assert "I felt my views were heard." in printed
    assert "OECD" in printed
    for n, code in enumerate(seed.codes):
        with another_client(settings) as citizen:
            join(citizen, code, f"Citizen {n}")
            assert f'/assemblies/{slug}/questionnaires"' in citizen.get(f"/assemblies/{slug}").text
            listing = citizen.get(f"/assemblies/{slug}/questionnaires").text
            assert f"/questionnaires/{pre}" in listing
            _answer(citizen, slug, pre, 2)
            _answer(citizen, slug, post_id, 4 if n else 5)
            assert (
                f"/questionnaires/{pre}"
                not in citizen.get(f"/assemblies/{slug}/questionnaires").text
            )
    assert post(client, f"{manage}/{post_id}/status", {"status": "closed"}).status_code == 303
    research = client.get(manage).text
    assert "2.00 → 4.20" in research
    assert "<svg" in research
    assert "100 %" in research
    chosen = post(client, f"{manage}/{post_id}/summary", {"summary": ["heard"]})
    assert chosen.status_code == 303
    summary = client.get(f"/assemblies/{slug}/summary").text
    assert re.search(r"100\W*% of 5 respondents chose one of the two highest", summary)
    assert "I felt my views were heard." in summary


def test_a_facilitator_enters_a_paper_questionnaire(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, slug="paper", codes=1, facilitator=True))
    sign_in(client, seed.facilitator_email, PASSWORD)
    manage = f"/research/{seed.slug}/questionnaires"
    post(client, manage, {"template": "quiz", "wave": "pre"}, form_page=manage)
    (qid,) = _ids(client.get(manage).text, seed.slug)
    post(client, f"{manage}/{qid}/status", {"status": "open"})
    join(client, seed.codes[0], "Paper Person")
    paper = f"{manage}/{qid}/paper"
    assert "Enter this sheet" in client.get(paper).text
    unknown = post(client, paper, {"pseudonym": "Nobody", "quiz1": "2"})
    assert unknown.status_code == 400
    assert "no participant with this name" in unknown.text
    assert 'value="2" checked' in unknown.text
    entered = post(client, paper, {"pseudonym": "Paper Person", "quiz1": "2"})
    assert entered.status_code == 200
    assert "is entered" in entered.text
    twice = post(client, paper, {"pseudonym": "Paper Person", "quiz1": "2"})
    assert twice.status_code == 409


def test_questions_are_built_in_the_browser(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, slug="build", codes=0, facilitator=True))
    sign_in(client, seed.facilitator_email, PASSWORD)
    manage = f"/research/{seed.slug}/questionnaires"
    post(client, manage, {"template": "", "wave": "followup"}, form_page=manage)
    (qid,) = _ids(client.get(manage).text, seed.slug)
    items = f"{manage}/{qid}/items"
    question = {"kind": "likert", "key": "trust", "text_en": "I trust the council.", "options": ""}
    bad = post(client, items, {**question, "text_nb": "Jeg stoler på kommunestyret."})
    assert bad.status_code == 400
    assert "at least two answer options" in bad.text
    assert "Jeg stoler på kommunestyret." in bad.text
    scale = "Disagree | Uenig\nNeutral | Nøytral\nAgree | Enig"
    added = post(client, items, {**question, "options": scale, "dont_know": "yes"})
    assert added.status_code == 303
    follow = {
        "kind": "number",
        "key": "years",
        "text_en": "How many years?",
        "min": "0",
        "max": "99",
    }
    post(client, items, {**follow, "show_if_item": "trust", "show_if_equals": "3"})
    page = client.get(f"{manage}/{qid}/edit").text
    assert "I trust the council." in page
    assert "How many years?" in page
    assert post(client, items, {"remove": "years"}).status_code == 303
    assert "How many years?" not in client.get(f"{manage}/{qid}/edit").text
