"""The request's commit, before the response says anything.

advanced-alchemy's own commit step logs a failed commit at debug level and sends the 2xx or
3xx anyway, so a form could answer "saved" for a row that was never stored. Here the commit
runs when the response starts; if it fails, the response that was about to go out is
dropped, the failure is logged as an error, and the person gets a 500 page in their language
saying that nothing was stored (with the session as it was before the request, so a sign-in
or a join that was not stored does not look done).

This runs inside the session middleware, so the session is written only after the commit
(on SQLite that write would otherwise wait for the request's own write lock).
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any

from advanced_alchemy.extensions.litestar._utils import (
    delete_aa_scope_state,
    get_aa_scope_state,
)
from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response import Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.i18n import gettext as _

log = logging.getLogger("assembly.commit")

_TERMINUS = frozenset({"http.response.start", "http.disconnect"})


class CommitMiddleware(ASGIMiddleware):
    """Commits 2xx and 3xx responses' writes (rolls back the rest); a failed commit gives 500."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, session_scope_key: str) -> None:
        self.session_scope_key = session_scope_key

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session_before = copy.deepcopy(scope.get("session"))
        failed = False

        async def send_after_commit(message: Message) -> None:
            nonlocal failed
            if failed:
                return  # the rest of the response that was never true
            db: AsyncSession | None = get_aa_scope_state(scope, self.session_scope_key)
            if db is not None and message["type"] == "http.response.start":
                if 200 <= message["status"] < 400:
                    try:
                        await db.commit()
                    except Exception:
                        log.exception(
                            "The commit of %s %s failed; the response says nothing was stored",
                            scope.get("method"),
                            scope.get("path"),
                        )
                        failed = True
                        await self._finish(scope, db, rollback=True)
                        scope["session"] = session_before
                        await _failure_page(scope, receive, send)
                        return
                else:
                    await self._finish(scope, db, rollback=True)
                    db = None
            if db is not None and message["type"] in _TERMINUS:
                await self._finish(scope, db, rollback=False)
            await send(message)

        await next_app(scope, receive, send_after_commit)

    async def _finish(self, scope: Scope, db: AsyncSession, *, rollback: bool) -> None:
        if rollback:
            try:
                await db.rollback()
            except Exception:
                log.warning("A rollback failed", exc_info=True)
        with contextlib.suppress(Exception):
            await db.close()
        with contextlib.suppress(KeyError):
            delete_aa_scope_state(scope, self.session_scope_key)


async def _failure_page(scope: Scope, receive: Receive, send: Send) -> None:
    request: Request[Any, Any, Any] = Request(scope, receive)
    status = 500
    template = Template(
        template_name="errors/error.html",
        context={
            "status_code": status,
            "title": _("Your changes were not stored"),
            "message": _(
                "The database could not store what you sent, so nothing of it was kept. "
                "Go back and send it again in a moment."
            ),
        },
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )
    response = template.to_asgi_response(None, request)
    await response(scope, receive, send)
