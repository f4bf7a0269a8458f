"""Server-side sessions: rotated on sign-in, never stored empty, rarely rewritten.

- Litestar keeps the identifier from the cookie for the session's whole life; rotating it on
  sign-in stops session fixation, so this backend issues a fresh one when asked to.
- A visitor without a session gets none until something is put in it: Litestar's own backend
  stores ``{}`` for every anonymous request, a database write per page view.
- An unchanged session is written back only when its renewal is due (``renew_after``
  seconds after it was last written), so a signed-in page view writes nothing either. The
  time of the last write travels inside the stored data, so any store will do.
- A process keeps what it read for ``cache_seconds``: a page, its stylesheet and its form
  post from one browser then cost one read. Writes and deletes in this process update the
  cache at once; another worker sees them within ``cache_seconds``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.stores.base import Store
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

from assembly.session_data import RENEWED_KEY

ROTATE_KEY = "_rotate_session_id"
LOADED_KEY = "_assembly_session_loaded"  # scope state: (serialised data, written at)
CACHE_LIMIT = 20_000


def rotate_session_id(session: dict[str, Any]) -> None:
    """Ask for a new session identifier when the response is sent."""
    session[ROTATE_KEY] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    config: RotatingSessionConfig

    def __init__(self, config: RotatingSessionConfig) -> None:
        super().__init__(config=config)
        self._cache: dict[str, tuple[float, bytes | None]] = {}

    # ---------------------------------------------------------------- the per-process cache
    def _remember(self, session_id: str, data: bytes | None) -> None:
        if self.config.cache_seconds <= 0:
            return
        if len(self._cache) >= CACHE_LIMIT:
            now = time.monotonic()
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
        self._cache[session_id] = (time.monotonic() + self.config.cache_seconds, data)

    async def get(self, session_id: str, store: Store) -> bytes | None:
        hit = self._cache.get(session_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        data = await store.get(session_id)
        self._remember(session_id, data)
        return data

    async def set(self, session_id: str, data: bytes, store: Store) -> None:
        limit = self.config.account_max_age
        if limit is not None and b'"account_id"' in data:
            await store.set(session_id, data, expires_in=int(limit))
        else:
            await super().set(session_id, data, store)
        self._remember(session_id, data)

    async def delete(self, session_id: str, store: Store) -> None:
        self._cache.pop(session_id, None)
        await super().delete(session_id, store)

    # ---------------------------------------------------------------- loading and storing
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if not session_id or session_id == "null":
            return {}
        store = self.config.get_store_from_app(connection.scope["app"])
        data = await self.get(session_id, store=store)
        if data is None:
            return {}
        session = self.deserialize_data(data)
        written_at = session.pop(RENEWED_KEY, 0)
        loaded = self.serialize_data(session, connection.scope)
        connection.scope.setdefault("state", {})[LOADED_KEY] = (loaded, written_at)
        return session

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        cookie_id = connection.cookies.get(self.config.key)
        has_cookie = bool(cookie_id) and cookie_id != "null"
        loaded = connection.scope.get("state", {}).get(LOADED_KEY)
        if scope_session is Empty or not isinstance(scope_session, dict) or not scope_session:
            # Cleared or empty: forget a stored session, store nothing for a visitor.
            if has_cookie:
                if loaded is not None:
                    await self.delete(str(cookie_id), store=store)
                self._send_cookie(message, "null", expires=0)
            return
        rotate = bool(scope_session.pop(ROTATE_KEY, False))
        data = self.serialize_data(scope_session, connection.scope)
        if rotate or not has_cookie or loaded is None:
            if rotate and has_cookie:
                await self.delete(str(cookie_id), store=store)
            # A new identifier, also for a cookie whose session expired or never existed (an
            # identifier planted by someone else is never taken over).
            session_id = connection.get_session_id() if not (has_cookie or rotate) else None
            session_id = session_id or self.generate_session_id()
        else:
            session_id = str(cookie_id)
            previous, written_at = loaded
            if data == previous and time.time() - written_at < self.config.renew_after:
                # Unchanged and renewed recently: nothing to write, the cookie is sent again.
                self._send_cookie(message, session_id)
                return
        stored = {**scope_session, RENEWED_KEY: round(time.time(), 3)}
        await self.set(session_id, self.serialize_data(stored, connection.scope), store=store)
        self._send_cookie(message, session_id)

    def _send_cookie(self, message: Message, session_id: str, **extra: Any) -> None:
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        cookie_params.update(extra)
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie",
            Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""),
        )


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]
    cache_seconds: float = field(default=2.0)
    """How long a process reuses a session it has read."""
    renew_after: int = field(default=60 * 60)
    """Seconds after its last write that an unchanged session is written again."""
    # A session with a signed-in account expires after this; a citizen's after ``max_age``
    # without a visit, and sooner when their assembly ends or they leave (see web.auth).
    account_max_age: int | None = None
