"""Table plans and table notes: small-group tables for the assembly's participants or panel.

Table plans seat the assembly's participants (with their consented demographic answers as
features) or the drawn panel. Each plan keeps, besides the seatings, a snapshot of the people
seated (label and features), so the plan and its figures do not shift when someone changes
their answers later. Table notes are one per plan, round and table, numbered from 1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    Assembly,
    InviteCode,
    PanelMember,
    Participant,
    Proposal,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.errors import NotFound
from assembly.i18n import _
from assembly.sortition.forms import (
    Issue,
    ProblemsError,
)
from assembly.sortition.services import SEATED, latest_drawn_selection
from assembly.tables import seating
from assembly.tables.forms import MoveForm, NoteForm, TablePlanForm

# =========================================================================== table plans


@dataclass(frozen=True)
class Person:
    key: str
    label: str
    features: dict[str, str]


async def plan_sources(db: AsyncSession, assembly: Assembly) -> list[str]:
    """Who can be seated: the participants always, the panel once one is drawn."""
    sources = ["participants"]
    if await latest_drawn_selection(db, assembly) is not None:
        sources.append("panel")
    return sources


async def people_for(db: AsyncSession, assembly: Assembly, source: str) -> dict[str, Person]:
    if source == "panel":
        selection = await latest_drawn_selection(db, assembly)
        if selection is None:
            return {}
        rows = await db.execute(
            select(PanelMember, Participant.pseudonym)
            .outerjoin(InviteCode, InviteCode.id == PanelMember.invite_code_id)
            .outerjoin(Participant, Participant.id == InviteCode.participant_id)
            .where(PanelMember.selection_id == selection.id, PanelMember.status.in_(SEATED))
            .order_by(PanelMember.position, PanelMember.id)
        )
        people = {}
        for member, pseudonym in rows.tuples():
            key = f"m{member.id}"
            features = {str(k): str(v) for k, v in (member.features or {}).items()}
            people[key] = Person(key, pseudonym or member.pool_id, features)
        return people
    participants = await db.scalars(
        select(Participant).where(Participant.assembly_id == assembly.id).order_by(Participant.id)
    )
    return {
        str(p.id): Person(
            str(p.id),
            p.pseudonym,
            {str(k): str(v) for k, v in (p.demographics or {}).items()}
            if p.demographics_consent
            else {},
        )
        for p in participants
    }


def _metrics(plan: seating.TablePlan) -> dict[str, Any]:
    return {
        "repeat_pairs": plan.repeat_pairs,
        "max_meetings": plan.max_meetings,
        "balance": dict(plan.balance),
        "mean_balance": dict(plan.mean_balance),
        "table_sizes": plan.table_sizes,
    }


async def create_table_plan(
    db: AsyncSession, assembly: Assembly, form: TablePlanForm, actor_id: int | None
) -> TablePlan:
    people = await people_for(db, assembly, form.source)
    if len(people) < 2:
        raise ProblemsError([Issue(_("At least two people are needed to plan tables."), "source")])
    tables = form.tables if form.tables is not None else -(-len(people) // (form.table_size or 1))
    if tables > len(people):
        raise ProblemsError(
            [
                Issue(
                    _(
                        "There are more tables (%(tables)s) than people (%(people)s).",
                        tables=tables,
                        people=len(people),
                    ),
                    "tables",
                )
            ]
        )
    features = {key: person.features for key, person in people.items()}
    # A few hundred people take well under a second; off the event loop all the same.
    plan = await asyncio.to_thread(
        seating.plan_tables,
        features,
        rounds=form.rounds,
        tables=form.tables,
        table_size=form.table_size,
        seed=form.seed,
    )
    row = TablePlan(
        assembly_id=assembly.id,
        name=form.name or _("Tables for %(count)s people", count=len(people)),
        table_count=len(plan.rounds[0]),
        round_count=form.rounds,
        plan={
            **plan.to_dict(),
            "source": form.source,
            "people": {
                key: {"label": person.label, "features": person.features}
                for key, person in people.items()
            },
        },
        metrics=_metrics(plan),
    )
    db.add(row)
    await db.flush()
    await record_event(
        db,
        "tables.planned",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=row,
        source=form.source,
        people=len(people),
        rounds=form.rounds,
        tables=row.table_count,
        repeat_pairs=plan.repeat_pairs,
    )
    return row


async def list_table_plans(db: AsyncSession, assembly: Assembly) -> list[TablePlan]:
    query = (
        select(TablePlan).where(TablePlan.assembly_id == assembly.id).order_by(TablePlan.id.desc())
    )
    return list((await db.scalars(query)).all())


async def get_table_plan(db: AsyncSession, assembly: Assembly, plan_id: int) -> TablePlan:
    plan = await db.get(TablePlan, plan_id)
    if plan is None or plan.assembly_id != assembly.id:
        raise NotFound()
    return plan


def _people_of(row: TablePlan) -> dict[str, dict[str, Any]]:
    return {str(k): dict(v) for k, v in (row.plan.get("people") or {}).items()}


def _pure_plan(row: TablePlan) -> seating.TablePlan:
    people = _people_of(row)
    return seating.TablePlan.from_dict(
        row.plan, {key: person.get("features") or {} for key, person in people.items()}
    )


@dataclass(frozen=True)
class Seat:
    key: str
    label: str
    features: list[tuple[str, str]]


@dataclass(frozen=True)
class PlanView:
    rounds: list[list[list[Seat]]]
    features: list[str]
    people: list[Seat]  # by label, for the move form
    metrics: dict[str, Any]
    source: str

    @property
    def table_count(self) -> int:
        return max((len(round_) for round_ in self.rounds), default=0)


def plan_view(row: TablePlan) -> PlanView:
    people = _people_of(row)
    features = [str(f) for f in row.plan.get("features") or []]

    def seat(key: str) -> Seat:
        person = people.get(key, {})
        values = person.get("features") or {}
        return Seat(
            key, str(person.get("label", key)), [(f, str(values.get(f, ""))) for f in features]
        )

    rounds = [
        [[seat(str(k)) for k in table] for table in round_]
        for round_ in row.plan.get("rounds") or []
    ]
    everyone = sorted((seat(key) for key in people), key=lambda s: (s.label.casefold(), s.key))
    return PlanView(
        rounds, features, everyone, dict(row.metrics or {}), str(row.plan.get("source", ""))
    )


async def move_in_plan(
    db: AsyncSession, assembly: Assembly, row: TablePlan, form: MoveForm, actor_id: int | None
) -> None:
    try:
        moved = seating.move_person(
            _pure_plan(row), form.round_index, form.person, form.table_index
        )
    except seating.TablePlanError as error:
        raise ProblemsError(
            [Issue(_("This move is not possible."), "person", str(error))]
        ) from error
    row.plan = {**row.plan, "rounds": moved.rounds}
    row.metrics = _metrics(moved)
    await record_event(
        db,
        "tables.moved",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=row,
        round=form.round_index + 1,
        table=form.table_index + 1,
        repeat_pairs=moved.repeat_pairs,
    )


# =========================================================================== table notes


async def assembly_proposals(
    db: AsyncSession, assembly: Assembly
) -> list[tuple[int, str, str, str]]:
    """(id, title, topic question, status) of every proposal in the assembly's topics."""
    rows = await db.execute(
        select(Proposal.id, Proposal.title, Topic.question, Proposal.status)
        .join(Topic, Topic.id == Proposal.topic_id)
        .where(Topic.assembly_id == assembly.id)
        .order_by(Topic.position, Topic.id, Proposal.id)
    )
    return [(int(pid), title, question, status) for pid, title, question, status in rows.tuples()]


def check_table(row: TablePlan, round_number: int, table_number: int) -> None:
    rounds = row.plan.get("rounds") or []
    if not 1 <= round_number <= len(rounds):
        raise NotFound()
    if not 1 <= table_number <= len(rounds[round_number - 1]):
        raise NotFound()


async def get_note(
    db: AsyncSession, row: TablePlan, round_number: int, table_number: int
) -> TableNote | None:
    return await db.scalar(
        select(TableNote)
        .where(
            TableNote.table_plan_id == row.id,
            TableNote.round_number == round_number,
            TableNote.table_number == table_number,
        )
        .order_by(TableNote.id)
        .limit(1)
    )


async def save_note(
    db: AsyncSession,
    assembly: Assembly,
    row: TablePlan,
    round_number: int,
    table_number: int,
    form: NoteForm,
    actor_id: int | None,
) -> TableNote:
    """Write (or rewrite) the note of one table in one round."""
    check_table(row, round_number, table_number)
    note = await get_note(db, row, round_number, table_number)
    created = note is None
    if note is None:
        note = TableNote(table_plan_id=row.id, round_number=round_number, table_number=table_number)
        db.add(note)
    note.key_points = form.key_points
    note.agreements = form.agreements
    note.dissent = form.dissent
    note.proposal_ids = list(form.proposal_ids)
    note.author_account_id = actor_id
    await db.flush()
    await record_event(
        db,
        "tables.note_saved",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=note,
        created=created,
        round=round_number,
        table=table_number,
        proposals=len(form.proposal_ids),
    )
    return note


async def notes_for_plan(db: AsyncSession, row: TablePlan) -> list[TableNote]:
    """The plan's notes by round and table (the summaries read them the same way)."""
    query = (
        select(TableNote)
        .where(TableNote.table_plan_id == row.id)
        .order_by(TableNote.round_number, TableNote.table_number, TableNote.id)
    )
    return list((await db.scalars(query)).all())


async def note_counts(db: AsyncSession, plans: Sequence[TablePlan]) -> dict[int, int]:
    if not plans:
        return {}
    rows = await db.execute(
        select(TableNote.table_plan_id, func.count(TableNote.id))
        .where(TableNote.table_plan_id.in_([p.id for p in plans]))
        .group_by(TableNote.table_plan_id)
    )
    return {int(plan_id): int(count) for plan_id, count in rows.tuples()}
