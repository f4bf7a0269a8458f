"""No lost votes and no double votes: many concurrent voters against the real server, which
is killed with SIGKILL mid-stream and restarted; then concurrent duplicate submissions."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser.live_server import LiveServer, run_db
from browser.world import World, seed_world
from sqlalchemy import func, select

from assembly.db.models import Ballot, BallotVoter, Participant

pytestmark = pytest.mark.slow

VOTERS = 20
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def join(base: str, code: str, pseudonym: str) -> httpx.Client:
    """A citizen's own cookie jar, joined to the assembly."""
    client = httpx.Client(base_url=base, trust_env=False, timeout=20)
    token = CSRF.search(client.get("/join").text).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/join", data={"code": code, "pseudonym": pseudonym, "_csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return client


def vote(client: httpx.Client, topic: str, choice: str) -> str:
    """'ok' for a recorded vote, 'refused' for a clear 4xx, 'unknown' if the server vanished."""
    try:
        token = CSRF.search(client.get(f"{topic}/vote").text).group(1)  # type: ignore[union-attr]
        response = client.post(f"{topic}/vote", data={"choice": choice, "_csrf_token": token})
    except (httpx.HTTPError, AttributeError):
        return "unknown"
    if response.status_code == 200 and "Your vote is recorded" in response.text:
        return "ok"
    assert response.status_code < 500, response.text
    return "refused"


def stored(database_url: str, topic_id: int) -> tuple[int, int, set[str]]:
    async def work(db: Any) -> tuple[int, int, set[str]]:
        ballots = await db.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.topic_id == topic_id)
        )
        voters = await db.scalar(
            select(func.count()).select_from(BallotVoter).where(BallotVoter.topic_id == topic_id)
        )
        names = await db.scalars(
            select(Participant.pseudonym)
            .join(BallotVoter, BallotVoter.participant_id == Participant.id)
            .where(BallotVoter.topic_id == topic_id)
        )
        return ballots, voters, set(names.all())

    return run_db(database_url, work)


def test_no_vote_is_lost_or_doubled_when_the_server_is_killed(
    backend_url: str, tmp_path: Path
) -> None:
    world: World = run_db(backend_url, lambda db: seed_world(db, codes=VOTERS))
    topic = world.topic_url("voting")
    topic_id = world.topic_ids["voting"]
    options = [str(i) for i in world.proposal_ids["voting"]]
    server = LiveServer(backend_url, log_path=tmp_path / "server.log").start()
    clients: list[httpx.Client] = []
    try:
        names = [f"Voter {n:02d}" for n in range(VOTERS)]
        for code, name in zip(world.codes, names, strict=True):
            clients.append(join(server.url, code, name))
        outcomes: dict[str, str] = {}
        started = threading.Event()
        done = [0]
        lock = threading.Lock()

        def cast(index: int) -> None:
            started.set()
            outcome = vote(clients[index], topic, options[index % len(options)])
            with lock:
                outcomes[names[index]] = outcome
                done[0] += 1

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(cast, i) for i in range(VOTERS)]
            started.wait(10)
            deadline = time.monotonic() + 20
            while done[0] < VOTERS // 3 and time.monotonic() < deadline:
                time.sleep(0.005)
            server.kill()  # mid-stream: some votes are done, some in flight, some not sent
            for future in futures:
                future.result()

        succeeded = {name for name, outcome in outcomes.items() if outcome == "ok"}
        assert succeeded, outcomes
        assert len(succeeded) < VOTERS, "the kill came too late to test anything"

        server.start()
        ballots, voters, who = stored(backend_url, topic_id)
        assert ballots == voters, (ballots, voters)  # none stored twice, none half-stored
        assert succeeded <= who, succeeded - who  # every confirmed vote survived

        # After the restart, everyone else can still vote, exactly once.
        for index in [n for n in range(VOTERS) if names[n] not in who]:
            assert vote(clients[index], topic, options[0]) == "ok"
        ballots, voters, who = stored(backend_url, topic_id)
        assert ballots == voters == VOTERS
        assert who == set(names)
    finally:
        for client in clients:
            client.close()
        server.stop()


def test_concurrent_duplicate_submissions_leave_one_ballot(
    backend_url: str, tmp_path: Path
) -> None:
    world: World = run_db(backend_url, lambda db: seed_world(db, codes=1))
    topic = world.topic_url("voting")
    server = LiveServer(backend_url, log_path=tmp_path / "server.log").start()
    client = None
    try:
        client = join(server.url, world.codes[0], "Eager Voter")
        token = CSRF.search(client.get(f"{topic}/vote").text).group(1)  # type: ignore[union-attr]
        barrier = threading.Barrier(8)
        choice = str(world.proposal_ids["voting"][0])

        def submit(_: int) -> int:
            barrier.wait()
            response = client.post(f"{topic}/vote", data={"choice": choice, "_csrf_token": token})
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(submit, range(8)))
        assert statuses.count(200) == 1, statuses
        assert all(400 <= s < 500 for s in statuses if s != 200), statuses
        ballots, voters, who = stored(backend_url, world.topic_ids["voting"])
        assert (ballots, voters, who) == (1, 1, {"Eager Voter"})
    finally:
        if client is not None:
            client.close()
        server.stop()
