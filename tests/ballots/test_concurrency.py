"""Simultaneous submissions by one participant leave exactly one ballot, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from participants.assembly_seed import add_proposals, seed_assembly
from sqlalchemy import func, select

from assembly.ballots.services import AlreadyVoted, cast_ballot
from assembly.db.engine import SessionMaker, create_engine
from assembly.db.models import Ballot, BallotVoter, Participant, Topic

ATTEMPTS = 6


async def _race(settings: Any, topic_id: int, participant_id: int, option: str) -> list[str | None]:
    engine = create_engine(settings)
    makers = SessionMaker(engine)
    start = asyncio.Event()

    async def attempt() -> str | None:
        await start.wait()
        async with makers.for_write() as session:
            topic = await session.get(Topic, topic_id)
            participant = await session.get(Participant, participant_id)
            try:
                code = await cast_ballot(session, topic, participant, [option])
            except AlreadyVoted:
                await session.rollback()
                return None
            await session.commit()
            return code

    tasks = [asyncio.create_task(attempt()) for _ in range(ATTEMPTS)]
    start.set()
    try:
        return await asyncio.gather(*tasks)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("secrecy", ["secret", "open"])
def test_concurrent_submissions_leave_one_ballot(db: Any, settings: Any, secrecy: str) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting", secrecy=secrecy))
    [option] = add_proposals(db, seed.topic_id, ["Park"])

    async def make_participant(s: Any) -> int:
        participant = Participant(assembly_id=seed.assembly_id, pseudonym="Quick fingers")
        s.add(participant)
        await s.flush()
        return participant.id

    person = db(make_participant)
    outcomes = asyncio.run(_race(settings, seed.topic_id, person, str(option)))
    assert sum(code is not None for code in outcomes) == 1

    async def counts(s: Any) -> tuple[int, int]:
        ballots = await s.scalar(select(func.count()).select_from(Ballot))
        voters = await s.scalar(select(func.count()).select_from(BallotVoter))
        return ballots, voters

    assert db(counts) == (1, 1)


def test_concurrent_http_submissions_leave_one_ballot(client: Any, db: Any, settings: Any) -> None:
    """The same browser session posting from several workers at once (a double click, a retry)."""
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from helpers import csrf_token
    from participants.assembly_seed import another_client, join

    seed = db(lambda s: seed_assembly(s, phase="voting"))
    [option] = add_proposals(db, seed.topic_id, ["Park"])
    join(client, seed.codes[0], "Double clicker")
    token = csrf_token(client, f"{seed.topic_url}/vote")
    body = f"choice={option}&_csrf_token={token}"
    with ExitStack() as stack:
        workers = [stack.enter_context(another_client(settings)) for _ in range(3)]
        for worker in workers:
            for name in ("assembly_session", "assembly_csrf"):
                worker.cookies.set(name, client.cookies.get(name))

        def submit(worker: Any) -> int:
            response = worker.post(
                f"{seed.topic_url}/vote",
                content=body,
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            statuses = sorted(pool.map(submit, workers))
    assert statuses == [200, 400, 400]

    async def counts(s: Any) -> tuple[int, int]:
        ballots = await s.scalar(select(func.count()).select_from(Ballot))
        voters = await s.scalar(select(func.count()).select_from(BallotVoter))
        return ballots, voters

    assert db(counts) == (1, 1)
