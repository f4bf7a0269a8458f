"""In the room: the projector view and paper ballots."""

from __future__ import annotations

from typing import Any

from assemblies.manage_seed import (
    account,
    audit_actions,
    login,
    participant,
    proposal,
    react,
    seed,
    send,
    set_topic,
)
from sqlalchemy import func, select

from assembly.db.models import Ballot, BallotVoter, Participant


def _present(s: Any) -> str:
    return f"/assemblies/{s.slug}/topics/{s.topic_slug}/present"


def _ballots(db: Any) -> list[tuple[Any, str]]:
    async def work(session: Any) -> list[tuple[Any, str]]:
        rows = await session.execute(select(Ballot.content, Ballot.channel))
        return list(rows.tuples().all())

    return db(work)


def test_present_view_shows_phase_proposals_and_reactions(client: Any, db: Any) -> None:
    s = seed(db)
    first = proposal(db, s.topic_id, "Plant <trees>")
    hidden = proposal(db, s.topic_id, "Secret hidden one")
    person = participant(db, s.assembly_id, "Birch 12")
    react(db, first, person, "agree")

    async def hide(session: Any) -> None:
        from assembly.db.models import Proposal

        (await session.get(Proposal, hidden)).status = "hidden"

    db(hide)
    response = client.get(_present(s))
    assert response.status_code == 200
    text = response.text
    assert '<meta http-equiv="refresh" content="15">' in text
    assert '<body class="present">' in text
    assert "Proposals open" in text
    assert "Plant &lt;trees&gt;" in text
    assert "Agree 1" in text
    assert "Secret hidden one" not in text
    assert "<h1>" in text
    assert text.count("<h1") == 1


def test_present_view_access(client: Any, db: Any) -> None:
    s = seed(db, status="draft")
    assert client.get(_present(s)).status_code == 404
    account(db, "other@example.org")
    login(client, "other@example.org")
    assert client.get(_present(s)).status_code == 404
    client.cookies.clear()
    login(client, s.facilitator)
    assert client.get(_present(s)).status_code == 200
    set_topic(db, s.topic_id, phase="draft")
    assert client.get(_present(s)).status_code == 200
    published = seed(db, title="Open assembly", facilitator="second@example.org")
    set_topic(db, published.topic_id, phase="draft")
    client.cookies.clear()
    assert client.get(_present(published)).status_code == 404
    set_topic(db, published.topic_id, phase="deliberation")
    assert client.get(_present(published)).status_code == 200


def test_results_on_the_projector(client: Any, db: Any) -> None:
    s = seed(db)
    first = proposal(db, s.topic_id, "Plant trees")
    proposal(db, s.topic_id, "Build benches")
    set_topic(db, s.topic_id, phase="voting")
    login(client, s.facilitator)
    paper = f"{s.topic}/paper-ballots"
    assert send(client, paper, {"choice": str(first)}, form_page=paper).status_code == 303
    assert "1 ballot cast" in client.get(_present(s)).text
    set_topic(db, s.topic_id, phase="closed")
    facilitator_view = client.get(_present(s)).text
    assert "Results" in facilitator_view
    assert "Chosen:" in facilitator_view
    assert "Shown to facilitators only" in facilitator_view
    client.cookies.clear()
    public_view = client.get(_present(s)).text
    assert "Chosen:" not in public_view
    assert "Plant trees" in public_view
    set_topic(db, s.topic_id, phase="published")
    published = client.get(_present(s)).text
    assert "Chosen:" in published
    assert "1 ballot counted" in published
    assert "1 on paper" in published


def test_paper_ballot_entry(client: Any, db: Any) -> None:
    s = seed(db)
    first = proposal(db, s.topic_id, "Plant trees")
    second = proposal(db, s.topic_id, "Build benches")
    login(client, s.facilitator)
    paper = f"{s.topic}/paper-ballots"
    closed = client.get(paper)
    assert closed.status_code == 200
    assert "while voting is open" in closed.text
    refused = send(client, paper, {"choice": str(first)}, form_page=paper)
    assert refused.status_code == 400
    assert "not open" in refused.text
    set_topic(db, s.topic_id, phase="voting")
    page = client.get(paper)
    assert 'name="choice"' in page.text
    assert "Build benches" in page.text
    empty = send(client, paper, {}, form_page=paper)
    assert empty.status_code == 400
    assert "Your ballot is empty" in empty.text
    unknown = send(client, paper, {"choice": [str(first), "999999"]}, form_page=paper)
    assert unknown.status_code == 400
    assert f'value="{first}" checked' in unknown.text  # what was entered stays marked
    stored = send(client, paper, {"choice": [str(first), str(second)]}, form_page=paper)
    assert stored.status_code == 303
    assert stored.headers["location"].endswith("?stored=1")
    assert "The paper ballot was stored." in client.get(stored.headers["location"]).text
    assert _ballots(db) == [([str(first), str(second)], "paper")]
    assert "ballot.cast" in audit_actions(db)


def test_paper_participants_vote_once(client: Any, db: Any) -> None:
    s = seed(db)
    first = proposal(db, s.topic_id, "Plant trees")
    set_topic(db, s.topic_id, phase="voting")
    login(client, s.facilitator)
    paper = f"{s.topic}/paper-ballots"
    register = f"{s.topic}/paper-participants"
    assert send(client, register, {"pseudonym": "Paper Heron"}, form_page=paper).status_code == 303
    taken = send(client, register, {"pseudonym": "paper heron"}, form_page=paper)
    assert taken.status_code == 400
    assert "already uses this name" in taken.text
    short = send(client, register, {"pseudonym": "x"}, form_page=paper)
    assert short.status_code == 400
    assert 'value="x"' in short.text

    async def heron(session: Any) -> Participant:
        return await session.scalar(
            select(Participant).where(Participant.pseudonym == "Paper Heron")
        )

    voter = db(heron)
    assert voter.channel == "paper"
    assert voter.joined_via == "paper"
    assert "participant.registered_on_paper" in audit_actions(db)
    page = client.get(paper)
    assert f'<option value="{voter.id}">Paper Heron</option>' in page.text
    data = {"choice": str(first), "participant": str(voter.id)}
    assert send(client, paper, data, form_page=paper).status_code == 303
    assert f'<option value="{voter.id}">' not in client.get(paper).text
    again = send(client, paper, data, form_page=paper)
    assert again.status_code == 400
    assert "already voted" in again.text
    stranger = seed(db, title="Elsewhere", facilitator="else@example.org")
    outsider = participant(db, stranger.assembly_id, "Outsider")
    wrong = send(
        client, paper, {"choice": str(first), "participant": str(outsider)}, form_page=paper
    )
    assert wrong.status_code == 400
    assert "Choose a voter from the list" in wrong.text

    async def counts(session: Any) -> tuple[int, int]:
        ballots = await session.scalar(select(func.count()).select_from(Ballot))
        voters = await session.scalar(select(func.count()).select_from(BallotVoter))
        return ballots, voters

    assert db(counts) == (1, 1)
