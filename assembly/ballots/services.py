"""Casting, replacing, counting and publishing ballots.

Secret ballots: the ``ballots`` row has no participant and no time, its id is random, and
the ``ballot_voters`` row (with a random id too, so its order says nothing either) is all
that records who voted. The voter gets a receipt code (80 random bits, shown once); only its
SHA-256 is stored. Until the seal the ballot's id is derived from the voter record's under a
server key (``binding``), so the voter alone, signed in, can replace it (with the receipt) or
get a new receipt; the receipt then proves that the ballot was included and counted.

Open ballots carry their participant and are changed in place until voting closes.

After the close, ``seal_ballots`` (run by ``publish_ballots``) rewrites the secret ballots and
the voter records in one transaction and in random order, so PostgreSQL's per-row transaction
ids and row order no longer pair them up (the old row versions remain until it vacuums them).

Double voting: the ``ballot_voters`` row is inserted first, inside the transaction that
then stores the ballot. Its unique (topic, participant) constraint decides between two
simultaneous submissions on SQLite and PostgreSQL alike; the loser rolls back entirely.

Counting: the options are the topic's visible proposals. A mark given to a proposal that was
later merged counts for the proposal it was merged into, unless the ballot marks that
proposal directly, in which case the direct mark counts; marks for hidden proposals are
left out. Ballots the engine still cannot count (parameters changed after they were cast)
are set aside and reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.ballots.binding import ballot_id_for, voter_ref
from assembly.ballots.forms import BallotOptions, check_ballot, options_for
from assembly.ballots.motions import is_motion, motion_options
from assembly.budgets.services import is_budget, visible_costs
from assembly.db.models import AuditEvent, Ballot, BallotVoter, Participant, Proposal, Topic
from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.invitations.services import generate_code, normalise_code
from assembly.proposals.phases import VOTING_PHASES
from assembly.proposals.services import TOPIC_ALONE, visible_proposal_options
from assembly.topics.locking import lock_topic
from assembly.topics.phases import phase_now
from assembly.voting import (
    METHODS,
    InvalidBallot,
    InvalidParameters,
    TallyResult,
    tally,
    validate_ballot,
)

RANDOM_ID_LIMIT = 2**62
MALFORMED_RECEIPT = _l(
    "This does not look like a receipt code. A code has 16 letters and digits, "
    "for example ABCD-EFGH-JKMN-PQRS."
)


class VotingClosed(InvalidInput):
    def __init__(self) -> None:
        super().__init__({"": _l("Voting on this topic is not open.")})


class NotYourBallot(InvalidInput):
    """A receipt for a ballot other than the signed-in voter's own: refused, nothing changed."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            {
                "receipt": _l(
                    "This receipt code is not for your ballot. A ballot can be changed only by "
                    "the person who cast it, signed in as themselves. Nothing was changed."
                )
            }
        )


class AlreadyVoted(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            {"": _l("You have already voted on this topic. You can change your vote below.")}
        )


@dataclass
class CountedBallots:
    """Exactly what a count reads: the options, the ballots after merges, and what was set aside."""

    options: list[str]
    ballots: list[Any]
    channels: dict[str, int] = field(default_factory=dict)
    set_aside: int = 0
    # The parameters counted with: the topic's, with a budget's costs from its proposals.
    params: dict[str, Any] = field(default_factory=dict)


# --- receipts -----------------------------------------------------------------------------


def new_receipt() -> str:
    """80 random bits in the same easy-to-copy form as invite codes (XXXX-XXXX-XXXX-XXXX)."""
    return generate_code()


def receipt_hash(code: str) -> str | None:
    """SHA-256 (hex) of the code written in capitals without dashes; None if not a code."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


# --- options ------------------------------------------------------------------------------


async def ballot_options(db: AsyncSession, topic: Topic) -> BallotOptions:
    """The ballot of a topic: its visible proposals (a motion's one option), with the method's
    display parameters."""
    if is_motion(topic):
        return options_for(topic, motion_options(topic))
    items = await visible_proposal_options(db, topic)
    if is_budget(topic):
        costs = await visible_costs(db, topic)
        return options_for(topic, items, costs, topic.assembly.currency)
    return options_for(topic, items)


async def option_titles(db: AsyncSession, topic: Topic) -> dict[str, str]:
    """Every proposal of the topic by id (as text), to name options in results."""
    if is_motion(topic):
        return dict(motion_options(topic))
    rows = await db.execute(
        select(Proposal.id, Proposal.title).where(Proposal.topic_id == topic.id)
    )
    return {str(proposal_id): title for proposal_id, title in rows.tuples()}


async def _check(db: AsyncSession, topic: Topic, content: Any) -> None:
    if await _locked_phase(db, topic) not in VOTING_PHASES:
        raise VotingClosed()
    check_ballot(await ballot_options(db, topic), content)


async def _locked_phase(db: AsyncSession, topic: Topic) -> str:
    """The topic's phase in force by time, read again under the row lock a close also takes
    (see ``assembly.topics.locking``), so no ballot enters a topic whose close has committed.

    Writers never move the phase themselves (``assembly.topics.lifecycle`` does): a vote that
    arrives after the planned close is refused by time, before the move has been written.
    """
    await lock_topic(db, topic, to_change=False)
    return phase_now(topic)


def scheduled_phase(topic: Topic, now: dt.datetime | None = None) -> str:
    """The phase in force now (``assembly.topics.phases``); nothing is written."""
    return phase_now(topic, now)


async def check_online_ballot(
    db: AsyncSession,
    topic: Topic,
    participant: Participant,
    content: Any,
    options: BallotOptions | None = None,
) -> None:
    """Everything ``cast_ballot`` checks before it stores, without writing anything."""
    if participant.assembly_id != topic.assembly_id:
        raise InvalidInput({"": _l("You do not take part in this assembly.")})
    if scheduled_phase(topic) not in VOTING_PHASES:
        raise VotingClosed()
    check_ballot(options if options is not None else await ballot_options(db, topic), content)


async def _claim_vote(db: AsyncSession, topic: Topic, participant: Participant) -> int:
    return await _claim_vote_of(db, topic.id, participant.id)


def _random_id() -> int:
    return secrets.randbelow(RANDOM_ID_LIMIT) + 1


async def _claim_vote_of(db: AsyncSession, topic_id: int, participant_id: int) -> int:
    """Record the vote; the voter row's random id, from which the ballot's id is derived."""
    voter_id = _random_id()
    statement = insert(BallotVoter).values(
        id=voter_id, topic_id=topic_id, participant_id=participant_id
    )
    try:
        async with db.begin_nested():
            await db.execute(statement)
    except IntegrityError as exc:
        raise AlreadyVoted() from exc
    return voter_id


def _ballot_values(
    topic: Topic,
    content: Any,
    hashed: str | None,
    channel: str,
    participant_id: int | None,
    voter_id: int | None = None,
) -> dict[str, Any]:
    """A ballot row: an open ballot names its voter and time, a secret one neither; a
    ballot whose voter is known gets the id bound to their voter record (see ``binding``)."""
    is_open = topic.ballot_secrecy == "open"
    return {
        "id": ballot_id_for(topic.id, voter_id) if voter_id is not None else uuid.uuid4(),
        "topic_id": topic.id,
        "content": content,
        "receipt_hash": hashed,
        "channel": channel,
        "secrecy": "open" if is_open else "secret",
        "participant_id": participant_id if is_open else None,
        "cast_at": dt.datetime.now(dt.UTC) if is_open else None,
    }


def _new_ballot(
    topic: Topic,
    content: Any,
    code: str,
    channel: str,
    participant_id: int | None,
    voter_id: int | None = None,
) -> Ballot:
    values = _ballot_values(topic, content, receipt_hash(code), channel, participant_id, voter_id)
    return Ballot(**values)


# --- casting ------------------------------------------------------------------------------


async def cast_ballot(
    db: AsyncSession, topic: Topic, participant: Participant, content: Any
) -> str:
    """Store a participant's online ballot; returns the receipt code (shown once)."""
    if participant.assembly_id != topic.assembly_id:
        raise InvalidInput({"": _l("You do not take part in this assembly.")})
    await _check(db, topic, content)
    voter_id = await _claim_vote(db, topic, participant)
    code = new_receipt()
    _add_online_ballot(db, topic, participant.id, voter_id, content, code)
    await db.flush()
    return code


def _add_online_ballot(
    db: AsyncSession, topic: Topic, participant_id: int, voter_id: int, content: Any, code: str
) -> None:
    """The ballot row and its audit record; the caller has claimed the vote."""
    values = _ballot_values(topic, content, receipt_hash(code), "online", participant_id, voter_id)
    db.add(Ballot(**values))
    db.add(AuditEvent(**_cast_event(topic, participant_id, voter_id, values)))


def _cast_event(
    topic: Topic, participant_id: int, voter_id: int, ballot: dict[str, Any]
) -> dict[str, Any]:
    """The audit record of an online ballot; a secret one does not name its voter, only the
    reference that tells them when it was stored (and that the seal makes meaningless)."""
    is_open = ballot["secrecy"] == "open"
    details: dict[str, Any] = {"channel": "online", "secrecy": ballot["secrecy"]}
    if not is_open:
        details["voter_ref"] = voter_ref(topic.id, voter_id)
    return {
        "action": "ballot.cast",
        "actor_kind": "participant",
        "actor_id": participant_id if is_open else None,
        "assembly_id": topic.assembly_id,
        "subject_type": "topics",
        "subject_id": str(topic.id),
        "details": details,
    }


@dataclass(frozen=True)
class QueuedBallot:
    """An online ballot checked by its request and waiting to be stored.

    Its receipt is drawn and hashed when it is queued, so the batch's transaction spends
    no time on it.
    """

    topic_id: int
    participant_id: int
    content: Any
    receipt: str = field(default_factory=new_receipt)
    hashed: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hashed", receipt_hash(self.receipt))


async def store_online_ballots(
    db: AsyncSession, queued: Sequence[QueuedBallot]
) -> list[str | InvalidInput]:
    """Store several checked online ballots in the caller's transaction.

    Returns, in order, each ballot's receipt code or the error that kept it out. The phase and
    the options are checked again here, once per topic, because they may have changed since
    the request checked them. The votes are claimed with one insert that skips those already
    recorded (a duplicate fails alone with ``AlreadyVoted``); the ballot rows and their audit
    records are then added with one insert each, the ballots in random order, so their order
    in storage does not follow the order of the voter records.
    """
    topics: dict[int, Topic | InvalidInput] = {}
    options: dict[int, BallotOptions] = {}
    outcomes: list[str | InvalidInput] = []
    # Topics are locked in id order, so two batches never wait for each other in a circle.
    for topic_id in sorted({item.topic_id for item in queued}):
        topic = await db.get(Topic, topic_id, options=TOPIC_ALONE)
        if topic is None or await _locked_phase(db, topic) not in VOTING_PHASES:
            topics[topic_id] = VotingClosed()
        else:
            topics[topic_id] = topic
            options[topic_id] = await ballot_options(db, topic)
    checked: dict[tuple[int, int], tuple[int, Topic, QueuedBallot]] = {}
    for item in queued:
        found = topics[item.topic_id]
        if isinstance(found, InvalidInput):
            outcomes.append(found)
            continue
        try:
            check_ballot(options[item.topic_id], item.content)
        except InvalidInput as exc:
            outcomes.append(exc)
            continue
        voter = (found.id, item.participant_id)
        if voter in checked:  # the same person twice in one batch: the first one counts
            outcomes.append(AlreadyVoted())
            continue
        checked[voter] = (len(outcomes), found, item)
        outcomes.append(item.receipt)
    claimed = await _claim_votes(db, list(checked))
    accepted: list[tuple[Topic, QueuedBallot, int]] = []
    for voter, (index, topic, item) in checked.items():
        if voter in claimed:
            accepted.append((topic, item, claimed[voter]))
        else:
            outcomes[index] = AlreadyVoted()
    if accepted:
        secrets.SystemRandom().shuffle(accepted)
        ballots = [
            _ballot_values(t, i.content, i.hashed, "online", i.participant_id, v)
            for t, i, v in accepted
        ]
        await db.execute(insert(Ballot), ballots)
        events = [
            _cast_event(t, i.participant_id, v, b)
            for (t, i, v), b in zip(accepted, ballots, strict=True)
        ]
        await db.execute(insert(AuditEvent), events)
    return outcomes


async def _claim_votes(
    db: AsyncSession, voters: list[tuple[int, int]]
) -> dict[tuple[int, int], int]:
    """Record these (topic, participant) votes; the ones recorded now (not before), each
    with the random id of its voter row.

    One insert that skips conflicts on the unique (topic, participant) pair. Should it fail
    otherwise (a participant removed meanwhile), each vote is claimed alone, so one bad vote
    does not take the batch with it.
    """
    if not voters:
        return {}
    ids = {voter: _random_id() for voter in voters}
    rows = [{"id": ids[(t, p)], "topic_id": t, "participant_id": p} for t, p in voters]
    dialect = db.get_bind().dialect.name
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        upsert(BallotVoter)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["topic_id", "participant_id"])
        .returning(BallotVoter.topic_id, BallotVoter.participant_id)
    )
    try:
        async with db.begin_nested():
            return {(t, p): ids[(t, p)] for t, p in (await db.execute(statement)).tuples()}
    except IntegrityError:
        claimed = {}
        for topic_id, participant_id in voters:
            try:
                claimed[(topic_id, participant_id)] = await _claim_vote_of(
                    db, topic_id, participant_id
                )
            except (AlreadyVoted, IntegrityError):
                continue
        return claimed


async def cast_paper_ballot(
    db: AsyncSession,
    topic: Topic,
    content: Any,
    actor_account_id: int | None,
    participant: Participant | None = None,
) -> str:
    """Store a ballot entered from paper by a facilitator; returns its receipt code.

    When the voter is named, their vote is recorded as for an online ballot (so they cannot
    also vote online); an open ballot then carries their participant.
    """
    if participant is not None and participant.assembly_id != topic.assembly_id:
        raise InvalidInput({"participant": _l("This person does not take part in this assembly.")})
    await _check(db, topic, content)
    voter_id = await _claim_vote(db, topic, participant) if participant is not None else None
    code = new_receipt()
    ballot = _new_ballot(
        topic, content, code, "paper", participant.id if participant is not None else None, voter_id
    )
    db.add(ballot)
    await db.flush()
    await record_event(
        db,
        "ballot.cast",
        actor_kind="account",
        actor_id=actor_account_id,
        assembly_id=topic.assembly_id,
        subject_type="topics",
        subject_id=topic.id,
        channel="paper",
        secrecy=ballot.secrecy,
    )
    return code


async def voter_record(db: AsyncSession, topic: Topic, participant_id: int) -> BallotVoter | None:
    return await db.scalar(
        select(BallotVoter).where(
            BallotVoter.topic_id == topic.id, BallotVoter.participant_id == participant_id
        )
    )


async def own_ballot(db: AsyncSession, topic: Topic, participant: Participant) -> Ballot | None:
    """The participant's own ballot on the topic, found through their voter record while the
    ballots are not sealed (an open ballot also by its participant); None after the seal."""
    voter = await voter_record(db, topic, participant.id)
    if voter is None:
        return None
    ballot = await db.get(Ballot, ballot_id_for(topic.id, voter.id))
    if ballot is None and topic.ballot_secrecy == "open":
        ballot = await open_ballot_of(db, topic, participant)
    return ballot


async def replace_secret_ballot(
    db: AsyncSession, topic: Topic, participant: Participant, receipt_code: str, content: Any
) -> None:
    """Replace a secret ballot while voting is open: the receipt must be the one of the
    signed-in participant's own ballot, so a receipt held by someone else changes nothing."""
    await _check(db, topic, content)
    if not receipt_code.strip():
        raise InvalidInput({"receipt": _l("Enter the receipt code you were given when you voted.")})
    digest = receipt_hash(receipt_code)
    if digest is None:
        raise InvalidInput({"receipt": MALFORMED_RECEIPT})
    ballot = await db.scalar(
        select(Ballot).where(
            Ballot.topic_id == topic.id,
            Ballot.receipt_hash == digest,
            Ballot.secrecy == "secret",
        )
    )
    if ballot is None:
        raise InvalidInput(
            {
                "receipt": _l(
                    "No ballot on this topic has this receipt code. Check the code you were given."
                )
            }
        )
    voter = await voter_record(db, topic, participant.id)
    if voter is None or ballot.id != ballot_id_for(topic.id, voter.id):
        raise NotYourBallot()
    ballot.content = content
    await db.flush()
    await record_event(
        db,
        "ballot.replaced",
        actor_kind="participant",
        actor_id=None,
        assembly_id=topic.assembly_id,
        subject_type="topics",
        subject_id=topic.id,
        secrecy="secret",
        voter_ref=voter_ref(topic.id, voter.id),
    )


async def open_ballot_of(db: AsyncSession, topic: Topic, participant: Participant) -> Ballot | None:
    return await db.scalar(
        select(Ballot).where(
            Ballot.topic_id == topic.id,
            Ballot.participant_id == participant.id,
            Ballot.secrecy == "open",
        )
    )


async def change_open_ballot(
    db: AsyncSession, topic: Topic, participant: Participant, content: Any
) -> None:
    """Change a participant's open ballot in place, while voting is open."""
    await _check(db, topic, content)
    ballot = await open_ballot_of(db, topic, participant)
    if ballot is None:
        raise InvalidInput({"": _l("You have no open ballot on this topic to change.")})
    ballot.content = content
    ballot.cast_at = dt.datetime.now(dt.UTC)
    await db.flush()
    await record_event(
        db,
        "ballot.changed",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=topic.assembly_id,
        subject=ballot,
        secrecy="open",
    )


async def has_voted(db: AsyncSession, topic: Topic, participant_id: int | None) -> bool:
    if participant_id is None:
        return False
    found = await db.scalar(
        select(BallotVoter.id).where(
            BallotVoter.topic_id == topic.id, BallotVoter.participant_id == participant_id
        )
    )
    return found is not None


# --- counting -----------------------------------------------------------------------------


def _merge_targets(proposals: list[tuple[int, str, int | None]]) -> dict[str, str]:
    """Each proposal id (as text) to the visible proposal its marks count for, if any."""
    status = {pid: (st, into) for pid, st, into in proposals}
    targets: dict[str, str] = {}
    for pid in status:
        current, seen = pid, set()
        while current in status and status[current][0] == "merged" and current not in seen:
            seen.add(current)
            into = status[current][1]
            if into is None:
                break
            current = into
        if current in status and status[current][0] == "visible":
            targets[str(pid)] = str(current)
    return targets


def _remap(kind: str, content: Any, targets: dict[str, str]) -> Any:
    if kind in ("ranking", "approval"):
        if not isinstance(content, list):
            return content
        mapped = [targets[o] for o in content if isinstance(o, str) and o in targets]
        return list(dict.fromkeys(mapped))
    if not isinstance(content, dict):
        return content
    # Direct marks first, so they win over marks that arrive through a merge.
    result: dict[str, Any] = {}
    direct = {o: v for o, v in content.items() if targets.get(o) == o}
    result.update(direct)
    for option, value in content.items():
        target = targets.get(option)
        if target is not None and target not in result:
            result[target] = value
    return result


async def option_targets(db: AsyncSession, topic: Topic) -> dict[str, str]:
    """Each option a ballot may name (as text) to the option its mark counts for."""
    if is_motion(topic):
        return {option: option for option, _label in motion_options(topic)}
    proposals = (
        (
            await db.execute(
                select(Proposal.id, Proposal.status, Proposal.merged_into_id).where(
                    Proposal.topic_id == topic.id
                )
            )
        )
        .tuples()
        .all()
    )
    return _merge_targets(list(proposals))


async def countable(db: AsyncSession, topic: Topic, content: Any) -> bool:
    """Whether a count of this topic counts this ballot (rather than setting it aside)."""
    on_ballot = await ballot_options(db, topic)
    info = METHODS.get(topic.voting_method)
    ballot = _remap(info.ballot if info else "approval", content, await option_targets(db, topic))
    try:
        validate_ballot(
            topic.voting_method,
            on_ballot.ids,
            ballot,
            seats=topic.seats or 1,
            **dict(on_ballot.raw_params),
        )
    except (InvalidBallot, InvalidParameters):
        return False
    return True


async def counted_ballots(db: AsyncSession, topic: Topic) -> CountedBallots:
    """The options and ballots a count of this topic reads (for results and exports)."""
    on_ballot = await ballot_options(db, topic)
    options = on_ballot.ids
    targets = await option_targets(db, topic)
    info = METHODS.get(topic.voting_method)
    kind = info.ballot if info else "approval"
    rows = (
        (
            await db.execute(
                select(Ballot.content, Ballot.channel)
                .where(Ballot.topic_id == topic.id)
                .order_by(Ballot.receipt_hash)
            )
        )
        .tuples()
        .all()
    )
    params = dict(on_ballot.raw_params)
    counted = CountedBallots(
        options=options, ballots=[], channels={"online": 0, "paper": 0}, params=params
    )
    for content, channel in rows:
        ballot = _remap(kind, content, targets)
        try:
            validate_ballot(topic.voting_method, options, ballot, seats=topic.seats or 1, **params)
        except (InvalidBallot, InvalidParameters):
            counted.set_aside += 1
            continue
        counted.ballots.append(ballot)
        counted.channels[channel] = counted.channels.get(channel, 0) + 1
    return counted


async def compute_result(db: AsyncSession, topic: Topic) -> TallyResult:
    """Count every ballot of the topic with its method, parameters and seats."""
    return result_of(topic, await counted_ballots(db, topic))


def result_of(topic: Topic, counted: CountedBallots) -> TallyResult:
    """The tally of ballots already read by ``counted_ballots`` (so a page reads them once)."""
    if not counted.options:
        return TallyResult(
            method=topic.voting_method,
            winners=[],
            ranking=[],
            explanation={"ballots": len(counted.ballots)},
            params=dict(counted.params or topic.voting_params or {}),
        )
    return tally(
        topic.voting_method,
        counted.options,
        counted.ballots,
        seats=topic.seats or 1,
        **dict(counted.params or topic.voting_params or {}),
    )


def stored_counts(topic: Topic) -> tuple[dict[str, int], int] | None:
    """The ballots per channel and the number set aside, as recorded with the published tally."""
    counted = topic.published_counts
    if not isinstance(counted, dict) or not isinstance(counted.get("channels"), dict):
        return None
    channels = {str(k): int(v) for k, v in counted["channels"].items()}
    return channels, int(counted.get("set_aside", 0))


def stored_result(topic: Topic) -> TallyResult | None:
    """The tally recorded when the results were published, if any."""
    data = topic.published_result
    if not data or not isinstance(data, dict) or "winners" not in data:
        return None
    return TallyResult(
        method=str(data.get("method", topic.voting_method)),
        winners=list(data.get("winners", [])),
        ranking=[list(tier) for tier in data.get("ranking", [])],
        explanation=dict(data.get("explanation", {})),
        params=dict(data.get("params", {})),
    )


# --- publishing ---------------------------------------------------------------------------


async def seal_ballots(db: AsyncSession, topic: Topic) -> None:
    """Rewrite the topic's secret ballots and its voter records together, in random order.

    On PostgreSQL every row carries the id of the transaction that wrote it (``xmin``) and
    sits in the order it was written (``ctid``): while voting is open, a ballot and its voter
    record share a transaction id. Once voting has closed, rewriting both sets in one
    transaction and in shuffled order leaves nothing in the storage that pairs them up.
    SQLite keeps no such trace (ballots are WITHOUT ROWID, voter ids are random).
    """
    shuffle = secrets.SystemRandom().shuffle
    for table, condition, fresh_id in (
        (
            cast(Table, Ballot.__table__),
            (Ballot.topic_id == topic.id) & (Ballot.secrecy == "secret"),
            uuid.uuid4,
        ),
        (cast(Table, BallotVoter.__table__), BallotVoter.topic_id == topic.id, _random_id),
    ):
        rows = [dict(row) for row in (await db.execute(select(table).where(condition))).mappings()]
        if not rows:
            continue
        # Fresh random ids: the ballot's id was derived from its voter record's (``binding``).
        for row in rows:
            row["id"] = fresh_id()
        shuffle(rows)
        await db.execute(delete(table).where(condition))
        await db.execute(insert(table), rows)
    await db.flush()


async def publish_ballots(
    db: AsyncSession, topic: Topic, actor_account_id: int | None = None
) -> None:
    """Publish the topic's ballots anonymised, and record the tally they give, after the close."""
    if phase_now(topic) not in ("closed", "published"):
        raise InvalidInput({"": _l("Ballots can be published once voting has closed.")})
    await seal_ballots(db, topic)
    topic.ballots_published = True
    counted = await counted_ballots(db, topic)
    topic.published_result = result_of(topic, counted).to_dict()
    topic.published_counts = {"channels": counted.channels, "set_aside": counted.set_aside}
    await db.flush()
    await record_event(
        db,
        "ballots.published",
        actor_kind="account" if actor_account_id is not None else "system",
        actor_id=actor_account_id,
        assembly_id=topic.assembly_id,
        subject=topic,
    )
