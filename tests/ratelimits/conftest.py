"""A client whose requests come from a chosen address, for an app with small rate limits.

The test client always comes from "testclient"; ``From`` stands in front of the app and gives
requests the peer address a test needs (a venue's router, a reverse proxy).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from assembly.app import create_app
from assembly.settings import Settings


class From:
    """An ASGI wrapper that makes every request come from ``peer``."""

    def __init__(self, app: Any, peer: str) -> None:
        self.app = app
        self.peer = peer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.peer, 50000)}
        await self.app(scope, receive, send)


@pytest.fixture
def limited(settings: Settings) -> Iterator[Any]:
    """``limited(peer, **settings)``: a client for an app with those limits, from that peer."""
    opened: list[TestClient[Any]] = []

    def make(peer: str = "198.51.100.20", **overrides: Any) -> TestClient[Any]:
        values = {"rate_limit_per_minute": 2, "rate_limit_address_factor": 2, **overrides}
        app = From(create_app(Settings(**{**settings.__dict__, **values})), peer)
        client: TestClient[Any] = TestClient(app=app, base_url="http://127.0.0.1")  # type: ignore[arg-type]
        client.__enter__()
        client.origin = app  # type: ignore[attr-defined]  # a test may move the peer
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)
