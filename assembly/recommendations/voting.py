"""Voting on an amendment or a final recommendation, through the ballot services.

Every ballot is stored, checked, sealed and published by ``assembly.ballots.services``, exactly
as a topic's: this module only finds the motion a vote page is about, says whether it is open,
and refuses a vote on a recommendation whose text is no longer the one voting opened on. The
ballot form carries the revision the voter read; a ballot is refused when that revision, the
recommendation's current one and the one its final vote opened on are not all the same.

Votes here are stored in the request's own transaction rather than through the batching vote
writer: a drafting vote has a few hundred members at most, and the request must first apply a
planned phase start (which opens or closes these votes) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots import services as ballots
from assembly.db.models import (
    Amendment,
    Assembly,
    DraftingProcess,
    Participant,
    Recommendation,
    Topic,
)
from assembly.errors import Conflict, InvalidInput, NotFound
from assembly.i18n import _l
from assembly.recommendations.amendments import get_amendment
from assembly.recommendations.motions import Verdict, verdict_of
from assembly.recommendations.phases import AMENDING_PHASES, VOTING_PHASES
from assembly.recommendations.services import get_recommendation, phase_now

ANSWERS = ("yes", "no", "abstain")


class TextChanged(Conflict):
    def __init__(self) -> None:
        super().__init__(
            {
                "": _l(
                    "This recommendation changed after voting on it opened, so this vote "
                    "cannot be counted. Read its current text and vote again."
                )
            }
        )


class VotingNotOpen(Conflict):
    def __init__(self) -> None:
        super().__init__({"": _l("Voting on this is not open.")})


@dataclass
class VoteTarget:
    """What a vote page is about: a recommendation's final vote, or one of its amendments."""

    assembly: Assembly
    recommendation: Recommendation
    amendment: Amendment | None
    topic: Topic | None

    @property
    def path(self) -> str:
        base = f"/assemblies/{self.assembly.slug}/recommendations/{self.recommendation.number}"
        return base if self.amendment is None else f"{base}/amendments/{self.amendment.number}"

    @property
    def is_final(self) -> bool:
        return self.amendment is None

    def verdict(self) -> Verdict | None:
        return verdict_of(self.topic)


async def load_target(
    db: AsyncSession, assembly: Assembly, number: int, amendment_number: int | None
) -> VoteTarget:
    recommendation = await get_recommendation(db, assembly, number)
    amendment = (
        await get_amendment(db, recommendation, amendment_number)
        if amendment_number is not None
        else None
    )
    topic_id = amendment.vote_topic_id if amendment is not None else recommendation.vote_topic_id
    topic = await db.get(Topic, topic_id) if topic_id is not None else None
    return VoteTarget(assembly, recommendation, amendment, topic)


def is_open(process: DraftingProcess, target: VoteTarget, now: dt.datetime | None = None) -> bool:
    """Whether a ballot may be cast now (by the phase in force and the motion's own phase).

    A final vote counts as open once the voting phase is in force, even if its planned start
    has not been carried out yet: the request that stores the ballot carries it out first.
    """
    phase = phase_now(process, now)
    if target.is_final:
        if phase not in VOTING_PHASES:
            return False
        return target.topic is None or target.topic.phase == "voting"
    return (
        phase in AMENDING_PHASES
        and target.topic is not None
        and target.topic.phase == "voting"
        and target.amendment is not None
        and target.amendment.status == "voting"
    )


def check_revision(target: VoteTarget, revision: int | None) -> None:
    """Refuse a ballot on a recommendation that changed since voting on it opened."""
    if not target.is_final:
        return
    recommendation = target.recommendation
    opened = recommendation.voting_revision
    if opened is None or opened != recommendation.revision:
        raise TextChanged()
    if revision is not None and revision != recommendation.revision:
        raise TextChanged()


def content_for(target: VoteTarget, answer: str) -> dict[str, str]:
    """A ballot in the engine's shape; the form sends one answer."""
    if answer not in ANSWERS:
        raise InvalidInput({"answer": _l("Choose yes, no or abstain.")})
    if target.topic is None:
        raise VotingNotOpen()
    return {target.topic.slug: answer}


def answer_of(target: VoteTarget, content: Any) -> str:
    if target.topic is None or not isinstance(content, dict):
        return ""
    return str(content.get(target.topic.slug, ""))


async def _ready(
    db: AsyncSession, process: DraftingProcess, target: VoteTarget, revision: int | None
) -> Topic:
    if not is_open(process, target):
        raise VotingNotOpen()
    check_revision(target, revision)
    if target.topic is None:
        raise VotingNotOpen()
    return target.topic


async def cast(
    db: AsyncSession,
    process: DraftingProcess,
    target: VoteTarget,
    participant: Participant,
    answer: str,
    revision: int | None,
) -> str:
    """Store a member's online ballot; its receipt code (shown once)."""
    if participant.assembly_id != target.assembly.id:
        raise NotFound()
    topic = await _ready(db, process, target, revision)
    return await ballots.cast_ballot(db, topic, participant, content_for(target, answer))


async def change(
    db: AsyncSession,
    process: DraftingProcess,
    target: VoteTarget,
    participant: Participant,
    answer: str,
    revision: int | None,
    receipt: str,
) -> None:
    """Change an open ballot in place, or replace a secret one by its receipt code."""
    topic = await _ready(db, process, target, revision)
    content = content_for(target, answer)
    if topic.ballot_secrecy == "open":
        await ballots.change_open_ballot(db, topic, participant, content)
    else:
        await ballots.replace_secret_ballot(db, topic, participant, receipt, content)


async def cast_on_paper(
    db: AsyncSession,
    process: DraftingProcess,
    target: VoteTarget,
    answer: str,
    actor_account_id: int | None,
    participant: Participant | None,
) -> str:
    """A paper ballot entered by a facilitator, exactly as the voter marked it."""
    topic = await _ready(db, process, target, None)
    content = content_for(target, answer)
    return await ballots.cast_paper_ballot(db, topic, content, actor_account_id, participant)
