"""The one place that moves the drafting process from phase to phase, by hand or by schedule.

Moving forward sets off what the next phase needs:

- into *voting*: every amendment vote still open is counted (adopted ones merged), amendments
  never put to the vote lapse, and each recommendation's final vote opens on its text as it now
  stands (the revision is recorded, so a later change of the text refuses the vote);
- into *final*: every final vote is closed and counted, its ballots sealed and published.

Moving back needs a confirmation and is allowed only where nothing is lost: from amending to
drafting while no amendment vote is open, and from voting to amending while no ballot has been
cast on a recommendation (the final votes are taken back until voting opens again). Once the
final votes are counted, nothing moves back.

Reads never write: pages show ``phase_now`` (the schedule applied on the fly). A planned start
that has passed is applied by the next request that changes something in the drafting process
(``apply_schedule``), in its own transaction; a conditional UPDATE makes sure two requests
arriving together move the phase once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from assembly.assemblies.forms import parse_local_datetime
from assembly.audit.services import record_event
from assembly.db.models import Assembly, DraftingProcess, Recommendation, Topic
from assembly.errors import Conflict, InvalidInput, NotAllowed
from assembly.i18n import _, _l
from assembly.recommendations.amendments import any_amendment_vote_open, finish_amendments
from assembly.recommendations.motions import (
    area_for,
    ballots_cast,
    close_motion,
    final_params,
    open_motion,
    reopen_motion,
    withdraw_motion,
)
from assembly.recommendations.phases import (
    DRAFTING_PHASES,
    PHASE_LABELS,
    SCHEDULED_PHASES,
    drafting_phase,
    next_phase,
    parse_moment,
    phase_index,
)
from assembly.recommendations.services import (
    Actor,
    ensure_process,
    in_language,
    list_recommendations,
    live_clauses,
)


def schedule_field(phase: str) -> str:
    return f"schedule_{phase}"


async def _final_question(db: AsyncSession, recommendation: Recommendation) -> tuple[str, str]:
    clauses = await live_clauses(db, recommendation)
    question = _(
        "Recommendation %(number)s: %(title)s",
        number=recommendation.number,
        title=recommendation.title,
    )
    background = "\n".join(f"{i}. {c.text}" for i, c in enumerate(clauses, start=1))
    return question, background


async def _open_final_votes(
    db: AsyncSession, assembly: Assembly, process: DraftingProcess, actor_id: int | None
) -> None:
    for recommendation in await list_recommendations(db, assembly):
        with in_language(assembly.language):
            question, background = await _final_question(db, recommendation)
        topic = (
            await db.get(Topic, recommendation.vote_topic_id)
            if recommendation.vote_topic_id is not None
            else None
        )
        if topic is None:
            topic = await open_motion(
                db,
                assembly_id=assembly.id,
                slug=f"recommendation-{recommendation.number}",
                question=question,
                background=background,
                area_id=await area_for(db, recommendation.id),
                params=final_params(process),
                secrecy=process.ballot_secrecy,
                actor_id=actor_id,
            )
            recommendation.vote_topic_id = topic.id
        else:
            await reopen_motion(db, topic, question, background, actor_id)
        recommendation.voting_revision = recommendation.revision
    await db.flush()


async def _close_final_votes(db: AsyncSession, assembly: Assembly, actor_id: int | None) -> None:
    for recommendation in await list_recommendations(db, assembly):
        if recommendation.vote_topic_id is None:
            continue
        topic = await db.get(Topic, recommendation.vote_topic_id)
        if topic is not None:
            await close_motion(db, topic, actor_id)


async def _final_ballots(db: AsyncSession, assembly: Assembly) -> int:
    return sum(
        [await ballots_cast(db, r.vote_topic_id) for r in await list_recommendations(db, assembly)]
    )


async def _entered(
    db: AsyncSession, assembly: Assembly, process: DraftingProcess, target: str, actor: Actor | None
) -> None:
    actor_id = actor.account_id if actor else None
    if target == "voting":
        recommendations = await list_recommendations(db, assembly)
        await finish_amendments(db, assembly, recommendations)
        await _open_final_votes(db, assembly, process, actor_id)
    elif target == "final":
        await _close_final_votes(db, assembly, actor_id)


async def _step(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    target: str,
    actor: Actor | None,
    now: dt.datetime,
) -> bool:
    """Move one phase; False when another request moved it first."""
    current = process.phase
    result = await db.execute(
        update(DraftingProcess)
        .where(DraftingProcess.id == process.id, DraftingProcess.phase == current)
        .values(phase=target, phase_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        await db.refresh(process)
        return False
    set_committed_value(process, "phase", target)
    set_committed_value(process, "phase_changed_at", now)
    if phase_index(target) > phase_index(current):
        await _entered(db, assembly, process, target, actor)
    await record_event(
        db,
        "drafting.phase_changed" if actor else "drafting.phase_scheduled",
        actor_kind=actor.kind if actor else "system",
        actor_id=actor.id if actor else None,
        assembly_id=assembly.id,
        subject=process,
        previous=current,
        phase=target,
    )
    return True


async def _check_forward(db: AsyncSession, assembly: Assembly, target: str) -> None:
    if target in ("amending", "voting") and not await list_recommendations(db, assembly):
        raise InvalidInput({"phase": _l("Write at least one recommendation first.")})


async def apply_schedule(
    db: AsyncSession, assembly: Assembly, process: DraftingProcess, now: dt.datetime | None = None
) -> bool:
    """Carry out every planned phase start that has passed; True if the phase moved."""
    if process.id is None:
        return False
    now = now or dt.datetime.now(dt.UTC)
    due = drafting_phase(process.phase, process.phase_schedule, now)
    moved = False
    while phase_index(process.phase) < phase_index(due):
        target = next_phase(process.phase)
        assert target is not None
        try:
            await _check_forward(db, assembly, target)
        except InvalidInput:
            return moved
        if not await _step(db, assembly, process, target, None, now):
            return moved
        moved = True
    return moved


async def move_phase(
    db: AsyncSession,
    assembly: Assembly,
    target: str,
    actor: Actor,
    *,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> DraftingProcess:
    """A facilitator moves the process to ``target`` (forward step by step, or one step back)."""
    if not actor.facilitator:
        raise NotAllowed()
    now = now or dt.datetime.now(dt.UTC)
    process = await ensure_process(db, assembly)
    await apply_schedule(db, assembly, process, now)
    if target not in DRAFTING_PHASES:
        raise InvalidInput({"phase": _l("Choose a phase.")})
    current = process.phase
    if target == current:
        raise InvalidInput({"phase": _l("The drafting is already in this phase.")})
    if phase_index(target) < phase_index(current):
        await _move_back(db, assembly, process, target, actor, confirmed, now)
        return process
    while phase_index(process.phase) < phase_index(target):
        step = next_phase(process.phase)
        assert step is not None
        await _check_forward(db, assembly, step)
        await _step(db, assembly, process, step, actor, now)
    return process


async def _move_back(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    target: str,
    actor: Actor,
    confirmed: bool,
    now: dt.datetime,
) -> None:
    current = process.phase
    if phase_index(current) - phase_index(target) != 1 or current == "final":
        raise Conflict(
            {"phase": _l("Once the final votes are counted, the drafting cannot move back.")}
            if current == "final"
            else {"phase": _l("The drafting can move back one phase at a time.")}
        )
    if not confirmed:
        raise InvalidInput({"phase": _l("Confirm that you want to move the drafting back.")})
    recommendations = await list_recommendations(db, assembly)
    if current == "amending" and await any_amendment_vote_open(db, [r.id for r in recommendations]):
        raise Conflict({"phase": _l("Close the open amendment votes first.")})
    if current == "voting":
        if await _final_ballots(db, assembly):
            raise Conflict(
                {"phase": _l("Ballots have been cast on the recommendations: voting stays open.")}
            )
        for recommendation in recommendations:
            if recommendation.vote_topic_id is not None:
                topic = await db.get(Topic, recommendation.vote_topic_id)
                if topic is not None:
                    await withdraw_motion(db, topic, actor.account_id)
            recommendation.voting_revision = None
    # Planned starts that have passed would move it forward again at once.
    schedule: dict[str, str] = {}
    for phase, raw in (process.phase_schedule or {}).items():
        moment = parse_moment(raw)
        passed = moment is None or moment <= now
        if phase not in DRAFTING_PHASES or (phase_index(phase) > phase_index(target) and passed):
            continue
        schedule[phase] = raw
    process.phase_schedule = schedule
    await _step(db, assembly, process, target, actor, now)


async def set_schedule(
    db: AsyncSession, assembly: Assembly, values: Mapping[str, str], actor: Actor
) -> DraftingProcess:
    """Planned starts, typed as local times in the assembly's time zone."""
    if not actor.facilitator:
        raise NotAllowed()
    process = await ensure_process(db, assembly)
    errors: dict[str, Any] = {}
    schedule: dict[str, str] = {}
    last: tuple[str, dt.datetime] | None = None
    for phase in SCHEDULED_PHASES:
        raw = values.get(schedule_field(phase), "").strip()
        if not raw:
            continue
        moment = parse_local_datetime(raw, assembly.time_zone)
        if moment is None:
            errors[schedule_field(phase)] = _l("Enter a date and time, such as 2026-05-04 18:00.")
            continue
        if last is not None and moment <= last[1]:
            errors[schedule_field(phase)] = _l(
                "This phase must start after “%(phase)s”.", phase=PHASE_LABELS[last[0]]
            )
            continue
        schedule[phase] = moment.isoformat()
        last = (phase, moment)
    if errors:
        raise InvalidInput(errors)
    process.phase_schedule = schedule
    await record_event(
        db,
        "drafting.schedule_changed",
        actor_kind="account",
        actor_id=actor.account_id,
        assembly_id=assembly.id,
        subject=process,
        schedule=schedule,
    )
    return process


async def prepare_write(db: AsyncSession, assembly: Assembly) -> DraftingProcess:
    """The process for a request that changes something: planned starts applied first."""
    process = await ensure_process(db, assembly)
    await apply_schedule(db, assembly, process)
    return process
