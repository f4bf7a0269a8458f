"""Fuzz the JSON API from its own OpenAPI document: no generated request may cause a 5xx,
with or without a researcher's token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import pytest
from browser.live_server import TEST_SECRET, prepare_sqlite, run_db
from browser.world import RESEARCHER, seed_world
from hypothesis import HealthCheck
from sqlalchemy import select

from assembly.api.services import create_token
from assembly.db.models import Account
from assembly.settings import Settings

EXAMPLES_PER_OPERATION = 4


@pytest.fixture(scope="module")
def api_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    from assembly.app import create_app

    url = prepare_sqlite(Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db")

    async def seed(db: Any) -> str:
        await seed_world(db)
        account = await db.scalar(select(Account).where(Account.email == RESEARCHER))
        _token, raw = await create_token(db, account, "fuzz")
        return raw

    raw_token = run_db(url, seed)
    settings = Settings(database_url=url, secret_key=TEST_SECRET, rate_limit_per_minute=100000)
    return create_app(settings), raw_token


@pytest.mark.parametrize("authorised", [False, True])
def test_no_generated_request_causes_a_server_error(
    api_app: tuple[Any, str], authorised: bool
) -> None:
    import schemathesis

    app, raw_token = api_app
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    headers = {"Authorization": f"Bearer {raw_token}"} if authorised else {}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert any(op.path.startswith("/api/") for op in operations), "the API is not in the schema"

    for operation in operations:

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=operation.as_strategy())
        def probe(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}")

        probe()
    assert not failures, sorted(set(failures))
