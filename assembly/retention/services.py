"""What Assembly stores about a citizen, their withdrawal, and the retention erase of an assembly.

* ``personal_record``: everything stored about one participant, as plain data for the
  "Your data" page and its download (GDPR article 15 and 20). Secret ballots are not in it:
  nothing links them to the person, so only the fact of having voted is.
* ``withdraw``: the person leaves the assembly for good. Their pseudonym is replaced by a
  neutral name, their answers about themselves, return codes, roles and the link from their
  invite code are removed; what they wrote stays under the neutral name and their anonymised
  ballots stay counted, as the privacy notice says.
* ``erase_personal_data``: after an assembly has ended, the same for everyone in it at once,
  and the invitation records, the sortition pool and the stored sessions' link to the
  assembly's participants go too. Ballots, published results and the summaries are kept (each
  topic's summary is stored first, with its authors under their neutral names, and then
  frozen), so a recount still gives the published result.

Each runs in the caller's transaction: if anything fails midway, nothing of it is stored.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    Argument,
    Assembly,
    Ballot,
    BallotVoter,
    InviteCode,
    PanelMember,
    Participant,
    ParticipantRole,
    Proposal,
    Reaction,
    ReturnCode,
    SortitionSelection,
    StoreItem,
    Topic,
    TopicSummary,
)
from assembly.db.models.assemblies import ENDED_STATUSES
from assembly.errors import Conflict
from assembly.i18n import _l
from assembly.session_data import PARTICIPANTS_KEY, RENEWED_KEY, SESSION_STORE
from assembly.summaries.services import get_topic_summary

NEUTRAL_PREFIX = "anon-"
# Of a drawn panel's record, what describes the panel as a whole (and no one in it).
SELECTION_KEEPS = ("summary", "quota_table")

NOT_ENDED = _l("The personal data can be erased once the assembly has ended (is archived).")
ALREADY_ERASED = _l("The personal data of this assembly has already been erased.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def neutral_name() -> str:
    """A name that stands for nobody: unique in practice, and never a chosen pseudonym."""
    return NEUTRAL_PREFIX + secrets.token_hex(5)


async def personal_record(
    db: AsyncSession, assembly: Assembly, participant: Participant
) -> dict[str, Any]:
    """Everything stored about ``participant``, as plain data (JSON-ready)."""
    topics = {
        t.id: t
        for t in (await db.scalars(select(Topic).where(Topic.assembly_id == assembly.id))).all()
    }
    proposals = (
        await db.scalars(
            select(Proposal)
            .where(Proposal.participant_id == participant.id)
            .order_by(Proposal.created_at)
        )
    ).all()
    arguments = (
        await db.scalars(
            select(Argument)
            .where(Argument.participant_id == participant.id)
            .order_by(Argument.created_at)
        )
    ).all()
    reactions = (
        await db.scalars(
            select(Reaction)
            .where(Reaction.participant_id == participant.id)
            .order_by(Reaction.created_at)
        )
    ).all()
    open_ballots = (
        await db.scalars(
            select(Ballot).where(Ballot.participant_id == participant.id, Ballot.secrecy == "open")
        )
    ).all()
    voted = (
        await db.scalars(
            select(BallotVoter.topic_id).where(BallotVoter.participant_id == participant.id)
        )
    ).all()
    roles = (
        await db.scalars(
            select(ParticipantRole.role).where(ParticipantRole.participant_id == participant.id)
        )
    ).all()
    return_codes = await db.scalar(
        select(func.count(ReturnCode.id)).where(
            ReturnCode.participant_id == participant.id, ReturnCode.replaced_at.is_(None)
        )
    )

    def topic_slug(topic_id: int) -> str:
        topic = topics.get(topic_id)
        return topic.slug if topic is not None else str(topic_id)

    return {
        "assembly": {"slug": assembly.slug, "title": assembly.title},
        "participant": {
            "pseudonym": participant.pseudonym,
            "joined_at": _iso(participant.created_at),
            "joined_via": participant.joined_via,
            "channel": participant.channel,
            "roles": sorted(roles),
            "has_return_code": bool(return_codes),
        },
        "about_you": {
            "consent": participant.demographics_consent,
            "answers": dict(participant.demographics or {}),
        },
        "proposals": [
            {
                "topic": topic_slug(p.topic_id),
                "title": p.title,
                "body": p.body,
                "status": p.status,
                "written_at": _iso(p.created_at),
            }
            for p in proposals
        ],
        "arguments": [
            {
                "proposal_id": a.proposal_id,
                "stance": a.stance,
                "body": a.body,
                "written_at": _iso(a.created_at),
            }
            for a in arguments
        ],
        "reactions": [
            {"proposal_id": r.proposal_id, "reaction": r.reaction, "at": _iso(r.updated_at)}
            for r in reactions
        ],
        "open_ballots": [
            {"topic": topic_slug(b.topic_id), "ballot": b.content, "cast_at": _iso(b.cast_at)}
            for b in open_ballots
        ],
        # Secret ballots are stored apart from the voter: only the fact of voting is theirs.
        "voted_on": sorted(topic_slug(t) for t in voted),
    }


async def _unlink(db: AsyncSession, participant_ids: Any) -> None:
    """Remove what ties the given participants to a person, keeping what they contributed."""
    await db.execute(delete(ReturnCode).where(ReturnCode.participant_id.in_(participant_ids)))
    await db.execute(
        delete(ParticipantRole).where(ParticipantRole.participant_id.in_(participant_ids))
    )
    await db.execute(
        update(InviteCode)
        .where(InviteCode.participant_id.in_(participant_ids))
        .values(participant_id=None)
    )


async def withdraw(db: AsyncSession, participant: Participant) -> None:
    """The participant withdraws: no pseudonym, no answers, no way back; contributions stay."""
    if participant.withdrawn_at is not None:
        return
    await _unlink(db, [participant.id])
    participant.pseudonym = neutral_name()
    participant.demographics = {}
    participant.demographics_consent = None
    participant.withdrawn_at = _now()
    await db.flush()
    await record_event(
        db,
        "participant.withdrew",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=participant,
    )


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every author who is named by a former pseudonym given the new name."""
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    if isinstance(value, dict):
        return {
            key: names.get(item, item)
            if key == "author" and isinstance(item, str)
            else _renamed(item, names)
            for key, item in value.items()
        }
    return value


async def _rename_in_summaries(db: AsyncSession, assembly: Assembly, names: dict[str, str]) -> None:
    """The stored (and from now on frozen) summaries name authors as every other page does:
    by the neutral name, never by the pseudonym the erase removed."""
    topic_ids = [topic.id for topic in assembly.topics]
    if not names or not topic_ids:
        return
    rows = (
        await db.scalars(select(TopicSummary).where(TopicSummary.topic_id.in_(topic_ids)))
    ).all()
    for row in rows:
        if row.content:
            row.content = _renamed(row.content, names)


async def _forget_sessions(db: AsyncSession, assembly_id: int) -> int:
    """Stored sessions stop naming a participant of the assembly; returns how many did.

    A session that held nothing else is deleted. Sessions in Redis are not in the database:
    they count for nothing once the assembly has ended (see ``web.auth``) and expire there.
    """
    key = str(assembly_id)
    marker = f'"{key}"'.encode()
    rows = (await db.scalars(select(StoreItem).where(StoreItem.namespace == SESSION_STORE))).all()
    forgotten = 0
    for row in rows:
        if marker not in row.value:  # cheap: most sessions never joined this assembly
            continue
        try:
            data = json.loads(row.value)
        except ValueError:
            continue
        participants = data.get(PARTICIPANTS_KEY) if isinstance(data, dict) else None
        if not isinstance(participants, dict) or key not in participants:
            continue
        forgotten += 1
        del participants[key]
        if not participants:
            del data[PARTICIPANTS_KEY]
        if not any(name != RENEWED_KEY for name in data):
            await db.delete(row)
        else:
            row.value = json.dumps(data, separators=(",", ":")).encode()
    return forgotten


@dataclass(frozen=True)
class Erased:
    """What the retention erase removed, for the confirmation and the audit log."""

    participants: int
    invite_codes: int
    panel_members: int
    sessions: int = 0


async def erase_personal_data(db: AsyncSession, assembly: Assembly, actor_id: int) -> Erased:
    """Erase the ended assembly's personal data in one step (see the module docstring)."""
    if assembly.status not in ENDED_STATUSES:
        raise Conflict({"": NOT_ENDED})
    if assembly.personal_data_erased_at is not None:
        raise Conflict({"": ALREADY_ERASED})
    # Store every topic's summary as it is now: erasing would otherwise change it.
    for topic in assembly.topics:
        await get_topic_summary(db, topic, store=True)
    ids = select(Participant.id).where(Participant.assembly_id == assembly.id)
    participants = int(await db.scalar(select(func.count()).select_from(ids.subquery())) or 0)
    await _unlink(db, ids)
    people = (
        await db.scalars(select(Participant).where(Participant.assembly_id == assembly.id))
    ).all()
    renamed: dict[str, str] = {}
    for person in people:
        if person.withdrawn_at is None:
            new_name = neutral_name()
            renamed[person.pseudonym] = new_name
            person.pseudonym = new_name
            person.withdrawn_at = _now()
        person.demographics = {}
        person.demographics_consent = None
    await _rename_in_summaries(db, assembly, renamed)
    selections = (
        await db.scalars(
            select(SortitionSelection).where(SortitionSelection.assembly_id == assembly.id)
        )
    ).all()
    selection_ids = [s.id for s in selections]
    panel_members = 0
    if selection_ids:
        members = (
            await db.scalars(select(PanelMember).where(PanelMember.selection_id.in_(selection_ids)))
        ).all()
        for member in members:
            member.pool_id = f"erased-{member.id}"
            member.features = {}
            member.invite_code_id = None
        panel_members = len(members)
        for selection in selections:
            selection.pool_csv = ""
            kept = {k: v for k, v in (selection.result or {}).items() if k in SELECTION_KEEPS}
            selection.result = kept or None
    invite_codes = int(
        await db.scalar(
            select(func.count(InviteCode.id)).where(InviteCode.assembly_id == assembly.id)
        )
        or 0
    )
    await db.execute(delete(InviteCode).where(InviteCode.assembly_id == assembly.id))
    sessions = await _forget_sessions(db, assembly.id)
    assembly.personal_data_erased_at = _now()
    await db.flush()
    erased = Erased(participants, invite_codes, panel_members, sessions)
    await record_event(
        db,
        "assembly.personal_data_erased",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=assembly,
        participants=erased.participants,
        invite_codes=erased.invite_codes,
        panel_members=erased.panel_members,
        sessions=erased.sessions,
    )
    return erased
