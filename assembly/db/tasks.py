"""Database work outside a request: one committed transaction, and preparing a database.

The command line, the demo, the scenario runner and the tests all reach the database this way,
so none of them has to go through the ``assembly`` command to get a session.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from assembly.catalogue.services import sync_catalogue
from assembly.db.engine import SessionMaker, create_engine
from assembly.db.migrate import upgrade
from assembly.settings import Settings

T = TypeVar("T")

__all__ = ["prepare_database", "run_with_session"]


def run_with_session(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(db_session)`` in one write transaction, committed when it succeeds."""

    async def runner() -> T:
        engine = create_engine(settings, null_pool=True)
        try:
            async with SessionMaker(engine).for_write() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def prepare_database(settings: Settings) -> None:
    """Migrate to the newest schema and sync the practice catalogue."""
    upgrade(settings)
    run_with_session(settings, sync_catalogue)
