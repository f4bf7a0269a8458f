"""Sign-in and sign-out for facilitators, researchers and administrators."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import services
from assembly.i18n import _l
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
    async def signin_form(self, viewer: Viewer, next: str | None = None) -> Template:
        return page("accounts/signin.html", values={"email": ""}, errors={}, next=_safe_next(next))

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
