"""The moment voting starts by schedule: 64 readers at once, and the phase moves exactly once.

Pages show the phase in force by time and write nothing; the job runner in each server
process carries out the planned start. On PostgreSQL two worker processes (two runners) race
for it, and the conditional move lets one of them win.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser.live_server import LiveServer, run_db
from sqlalchemy import select

from assembly.db.models import Assembly, AuditEvent, Proposal, SpotlightArea, Topic

pytestmark = pytest.mark.slow

READERS = 64
LEAD = dt.timedelta(seconds=1.5)  # from planning the start to the start


async def _seed(db: Any) -> int:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    assembly = Assembly(slug="quay", title="Quay", status="published")
    db.add(assembly)
    await db.flush()
    topic = Topic(
        assembly_id=assembly.id,
        slug="benches",
        question="Where should the benches go?",
        spotlight_area_id=area.id,
        voting_method="approval",
        phase="deliberation",
        phase_schedule={},
    )
    db.add(topic)
    await db.flush()
    db.add(Proposal(topic_id=topic.id, title="By the water", body="Benches facing the fjord"))
    return int(topic.id)


async def _plan(db: Any, topic_id: int, starts_at: dt.datetime) -> None:
    topic = await db.get(Topic, topic_id)
    topic.phase_schedule = {"voting": starts_at.isoformat()}


def _moves(database_url: str, topic_id: int) -> tuple[str, int]:
    async def work(db: Any) -> tuple[str, int]:
        phase = await db.scalar(select(Topic.phase).where(Topic.id == topic_id))
        moves = await db.scalars(
            select(AuditEvent.id).where(
                AuditEvent.action == "topic.phase_scheduled",
                AuditEvent.subject_id == str(topic_id),
            )
        )
        return str(phase), len(moves.all())

    return run_db(database_url, work)


def test_readers_at_the_start_of_voting_get_no_error_and_the_phase_moves_once(
    backend_url: str, tmp_path: Path
) -> None:
    topic_id = run_db(backend_url, _seed)
    workers = 1 if backend_url.startswith("sqlite") else 2
    server = LiveServer(backend_url, log_path=tmp_path / "server.log", workers=workers).start()
    path = "/assemblies/quay/topics/benches"
    try:
        starts_at = dt.datetime.now(dt.UTC) + LEAD
        run_db(backend_url, lambda db: _plan(db, topic_id, starts_at))
        wait = (starts_at - dt.datetime.now(dt.UTC)).total_seconds() - 0.3
        assert wait > 0, "the database took too long to answer for the test to mean anything"
        time.sleep(wait)

        def read(index: int) -> tuple[int, float]:
            with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as client:
                time.sleep(index % 8 * 0.08)  # spread over the due moment
                response = client.get(path)
                return response.status_code, time.time()

        with ThreadPoolExecutor(max_workers=READERS) as pool:
            answers = list(pool.map(read, range(READERS)))
        assert [s for s, _ in answers if s >= 500] == [], server.log()
        assert all(s == 200 for s, _ in answers), answers
        deadline = time.monotonic() + 15
        while _moves(backend_url, topic_id)[0] != "voting" and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2.5)  # both runners poll again: a second move would show now
        assert _moves(backend_url, topic_id) == ("voting", 1)
        after = httpx.get(server.url + path, trust_env=False, timeout=10)
        assert after.status_code == 200
        assert "Voting" in after.text
    finally:
        server.stop()
