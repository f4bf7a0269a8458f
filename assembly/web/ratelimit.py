"""The rate limits at the web edge: count an attempt before the form is read, or refuse it.

The rules (which requests count, in which buckets, whose address) live in
``assembly.ratelimits.rules`` and the atomic counting in ``assembly.ratelimits.counters``; this
middleware only gathers what the request says and answers 429 with ``Retry-After``. It sits
inside the session middleware, so it knows whether the browser has a session, and it runs
before the handler, so a refused attempt reaches no service and stores nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.middleware import ASGIMiddleware
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS
from litestar.types import ASGIApp, Receive, Scope, Send

from assembly.ratelimits import rules
from assembly.ratelimits.counters import Counter
from assembly.web.middleware import cookies_in


class TooManyAttempts(HTTPException):
    status_code = HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[name] = f"{out[name]}, {text}" if name in out else text
    return out


def request_address(request: Request[Any, Any, Any]) -> str:
    """The requester's address as the rate limits count it, for a room window's default."""
    settings = request.app.state.settings
    client = request.scope.get("client")
    address = rules.client_address(
        client[0] if client else None,
        _headers(request.scope),
        rules.parse_networks(settings.trusted_proxies),
        settings.forwarded_header,
    )
    return address if rules.parse_address(address) is not None else ""


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(
        self,
        *,
        counter: Counter,
        limits: rules.Limits,
        trusted: tuple[rules.Network, ...],
        forwarded_header: str,
        secret: str,
        session_cookie: str,
        csrf_cookie: str,
        room_open: Callable[[str], Awaitable[bool]],
    ) -> None:
        self.counter = counter
        self.limits = limits
        self.trusted = trusted
        self.forwarded_header = forwarded_header
        self.secret = secret
        self.session_cookie = session_cookie
        self.csrf_cookie = csrf_cookie
        self.room_open = room_open

    def _browser(self, scope: Scope, headers: dict[str, str]) -> str | None:
        cookies = cookies_in(headers.get("cookie", ""))
        session: Any = scope.get("session")
        # A session counts only once it was found in the store: an invented cookie is nobody.
        session_id = (
            cookies.get(self.session_cookie) if isinstance(session, dict) and session else None
        )
        return rules.browser_id(session_id, cookies.get(self.csrf_cookie), self.secret)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        kind = rules.kind_for(str(scope.get("method", "GET")), scope.get("path", ""))
        if kind is None:
            await next_app(scope, receive, send)
            return
        headers = _headers(scope)
        client = scope.get("client")
        peer = client[0] if client else None
        address = rules.client_address(peer, headers, self.trusted, self.forwarded_header)
        buckets = rules.buckets(
            kind, address, self._browser(scope, headers), self.limits, self.secret
        )
        counted: list[str] = []
        for bucket in buckets:
            hit = await self.counter.hit(bucket.key, bucket.limit, rules.WINDOW_SECONDS)
            if hit.allowed:
                counted.append(bucket.key)
                continue
            is_ceiling = bucket is buckets[-1]  # the address's bucket always comes last
            if kind == "join" and is_ceiling and await self.room_open(address):
                continue  # a room window lifts the address ceiling on joining
            for key in counted:  # the browser's own attempt is not used up by the ceiling
                await self.counter.give_back(key)
            raise TooManyAttempts(hit.retry_after)
        await next_app(scope, receive, send)
