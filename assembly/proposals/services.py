"""Proposal rules: who may propose, edit, argue and react, in which phase, and what each sees.

Hidden proposals and arguments stay visible to their author with the moderator's reason, so
nobody's contribution disappears without a word; everyone else no longer sees them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, raiseload

from assembly.accounts.viewer import Viewer
from assembly.assemblies.services import get_visible_assembly, is_facilitator_of
from assembly.audit.services import record_event
from assembly.db.models import (
    REACTIONS,
    STANCES,
    Argument,
    Assembly,
    Participant,
    Proposal,
    Reaction,
    Topic,
)
from assembly.db.models.base import utcnow
from assembly.errors import InvalidInput, NotAllowed, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import LANGUAGES, _l
from assembly.participants.services import get_participant
from assembly.proposals.phases import (
    ARGUING_PHASES,
    PROPOSING_PHASES,
    REACTING_PHASES,
    phase_now,
    show_in_force,
)

TITLE_MAX = 120
BODY_MAX = 2000
ARGUMENT_MAX = 1000


@dataclass
class ArgumentView:
    id: int
    stance: str
    body: str
    author: str
    status: str
    reason: str
    mine: bool
    language: str = ""


@dataclass
class ProposalView:
    id: int
    title: str
    body: str
    author: str
    status: str
    reason: str
    mine: bool
    edited: bool
    merged_into_id: int | None = None
    merged_into_title: str = ""
    # On budget topics: the counted cost and the author's estimate.
    cost: int | None = None
    estimated_cost: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REACTIONS, 0))
    my_reaction: str | None = None
    pros: list[ArgumentView] = field(default_factory=list)
    cons: list[ArgumentView] = field(default_factory=list)
    # The language its author marked ("" for the assembly's main language).
    language: str = ""


# --- access -------------------------------------------------------------------------------


# A topic alone, for a request that needs neither its practices nor its assembly's people
# again (the assembly itself is already loaded): two queries fewer on every vote.
TOPIC_ALONE = (
    raiseload(Topic.practices),
    joinedload(Topic.assembly).raiseload(Assembly.facilitators),
)


async def get_topic(
    db: AsyncSession,
    assembly: Assembly,
    topic_slug: str,
    viewer: Viewer,
    *,
    with_practices: bool = True,
) -> Topic:
    """A topic of a visible assembly; topics still in preparation only for facilitators."""
    query = select(Topic).where(
        Topic.assembly_id == assembly.id, Topic.slug == topic_slug, Topic.kind == "topic"
    )
    if not with_practices:
        query = query.options(*TOPIC_ALONE)
    topic = await db.scalar(query)
    if topic is None:
        raise NotFound()
    show_in_force(topic)
    if topic.phase == "draft" and not is_facilitator_of(viewer, assembly):
        raise NotFound()
    return topic


async def get_visible_topic(
    db: AsyncSession, viewer: Viewer, slug: str, topic_slug: str, *, with_practices: bool = True
) -> tuple[Assembly, Topic]:
    """The assembly and topic of a page under /assemblies/{slug}/topics/{topic_slug}."""
    assembly = await get_visible_assembly(db, slug, viewer, topics=False)
    topic = await get_topic(db, assembly, topic_slug, viewer, with_practices=with_practices)
    return assembly, topic


async def require_participant(db: AsyncSession, viewer: Viewer, assembly: Assembly) -> Participant:
    """The viewer's participant in this assembly; anyone else may read but not take part."""
    participant = await get_participant(db, assembly, viewer.participant_in(assembly.id))
    if participant is None:
        raise NotAllowed("Only participants of this assembly can do this.")
    return participant


async def get_proposal(db: AsyncSession, topic: Topic, proposal_id: int) -> Proposal:
    proposal = await db.get(Proposal, proposal_id)
    if proposal is None or proposal.topic_id != topic.id:
        raise NotFound()
    return proposal


# --- validation ---------------------------------------------------------------------------


def clean_proposal(title: str, body: str) -> tuple[str, str]:
    title, body = " ".join(normalise_text(title).split()), normalise_text(body)
    errors: dict[str, Any] = {}
    if not title:
        errors["title"] = _l("Give your proposal a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l(
            "The title can have at most 120 characters; it has %(count)s.", count=len(title)
        )
    if len(body) > BODY_MAX:
        errors["body"] = _l(
            "The description can have at most 2,000 characters; it has %(count)s.",
            count=len(body),
        )
    if errors:
        raise InvalidInput(errors)
    return title, body


def clean_argument(stance: str, body: str) -> tuple[str, str]:
    body = normalise_text(body)
    errors: dict[str, Any] = {}
    if stance not in STANCES:
        errors["stance"] = _l("Choose whether this argument is for or against the proposal.")
    if not body:
        errors["argument"] = _l("Write your argument.")
    elif len(body) > ARGUMENT_MAX:
        errors["argument"] = _l(
            "An argument can have at most 1,000 characters; it has %(count)s.", count=len(body)
        )
    if errors:
        raise InvalidInput(errors)
    return stance, body


# --- actions ------------------------------------------------------------------------------


def written_language(code: str) -> str:
    """The language a citizen marked their text as; one we do not know counts as unmarked."""
    return code if code in LANGUAGES else ""


async def submit_proposal(
    db: AsyncSession,
    topic: Topic,
    participant: Participant,
    title: str,
    body: str,
    estimated_cost: int | None = None,
    *,
    language: str = "",
) -> Proposal:
    """A participant's proposal; on a budget topic it may carry the author's cost estimate."""
    if phase_now(topic) not in PROPOSING_PHASES:
        raise InvalidInput({"": _l("New proposals can only be made while proposals are open.")})
    title, body = clean_proposal(title, body)
    proposal = Proposal(
        topic_id=topic.id,
        participant_id=participant.id,
        title=title,
        body=body,
        estimated_cost=estimated_cost if topic.voting_method == "budget" else None,
        language=written_language(language),
    )
    db.add(proposal)
    await db.flush()
    await record_event(
        db,
        "proposal.created",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=proposal,
    )
    return proposal


async def edit_proposal(
    db: AsyncSession,
    topic: Topic,
    proposal: Proposal,
    participant: Participant,
    title: str,
    body: str,
    estimated_cost: int | None = None,
    *,
    language: str = "",
) -> Proposal:
    if proposal.participant_id != participant.id:
        raise NotAllowed("Only the author can edit a proposal.")
    if proposal.status == "merged":
        raise InvalidInput(
            {"": _l("This proposal was merged into another and can no longer change.")}
        )
    if phase_now(topic) not in PROPOSING_PHASES:
        raise InvalidInput({"": _l("Proposals can only be edited while proposals are open.")})
    proposal.title, proposal.body = clean_proposal(title, body)
    if topic.voting_method == "budget":
        proposal.estimated_cost = estimated_cost
    await db.flush()
    await record_event(
        db,
        "proposal.edited",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=proposal,
    )
    return proposal


def _require_open(proposal: Proposal) -> None:
    if proposal.status != "visible":
        raise InvalidInput({"": _l("This proposal is no longer open for arguments or reactions.")})


async def add_argument(
    db: AsyncSession,
    topic: Topic,
    proposal: Proposal,
    participant: Participant,
    stance: str,
    body: str,
    *,
    language: str = "",
) -> Argument:
    if phase_now(topic) not in ARGUING_PHASES:
        raise InvalidInput(
            {"": _l("Arguments can be added while proposals are open and during deliberation.")}
        )
    _require_open(proposal)
    stance, body = clean_argument(stance, body)
    argument = Argument(
        proposal_id=proposal.id,
        participant_id=participant.id,
        stance=stance,
        body=body,
        language=written_language(language),
    )
    db.add(argument)
    await db.flush()
    await record_event(
        db,
        "argument.created",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=argument,
        stance=stance,
    )
    return argument


async def get_own_argument(
    db: AsyncSession, proposal: Proposal, argument_id: int, participant: Participant
) -> Argument:
    """The participant's own argument on this proposal; 404 for any other, 403 for another's."""
    argument = await db.get(Argument, argument_id)
    if argument is None or argument.proposal_id != proposal.id:
        raise NotFound()
    if argument.participant_id != participant.id:
        raise NotAllowed("Only the author can change an argument.")
    return argument


async def _require_arguing(db: AsyncSession, topic: Topic) -> None:
    if phase_now(topic) not in ARGUING_PHASES:
        raise InvalidInput(
            {"": _l("Arguments can be changed while proposals are open and during deliberation.")}
        )


async def edit_argument(
    db: AsyncSession,
    topic: Topic,
    argument: Argument,
    participant: Participant,
    stance: str,
    body: str,
    *,
    language: str = "",
) -> Argument:
    """The author rewrites their argument (or changes its side) while arguing is open."""
    await _require_arguing(db, topic)
    argument.stance, argument.body = clean_argument(stance, body)
    await db.flush()
    await record_event(
        db,
        "argument.edited",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=argument,
        stance=argument.stance,
    )
    return argument


async def delete_argument(
    db: AsyncSession, topic: Topic, argument: Argument, participant: Participant
) -> None:
    """The author takes their argument back while arguing is open."""
    await _require_arguing(db, topic)
    argument_id = argument.id
    await db.delete(argument)
    await db.flush()
    await record_event(
        db,
        "argument.deleted",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject_type="arguments",
        subject_id=argument_id,
    )


async def react(
    db: AsyncSession, topic: Topic, proposal: Proposal, participant: Participant, reaction: str
) -> None:
    """Record or change the participant's one reaction to a proposal (an atomic upsert)."""
    if reaction not in REACTIONS:
        raise InvalidInput({"reaction": _l("Choose agree, disagree or pass.")})
    if phase_now(topic) not in REACTING_PHASES:
        raise InvalidInput(
            {"": _l("Reactions are open while proposals are open and during deliberation.")}
        )
    _require_open(proposal)
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    statement = insert(Reaction).values(
        participant_id=participant.id,
        proposal_id=proposal.id,
        reaction=reaction,
        created_at=now,
        updated_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["participant_id", "proposal_id"],
        set_={"reaction": reaction, "updated_at": now},
    )
    await db.execute(statement)
    await record_event(
        db,
        "reaction.set",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=proposal,
        reaction=reaction,
    )


# --- reading ------------------------------------------------------------------------------


async def proposal_views(
    db: AsyncSession, topic: Topic, participant_id: int | None, *, only: int | None = None
) -> list[ProposalView]:
    """The topic's proposals as the viewer may see them, with arguments and reaction counts."""
    query = (
        select(Proposal, Participant.pseudonym)
        .outerjoin(Participant, Participant.id == Proposal.participant_id)
        .where(Proposal.topic_id == topic.id)
        .order_by(Proposal.created_at, Proposal.id)
    )
    visible_to_me = Proposal.status != "hidden"
    if participant_id is not None:
        visible_to_me = or_(visible_to_me, Proposal.participant_id == participant_id)
    query = query.where(visible_to_me)
    if only is not None:
        query = query.where(Proposal.id == only)
    rows = (await db.execute(query)).all()
    titles = dict(
        (await db.execute(select(Proposal.id, Proposal.title).where(Proposal.topic_id == topic.id)))
        .tuples()
        .all()
    )
    views = {
        proposal.id: ProposalView(
            id=proposal.id,
            title=proposal.title,
            body=proposal.body,
            author=pseudonym or "",
            status=proposal.status,
            reason=proposal.moderation_reason if proposal.participant_id == participant_id else "",
            mine=participant_id is not None and proposal.participant_id == participant_id,
            edited=_edited(proposal),
            merged_into_id=proposal.merged_into_id,
            merged_into_title=titles.get(proposal.merged_into_id, "")
            if proposal.merged_into_id
            else "",
            cost=proposal.cost,
            estimated_cost=proposal.estimated_cost,
            language=proposal.language,
        )
        for proposal, pseudonym in rows
    }
    if not views:
        return []
    ids = list(views)
    counts = await db.execute(
        select(Reaction.proposal_id, Reaction.reaction, func.count())
        .where(Reaction.proposal_id.in_(ids))
        .group_by(Reaction.proposal_id, Reaction.reaction)
    )
    for proposal_id, reaction, count in counts.tuples():
        views[proposal_id].counts[reaction] = count
    if participant_id is not None:
        mine = await db.execute(
            select(Reaction.proposal_id, Reaction.reaction).where(
                Reaction.proposal_id.in_(ids), Reaction.participant_id == participant_id
            )
        )
        for proposal_id, reaction in mine.tuples():
            views[proposal_id].my_reaction = reaction
    argument_query = (
        select(Argument, Participant.pseudonym)
        .outerjoin(Participant, Participant.id == Argument.participant_id)
        .where(Argument.proposal_id.in_(ids))
        .order_by(Argument.created_at, Argument.id)
    )
    argument_visible = Argument.status != "hidden"
    if participant_id is not None:
        argument_visible = or_(argument_visible, Argument.participant_id == participant_id)
    by_proposal: dict[int, list[ArgumentView]] = defaultdict(list)
    for argument, pseudonym in (await db.execute(argument_query.where(argument_visible))).all():
        mine_argument = participant_id is not None and argument.participant_id == participant_id
        by_proposal[argument.proposal_id].append(
            ArgumentView(
                id=argument.id,
                stance=argument.stance,
                body=argument.body,
                author=pseudonym or "",
                status=argument.status,
                reason=argument.moderation_reason if mine_argument else "",
                mine=mine_argument,
                language=argument.language,
            )
        )
    for proposal_id, arguments in by_proposal.items():
        views[proposal_id].pros = [a for a in arguments if a.stance == "pro"]
        views[proposal_id].cons = [a for a in arguments if a.stance == "con"]
    return list(views.values())


async def has_hidden_items(db: AsyncSession, topic: Topic, participant_id: int) -> bool:
    """Whether a facilitator hid a proposal or argument of the participant in this topic."""
    proposals = select(Proposal.id).where(
        Proposal.topic_id == topic.id,
        Proposal.participant_id == participant_id,
        Proposal.status == "hidden",
    )
    arguments = (
        select(Argument.id)
        .join(Proposal, Proposal.id == Argument.proposal_id)
        .where(
            Proposal.topic_id == topic.id,
            Argument.participant_id == participant_id,
            Argument.status == "hidden",
        )
    )
    return bool(await db.scalar(select(proposals.exists() | arguments.exists())))


def _edited(proposal: Proposal) -> bool:
    created, updated = proposal.created_at, proposal.updated_at
    return created is not None and updated is not None and (updated - created).total_seconds() > 1


async def visible_proposal_options(db: AsyncSession, topic: Topic) -> list[tuple[str, str]]:
    """The proposals on the ballot: (id as text, title), in the order they were made."""
    rows = await db.execute(
        select(Proposal.id, Proposal.title)
        .where(Proposal.topic_id == topic.id, Proposal.status == "visible")
        .order_by(Proposal.created_at, Proposal.id)
    )
    return [(str(proposal_id), title) for proposal_id, title in rows.tuples()]
