"""ASGI middleware: the request's language, its write intent, and security headers."""

from __future__ import annotations

from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from assembly.db.engine import write_intent
from assembly.i18n import (
    EASY_READ_COOKIE,
    LANGUAGE_COOKIE,
    choose_language,
    current_locale,
    easy_read,
)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script anywhere: pages work without JavaScript, and the little there is is a file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                k, _sep, v = part.strip().partition("=")
                if k == name:
                    return v
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class RequestContextMiddleware(ASGIMiddleware):
    """Sets the language and the write intent for the request."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, default_locale: str = "en") -> None:
        self.default_locale = default_locale

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        locale = locale_for_scope(scope, self.default_locale)
        scope.setdefault("state", {})["locale"] = locale
        locale_token = current_locale.set(locale)
        easy_token = easy_read.set(_cookie(scope, EASY_READ_COOKIE) == "1")
        write_token = write_intent.set(wants_write_lock(scope))

        try:
            await next_app(scope, receive, send)
        finally:
            current_locale.reset(locale_token)
            easy_read.reset(easy_token)
            write_intent.reset(write_token)


def wants_write_lock(scope: Scope) -> bool:
    """State-changing requests take the write lock, unless their route opts out.

    A route with ``opt={"write_intent": False}`` reads through the request session and hands
    its writes to someone else (the vote writer), so it must not hold the lock while it waits.
    """
    if scope.get("method", "GET") not in UNSAFE_METHODS:
        return False
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None) or {}
    return bool(opt.get("write_intent", True))


async def add_security_headers(message: Message, scope: Scope) -> None:
    """App-wide ``before_send`` hook, so error pages for unknown routes get the headers too."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    app_state = getattr(scope.get("app"), "state", None)
    settings = getattr(app_state, "settings", None)
    if getattr(settings, "secure_cookies", False):
        # Secure cookies mean the site is served over HTTPS: tell browsers to keep to it.
        headers["Strict-Transport-Security"] = HSTS
    locale = scope.get("state", {}).get("locale")
    if locale and "Content-Language" not in headers:
        headers["Content-Language"] = locale
    headers.add("Vary", "Accept-Language, Cookie")


def locale_for_scope(scope: Scope, default: str = "en") -> str:
    return choose_language(
        _cookie(scope, LANGUAGE_COOKIE), _header(scope, b"accept-language"), default
    )


def language_cookie(locale: str, *, secure: bool) -> Cookie:
    return Cookie(
        key=LANGUAGE_COOKIE,
        value=locale,
        max_age=60 * 60 * 24 * 365,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def easy_read_cookie(on: bool, *, secure: bool) -> Cookie:
    return Cookie(
        key=EASY_READ_COOKIE,
        value="1" if on else "0",
        max_age=60 * 60 * 24 * 365,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def cookies_in(header: str) -> dict[str, str]:
    """The cookies of a raw ``Cookie`` header, the first of each name winning (as browsers
    send the most specific first); for middleware that runs before Litestar parses them."""
    out: dict[str, str] = {}
    for part in header.split(";"):
        key, _sep, value = part.strip().partition("=")
        out.setdefault(key, value)
    return out
