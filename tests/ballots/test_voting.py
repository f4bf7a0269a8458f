"""Casting, changing and checking ballots through the pages, secret and open, on both databases."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from helpers import sign_in
from participants.assembly_seed import (
    PASSWORD,
    add_proposals,
    another_client,
    join,
    participant_id,
    post_form,
    seed_assembly,
    set_phase,
)
from sqlalchemy import Engine, event, func, select

from assembly.db.models import AuditEvent, Ballot, BallotVoter, Participant
from assembly.invitations.services import normalise_code

RECEIPT = re.compile(r'class="code receipt-code">([0-9A-Z-]+)<')


def _ballots(db: Any) -> list[Ballot]:
    async def work(s: Any) -> list[Ballot]:
        return list((await s.scalars(select(Ballot))).all())

    return db(work)


def _voters(db: Any) -> int:
    async def work(s: Any) -> int:
        return await s.scalar(select(func.count()).select_from(BallotVoter))

    return db(work)


def _vote(client: Any, url: str, pairs: list[tuple[str, str]], path: str = "/vote") -> Any:
    return post_form(client, url + path, pairs, form_page=url)


def _setup(db: Any, client: Any, **kwargs: Any) -> tuple[Any, list[int]]:
    seed = db(lambda s: seed_assembly(s, phase="voting", **kwargs))
    ids = add_proposals(db, seed.topic_id, ["Park", "Pier", "Pool"])
    join(client, seed.codes[0], "Voter One")
    return seed, ids


def test_secret_ballot_has_no_link_to_its_voter(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client)
    form = client.get(f"{seed.topic_url}/vote")
    assert form.status_code == 200
    assert 'name="choice"' in form.text
    response = _vote(client, seed.topic_url, [("choice", str(ids[0])), ("choice", str(ids[2]))])
    assert response.status_code == 200
    assert 'role="status"' in response.text
    assert "Your vote is recorded." in response.text
    code = RECEIPT.search(response.text).group(1)
    assert len(normalise_code(code)) == 16  # 80 bits
    [ballot] = _ballots(db)
    assert ballot.participant_id is None
    assert ballot.cast_at is None
    assert ballot.secrecy == "secret"
    assert ballot.content == [str(ids[0]), str(ids[2])]
    assert ballot.receipt_hash == hashlib.sha256(normalise_code(code).encode()).hexdigest()
    assert _voters(db) == 1
    voter = participant_id(db, seed.assembly_id, "Voter One")

    async def events(s: Any) -> list[AuditEvent]:
        return list(
            (await s.scalars(select(AuditEvent).where(AuditEvent.action.like("ballot.%")))).all()
        )

    [event] = db(events)
    assert event.action == "ballot.cast"
    assert event.actor_kind == "participant"
    assert event.actor_id is None
    # The only trace of the voter is an opaque reference that dies with the seal.
    assert set(event.details) == {"channel", "secrecy", "voter_ref"}
    assert voter not in event.details.values()
    assert str(voter) != event.details["voter_ref"]
    assert event.subject_id == str(seed.topic_id)
    # The topic page now says the vote is in and offers the change form.
    page = client.get(seed.topic_url).text
    assert "You have voted on this topic." in page
    assert client.get(f"{seed.topic_url}/vote", follow_redirects=False).status_code == 303

    async def voter_ids(s: Any) -> list[int]:
        return list((await s.scalars(select(BallotVoter.id))).all())

    # Voter rows get random ids, so their order says nothing about the order of voting.
    assert all(voter_id > 2**32 for voter_id in db(voter_ids))


def test_second_vote_is_refused_and_receipt_replaces(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client)
    first = _vote(client, seed.topic_url, [("choice", str(ids[0]))])
    code = RECEIPT.search(first.text).group(1)
    again = _vote(client, seed.topic_url, [("choice", str(ids[1]))])
    assert again.status_code == 400
    assert "already voted" in again.text
    assert 'name="receipt"' in again.text
    assert f'value="{ids[1]}" checked' in again.text
    assert client.get(f"{seed.topic_url}/vote", follow_redirects=False).status_code == 303
    wrong = _vote(
        client,
        seed.topic_url,
        [("receipt", "AAAA-AAAA-AAAA-AAAA"), ("choice", str(ids[1]))],
        "/vote/change",
    )
    assert wrong.status_code == 400
    assert "No ballot on this topic has this receipt code" in wrong.text
    assert 'value="AAAA-AAAA-AAAA-AAAA"' in wrong.text
    assert f'value="{ids[1]}" checked' in wrong.text
    malformed = _vote(
        client, seed.topic_url, [("receipt", "oops"), ("choice", str(ids[1]))], "/vote/change"
    )
    assert malformed.status_code == 400
    assert "does not look like a receipt code" in malformed.text
    ok = _vote(
        client, seed.topic_url, [("receipt", code.lower()), ("choice", str(ids[1]))], "/vote/change"
    )
    assert ok.status_code == 303
    assert "Your vote is recorded." in client.get(ok.headers["location"]).text
    [ballot] = _ballots(db)
    assert ballot.content == [str(ids[1])]
    assert ballot.participant_id is None
    assert _voters(db) == 1


def test_open_ballot_is_changed_in_place(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client, secrecy="open", method="borda")
    voter = participant_id(db, seed.assembly_id, "Voter One")
    first = _vote(
        client, seed.topic_url, [(f"o-{ids[0]}", "1"), (f"o-{ids[1]}", "2"), (f"o-{ids[2]}", "")]
    )
    assert first.status_code == 200
    assert "Your vote is recorded." in first.text
    [before] = _ballots(db)
    assert before.participant_id == voter
    assert before.cast_at is not None
    assert before.secrecy == "open"
    assert before.content == [str(ids[0]), str(ids[1])]
    form = client.get(f"{seed.topic_url}/vote/change")
    assert 'name="receipt"' not in form.text
    assert re.search(rf'name="o-{ids[1]}".*?<option value="2" selected>', form.text, re.S)
    changed = _vote(client, seed.topic_url, [(f"o-{ids[2]}", "1")], "/vote/change")
    assert changed.status_code == 303
    [after] = _ballots(db)
    assert after.id == before.id
    assert after.content == [str(ids[2])]
    assert _voters(db) == 1


def test_ballot_errors_keep_the_marks_and_store_nothing(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client, method="schulze")
    duplicate = _vote(client, seed.topic_url, [(f"o-{ids[0]}", "1"), (f"o-{ids[1]}", "1")])
    assert duplicate.status_code == 400
    assert "more than one proposal" in duplicate.text
    assert f'href="#field-o-{ids[1]}"' in duplicate.text
    assert re.search(rf'name="o-{ids[1]}".*?<option value="1" selected>', duplicate.text, re.S)
    empty = _vote(client, seed.topic_url, [])
    assert empty.status_code == 400
    assert "Your ballot is empty" in empty.text
    assert _ballots(db) == []
    assert _voters(db) == 0


def test_points_and_credits_are_checked(client: Any, db: Any, settings: Any) -> None:
    seed, ids = _setup(db, client, method="dot", params={"budget": 5})
    over = _vote(client, seed.topic_url, [(f"o-{ids[0]}", "4"), (f"o-{ids[1]}", "3")])
    assert over.status_code == 400
    assert "7 points in all; you have 5" in over.text
    assert f'name="o-{ids[0]}" type="number" value="4"' in over.text
    quadratic = db(
        lambda s: seed_assembly(
            s, slug="q", phase="voting", method="quadratic", params={"credits": 9}
        )
    )
    qids = add_proposals(db, quadratic.topic_id, ["A", "B"])
    with another_client(settings) as other:
        join(other, quadratic.codes[0], "Q voter")
        refused = _vote(other, quadratic.topic_url, [(f"o-{qids[0]}", "-2"), (f"o-{qids[1]}", "3")])
        assert refused.status_code == 400
        assert "cost 13 credits" in refused.text
        assert (
            _vote(
                other, quadratic.topic_url, [(f"o-{qids[0]}", "-2"), (f"o-{qids[1]}", "2")]
            ).status_code
            == 200
        )
    assert [b.content for b in _ballots(db)] == [{str(qids[0]): -2, str(qids[1]): 2}]


def test_voting_outside_the_phase_is_refused(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client)
    for phase in ("deliberation", "closed", "published"):
        set_phase(db, seed.topic_id, phase)
        assert "Voting on this topic is not open." in client.get(f"{seed.topic_url}/vote").text
        response = _vote(client, seed.topic_url, [("choice", str(ids[0]))])
        assert response.status_code == 400
        assert "Voting on this topic is not open." in response.text
    assert _ballots(db) == []
    assert _voters(db) == 0


def test_only_participants_of_this_assembly_vote(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    ids = add_proposals(db, seed.topic_id, ["Park"])
    other = db(lambda s: seed_assembly(s, slug="other", phase="voting"))
    assert client.get(f"{seed.topic_url}/vote").status_code == 403
    assert _vote(client, seed.topic_url, [("choice", str(ids[0]))]).status_code == 403
    join(client, other.codes[0], "Stranger")
    assert _vote(client, seed.topic_url, [("choice", str(ids[0]))]).status_code == 403
    assert (
        _vote(
            client,
            seed.topic_url,
            [("receipt", "AAAA-AAAA-AAAA-AAAA"), ("choice", str(ids[0]))],
            "/vote/change",
        ).status_code
        == 403
    )
    assert _ballots(db) == []


def test_results_ballots_and_receipt_check(client: Any, db: Any, settings: Any) -> None:
    from assembly.ballots.services import cast_paper_ballot, publish_ballots
    from assembly.db.models import Topic

    seed, ids = _setup(db, client, facilitator=True)
    first = _vote(client, seed.topic_url, [("choice", str(ids[1]))])
    code = RECEIPT.search(first.text).group(1)

    async def paper(s: Any) -> str:
        topic = await s.get(Topic, seed.topic_id)
        return await cast_paper_ballot(s, topic, [str(ids[1]), str(ids[2])], None)

    db(paper)
    set_phase(db, seed.topic_id, "closed")
    assert "Results" not in client.get(seed.topic_url).text
    assert client.get(f"{seed.topic_url}/ballots").status_code == 404
    with another_client(settings) as facilitator:
        sign_in(facilitator, seed.facilitator_email, PASSWORD)
        page = facilitator.get(seed.topic_url).text
        assert "Results" in page
        assert "2 ballots counted" in page
        assert "1 online, 1 on paper" in page
    set_phase(db, seed.topic_id, "published")

    async def publish(s: Any) -> None:
        await publish_ballots(s, await s.get(Topic, seed.topic_id))

    db(publish)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        page = client.get(seed.topic_url).text
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert statements
    assert not [s for s in statements if "FROM ballots" in s]
    assert "Winner:" in page
    assert '<th scope="row">Pier <span class="badge">chosen</span></th>' in page
    # The published page shows what was counted at publishing, without reading the ballots.
    topic = db(lambda s: s.get(Topic, seed.topic_id))
    assert topic.published_counts == {"channels": {"online": 1, "paper": 1}, "set_aside": 0}
    assert "2 ballots counted" in page
    assert "1 online, 1 on paper" in page
    listing = client.get(f"{seed.topic_url}/ballots")
    assert listing.status_code == 200
    digest = hashlib.sha256(normalise_code(code).encode()).hexdigest()
    assert digest in listing.text
    # Two ballots are fewer than the small-cell threshold: totals only, no ballot one by one.
    assert "Pier, Pool" not in listing.text
    assert "are not published one by one" in listing.text
    check = post_form(
        client,
        f"{seed.topic_url}/ballots/check",
        {"receipt": code},
        form_page=f"{seed.topic_url}/ballots",
    )
    assert check.status_code == 200
    assert "Your ballot is included and counted." in check.text
    miss = post_form(
        client,
        f"{seed.topic_url}/ballots/check",
        {"receipt": "AAAA-AAAA-AAAA-AAAA"},
        form_page=f"{seed.topic_url}/ballots",
    )
    assert "No published ballot has this receipt code" in miss.text
    data = client.get(f"{seed.topic_url}/ballots.json").json()
    assert data["withheld"] is True
    assert data["ballots"] == data["ballots_as_cast"] == []
    assert digest in data["receipt_hashes"]
    assert data["counts"] == {"channels": {"online": 1, "paper": 1}, "set_aside": 0}
    assert data["result"]["winners"] == [str(ids[1])]


def test_paper_ballot_for_a_named_participant_blocks_online_voting(client: Any, db: Any) -> None:
    from assembly.ballots.services import AlreadyVoted, cast_paper_ballot
    from assembly.db.models import Topic

    seed, ids = _setup(db, client, secrecy="open")

    async def paper(s: Any) -> None:
        topic = await s.get(Topic, seed.topic_id)
        person = await s.scalar(select(Participant).where(Participant.pseudonym == "Voter One"))
        await cast_paper_ballot(s, topic, [str(ids[0])], 1, participant=person)
        try:
            await cast_paper_ballot(s, topic, [str(ids[1])], 1, participant=person)
        except AlreadyVoted:
            return
        raise AssertionError("a second paper ballot for the same person was stored")

    db(paper)
    [ballot] = _ballots(db)
    assert ballot.channel == "paper"
    assert ballot.participant_id is not None
    assert _vote(client, seed.topic_url, [("choice", str(ids[2]))]).status_code == 400
