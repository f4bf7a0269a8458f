"""A citizen's own data: seeing it, downloading it as a plain file, and withdrawing, which
removes the pseudonym link and the answers about themselves and keeps their ballots counted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import cheap_password_hashes
from participants.assembly_seed import join, participant_id, post_form, seed_assembly
from sqlalchemy import func, select

from assembly.db.models import AuditEvent, Ballot, Participant, Proposal, ReturnCode
from assembly.i18n import LANGUAGE_COOKIE
from assembly.retention import services

QUESTIONS = [{"key": "age", "label": "Age group", "options": ["16-29", "30+"]}]


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


def _joined(client: Any, db: Any, slug: str = "riverside") -> Any:
    seed = db(lambda s: seed_assembly(s, slug=slug, questions=QUESTIONS))
    join(client, seed.codes[0], "Rowan 42")
    base = f"/assemblies/{seed.slug}"
    assert post_form(client, f"{base}/about-you", {"consent": "yes"}, form_page=base).status_code
    post_form(client, f"{base}/about-you/questions", {"q-age": "16-29"}, form_page=base)
    made = post_form(client, f"{base}/return-code", {}, form_page=base)
    assert made.status_code in (200, 303)
    proposal = post_form(
        client,
        f"{seed.topic_url}/proposals",
        {"title": "Benches by the water", "body": "To rest."},
        form_page=seed.topic_url,
    )
    assert proposal.status_code == 303
    return seed


def test_a_citizen_sees_and_downloads_what_is_stored_about_them(client: Any, db: Any) -> None:
    seed = _joined(client, db)
    page = client.get(f"/assemblies/{seed.slug}/your-data")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Rowan 42" in page.text
    assert "age: 16-29" in page.text
    assert "1 proposal" in page.text
    assert (
        f'href="/assemblies/{seed.slug}/your-data"' in client.get(f"/assemblies/{seed.slug}").text
    )
    download = client.get(f"/assemblies/{seed.slug}/your-data/download")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert "attachment" in download.headers["content-disposition"]
    record = json.loads(download.content)
    assert record["participant"]["pseudonym"] == "Rowan 42"
    assert record["participant"]["has_return_code"] is True
    assert record["about_you"] == {"consent": True, "answers": {"age": "16-29"}}
    assert [p["title"] for p in record["proposals"]] == ["Benches by the water"]
    # Nobody else's data: another browser is refused, in the reader's language.
    client.cookies.clear()
    client.cookies.set(LANGUAGE_COOKIE, "nb")
    refused = client.get(f"/assemblies/{seed.slug}/your-data/download")
    assert refused.status_code == 403
    assert "Rowan 42" not in refused.text


@pytest.mark.parametrize(
    ("lang", "unconfirmed", "done"),
    [
        ("en", "Tick the box to confirm that you want to withdraw.", "You have withdrawn"),
        ("nb", "Kryss av for å bekrefte at du vil trekke deg.", "Du har trukket deg"),
    ],
)
def test_withdrawing_unlinks_the_person_and_keeps_the_contributions(
    client: Any, db: Any, lang: str, unconfirmed: str, done: str
) -> None:
    seed = _joined(client, db)
    client.cookies.set(LANGUAGE_COOKIE, lang)
    pid = participant_id(db, seed.assembly_id, "Rowan 42")
    base = f"/assemblies/{seed.slug}/your-data"
    # Not confirmed: a clear message, and nothing changes.
    again = post_form(client, f"{base}/withdraw", {}, form_page=base)
    assert again.status_code == 400
    assert unconfirmed in again.text
    assert client.get(base).status_code == 200
    gone = post_form(client, f"{base}/withdraw", {"confirm": "yes"}, form_page=base)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/left?withdrawn=1"
    assert done in client.get(gone.headers["location"]).text
    # The browser forgets them, and the return code no longer opens anything.
    assert client.get(base).status_code == 403
    assert "Rowan 42" not in client.get("/").text

    async def state(s: Any) -> tuple[Any, ...]:
        person = await s.get(Participant, pid)
        codes = await s.scalar(
            select(func.count()).select_from(ReturnCode).where(ReturnCode.participant_id == pid)
        )
        proposal = await s.scalar(select(Proposal).where(Proposal.participant_id == pid))
        events = await s.scalar(
            select(func.count()).where(AuditEvent.action == "participant.withdrew")
        )
        return person, codes, proposal, events

    person, codes, proposal, events = db(state)
    assert person.pseudonym.startswith(services.NEUTRAL_PREFIX)
    assert person.demographics == {}
    assert person.demographics_consent is None
    assert person.withdrawn_at is not None
    assert codes == 0
    assert proposal.title == "Benches by the water"  # what they wrote stays
    assert events == 1
    topic = client.get(seed.topic_url).text
    assert "Benches by the water" in topic
    assert "Rowan 42" not in topic


def test_ballots_stay_counted_after_withdrawal(client: Any, db: Any) -> None:
    async def seed_and_vote(s: Any) -> tuple[int, int]:
        seed = await seed_assembly(s, slug="votes", phase="voting", secrecy="open")
        person = Participant(assembly_id=seed.assembly_id, pseudonym="Voter 1")
        s.add(person)
        await s.flush()
        s.add(
            Ballot(
                topic_id=seed.topic_id,
                content=["1"],
                receipt_hash="a" * 64,
                secrecy="open",
                participant_id=person.id,
            )
        )
        await s.flush()
        return person.id, seed.topic_id

    pid, topic_id = db(seed_and_vote)

    async def withdraw(s: Any) -> None:
        await services.withdraw(s, await s.get(Participant, pid))

    db(withdraw)

    async def ballots(s: Any) -> int:
        return int(await s.scalar(select(func.count()).where(Ballot.topic_id == topic_id)) or 0)

    assert db(ballots) == 1


def test_a_withdrawal_that_fails_midway_changes_nothing(
    client: Any, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = _joined(client, db)
    pid = participant_id(db, seed.assembly_id, "Rowan 42")

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    async def person(s: Any) -> tuple[Any, ...]:
        found = await s.get(Participant, pid)
        codes = await s.scalar(
            select(func.count()).select_from(ReturnCode).where(ReturnCode.participant_id == pid)
        )
        return found.pseudonym, found.demographics, found.withdrawn_at, codes

    before = db(person)
    assert before[:3] == ("Rowan 42", {"age": "16-29"}, None)
    monkeypatch.setattr(services, "record_event", broken)
    base = f"/assemblies/{seed.slug}/your-data"
    failed = post_form(client, f"{base}/withdraw", {"confirm": "yes"}, form_page=base)
    assert failed.status_code == 500
    assert db(person) == before
    assert client.get(base).status_code == 200  # still taking part
