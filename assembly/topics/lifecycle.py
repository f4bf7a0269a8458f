"""The one place that moves a topic from phase to phase and seals or publishes its ballots.

Three callers: a facilitator's button (``move_phase``), meeting mode (``move_phase`` too), and
the job runner (``run_due_schedules``), which carries out every planned start that has passed.
Reads never write: pages and writers ask ``assembly.topics.phases.phase_in_force`` for the
phase in force by time, so a request that arrives after a planned start but before the runner
moved the topic already sees the new phase (a vote is refused once the close is due).

A scheduled move is a conditional UPDATE (``WHERE phase = <what was read>``), so two runners
(two server processes) that see the same due start move the topic, and write its audit row,
once.

Moving forward into *closed* seals the secret ballots; into *published* it also publishes the
anonymised ballots and records the tally. Closing is two steps: the phase change commits first,
after which no ballot can enter (see ``assembly.topics.locking``), and the seal then runs in the
next transaction and so sees every ballot that was ever acknowledged.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from assembly.audit.services import record_event
from assembly.ballots.services import publish_ballots, seal_ballots
from assembly.db.engine import SessionMaker
from assembly.db.models import Assembly, DraftingProcess, Topic
from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.topics.locking import lock_topic
from assembly.topics.phases import PHASES, parse_moment, phase_in_force, phase_index
from assembly.topics.services import is_backward, voting_problem

logger = logging.getLogger("assembly.topics")


async def move_phase(
    db: AsyncSession,
    topic: Topic,
    target: str,
    actor_id: int | None,
    *,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> None:
    """Move a topic to ``target`` by hand. Going back needs ``confirmed``; starting voting
    needs proposals and a set-up the engine accepts for them."""
    now = now or dt.datetime.now(dt.UTC)
    if target not in PHASES:
        raise InvalidInput({"phase": _l("Choose a phase.")})
    # The phase is read under the lock every ballot writer also takes (topics.locking).
    await lock_topic(db, topic, to_change=True)
    previous = topic.phase
    if target == previous:
        raise InvalidInput({"phase": _l("The topic is already in this phase.")})
    backward = is_backward(topic, target)
    if backward and not confirmed:
        raise InvalidInput({"phase": _l("Confirm that you want to move the topic back.")})
    voting = phase_index("voting")
    if not backward and phase_index(previous) < voting <= phase_index(target):
        problem = await voting_problem(db, topic)
        if problem is not None:
            raise InvalidInput({"phase": problem})
    dropped: list[str] = []
    if backward:
        schedule = dict(topic.phase_schedule or {})
        for phase, raw in list(schedule.items()):
            moment = parse_moment(raw)
            if (
                phase in PHASES
                and phase_index(phase) > phase_index(target)
                and (moment is None or moment <= now)
            ):
                del schedule[phase]
                dropped.append(phase)
        if dropped:
            topic.phase_schedule = schedule
    topic.phase = target
    topic.phase_changed_at = now
    await record_event(
        db,
        "topic.phase_changed",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=topic,
        previous=previous,
        phase=target,
        direction="back" if backward else "forward",
        dropped_schedule=dropped,
    )
    if not backward:
        await _entered(db, topic, previous, target, actor_id)


async def _entered(
    db: AsyncSession, topic: Topic, previous: str, target: str, actor_id: int | None
) -> None:
    """What moving forward into a phase sets off, by button or by schedule alike."""
    closed = phase_index("closed")
    if phase_index(previous) < closed <= phase_index(target):
        # Step one, the close, commits before the seal (see the module's docstring).
        await db.commit()
        await seal_ballots(db, topic)
    if target == "published" and not topic.ballots_published:
        await publish_ballots(db, topic, actor_account_id=actor_id)


async def apply_schedule(db: AsyncSession, topic: Topic, now: dt.datetime | None = None) -> bool:
    """Advance the topic to the phase in force by its schedule; True if this call moved it.

    Caller's write transaction; it may be committed part-way (closing commits before sealing).
    """
    now = now or dt.datetime.now(dt.UTC)
    # The stored phase, read under the lock (a loaded topic may show the phase in force).
    await lock_topic(db, topic, to_change=True)
    current = topic.phase
    due = phase_in_force(current, topic.phase_schedule, now)
    if due == current:
        return False
    result = await db.execute(
        update(Topic)
        .where(Topic.id == topic.id, Topic.phase == current)
        .values(phase=due, phase_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        await db.refresh(topic, ["phase", "phase_changed_at"])
        return False
    set_committed_value(topic, "phase", due)
    set_committed_value(topic, "phase_changed_at", now)
    await record_event(
        db,
        "topic.phase_scheduled",
        actor_kind="system",
        assembly_id=topic.assembly_id,
        subject=topic,
        previous=current,
        phase=due,
    )
    await _entered(db, topic, current, due, None)
    return True


async def due_topic_ids(db: AsyncSession, now: dt.datetime) -> list[int]:
    """Topics whose phase in force by time is ahead of the stored one."""
    rows = await db.execute(
        select(Topic.id, Topic.phase, Topic.phase_schedule).where(Topic.phase != PHASES[-1])
    )
    return [
        topic_id
        for topic_id, phase, schedule in rows.tuples()
        if schedule and phase_in_force(phase, schedule, now) != phase
    ]


async def due_drafting_ids(db: AsyncSession, now: dt.datetime) -> list[int]:
    from assembly.recommendations.phases import drafting_phase

    rows = await db.execute(
        select(DraftingProcess.id, DraftingProcess.phase, DraftingProcess.phase_schedule)
    )
    return [
        process_id
        for process_id, phase, schedule in rows.tuples()
        if schedule and drafting_phase(phase, schedule, now) != phase
    ]


async def run_due_schedules(sessions: SessionMaker, now: dt.datetime | None = None) -> int:
    """Carry out every planned phase start that has passed, each in its own transaction (the
    job runner's tick); how many topics and drafting processes moved."""
    from assembly.recommendations import lifecycle as drafting

    now = now or dt.datetime.now(dt.UTC)
    async with sessions.for_read() as db:
        topic_ids = await due_topic_ids(db, now)
        process_ids = await due_drafting_ids(db, now)
    moved = 0
    for topic_id in topic_ids:
        try:
            async with sessions.for_write() as db:
                topic = await db.get(Topic, topic_id)
                if topic is not None and await apply_schedule(db, topic, now):
                    moved += 1
                await db.commit()
        except Exception:  # one topic that cannot move must not hold up the others
            logger.exception("Topic %s could not follow its schedule.", topic_id)
    for process_id in process_ids:
        try:
            async with sessions.for_write() as db:
                process = await db.get(DraftingProcess, process_id)
                assembly = await db.get(Assembly, process.assembly_id) if process else None
                if (
                    process is not None
                    and assembly is not None
                    and await drafting.apply_schedule(db, assembly, process, now)
                ):
                    moved += 1
                await db.commit()
        except Exception:
            logger.exception("Drafting process %s could not follow its schedule.", process_id)
    return moved
