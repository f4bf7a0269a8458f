"""Closing a topic while votes pour in loses no acknowledged vote.

Two workers (each its own event loop, engine and vote writer, as two server processes would
have) cast 200 votes each, while a facilitator closes the topic part-way through. Every vote
whose receipt was handed out must be among the sealed ballots, every ballot must have its
voter record and the other way round, and every vote that was not stored must have been told
so ("voting is not open"). Twenty runs on PostgreSQL, where the close used to delete ballots
that committed between the seal's read and its delete.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import pytest
from participants.assembly_seed import add_proposals, seed_assembly
from sqlalchemy import func, select

from assembly.ballots.services import VotingClosed, receipt_hash
from assembly.ballots.writer import VoteWriter
from assembly.db.engine import SessionMaker, create_engine
from assembly.db.models import Ballot, BallotVoter, Participant, Topic
from assembly.topics.lifecycle import move_phase

pytestmark = pytest.mark.slow

WORKERS = 2
VOTERS_PER_WORKER = 200


def _people(db: Any, assembly_id: int, count: int) -> list[int]:
    async def work(s: Any) -> list[int]:
        people = [
            Participant(assembly_id=assembly_id, pseudonym=f"Voter {n}") for n in range(count)
        ]
        s.add_all(people)
        await s.flush()
        return [p.id for p in people]

    return db(work)


def _worker(
    settings: Any, votes: list[tuple[int, int, Any]], acknowledged: list[int], out: list[Any]
) -> None:
    """One server process's worth of voters: all cast at once through its own writer."""

    async def run() -> list[Any]:
        engine = create_engine(settings)
        writer = VoteWriter(SessionMaker(engine).for_write, window_ms=2)

        async def cast(topic: int, person: int, content: Any) -> Any:
            # Voters arrive over a short while, so the close lands among them.
            await asyncio.sleep(random.random() * 0.4)
            code = await writer.cast(topic, person, content)
            acknowledged[0] += 1
            return code

        try:
            outcomes = await asyncio.gather(*(cast(*v) for v in votes), return_exceptions=True)
            await writer.stop()
        finally:
            await engine.dispose()
        return list(outcomes)

    out.extend(asyncio.run(run()))


def _close_when(settings: Any, topic_id: int, acknowledged: list[int], after: int) -> None:
    async def run() -> None:
        engine = create_engine(settings)
        try:
            # Connect before waiting, so that on a busy machine the close still lands among
            # the votes rather than after the last of them.
            async with SessionMaker(engine).for_write() as db:
                await db.get(Topic, topic_id)
            deadline = time.monotonic() + 10
            while acknowledged[0] < after and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.001)  # the voters run on other threads' event loops
            async with SessionMaker(engine).for_write() as db:
                topic = await db.get(Topic, topic_id)
                await move_phase(db, topic, "closed", None)
                await db.commit()
        finally:
            await engine.dispose()

    asyncio.run(run())


def _stored(db: Any, topic_id: int) -> tuple[set[str], int, int]:
    async def work(s: Any) -> tuple[set[str], int, int]:
        hashes = set(
            (await s.scalars(select(Ballot.receipt_hash).where(Ballot.topic_id == topic_id))).all()
        )
        ballots = await s.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.topic_id == topic_id)
        )
        voters = await s.scalar(
            select(func.count()).select_from(BallotVoter).where(BallotVoter.topic_id == topic_id)
        )
        return hashes, ballots, voters

    return db(work)


def _race(db: Any, settings: Any, run: int) -> tuple[int, int]:
    seed = db(lambda s: seed_assembly(s, slug=f"race-{run}", phase="voting", codes=0))
    options = add_proposals(db, seed.topic_id, ["Park", "Pool", "Pier"])
    people = _people(db, seed.assembly_id, WORKERS * VOTERS_PER_WORKER)
    acknowledged = [0]
    outcomes: list[list[Any]] = [[] for _ in range(WORKERS)]
    threads = [
        threading.Thread(
            target=_worker,
            args=(
                settings,
                [
                    (seed.topic_id, person, [str(options[n % len(options)])])
                    for n, person in enumerate(people[w::WORKERS])
                ],
                acknowledged,
                outcomes[w],
            ),
        )
        for w in range(WORKERS)
    ]
    after = random.randint(50, 300)
    closer = threading.Thread(
        target=_close_when, args=(settings, seed.topic_id, acknowledged, after)
    )
    for thread in [*threads, closer]:
        thread.start()
    for thread in [*threads, closer]:
        thread.join(timeout=60)
    results = [o for worker in outcomes for o in worker]
    assert len(results) == WORKERS * VOTERS_PER_WORKER
    receipts = [o for o in results if isinstance(o, str)]
    refused = [o for o in results if not isinstance(o, str)]
    assert all(isinstance(o, VotingClosed) for o in refused), {type(o) for o in refused}

    hashes, ballots, voters = _stored(db, seed.topic_id)
    lost = {receipt_hash(code) for code in receipts} - hashes
    assert lost == set(), f"run {run}: {len(lost)} acknowledged votes lost"
    assert ballots == voters == len(receipts), (ballots, voters, len(receipts))
    return len(receipts), len(refused)


@pytest.mark.parametrize(
    ("database_url", "runs"),
    [("sqlite", 3), pytest.param("postgres", 20, marks=pytest.mark.postgres)],
    indirect=["database_url"],
)
def test_a_close_amid_two_workers_of_voters_loses_no_acknowledged_vote(
    db: Any, settings: Any, runs: int
) -> None:
    random.seed(22)
    totals = [_race(db, settings, run) for run in range(runs)]
    stored = sum(t[0] for t in totals)
    refused = sum(t[1] for t in totals)
    # The close really landed among the votes: some got in, some were turned away.
    assert stored > 0
    assert refused > 0
