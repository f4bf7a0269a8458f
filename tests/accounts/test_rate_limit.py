"""Sign-in attempts are limited per client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import post_form
from litestar.testing import TestClient

from assembly.app import create_app
from assembly.settings import Settings


@pytest.fixture
def strict_client(settings: Settings) -> Iterator[TestClient[Any]]:
    strict = Settings(**{**settings.__dict__, "rate_limit_per_minute": 3})
    with TestClient(app=create_app(strict), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_sign_in_is_rate_limited(strict_client: TestClient[Any]) -> None:
    statuses = [
        post_form(
            strict_client,
            "/signin",
            {"email": "x@example.org", "password": "wrong"},
            form_page="/signin",
        ).status_code
        for _ in range(5)
    ]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[-1] == 429
