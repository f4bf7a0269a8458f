"""Error pages in the user's language, and JSON errors for the API."""

from __future__ import annotations

import logging
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from assembly.errors import DomainError, NotAllowed, NotFound, SignInRequired
from assembly.i18n import current_locale, ngettext
from assembly.i18n import gettext as _
from assembly.web.csrf import FormRefused
from assembly.web.middleware import locale_for_scope
from assembly.web.ratelimit import TooManyAttempts

logger = logging.getLogger("assembly")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/schema")


def _error_page(
    request: Request,
    status_code: int,
    title: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    # Unknown routes never pass the route middleware, so the language is chosen here too.
    if "locale" not in request.scope.get("state", {}):
        locale = locale_for_scope(request.scope)
        request.scope.setdefault("state", {})["locale"] = locale
        current_locale.set(locale)
        title, message = _(title), _(message)
    if _wants_json(request):
        return Response(
            {"status_code": status_code, "detail": message},
            status_code=status_code,
            media_type=MediaType.JSON,
            headers=headers,
        )
    return Template(
        template_name="errors/error.html",
        context={"status_code": status_code, "title": title, "message": message},
        status_code=status_code,
        headers=headers,
    )


def not_authenticated(request: Request, exc: NotAuthorizedException) -> Response:
    if _wants_json(request):
        return _error_page(request, 401, _("Sign-in needed"), str(exc.detail))
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return Redirect(f"/signin?next={target}", status_code=303)


def _lost_participant(request: Request) -> bool:
    """A citizen's page refused to someone this browser does not remember as taking part.

    They may never have joined, or they left on this device, or their session ended: the page
    then says how to come back instead of only "not allowed".
    """
    path = request.url.path
    if not path.startswith("/assemblies/") or _wants_json(request):
        return False
    viewer = request.scope.get("state", {}).get("viewer")
    if viewer is None or viewer.is_signed_in:
        return False
    slug = path.split("/")[2]
    return all(item.assembly_slug != slug for item in viewer.taking_part)


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if isinstance(exc, FormRefused):
        return _error_page(request, 403, _("Not allowed"), str(exc.detail))
    if _lost_participant(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Template(
            template_name="errors/participants_only.html",
            context={"status_code": 403, "next": target},
            status_code=403,
        )
    return _error_page(
        request,
        403,
        _("Not allowed"),
        _("You do not have permission to see or do this."),
    )


def not_found(request: Request, exc: NotFoundException) -> Response:
    return _error_page(
        request, 404, _("Page not found"), _("We could not find the page you asked for.")
    )


def _restore_language(request: Request) -> None:
    """An error raised in a middleware (a rate limit) is answered outside it, where the
    request's language has been reset already: take it back from the scope."""
    locale = request.scope.get("state", {}).get("locale")
    if locale and current_locale.get() != locale:
        current_locale.set(locale)


def http_error(request: Request, exc: HTTPException) -> Response:
    _restore_language(request)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if isinstance(exc, ValidationException):
        detail = _("The request could not be read. Check what you sent and try again.")
        if _wants_json(request):
            return Response(
                {"status_code": 400, "detail": detail, "extra": exc.extra},
                status_code=400,
                media_type=MediaType.JSON,
            )
    title = _("Request not accepted") if exc.status_code < 500 else _("Something went wrong")
    if exc.status_code == 403:
        detail = detail or _("You do not have permission to see or do this.")
        if "CSRF" in (exc.detail or ""):
            detail = _("The form had expired. Go back, reload the page and send it again.")
    if exc.status_code == 405:
        # Litestar's own detail is English and technical ("Method Not Allowed").
        title = _("This page cannot be opened this way")
        detail = _(
            "This address answers a form, not a link. Go back and use the page's links and buttons."
        )
    if exc.status_code == 429:
        title = _("Too many attempts")
        detail = _("Too many attempts. Wait a minute and try again.")
        if isinstance(exc, TooManyAttempts):
            # Nothing of the form was used; say exactly how long to wait (also in Retry-After).
            detail = ngettext(
                "Too many attempts from this browser or network, so this one was not used. "
                "Try again in %(num)d second.",
                "Too many attempts from this browser or network, so this one was not used. "
                "Try again in %(num)d seconds.",
                exc.retry_after,
            )
    if exc.status_code == 408:
        # The body came too slowly (see assembly.web.intake); nothing of it was stored.
        title = _("The connection was too slow")
        detail = _(
            "What you sent did not arrive in time, so nothing was stored. "
            "Go back and send it again."
        )
    if exc.status_code == 413:
        title = _("What you sent is too large")
        detail = _("Nothing was stored. Send a smaller file or a shorter text.")
    return _error_page(request, exc.status_code, title, detail or title, exc.headers)


def domain_error(request: Request, exc: DomainError) -> Response:
    """A rule said no and no controller showed a form for it: a page with the reason."""
    if isinstance(exc, SignInRequired):
        return not_authenticated(request, NotAuthorizedException(str(exc.message)))
    if isinstance(exc, NotFound):
        return not_found(request, NotFoundException())
    if isinstance(exc, NotAllowed):
        return permission_denied(request, PermissionDeniedException())
    messages = [str(message) for message in exc.errors.values() if str(message)]
    return _error_page(
        request,
        exc.status_code,
        _("Request not accepted"),
        " ".join(messages)
        or _("The request could not be read. Check what you sent and try again."),
    )


def undecodable_text(request: Request, exc: UnicodeDecodeError) -> Response:
    # Raised by the form parser when a multipart field is not UTF-8 (it may run before the
    # handler, in the CSRF check), so it is answered here for every route alike.
    return _error_page(
        request,
        400,
        _("The form could not be read"),
        _("The form is not valid text (UTF-8). Check what you typed and try again."),
    )


def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_page(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        _("Something went wrong"),
        _("An unexpected error happened. Nothing you sent was stored; please try again."),
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    NotAuthorizedException: not_authenticated,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    HTTPException: http_error,
    UnicodeDecodeError: undecodable_text,
    Exception: server_error,
}
