"""Server-side sessions whose identifier changes when someone signs in or joins.

Litestar keeps the identifier from the cookie for the session's whole life; rotating it on
sign-in stops session fixation, so this backend issues a fresh one when asked to.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

ROTATE_KEY = "_rotate_session_id"


def rotate_session_id(session: dict[str, Any]) -> None:
    """Ask for a new session identifier when the response is sent."""
    session[ROTATE_KEY] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        if scope_session is Empty or not isinstance(scope_session, dict):
            await super().store_in_message(scope_session, message, connection)
            return
        if not scope_session.pop(ROTATE_KEY, False):
            await super().store_in_message(scope_session, message, connection)
            return
        store = self.config.get_store_from_app(connection.scope["app"])
        old_id = connection.cookies.get(self.config.key)
        if old_id and old_id != "null":
            await self.delete(old_id, store=store)
        new_id = self.generate_session_id()
        await self.set(new_id, self.serialize_data(scope_session, connection.scope), store=store)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=new_id, key=self.config.key, **cookie_params).to_header(header="")
        )


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend
