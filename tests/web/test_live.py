"""The live stream: a catch-up event after a missed change, then what others publish."""

from __future__ import annotations

import asyncio
import json

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from assembly.web import live


def _plugin() -> ChannelsPlugin:
    return ChannelsPlugin(backend=MemoryChannelsBackend(), arbitrary_channels_allowed=True)


async def _take(plugin: ChannelsPlugin, last_seen: int | None, publish: list[dict]) -> list:
    async with plugin:
        stream = live.stream(plugin, 7, 3, 12, last_seen)
        first = await anext(stream)
        for event in publish:
            plugin.publish(event, live.channel_for(7))
        taken = [first]
        for _ in publish:
            taken.append(await asyncio.wait_for(anext(stream), 5))
        await stream.aclose()
        return taken


def test_a_client_that_missed_a_change_is_told_at_once() -> None:
    first, *_ = asyncio.run(_take(_plugin(), 10, []))
    assert first.id == 12
    assert json.loads(first.data) == {"type": "agenda", "meeting": 3, "version": 12}
    assert first.retry is not None
    assert 2000 <= first.retry <= 6000


def test_an_up_to_date_client_gets_only_new_events_for_its_meeting() -> None:
    events = [
        {"type": "agenda", "meeting": 4, "version": 99},  # another meeting of the assembly
        {"type": "turnout", "topic": 5, "ballots": 17},
        {"type": "agenda", "meeting": 3, "version": 13},
    ]
    first, turnout, agenda = asyncio.run(_take(_plugin(), 12, events[1:]))
    assert first.data in ("", None)
    assert first.comment == "connected"
    assert json.loads(turnout.data)["ballots"] == 17
    assert agenda.id == 13


def test_events_of_other_meetings_are_skipped() -> None:
    async def work() -> list:
        plugin = _plugin()
        async with plugin:
            stream = live.stream(plugin, 7, 3, 12, 12)
            await anext(stream)
            plugin.publish({"type": "agenda", "meeting": 4, "version": 99}, live.channel_for(7))
            plugin.publish({"type": "agenda", "meeting": 3, "version": 13}, live.channel_for(7))
            event = await asyncio.wait_for(anext(stream), 5)
            await stream.aclose()
            return [event]

    (event,) = asyncio.run(work())
    assert event.id == 13


def test_last_event_id_wins_over_the_query() -> None:
    assert live.parse_last_seen("14", "12") == 14
    assert live.parse_last_seen(None, "12") == 12
    assert live.parse_last_seen("junk", None) is None
