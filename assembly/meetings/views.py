"""What the meeting pages show, read into plain values (templates render synchronously).

Reads only. Secret ballots show turnout alone until the count closes; results appear on the
projector once voting is closed and the facilitator reveals them, with each method explained.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import AgendaItem, Assembly, Meeting, TableNote, TablePlan, Topic
from assembly.meetings import agenda, services
from assembly.topics.services import ballot_count


def clock_text(seconds: int) -> str:
    """A countdown as m:ss (h:mm:ss past an hour); the sign is shown by the page."""
    seconds = abs(int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class ItemView:
    id: int
    position: int
    kind: str
    kind_label: Any
    title: str
    status: str
    planned_minutes: int
    extra_minutes: int
    remaining: int
    ends_at: str  # ISO moment the countdown reaches zero, while it runs
    topic_id: int | None
    topic_question: str
    table_round: int | None

    @property
    def name(self) -> Any:
        return self.title or self.kind_label

    @property
    def countdown(self) -> str:
        return clock_text(self.remaining)

    @property
    def over(self) -> bool:
        return self.remaining < 0


def item_view(item: AgendaItem, topics: dict[int, Topic], now: dt.datetime) -> ItemView:
    clock = services.clock_of(item)
    ends = clock.ends_at(now)
    topic = topics.get(item.topic_id) if item.topic_id is not None else None
    return ItemView(
        id=item.id,
        position=item.position,
        kind=item.kind,
        kind_label=services.KIND_LABELS.get(item.kind, item.kind),
        title=item.title,
        status=item.status,
        planned_minutes=item.planned_seconds // 60,
        extra_minutes=item.extra_seconds // 60,
        remaining=clock.remaining(now),
        ends_at=ends.isoformat() if ends else "",
        topic_id=item.topic_id,
        topic_question=topic.question if topic else "",
        table_round=item.table_round,
    )


@dataclass(frozen=True)
class TableState:
    number: int
    host: str
    members: int
    notes: str  # none, started, done
    consent: bool


@dataclass
class MeetingView:
    meeting: Meeting
    items: list[ItemView]
    current: ItemView | None
    following: ItemView | None
    drift: agenda.PlanDrift
    attendance: services.Attendance
    turnout: int | None = None
    topic: Topic | None = None
    vote_topic: Topic | None = None
    result: Any = None
    explanation: Any = ""
    tables: list[TableState] = field(default_factory=list)

    @property
    def version(self) -> int:
        return self.meeting.version

    @property
    def drift_text(self) -> str:
        return clock_text(self.drift.seconds)


async def _topics(db: AsyncSession, assembly: Assembly) -> dict[int, Topic]:
    return {t.id: t for t in await services.topics_of(db, assembly)}


async def meeting_view(
    db: AsyncSession,
    assembly: Assembly,
    meeting: Meeting,
    *,
    with_results: bool = False,
    now: dt.datetime | None = None,
) -> MeetingView:
    now = now or services.now_utc()
    topics = await _topics(db, assembly)
    items = [item_view(item, topics, now) for item in meeting.items]
    current = next((i for i in items if i.id == meeting.current_item_id), None)
    upcoming = services.next_item(meeting)
    following = next((i for i in items if upcoming is not None and i.id == upcoming.id), None)
    view = MeetingView(
        meeting=meeting,
        items=items,
        current=current,
        following=following,
        drift=agenda.drift([services.clock_of(i) for i in meeting.items], now),
        attendance=await services.attendance(db, meeting),
    )
    if current is not None and current.topic_id is not None:
        view.topic = topics.get(current.topic_id)
    vote = _latest_vote(meeting)
    topic = topics.get(vote.topic_id) if vote is not None and vote.topic_id else None
    if topic is not None:
        view.vote_topic = topic
        if vote is services.current_item(meeting) or meeting.show_results:
            view.turnout = await ballot_count(db, topic)
        if with_results and meeting.show_results and topic.phase in {"closed", "published"}:
            await _add_result(db, view, topic)
    return view


def _latest_vote(meeting: Meeting) -> AgendaItem | None:
    """The vote under way, else the last one run: what turnout and the reveal are about."""
    current = services.current_item(meeting)
    if current is not None and current.kind == "voting" and current.status != "pending":
        return current
    run = [i for i in meeting.items if i.kind == "voting" and i.status == "done"]
    return run[-1] if run else None


async def _add_result(db: AsyncSession, view: MeetingView, topic: Topic) -> None:
    from assembly.proposals.pages import result_view
    from assembly.summaries.result_blocks import METHOD_EXPLANATIONS

    view.result = await result_view(db, topic, topic.phase)
    view.explanation = METHOD_EXPLANATIONS.get(topic.voting_method, "")


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    key: str
    label: str
    turns: int


def table_round(meeting: Meeting) -> int:
    """The plan round tables sit in now: the running table item's, else the last one run."""
    chosen = 1
    for item in meeting.items:
        if item.kind == "tables" and item.table_round and item.status != "pending":
            chosen = item.table_round
    current = services.current_item(meeting)
    if current is not None and current.kind == "tables" and current.table_round:
        chosen = current.table_round
    return chosen


def seats_at(plan: TablePlan | None, round_number: int, table_number: int) -> list[str]:
    rounds = (plan.plan.get("rounds") or []) if plan is not None else []
    if not 1 <= round_number <= len(rounds):
        return []
    tables = rounds[round_number - 1]
    if not 1 <= table_number <= len(tables):
        return []
    return [str(key) for key in tables[table_number - 1]]


def table_count(plan: TablePlan | None, round_number: int) -> int:
    rounds = (plan.plan.get("rounds") or []) if plan is not None else []
    if not 1 <= round_number <= len(rounds):
        return 0
    return len(rounds[round_number - 1])


def label_of(plan: TablePlan, key: str) -> str:
    people = plan.plan.get("people") or {}
    person = people.get(key) or {}
    return str(person.get("label", key))


async def table_states(
    db: AsyncSession, meeting: Meeting, plan: TablePlan | None
) -> list[TableState]:
    from sqlalchemy import select

    from assembly.db.models import Participant

    if plan is None:
        return []
    round_number = table_round(meeting)
    rows = await services.tables_of(db, meeting)
    notes = {
        note.table_number: note
        for note in (
            await db.scalars(
                select(TableNote).where(
                    TableNote.table_plan_id == plan.id, TableNote.round_number == round_number
                )
            )
        ).all()
    }
    host_ids = [r.host_participant_id for r in rows.values() if r.host_participant_id]
    names: dict[int, str] = {}
    if host_ids:
        found = await db.execute(
            select(Participant.id, Participant.pseudonym).where(Participant.id.in_(host_ids))
        )
        names = {int(pid): str(name) for pid, name in found.tuples()}
    states = []
    for number in range(1, table_count(plan, round_number) + 1):
        row = rows.get(number)
        note = notes.get(number)
        written = note is not None and any((note.key_points, note.agreements, note.dissent))
        status = "done" if row is not None and row.notes_done else "started" if written else "none"
        host = names.get(row.host_participant_id or 0, "") if row is not None else ""
        states.append(
            TableState(
                number=number,
                host=host,
                members=len(seats_at(plan, round_number, number)),
                notes=status,
                consent=bool(row and row.speaking_consent),
            )
        )
    return states


async def members_at(
    db: AsyncSession,
    meeting: Meeting,
    plan: TablePlan,
    round_number: int,
    table_number: int,
    unsaved: dict[str, int] | None = None,
) -> list[Member]:
    """The table's members in the suggested speaking order, with their turns so far."""
    seats = seats_at(plan, round_number, table_number)
    turns = await services.turns_at(db, meeting, round_number, table_number)
    for key, count in (unsaved or {}).items():
        turns[key] = turns.get(key, 0) + count
    return [
        Member(key, label_of(plan, key), turns.get(key, 0))
        for key in agenda.speaking_order(seats, turns)
    ]
