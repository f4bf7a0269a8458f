"""One writer per process that stores queued online ballots together, in one commit.

On SQLite every commit waits for the disk (``synchronous=FULL``), so one commit per vote caps
votes per second at the disk's fsync rate, and each request would hold the write lock while
it waits. Here a request checks its ballot, queues it and waits; the writer gathers what
arrives within ``vote_batch_window_ms`` and stores the whole batch in one transaction. Every
request is answered only after its batch has committed, so a success response is durable.

Inside the batch the votes are claimed with one insert that skips those already recorded, so
a duplicate vote fails alone with ``AlreadyVoted`` while the others commit; the ballots and
their audit records are one insert each, and the receipts are drawn before the batch starts.
If the transaction fails as a whole, every waiting request gets ``VoteNotStored`` and
nothing of the batch is kept. On PostgreSQL the writer works the same way and simply saves commits.

A plain ``asyncio.Queue`` and one task are all this needs; a job queue would add a process
and a broker for what is a few lines of batching.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots.services import QueuedBallot, store_online_ballots
from assembly.errors import InvalidInput
from assembly.i18n import _l

log = logging.getLogger(__name__)

MAX_BATCH = 500


class VoteNotStored(InvalidInput):
    """The batch holding this vote could not be committed; nothing of it was stored."""

    def __init__(self) -> None:
        super().__init__({"": _l("Your vote could not be stored. Please try again.")})


@dataclass
class _Waiting:
    ballot: QueuedBallot
    answer: asyncio.Future[str]


class VoteWriter:
    """Stores online ballots in batches; ``cast`` returns the receipt once it is committed.

    The writer belongs to the event loop it was first used in and starts its task then;
    ``stop`` ends it after the queued votes are stored.
    """

    def __init__(
        self,
        sessions: Callable[[], AsyncSession],
        *,
        window_ms: float = 2.0,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.sessions = sessions
        self.window = max(window_ms, 0.0) / 1000
        self.max_batch = max_batch
        self.batches = 0  # committed batches, for tests and benchmarks
        self.stored = 0
        self._queue: asyncio.Queue[_Waiting | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _ensure_started(self) -> asyncio.Queue[_Waiting | None]:
        loop = asyncio.get_running_loop()
        if self._queue is None or self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = asyncio.Queue()
            self._task = loop.create_task(self._run(self._queue), name="vote-writer")
        return self._queue

    async def cast(self, topic_id: int, participant_id: int, content: Any) -> str:
        """Queue a checked ballot; its receipt once stored, or the InvalidInput that kept it out."""
        queue = self._ensure_started()
        answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        await queue.put(_Waiting(QueuedBallot(topic_id, participant_id, content), answer))
        # Shielded: a client that goes away must not cancel the answer the batch still gives.
        return await asyncio.shield(answer)

    async def stop(self) -> None:
        if self._queue is None or self._task is None or self._task.done():
            return
        if self._loop is not asyncio.get_running_loop():
            return
        await self._queue.put(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self, queue: asyncio.Queue[_Waiting | None]) -> None:
        stopping = False
        while not stopping:
            first = await queue.get()
            if first is None:
                return
            batch = [first]
            deadline = asyncio.get_running_loop().time() + self.window
            # Gather what arrives within the window; the batch window starts at the first vote.
            while len(batch) < self.max_batch:
                try:
                    item = queue.get_nowait()
                except asyncio.QueueEmpty:
                    remaining = deadline - asyncio.get_running_loop().time()
                    if remaining <= 0:
                        break
                    try:
                        item = await asyncio.wait_for(queue.get(), remaining)
                    except TimeoutError:
                        break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            await self._write(batch)

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            async with self.sessions() as session:
                outcomes = await store_online_ballots(session, [w.ballot for w in batch])
                await session.commit()
        except Exception:  # every waiting request must hear about it
            log.exception("a batch of %d votes could not be stored", len(batch))
            for waiting in batch:
                if not waiting.answer.done():
                    waiting.answer.set_exception(VoteNotStored())
            return
        self.batches += 1
        for waiting, outcome in zip(batch, outcomes, strict=True):
            if waiting.answer.done():
                continue
            if isinstance(outcome, InvalidInput):
                waiting.answer.set_exception(outcome)
            else:
                self.stored += 1
                waiting.answer.set_result(outcome)


async def stop_vote_writer(app_state: Any) -> None:
    """Store what is still queued, then end the writer (on application shutdown)."""
    writer: VoteWriter | None = getattr(app_state, "vote_writer", None)
    if writer is not None:
        await writer.stop()


def vote_writer_for(app_state: Any) -> VoteWriter:
    """The process's writer, made on first use from the application's engine and settings."""
    writer: VoteWriter | None = getattr(app_state, "vote_writer", None)
    if writer is None:
        from assembly.db.engine import SessionMaker

        settings = app_state.settings
        writer = VoteWriter(
            SessionMaker(app_state.engine).for_write, window_ms=settings.vote_batch_window_ms
        )
        app_state.vote_writer = writer
    return writer
