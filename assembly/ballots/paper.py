"""Paper ballots after entry: listed, corrected and voided while voting is open.

A paper ballot is a physical object the counting facilitators have in hand, so they may see
what it says; the list shows its marks and a short reference (the first characters of its
receipt hash), never a voter. Each correction and void is written to the audit trail with
the marks before and after, so a count can be followed from the papers to the tally.
A voided ballot is removed from the count. When its voter was named on an open ballot, the
vote record goes too, so they can vote again; a secret ballot is linked to no one, so the
voter stays recorded as having voted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.ballots.forms import check_ballot
from assembly.ballots.services import VotingClosed, ballot_options
from assembly.db.models import Ballot, BallotVoter, Topic
from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.proposals.phases import VOTING_PHASES, phase_now

REFERENCE_LENGTH = 8
MAX_REASON = 300


@dataclass(frozen=True)
class PaperBallotRow:
    id: str
    reference: str
    content: Any


def reference_of(ballot: Ballot) -> str:
    return ballot.receipt_hash[:REFERENCE_LENGTH].upper()


async def paper_ballots(db: AsyncSession, topic: Topic) -> list[PaperBallotRow]:
    """The topic's paper ballots in reference order (which says nothing of entry order)."""
    rows = await db.execute(
        select(Ballot.id, Ballot.receipt_hash, Ballot.content)
        .where(Ballot.topic_id == topic.id, Ballot.channel == "paper")
        .order_by(Ballot.receipt_hash)
    )
    return [
        PaperBallotRow(str(bid), digest[:REFERENCE_LENGTH].upper(), content)
        for bid, digest, content in rows.tuples()
    ]


async def get_paper_ballot(db: AsyncSession, topic: Topic, ballot_id: str) -> Ballot | None:
    try:
        key = uuid.UUID(ballot_id)
    except ValueError:
        return None
    ballot = await db.get(Ballot, key)
    if ballot is None or ballot.topic_id != topic.id or ballot.channel != "paper":
        return None
    return ballot


async def _require_open(db: AsyncSession, topic: Topic) -> None:
    if phase_now(topic) not in VOTING_PHASES:
        raise VotingClosed()


async def correct_paper_ballot(
    db: AsyncSession, topic: Topic, ballot: Ballot, content: Any, actor_account_id: int | None
) -> None:
    """Replace a paper ballot's marks with what the paper really says."""
    await _require_open(db, topic)
    check_ballot(await ballot_options(db, topic), content)
    before = ballot.content
    if before == content:
        return
    ballot.content = content
    await db.flush()
    await record_event(
        db,
        "ballot.corrected",
        actor_kind="account",
        actor_id=actor_account_id,
        assembly_id=topic.assembly_id,
        subject_type="topics",
        subject_id=topic.id,
        channel="paper",
        reference=reference_of(ballot),
        before=before,
        after=content,
    )


async def void_paper_ballot(
    db: AsyncSession, topic: Topic, ballot: Ballot, reason: str, actor_account_id: int | None
) -> None:
    """Take a paper ballot out of the count (entered twice, say, or not a valid paper)."""
    await _require_open(db, topic)
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": _l("The reason can have at most 300 characters.")})
    reference, content = reference_of(ballot), ballot.content
    if ballot.secrecy == "open" and ballot.participant_id is not None:
        await db.execute(
            delete(BallotVoter).where(
                BallotVoter.topic_id == topic.id,
                BallotVoter.participant_id == ballot.participant_id,
            )
        )
    await db.delete(ballot)
    await db.flush()
    await record_event(
        db,
        "ballot.voided",
        actor_kind="account",
        actor_id=actor_account_id,
        assembly_id=topic.assembly_id,
        subject_type="topics",
        subject_id=topic.id,
        channel="paper",
        reference=reference,
        content=content,
        reason=reason,
    )
