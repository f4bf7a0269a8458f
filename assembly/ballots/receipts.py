"""What a receipt shows, to its voter and to whoever holds it.

To the voter, in their own session and before the seal: when their vote was stored, and a new
receipt if the answer to their vote was lost. Both go through the link from the voter record
to the ballot (``binding``), which exists only until the seal.

To whoever holds it, after publication: that the ballot is included and counted, by its hash
and its place in the published list of receipt hashes, and nothing of its content. So the
published ballots are two lists that do not pair up: the receipt hashes, sorted, and the
ballots' contents, in an order of their own (sorted by content). A receipt, handed to a buyer,
proves that a ballot was cast, not how. A topic with fewer than k ballots (the small-cell
threshold ``DEFAULT_K`` that every public count uses) publishes no ballot one by one, only the
totals, since one of very few ballots is too easily tied to the few who cast them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.ballots.binding import voter_ref
from assembly.ballots.services import (
    CountedBallots,
    VotingClosed,
    _locked_phase,
    countable,
    counted_ballots,
    new_receipt,
    own_ballot,
    receipt_hash,
    voter_record,
)
from assembly.db.models import AuditEvent, Ballot, Participant, Topic
from assembly.errors import InvalidInput
from assembly.exports.privacy import DEFAULT_K
from assembly.i18n import _l
from assembly.proposals.phases import VOTING_PHASES

# The audit records that store or change a secret ballot, with the voter's reference.
STORING_ACTIONS = ("ballot.cast", "ballot.replaced", "ballot.receipt_renewed")


class NoBallotToRenew(InvalidInput):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            {"": _l("There is no ballot of yours on this topic that can get a new receipt.")}
        )


async def stored_at(db: AsyncSession, topic: Topic, participant: Participant) -> dt.datetime | None:
    """When the participant's vote on the topic was last stored; None if unknown (no vote,
    a paper ballot, or the ballots are sealed)."""
    ballot = await own_ballot(db, topic, participant)
    if ballot is None:
        return None
    if ballot.secrecy == "open":
        return ballot.cast_at
    voter = await voter_record(db, topic, participant.id)
    if voter is None:
        return None
    ref = voter_ref(topic.id, voter.id)
    rows = await db.execute(
        select(AuditEvent.created_at, AuditEvent.details).where(
            AuditEvent.assembly_id == topic.assembly_id,
            AuditEvent.action.in_(STORING_ACTIONS[:2]),
            AuditEvent.subject_type == "topics",
            AuditEvent.subject_id == str(topic.id),
        )
    )
    times = [at for at, details in rows.tuples() if (details or {}).get("voter_ref") == ref]
    return max(times) if times else None


async def renew_receipt(db: AsyncSession, topic: Topic, participant: Participant) -> str:
    """A new receipt code for the participant's own ballot, while voting is open.

    The ballot stays exactly as it is; the old code stops working, since only the new code's
    hash is kept. For a voter whose vote was stored but whose answer (with the code) was lost.
    """
    if await _locked_phase(db, topic) not in VOTING_PHASES:
        raise VotingClosed()
    ballot = await own_ballot(db, topic, participant)
    voter = await voter_record(db, topic, participant.id)
    if ballot is None or voter is None:
        raise NoBallotToRenew()
    code = new_receipt()
    ballot.receipt_hash = receipt_hash(code) or ""
    await db.flush()
    is_open = ballot.secrecy == "open"
    extra = {} if is_open else {"voter_ref": voter_ref(topic.id, voter.id)}
    await record_event(
        db,
        "ballot.receipt_renewed",
        actor_kind="participant",
        actor_id=participant.id if is_open else None,
        assembly_id=topic.assembly_id,
        subject_type="topics",
        subject_id=topic.id,
        secrecy=ballot.secrecy,
        channel=ballot.channel,
        **extra,
    )
    return code


# --- after publication --------------------------------------------------------------------


def individual_ballots_withheld(count: int, k: int = DEFAULT_K) -> bool:
    """Whether a topic with ``count`` ballots publishes totals only (from 1 to k - 1)."""
    return 0 < count < k


def _canonical(content: Any) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


@dataclass
class PublicBallots:
    """What the public sees of a topic's ballots once they are published."""

    receipts: list[str] = field(default_factory=list)  # receipt hashes, sorted
    as_cast: list[Any] = field(default_factory=list)  # contents, sorted by content
    counted: CountedBallots | None = None  # what the count read (its ballots sorted likewise)
    withheld: bool = False
    k: int = DEFAULT_K


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt found among the published ones: its hash and place, never its content."""

    receipt_hash: str
    position: int  # 1-based, in the sorted list of receipt hashes
    total: int
    counted: bool


async def _receipt_hashes(db: AsyncSession, topic: Topic) -> list[str]:
    rows = await db.scalars(
        select(Ballot.receipt_hash).where(Ballot.topic_id == topic.id).order_by(Ballot.receipt_hash)
    )
    return list(rows.all())


async def public_ballots(db: AsyncSession, topic: Topic, k: int = DEFAULT_K) -> PublicBallots:
    """The published ballots: receipt hashes and contents as two unpaired lists, or the
    hashes alone when there are fewer than k ballots. Empty before publication."""
    if not topic.ballots_published:
        return PublicBallots(k=k)
    receipts = await _receipt_hashes(db, topic)
    withheld = individual_ballots_withheld(len(receipts), k)
    counted = await counted_ballots(db, topic)
    if withheld:
        counted.ballots = []
        return PublicBallots(receipts=receipts, counted=counted, withheld=True, k=k)
    counted.ballots.sort(key=_canonical)
    contents = await db.scalars(select(Ballot.content).where(Ballot.topic_id == topic.id))
    as_cast = sorted(contents.all(), key=_canonical)
    return PublicBallots(receipts=receipts, as_cast=as_cast, counted=counted, k=k)


async def check_receipt(db: AsyncSession, topic: Topic, receipt_code: str) -> ReceiptCheck | None:
    """Whether a receipt's ballot is among the published ones and was counted; None if not."""
    digest = receipt_hash(receipt_code)
    if digest is None or not topic.ballots_published:
        return None
    receipts = await _receipt_hashes(db, topic)
    if digest not in receipts:
        return None
    content = await db.scalar(
        select(Ballot.content).where(Ballot.topic_id == topic.id, Ballot.receipt_hash == digest)
    )
    counted = await counted_ballots(db, topic)
    # Counted unless set aside: the count sets aside only ballots it cannot read.
    is_counted = counted.set_aside == 0 or await countable(db, topic, content)
    return ReceiptCheck(digest, receipts.index(digest) + 1, len(receipts), is_counted)
