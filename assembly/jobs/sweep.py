"""The expiry sweep: each process deletes expired sessions and rate-limit counters now and then.

Stored items carry their expiry and are never read once expired, but nothing removed them,
so the table only grew. Redis expires its keys by itself; stores without ``delete_expired``
are left alone. Several workers sweeping the same table is harmless: each delete removes
only what has expired.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from assembly.settings import Settings

logger = logging.getLogger("assembly.jobs")


async def sweep_expired(stores: Sequence[Any]) -> int:
    """Delete what has expired in every store that can; how many items went (where known)."""
    removed = 0
    for store in stores:
        delete_expired = getattr(store, "delete_expired", None)
        if delete_expired is None:
            continue
        count = await delete_expired()
        removed += count if isinstance(count, int) else 0
    return removed


async def sweep_forever(stores: Sequence[Any], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            removed = await sweep_expired(stores)
        except Exception:  # a database that is busy or down: try again next time
            logger.warning("The expiry sweep failed; it tries again.", exc_info=True)
            continue
        if removed:
            logger.info("The expiry sweep removed %d expired items.", removed)


def sweep_hooks(
    settings: Settings, stores: Sequence[Any]
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """``on_startup`` and ``on_shutdown`` hooks that run the sweep as an asyncio task."""
    tasks: list[asyncio.Task[None]] = []

    async def start_sweep() -> None:
        if settings.jobs_enabled and settings.session_sweep_seconds > 0:
            task = sweep_forever(stores, settings.session_sweep_seconds)
            tasks.append(asyncio.create_task(task, name="assembly-expiry-sweep"))

    async def stop_sweep() -> None:
        while tasks:
            task = tasks.pop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start_sweep, stop_sweep
