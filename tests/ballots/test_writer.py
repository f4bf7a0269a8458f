"""The vote writer: a batch commits once, a duplicate fails alone, a failed batch stores nothing."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from participants.assembly_seed import add_proposals, seed_assembly, set_phase
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots.services import AlreadyVoted, VotingClosed, receipt_hash
from assembly.ballots.writer import VoteNotStored, VoteWriter
from assembly.db.engine import SessionMaker, create_engine
from assembly.db.models import AuditEvent, Ballot, BallotVoter, Participant
from assembly.web.middleware import wants_write_lock


def _people(db: Any, assembly_id: int, count: int) -> list[int]:
    async def work(s: Any) -> list[int]:
        people = [
            Participant(assembly_id=assembly_id, pseudonym=f"Voter {n}") for n in range(count)
        ]
        s.add_all(people)
        await s.flush()
        return [p.id for p in people]

    return db(work)


async def _counts(s: Any) -> tuple[int, int, int]:
    ballots = await s.scalar(select(func.count()).select_from(Ballot))
    voters = await s.scalar(select(func.count()).select_from(BallotVoter))
    events = await s.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ballot.cast")
    )
    return ballots, voters, events


async def _cast_all(
    settings: Any,
    votes: list[tuple[int, int, Any]],
    *,
    failing: bool = False,
    statements: list[str] | None = None,
) -> tuple[list[Any], VoteWriter, int]:
    """Cast the votes at once through one writer; the outcomes and the number of commits."""
    engine = create_engine(settings)
    makers = SessionMaker(engine)
    commits = 0

    if statements is not None:

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(" ".join(statement.split()).upper())

    @event.listens_for(engine.sync_engine, "commit")
    def _count(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    def sessions() -> AsyncSession:
        session = makers.for_write()
        if failing:

            async def broken_commit() -> None:
                await session.flush()
                raise RuntimeError("disk full")

            session.commit = broken_commit  # type: ignore[method-assign]
        return session

    writer = VoteWriter(sessions, window_ms=300)
    try:
        outcomes = await asyncio.gather(
            *(writer.cast(topic, person, content) for topic, person, content in votes),
            return_exceptions=True,
        )
        await writer.stop()
    finally:
        await engine.dispose()
    return list(outcomes), writer, commits


def test_votes_arriving_together_commit_once(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park, pool] = add_proposals(db, seed.topic_id, ["Park", "Pool"])
    people = _people(db, seed.assembly_id, 5)
    votes = [(seed.topic_id, p, [str(park if n % 2 else pool)]) for n, p in enumerate(people)]

    outcomes, writer, commits = asyncio.run(_cast_all(settings, votes))

    assert all(isinstance(code, str) and receipt_hash(code) for code in outcomes)
    assert writer.batches == 1
    assert writer.stored == 5
    assert commits == 1
    assert db(_counts) == (5, 5, 5)

    async def stored(s: Any) -> tuple[set[str], set[Any]]:
        rows = (await s.execute(select(Ballot.receipt_hash, Ballot.participant_id))).all()
        return {r[0] for r in rows}, {r[1] for r in rows}

    hashes, owners = db(stored)
    assert hashes == {receipt_hash(code) for code in outcomes}
    assert owners == {None}  # secret ballots name nobody


def test_duplicate_in_a_batch_fails_alone(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting", secrecy="open"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    first, second = _people(db, seed.assembly_id, 2)
    votes = [(seed.topic_id, first, [str(park)])] * 2 + [(seed.topic_id, second, [str(park)])]

    outcomes, writer, commits = asyncio.run(_cast_all(settings, votes))

    assert isinstance(outcomes[0], str)
    assert isinstance(outcomes[1], AlreadyVoted)
    assert isinstance(outcomes[2], str)
    assert writer.batches == 1
    assert commits == 1
    assert db(_counts) == (2, 2, 2)

    async def owners(s: Any) -> list[int]:
        return sorted((await s.scalars(select(Ballot.participant_id))).all())

    assert db(owners) == sorted([first, second])  # open ballots carry their participant


def test_a_batch_stores_its_votes_with_one_insert_per_table(db: Any, settings: Any) -> None:
    """No SAVEPOINT and no audit INSERT per vote: the batch costs a fixed number of statements."""
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park, pool] = add_proposals(db, seed.topic_id, ["Park", "Pool"])
    people = _people(db, seed.assembly_id, 21)
    earlier, *people = people
    asyncio.run(_cast_all(settings, [(seed.topic_id, earlier, [str(park)])]))
    removed = max(people) + 1000  # no such participant: its vote fails alone
    votes = [(seed.topic_id, p, [str(park if n % 3 else pool)]) for n, p in enumerate(people)]
    votes += [(seed.topic_id, earlier, [str(pool)]), (seed.topic_id, removed, [str(pool)])]
    statements: list[str] = []

    outcomes, writer, commits = asyncio.run(_cast_all(settings, votes, statements=statements))

    assert all(isinstance(code, str) for code in outcomes[:20])
    assert isinstance(outcomes[20], AlreadyVoted)  # voted in an earlier batch
    assert isinstance(outcomes[21], AlreadyVoted)
    assert writer.batches == 1
    assert commits == 1
    assert db(_counts) == (21, 21, 21)

    def count(prefix: str) -> int:
        return sum(s.startswith(prefix) for s in statements)

    assert count("INSERT INTO BALLOTS ") == 1
    assert count("INSERT INTO AUDIT_EVENTS ") == 1
    # One claim for the batch; the removed participant makes it fall back to claims one by one.
    assert count("INSERT INTO BALLOT_VOTERS ") == 1 + len(votes)


def test_a_batch_without_trouble_takes_one_claim(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    people = _people(db, seed.assembly_id, 30)
    statements: list[str] = []
    votes = [(seed.topic_id, p, [str(park)]) for p in people]

    outcomes, _writer, _commits = asyncio.run(_cast_all(settings, votes, statements=statements))

    assert all(isinstance(code, str) for code in outcomes)
    assert sum(s.startswith("INSERT INTO BALLOT_VOTERS ") for s in statements) == 1
    assert sum(s.startswith("SAVEPOINT") for s in statements) <= 1
    assert db(_counts) == (30, 30, 30)


def test_failed_batch_answers_everyone_and_stores_nothing(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    people = _people(db, seed.assembly_id, 4)
    votes = [(seed.topic_id, p, [str(park)]) for p in people]

    outcomes, writer, commits = asyncio.run(_cast_all(settings, votes, failing=True))

    assert all(isinstance(outcome, VoteNotStored) for outcome in outcomes)
    assert writer.batches == 0
    assert commits == 0
    assert db(_counts) == (0, 0, 0)


def test_writer_checks_the_phase_again(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    [person] = _people(db, seed.assembly_id, 1)
    set_phase(db, seed.topic_id, "closed")

    outcomes, _writer, _commits = asyncio.run(
        _cast_all(settings, [(seed.topic_id, person, [str(park)])])
    )

    assert isinstance(outcomes[0], VotingClosed)
    assert db(_counts) == (0, 0, 0)


def test_writer_checks_the_ballot_again(db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    add_proposals(db, seed.topic_id, ["Park"])
    [person] = _people(db, seed.assembly_id, 1)

    outcomes, _writer, _commits = asyncio.run(
        _cast_all(settings, [(seed.topic_id, person, ["999999"])])
    )

    assert isinstance(outcomes[0], Exception)
    assert not isinstance(outcomes[0], VoteNotStored)
    assert db(_counts) == (0, 0, 0)


def test_vote_submission_reads_without_the_write_lock(client: Any, db: Any) -> None:
    """The route opts out of the write lock; every other POST keeps it."""
    vote = client.app.get_handler_index_by_name("vote_submit")["handler"]
    change = client.app.get_handler_index_by_name("vote_change_submit")["handler"]
    assert not wants_write_lock({"method": "POST", "route_handler": vote})
    assert wants_write_lock({"method": "POST", "route_handler": change})
    assert not wants_write_lock({"method": "GET", "route_handler": change})


@pytest.mark.parametrize("window", [0.0, 5.0])
def test_an_http_vote_is_stored_once_with_its_audit_record(
    client: Any, db: Any, settings: Any, window: float
) -> None:
    from helpers import csrf_token
    from participants.assembly_seed import join

    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    join(client, seed.codes[0], "Hasty")
    client.app.state.settings = dataclasses.replace(settings, vote_batch_window_ms=window)
    client.app.state.vote_writer = None
    token = csrf_token(client, f"{seed.topic_url}/vote")
    body = f"choice={park}&_csrf_token={token}"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    first = client.post(f"{seed.topic_url}/vote", content=body, headers=headers)
    again = client.post(f"{seed.topic_url}/vote", content=body, headers=headers)
    assert first.status_code == 200
    assert "no-store" in first.headers["cache-control"]
    assert again.status_code == 400
    assert db(_counts) == (1, 1, 1)
    assert client.app.state.vote_writer.stored == 1


def test_vote_submission_leaves_an_unchanged_session_unwritten(client: Any, db: Any) -> None:
    """The vote route writes nothing through the request, not even the session's expiry."""
    from helpers import csrf_token
    from participants.assembly_seed import join

    from assembly.db.models import StoreItem

    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [park] = add_proposals(db, seed.topic_id, ["Park"])
    join(client, seed.codes[0], "Quiet")
    token = csrf_token(client, f"{seed.topic_url}/vote")

    async def expiries(s: Any) -> list[Any]:
        query = select(StoreItem.expires_at).where(StoreItem.namespace == "sessions")
        return sorted((await s.scalars(query)).all())

    before = db(expiries)
    assert before  # the joined browser's session is stored
    response = client.post(
        f"{seed.topic_url}/vote",
        content=f"choice={park}&_csrf_token={token}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "assembly_session" in response.headers.get("set-cookie", "")
    assert db(expiries) == before
    assert client.get(f"{seed.topic_url}/vote/change").status_code == 200  # still signed in
