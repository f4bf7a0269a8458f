"""Guards: who may reach a whole controller, checked before any handler runs.

A guard runs before the handler's dependencies, so it works out the viewer itself, through
the request's own database session; the ``viewer`` dependency then reuses that viewer.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from assembly.web.auth import Viewer, provide_viewer


async def viewer_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Viewer:
    found = connection.scope.get("state", {}).get("viewer")
    if isinstance(found, Viewer):
        return found
    config = connection.app.state.sqlalchemy_config
    db = config.provide_session(connection.app.state, connection.scope)
    return await provide_viewer(connection, db)  # type: ignore[arg-type]


async def admins_only(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    viewer = await viewer_of(connection)
    if viewer.account is None:
        raise NotAuthorizedException("Sign in to continue.")
    if not viewer.is_admin:
        raise PermissionDeniedException("Administrators only.")
