"""Facilitator pages for small-group tables: plans, moves, the print view and table notes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly, TablePlan
from assembly.i18n import _, _l
from assembly.sortition.forms import (
    Issue,
    ProblemsError,
)
from assembly.sortition.selection import new_seed
from assembly.tables import services
from assembly.tables.forms import parse_move_form, parse_note_form, parse_table_plan_form
from assembly.web.auth import Viewer
from assembly.web.forms import read_form
from assembly.web.guards import facilitators_only
from assembly.web.loaders import MANAGED_ASSEMBLY
from assembly.web.templating import page

SOURCE_LABELS = {
    "participants": _l("The assembly's participants (their demographic answers, where given)"),
    "panel": _l("The drawn panel (its quota features)"),
}
DEFAULT_PLAN = {"rounds": "3", "source": "participants"}


def _tables_base(assembly: Assembly) -> str:
    return f"/manage/assemblies/{assembly.slug}/tables"


async def _tables_index(
    db: AsyncSession,
    assembly: Assembly,
    *,
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    plans = await services.list_table_plans(db, assembly)
    sources = await services.plan_sources(db, assembly)
    issues = issues or []
    return page(
        "tables/index.html",
        assembly=assembly,
        base=_tables_base(assembly),
        plans=plans,
        note_counts=await services.note_counts(db, plans),
        sources=[(source, SOURCE_LABELS[source]) for source in sources],
        values=values or {**DEFAULT_PLAN, "seed": str(new_seed() % 100_000 + 1)},
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        status_code=status_code,
    )


async def _plan_page(
    db: AsyncSession,
    assembly: Assembly,
    plan: TablePlan,
    *,
    values: dict[str, str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    view = services.plan_view(plan)
    notes = await services.notes_for_plan(db, plan)
    proposals = {
        pid: title for pid, title, _q, _s in await services.assembly_proposals(db, assembly)
    }
    issues = issues or []
    return page(
        "tables/plan.html",
        assembly=assembly,
        base=_tables_base(assembly),
        plan=plan,
        view=view,
        notes={(n.round_number, n.table_number): n for n in notes},
        note_list=notes,
        proposals=proposals,
        source_labels=SOURCE_LABELS,
        round_options=[
            (str(n), _("Round %(number)s", number=n)) for n in range(1, len(view.rounds) + 1)
        ],
        table_options=[
            (str(n), _("Table %(number)s", number=n)) for n in range(1, view.table_count + 1)
        ],
        person_options=[("", _("Choose…")), *((seat.key, seat.label) for seat in view.people)],
        values=values or {},
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        status_code=status_code,
    )


async def _note_page(
    db: AsyncSession,
    assembly: Assembly,
    plan: TablePlan,
    round_number: int,
    table_number: int,
    *,
    values: dict[str, str] | None = None,
    selected: list[str] | None = None,
    issues: list[Issue] | None = None,
    status_code: int = 200,
) -> Template:
    services.check_table(plan, round_number, table_number)
    note = await services.get_note(db, plan, round_number, table_number)
    proposals = await services.assembly_proposals(db, assembly)
    linked = {str(p) for p in (note.proposal_ids if note else [])}
    if values is None:
        values = {
            "key_points": note.key_points if note else "",
            "agreements": note.agreements if note else "",
            "dissent": note.dissent if note else "",
        }
        selected = sorted(linked)
    view = services.plan_view(plan)
    issues = issues or []
    return page(
        "tables/note.html",
        assembly=assembly,
        base=_tables_base(assembly),
        plan=plan,
        round_number=round_number,
        table_number=table_number,
        seats=view.rounds[round_number - 1][table_number - 1],
        note=note,
        proposal_options=[
            (str(pid), f"{title} ({question})")
            for pid, title, question, status in proposals
            if status == "visible" or str(pid) in linked
        ],
        selected=selected or [],
        values=values,
        errors={i.field: i.text for i in issues if i.field},
        issues=issues,
        status_code=status_code,
    )


class TablesController(Controller):
    path = "/manage/assemblies/{slug:str}/tables"
    guards = (facilitators_only,)
    dependencies = MANAGED_ASSEMBLY

    @get("/", name="tables")
    async def index(self, assembly: Assembly, db_session: AsyncSession) -> Template:
        return await _tables_index(db_session, assembly)

    @post("/", name="tables_create")
    async def create(
        self,
        assembly: Assembly,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        form = await read_form(request)
        names = ("name", "source", "rounds", "tables", "table_size", "seed")
        values = {name: form.get(name) for name in names}
        try:
            parsed = parse_table_plan_form(
                values, await services.plan_sources(db_session, assembly)
            )
            plan = await services.create_table_plan(
                db_session, assembly, parsed, viewer.require_account().id
            )
        except ProblemsError as exc:
            return await _tables_index(
                db_session, assembly, values=values, issues=exc.issues, status_code=400
            )
        return Redirect(f"{_tables_base(assembly)}/{plan.id}", status_code=303)

    @get("/{plan_id:int}", name="tables_plan")
    async def plan(self, assembly: Assembly, plan_id: int, db_session: AsyncSession) -> Template:
        plan = await services.get_table_plan(db_session, assembly, plan_id)
        return await _plan_page(db_session, assembly, plan)

    @post("/{plan_id:int}/move", name="tables_move")
    async def move(
        self,
        assembly: Assembly,
        plan_id: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        plan = await services.get_table_plan(db_session, assembly, plan_id)
        form = await read_form(request)
        values = {name: form.get(name) for name in ("round", "person", "table")}
        view = services.plan_view(plan)
        try:
            move = parse_move_form(
                values, len(view.rounds), view.table_count, [seat.key for seat in view.people]
            )
            await services.move_in_plan(
                db_session, assembly, plan, move, viewer.require_account().id
            )
        except ProblemsError as exc:
            return await _plan_page(
                db_session, assembly, plan, values=values, issues=exc.issues, status_code=400
            )
        return Redirect(
            f"{_tables_base(assembly)}/{plan.id}#round-{move.round_index + 1}", status_code=303
        )

    @get("/{plan_id:int}/print", name="tables_print")
    async def print_view(
        self, assembly: Assembly, plan_id: int, db_session: AsyncSession
    ) -> Template:
        plan = await services.get_table_plan(db_session, assembly, plan_id)
        return page(
            "tables/print.html",
            assembly=assembly,
            base=_tables_base(assembly),
            plan=plan,
            view=services.plan_view(plan),
        )

    @get("/{plan_id:int}/notes/{round_number:int}/{table_number:int}", name="tables_note")
    async def note(
        self,
        assembly: Assembly,
        plan_id: int,
        round_number: int,
        table_number: int,
        db_session: AsyncSession,
    ) -> Template:
        plan = await services.get_table_plan(db_session, assembly, plan_id)
        return await _note_page(db_session, assembly, plan, round_number, table_number)

    @post("/{plan_id:int}/notes/{round_number:int}/{table_number:int}", name="tables_note_save")
    async def save_note(
        self,
        assembly: Assembly,
        plan_id: int,
        round_number: int,
        table_number: int,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        db_session: AsyncSession,
    ) -> Response[Any]:
        plan = await services.get_table_plan(db_session, assembly, plan_id)
        services.check_table(plan, round_number, table_number)
        form = await read_form(request)
        values = {name: form.get(name) for name in ("key_points", "agreements", "dissent")}
        selected = form.getlist("proposals")
        proposals = await services.assembly_proposals(db_session, assembly)
        try:
            parsed = parse_note_form(values, selected, {pid for pid, *_rest in proposals})
            await services.save_note(
                db_session,
                assembly,
                plan,
                round_number,
                table_number,
                parsed,
                viewer.require_account().id,
            )
        except ProblemsError as exc:
            return await _note_page(
                db_session,
                assembly,
                plan,
                round_number,
                table_number,
                values=values,
                selected=selected,
                issues=exc.issues,
                status_code=400,
            )
        return Redirect(
            f"{_tables_base(assembly)}/{plan.id}#note-{round_number}-{table_number}",
            status_code=303,
        )
