"""A citizen's own data (see it, download it, withdraw) and the facilitators' retention erase."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import get_visible_assembly
from assembly.db.models import Assembly, Participant
from assembly.db.models.assemblies import ENDED_STATUSES
from assembly.errors import DomainError
from assembly.i18n import _l
from assembly.participants.services import get_participant
from assembly.retention import services
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page

NO_STORE = {"Cache-Control": "no-store"}
CONFIRM_WITHDRAW = _l("Tick the box to confirm that you want to withdraw.")
CONFIRM_ERASE = _l("Tick the box to confirm that the personal data is to be erased.")


async def _own(db: AsyncSession, viewer: Viewer, slug: str) -> tuple[Assembly, Participant]:
    assembly = await get_visible_assembly(db, slug, viewer)
    participant = await get_participant(db, assembly, viewer.participant_in(assembly.id))
    if participant is None:
        raise PermissionDeniedException("Only participants of this assembly can do this.")
    return assembly, participant


class YourDataController(Controller):
    path = "/assemblies/{slug:str}/your-data"

    @get("/", name="your_data")
    async def show(self, slug: str, db_session: AsyncSession, viewer: Viewer) -> Template:
        assembly, participant = await _own(db_session, viewer, slug)
        record = await services.personal_record(db_session, assembly, participant)
        return Template(
            "retention/your_data.html",
            context={"assembly": assembly, "record": record, "errors": {}},
            headers=NO_STORE,
        )

    @get("/download", name="your_data_download")
    async def download(
        self, slug: str, db_session: AsyncSession, viewer: Viewer
    ) -> Response[bytes]:
        assembly, participant = await _own(db_session, viewer, slug)
        record = await services.personal_record(db_session, assembly, participant)
        body = json.dumps(record, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        return Response(
            body,
            media_type="application/json; charset=utf-8",
            headers={
                **NO_STORE,
                "Content-Disposition": f'attachment; filename="{assembly.slug}-your-data.json"',
            },
        )

    @post("/withdraw", name="your_data_withdraw")
    async def withdraw(
        self, request: Request[Any, Any, Any], slug: str, db_session: AsyncSession, viewer: Viewer
    ) -> Template | Redirect:
        assembly, participant = await _own(db_session, viewer, slug)
        form = await read_form(request)
        if form.get("confirm") != "yes":
            record = await services.personal_record(db_session, assembly, participant)
            return Template(
                "retention/your_data.html",
                context={
                    "assembly": assembly,
                    "record": record,
                    "errors": {"confirm": CONFIRM_WITHDRAW},
                },
                status_code=400,
                headers=NO_STORE,
            )
        await services.withdraw(db_session, participant)
        # This browser forgets the person too, as when leaving on the device.
        request.clear_session()
        return Redirect(
            "/left?withdrawn=1", status_code=303, headers={"Clear-Site-Data": '"cache"'}
        )


class EraseController(Controller):
    path = "/manage/assemblies/{slug:str}/erase"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    def _page(
        self, assembly: Assembly, errors: dict[str, Any], status_code: int = 200, **extra: Any
    ) -> Template:
        return page(
            "retention/erase.html",
            status_code=status_code,
            assembly=assembly,
            errors=errors,
            ended=assembly.status in ENDED_STATUSES,
            **extra,
        )

    @get("/", name="erase")
    async def show(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        return self._page(assembly, {})

    @post("/", name="erase_submit")
    async def erase(
        self,
        request: Request[Any, Any, Any],
        assembly: Assembly,
        db_session: AsyncSession,
        viewer: Viewer,
    ) -> Template | Redirect:
        account = viewer.require_account()
        form = await read_form(request)
        if form.get("confirm") != "yes":
            return self._page(assembly, {"confirm": CONFIRM_ERASE}, status_code=400)
        try:
            await services.erase_personal_data(db_session, assembly, account.id)
        except DomainError as exc:
            return self._page(assembly, exc.errors, status_code=exc.status_code)
        return Redirect(f"/manage/assemblies/{assembly.slug}/erase?done=1", status_code=303)
