"""Live updates of a meeting: events through Litestar's channels plugin, out by Server-Sent Events.

One channel per assembly. Events say what changed and nothing more: a meeting's new version
(pages then fetch what they show, in their reader's language and under their rules), a table's
state, or a topic's turnout. No ballot content and no unpublished result is ever sent.

The channels backend is in memory for one process, and Redis (pub/sub) when
``ASSEMBLY_REDIS_URL`` is set, so every worker's clients hear every worker's events.

Turnout is counted here rather than sent with each ballot: a cast marks its topic, and a
ticker in each process counts marked topics at most every ``TURNOUT_INTERVAL`` seconds with a
fresh connection, so 200 voters cost a few small counts per second, not 200 messages to every
screen. The Redis backend keeps no history, so a client that reconnects catches up from the
version it last saw (Last-Event-ID), which the stream compares with the stored one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncGenerator
from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.datastructures import State
from litestar.response import ServerSentEventMessage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.db.models import Ballot
from assembly.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0
TURNOUT_INTERVAL = 0.25
# Reconnects are spread over this window (ms), so a restarted server is not hit all at once.
RETRY_MS = (2000, 6000)
SUBSCRIBER_BACKLOG = 200


def channel_for(assembly_id: int) -> str:
    return f"assembly:{assembly_id}"


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    backend: ChannelsBackend
    if settings.redis_url:
        from litestar.channels.backends.redis import RedisChannelsPubSubBackend
        from redis.asyncio import Redis

        backend = RedisChannelsPubSubBackend(
            redis=Redis.from_url(settings.redis_url), key_prefix="assembly_channels"
        )
    else:
        backend = MemoryChannelsBackend()
    # Slow clients drop their oldest events rather than hold memory: every event only says
    # "look again", so the newest one is enough to catch up.
    return ChannelsPlugin(
        backend=backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=SUBSCRIBER_BACKLOG,
        subscriber_backlog_strategy="dropleft",
    )


def plugin_of(state: State) -> ChannelsPlugin | None:
    found = state.get("channels_plugin")
    return found if isinstance(found, ChannelsPlugin) else None


def publish(state: State, assembly_id: int, event: dict[str, Any]) -> None:
    plugin = plugin_of(state)
    if plugin is not None:
        plugin.publish(event, channel_for(assembly_id))


def meeting_changed(state: State, assembly_id: int, meeting_id: int, version: int) -> None:
    publish(state, assembly_id, {"type": "agenda", "meeting": meeting_id, "version": version})


def table_changed(state: State, assembly_id: int, meeting_id: int, table: int) -> None:
    publish(state, assembly_id, {"type": "tables", "meeting": meeting_id, "table": table})


# --- turnout ---------------------------------------------------------------------------------


class TurnoutTicker:
    """Counts the ballots of topics that got one, a few times a second, and publishes them."""

    def __init__(self, engine: AsyncEngine, state: State) -> None:
        self.engine = engine
        self.state = state
        self.dirty: dict[int, int] = {}  # topic id -> assembly id
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def mark(self, assembly_id: int, topic_id: int) -> None:
        self.dirty[topic_id] = assembly_id
        self.wake.set()

    async def run(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            batch, self.dirty = self.dirty, {}
            try:
                async with AsyncSession(self.engine) as db:
                    rows = await db.execute(
                        select(Ballot.topic_id, func.count())
                        .where(Ballot.topic_id.in_(list(batch)))
                        .group_by(Ballot.topic_id)
                    )
                    counts = {int(t): int(n) for t, n in rows.tuples()}
                for topic_id, assembly_id in batch.items():
                    publish(
                        self.state,
                        assembly_id,
                        {"type": "turnout", "topic": topic_id, "ballots": counts.get(topic_id, 0)},
                    )
            except Exception:  # a failed count must not end live turnout for the evening
                log.exception("Counting turnout failed")
            await asyncio.sleep(TURNOUT_INTERVAL)

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None


def ballot_cast(state: State, assembly_id: int, topic_id: int) -> None:
    """Called after a ballot is stored: the projector's turnout follows within a moment."""
    ticker = state.get("turnout_ticker")
    if isinstance(ticker, TurnoutTicker):
        ticker.mark(assembly_id, topic_id)


def start_ticker(state: State, engine: AsyncEngine) -> None:
    ticker = TurnoutTicker(engine, state)
    state.turnout_ticker = ticker
    ticker.start()


async def stop_ticker(state: State) -> None:
    ticker = state.get("turnout_ticker")
    if isinstance(ticker, TurnoutTicker):
        await ticker.stop()


# --- the stream --------------------------------------------------------------------------------


def parse_last_seen(header: str | None, since: str | None) -> int | None:
    for raw in (header, since):
        if raw and raw.strip().isdigit():
            return int(raw.strip())
    return None


async def stream(
    plugin: ChannelsPlugin,
    assembly_id: int,
    meeting_id: int,
    version: int,
    last_seen: int | None,
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """A meeting's events for one client, from a catch-up event if it missed a change."""
    retry = random.randint(*RETRY_MS)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    subscriber = await plugin.subscribe(channel_for(assembly_id))

    async def pump() -> None:
        async for raw in subscriber.iter_events():
            queue.put_nowait(raw)

    task = asyncio.get_running_loop().create_task(pump())
    try:
        first = {"type": "agenda", "meeting": meeting_id, "version": version}
        if last_seen != version:
            yield ServerSentEventMessage(data=json.dumps(first), id=version, retry=retry)
        else:
            yield ServerSentEventMessage(comment="connected", retry=retry)
        while True:
            try:
                raw = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield ServerSentEventMessage(comment="still here")
                continue
            text = raw.decode()
            event = json.loads(text)
            if event.get("meeting") not in (None, meeting_id):
                continue
            if event.get("type") == "agenda":
                version = int(event.get("version", version))
                yield ServerSentEventMessage(data=text, id=version)
            else:
                yield ServerSentEventMessage(data=text)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await plugin.unsubscribe(subscriber)
