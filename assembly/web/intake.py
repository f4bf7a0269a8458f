"""Requests are read in full before they touch the database, and SQLite writers queue.

A slow client used to hold the database while it trickled its body in: the handler began
its write transaction (SQLite's write lock, or a pooled PostgreSQL connection) and only then
read the body. Here the outermost application middleware reads the whole body first, within
a size limit and a deadline, and hands the application a body that is already complete.
A sender that is too slow gets 408, one that sends too much gets 413; either way nothing of
the request reached a service, and nothing was stored.

SQLite has a single writer. Requests that write used to wait for its lock inside SQLite
(``busy_timeout``), each holding a pooled connection while they waited; a burst larger than
the pool then stalled and failed with "database is locked". Here they queue on an
``asyncio.Lock`` first, which costs nothing while waiting, and hold the database only for the
milliseconds of their own transaction. The lock is let go as soon as the response starts,
after the request's commit and its session write, so a client that reads its answer slowly
holds nothing either. Other processes on the same file still meet at SQLite's own lock.

Litestar reads bodies lazily and its ``request_max_body_size`` has no deadline; uvicorn has
no body deadline at all, so this small middleware is written here.
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT, HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from assembly.web.middleware import wants_write_lock

CLOSE = {"Connection": "close"}


class RequestTooSlow(HTTPException):
    status_code = HTTP_408_REQUEST_TIMEOUT


class RequestTooLarge(HTTPException):
    status_code = HTTP_413_REQUEST_ENTITY_TOO_LARGE


def _declared_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _may_have_body(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            return value.strip() not in (b"", b"0")
        if key == b"transfer-encoding":
            return True
    return False


class RequestIntakeMiddleware(ASGIMiddleware):
    """Reads the body completely (size limit, deadline), then lets SQLite writers in one by one."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, *, max_body_bytes: int, body_timeout: float, queue_writes: bool) -> None:
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.queue_writes = queue_writes
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def _write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if _may_have_body(scope):
            body = await self._read_body(scope, receive)
            if body is None:
                return  # the client went away; there is no one to answer
            receive = _replay(body, receive)
        if not (self.queue_writes and wants_write_lock(scope)):
            await next_app(scope, receive, send)
            return
        lock = self._write_lock()
        await lock.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                lock.release()

        async def send_then_release(message: Message) -> None:
            # The commit and the session write happen before the response starts (inner layers).
            if message["type"] == "http.response.start":
                release()
            await send(message)

        try:
            await next_app(scope, receive, send_then_release)
        finally:
            release()

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            raise RequestTooLarge(detail="", headers=CLOSE)
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk: bytes = message.get("body", b"")  # type: ignore[assignment]
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        raise RequestTooLarge(detail="", headers=CLOSE)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            raise RequestTooSlow(detail="", headers=CLOSE) from None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the whole body at once, then whatever the client sends next."""
    given = False

    async def replay() -> ReceiveMessage:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
