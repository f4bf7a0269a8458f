"""Moderation rules. Every action is written to the audit log in the same transaction.

Merging and ballots: a duplicate may be merged only before voting starts and while no ballot
exists for the topic, so no ballot can ever name a proposal that was merged away and no
ballot is ever rewritten. During or after voting a merge is refused; hiding stays possible.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assembly.audit.services import record_event
from assembly.db.models import REACTIONS, Argument, Participant, Proposal, Reaction, Topic
from assembly.errors import InvalidInput, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import _l
from assembly.topics.services import VOTING_LOCKED_PHASES, ballot_count

MAX_REASON_LENGTH = 1000

MERGE_RULE = _l(
    "Merging is possible only before voting starts and while no ballot has been cast on this "
    "topic, so no ballot can name the merged proposal and ballots are never rewritten. "
    "During and after voting, hide the duplicate instead."
)
MERGE_REFUSED = _l(
    "This proposal cannot be merged: voting has started on this topic (or ballots exist). "
    "Ballots are never rewritten. You can hide the duplicate instead."
)


@dataclass
class QueueArgument:
    id: int
    stance: str
    body: str
    author: str
    status: str
    reason: str


@dataclass
class QueueItem:
    id: int
    title: str
    body: str
    author: str
    status: str
    reason: str
    merged_into_id: int | None
    merged_into_title: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REACTIONS, 0))
    arguments: list[QueueArgument] = field(default_factory=list)


@dataclass(frozen=True)
class MergeOutcome:
    moved_reactions: int
    dropped_reactions: int
    moved_arguments: int


# --- loading -------------------------------------------------------------------------------


async def get_proposal(db: AsyncSession, topic: Topic, proposal_id: int) -> Proposal:
    proposal = await db.get(Proposal, proposal_id)
    if proposal is None or proposal.topic_id != topic.id:
        raise NotFound()
    return proposal


async def get_argument(db: AsyncSession, topic: Topic, argument_id: int) -> Argument:
    argument = await db.scalar(
        select(Argument)
        .join(Proposal, Proposal.id == Argument.proposal_id)
        .where(Argument.id == argument_id, Proposal.topic_id == topic.id)
    )
    if argument is None:
        raise NotFound()
    return argument


async def moderation_queue(db: AsyncSession, topic: Topic) -> list[QueueItem]:
    """Every proposal of the topic, whatever its status, with its arguments and reactions."""
    target = aliased(Proposal)
    rows = await db.execute(
        select(Proposal, Participant.pseudonym, target.title)
        .outerjoin(Participant, Participant.id == Proposal.participant_id)
        .outerjoin(target, target.id == Proposal.merged_into_id)
        .where(Proposal.topic_id == topic.id)
        .order_by(Proposal.created_at, Proposal.id)
    )
    items = {
        proposal.id: QueueItem(
            id=proposal.id,
            title=proposal.title,
            body=proposal.body,
            author=pseudonym or "",
            status=proposal.status,
            reason=proposal.moderation_reason,
            merged_into_id=proposal.merged_into_id,
            merged_into_title=merged_title or "",
        )
        for proposal, pseudonym, merged_title in rows.tuples()
    }
    if not items:
        return []
    counts = await db.execute(
        select(Reaction.proposal_id, Reaction.reaction, func.count())
        .where(Reaction.proposal_id.in_(list(items)))
        .group_by(Reaction.proposal_id, Reaction.reaction)
    )
    for proposal_id, reaction, count in counts.tuples():
        items[proposal_id].counts[reaction] = count
    arguments: dict[int, list[QueueArgument]] = defaultdict(list)
    argument_rows = await db.execute(
        select(Argument, Participant.pseudonym)
        .outerjoin(Participant, Participant.id == Argument.participant_id)
        .where(Argument.proposal_id.in_(list(items)))
        .order_by(Argument.created_at, Argument.id)
    )
    for argument, pseudonym in argument_rows.tuples():
        arguments[argument.proposal_id].append(
            QueueArgument(
                id=argument.id,
                stance=argument.stance,
                body=argument.body,
                author=pseudonym or "",
                status=argument.status,
                reason=argument.moderation_reason,
            )
        )
    for proposal_id, listed in arguments.items():
        items[proposal_id].arguments = listed
    return list(items.values())


# --- hiding --------------------------------------------------------------------------------


def clean_reason(text: str) -> str:
    reason = normalise_text(text)
    if not reason:
        raise InvalidInput({"reason": _l("Give the reason; the author will see it.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput({"reason": _l("The reason can have at most 1,000 characters.")})
    return reason


async def hide_proposal(
    db: AsyncSession, topic: Topic, proposal: Proposal, reason: str, actor_id: int | None
) -> None:
    cleaned = clean_reason(reason)
    if proposal.status == "merged":
        raise InvalidInput({"": _l("A merged proposal cannot be hidden.")})
    proposal.status, proposal.moderation_reason = "hidden", cleaned
    await record_event(
        db,
        "moderation.proposal_hidden",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=proposal,
        reason=cleaned,
    )


async def unhide_proposal(
    db: AsyncSession, topic: Topic, proposal: Proposal, actor_id: int | None
) -> None:
    if proposal.status != "hidden":
        raise InvalidInput({"": _l("This proposal is not hidden.")})
    previous_reason = proposal.moderation_reason
    proposal.status, proposal.moderation_reason = "visible", ""
    await record_event(
        db,
        "moderation.proposal_unhidden",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=proposal,
        previous_reason=previous_reason,
    )


async def hide_argument(
    db: AsyncSession, topic: Topic, argument: Argument, reason: str, actor_id: int | None
) -> None:
    cleaned = clean_reason(reason)
    argument.status, argument.moderation_reason = "hidden", cleaned
    await record_event(
        db,
        "moderation.argument_hidden",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=argument,
        reason=cleaned,
    )


async def unhide_argument(
    db: AsyncSession, topic: Topic, argument: Argument, actor_id: int | None
) -> None:
    if argument.status != "hidden":
        raise InvalidInput({"": _l("This argument is not hidden.")})
    previous_reason = argument.moderation_reason
    argument.status, argument.moderation_reason = "visible", ""
    await record_event(
        db,
        "moderation.argument_unhidden",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=argument,
        previous_reason=previous_reason,
    )


# --- merging -------------------------------------------------------------------------------


async def merge_refusal(db: AsyncSession, topic: Topic) -> Any | None:
    """Why no proposal of this topic may be merged now, or None when merging is allowed."""
    if topic.phase in VOTING_LOCKED_PHASES or await ballot_count(db, topic) > 0:
        return MERGE_REFUSED
    return None


async def merge_candidates(db: AsyncSession, topic: Topic, duplicate: Proposal) -> list[Proposal]:
    """The proposals a duplicate can be merged into: the other visible ones."""
    rows = await db.scalars(
        select(Proposal)
        .where(
            Proposal.topic_id == topic.id,
            Proposal.status == "visible",
            Proposal.id != duplicate.id,
        )
        .order_by(Proposal.created_at, Proposal.id)
    )
    return list(rows.all())


async def merge_proposal(
    db: AsyncSession,
    topic: Topic,
    duplicate: Proposal,
    target_id: str,
    note: str,
    actor_id: int | None,
) -> MergeOutcome:
    """Merge ``duplicate`` into the proposal ``target_id``: its arguments and reactions move.

    Where one participant reacted to both, the reaction to the target is kept and the one to
    the duplicate is dropped (one person, one reaction per proposal).
    """
    refusal = await merge_refusal(db, topic)
    if refusal is not None:
        raise InvalidInput({"": refusal})
    if duplicate.status == "merged":
        raise InvalidInput({"": _l("This proposal has already been merged.")})
    target: Proposal | None = None
    if target_id.strip().isdigit():
        target = await db.get(Proposal, int(target_id))
    if (
        target is None
        or target.topic_id != topic.id
        or target.id == duplicate.id
        or target.status != "visible"
    ):
        raise InvalidInput({"target": _l("Choose the proposal to merge into from the list.")})
    note = normalise_text(note)
    if len(note) > MAX_REASON_LENGTH:
        raise InvalidInput({"reason": _l("The reason can have at most 1,000 characters.")})

    on_target = select(Reaction.participant_id).where(Reaction.proposal_id == target.id)
    dropped = await db.execute(
        delete(Reaction)
        .where(Reaction.proposal_id == duplicate.id, Reaction.participant_id.in_(on_target))
        .execution_options(synchronize_session=False)
    )
    moved = await db.execute(
        update(Reaction)
        .where(Reaction.proposal_id == duplicate.id)
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    )
    arguments = await db.execute(
        update(Argument)
        .where(Argument.proposal_id == duplicate.id)
        .values(proposal_id=target.id)
        .execution_options(synchronize_session=False)
    )
    outcome = MergeOutcome(
        moved_reactions=int(moved.rowcount or 0),  # type: ignore[attr-defined]
        dropped_reactions=int(dropped.rowcount or 0),  # type: ignore[attr-defined]
        moved_arguments=int(arguments.rowcount or 0),  # type: ignore[attr-defined]
    )
    duplicate.status = "merged"
    duplicate.merged_into_id = target.id
    duplicate.moderation_reason = note
    await record_event(
        db,
        "moderation.proposal_merged",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=duplicate,
        merged_into=target.id,
        moved_reactions=outcome.moved_reactions,
        dropped_reactions=outcome.dropped_reactions,
        moved_arguments=outcome.moved_arguments,
    )
    return outcome
