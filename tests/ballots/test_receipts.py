"""What a receipt can and cannot do: it changes a secret ballot only with its voter's own
session, it proves inclusion and counting but not content, it can be renewed by its voter when
the answer to their vote was lost; small topics publish totals only. Both databases."""

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
    post_form,
    seed_assembly,
    set_phase,
)
from sqlalchemy import select

from assembly.db.models import AuditEvent, Ballot
from assembly.invitations.services import normalise_code

RECEIPT = re.compile(r'class="code receipt-code">([0-9A-Z-]+)<')


def _ballots(db: Any) -> list[Ballot]:
    async def work(s: Any) -> list[Ballot]:
        return list((await s.scalars(select(Ballot))).all())

    return db(work)


def _vote(client: Any, url: str, pairs: list[tuple[str, str]], path: str = "/vote") -> Any:
    return post_form(client, url + path, pairs, form_page=url)


def _digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _setup(db: Any, client: Any, **kwargs: Any) -> tuple[Any, list[int]]:
    seed = db(lambda s: seed_assembly(s, phase="voting", **kwargs))
    ids = add_proposals(db, seed.topic_id, ["Park", "Pier", "Pool"])
    join(client, seed.codes[0], "Voter One")
    return seed, ids


def test_a_receipt_from_another_session_changes_nothing(
    client: Any, db: Any, settings: Any
) -> None:
    seed, ids = _setup(db, client)
    code = RECEIPT.search(_vote(client, seed.topic_url, [("choice", str(ids[0]))]).text).group(1)
    with another_client(settings) as other:
        join(other, seed.codes[1], "Voter Two")
        # Someone who has not voted, holding the first voter's receipt.
        refused = _vote(
            other, seed.topic_url, [("receipt", code), ("choice", str(ids[2]))], "/vote/change"
        )
        assert refused.status_code == 403
        assert "This receipt code is not for your ballot" in refused.text
        assert "Nothing was changed." in refused.text
        # Someone who has voted, holding another voter's receipt as well as their own.
        _vote(other, seed.topic_url, [("choice", str(ids[1]))])
        refused = _vote(
            other, seed.topic_url, [("receipt", code), ("choice", str(ids[2]))], "/vote/change"
        )
        assert refused.status_code == 403
    contents = sorted(b.content for b in _ballots(db))
    assert contents == sorted([[str(ids[0])], [str(ids[1])]])
    # The voter, in their own session, still can.
    ok = _vote(client, seed.topic_url, [("receipt", code), ("choice", str(ids[2]))], "/vote/change")
    assert ok.status_code == 303
    mine = [b for b in _ballots(db) if b.receipt_hash == _digest(code)]
    assert [b.content for b in mine] == [[str(ids[2])]]


def test_a_voter_whose_answer_was_lost_gets_a_new_receipt(client: Any, db: Any) -> None:
    seed, ids = _setup(db, client)
    lost = RECEIPT.search(_vote(client, seed.topic_url, [("choice", str(ids[1]))]).text).group(1)
    [before] = _ballots(db)
    # The answer never arrived; voting again says so, and tells when the vote was stored.
    again = _vote(client, seed.topic_url, [("choice", str(ids[2]))])
    assert again.status_code == 400
    assert "already voted" in again.text
    assert re.search(r"Your vote was stored at \d{1,2}:\d\d", again.text)
    page = client.get(f"{seed.topic_url}/vote/change")
    assert re.search(r"Your vote was stored at \d{1,2}:\d\d", page.text)
    # Before the close, in their own session, the voter's choices are shown.
    assert f'value="{ids[1]}" checked' in page.text
    renewed = post_form(client, f"{seed.topic_url}/vote/receipt", {}, form_page=page.url.path)
    assert renewed.status_code == 200
    assert renewed.headers["cache-control"] == "no-store"
    assert "the code you had before no longer works" in renewed.text
    fresh = RECEIPT.search(renewed.text).group(1)
    assert fresh != lost
    [after] = _ballots(db)
    assert after.content == before.content
    assert after.id == before.id
    assert after.receipt_hash == _digest(fresh)
    # The old code no longer works; the new one does.
    old = _vote(
        client, seed.topic_url, [("receipt", lost), ("choice", str(ids[0]))], "/vote/change"
    )
    assert old.status_code == 400
    assert [b.content for b in _ballots(db)] == [before.content]
    ok = _vote(
        client, seed.topic_url, [("receipt", fresh), ("choice", str(ids[0]))], "/vote/change"
    )
    assert ok.status_code == 303

    async def events(s: Any) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.action == "ballot.receipt_renewed")
        return list((await s.scalars(query)).all())

    [event] = db(events)
    assert event.actor_id is None  # a secret ballot's record does not name its voter
    assert event.subject_id == str(seed.topic_id)


def test_nobody_else_and_nothing_after_the_close_renews_a_receipt(
    client: Any, db: Any, settings: Any
) -> None:
    seed, ids = _setup(db, client)
    _vote(client, seed.topic_url, [("choice", str(ids[1]))])
    [before] = _ballots(db)
    with another_client(settings) as other:
        join(other, seed.codes[1], "Voter Two")
        refused = post_form(other, f"{seed.topic_url}/vote/receipt", {}, form_page=seed.topic_url)
        assert refused.status_code == 409
    set_phase(db, seed.topic_id, "closed")
    closed = post_form(client, f"{seed.topic_url}/vote/receipt", {}, form_page=seed.topic_url)
    assert closed.status_code == 400
    assert [b.receipt_hash for b in _ballots(db)] == [before.receipt_hash]


def _publish(db: Any, topic_id: int) -> None:
    from assembly.ballots.services import publish_ballots
    from assembly.db.models import Topic

    set_phase(db, topic_id, "published")

    async def work(s: Any) -> None:
        await publish_ballots(s, await s.get(Topic, topic_id))

    db(work)


def _paper(db: Any, topic_id: int, contents: list[list[str]]) -> None:
    from assembly.ballots.services import cast_paper_ballot
    from assembly.db.models import Topic

    async def work(s: Any) -> None:
        topic = await s.get(Topic, topic_id)
        for content in contents:
            await cast_paper_ballot(s, topic, content, None)

    db(work)


def _notice(html: str) -> str:
    match = re.search(r'<div class="notice notice-success" role="status">(.*?)</div>', html, re.S)
    assert match, html
    return match.group(1)


def test_a_published_receipt_proves_inclusion_not_content(client: Any, db: Any) -> None:
    from assembly.voting import tally

    seed, ids = _setup(db, client)
    park, pier, pool = (str(i) for i in ids)
    code = RECEIPT.search(_vote(client, seed.topic_url, [("choice", park)]).text).group(1)
    _paper(db, seed.topic_id, [[pier], [pool], [pier, pool], [pool]])
    _publish(db, seed.topic_id)
    digest = _digest(code)
    check = post_form(
        client, f"{seed.topic_url}/ballots/check", {"receipt": code}, form_page=seed.topic_url
    )
    assert check.status_code == 200
    notice = _notice(check.text)
    assert "Your ballot is included and counted." in notice
    assert digest in notice
    hashes = sorted(b.receipt_hash for b in _ballots(db))
    position = hashes.index(digest) + 1
    assert f"number {position} of 5" in notice
    assert f'href="#receipt-{position}"' in notice
    assert "Park" not in notice  # the holder's choice is not printed
    # The public lists do not pair receipts with contents: no row holds both.
    page = client.get(f"{seed.topic_url}/ballots").text
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", page)
    assert sorted(rows) == sorted(["Park", "Pier", "Pool", "Pier, Pool", "Pool"])
    assert not [r for r in rows if "hash" in r]
    assert f'<li id="receipt-{position}"><code class="hash">{digest}</code></li>' in page
    data = client.get(f"{seed.topic_url}/ballots.json").json()
    assert data["withheld"] is False
    assert data["receipt_hashes"] == hashes
    assert all(not isinstance(b, dict) or "receipt_hash" not in b for b in data["ballots_as_cast"])
    assert sorted(map(str, data["ballots_as_cast"])) == sorted(
        map(str, [[park], [pier], [pool], [pier, pool], [pool]])
    )
    # Still enough to recount.
    recount = tally(
        data["method"], data["options"], data["ballots"], seats=data["seats"], **data["params"]
    )
    assert recount.to_dict() == data["result"]


def test_a_topic_with_fewer_than_k_ballots_publishes_totals_only(
    client: Any, db: Any, settings: Any
) -> None:
    from assembly.ballots.receipts import individual_ballots_withheld
    from assembly.exports.privacy import DEFAULT_K

    assert individual_ballots_withheld(DEFAULT_K - 1)
    assert not individual_ballots_withheld(DEFAULT_K)
    assert not individual_ballots_withheld(0)
    seed, ids = _setup(db, client, facilitator=True)
    _paper(db, seed.topic_id, [[str(ids[2])]])  # one ballot, on paper
    _publish(db, seed.topic_id)
    page = client.get(f"{seed.topic_url}/ballots")
    assert page.status_code == 200
    assert "are not published one by one" in page.text
    assert "<tr><td>" not in page.text
    assert "Pool" not in page.text.split("<h1>")[1]
    assert ">paper<" not in page.text
    assert ">online<" not in page.text
    data = client.get(f"{seed.topic_url}/ballots.json").json()
    assert data["withheld"] is True
    assert data["small_cell_k"] == DEFAULT_K
    assert data["ballots"] == data["ballots_as_cast"] == []
    assert "channel" not in str(data["ballots_as_cast"])
    assert data["counts"] == {"channels": {"online": 0, "paper": 1}, "set_aside": 0}
    assert data["result"]["winners"] == [str(ids[2])]
    # The present view shows the totals, never a ballot.
    with another_client(settings) as facilitator:
        sign_in(facilitator, seed.facilitator_email, PASSWORD)
        present = facilitator.get(f"{seed.topic_url}/present")
        assert present.status_code == 200
        assert "1 ballot counted" in present.text
        assert _digest_prefixes(db) not in present.text


def _digest_prefixes(db: Any) -> str:
    [ballot] = _ballots(db)
    return ballot.receipt_hash[:16]


def test_after_the_seal_nobody_can_find_a_voters_ballot(client: Any, db: Any) -> None:
    from assembly.ballots.binding import ballot_id_for
    from assembly.ballots.receipts import stored_at
    from assembly.ballots.services import own_ballot, seal_ballots
    from assembly.db.models import BallotVoter, Participant, Topic

    seed, ids = _setup(db, client)
    _vote(client, seed.topic_url, [("choice", str(ids[0]))])

    async def look(s: Any) -> tuple[Any, Any]:
        topic = await s.get(Topic, seed.topic_id)
        voter = await s.scalar(select(Participant).where(Participant.pseudonym == "Voter One"))
        return await own_ballot(s, topic, voter), await stored_at(s, topic, voter)

    before, when = db(look)
    assert before is not None
    assert when is not None

    async def seal(s: Any) -> None:
        await seal_ballots(s, await s.get(Topic, seed.topic_id))

    db(seal)
    after, when = db(look)
    assert after is None  # the server itself no longer goes from the voter to the ballot
    assert when is None

    async def pairs(s: Any) -> tuple[list[Any], list[Any]]:
        voters = (await s.scalars(select(BallotVoter))).all()
        ballots = (await s.scalars(select(Ballot.id))).all()
        return [ballot_id_for(v.topic_id, v.id) for v in voters], list(ballots)

    derived, stored = db(pairs)
    assert not set(derived) & set(stored)
    assert [b.content for b in _ballots(db)] == [[str(ids[0])]]
