"""Page views write nothing: no empty session for a visitor, no rewrite of an unchanged one.

Every statement the application's engine sends is recorded, so "writes nothing" means no
INSERT, UPDATE or DELETE reached the database at all, and the session table is checked too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from litestar.testing import TestClient
from participants.assembly_seed import add_proposals, join, seed_assembly
from sqlalchemy import event, func, select

from assembly.app import create_app
from assembly.db.models import RateLimitCounter, StoreItem
from assembly.jobs.sweep import sweep_expired
from assembly.settings import Settings
from assembly.web import sessions as web_sessions

WRITES = ("INSERT", "UPDATE", "DELETE")


class Statements:
    def __init__(self, engine: Any) -> None:
        self.seen: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.seen.append(statement.lstrip())

    def writes(self) -> list[str]:
        return [s for s in self.seen if s.upper().startswith(WRITES)]

    def clear(self) -> None:
        self.seen.clear()


def _client(settings: Settings, **changes: Any) -> Iterator[tuple[TestClient[Any], Statements]]:
    app = create_app(dataclasses.replace(settings, **changes))
    statements = Statements(app.state.engine)
    with TestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client, statements


@pytest.fixture
def watched(settings: Settings) -> Iterator[tuple[TestClient[Any], Statements]]:
    yield from _client(settings)


async def _sessions(s: Any) -> list[tuple[str, bytes, dt.datetime]]:
    rows = await s.execute(
        select(StoreItem.key, StoreItem.value, StoreItem.expires_at).where(
            StoreItem.namespace == "sessions"
        )
    )
    return sorted(tuple(r) for r in rows)


def _pages(db: Any) -> dict[str, int]:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    add_proposals(db, seed.topic_id, ["Park", "Library"])
    return {
        "/": 200,
        "/join": 200,
        "/signin": 200,
        seed.topic_url: 200,
        f"{seed.topic_url}/vote": 403,  # for participants only; the refusal writes nothing
        "/no-such-page": 404,
        "/static/css/app.css": 200,
    }


def test_an_anonymous_page_view_stores_no_session_and_writes_nothing(
    watched: tuple[TestClient[Any], Statements], db: Any
) -> None:
    client, statements = watched
    pages = _pages(db)
    statements.clear()
    for _round in range(3):
        for page, status in pages.items():
            response = client.get(page)
            assert response.status_code == status, page
            assert "assembly_session" not in response.headers.get("set-cookie", ""), page
    assert statements.seen, "the pages read from the database"
    assert statements.writes() == []
    assert db(_sessions) == []


def test_a_signed_in_page_view_leaves_the_session_row_alone(
    watched: tuple[TestClient[Any], Statements], db: Any
) -> None:
    client, statements = watched
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    add_proposals(db, seed.topic_id, ["Park"])
    join(client, seed.codes[0], "Reader")
    before = db(_sessions)
    assert len(before) == 1  # the join stored the one session
    statements.clear()
    for page in ("/", seed.topic_url, f"{seed.topic_url}/vote", "/static/css/app.css"):
        response = client.get(page)
        assert response.status_code == 200, page
        assert "Reader" in client.get("/").text  # still signed in as the participant
    assert statements.writes() == []
    assert db(_sessions) == before


def test_a_session_is_renewed_once_its_renewal_is_due(
    settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The renewal clock is moved by hand, so a slow machine cannot make "a moment ago" late.
    later = 0.0
    clock = SimpleNamespace(time=lambda: time.time() + later, monotonic=time.monotonic)
    monkeypatch.setattr(web_sessions, "time", clock)
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    for client, statements in _client(settings, session_renew_seconds=60, session_cache_seconds=0):
        join(client, seed.codes[0], "Returning")
        [(key, _value, first_expiry)] = db(_sessions)
        statements.clear()
        client.get("/")
        assert statements.writes() == []  # renewed a moment ago
        later = 61.0
        time.sleep(0.01)
        client.get("/")
        [(same_key, _value, renewed_expiry)] = db(_sessions)
        assert same_key == key
        assert renewed_expiry > first_expiry
        assert len(statements.writes()) == 1
        statements.clear()
        client.get("/")
        assert statements.writes() == []


def test_a_changed_session_is_written_and_a_cleared_one_deleted(
    watched: tuple[TestClient[Any], Statements], db: Any
) -> None:
    client, _statements = watched
    seed = db(lambda s: seed_assembly(s, codes=2))
    join(client, seed.codes[0], "First")
    [(key, value, _expiry)] = db(_sessions)
    join(client, seed.codes[1], "Second")  # joining again rotates the identifier
    [(new_key, new_value, _expiry)] = db(_sessions)
    assert new_key != key
    assert new_value != value
    response = client.get("/")
    assert "Second" in response.text


def test_a_cookie_for_an_unknown_session_gets_no_row(
    watched: tuple[TestClient[Any], Statements], db: Any
) -> None:
    client, statements = watched
    client.cookies.set("assembly_session", "a-session-that-does-not-exist")
    statements.clear()
    response = client.get("/")
    assert response.status_code == 200
    assert statements.writes() == []
    assert db(_sessions) == []


def test_the_expiry_sweep_deletes_only_expired_items(client: TestClient[Any], db: Any) -> None:
    now = dt.datetime.now(dt.UTC)

    async def plant(s: Any) -> None:
        for key, days in (("old", -1), ("current", 1)):
            s.add(
                StoreItem(
                    namespace="sessions", key=key, value=b"{}", expires_at=now + dt.timedelta(days)
                )
            )
        # Rate-limit counters whose minute is over go too; a running one stays.
        s.add(RateLimitCounter(key="gone", count=3, expires_at=now))
        s.add(RateLimitCounter(key="running", count=1, expires_at=now + dt.timedelta(minutes=1)))

    db(plant)
    stores = [client.app.stores.get("sessions"), client.app.state.rate_limit_counter]

    async def remaining(s: Any) -> list[str]:
        return sorted((await s.scalars(select(StoreItem.key))).all())

    async def counters(s: Any) -> list[str]:
        return sorted((await s.scalars(select(RateLimitCounter.key))).all())

    with client.portal() as portal:
        removed = portal.call(sweep_expired, stores)
    assert removed == 2
    assert db(remaining) == ["current"]
    assert db(counters) == ["running"]
    assert db(lambda s: s.scalar(select(func.count()).select_from(StoreItem))) == 1
