"""Shared fixtures: a fresh database per test, on SQLite and on PostgreSQL.

Each backend is migrated once per test run into a template (a file for SQLite, a template
database for PostgreSQL) and copied for every test, so tests are isolated and still fast.
PostgreSQL tests skip with a reason when no server answers, unless ASSEMBLY_REQUIRE_POSTGRES
is set (CI sets it), in which case they fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from litestar.testing import TestClient

from assembly.settings import Settings

T = TypeVar("T")

POSTGRES_URL = os.environ.get(
    "ASSEMBLY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ASSEMBLY_REQUIRE_POSTGRES", "") not in ("", "0", "false")
TEST_SECRET = "test-secret-key-for-the-suite-only"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    if database is not None:
        dsn = dsn.rsplit("/", 1)[0] + "/" + database
    return dsn


async def _pg_execute(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def run_async(work: Awaitable[T]) -> T:
    return asyncio.run(work)  # type: ignore[arg-type]


def prepare(settings: Settings) -> None:
    from assembly.db.tasks import prepare_database

    prepare_database(settings)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    prepare(Settings(database_url=f"sqlite+aiosqlite:///{path}", secret_key=TEST_SECRET))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"assembly_template_{_worker()}_{os.getpid()}"
    try:
        run_async(_pg_execute(f'DROP DATABASE IF EXISTS "{name}"'))
        run_async(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as exc:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    prepare(Settings(database_url=url, secret_key=TEST_SECRET))
    yield name
    run_async(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"assembly_test_{uuid.uuid4().hex[:12]}"
    run_async(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    run_async(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,
        rate_limit_per_minute=1000,
        # Tests run jobs by hand; a runner per test client would only add noise.
        jobs_enabled=False,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    from assembly.app import create_app

    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def db(settings: Settings) -> Callable[[Callable[[Any], Awaitable[T]]], T]:
    """Run ``work(session)`` against the test database in its own committed transaction."""
    from assembly.db.tasks import run_with_session

    def run(work: Callable[[Any], Awaitable[T]]) -> T:
        return run_with_session(settings, work)

    return run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say how many database tests passed on each backend, so a CI log shows both ran."""
    passed = terminalreporter.stats.get("passed", [])
    per_backend = {
        name: sum(1 for r in passed if r.when == "call" and f"{name}" in r.nodeid)
        for name in ("sqlite", "postgres")
    }
    terminalreporter.write_line(
        f"Database tests passed: {per_backend['sqlite']} on SQLite, "
        f"{per_backend['postgres']} on PostgreSQL"
    )
