"""Fixtures for fault tests: a fresh database on each backend, migrated like production.

PostgreSQL is required when ASSEMBLY_REQUIRE_POSTGRES is set (CI): a missing server then fails
the test instead of skipping it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser.live_server import in_thread, prepare_database_at, prepare_sqlite

POSTGRES_URL = os.environ.get(
    "ASSEMBLY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("ASSEMBLY_REQUIRE_POSTGRES", "") not in ("", "0", "false")


async def _pg(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def pg(statement: str) -> None:
    in_thread(lambda: asyncio.run(_pg(statement)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield prepare_sqlite(tmp_path / "faults.db")
        return
    name = f"assembly_faults_{uuid.uuid4().hex[:12]}"
    try:
        pg(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield prepare_database_at(url)
    finally:
        pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
