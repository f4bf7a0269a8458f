"""A small durable job queue on the ``background_jobs`` table.

A job moves ``queued`` -> ``running`` -> ``done`` or ``failed``. Its state lives in the
database, so a restart loses neither the job nor its result.

* **Claiming is atomic**: ``UPDATE ... SET status='running' WHERE id=? AND status='queued'``;
  of several workers polling the same queue only the one whose update changed a row runs it.
  The claim also raises ``attempts``, and that number is the claim's token: the heartbeat and
  the final ``done``/``failed`` update only the attempt that owns the job, so a run that was
  given up as stale cannot overwrite the run that replaced it.
* **Heartbeat**: a running job's ``updated_at`` is refreshed every few seconds. A job still
  ``running`` whose heartbeat is older than `STALE_AFTER` was left by a process that crashed
  or was stopped, and is queued again (or failed, after `MAX_ATTEMPTS`).

Every function works in the caller's transaction; the runner gives each step its own short
one, so progress is visible to the pages while the job runs. Written here rather than taken
from a task-queue library (Celery, RQ, arq, procrastinate) because those need a broker
(Redis, RabbitMQ) or PostgreSQL only, while Assembly runs on SQLite or PostgreSQL alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import BackgroundJob

__all__ = [
    "MAX_ATTEMPTS",
    "STALE_AFTER",
    "StaleJob",
    "claim",
    "enqueue",
    "fail",
    "finish",
    "get_job",
    "has_stale",
    "heartbeat",
    "queued_job_ids",
    "requeue_stale",
]

STALE_AFTER = dt.timedelta(seconds=120)
"""A running job whose heartbeat is older than this is taken to be abandoned."""
MAX_ATTEMPTS = 3
"""A job abandoned this many times fails instead of being queued again (it may be what crashes)."""
MAX_PROGRESS = 200  # the column's length
MAX_ERROR = 4000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def enqueue(
    db: AsyncSession,
    kind: str,
    payload: Mapping[str, Any] | None = None,
    assembly_id: int | None = None,
) -> BackgroundJob:
    """Add a job to the queue; it runs once the caller's transaction commits."""
    job = BackgroundJob(
        kind=kind,
        status="queued",
        progress="",
        assembly_id=assembly_id,
        payload=dict(payload or {}),
        result=None,
        error="",
        attempts=0,
    )
    db.add(job)
    await db.flush()
    return job


async def get_job(db: AsyncSession, job_id: int) -> BackgroundJob | None:
    return await db.get(BackgroundJob, job_id, populate_existing=True)


async def queued_job_ids(db: AsyncSession, limit: int = 20) -> list[int]:
    """Queued jobs, oldest first."""
    query = (
        select(BackgroundJob.id)
        .where(BackgroundJob.status == "queued")
        .order_by(BackgroundJob.id)
        .limit(limit)
    )
    return list((await db.scalars(query)).all())


async def claim(db: AsyncSession, job_id: int) -> int | None:
    """Take a queued job for this worker: its attempt number, or None when another took it."""
    now = _now()
    result = await db.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.status == "queued")
        .values(
            status="running",
            attempts=BackgroundJob.attempts + 1,
            started_at=now,
            updated_at=now,
            progress="",
            error="",
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    attempts = await db.scalar(select(BackgroundJob.attempts).where(BackgroundJob.id == job_id))
    return int(attempts or 0)


def _owned(job_id: int, attempt: int) -> Any:
    return (
        (BackgroundJob.id == job_id)
        & (BackgroundJob.status == "running")
        & (BackgroundJob.attempts == attempt)
    )


async def heartbeat(
    db: AsyncSession, job_id: int, attempt: int, progress: str | None = None
) -> bool:
    """Show the job is alive (and its stage); False when this attempt no longer owns it."""
    values: dict[str, Any] = {"updated_at": _now()}
    if progress is not None:
        values["progress"] = progress[:MAX_PROGRESS]
    result = await db.execute(
        update(BackgroundJob)
        .where(_owned(job_id, attempt))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(
    db: AsyncSession,
    job_id: int,
    attempt: int,
    result: Mapping[str, Any] | None,
    progress: str | None = None,
) -> bool:
    """Mark the job done with its result; False when this attempt no longer owns it."""
    now = _now()
    values: dict[str, Any] = {"progress": progress[:MAX_PROGRESS]} if progress is not None else {}
    outcome = await db.execute(
        update(BackgroundJob)
        .where(_owned(job_id, attempt))
        .values(
            status="done",
            result=dict(result or {}),
            error="",
            finished_at=now,
            updated_at=now,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


async def fail(db: AsyncSession, job_id: int, attempt: int, error: str) -> bool:
    """Mark the job failed with a reason; False when this attempt no longer owns it."""
    now = _now()
    outcome = await db.execute(
        update(BackgroundJob)
        .where(_owned(job_id, attempt))
        .values(status="failed", error=error[:MAX_ERROR], finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(outcome.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StaleJob:
    job_id: int
    kind: str
    attempts: int
    requeued: bool  # False: failed after too many attempts


async def requeue_stale(
    db: AsyncSession,
    older_than: dt.timedelta = STALE_AFTER,
    *,
    now: dt.datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[StaleJob]:
    """Queue again every running job whose heartbeat is older than ``older_than``.

    The update repeats the staleness condition, so a job whose heartbeat arrives between the
    read and the update is left alone.
    """
    cutoff = (now or _now()) - older_than
    rows = (
        await db.execute(
            select(BackgroundJob.id, BackgroundJob.kind, BackgroundJob.attempts).where(
                BackgroundJob.status == "running", BackgroundJob.updated_at < cutoff
            )
        )
    ).all()
    found: list[StaleJob] = []
    for job_id, kind, attempts in rows:
        give_up = attempts >= max_attempts
        values: dict[str, Any] = {"updated_at": _now()}
        if give_up:
            values |= {
                "status": "failed",
                "finished_at": _now(),
                "error": f"The job stopped without finishing {attempts} times; "
                "it is not tried again.",
            }
        else:
            values |= {"status": "queued", "progress": ""}
        outcome = await db.execute(
            update(BackgroundJob)
            .where(
                BackgroundJob.id == job_id,
                BackgroundJob.status == "running",
                BackgroundJob.updated_at < cutoff,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if outcome.rowcount:  # type: ignore[attr-defined]
            found.append(StaleJob(job_id, kind, attempts, requeued=not give_up))
    return found


async def has_stale(db: AsyncSession, older_than: dt.timedelta = STALE_AFTER) -> bool:
    """A cheap read, so a poll takes the write lock only when there is something to do."""
    cutoff = _now() - older_than
    found = await db.scalar(
        select(BackgroundJob.id)
        .where(BackgroundJob.status == "running", BackgroundJob.updated_at < cutoff)
        .limit(1)
    )
    return found is not None
