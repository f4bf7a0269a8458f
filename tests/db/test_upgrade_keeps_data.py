"""Upgrading a database made at the first migration, with data in it, keeps every row."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from conftest import POSTGRES_URL, REQUIRE_POSTGRES, _pg_execute
from sqlalchemy import text

from assembly.db.engine import create_engine
from assembly.db.migrate import downgrade, upgrade
from assembly.settings import Settings

ROWS = {
    "accounts": "INSERT INTO accounts (id, email, display_name, role, password_hash, is_active, "
    "created_at, updated_at) VALUES (1, 'f@example.org', 'F', 'facilitator', 'x', true, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "spotlight_areas": "INSERT INTO spotlight_areas (id, slug, position, name_en, name_nb, "
    "summary_en, summary_nb) VALUES (1, 'a', 0, 'A', 'A', '', '')",
    "assemblies": "INSERT INTO assemblies (id, slug, title, place, language, time_zone, "
    "description, status, demographic_questions, invited_count, created_at, updated_at) VALUES "
    "(1, 'old', 'Old assembly', 'Trondheim', 'nb', 'Europe/Oslo', '', 'published', '[]', 3, "
    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "topics": "INSERT INTO topics (id, assembly_id, slug, position, question, background, "
    "spotlight_area_id, voting_method, voting_params, seats, ballot_secrecy, phase, "
    "phase_schedule, facilitator_notes, summary_published, ballots_published, created_at, "
    "updated_at) VALUES (1, 1, 't', 0, 'Q?', '', 1, 'approval', '{}', 1, 'secret', 'voting', "
    "'{}', '', false, false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "participants": "INSERT INTO participants (id, assembly_id, pseudonym, joined_via, channel, "
    "demographics_consent, demographics, created_at, updated_at) VALUES (1, 1, 'Heron', "
    "'invite', 'online', false, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00'), (2, 1, "
    "'heron', 'invite', 'online', false, '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "proposals": "INSERT INTO proposals (id, topic_id, participant_id, title, body, status, "
    "moderation_reason, created_at, updated_at) VALUES (1, 1, 1, 'Benches', 'More benches', "
    "'visible', '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
    "ballot_voters": "INSERT INTO ballot_voters (id, topic_id, participant_id) VALUES (1, 1, 1)",
}


async def _run(url: str, statements: list[str]) -> list[int]:
    engine = create_engine(Settings(database_url=url), null_pool=True)
    counts: list[int] = []
    try:
        async with engine.begin() as connection:
            for statement in statements:
                if statement.startswith("SELECT"):
                    counts.append(int((await connection.execute(text(statement))).scalar() or 0))
                else:
                    await connection.execute(text(statement))
    finally:
        await engine.dispose()
    return counts


def _check(url: str) -> None:
    settings = Settings(database_url=url)
    upgrade(settings, "0001")
    asyncio.run(_run(url, list(ROWS.values())))
    expected = [2 if table == "participants" else 1 for table in ROWS]
    upgrade(settings, "head")
    counts = asyncio.run(_run(url, [f"SELECT count(*) FROM {table}" for table in ROWS]))
    assert counts == expected
    # Two names that differ only in case (from before the check was indexed) both keep their
    # pseudonym; the second one's key is made unique with its id.
    keys = asyncio.run(
        _run(
            url,
            [
                "SELECT count(*) FROM participants WHERE id = 1 AND pseudonym_key = 'heron'",
                "SELECT count(*) FROM participants WHERE id = 2 AND pseudonym_key = 'heron#2'",
            ],
        )
    )
    assert keys == [1, 1]
    # And the newest schema can be taken back down to the first one without losing them.
    downgrade(settings, "0001")
    counts = asyncio.run(_run(url, [f"SELECT count(*) FROM {table}" for table in ROWS]))
    assert counts == expected


def test_upgrade_keeps_data_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


@pytest.mark.postgres
def test_upgrade_keeps_data_postgres() -> None:
    name = f"assembly_upgrade_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is not reachable: {exc}")
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    try:
        _check(POSTGRES_URL.rsplit("/", 1)[0] + "/" + name)
    finally:
        asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
