"""Paper ballots after entry: listed, corrected, voided and recorded blank, with the audit."""

from __future__ import annotations

import re
from typing import Any

from assemblies.manage_seed import (
    audit_events,
    login,
    participant,
    proposal,
    seed,
    send,
    set_topic,
)
from sqlalchemy import func, select

from assembly.ballots.services import compute_result
from assembly.db.models import Ballot, BallotVoter, Topic

EDIT_LINK = re.compile(r'href="([^"]+/paper-ballots/([0-9a-f-]{36})/edit)"')


def _paper(db: Any) -> list[Any]:
    async def work(s: Any) -> list[Any]:
        rows = await s.scalars(select(Ballot.content).where(Ballot.channel == "paper"))
        return list(rows.all())

    return db(work)


def _setup(client: Any, db: Any, secrecy: str = "secret") -> tuple[Any, int, int, str]:
    s = seed(db)
    first = proposal(db, s.topic_id, "Plant trees")
    second = proposal(db, s.topic_id, "Build benches")
    set_topic(db, s.topic_id, phase="voting", ballot_secrecy=secrecy)
    login(client, s.facilitator)
    return s, first, second, f"{s.topic}/paper-ballots"


def test_a_blank_paper_ballot_counts_as_cast(client: Any, db: Any) -> None:
    s, first, _second, paper = _setup(client, db)
    empty = send(client, paper, {}, form_page=paper)
    assert empty.status_code == 400  # an empty form is taken for a slip
    marked = send(client, paper, {"choice": str(first), "action": "blank"}, form_page=paper)
    assert marked.status_code == 400
    assert "not blank" in marked.text
    assert _paper(db) == []
    blank = send(client, paper, {"action": "blank"}, form_page=paper)
    assert blank.status_code == 303
    assert _paper(db) == [[]]
    result = db(lambda session: _count(session, s.topic_id))
    assert result.explanation["ballots"] == 1
    assert "(blank)" in client.get(paper).text


async def _count(session: Any, topic_id: int) -> Any:
    return await compute_result(session, await session.get(Topic, topic_id))


def test_paper_ballots_are_listed_corrected_and_voided(client: Any, db: Any) -> None:
    s, first, second, paper = _setup(client, db)
    assert send(client, paper, {"choice": str(first)}, form_page=paper).status_code == 303
    assert send(client, paper, {"choice": str(second)}, form_page=paper).status_code == 303
    page = client.get(paper).text
    assert "Entered paper ballots" in page
    assert "Plant trees" in page
    assert "Build benches" in page
    links = EDIT_LINK.findall(page)
    assert len(links) == 2
    # Correct the ballot that says "Plant trees" to both proposals.
    edit_url = next(
        url
        for url, ballot_id in links
        if "Plant trees" in client.get(url).text and _is(db, ballot_id, [str(first)])
    )
    form = client.get(edit_url)
    assert f'value="{first}" checked' in form.text
    empty = send(client, edit_url, {"choice": "999999"}, form_page=edit_url)
    assert empty.status_code == 400
    corrected = send(client, edit_url, {"choice": [str(first), str(second)]}, form_page=edit_url)
    assert corrected.status_code == 303
    assert "The paper ballot was corrected." in client.get(corrected.headers["location"]).text
    assert sorted(map(sorted, _paper(db))) == [[str(first), str(second)], [str(second)]]
    [event] = audit_events(db, "ballot.corrected")
    assert event.details["before"] == [str(first)]
    assert event.details["after"] == [str(first), str(second)]
    # Void the other one, with a reason.
    void_url = edit_url.replace("/edit", "/void")
    other = next(url for url, _ in links if url != edit_url).replace("/edit", "/void")
    voided = send(client, other, {"reason": "Entered twice"}, form_page=paper)
    assert voided.status_code == 303
    assert _paper(db) == [[str(first), str(second)]]
    [event] = audit_events(db, "ballot.voided")
    assert event.details["reason"] == "Entered twice"
    assert event.details["content"] == [str(second)]
    assert send(client, other, {}, form_page=paper).status_code == 404
    # Once voting has closed, nothing changes any more.
    set_topic(db, s.topic_id, phase="closed")
    late = send(client, void_url, {}, form_page=paper)
    assert late.status_code == 400
    assert len(_paper(db)) == 1


def _is(db: Any, ballot_id: str, content: list[str]) -> bool:
    import uuid

    return db(lambda s: s.get(Ballot, uuid.UUID(ballot_id))).content == content


def test_voiding_a_named_open_paper_ballot_lets_the_voter_vote_again(client: Any, db: Any) -> None:
    s, first, _second, paper = _setup(client, db, secrecy="open")
    heron = participant(db, s.assembly_id, "Heron", channel="paper")
    stored = send(client, paper, {"choice": str(first), "participant": str(heron)}, form_page=paper)
    assert stored.status_code == 303
    [(url, _id)] = EDIT_LINK.findall(client.get(paper).text)
    assert send(client, url.replace("/edit", "/void"), {}, form_page=paper).status_code == 303

    async def voters(session: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(BallotVoter)))

    assert db(voters) == 0
    assert _paper(db) == []
