"""What Litestar's CSRF check leaves to the application: the origin of a state-changing
request, and a token that belongs to the session.

Litestar compares the form's token with the browser's CSRF cookie (double submit). That alone
trusts a cookie someone else may have planted, for instance from a sibling subdomain. So:

- an unsafe request whose ``Origin`` (or, without one, ``Referer``) names another site is
  refused before anything reads its body;
- when someone signs in or joins (the session identifier rotates), the browser gets a fresh
  CSRF token, and the session keeps a hash of it; an unsafe request whose token is not the
  session's own is refused. A planted token therefore never works for a session.

Anonymous visitors keep an empty session: nothing is bound until the session holds something.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import generate_csrf_token
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from assembly.i18n import _
from assembly.web.middleware import UNSAFE_METHODS, cookies_in
from assembly.web.sessions import ROTATE_KEY

SESSION_KEY = "_csrf"
EXEMPT_PREFIXES = ("/api/", "/schema")


class FormRefused(PermissionDeniedException):
    """A 403 whose detail, already in the reader's language, says why the form was refused."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _headers(scope: Scope) -> dict[bytes, str]:
    return {key: value.decode("latin-1") for key, value in scope.get("headers", [])}


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


class CsrfBindingMiddleware(ASGIMiddleware):
    """Placed inside the session middleware, so the session is loaded and not yet stored."""

    scopes = (ScopeType.HTTP,)

    def __init__(
        self, *, secret: str, cookie: Cookie, base_url: str, trusted_origins: tuple[str, ...] = ()
    ) -> None:
        self.secret = secret
        self.cookie = cookie
        self.allowed = {o for o in (_origin(base_url), *map(_origin, trusted_origins)) if o}

    def _same_site(self, scope: Scope, headers: dict[bytes, str]) -> bool:
        claimed = headers.get(b"origin") or headers.get(b"referer")
        if not claimed:
            return True  # not a browser, or one that sends neither: the token still decides
        origin = _origin(claimed)
        host = headers.get(b"host", "")
        own = {f"{scope.get('scheme', 'http')}://{host}".lower(), *self.allowed}
        return origin in own

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path: str = scope.get("path", "")
        if path.startswith(EXEMPT_PREFIXES):
            await next_app(scope, receive, send)
            return
        headers = _headers(scope)
        cookie_token = cookies_in(headers.get(b"cookie", "")).get(self.cookie.key)
        session = scope.get("session")
        unsafe = scope.get("method", "GET") in UNSAFE_METHODS
        if unsafe:
            if not self._same_site(scope, headers):
                raise FormRefused(_("This form was sent from another site, so it was not used."))
            bound = session.get(SESSION_KEY) if isinstance(session, dict) else None
            if bound and (cookie_token is None or token_hash(cookie_token) != bound):
                raise FormRefused(
                    _("This form belongs to an earlier visit. Open the page again and resend it.")
                )

        async def bind_on_start(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._bind(scope, message, cookie_token)
            await send(message)

        await next_app(scope, receive, bind_on_start)

    def _bind(self, scope: Scope, message: Message, cookie_token: str | None) -> None:
        session: Any = scope.get("session")
        if not isinstance(session, dict) or not any(k != SESSION_KEY for k in session):
            return
        if session.pop(ROTATE_KEY, False):
            session[ROTATE_KEY] = True  # the session backend still needs to see it
            fresh = generate_csrf_token(self.secret)
            session[SESSION_KEY] = token_hash(fresh)
            cookie = Cookie(**{**self.cookie.__dict__, "value": fresh})
            MutableScopeHeaders.from_message(message).add("Set-Cookie", cookie.to_header(header=""))
            return
        if SESSION_KEY not in session or cookie_token is None:
            # A session from before binding, or a browser that lost its CSRF cookie (it lasts
            # as long as the browser; the session longer): bind the token the page was given,
            # which on a page without a cookie is a new random one.
            token = cookie_token or ScopeState.from_scope(scope).csrf_token
            if isinstance(token, str) and token:
                session[SESSION_KEY] = token_hash(token)
