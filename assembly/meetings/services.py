"""Meeting rules: the agenda, presses on the console, the tables, turns and the door code.

Every press names the meeting ``version`` it was made on. The version moves with a single
compare-and-set update, so when two facilitators press "next" at once, one press moves the
agenda and the other finds it already moved. Items tied to a topic move the topic's phase
through the same service the phase buttons use, so the same checks apply and are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    AGENDA_KINDS,
    AgendaItem,
    Assembly,
    InviteCode,
    Meeting,
    MeetingTable,
    Participant,
    SpeakingCount,
    TablePlan,
    Topic,
)
from assembly.errors import Conflict, DomainError, InvalidInput, NotFound
from assembly.i18n import _l
from assembly.meetings import agenda
from assembly.topics import lifecycle
from assembly.topics.phases import phase_index

MAX_TITLE = 200
MAX_ITEMS = 40
MAX_MINUTES = 600
# The topic phase an item of each kind runs in; ending a voting item closes voting.
KIND_PHASE = {"proposals": "proposals", "reactions": "deliberation", "voting": "voting"}
TOPIC_KINDS = frozenset(KIND_PHASE)
KIND_LABELS = {
    "plenary": _l("Plenary talk"),
    "tables": _l("Table discussion"),
    "proposals": _l("Proposals"),
    "reactions": _l("Reactions"),
    "voting": _l("Vote"),
    "break": _l("Break"),
}
assert set(KIND_LABELS) == set(AGENDA_KINDS)
ACTION_ERRORS = {
    "not_pending": _l("This item has already been run."),
    "not_running": _l("This item is not running."),
    "not_paused": _l("This item is not paused."),
    "not_open": _l("This item is not under way."),
    "closed": _l("This item is already over."),
    "unknown": _l("Choose what to do."),
}
NOT_AT_TABLE = _l("This person does not sit at this table.")
MOVED = _l("The agenda had already moved: this is where it stands now.")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def clock_of(item: AgendaItem) -> agenda.ItemClock:
    return agenda.ItemClock(
        status=item.status,
        planned_seconds=item.planned_seconds,
        extra_seconds=item.extra_seconds,
        run_seconds=item.run_seconds,
        running_since=item.running_since,
    )


def _apply(item: AgendaItem, clock: agenda.ItemClock, now: dt.datetime) -> None:
    if item.status == "pending" and clock.status != "pending":
        item.started_at = now
    if clock.status in agenda.CLOSED_STATUSES and item.finished_at is None:
        item.finished_at = now
    item.status = clock.status
    item.extra_seconds = clock.extra_seconds
    item.run_seconds = clock.run_seconds
    item.running_since = clock.running_since


# --- loading ---------------------------------------------------------------------------------


async def list_meetings(db: AsyncSession, assembly: Assembly) -> list[Meeting]:
    found = await db.scalars(
        select(Meeting).where(Meeting.assembly_id == assembly.id).order_by(Meeting.id.desc())
    )
    return list(found.all())


async def get_meeting(
    db: AsyncSession, assembly: Assembly, meeting_id: int, *, fresh: bool = False
) -> Meeting:
    query = select(Meeting).where(Meeting.id == meeting_id, Meeting.assembly_id == assembly.id)
    if fresh:
        query = query.execution_options(populate_existing=True)
    meeting = await db.scalar(query)
    if meeting is None:
        raise NotFound()
    return meeting


async def current_version(db: AsyncSession, meeting_id: int) -> int | None:
    found = await db.scalar(select(Meeting.version).where(Meeting.id == meeting_id))
    return int(found) if found is not None else None


def current_item(meeting: Meeting) -> AgendaItem | None:
    for item in meeting.items:
        if item.id == meeting.current_item_id:
            return item
    return None


def next_item(meeting: Meeting) -> AgendaItem | None:
    index = agenda.next_pending([item.status for item in meeting.items])
    return meeting.items[index] if index is not None else None


async def topics_of(db: AsyncSession, assembly: Assembly) -> list[Topic]:
    found = await db.scalars(
        select(Topic)
        .where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
        .order_by(Topic.position, Topic.id)
    )
    return list(found.all())


async def table_plans_of(db: AsyncSession, assembly: Assembly) -> list[TablePlan]:
    found = await db.scalars(
        select(TablePlan).where(TablePlan.assembly_id == assembly.id).order_by(TablePlan.id.desc())
    )
    return list(found.all())


# --- creating a meeting and its agenda ---------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    kind: str
    title: str
    minutes: int
    topic_id: int | None
    table_round: int | None


def _parse_int(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if low <= value <= high else None


async def parse_item(
    db: AsyncSession, assembly: Assembly, values: Mapping[str, str], plan: TablePlan | None
) -> ItemInput:
    """One agenda item from a form, or InvalidInput naming each field that is wrong."""
    errors: dict[str, Any] = {}
    kind = values.get("kind", "").strip()
    if kind not in AGENDA_KINDS:
        errors["kind"] = _l("Choose what kind of item this is.")
    title = " ".join(values.get("title", "").split())
    if len(title) > MAX_TITLE:
        errors["title"] = _l("The title can have at most 200 characters.")
    minutes = _parse_int(values.get("minutes", ""), 1, MAX_MINUTES)
    if minutes is None:
        errors["minutes"] = _l("Enter the planned minutes, a whole number from 1 to 600.")
    topic_id: int | None = None
    raw_topic = values.get("topic", "").strip()
    if kind in TOPIC_KINDS:
        topic = await db.get(Topic, int(raw_topic)) if raw_topic.isdigit() else None
        if topic is None or topic.assembly_id != assembly.id or topic.kind != "topic":
            errors["topic"] = _l("Choose the topic this item works on.")
        else:
            topic_id = topic.id
    table_round: int | None = None
    if kind == "tables":
        rounds = len((plan.plan.get("rounds") or []) if plan is not None else [])
        if rounds == 0:
            errors["table_round"] = _l("Choose a table plan for the meeting first.")
        else:
            table_round = _parse_int(values.get("table_round", "") or "1", 1, rounds)
            if table_round is None:
                errors["table_round"] = _l("Choose one of the table plan's rounds.")
    if not title and not errors.get("kind"):
        title = ""  # the kind's own name shows instead
    if errors:
        raise InvalidInput(errors)
    assert minutes is not None
    return ItemInput(kind, title, minutes, topic_id, table_round)


async def create_meeting(
    db: AsyncSession,
    assembly: Assembly,
    title: str,
    plan_id: str,
    actor_id: int | None,
) -> Meeting:
    errors: dict[str, Any] = {}
    title = " ".join(title.split())
    if not title:
        errors["title"] = _l("Give the meeting a name.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _l("The name can have at most 200 characters.")
    plan: TablePlan | None = None
    if plan_id.strip():
        plan = await db.get(TablePlan, int(plan_id)) if plan_id.strip().isdigit() else None
        if plan is None or plan.assembly_id != assembly.id:
            errors["table_plan"] = _l("Choose one of the assembly's table plans, or none.")
    if errors:
        raise InvalidInput(errors)
    meeting = Meeting(assembly_id=assembly.id, title=title, table_plan_id=plan.id if plan else None)
    db.add(meeting)
    await db.flush()
    await record_event(
        db,
        "meeting.created",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=meeting,
    )
    return meeting


async def add_item(
    db: AsyncSession, meeting: Meeting, item: ItemInput, actor_id: int | None
) -> AgendaItem:
    if len(meeting.items) >= MAX_ITEMS:
        raise InvalidInput({"kind": _l("A meeting can have at most 40 agenda items.")})
    if meeting.status == "ended":
        raise InvalidInput({"": _l("This meeting has ended.")})
    row = AgendaItem(
        meeting_id=meeting.id,
        position=max((i.position for i in meeting.items), default=0) + 1,
        kind=item.kind,
        title=item.title,
        topic_id=item.topic_id,
        table_round=item.table_round,
        planned_seconds=item.minutes * 60,
    )
    meeting.items.append(row)
    meeting.version += 1
    await db.flush()
    await record_event(
        db,
        "meeting.item_added",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=meeting.assembly_id,
        subject=meeting,
        item=row.id,
        kind=item.kind,
        minutes=item.minutes,
    )
    return row


async def remove_item(
    db: AsyncSession, meeting: Meeting, item_id: int, version: int, actor_id: int | None
) -> None:
    item = next((i for i in meeting.items if i.id == item_id), None)
    if item is None:
        raise NotFound()
    if item.status != "pending":
        raise InvalidInput({"": _l("Only items that have not run can be removed.")})
    await _claim(db, meeting, version)
    meeting.items.remove(item)
    await db.flush()
    await record_event(
        db,
        "meeting.item_removed",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=meeting.assembly_id,
        subject=meeting,
        item=item_id,
    )


# --- presses on the console --------------------------------------------------------------------


async def _claim(db: AsyncSession, meeting: Meeting, version: int) -> None:
    """Move the meeting to the next version, unless someone else already did (Conflict)."""
    moved = await db.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.version == version)
        .values(version=Meeting.version + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        await db.refresh(meeting)
        raise Conflict({"": MOVED})
    await db.refresh(meeting, ["version"])


async def _topic_to(db: AsyncSession, item: AgendaItem, target: str, actor_id: int | None) -> None:
    """Move the item's topic forward to ``target``; never back (a later phase stays)."""
    if item.topic_id is None:
        return
    topic = await db.get(Topic, item.topic_id)
    if topic is None:
        return
    await lifecycle.apply_schedule(db, topic)  # a planned start already due is carried out
    if phase_index(topic.phase) >= phase_index(target):
        return
    await lifecycle.move_phase(db, topic, target, actor_id)


async def _open(
    db: AsyncSession, meeting: Meeting, item: AgendaItem, now: dt.datetime, actor_id: int | None
) -> None:
    if item.kind in KIND_PHASE:
        await _topic_to(db, item, KIND_PHASE[item.kind], actor_id)
    _apply(item, agenda.press(clock_of(item), "start", now), now)
    meeting.current_item_id = item.id
    if meeting.status == "planned":
        meeting.status = "running"
        meeting.started_at = now


async def _close(
    db: AsyncSession, item: AgendaItem, action: str, now: dt.datetime, actor_id: int | None
) -> None:
    _apply(item, agenda.press(clock_of(item), action, now), now)
    if item.kind == "voting" and item.started_at is not None:
        await _topic_to(db, item, "closed", actor_id)


async def press(
    db: AsyncSession,
    meeting: Meeting,
    action: str,
    version: int,
    actor_id: int | None,
    *,
    item_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Do what a console button says, once; every press is audited.

    "start" runs the chosen item (the one under way is finished first); "next" finishes the
    item under way and starts the next one not yet run, or ends the meeting when none is left.
    A press that fails part way (a vote that cannot open) keeps nothing of itself, except a
    vote it closed: closing commits at once, so the seal that follows sees every ballot that
    was acknowledged (see ``topics.lifecycle``).
    """
    savepoint = await db.begin_nested()
    try:
        await _press(db, meeting, action, version, actor_id, item_id=item_id, now=now)
    except DomainError:
        if savepoint.is_active:  # not when a close has committed it
            await savepoint.rollback()
        raise


async def _press(
    db: AsyncSession,
    meeting: Meeting,
    action: str,
    version: int,
    actor_id: int | None,
    *,
    item_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Do what a console button says, once; every press is audited.

    "start" runs the chosen item (the one under way is finished first); "next" finishes the
    item under way and starts the next one not yet run, or ends the meeting when none is left.
    """
    now = now or now_utc()
    if action not in agenda.ACTIONS:
        raise InvalidInput({"": ACTION_ERRORS["unknown"]})
    if meeting.status == "ended":
        raise InvalidInput({"": _l("This meeting has ended.")})
    await _claim(db, meeting, version)
    running = current_item(meeting)
    if running is not None and running.status not in agenda.OPEN_STATUSES:
        running = None
    target: AgendaItem | None = None
    try:
        if action in {"start", "skip"} and item_id is not None:
            target = next((i for i in meeting.items if i.id == item_id), None)
            if target is None:
                raise NotFound()
        if action == "start":
            if target is None:
                target = next_item(meeting)
            if target is None:
                raise agenda.AgendaError("not_pending")
            if target.status != "pending":
                raise agenda.AgendaError("not_pending")
            if running is not None:
                await _close(db, running, "finish", now, actor_id)
            await _open(db, meeting, target, now, actor_id)
        elif action == "next":
            if running is not None:
                await _close(db, running, "finish", now, actor_id)
            following = next_item(meeting)
            if following is None:
                meeting.status = "ended"
                meeting.ended_at = now
                meeting.current_item_id = None
                meeting.door_code = ""
            else:
                await _open(db, meeting, following, now, actor_id)
        elif action == "skip" and target is not None and target is not running:
            _apply(target, agenda.press(clock_of(target), "skip", now), now)
        else:
            if running is None:
                raise agenda.AgendaError("not_open")
            target = running
            if action in {"finish", "skip"}:
                await _close(db, running, action, now, actor_id)
            else:
                _apply(running, agenda.press(clock_of(running), action, now), now)
    except agenda.AgendaError as exc:
        raise InvalidInput({"": ACTION_ERRORS.get(exc.code, ACTION_ERRORS["unknown"])}) from exc
    await db.flush()
    acted_on = target or running
    await record_event(
        db,
        f"meeting.{action}",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=meeting.assembly_id,
        subject=meeting,
        item=acted_on.id if acted_on is not None else None,
        version=meeting.version,
    )


async def show_results(
    db: AsyncSession, meeting: Meeting, shown: bool, version: int, actor_id: int | None
) -> None:
    await _claim(db, meeting, version)
    meeting.show_results = shown
    await record_event(
        db,
        "meeting.results_shown" if shown else "meeting.results_hidden",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=meeting.assembly_id,
        subject=meeting,
    )


# --- the door code -----------------------------------------------------------------------------


async def open_door(
    db: AsyncSession, assembly: Assembly, meeting: Meeting, secret_key: str, actor_id: int | None
) -> str:
    """A fresh single-use code for the projector, for whoever joins in the room next."""
    from assembly.invitations.services import issue_codes

    if meeting.status == "ended":
        raise InvalidInput({"": _l("This meeting has ended.")})
    issued = await issue_codes(
        db, assembly, 1, secret_key, labels=[f"{meeting.title}"], actor_id=actor_id
    )
    meeting.door_code = issued[0].code
    meeting.door_invite_id = issued[0].invite.id
    meeting.version += 1
    return meeting.door_code


async def renew_door_after_join(
    db: AsyncSession, participant: Participant, secret_key: str
) -> Meeting | None:
    """When someone joined with a meeting's door code, put up the next one (the meeting)."""
    invite_id = await db.scalar(
        select(InviteCode.id).where(InviteCode.participant_id == participant.id)
    )
    if invite_id is None:
        return None
    meeting = await db.scalar(select(Meeting).where(Meeting.door_invite_id == invite_id))
    if meeting is None or meeting.status == "ended":
        return None
    assembly = await db.get(Assembly, meeting.assembly_id)
    assert assembly is not None
    await open_door(db, assembly, meeting, secret_key, None)
    return meeting


# --- who is in the room ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendance:
    taking_part: int
    joined_today: int


async def attendance(db: AsyncSession, meeting: Meeting) -> Attendance:
    total = await db.scalar(
        select(func.count())
        .select_from(Participant)
        .where(Participant.assembly_id == meeting.assembly_id)
    )
    since = meeting.started_at
    today = 0
    if since is not None:
        today = int(
            await db.scalar(
                select(func.count())
                .select_from(Participant)
                .where(Participant.assembly_id == meeting.assembly_id)
                .where(Participant.created_at >= since)
            )
            or 0
        )
    return Attendance(int(total or 0), today)


# --- speaking turns ------------------------------------------------------------------------------


async def table_row(db: AsyncSession, meeting: Meeting, table_number: int) -> MeetingTable | None:
    return await db.scalar(
        select(MeetingTable).where(
            MeetingTable.meeting_id == meeting.id, MeetingTable.table_number == table_number
        )
    )


async def _table_row_for_write(
    db: AsyncSession, meeting: Meeting, table_number: int
) -> MeetingTable:
    row = await table_row(db, meeting, table_number)
    if row is None:
        row = MeetingTable(meeting_id=meeting.id, table_number=table_number)
        db.add(row)
        await db.flush()
    return row


async def turns_at(
    db: AsyncSession, meeting: Meeting, round_number: int, table_number: int
) -> dict[str, int]:
    rows = await db.execute(
        select(SpeakingCount.seat_key, SpeakingCount.turns).where(
            SpeakingCount.meeting_id == meeting.id,
            SpeakingCount.round_number == round_number,
            SpeakingCount.table_number == table_number,
        )
    )
    return {str(key): int(turns) for key, turns in rows.tuples()}


async def set_consent(
    db: AsyncSession, meeting: Meeting, table_number: int, consent: bool, actor: str
) -> None:
    """Record whether the table agreed to count turns; withdrawing deletes what was counted."""
    row = await _table_row_for_write(db, meeting, table_number)
    row.speaking_consent = consent
    if not consent:
        for count in (
            await db.scalars(
                select(SpeakingCount).where(
                    SpeakingCount.meeting_id == meeting.id,
                    SpeakingCount.table_number == table_number,
                )
            )
        ).all():
            await db.delete(count)
    await record_event(
        db,
        "meeting.speaking_consent",
        actor_kind=actor,
        assembly_id=meeting.assembly_id,
        subject=meeting,
        table=table_number,
        consent=consent,
    )


async def mark_spoken(
    db: AsyncSession,
    meeting: Meeting,
    round_number: int,
    table_number: int,
    seat_key: str,
    seats: list[str],
) -> bool:
    """Count one turn for a seat, when the table consented. Returns whether it was stored."""
    if seat_key not in seats:
        raise InvalidInput({"seat": NOT_AT_TABLE})
    row = await table_row(db, meeting, table_number)
    if row is None or not row.speaking_consent:
        return False
    count = await db.scalar(
        select(SpeakingCount).where(
            SpeakingCount.meeting_id == meeting.id,
            SpeakingCount.round_number == round_number,
            SpeakingCount.table_number == table_number,
            SpeakingCount.seat_key == seat_key,
        )
    )
    if count is None:
        count = SpeakingCount(
            meeting_id=meeting.id,
            round_number=round_number,
            table_number=table_number,
            seat_key=seat_key,
            turns=0,
        )
        db.add(count)
    count.turns += 1
    await db.flush()
    return True


async def set_notes_done(db: AsyncSession, meeting: Meeting, table_number: int, done: bool) -> None:
    row = await _table_row_for_write(db, meeting, table_number)
    row.notes_done = done


async def assign_host(
    db: AsyncSession,
    meeting: Meeting,
    table_number: int,
    pseudonym: str,
    table_count: int,
    actor_id: int | None,
) -> None:
    """Give a participant the table-host role at a table (an empty name takes it away)."""
    from assembly.db.models import ParticipantRole

    if not 1 <= table_number <= table_count:
        raise InvalidInput({"table": _l("Choose one of the meeting's tables.")})
    row = await _table_row_for_write(db, meeting, table_number)
    name = pseudonym.strip()
    if not name:
        row.host_participant_id = None
    else:
        participant = await db.scalar(
            select(Participant).where(
                Participant.assembly_id == meeting.assembly_id,
                func.lower(Participant.pseudonym) == name.lower(),
            )
        )
        if participant is None:
            raise InvalidInput({"host": _l("No member of this assembly has this name.")})
        row.host_participant_id = participant.id
        has_role = await db.scalar(
            select(ParticipantRole.id).where(
                ParticipantRole.participant_id == participant.id,
                ParticipantRole.role == "table_host",
            )
        )
        if has_role is None:
            db.add(
                ParticipantRole(
                    participant_id=participant.id, role="table_host", granted_by_id=actor_id
                )
            )
    await db.flush()
    await record_event(
        db,
        "meeting.table_host",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=meeting.assembly_id,
        subject=meeting,
        table=table_number,
        host=row.host_participant_id,
    )


async def hosted_tables(db: AsyncSession, meeting: Meeting, participant_id: int) -> list[int]:
    found = await db.scalars(
        select(MeetingTable.table_number).where(
            MeetingTable.meeting_id == meeting.id,
            MeetingTable.host_participant_id == participant_id,
        )
    )
    return sorted(int(n) for n in found.all())


async def tables_of(db: AsyncSession, meeting: Meeting) -> dict[int, MeetingTable]:
    found = await db.scalars(select(MeetingTable).where(MeetingTable.meeting_id == meeting.id))
    return {row.table_number: row for row in found.all()}
