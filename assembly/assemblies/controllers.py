"""Facilitator pages for assemblies, and the public list of published assemblies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies import services
from assembly.assemblies.forms import (
    apply_question_action,
    assembly_input,
    question_rows,
    rows_to_values,
    time_zone_groups,
)
from assembly.budgets.services import currency_choices
from assembly.db.models import Assembly
from assembly.errors import InvalidInput
from assembly.i18n import LANGUAGES, _l, current_locale, ngettext
from assembly.ratelimits import windows as room_windows
from assembly.topics.services import PHASE_LABELS
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.ratelimit import request_address
from assembly.web.templating import page

FORM_FIELDS = (
    "title",
    "slug",
    "place",
    "language",
    "time_zone",
    "description",
    "status",
    "currency",
)
STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}
NEW_ASSEMBLY_DEFAULTS = {
    "language": "nb",
    "time_zone": "Europe/Oslo",
    "status": "draft",
    "currency": "NOK",
    **rows_to_values([{"label": "", "options": "", "key": "", "optional": "on"}]),
}


def _read_values(form: Any) -> dict[str, str]:
    values = {name: form.get(name) for name in FORM_FIELDS}
    values.update({k: v for k, v in form.values.items() if k.startswith("dq-")})
    return values


def _form_page(
    *,
    assembly: Assembly | None,
    values: dict[str, str],
    errors: dict[str, Any],
    status_code: int = 200,
) -> Template:
    local_zones, other_zones = time_zone_groups(
        str(values.get("time_zone") or ""), str(values.get("language") or ""), current_locale.get()
    )
    return page(
        "manage/assembly_form.html",
        assembly=assembly,
        values=values,
        errors=errors,
        local_zones=local_zones,
        other_zones=other_zones,
        languages=list(LANGUAGES.items()),
        question_rows=question_rows(values),
        statuses=[(s, STATUS_LABELS[s]) for s in services.EDITABLE_STATUSES],
        currencies=currency_choices(values.get("currency", "")),
        status_code=status_code,
    )


async def _overview_page(
    db: AsyncSession,
    assembly: Assembly,
    request: Request[Any, Any, Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Template:
    overview = await services.assembly_overview(db, assembly)
    researchers = await services.list_research_grants(db, assembly)
    # A room window's network defaults to the facilitator's own address (they are in the room).
    values = {"network": request_address(request), **(values or {})}
    values.setdefault("minutes", str(room_windows.DEFAULT_MINUTES))
    return page(
        "manage/assembly.html",
        assembly=assembly,
        overview=overview,
        researchers=researchers,
        phase_labels=PHASE_LABELS,
        status_labels=STATUS_LABELS,
        room_windows=await room_windows.open_windows(db, assembly),
        room_durations=[(str(m), _duration_label(m)) for m in room_windows.DURATIONS_MINUTES],
        values=values,
        errors=errors or {},
        status_code=status_code,
    )


def _duration_label(minutes: int) -> str:
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", minutes)
    return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)


class ManageAssemblyController(Controller):
    path = "/manage/assemblies"

    @get("/", name="manage_assemblies")
    async def index(self, viewer: Viewer) -> Redirect:
        viewer.require_facilitator()
        return Redirect("/dashboard", status_code=303)

    @get("/new", name="assembly_new")
    async def new_form(self, viewer: Viewer) -> Template:
        viewer.require_facilitator()
        return _form_page(assembly=None, values=dict(NEW_ASSEMBLY_DEFAULTS), errors={})

    @post("/new", name="assembly_create")
    async def create(
        self, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Response[Any]:
        account = viewer.require_facilitator()
        form = await read_form(request)
        values = _read_values(form)
        if form.get("dq_action"):
            values.update(apply_question_action(values, form.get("dq_action")))
            return _form_page(assembly=None, values=values, errors={})
        try:
            assembly = await services.create_assembly(db_session, account, assembly_input(values))
        except InvalidInput as exc:
            return _form_page(assembly=None, values=values, errors=exc.errors, status_code=400)
        return Redirect(f"/manage/assemblies/{assembly.slug}", status_code=303)

    @get("/{slug:str}", name="assembly_manage")
    async def overview(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        return await _overview_page(db_session, assembly, request)

    @post("/{slug:str}/room-windows", name="room_window_open")
    async def open_room_window(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Response[Any]:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        values = {"network": form.get("network").strip(), "minutes": form.get("minutes")}
        minutes = (
            int(values["minutes"])
            if values["minutes"].isascii() and values["minutes"].isdigit()
            else 0
        )
        try:
            await room_windows.open_window(
                db_session, assembly, viewer.require_account().id, values["network"], minutes
            )
        except InvalidInput as exc:
            return await _overview_page(
                db_session, assembly, request, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(f"/manage/assemblies/{assembly.slug}#room-window", status_code=303)

    @post("/{slug:str}/room-windows/{window_id:int}/close", name="room_window_close")
    async def close_room_window(
        self, slug: str, window_id: int, viewer: Viewer, db_session: AsyncSession
    ) -> Redirect:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        await room_windows.close_window(
            db_session, assembly, window_id, viewer.require_account().id
        )
        return Redirect(f"/manage/assemblies/{assembly.slug}#room-window", status_code=303)

    @get("/{slug:str}/edit", name="assembly_edit")
    async def edit_form(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Template:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        return _form_page(
            assembly=assembly, values=services.assembly_form_values(assembly), errors={}
        )

    @post("/{slug:str}/edit", name="assembly_update")
    async def update(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Response[Any]:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        values = _read_values(form)
        values["slug"] = assembly.slug
        if form.get("dq_action"):
            values.update(apply_question_action(values, form.get("dq_action")))
            return _form_page(assembly=assembly, values=values, errors={})
        actor = viewer.require_account().id
        try:
            await services.update_assembly(db_session, assembly, assembly_input(values), actor)
        except InvalidInput as exc:
            return _form_page(assembly=assembly, values=values, errors=exc.errors, status_code=400)
        return Redirect(f"/manage/assemblies/{assembly.slug}", status_code=303)

    @post("/{slug:str}/publish", name="assembly_publish")
    async def publish(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Redirect:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        await services.set_assembly_status(
            db_session, assembly, "published", viewer.require_account().id
        )
        return Redirect(f"/manage/assemblies/{assembly.slug}", status_code=303)

    @post("/{slug:str}/unpublish", name="assembly_unpublish")
    async def unpublish(self, slug: str, viewer: Viewer, db_session: AsyncSession) -> Redirect:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        await services.set_assembly_status(
            db_session, assembly, "draft", viewer.require_account().id
        )
        return Redirect(f"/manage/assemblies/{assembly.slug}", status_code=303)

    @post("/{slug:str}/facilitators", name="assembly_add_facilitator")
    async def add_facilitator(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Response[Any]:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        values = {"facilitator_email": form.get("facilitator_email").strip()}
        try:
            await services.add_facilitator(
                db_session, assembly, values["facilitator_email"], viewer.require_account().id
            )
        except InvalidInput as exc:
            return await _overview_page(
                db_session, assembly, request, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(f"/manage/assemblies/{assembly.slug}#people", status_code=303)

    @post("/{slug:str}/researchers", name="assembly_grant_research")
    async def grant_research(
        self, slug: str, request: Request[Any, Any, Any], viewer: Viewer, db_session: AsyncSession
    ) -> Response[Any]:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        form = await read_form(request)
        values = {"researcher_email": form.get("researcher_email").strip()}
        try:
            await services.grant_research_access(
                db_session, assembly, values["researcher_email"], viewer.require_account().id
            )
        except InvalidInput as exc:
            return await _overview_page(
                db_session, assembly, request, values=values, errors=exc.errors, status_code=400
            )
        return Redirect(f"/manage/assemblies/{assembly.slug}#people", status_code=303)

    @post("/{slug:str}/researchers/{account_id:int}/revoke", name="assembly_revoke_research")
    async def revoke_research(
        self, slug: str, account_id: int, viewer: Viewer, db_session: AsyncSession
    ) -> Redirect:
        assembly = await services.get_managed_assembly(db_session, slug, viewer)
        await services.revoke_research_access(
            db_session, assembly, account_id, viewer.require_account().id
        )
        return Redirect(f"/manage/assemblies/{assembly.slug}#people", status_code=303)


class PublicAssemblyListController(Controller):
    @get("/assemblies", name="assemblies")
    async def index(self, db_session: AsyncSession, viewer: Viewer) -> Template:
        assemblies = await services.list_public_assemblies(db_session)
        return page("manage/public_assemblies.html", assemblies=assemblies)
