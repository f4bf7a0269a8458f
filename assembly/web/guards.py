"""Guards: who may reach a whole controller, checked before any handler runs.

A guard runs before the handler's dependencies, so it works out the viewer itself, through
the request's own database session; the ``viewer`` dependency then reuses that viewer.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from assembly.errors import DomainError
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
    if viewer.account is None or not viewer.is_admin:
        await _close_uploads(connection)
    if viewer.account is None:
        raise NotAuthorizedException("Sign in to continue.")
    if not viewer.is_admin:
        raise PermissionDeniedException("Administrators only.")


async def facilitators_only(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """The facilitator pages: which assembly the facilitator may manage is the loader's check."""
    viewer = await viewer_of(connection)
    try:
        viewer.require_facilitator()
    except (DomainError, NotAuthorizedException, PermissionDeniedException):
        await _close_uploads(connection)
        raise


async def _close_uploads(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    # Litestar closes a parsed form's upload files after the handler, but not when a guard
    # refuses: close them here so no temporary file is left open.
    form = ScopeState.from_scope(connection.scope).form
    if form is not Empty:
        await FormMultiDict.from_form_data(form).close()


# Ids are 64-bit integers in both databases; a larger number in an address names nothing.
MAX_ID = 2**63 - 1


def refuse_oversized_ids(request: Any) -> None:
    """App-wide ``before_request``: such an id would make the database driver raise."""
    for value in request.path_params.values():
        if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
            raise NotFoundException()
