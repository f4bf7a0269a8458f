"""Running queued jobs: a poll loop in each server process, and ``run_once`` for the CLI.

Every poll first carries out the topics' and drafting's planned phase starts that have passed
(``assembly.topics.lifecycle``): pages only show the phase in force, the runner writes it.

Each job kind maps to an async *job function* in `JOB_FUNCTIONS` (the only list of them).
The function receives a `JobContext`: its payload, sessions for short write transactions,
``report(stage)`` for progress (safe from a worker thread) and ``run_blocking`` for work
that would block the event loop (``asyncio.to_thread``). What it returns becomes the job's
result; raising `JobFailed` fails the job with a message for people, any other exception
fails it with the exception's text (and a logged traceback).

While a job runs, a heartbeat task writes its stage and ``updated_at`` every few seconds in
its own transaction. A runner that starts re-queues jobs whose heartbeat stopped more than
`STARTUP_GRACE` ago (a process that crashed or was restarted), and every poll re-queues
those silent for `STALE_AFTER`. The grace is a few heartbeats long, so a job that a sibling
worker is running right now is never taken from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.db.engine import SessionMaker, create_engine
from assembly.jobs import services
from assembly.jobs.services import STALE_AFTER, StaleJob
from assembly.settings import Settings

__all__ = [
    "HEARTBEAT_INTERVAL",
    "JOB_FUNCTIONS",
    "POLL_INTERVAL",
    "STARTUP_GRACE",
    "JobContext",
    "JobFailed",
    "JobFunction",
    "JobRunner",
    "lifespan_hooks",
    "register",
    "resolve",
    "run_pending",
]

logger = logging.getLogger("assembly.jobs")

P = ParamSpec("P")
T = TypeVar("T")

POLL_INTERVAL = 1.0
HEARTBEAT_INTERVAL = 5.0
STARTUP_GRACE = dt.timedelta(seconds=20)
MIN_PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of one job
MAX_BACKOFF = 60.0  # seconds between polls while the database keeps failing

JobFunction = Callable[["JobContext"], Awaitable[Mapping[str, Any] | None]]

JOB_FUNCTIONS: dict[str, str | JobFunction] = {
    "sortition.draw": "assembly.sortition.services:run_draw_job",
}
"""Job kind -> job function, or its "module:name" (imported when first needed)."""


class JobFailed(Exception):
    """Raised by a job function: the job failed for a reason people can read."""


def register(kind: str, function: str | JobFunction) -> None:
    JOB_FUNCTIONS[kind] = function


def resolve(kind: str) -> JobFunction | None:
    target = JOB_FUNCTIONS.get(kind)
    if isinstance(target, str):
        module_name, _sep, name = target.partition(":")
        function: JobFunction = getattr(importlib.import_module(module_name), name)
        return function
    return target


@dataclass
class JobContext:
    """What a job function gets: the job's data and ways to talk to the database and the page."""

    job_id: int
    kind: str
    attempt: int
    payload: dict[str, Any]
    assembly_id: int | None
    settings: Settings
    sessions: SessionMaker
    loop: asyncio.AbstractEventLoop
    stage: str = ""
    lost: bool = False  # set when another run took the job over (this one was thought stale)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def report(self, stage: str) -> None:
        """Record the job's current stage; callable from the event loop or a worker thread."""
        self.stage = stage
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.changed.set()
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
            self.loop.call_soon_threadsafe(self.changed.set)

    async def run_blocking(
        self, function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run blocking work in a thread, leaving the event loop free to serve requests."""
        return await asyncio.to_thread(function, *args, **kwargs)

    def session(self) -> AsyncSession:
        """A session for one short write transaction; commit it yourself."""
        return self.sessions.for_write()


class JobRunner:
    """Claims queued jobs one at a time and runs them; several runners may share a queue."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        poll_interval: float = POLL_INTERVAL,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        stale_after: dt.timedelta = STALE_AFTER,
        startup_grace: dt.timedelta = STARTUP_GRACE,
    ) -> None:
        self.settings = settings
        self.sessions = SessionMaker(engine)
        self.poll_interval = poll_interval
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self.startup_grace = startup_grace

    # ------------------------------------------------------------ short transactions
    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.sessions.for_write() as db:
            result = await work(db)
            await db.commit()
            return result

    async def _read(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with self.sessions.for_read() as db:
            return await work(db)

    # ------------------------------------------------------------ the queue
    async def requeue_stale(self, older_than: dt.timedelta | None = None) -> list[StaleJob]:
        """Queue again the jobs whose heartbeat stopped ``older_than`` ago (default: stale)."""
        age = older_than if older_than is not None else self.stale_after

        async def check(db: AsyncSession) -> bool:
            return await services.has_stale(db, age)

        async def requeue(db: AsyncSession) -> list[StaleJob]:
            return await services.requeue_stale(db, age)

        if not await self._read(check):
            return []
        found = await self._write(requeue)
        for job in found:
            if job.requeued:
                logger.warning("Job %s (%s) had stopped; queued again.", job.job_id, job.kind)
            else:
                logger.error(
                    "Job %s (%s) stopped %s times; failed.", job.job_id, job.kind, job.attempts
                )
        return found

    async def run_next(self) -> bool:
        """Claim and run the oldest queued job; False when there was none to claim."""
        for job_id in await self._read(services.queued_job_ids):
            attempt = await self._write(_claimer(job_id))
            if attempt is not None:
                await self.run_job(job_id, attempt)
                return True
        return False

    async def run_due_schedules(self) -> int:
        """Carry out the planned phase starts that have passed; how many moved."""
        # Imported here: the phase lifecycle reaches most of the domain, the queue none of it.
        from assembly.topics.lifecycle import run_due_schedules

        return await run_due_schedules(self.sessions)

    async def run_once(self, max_jobs: int = 100) -> int:
        """Carry out due phase starts, re-queue stale jobs, then run queued ones until none is
        left; how many jobs ran."""
        await self.run_due_schedules()
        await self.requeue_stale()
        count = 0
        while count < max_jobs and await self.run_next():
            count += 1
        return count

    async def run_forever(self) -> None:
        """The server's loop: pick up abandoned jobs once, then poll."""
        try:
            await self.requeue_stale(self.startup_grace)
        except Exception:
            logger.exception("Could not re-queue abandoned jobs at start-up.")
        failures = 0
        while True:
            try:
                await self.run_once()
                failures = 0
            except Exception:
                # A database that is down or not migrated yet: say so once, then wait longer.
                if failures == 0:
                    logger.exception("The job runner failed; it tries again.")
                failures += 1
            await asyncio.sleep(min(MAX_BACKOFF, self.poll_interval * 2 ** min(failures, 10)))

    # ------------------------------------------------------------ one job
    async def run_job(self, job_id: int, attempt: int) -> None:
        job = await self._read(lambda db: services.get_job(db, job_id))
        if job is None:
            return
        try:
            function = resolve(job.kind)
        except (ImportError, AttributeError):
            logger.exception("The function of job kind %s cannot be loaded.", job.kind)
            function = None
        if function is None:
            await self._write(_failer(job_id, attempt, f"No job function for '{job.kind}'."))
            return
        context = JobContext(
            job_id=job_id,
            kind=job.kind,
            attempt=attempt,
            payload=dict(job.payload or {}),
            assembly_id=job.assembly_id,
            settings=self.settings,
            sessions=self.sessions,
            loop=asyncio.get_running_loop(),
        )
        beat = asyncio.create_task(self._heartbeat(context), name=f"job-{job_id}-heartbeat")
        try:
            result = await function(context)
        except JobFailed as error:
            await self._write(_failer(job_id, attempt, str(error)))
        except Exception as error:
            logger.exception("Job %s (%s) failed.", job_id, job.kind)
            await self._write(_failer(job_id, attempt, f"{type(error).__name__}: {error}"))
        else:
            if not await self._write(_finisher(job_id, attempt, result, context.stage)):
                logger.warning("Job %s finished after another run took it over.", job_id)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _heartbeat(self, context: JobContext) -> None:
        written: str | None = None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(context.changed.wait(), self.heartbeat_interval)
            context.changed.clear()
            stage = context.stage
            beat = _beater(context.job_id, context.attempt, stage if stage != written else None)
            try:
                owned = await self._write(beat)
            except Exception:
                logger.warning("Heartbeat of job %s not written.", context.job_id, exc_info=True)
                continue
            written = stage
            if not owned:
                context.lost = True
                logger.warning("Job %s was taken over by another run.", context.job_id)
                return
            await asyncio.sleep(MIN_PROGRESS_INTERVAL)


def _claimer(job_id: int) -> Callable[[AsyncSession], Awaitable[int | None]]:
    async def work(db: AsyncSession) -> int | None:
        return await services.claim(db, job_id)

    return work


def _failer(job_id: int, attempt: int, error: str) -> Callable[[AsyncSession], Awaitable[bool]]:
    async def work(db: AsyncSession) -> bool:
        return await services.fail(db, job_id, attempt, error)

    return work


def _finisher(
    job_id: int, attempt: int, result: Mapping[str, Any] | None, stage: str
) -> Callable[[AsyncSession], Awaitable[bool]]:
    async def work(db: AsyncSession) -> bool:
        return await services.finish(db, job_id, attempt, result, stage or None)

    return work


def _beater(
    job_id: int, attempt: int, progress: str | None
) -> Callable[[AsyncSession], Awaitable[bool]]:
    async def work(db: AsyncSession) -> bool:
        return await services.heartbeat(db, job_id, attempt, progress)

    return work


def lifespan_hooks(
    settings: Settings, engine: AsyncEngine
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """``on_startup`` and ``on_shutdown`` hooks that run the poll loop as an asyncio task."""
    tasks: list[asyncio.Task[None]] = []

    async def start_jobs() -> None:
        if settings.jobs_enabled:
            runner = JobRunner(settings, engine)
            tasks.append(asyncio.create_task(runner.run_forever(), name="assembly-jobs"))

    async def stop_jobs() -> None:
        while tasks:
            task = tasks.pop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start_jobs, stop_jobs


async def run_pending(settings: Settings) -> int:
    """Run every queued (and abandoned) job now, with an engine of its own; how many ran."""
    engine = create_engine(settings, null_pool=True)
    try:
        return await JobRunner(settings, engine).run_once()
    finally:
        await engine.dispose()
