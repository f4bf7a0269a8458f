"""Counting is atomic: concurrent attempts never slip past the limit, on any backend.

The real counting function runs against the test database (SQLite and PostgreSQL, from the
``database_url`` fixture) and against Redis; Redis missing fails the test when CI is set.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from assembly.db.engine import create_engine
from assembly.db.models import RateLimitCounter
from assembly.ratelimits.counters import REDIS_PREFIX, DatabaseCounter, RedisCounter
from assembly.settings import Settings

REDIS_URL = os.environ.get("ASSEMBLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ATTEMPTS = 60
LIMIT = 10


async def _storm(counter: Any, key: str) -> list[bool]:
    hits = await asyncio.gather(*(counter.hit(key, LIMIT, 60) for _ in range(ATTEMPTS)))
    return [hit.allowed for hit in hits]


def test_concurrent_attempts_let_exactly_the_limit_through(settings: Settings, db: Any) -> None:
    async def run() -> list[bool]:
        engine = create_engine(settings)
        try:
            return await _storm(DatabaseCounter(engine), "join:storm")
        finally:
            await engine.dispose()

    allowed = asyncio.run(run())
    assert allowed.count(True) == LIMIT
    # Refused attempts changed nothing: the row still says 10.
    count = db(lambda s: s.scalar(select(RateLimitCounter.count)))
    assert count == LIMIT


def test_a_bucket_starts_again_when_its_minute_is_over(settings: Settings, db: Any) -> None:
    async def run() -> list[Any]:
        engine = create_engine(settings)
        counter = DatabaseCounter(engine)
        try:
            first = await counter.hit("signin:k", 2, 60)
            second = await counter.hit("signin:k", 2, 60)
            refused = await counter.hit("signin:k", 2, 60)
            await counter.give_back("signin:k")
            returned = await counter.hit("signin:k", 2, 60)
            async with engine.begin() as connection:  # the minute runs out
                past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
                await connection.execute(
                    RateLimitCounter.__table__.update().values(expires_at=past)  # type: ignore[attr-defined]
                )
            again = await counter.hit("signin:k", 2, 60)
            removed = await counter.delete_expired()
            return [first, second, refused, returned, again, removed]
        finally:
            await engine.dispose()

    first, second, refused, returned, again, removed = asyncio.run(run())
    assert (first.allowed, first.count, second.count) == (True, 1, 2)
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert returned.allowed
    assert returned.count == 2
    assert again.allowed
    assert again.count == 1
    assert removed == 0  # the fresh minute is not expired


def _redis_or_fail() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


def test_concurrent_attempts_in_redis_let_exactly_the_limit_through() -> None:
    _redis_or_fail()
    key = f"join:storm-{uuid.uuid4().hex[:8]}"

    async def run() -> tuple[list[bool], Any, Any]:
        counter = RedisCounter(REDIS_URL)
        try:
            allowed = await _storm(counter, key)
            refused = await counter.hit(key, LIMIT, 60)
            stored = await counter._redis().get(REDIS_PREFIX + key)
            ttl = await counter._redis().ttl(REDIS_PREFIX + key)
            await counter._redis().delete(REDIS_PREFIX + key)
            return allowed, (refused, stored), ttl
        finally:
            await counter.close()

    allowed, (refused, stored), ttl = asyncio.run(run())
    assert allowed.count(True) == LIMIT
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert int(stored) == LIMIT  # refused attempts are not counted
    assert 0 < ttl <= 60
