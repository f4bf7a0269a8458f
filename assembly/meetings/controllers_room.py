"""The room's side of a meeting: what everyone sees now, the table host's phone, the live stream.

A table host is a participant given a table on the console (or a facilitator). A host who lost
the phone comes back on another device through the ordinary return path and finds the same
table, notes and turns, since all of it is stored with the meeting, not the device.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Redirect, Response, ServerSentEvent, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import is_facilitator_of
from assembly.db.models import Assembly, Meeting, TablePlan
from assembly.errors import InvalidInput
from assembly.meetings import services, views
from assembly.sortition.forms import Issue, ProblemsError
from assembly.tables import services as tables
from assembly.tables.forms import parse_note_form
from assembly.web import live
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.loaders import VISIBLE_ASSEMBLY
from assembly.web.templating import page

NOTE_FIELDS = ("key_points", "agreements", "dissent")
MAX_UNSAVED_MARKS = 200


def room_url(assembly: Assembly, meeting: Meeting) -> str:
    return f"/assemblies/{assembly.slug}/meetings/{meeting.id}"


async def provide_meeting(meeting_id: int, assembly: Assembly, db_session: AsyncSession) -> Meeting:
    """A meeting of the assembly the viewer may read."""
    return await services.get_meeting(db_session, assembly, meeting_id)


async def _table(
    db: AsyncSession, viewer: Viewer, assembly: Assembly, meeting: Meeting, table_number: int
) -> tuple[TablePlan, int]:
    """The plan and round of a table the viewer hosts (facilitators host every table)."""
    plan = await db.get(TablePlan, meeting.table_plan_id) if meeting.table_plan_id else None
    round_number = views.table_round(meeting)
    if plan is None or not 1 <= table_number <= views.table_count(plan, round_number):
        raise NotFoundException()
    if is_facilitator_of(viewer, assembly):
        return plan, round_number
    participant_id = viewer.participant_in(assembly.id)
    row = await services.table_row(db, meeting, table_number)
    if participant_id is None or row is None or row.host_participant_id != participant_id:
        raise PermissionDeniedException("Only this table's host can open this page.")
    return plan, round_number


def _unsaved(raw: str, seats: list[str]) -> dict[str, int]:
    """Turns marked without consent travel in the address only, never stored."""
    counts: dict[str, int] = {}
    for key in raw.split(",")[:MAX_UNSAVED_MARKS]:
        if key in seats:
            counts[key] = counts.get(key, 0) + 1
    return counts


async def _table_page(
    db: AsyncSession,
    assembly: Assembly,
    meeting: Meeting,
    plan: TablePlan,
    round_number: int,
    table_number: int,
    *,
    spoke: str = "",
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    saved: bool = False,
    template: str = "meetings/table.html",
    status_code: int = 200,
) -> Template:
    seats = views.seats_at(plan, round_number, table_number)
    unsaved = _unsaved(spoke, seats)
    row = await services.table_row(db, meeting, table_number)
    note = await tables.get_note(db, plan, round_number, table_number)
    if values is None:
        values = {name: getattr(note, name) if note else "" for name in NOTE_FIELDS}
    view = await views.meeting_view(db, assembly, meeting)
    issues = issues or []
    return page(
        template,
        assembly=assembly,
        meeting=meeting,
        view=view,
        table_number=table_number,
        round_number=round_number,
        members=await views.members_at(db, meeting, plan, round_number, table_number, unsaved),
        consent=bool(row and row.speaking_consent),
        notes_done=bool(row and row.notes_done),
        spoke=",".join(k for k in spoke.split(",") if k in seats) if unsaved else "",
        values=values,
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        saved=saved,
        base=f"{room_url(assembly, meeting)}/tables/{table_number}",
        events=f"{room_url(assembly, meeting)}/events",
        status_code=status_code,
    )


class MeetingRoomController(Controller):
    path = "/assemblies/{slug:str}/meetings/{meeting_id:int}"
    dependencies = {**VISIBLE_ASSEMBLY, "meeting": Provide(provide_meeting)}  # noqa: RUF012

    @get("/", name="meeting_room")
    async def room(
        self, assembly: Assembly, meeting: Meeting, viewer: Viewer, db_session: AsyncSession
    ) -> Template:
        participant_id = viewer.participant_in(assembly.id)
        hosted = (
            await services.hosted_tables(db_session, meeting, participant_id)
            if participant_id is not None
            else []
        )
        return page(
            "meetings/room.html",
            assembly=assembly,
            meeting=meeting,
            view=await views.meeting_view(db_session, assembly, meeting),
            hosted=hosted,
            facilitating=is_facilitator_of(viewer, assembly),
            base=room_url(assembly, meeting),
            events=f"{room_url(assembly, meeting)}/events",
        )

    @get("/events", name="meeting_events")
    async def events(
        self,
        assembly: Assembly,
        meeting: Meeting,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        state: State,
        since: str | None = None,
    ) -> ServerSentEvent:
        plugin = live.plugin_of(state)
        if plugin is None:
            raise NotFoundException()
        last_seen = live.parse_last_seen(request.headers.get("last-event-id"), since)
        # The stream outlives the request's database session: it reads nothing more.
        return ServerSentEvent(
            live.stream(plugin, assembly.id, meeting.id, meeting.version, last_seen),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @get("/tables/{table_number:int}", name="meeting_table")
    async def table(
        self,
        assembly: Assembly,
        meeting: Meeting,
        table_number: int,
        viewer: Viewer,
        db_session: AsyncSession,
        spoke: str = "",
        saved: int = 0,
    ) -> Template:
        plan, round_number = await _table(db_session, viewer, assembly, meeting, table_number)
        return await _table_page(
            db_session,
            assembly,
            meeting,
            plan,
            round_number,
            table_number,
            spoke=spoke[:4000],
            saved=bool(saved),
        )

    @get("/tables/{table_number:int}/notes", name="meeting_table_notes_form")
    async def notes_form(
        self,
        assembly: Assembly,
        meeting: Meeting,
        table_number: int,
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Template:
        plan, round_number = await _table(db_session, viewer, assembly, meeting, table_number)
        return await _table_page(
            db_session,
            assembly,
            meeting,
            plan,
            round_number,
            table_number,
            template="meetings/table_notes.html",
        )

    @post("/tables/{table_number:int}/spoke", name="meeting_table_spoke")
    async def spoke(
        self,
        assembly: Assembly,
        meeting: Meeting,
        table_number: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        plan, round_number = await _table(db_session, viewer, assembly, meeting, table_number)
        form = await read_form(request)
        seat = form.get("seat").strip()
        seats = views.seats_at(plan, round_number, table_number)
        base = f"{room_url(assembly, meeting)}/tables/{table_number}"
        try:
            stored = await services.mark_spoken(
                db_session, meeting, round_number, table_number, seat, seats
            )
        except InvalidInput:
            return await _table_page(
                db_session,
                assembly,
                meeting,
                plan,
                round_number,
                table_number,
                issues=[Issue(str(services.NOT_AT_TABLE), "seat")],
                status_code=400,
            )
        if stored:
            return Redirect(base + "#speaking", status_code=303)
        marks = [k for k in form.get("spoke").split(",") if k in seats][:MAX_UNSAVED_MARKS]
        return Redirect(f"{base}?spoke={','.join([*marks, seat])}#speaking", status_code=303)

    @post("/tables/{table_number:int}/consent", name="meeting_table_consent")
    async def consent(
        self,
        assembly: Assembly,
        meeting: Meeting,
        table_number: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        await _table(db_session, viewer, assembly, meeting, table_number)
        form = await read_form(request)
        actor = "account" if viewer.account is not None else "participant"
        await services.set_consent(
            db_session, meeting, table_number, form.get("consent") == "yes", actor
        )
        await db_session.commit()
        live.table_changed(state, assembly.id, meeting.id, table_number)
        return Redirect(
            f"{room_url(assembly, meeting)}/tables/{table_number}#speaking", status_code=303
        )

    @post("/tables/{table_number:int}/notes", name="meeting_table_notes")
    async def notes(
        self,
        assembly: Assembly,
        meeting: Meeting,
        table_number: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
        state: State,
    ) -> Response[Any]:
        plan, round_number = await _table(db_session, viewer, assembly, meeting, table_number)
        form = await read_form(request)
        values = {name: form.get(name) for name in NOTE_FIELDS}
        autosave = request.headers.get("x-autosave") == "1"
        try:
            parsed = parse_note_form(values, [], set())
            await tables.save_note(
                db_session,
                assembly,
                plan,
                round_number,
                table_number,
                parsed,
                viewer.account.id if viewer.account is not None else None,
            )
            await services.set_notes_done(
                db_session, meeting, table_number, form.get("done") == "yes"
            )
        except ProblemsError as exc:
            if autosave:
                return Response(
                    {"saved": False, "errors": {k: str(v) for k, v in exc.errors.items()}},
                    status_code=400,
                )
            return await _table_page(
                db_session,
                assembly,
                meeting,
                plan,
                round_number,
                table_number,
                values=values,
                issues=exc.issues,
                template="meetings/table_notes.html",
                status_code=400,
            )
        await db_session.commit()
        live.table_changed(state, assembly.id, meeting.id, table_number)
        if autosave:
            return Response({"saved": True}, status_code=200)
        return Redirect(
            f"{room_url(assembly, meeting)}/tables/{table_number}?saved=1", status_code=303
        )
