"""Joining with an invite code: every code error, the pseudonym, consent and the session."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from participants.assembly_seed import TEST_SECRET, another_client, join, post_form, seed_assembly
from sqlalchemy import select

from assembly.db.models import AuditEvent, InviteCode, Participant
from assembly.i18n import current_locale
from assembly.invitations.services import hash_code, normalise_code, revoke
from assembly.participants.services import PSEUDONYM_WORDS

QUESTIONS = [
    {"key": "age", "label": "Your age", "options": ["Under 30", "30 to 59", "60 or older"]},
    {
        "key": "area",
        "label": "Where you live",
        "options": [{"value": "n", "label": "North"}, {"value": "s", "label": "South"}],
    },
]


def _post_join(client: Any, code: str, pseudonym: str = "Birch 11") -> Any:
    return post_form(client, "/join", {"code": code, "pseudonym": pseudonym}, form_page="/join")


async def _invite(db: Any, code: str) -> InviteCode:
    return await db.scalar(
        select(InviteCode).where(
            InviteCode.code_hash == hash_code(normalise_code(code), TEST_SECRET)
        )
    )


def test_join_form_prefills_the_code_and_suggests_a_name(client: Any) -> None:
    response = client.get("/join?code=ABCD-EFGH")
    assert response.status_code == 200
    assert 'value="ABCD-EFGH"' in response.text
    assert 'name="pseudonym"' in response.text
    assert response.text.count("<h1>") == 1


def _words_in(language: str) -> set[str]:
    token = current_locale.set(language)
    try:
        return {str(word) for word in PSEUDONYM_WORDS}
    finally:
        current_locale.reset(token)


@pytest.mark.parametrize("language", ["en", "nb"])
def test_the_suggested_name_is_in_the_readers_language(client: Any, language: str) -> None:
    english, own = _words_in("en"), _words_in(language)
    assert "Bjørk" in _words_in("nb")
    offered = set()
    for _ in range(40):
        page = client.get("/join", headers={"accept-language": language}).text
        found = re.search(r'<input[^>]*name="pseudonym"[^>]*>', page)
        assert found is not None
        value = re.search(r'value="([^"]+)"', found.group(0))
        assert value is not None
        word, number = value.group(1).rsplit(" ", 1)
        assert 10 <= int(number) <= 99
        offered.add(word)
    assert offered <= own
    if language != "en":
        assert not offered & (english - own)  # never an English word for a Norwegian reader


def test_join_creates_participant_claims_code_and_rotates_session(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    client.get("/join")
    before = client.cookies.get("assembly_session")
    response = join(client, seed.codes[0].lower().replace("-", " "), "  Rowan   42 ")
    # The return code comes first: it is shown once, right after joining.
    assert response.headers["location"] == f"/assemblies/{seed.slug}/return-code?joined=1"
    assert client.cookies.get("assembly_session") != before

    async def check(s: Any) -> None:
        participant = await s.scalar(
            select(Participant).where(Participant.assembly_id == seed.assembly_id)
        )
        assert participant.pseudonym == "Rowan 42"
        assert participant.joined_via == "invite"
        assert participant.demographics_consent is None
        invite = await _invite(s, seed.codes[0])
        assert invite.used_at is not None
        assert invite.participant_id == participant.id
        event = await s.scalar(select(AuditEvent).where(AuditEvent.action == "participant.joined"))
        assert event.actor_kind == "participant"
        assert event.actor_id == participant.id

    db(check)
    page = client.get(f"/assemblies/{seed.slug}?joined=1")
    assert "Welcome, Rowan 42" in page.text
    assert "You take part as Rowan 42" in page.text


def test_each_bad_code_has_its_own_message(client: Any, db: Any, settings: Any) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    seed = db(lambda s: seed_assembly(s, codes=3))
    expired = db(lambda s: seed_assembly(s, slug="expired", codes=1, expires_at=past))
    archived = db(lambda s: seed_assembly(s, slug="archived", status="archived", codes=1))
    used, revoked = seed.codes[0], seed.codes[1]
    with another_client(settings) as first:
        join(first, used, "First person")

    async def withdraw(s: Any) -> None:
        await revoke(s, await _invite(s, revoked))

    db(withdraw)
    cases = [
        ("", "Enter the invite code from your letter."),
        ("hello!", "does not look like an invite code"),
        ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "We do not know this invite code"),
        (used, "already been used"),
        (expired.codes[0], "has expired"),
        (revoked, "withdrawn by the facilitator"),
        (archived.codes[0], "has ended"),
    ]
    for code, message in cases:
        response = _post_join(client, code, "Heron 77")
        assert response.status_code == 400, code
        assert message in response.text
        assert 'value="Heron 77"' in response.text  # nothing typed is lost
        assert f'value="{code}"' in response.text
        assert 'aria-invalid="true"' in response.text

    async def count(s: Any) -> int:
        found = await s.scalars(select(Participant).where(Participant.pseudonym == "Heron 77"))
        return len(found.all())

    assert db(count) == 0


def test_messages_are_distinct() -> None:
    from assembly.participants.services import CODE_MESSAGES

    texts = {str(message) for message in CODE_MESSAGES.values()}
    assert len(texts) == len(CODE_MESSAGES) == 5


def test_pseudonym_taken_keeps_the_code_unused(client: Any, db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    join(client, seed.codes[0], "Puffin 12")
    with another_client(settings) as other:
        response = _post_join(other, seed.codes[1], "puffin 12")
        assert response.status_code == 400
        assert "already uses this name" in response.text
        assert seed.codes[1] in response.text

        async def unused(s: Any) -> bool:
            return (await _invite(s, seed.codes[1])).used_at is None

        assert db(unused)
        join(other, seed.codes[1], "Puffin 13")


def test_pseudonyms_differing_only_in_case_clash_in_any_alphabet(
    client: Any, db: Any, settings: Any
) -> None:
    seed = db(lambda s: seed_assembly(s))
    join(client, seed.codes[0], "Ærlig Måke")
    with another_client(settings) as other:
        for clash in ("ærlig måke", "ÆRLIG MÅKE"):
            response = _post_join(other, seed.codes[1], clash)
            assert response.status_code == 400
            assert "already uses this name" in response.text
        join(other, seed.codes[1], "Ærlig Måke 2")


def test_pseudonym_length(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    for name, message in [
        ("", "Choose a name"),
        ("x", "between 2 and 40"),
        ("y" * 41, "between 2 and 40"),
    ]:
        response = _post_join(client, seed.codes[0], name)
        assert response.status_code == 400
        assert message in response.text
    assert _post_join(client, seed.codes[0], "yy").status_code == 303


def test_consent_declined_stores_no_demographics(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, questions=QUESTIONS))
    join(client, seed.codes[0], "Lark 20")
    kept = f"/assemblies/{seed.slug}/return-code/kept"
    response = post_form(client, kept, {"joined": "1"}, form_page=f"/assemblies/{seed.slug}")
    assert response.headers["location"] == f"/assemblies/{seed.slug}/about-you"
    page = client.get(response.headers["location"])
    assert "Your age" in page.text
    assert "Yes, answer" in page.text
    assert "No, skip" in page.text
    response = post_form(
        client,
        f"/assemblies/{seed.slug}/about-you",
        {"consent": "no"},
        form_page=f"/assemblies/{seed.slug}/about-you",
    )
    assert response.status_code == 303

    async def check(s: Any) -> Participant:
        return await s.scalar(select(Participant).where(Participant.pseudonym == "Lark 20"))

    participant = db(check)
    assert participant.demographics_consent is False
    assert participant.demographics == {}
    assert "optional questions" not in client.get(f"/assemblies/{seed.slug}").text


def test_consent_given_then_answers_stored(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, questions=QUESTIONS))
    join(client, seed.codes[0], "Wren 31")
    about = f"/assemblies/{seed.slug}/about-you"
    response = post_form(client, about, {"consent": "yes"}, form_page=about)
    assert response.headers["location"] == f"{about}/questions"
    form = client.get(f"{about}/questions")
    assert "Prefer not to say" in form.text
    assert "North" in form.text
    bad = post_form(
        client, f"{about}/questions", {"q-age": "Ancient", "q-area": "s"}, form_page=about
    )
    assert bad.status_code == 400
    assert "Choose one of the answers shown." in bad.text
    assert 'value="s" checked' in bad.text  # the valid answer is kept
    good = post_form(
        client, f"{about}/questions", {"q-age": "30 to 59", "q-area": ""}, form_page=about
    )
    assert good.status_code == 303

    async def check(s: Any) -> Participant:
        return await s.scalar(select(Participant).where(Participant.pseudonym == "Wren 31"))

    participant = db(check)
    assert participant.demographics_consent is True
    assert participant.demographics == {"age": "30 to 59"}


def test_a_question_not_marked_optional_needs_an_answer(client: Any, db: Any) -> None:
    required = [{**QUESTIONS[0], "optional": False}, QUESTIONS[1]]
    seed = db(lambda s: seed_assembly(s, questions=required))
    join(client, seed.codes[0], "Wren 32")
    about = f"/assemblies/{seed.slug}/about-you"
    post_form(client, about, {"consent": "yes"}, form_page=about)
    form = client.get(f"{about}/questions")
    assert form.text.count("Prefer not to say") == 2  # the area's option and the intro
    assert "go back and decline" in form.text
    bad = post_form(client, f"{about}/questions", {"q-age": "", "q-area": ""}, form_page=about)
    assert bad.status_code == 400
    assert "Choose one of the answers to this question." in bad.text
    assert 'id="error-q-age"' in bad.text


def test_about_you_needs_a_participant(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, questions=QUESTIONS))
    assert client.get(f"/assemblies/{seed.slug}/about-you").status_code == 403
    response = post_form(client, f"/assemblies/{seed.slug}/about-you", {"consent": "no"})
    assert response.status_code == 403


def test_join_rejects_a_post_without_csrf(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    client.get("/join")
    response = client.post(
        "/join",
        content=f"code={seed.codes[0]}&pseudonym=Tern+1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403


def test_a_bulk_insert_gets_the_folded_name_too(db: Any) -> None:
    from sqlalchemy import insert, select

    from assembly.db.models import Participant

    seed = db(lambda s: seed_assembly(s))

    async def work(s: Any) -> list[str]:
        rows = [{"assembly_id": seed.assembly_id, "pseudonym": name} for name in ("Ærlig", "Ola")]
        await s.execute(insert(Participant), rows)
        found = await s.scalars(
            select(Participant.pseudonym_key)
            .where(Participant.pseudonym.in_(["Ærlig", "Ola"]))
            .order_by(Participant.pseudonym_key)
        )
        return list(found)

    assert db(work) == ["ola", "ærlig"]
