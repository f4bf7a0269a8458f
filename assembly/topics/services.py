"""Topic rules: set-up, voting method and parameters, phases and their schedule.

The phase in force comes from ``assembly.topics.phases``; every move (by button, meeting mode
or schedule) is made by ``assembly.topics.lifecycle``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.forms import to_local_input
from assembly.audit.services import record_event
from assembly.ballots.motions import is_motion, motion_options
from assembly.budgets.services import (
    BUDGET_METHOD,
    is_budget,
    proposals_without_cost,
    visible_costs,
)
from assembly.db.models import (
    BALLOT_SECRECY,
    Assembly,
    Ballot,
    Practice,
    Proposal,
    SpotlightArea,
    Topic,
)
from assembly.errors import InvalidInput, NotFound
from assembly.forms_common import normalise_text, slugify
from assembly.i18n import _l
from assembly.proposals.phases import PHASE_LABELS, show_in_force
from assembly.topics import forms as params_form
from assembly.topics.phases import (
    SCHEDULED_PHASES,
    parse_moment,
    phase_index,
    phase_now,
)
from assembly.voting import METHODS, InvalidParameters, validate_params

MAX_QUESTION_LENGTH = 300
MAX_BACKGROUND_LENGTH = 20_000
MAX_SEATS = 100
RESERVED_TOPIC_SLUGS = frozenset({"new"})
# Once voting has started, ballots exist that were cast under the method and its parameters.
VOTING_LOCKED_PHASES = frozenset({"voting", "closed", "published"})
# A new topic has no proposals yet, so it starts before deliberation and voting.
STARTING_PHASES = ("draft", "proposals")
SECRECY_LABELS = {"secret": _l("Secret ballot"), "open": _l("Open ballot")}


def is_backward(topic: Topic, target: str) -> bool:
    return phase_index(target) < phase_index(topic.phase)


def voting_locked(topic: Topic) -> bool:
    return phase_now(topic) in VOTING_LOCKED_PHASES


# --- loading -------------------------------------------------------------------------------


async def get_topic(db: AsyncSession, assembly: Assembly, topic_slug: str) -> Topic:
    """A topic of ``assembly`` (already authorised by the caller); reading it writes nothing."""
    topic = await db.scalar(
        select(Topic).where(
            Topic.assembly_id == assembly.id, Topic.slug == topic_slug, Topic.kind == "topic"
        )
    )
    if topic is None:
        raise NotFound()
    return show_in_force(topic)


async def list_areas(db: AsyncSession) -> list[SpotlightArea]:
    return list((await db.scalars(select(SpotlightArea).order_by(SpotlightArea.position))).all())


async def list_practices(db: AsyncSession) -> list[Practice]:
    return list((await db.scalars(select(Practice).order_by(Practice.position))).all())


def practice_choices(
    practices: Sequence[Practice], area_id: int | None, locale: str
) -> list[tuple[str, str]]:
    """Practices as checkbox options: those of the chosen area first, each naming its areas."""

    def in_area(practice: Practice) -> bool:
        return any(area.id == area_id for area in practice.spotlight_areas)

    ordered = sorted(practices, key=lambda p: (not in_area(p), p.position))
    return [
        (
            str(p.id),
            f"{p.title(locale)} ({', '.join(a.name(locale) for a in p.spotlight_areas)})"
            if p.spotlight_areas
            else p.title(locale),
        )
        for p in ordered
    ]


# --- the topic form -----------------------------------------------------------------------


@dataclass
class TopicFields:
    question: str
    background: str
    area: SpotlightArea | None
    practices: list[Practice]
    voting_method: str
    seats: int
    voting_params: dict[str, Any]
    ballot_secrecy: str
    phase: str


def topic_form_values(topic: Topic) -> dict[str, Any]:
    return {
        "question": topic.question,
        "background": topic.background,
        "spotlight_area": str(topic.spotlight_area_id),
        "practices": [str(p.id) for p in topic.practices],
        "voting_method": topic.voting_method,
        "seats": str(topic.seats),
        **params_form.default_values(),
        **params_form.form_values(topic.voting_method, topic.voting_params or {}),
        "ballot_secrecy": topic.ballot_secrecy,
        "phase": topic.phase,
    }


def _setup_options(params: Mapping[str, Any], seats: int) -> list[str]:
    """Stand-in options for checking parameters before any proposal exists."""
    costs = params.get("costs")
    if isinstance(costs, Mapping) and costs:
        return [str(key) for key in costs]
    return [f"option-{n}" for n in range(1, max(seats, 2) + 1)]


def check_voting_setup(
    method: str, seats: int, params: Mapping[str, Any], options: Sequence[str] | None = None
) -> str | None:
    """The voting engine's objection to this set-up, or None when it can be counted."""
    problem = voting_setup_error(method, seats, params, options)
    return None if problem is None else str(problem)


def voting_setup_error(
    method: str, seats: int, params: Mapping[str, Any], options: Sequence[str] | None = None
) -> InvalidParameters | None:
    """The voting engine's objection to this set-up, naming the parameter at fault.

    Without ``options`` (while the topic is prepared) the per-option checks are left for the
    start of voting: a budget's costs, for one, name proposals that do not exist yet.
    """
    given = dict(params)
    if options is None:
        options = _setup_options(given, seats)
        info = METHODS.get(method)
        if info is not None and "costs" in info.required and "costs" not in given:
            given["costs"] = dict.fromkeys(options, 1)
    try:
        validate_params(method, list(options), seats, given)
    except InvalidParameters as exc:
        return exc
    return None


async def _clean_topic(
    db: AsyncSession,
    values: Mapping[str, Any],
    practice_ids: Sequence[str],
    *,
    current: Topic | None,
) -> TopicFields:
    errors: dict[str, Any] = {}
    question = normalise_text(values.get("question", ""))
    if not question:
        errors["question"] = _l("Enter the question the assembly deliberates on.")
    elif len(question) > MAX_QUESTION_LENGTH:
        errors["question"] = _l("The question can have at most 300 characters.")
    background = normalise_text(values.get("background", ""))
    if len(background) > MAX_BACKGROUND_LENGTH:
        errors["background"] = _l("The background can have at most 20,000 characters.")

    area: SpotlightArea | None = None
    area_id = values.get("spotlight_area", "").strip()
    if area_id.isdigit():
        area = await db.get(SpotlightArea, int(area_id))
    if area is None:
        errors["spotlight_area"] = _l("Choose the spotlight area the topic belongs to.")

    raw_ids = [p.strip() for p in practice_ids if p.strip()]
    wanted = {int(p) for p in raw_ids if p.isdigit()}
    practices: list[Practice] = []
    if wanted:
        practices = list(
            (
                await db.scalars(
                    select(Practice).where(Practice.id.in_(wanted)).order_by(Practice.position)
                )
            ).all()
        )
    if len(practices) != len(wanted) or any(not p.isdigit() for p in raw_ids):
        errors["practices"] = _l("Choose practices from the list.")

    locked = current is not None and voting_locked(current)
    if locked and current is not None:
        method, seats = current.voting_method, current.seats
        params, secrecy = dict(current.voting_params or {}), current.ballot_secrecy
    else:
        method = values.get("voting_method", "")
        seats, params, secrecy = 1, {}, values.get("ballot_secrecy", "")
        info = METHODS.get(method)
        if info is None:
            errors["voting_method"] = _l("Choose a voting method.")
        # Methods that choose one outcome show no seats field: they always fill one.
        seats_text = (values.get("seats") or "").strip() or "1"
        if info is not None and not info.multi_winner:
            seats_text = "1"
        if not seats_text.isdigit() or not 1 <= int(seats_text) <= MAX_SEATS:
            errors["seats"] = _l("Enter a whole number of seats from 1 to 100.")
        else:
            seats = int(seats_text)
        if info is not None:
            keep: dict[str, Any] = {}
            if current is not None and current.voting_method == method:
                keep = params_form.hidden_params(method, current.voting_params or {})
            try:
                params = params_form.read_params(method, values, keep=keep)
            except params_form.ParamsError as exc:
                errors.update(exc.errors)
            else:
                if method == BUDGET_METHOD and "costs" in params:
                    errors[params_form.IMPORT_FIELD] = _l(
                        "Costs are not a parameter: set each proposal's cost on the topic's"
                        " costs page."
                    )
                problem = voting_setup_error(method, seats, params)
                if problem is not None and "seats" not in errors:
                    field, message = params_form.engine_error(method, problem)
                    errors[field] = message
        if secrecy not in BALLOT_SECRECY:
            errors["ballot_secrecy"] = _l("Choose a secret or an open ballot.")

    phase = current.phase if current is not None else values.get("phase", "draft") or "draft"
    if current is None and phase not in STARTING_PHASES:
        errors["phase"] = _l("A new topic starts in preparation or with proposals open.")
    if errors:
        raise InvalidInput(errors)
    return TopicFields(
        question=question,
        background=background,
        area=area,
        practices=practices,
        voting_method=method,
        seats=seats,
        voting_params=params,
        ballot_secrecy=secrecy,
        phase=phase,
    )


async def _free_topic_slug(db: AsyncSession, assembly: Assembly, question: str) -> str:
    base = slugify(question, fallback="topic")[:60].strip("-") or "topic"
    taken = set(
        (await db.scalars(select(Topic.slug).where(Topic.assembly_id == assembly.id))).all()
    )
    candidate, number = base, 1
    while candidate in taken or candidate in RESERVED_TOPIC_SLUGS:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


async def create_topic(
    db: AsyncSession,
    assembly: Assembly,
    values: Mapping[str, str],
    practice_ids: Sequence[str],
    actor_id: int | None,
) -> Topic:
    fields = await _clean_topic(db, values, practice_ids, current=None)
    assert fields.area is not None
    position = await db.scalar(
        select(func.coalesce(func.max(Topic.position), -1)).where(Topic.assembly_id == assembly.id)
    )
    topic = Topic(
        assembly=assembly,
        slug=await _free_topic_slug(db, assembly, fields.question),
        position=int(position if position is not None else -1) + 1,
        question=fields.question,
        background=fields.background,
        spotlight_area=fields.area,
        practices=fields.practices,
        voting_method=fields.voting_method,
        voting_params=fields.voting_params,
        seats=fields.seats,
        ballot_secrecy=fields.ballot_secrecy,
        phase=fields.phase,
        phase_schedule={},
        phase_changed_at=dt.datetime.now(dt.UTC),
    )
    db.add(topic)
    await db.flush()
    await record_event(
        db,
        "topic.created",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=topic,
        phase=topic.phase,
        voting_method=topic.voting_method,
    )
    return topic


async def update_topic(
    db: AsyncSession,
    topic: Topic,
    values: Mapping[str, str],
    practice_ids: Sequence[str],
    actor_id: int | None,
) -> Topic:
    """Save the edit form; the phase moves only by its own buttons, and the method is fixed
    once voting has started."""
    fields = await _clean_topic(db, values, practice_ids, current=topic)
    assert fields.area is not None
    changed: list[str] = []
    simple = ("question", "background", "voting_method", "seats", "voting_params", "ballot_secrecy")
    for name in simple:
        if getattr(topic, name) != getattr(fields, name):
            setattr(topic, name, getattr(fields, name))
            changed.append(name)
    if topic.spotlight_area_id != fields.area.id:
        topic.spotlight_area = fields.area
        changed.append("spotlight_area")
    if {p.id for p in topic.practices} != {p.id for p in fields.practices}:
        topic.practices = fields.practices
        changed.append("practices")
    await record_event(
        db,
        "topic.updated",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=topic,
        changed=changed,
    )
    return topic


# --- phases --------------------------------------------------------------------------------


async def ballot_count(db: AsyncSession, topic: Topic) -> int:
    return int(await db.scalar(select(func.count()).where(Ballot.topic_id == topic.id)) or 0)


async def voting_options(db: AsyncSession, topic: Topic) -> list[str]:
    """The ids (as text) of the proposals a ballot can name: the visible ones."""
    if is_motion(topic):
        return [option for option, _label in motion_options(topic)]
    rows = await db.scalars(
        select(Proposal.id)
        .where(Proposal.topic_id == topic.id, Proposal.status == "visible")
        .order_by(Proposal.created_at, Proposal.id)
    )
    return [str(proposal_id) for proposal_id in rows.all()]


async def voting_problem(db: AsyncSession, topic: Topic) -> Any | None:
    """Why voting cannot start now (no proposals, or a set-up the real options refuse)."""
    options = await voting_options(db, topic)
    if not options:
        return _l("Voting cannot start: the topic has no visible proposals.")
    params = dict(topic.voting_params or {})
    if is_budget(topic):
        missing = await proposals_without_cost(db, topic)
        if missing:
            return _l(
                "Voting cannot start: these proposals have no cost yet: %(titles)s. "
                "Set their costs on the topic's costs page first.",
                titles=", ".join(missing),
            )
        params["costs"] = await visible_costs(db, topic)
    problem = check_voting_setup(topic.voting_method, topic.seats or 1, params, options)
    if problem:
        return _l(
            "Voting cannot start: %(reason)s. Edit the topic's voting parameters first.",
            reason=problem,
        )
    return None


# --- the schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleRow:
    phase: str
    label: Any
    starts_at: dt.datetime | None
    input_value: str
    passed: bool


def schedule_rows(
    topic: Topic, time_zone: str, now: dt.datetime | None = None
) -> list[ScheduleRow]:
    now = now or dt.datetime.now(dt.UTC)
    rows = []
    for phase in SCHEDULED_PHASES:
        moment = parse_moment((topic.phase_schedule or {}).get(phase) or "")
        rows.append(
            ScheduleRow(
                phase=phase,
                label=PHASE_LABELS[phase],
                starts_at=moment,
                input_value=to_local_input(moment, time_zone) if moment else "",
                passed=moment is not None and moment <= now,
            )
        )
    return rows


schedule_field = params_form.schedule_field


async def set_schedule(
    db: AsyncSession, topic: Topic, planned: Mapping[str, dt.datetime], actor_id: int | None
) -> None:
    """Save planned phase starts (read from the form by ``topics.forms.read_schedule``); each
    must come after the one before it."""
    errors: dict[str, Any] = {}
    schedule: dict[str, str] = {}
    last: tuple[str, dt.datetime] | None = None
    for phase in SCHEDULED_PHASES:
        moment = planned.get(phase)
        if moment is None:
            continue
        if last is not None and moment <= last[1]:
            errors[schedule_field(phase)] = _l(
                "This phase must start after “%(phase)s”.", phase=PHASE_LABELS[last[0]]
            )
            continue
        schedule[phase] = moment.astimezone(dt.UTC).isoformat()
        last = (phase, moment)
    if errors:
        raise InvalidInput(errors)
    topic.phase_schedule = schedule
    await record_event(
        db,
        "topic.schedule_changed",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=topic,
        schedule=schedule,
    )
