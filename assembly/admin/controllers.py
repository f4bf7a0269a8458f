"""The administrators' pages: make, disable and re-enable accounts, and give password links.

Administrators never see or set anyone's password. A new account gets a one-time link with
which its holder chooses a password; a forgotten password gets a new link the same way.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts import services
from assembly.db.models import ROLES, Account
from assembly.errors import DomainError, InvalidInput
from assembly.i18n import _l
from assembly.settings import Settings
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import admins_only
from assembly.web.templating import page

ROLE_LABELS = {
    "facilitator": _l("Facilitator"),
    "researcher": _l("Researcher"),
    "admin": _l("Administrator"),
    "responder": _l("Responder for the commissioning body"),
}
NO_STORE = {"Cache-Control": "no-store"}


def link_address(request: Request[Any, Any, Any], code: str) -> str:
    return f"{request.app.state.settings.base_url.rstrip('/')}/account/reset/{code}"


async def _list_page(
    db: AsyncSession,
    viewer: Viewer,
    *,
    changed: Account | None = None,
    change: str = "",
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        "admin/accounts.html",
        accounts=await services.list_accounts(db),
        role_labels=ROLE_LABELS,
        me=viewer.require_account(),
        changed=changed,
        change=change,
        errors=errors or {},
        status_code=status_code,
    )


def _link_page(
    request: Request[Any, Any, Any], account: Account, code: str, purpose: str
) -> Template:
    # The code is shown this once: no cache may keep the page.
    return Template(
        template_name="admin/password_link.html",
        context={
            "account": account,
            "code": code,
            "url": link_address(request, code),
            "reset_url": link_address(request, "").rstrip("/"),
            "purpose": purpose,
            "role_labels": ROLE_LABELS,
        },
        headers=NO_STORE,
    )


class AccountAdminController(Controller):
    path = "/admin/accounts"
    guards = (admins_only,)

    @get("/", name="admin_accounts")
    async def index(
        self,
        db_session: AsyncSession,
        viewer: Viewer,
        disabled: int | None = None,
        enabled: int | None = None,
    ) -> Template:
        account_id = disabled or enabled
        changed = await db_session.get(Account, account_id) if account_id else None
        change = "disabled" if disabled else "enabled"
        return await _list_page(db_session, viewer, changed=changed, change=change)

    @get("/new", name="admin_account_new")
    async def new_form(self, viewer: Viewer) -> Template:
        return page(
            "admin/account_new.html",
            values={"role": "facilitator"},
            errors={},
            roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        )

    @post("/", name="admin_account_create")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        viewer: Viewer,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {name: form.strip(name) for name in ("email", "display_name", "role")}
        new = services.NewAccount(values["email"], values["role"], values["display_name"])
        try:
            account, code = await services.invite_account(
                db_session,
                new,
                settings.secret_key,
                actor_id=viewer.require_account().id,
            )
        except InvalidInput as exc:
            return page(
                "admin/account_new.html",
                values=values,
                errors=exc.errors,
                roles=[(role, ROLE_LABELS[role]) for role in ROLES],
                status_code=400,
            )
        return _link_page(request, account, code, "welcome")

    async def _set_active(
        self, db: AsyncSession, viewer: Viewer, account_id: int, active: bool
    ) -> Response[Any]:
        account = await services.get_account(db, account_id)
        try:
            await services.set_account_active(
                db, account, active, actor_id=viewer.require_account().id
            )
        except DomainError as exc:
            return await _list_page(db, viewer, errors=exc.errors, status_code=exc.status_code)
        change = "enabled" if active else "disabled"
        return Redirect(
            f"/admin/accounts?{change}={account.id}#account-{account.id}", status_code=303
        )

    @post("/{account_id:int}/disable", name="admin_account_disable")
    async def disable(
        self, db_session: AsyncSession, viewer: Viewer, account_id: int
    ) -> Response[Any]:
        return await self._set_active(db_session, viewer, account_id, False)

    @post("/{account_id:int}/enable", name="admin_account_enable")
    async def enable(
        self, db_session: AsyncSession, viewer: Viewer, account_id: int
    ) -> Response[Any]:
        return await self._set_active(db_session, viewer, account_id, True)

    @post("/{account_id:int}/password-link", name="admin_password_link")
    async def password_link(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
        viewer: Viewer,
        account_id: int,
    ) -> Response[Any]:
        account = await services.get_account(db_session, account_id)
        try:
            code = await services.issue_password_link(
                db_session,
                account,
                settings.secret_key,
                actor_id=viewer.require_account().id,
            )
        except DomainError as exc:
            return await _list_page(
                db_session, viewer, errors=exc.errors, status_code=exc.status_code
            )
        return _link_page(request, account, code, "reset")
