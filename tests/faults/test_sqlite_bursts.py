"""A burst of writers on SQLite queues instead of failing: 50 paper ballots entered at once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser.live_server import PASSWORD, LiveServer, prepare_sqlite, run_db
from browser.world import FACILITATOR, World, seed_world
from sqlalchemy import func, select

from assembly.db.models import Ballot

pytestmark = pytest.mark.slow

WRITERS = 50
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def test_fifty_paper_ballots_at_once_all_store(tmp_path: Path) -> None:
    url = prepare_sqlite(tmp_path / "burst.db")
    world: World = run_db(url, lambda db: seed_world(db, codes=1))
    server = LiveServer(url, log_path=tmp_path / "server.log").start()
    page = world.manage_url("voting") + "/paper-ballots"
    choice = str(world.proposal_ids["voting"][0])
    try:
        with httpx.Client(base_url=server.url, trust_env=False, timeout=60) as client:
            token = CSRF.search(client.get("/signin").text).group(1)  # type: ignore[union-attr]
            signed = client.post(
                "/signin",
                data={"email": FACILITATOR, "password": PASSWORD, "_csrf_token": token},
            )
            assert signed.status_code == 303, signed.text
            form = CSRF.search(client.get(page).text).group(1)  # type: ignore[union-attr]

            def enter(_: int) -> int:
                response = client.post(
                    page, data={"choice": choice, "participant": "", "_csrf_token": form}
                )
                return response.status_code

            with ThreadPoolExecutor(max_workers=WRITERS) as pool:
                statuses = list(pool.map(enter, range(WRITERS)))
        assert statuses == [303] * WRITERS, statuses

        async def count(db: Any) -> int:
            topic_id = world.topic_ids["voting"]
            return int(
                await db.scalar(
                    select(func.count()).select_from(Ballot).where(Ballot.topic_id == topic_id)
                )
            )

        assert run_db(url, count) == WRITERS
    finally:
        server.stop()
