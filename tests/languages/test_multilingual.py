"""A multilingual assembly: a topic in two languages, and a citizen's proposal translated."""

from __future__ import annotations

from typing import Any

from helpers import sign_in
from participants.assembly_seed import PASSWORD, another_client, join, post_form, seed_assembly
from sqlalchemy import select

from assembly.db.models import Assembly, ContentTranslation, Proposal


def test_topic_in_two_languages_and_a_proposal_translated_by_a_facilitator(
    client: Any, db: Any, settings: Any
) -> None:
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    sign_in(client, seed.facilitator_email, PASSWORD)
    manage = f"/manage/assemblies/{seed.slug}/translations"
    assert client.get(manage).status_code == 200
    # Offer Arabic besides the main language (English).
    response = post_form(client, f"{manage}/languages", {"offered_languages": ["ar", "xx"]})
    assert response.status_code == 400  # an unknown language is refused, nothing stored
    response = post_form(client, f"{manage}/languages", {"offered_languages": ["ar"]})
    assert response.status_code == 303

    with another_client(settings) as citizen:
        join(citizen, seed.codes[0], "Amal")
        post_form(citizen, "/language", {"lang": "ar", "next": "/"})
        # Before a translation exists, the topic shows its main language with a note.
        page = citizen.get(seed.topic_url)
        assert '<html lang="ar" dir="rtl">' in page.text
        assert "How should we use the old harbour?" in page.text
        assert "لم يُترجم إلى لغتك بعد" in page.text
        # The citizen writes a proposal in Arabic and says so.
        response = post_form(
            citizen,
            f"{seed.topic_url}/proposals",
            {"title": "حديقة على الميناء", "body": "نزرع الأشجار.", "language": "ar"},
        )
        assert response.status_code == 303, response.text

    proposal = db(lambda s: s.scalar(select(Proposal).where(Proposal.topic_id == seed.topic_id)))
    assert proposal.language == "ar"

    topic_id = seed.topic_id
    saved = post_form(
        client,
        manage,
        [
            ("kind", "topic"),
            ("subject_id", str(topic_id)),
            ("language", "ar"),
            ("fields", "question"),
            ("text-question", "كيف نستخدم الميناء القديم؟"),
        ],
    )
    assert saved.status_code == 303
    saved = post_form(
        client,
        manage,
        [
            ("kind", "proposal"),
            ("subject_id", str(proposal.id)),
            ("language", "en"),
            ("fields", "title"),
            ("fields", "body"),
            ("text-title", "A garden on the harbour"),
            ("text-body", "We plant trees."),
        ],
    )
    assert saved.status_code == 303
    # A translation into the text's own language is refused with a message.
    refused = post_form(
        client,
        manage,
        [
            ("kind", "proposal"),
            ("subject_id", str(proposal.id)),
            ("language", "ar"),
            ("fields", "title"),
            ("text-title", "x"),
        ],
    )
    assert refused.status_code == 400
    assert "already written in this language" in refused.text
    rows = db(lambda s: s.scalars(select(ContentTranslation)))
    assert {(r.subject_kind, r.language, r.author_role) for r in rows} == {
        ("topic", "ar", "facilitator"),
        ("proposal", "en", "facilitator"),
    }

    with another_client(settings) as reader:
        # In English: the topic as written, the proposal as the facilitator's translation.
        english = reader.get(seed.topic_url).text
        assert "How should we use the old harbour?" in english
        assert "A garden on the harbour" in english
        assert "Translated from Arabic by a facilitator." in english
        assert 'lang="ar" dir="rtl">' in english  # the original, marked as Arabic
        post_form(reader, "/language", {"lang": "ar", "next": "/"})
        arabic = reader.get(seed.topic_url).text
        assert "كيف نستخدم الميناء القديم؟" in arabic
        assert "حديقة على الميناء" in arabic
        assert "لم يُترجم إلى لغتك بعد" not in arabic.split("<h1")[1].split("</h1>")[0]


def test_offered_languages_are_kept_in_order_without_the_main_one(db: Any) -> None:
    from assembly.languages.services import assembly_languages, parse_offered_languages

    assert parse_offered_languages(["so", "ar", "en"], "en") == ["ar", "so"]
    assert assembly_languages(Assembly(language="nn", offered_languages=["ar", "nn"])) == [
        "nn",
        "ar",
    ]
