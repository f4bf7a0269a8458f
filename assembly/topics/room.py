"""In the room: what the projector shows, and ballots and voters entered from paper.

Paper ballots go through the same checks and storage as online ones (the ballots package);
this module only names the voter when there is one, and counts what is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.ballots import services as ballots
from assembly.ballots.forms import ParsedBallot, is_blank
from assembly.db.models import Assembly, Ballot, BallotVoter, Participant, Topic
from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.proposals.pages import result_view
from assembly.proposals.phases import PHASE_LABELS
from assembly.proposals.services import proposal_views
from assembly.topics.services import ballot_count


class PaperBallotError(InvalidInput):
    """A paper ballot that cannot be stored, with what was entered so it can be corrected."""

    def __init__(self, errors: Mapping[str, Any], values: dict[str, Any]) -> None:
        super().__init__(errors)
        self.values = values


# --- the present view ------------------------------------------------------------------------


async def present_context(
    db: AsyncSession, assembly: Assembly, topic: Topic, *, facilitating: bool
) -> dict[str, Any]:
    """Phase, visible proposals with their reactions, and the result once it may be shown.

    Results appear for everyone once published; facilitators see them from the close, so they
    can check them on the big screen before publishing.
    """
    phase = topic.phase
    proposals = [view for view in await proposal_views(db, topic, None) if view.status == "visible"]
    shows_results = phase == "published" or (facilitating and phase == "closed")
    participants = await db.scalar(
        select(func.count()).select_from(Participant).where(Participant.assembly_id == assembly.id)
    )
    return {
        "assembly": assembly,
        "topic": topic,
        "phase": phase,
        "phase_label": PHASE_LABELS[phase],
        "proposals": proposals,
        "ballots": await ballot_count(db, topic),
        "participants": int(participants or 0),
        "result": await result_view(db, topic, phase) if shows_results else None,
        "facilitating": facilitating,
    }


# --- paper ballots and paper voters ------------------------------------------------------------


async def paper_voters(db: AsyncSession, assembly: Assembly, topic: Topic) -> list[Participant]:
    """Participants registered on paper who have not voted on this topic yet."""
    voted = exists().where(
        BallotVoter.topic_id == topic.id, BallotVoter.participant_id == Participant.id
    )
    query = (
        select(Participant)
        .where(
            Participant.assembly_id == assembly.id,
            Participant.channel == "paper",
            ~voted,
        )
        .order_by(Participant.pseudonym)
    )
    return list((await db.scalars(query)).all())


async def paper_ballot_count(db: AsyncSession, topic: Topic) -> int:
    found = await db.scalar(
        select(func.count()).where(Ballot.topic_id == topic.id, Ballot.channel == "paper")
    )
    return int(found or 0)


async def store_paper_ballot(
    db: AsyncSession,
    topic: Topic,
    parsed: ParsedBallot,
    participant_field: str,
    actor_id: int | None,
    *,
    blank: bool = False,
) -> None:
    """Store one paper ballot as entered (read from the form by ``parse_ballot``); ``blank``
    records a paper with no marks at all, which counts as a ballot cast (an empty form without
    it is taken for a slip). ``participant_field`` is the voter chosen from the list, if any."""
    values = {**parsed.values, "participant": participant_field}
    if blank and not is_blank(parsed.content):
        raise PaperBallotError(
            {
                "ballot": _l(
                    "This ballot has marks, so it is not blank. Store it with "
                    "“Store the paper ballot”, or clear the marks first."
                )
            },
            values,
        )
    participant: Participant | None = None
    if participant_field:
        if participant_field.isdigit():
            participant = await db.get(Participant, int(participant_field))
        if participant is None or participant.assembly_id != topic.assembly_id:
            raise PaperBallotError(
                {"participant": _l("Choose a voter from the list, or no one.")}, values
            )
    try:
        await ballots.cast_paper_ballot(db, topic, parsed.content, actor_id, participant)
    except InvalidInput as exc:
        raise PaperBallotError(exc.errors, values) from exc


async def register_paper_participant(
    db: AsyncSession, assembly: Assembly, pseudonym: str, actor_id: int | None
) -> Participant:
    """Record someone who takes part on paper, so turnout and the voter list include them."""
    from assembly.participants.services import (
        PSEUDONYM_TAKEN,
        clean_pseudonym,
        pseudonym_taken,
    )

    name = clean_pseudonym(pseudonym)
    if await pseudonym_taken(db, assembly.id, name):
        raise InvalidInput({"pseudonym": PSEUDONYM_TAKEN})
    participant = Participant(
        assembly_id=assembly.id, pseudonym=name, joined_via="paper", channel="paper"
    )
    try:
        async with db.begin_nested():
            db.add(participant)
            await db.flush()
    except IntegrityError as exc:
        raise InvalidInput({"pseudonym": PSEUDONYM_TAKEN}) from exc
    await record_event(
        db,
        "participant.registered_on_paper",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=participant,
    )
    return participant
