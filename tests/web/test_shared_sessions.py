"""Sessions and rate limits live outside the worker, so any worker can answer any request.

Two app instances stand for two worker processes: a session made by one is honoured by the
other, whether the store is the database (the default) or Redis (ASSEMBLY_REDIS_URL).
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from helpers import post_form, sign_in
from litestar.testing import TestClient

from assembly.accounts.services import create_account
from assembly.app import create_app
from assembly.settings import Settings

REDIS_URL = os.environ.get("ASSEMBLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _second_worker_sees_the_session(settings: Settings, db: Any) -> None:
    email = f"fac-{uuid.uuid4().hex[:6]}@example.org"
    db(lambda s: create_account(s, email, "correct horse battery", "facilitator"))
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as first:
        sign_in(first, email, "correct horse battery")
        cookies = dict(first.cookies)
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as second:
        second.cookies.update(cookies)
        response = second.get("/dashboard", follow_redirects=False)
        assert response.status_code == 200
        assert email in response.text


def test_database_sessions_are_shared(settings: Settings, db: Any) -> None:
    _second_worker_sees_the_session(settings, db)


def _clear_rate_limits() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter("assembly*rate_limit*"):
        client.delete(key)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redis_sessions_and_rate_limits_are_shared(settings: Settings, db: Any) -> None:
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    _clear_rate_limits()
    shared = Settings(**{**settings.__dict__, "redis_url": REDIS_URL})
    _second_worker_sees_the_session(shared, db)
    # Attempts counted by one worker count on the other too (the same browser: its cookies).
    _clear_rate_limits()
    strict = Settings(**{**shared.__dict__, "rate_limit_per_minute": 2})
    statuses = []
    browser: dict[str, str] = {}
    for _ in range(2):
        with TestClient(app=create_app(strict), base_url="http://127.0.0.1") as worker:
            worker.cookies.update(browser)
            for _ in range(2):
                response = post_form(
                    worker,
                    "/signin",
                    {"email": "x@example.org", "password": "wrong"},
                    form_page="/signin",
                )
                statuses.append(response.status_code)
            browser = dict(worker.cookies)
    _clear_rate_limits()
    assert statuses == [400, 400, 429, 429]
