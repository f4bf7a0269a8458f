"""The durable job queue: atomic claims, results and failures, heartbeats and stale jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import select, update

from assembly.db.models import BackgroundJob
from assembly.jobs import runner, services
from assembly.jobs.runner import JobContext, JobFailed, run_pending
from assembly.settings import Settings
from tests.conftest import TEST_SECRET

Work = Any


@pytest.fixture
def settings(database_url: str) -> Settings:
    # The runner is driven by hand here, except where a test starts one on purpose.
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        rate_limit_per_minute=1000,
        jobs_enabled=False,
    )


async def echo_job(context: JobContext) -> Mapping[str, Any]:
    """Reports a stage from a worker thread, then returns its payload."""

    def blocking() -> str:
        context.report("Halfway")
        time.sleep(0.05)
        return "slept"

    slept = await context.run_blocking(blocking)
    return {"echo": context.payload.get("word"), "slept": slept, "attempt": context.attempt}


async def refusing_job(context: JobContext) -> None:
    raise JobFailed("The pool is gone.")


async def crashing_job(context: JobContext) -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runner.JOB_FUNCTIONS, "test.echo", echo_job)
    monkeypatch.setitem(runner.JOB_FUNCTIONS, "test.refuse", refusing_job)
    monkeypatch.setitem(runner.JOB_FUNCTIONS, "test.crash", crashing_job)
    monkeypatch.setitem(runner.JOB_FUNCTIONS, "test.by_name", "tests.jobs.test_jobs_queue:echo_job")


def _enqueue(db: Work, kind: str, **payload: Any) -> int:
    async def work(session: Any) -> int:
        job = await services.enqueue(session, kind, payload)
        return job.id

    return int(db(work))


def _job(db: Work, job_id: int) -> BackgroundJob:
    async def work(session: Any) -> BackgroundJob:
        job = await services.get_job(session, job_id)
        assert job is not None
        return job

    return db(work)


def _age(db: Work, job_id: int, seconds: float, **values: Any) -> None:
    async def work(session: Any) -> None:
        then = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
        await session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(updated_at=then, **values)
        )

    db(work)


def test_a_job_runs_once_and_keeps_its_result(db: Work, settings: Settings) -> None:
    job_id = _enqueue(db, "test.echo", word="hello")
    named = _enqueue(db, "test.by_name", word="by name")
    assert asyncio.run(run_pending(settings)) == 2
    job = _job(db, job_id)
    assert job.status == "done"
    assert job.result == {"echo": "hello", "slept": "slept", "attempt": 1}
    assert job.attempts == 1
    assert job.started_at is not None
    assert job.finished_at is not None
    assert _job(db, named).result["echo"] == "by name"
    # Nothing left: a second pass runs nothing again.
    assert asyncio.run(run_pending(settings)) == 0


def test_claims_are_atomic(db: Work) -> None:
    job_id = _enqueue(db, "test.echo")

    async def claim_twice(session: Any) -> tuple[int | None, int | None]:
        first = await services.claim(session, job_id)
        second = await services.claim(session, job_id)
        return first, second

    assert db(claim_twice) == (1, None)
    assert _job(db, job_id).status == "running"


def test_only_the_owning_attempt_may_write(db: Work) -> None:
    job_id = _enqueue(db, "test.echo")

    async def work(session: Any) -> list[bool]:
        attempt = await services.claim(session, job_id)
        assert attempt == 1
        return [
            await services.heartbeat(session, job_id, 2, "not mine"),
            await services.finish(session, job_id, 2, {"x": 1}),
            await services.heartbeat(session, job_id, 1, "Solving"),
            await services.finish(session, job_id, 1, {"x": 2}),
            await services.fail(session, job_id, 1, "too late"),
        ]

    assert db(work) == [False, False, True, True, False]
    job = _job(db, job_id)
    assert (job.status, job.progress, job.result) == ("done", "Solving", {"x": 2})


def test_failures_are_recorded_with_a_reason(db: Work, settings: Settings) -> None:
    refused = _enqueue(db, "test.refuse")
    crashed = _enqueue(db, "test.crash")
    unknown = _enqueue(db, "test.nobody")
    assert asyncio.run(run_pending(settings)) == 3
    assert (_job(db, refused).status, _job(db, refused).error) == ("failed", "The pool is gone.")
    assert _job(db, crashed).error == "RuntimeError: boom"
    assert _job(db, unknown).status == "failed"
    assert "test.nobody" in _job(db, unknown).error


def test_a_stale_running_job_is_queued_again_and_finished(db: Work, settings: Settings) -> None:
    job_id = _enqueue(db, "test.echo", word="again")

    async def claim(session: Any) -> None:
        assert await services.claim(session, job_id) == 1

    db(claim)  # a worker took it, then its process died
    _age(db, job_id, 60)
    assert asyncio.run(run_pending(settings)) == 0  # not stale yet: left to its worker
    assert _job(db, job_id).status == "running"
    _age(db, job_id, services.STALE_AFTER.total_seconds() + 5)
    assert asyncio.run(run_pending(settings)) == 1
    job = _job(db, job_id)
    assert job.status == "done"
    assert job.attempts == 2
    assert job.result["attempt"] == 2


def test_a_job_abandoned_too_often_fails(db: Work, settings: Settings) -> None:
    job_id = _enqueue(db, "test.echo")
    _age(db, job_id, 600, status="running", attempts=services.MAX_ATTEMPTS)
    assert asyncio.run(run_pending(settings)) == 0
    job = _job(db, job_id)
    assert job.status == "failed"
    assert "3 times" in job.error


def test_the_cli_runs_queued_jobs(
    db: Work, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assembly.cli import main

    job_id = _enqueue(db, "test.echo", word="cli")
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main, ["jobs", "run-once"])
    assert result.exit_code == 0, result.output
    assert "Ran 1 job(s)." in result.output
    assert _job(db, job_id).result["echo"] == "cli"


def test_another_app_instance_finishes_jobs_left_by_the_first(db: Work, settings: Settings) -> None:
    """A queued job and one left running by a crashed process are both done after a restart."""
    from dataclasses import replace

    from assembly.app import create_app

    queued = _enqueue(db, "test.echo", word="queued")
    abandoned = _enqueue(db, "test.echo", word="abandoned")
    _age(db, abandoned, 300, status="running", attempts=1)  # its process died mid-job
    restarted = replace(settings, jobs_enabled=True)
    with TestClient(app=create_app(restarted), base_url="http://127.0.0.1"):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            statuses = {_job(db, queued).status, _job(db, abandoned).status}
            if statuses == {"done"}:
                break
            time.sleep(0.2)
    assert _job(db, queued).result["echo"] == "queued"
    assert _job(db, abandoned).result == {"echo": "abandoned", "slept": "slept", "attempt": 2}


def test_the_runner_is_off_when_disabled(
    db: Work, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from assembly.app import create_app
    from assembly.jobs import runner

    # Start-up makes the runner, if any, before the first request: seeing none made once the
    # app has started proves no job will run, with no waiting.
    made: list[runner.JobRunner] = []
    original = runner.JobRunner.__init__

    def recording(self: runner.JobRunner, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(runner.JobRunner, "__init__", recording)
    job_id = _enqueue(db, "test.echo")
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        client.get("/")
    assert made == []

    async def count(session: Any) -> int:
        return len((await session.scalars(select(BackgroundJob.id))).all())

    assert db(count) == 1
    assert _job(db, job_id).status == "queued"
    # The probe sees a runner where there is one.
    with TestClient(app=create_app(replace(settings, jobs_enabled=True))):
        assert len(made) == 1


RUNS: dict[int, int] = {}


async def counting_job(context: JobContext) -> None:
    RUNS[context.job_id] = RUNS.get(context.job_id, 0) + 1
    await asyncio.sleep(0.02)


def test_several_runners_share_a_queue_and_run_each_job_once(
    db: Work, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assembly.db.engine import create_engine
    from assembly.jobs.runner import JobRunner

    monkeypatch.setitem(runner.JOB_FUNCTIONS, "test.count", counting_job)
    RUNS.clear()
    ids = [_enqueue(db, "test.count") for _ in range(8)]

    async def workers() -> list[int]:
        engines = [create_engine(settings, null_pool=True) for _ in range(3)]
        try:
            return list(await asyncio.gather(*(JobRunner(settings, e).run_once() for e in engines)))
        finally:
            for engine in engines:
                await engine.dispose()

    ran = asyncio.run(workers())
    assert sum(ran) == 8
    assert {job_id: RUNS.get(job_id) for job_id in ids} == dict.fromkeys(ids, 1)
    assert {_job(db, job_id).status for job_id in ids} == {"done"}
