"""Atomic attempt counters: Redis when configured, else a row per bucket in the database.

Each ``hit`` is one atomic step, so workers and concurrent requests never race: of 60
simultaneous attempts against a limit of 10 exactly 10 pass.

- Redis: a Lua script reads, increments and sets the expiry in one go.
- PostgreSQL and SQLite (3.35 or later): one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``.
  The update only happens while the bucket is under its limit (or its minute is over), so a
  refused attempt changes nothing, and no row comes back.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from assembly.db.models import RateLimitCounter

REDIS_PREFIX = "assembly:rate_limit:"

# KEYS[1] the bucket; ARGV[1] the limit, ARGV[2] the window in milliseconds.
_REDIS_HIT = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    ttl = tonumber(ARGV[2])
  end
  return {0, ttl}
end
count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {count, redis.call('PTTL', KEYS[1])}
"""
_REDIS_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int  # attempts counted in the bucket's minute (0 when refused)
    retry_after: int  # seconds until the bucket's minute is over


class Counter(Protocol):
    async def hit(self, key: str, limit: int, window: int) -> Hit: ...

    async def give_back(self, key: str) -> None: ...

    async def delete_expired(self) -> int: ...

    async def close(self) -> None: ...


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(1, math.ceil((moment - now).total_seconds()))


class DatabaseCounter:
    """Counters in ``rate_limit_counters``; each statement commits on its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(assembly_write=True)
        self._insert: Any = postgresql.insert if engine.dialect.name == "postgresql" else None
        if self._insert is None:
            self._insert = sqlite.insert

    async def hit(self, key: str, limit: int, window: int) -> Hit:
        table: Any = RateLimitCounter.__table__
        now = dt.datetime.now(dt.UTC)
        statement = self._insert(table).values(
            key=key, count=1, expires_at=now + dt.timedelta(seconds=window)
        )
        over = table.c.expires_at <= now  # the bucket's minute has passed: start again
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": case((over, 1), else_=table.c.count + 1),
                "expires_at": case((over, statement.excluded.expires_at), else_=table.c.expires_at),
            },
            where=or_(table.c.count < limit, over),
        ).returning(table.c.count, table.c.expires_at)
        async with self._engine.begin() as connection:
            row = (await connection.execute(statement)).first()
            if row is not None:
                return Hit(True, int(row[0]), _seconds_until(row[1], now))
            ends = await connection.scalar(select(table.c.expires_at).where(table.c.key == key))
        return Hit(False, 0, _seconds_until(ends, now) if ends else window)

    async def give_back(self, key: str) -> None:
        table: Any = RateLimitCounter.__table__
        statement = (
            update(table)
            .where(table.c.key == key, table.c.count > 0)
            .values(count=table.c.count - 1)
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def delete_expired(self) -> int:
        """Remove counters whose minute is over; how many went (for the expiry sweep)."""
        table: Any = RateLimitCounter.__table__
        statement = delete(table).where(table.c.expires_at <= dt.datetime.now(dt.UTC))
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def close(self) -> None:
        return None


class RedisCounter:
    """Counters as Redis keys that expire by themselves."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client: Any = None

    def _redis(self) -> Any:
        if self._client is None:
            from redis.asyncio import Redis

            self._client = Redis.from_url(self._url)
        return self._client

    async def hit(self, key: str, limit: int, window: int) -> Hit:
        count, ttl = await self._redis().eval(
            _REDIS_HIT, 1, REDIS_PREFIX + key, limit, window * 1000
        )
        retry_after = max(1, math.ceil(int(ttl) / 1000))
        return Hit(int(count) > 0, int(count), retry_after)

    async def give_back(self, key: str) -> None:
        await self._redis().eval(_REDIS_GIVE_BACK, 1, REDIS_PREFIX + key)

    async def delete_expired(self) -> int:
        return 0  # Redis expires its keys by itself

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def create_counter(redis_url: str | None, engine: AsyncEngine) -> Counter:
    return RedisCounter(redis_url) if redis_url else DatabaseCounter(engine)
