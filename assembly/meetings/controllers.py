"""The facilitator's side of a meeting: the list, the console and its buttons, the projector.

Each press commits before its event goes out, so a page that looks again on the event finds
the change already stored.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import AGENDA_KINDS, Assembly, Meeting, TablePlan
from assembly.errors import Conflict, InvalidInput
from assembly.invitations.services import join_url, qr_svg
from assembly.meetings import services, views
from assembly.settings import Settings
from assembly.web import live
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page

ITEM_FIELDS = ("kind", "title", "minutes", "topic", "table_round")


def console_url(assembly: Assembly, meeting: Meeting) -> str:
    return f"/manage/assemblies/{assembly.slug}/meetings/{meeting.id}"


def _version(form: Any) -> int:
    raw = form.get("version").strip()
    return int(raw) if raw.isdigit() else -1


async def _plan(db: AsyncSession, meeting: Meeting) -> TablePlan | None:
    return await db.get(TablePlan, meeting.table_plan_id) if meeting.table_plan_id else None


def _error_groups(errors: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each form on the console shows the problems of its own fields."""
    return {
        "page": {k: v for k, v in errors.items() if k not in {"host", "table", *ITEM_FIELDS}},
        "hosts": {k: v for k, v in errors.items() if k in {"host", "table"}},
        "item": {k: v for k, v in errors.items() if k in ITEM_FIELDS},
    }


async def _console(
    db: AsyncSession,
    assembly: Assembly,
    meeting: Meeting,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    plan = await _plan(db, meeting)
    view = await views.meeting_view(db, assembly, meeting)
    view.tables = await views.table_states(db, meeting, plan)
    topics = await services.topics_of(db, assembly)
    return page(
        "meetings/console.html",
        assembly=assembly,
        meeting=meeting,
        view=view,
        plan=plan,
        rounds=len((plan.plan.get("rounds") or []) if plan else []),
        base=console_url(assembly, meeting),
        events=f"/assemblies/{assembly.slug}/meetings/{meeting.id}/events",
        kinds=[(k, services.KIND_LABELS[k]) for k in AGENDA_KINDS],
        topics=[("", "")] + [(str(t.id), t.question) for t in topics],
        values={"kind": "plenary", "minutes": "10", "table_round": "1", **(values or {})},
        errors=errors or {},
        error_groups=_error_groups(errors or {}),
        notice=notice,
        status_code=status_code,
    )


class ManageMeetingController(Controller):
    path = "/manage/assemblies/{slug:str}/meetings"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    @get("/", name="meetings")
    async def index(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        return await self._index(db_session, assembly, {}, {})

    async def _index(
        self,
        db: AsyncSession,
        assembly: Assembly,
        values: dict[str, Any],
        errors: dict[str, Any],
        status_code: int = 200,
    ) -> Template:
        plans = await services.table_plans_of(db, assembly)
        return page(
            "meetings/index.html",
            assembly=assembly,
            meetings=await services.list_meetings(db, assembly),
            plans=[("", "")] + [(str(p.id), p.name or f"#{p.id}") for p in plans],
            values={"table_plan": str(plans[0].id) if plans else "", **values},
            errors=errors,
            status_code=status_code,
        )

    @post("/", name="meeting_create")
    async def create(
        self,
        assembly: Assembly,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        values = {"title": form.get("title"), "table_plan": form.get("table_plan")}
        try:
            meeting = await services.create_meeting(
                db_session,
                assembly,
                values["title"],
                values["table_plan"],
                viewer.require_account().id,
            )
        except InvalidInput as exc:
            return await self._index(db_session, assembly, values, exc.errors, 400)
        return Redirect(console_url(assembly, meeting), status_code=303)

    @get("/{meeting_id:int}", name="meeting_console")
    async def console(
        self,
        assembly: Assembly,
        meeting_id: int,
        db_session: AsyncSession,
        moved: int = 0,
    ) -> Template:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        notice = str(services.MOVED) if moved else ""
        return await _console(db_session, assembly, meeting, notice=notice)

    @post("/{meeting_id:int}/items", name="meeting_item_add")
    async def add_item(
        self,
        assembly: Assembly,
        meeting_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        form = await read_form(request)
        values = {name: form.get(name) for name in ITEM_FIELDS}
        try:
            item = await services.parse_item(
                db_session, assembly, values, await _plan(db_session, meeting)
            )
            await services.add_item(db_session, meeting, item, viewer.require_account().id)
        except InvalidInput as exc:
            return await _console(
                db_session, assembly, meeting, values=values, errors=exc.errors, status_code=400
            )
        await self._changed(state, db_session, assembly, meeting)
        return Redirect(console_url(assembly, meeting) + "#agenda", status_code=303)

    @post("/{meeting_id:int}/items/{item_id:int}/remove", name="meeting_item_remove")
    async def remove_item(
        self,
        assembly: Assembly,
        meeting_id: int,
        item_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        form = await read_form(request)
        try:
            await services.remove_item(
                db_session, meeting, item_id, _version(form), viewer.require_account().id
            )
        except Conflict:
            return Redirect(console_url(assembly, meeting) + "?moved=1", status_code=303)
        except InvalidInput as exc:
            return await _console(db_session, assembly, meeting, errors=exc.errors, status_code=400)
        await self._changed(state, db_session, assembly, meeting)
        return Redirect(console_url(assembly, meeting) + "#agenda", status_code=303)

    @post("/{meeting_id:int}/press", name="meeting_press")
    async def press(
        self,
        assembly: Assembly,
        meeting_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        form = await read_form(request)
        raw_item = form.get("item").strip()
        try:
            await services.press(
                db_session,
                meeting,
                form.get("action").strip(),
                _version(form),
                viewer.require_account().id,
                item_id=int(raw_item) if raw_item.isdigit() else None,
            )
        except Conflict:
            return Redirect(console_url(assembly, meeting) + "?moved=1", status_code=303)
        except InvalidInput as exc:
            # Nothing of the press was kept; show the agenda as it stands.
            meeting = await services.get_meeting(db_session, assembly, meeting_id, fresh=True)
            return await _console(db_session, assembly, meeting, errors=exc.errors, status_code=400)
        await self._changed(state, db_session, assembly, meeting)
        return Redirect(console_url(assembly, meeting), status_code=303)

    @post("/{meeting_id:int}/results", name="meeting_results")
    async def results(
        self,
        assembly: Assembly,
        meeting_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        form = await read_form(request)
        try:
            await services.show_results(
                db_session,
                meeting,
                form.get("show") == "yes",
                _version(form),
                viewer.require_account().id,
            )
        except Conflict:
            return Redirect(console_url(assembly, meeting) + "?moved=1", status_code=303)
        await self._changed(state, db_session, assembly, meeting)
        return Redirect(console_url(assembly, meeting), status_code=303)

    @post("/{meeting_id:int}/door", name="meeting_door")
    async def door(
        self,
        assembly: Assembly,
        meeting_id: int,
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
        settings: Settings,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        try:
            await services.open_door(
                db_session,
                assembly,
                meeting,
                settings.secret_key,
                viewer.require_account().id,
            )
        except InvalidInput as exc:
            return await _console(db_session, assembly, meeting, errors=exc.errors, status_code=400)
        await self._changed(state, db_session, assembly, meeting)
        return Redirect(console_url(assembly, meeting), status_code=303)

    @post("/{meeting_id:int}/hosts", name="meeting_hosts")
    async def hosts(
        self,
        assembly: Assembly,
        meeting_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        form = await read_form(request)
        plan = await _plan(db_session, meeting)
        count = views.table_count(plan, views.table_round(meeting))
        raw_table = form.get("table").strip()
        values = {"host": form.get("host"), "table": raw_table}
        try:
            await services.assign_host(
                db_session,
                meeting,
                int(raw_table) if raw_table.isdigit() else 0,
                values["host"],
                count,
                viewer.require_account().id,
            )
        except InvalidInput as exc:
            return await _console(
                db_session, assembly, meeting, values=values, errors=exc.errors, status_code=400
            )
        await db_session.commit()
        live.table_changed(state, assembly.id, meeting.id, int(raw_table))
        return Redirect(console_url(assembly, meeting) + "#tables", status_code=303)

    @get("/{meeting_id:int}/projector", name="meeting_projector")
    async def projector(
        self,
        assembly: Assembly,
        meeting_id: int,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        settings: Settings,
    ) -> Template:
        meeting = await services.get_meeting(db_session, assembly, meeting_id)
        view = await views.meeting_view(db_session, assembly, meeting, with_results=True)
        base_url = settings.base_url.rstrip("/")
        join = join_url(base_url, meeting.door_code) if meeting.door_code else ""
        return page(
            "meetings/projector.html",
            assembly=assembly,
            meeting=meeting,
            view=view,
            short_url=base_url.split("://", 1)[-1] + "/join",
            join=join,
            qr=qr_svg(join, meeting.door_code) if join else "",
            events=f"/assemblies/{assembly.slug}/meetings/{meeting.id}/events",
        )

    async def _changed(
        self,
        state: State,
        db: AsyncSession,
        assembly: Assembly,
        meeting: Meeting,
    ) -> None:
        await db.commit()
        live.meeting_changed(state, assembly.id, meeting.id, meeting.version)
