"""Server-side sessions whose identifier changes when someone signs in or joins.

Litestar keeps the identifier from the cookie for the session's whole life; rotating it on
sign-in stops session fixation, so this backend issues a fresh one when asked to.
"""

from __future__ import annotations

from dataclasses import dataclass
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

ROTATE_KEY = "_rotate_session_id"
LOADED_KEY = "_assembly_session_loaded"


def rotate_session_id(session: dict[str, Any]) -> None:
    """Ask for a new session identifier when the response is sent."""
    session[ROTATE_KEY] = True


def _keeps_session(connection: ASGIConnection) -> bool:
    """Routes that write nothing through the request (``write_intent`` off) leave it alone."""
    opt = getattr(connection.scope.get("route_handler"), "opt", None) or {}
    return opt.get("write_intent", True) is False


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope.setdefault("state", {})[LOADED_KEY] = data
                return self.deserialize_data(data)
        return {}

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        if scope_session is Empty or not isinstance(scope_session, dict):
            await super().store_in_message(scope_session, message, connection)
            return
        if not scope_session.pop(ROTATE_KEY, False):
            loaded = connection.scope.get("state", {}).get(LOADED_KEY)
            if (
                loaded is not None
                and _keeps_session(connection)
                and self.serialize_data(scope_session, connection.scope) == loaded
            ):
                # Unchanged: skip the store write (a commit per request on SQLite) and only
                # send the cookie again. Every other request still renews the stored expiry.
                self._send_cookie(message, self.get_session_id(connection))
                return
            await super().store_in_message(scope_session, message, connection)
            return
        store = self.config.get_store_from_app(connection.scope["app"])
        old_id = connection.cookies.get(self.config.key)
        if old_id and old_id != "null":
            await self.delete(old_id, store=store)
        new_id = self.generate_session_id()
        await self.set(new_id, self.serialize_data(scope_session, connection.scope), store=store)
        self._send_cookie(message, new_id)

    async def set(self, session_id: str, data: bytes, store: Store) -> None:
        limit = getattr(self.config, "account_max_age", None)
        if limit is not None and b'"account_id"' in data:
            await store.set(session_id, data, expires_in=int(limit))
            return
        await super().set(session_id, data, store)

    def _send_cookie(self, message: Message, session_id: str) -> None:
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie",
            Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""),
        )


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    # A session with a signed-in account expires after this; a citizen's after ``max_age``
    # without a visit, and sooner when their assembly ends or they leave (see web.auth).
    account_max_age: int | None = None
    _backend_class = RotatingSessionBackend
