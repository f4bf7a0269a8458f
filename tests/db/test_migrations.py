"""The migrations and the models describe the same schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from assembly.db.engine import create_engine
from assembly.db.migrate import compare_type
from assembly.db.models import metadata
from assembly.settings import Settings


def _diff(settings: Settings) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_engine(settings, null_pool=True)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(
                            sync, opts={"compare_type": compare_type, "render_as_batch": True}
                        ),
                        metadata,
                    )
                )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_autogenerate_finds_no_difference(settings: Settings) -> None:
    assert _diff(settings) == []
