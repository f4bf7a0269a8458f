"""Sign-in and sign-out for facilitators, researchers and administrators, and choosing a
password with a one-time link."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import services
from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.sessions import rotate_session_id
from assembly.web.templating import page


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a link send people elsewhere after sign-in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


class AccountController(Controller):
    @get("/signin", name="signin")
    async def signin_form(
        self, viewer: Viewer, next: str | None = None, password_set: str | None = None
    ) -> Template:
        return page(
            "accounts/signin.html",
            values={"email": ""},
            errors={},
            next=_safe_next(next),
            password_set=bool(password_set),
        )

    @post("/signin", name="signin_submit")
    async def signin(
        self, request: Request[Any, Any, Any], db_session: AsyncSession
    ) -> Response[Any]:
        form = await read_form(request)
        email, password = form.strip("email"), form.get("password")
        account = await services.authenticate(db_session, email, password)
        if account is None:
            errors = {"email": _l("The e-mail address or the password is wrong.")}
            return page(
                "accounts/signin.html",
                values={"email": email},
                errors=errors,
                next=_safe_next(form.get("next")),
                password_set=False,
                status_code=400,
            )
        participants = request.session.get("participants") if "session" in request.scope else None
        request.set_session({"account_id": account.id, "participants": participants or {}})
        rotate_session_id(request.session)
        return Redirect(_safe_next(form.get("next")), status_code=303)

    @post("/signout", name="signout")
    async def signout(self, request: Request[Any, Any, Any]) -> Redirect:
        request.clear_session()
        return Redirect("/", status_code=303)


def _link_refused(code: str, exc: InvalidInput) -> Template:
    # A link that is not there is missing (404); one that can no longer be used is gone (410).
    status = 404 if exc.errors.get("code") is services.LINK_NOT_VALID else 410
    return page(
        "accounts/password_code.html",
        values={"code": code[:40]},
        errors=exc.errors,
        status_code=status,
    )


async def _password_page(db: AsyncSession, request: Request[Any, Any, Any], code: str) -> Template:
    """The form to choose a password, if the link still works. Reads only."""
    try:
        opened = await services.check_password_link(db, code, request.app.state.settings.secret_key)
    except InvalidInput as exc:
        return _link_refused(code, exc)
    form = page(
        "accounts/password_form.html",
        account=opened.account,
        purpose=opened.link.purpose,
        code=code,
        values={},
        errors={},
    )
    form.headers["Cache-Control"] = "no-store"  # its address is the way into the account
    return form


class PasswordLinkController(Controller):
    """``/account/reset``: type the code, or follow the link, then choose a password."""

    path = "/account/reset"

    @get("/", name="password_code")
    async def code_form(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        request: Request[Any, Any, Any],
        code: str | None = None,
    ) -> Template:
        if not code:
            return page("accounts/password_code.html", values={"code": ""}, errors={})
        return await _password_page(db_session, request, code.strip())

    @get("/{code:str}", name="password_form")
    async def password_form(
        self, db_session: AsyncSession, viewer: Viewer, request: Request[Any, Any, Any], code: str
    ) -> Template:
        return await _password_page(db_session, request, code)

    @post("/{code:str}", name="password_set")
    async def set_password(
        self,
        db_session: AsyncSession,
        settings: Settings,
        request: Request[Any, Any, Any],
        code: str,
    ) -> Response[Any]:
        form = await read_form(request)
        secret_key = settings.secret_key
        try:
            await services.use_password_link(
                db_session, code, form.get("password"), form.get("confirmation"), secret_key
            )
        except InvalidInput as exc:
            if "code" in exc.errors:
                return _link_refused(code, exc)
            opened = await services.check_password_link(db_session, code, secret_key)
            return page(
                "accounts/password_form.html",
                account=opened.account,
                purpose=opened.link.purpose,
                code=code,
                values={},
                errors=exc.errors,
                status_code=400,
            )
        return Redirect("/signin?password_set=1", status_code=303)
