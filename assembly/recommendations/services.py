"""Drafting rules: the process and its settings, who may draft, and writing recommendations.

A recommendation grows from one or several proposals (which keep their link), may cite table
notes and catalogue practices, and has a title, numbered clauses and a rationale. Facilitators
and the members a facilitator made drafters write and edit recommendations while the process
is in its drafting phase; from then on the text changes only by adopted amendments. Every
change of the title or the clauses makes a new revision, kept whole.

Services take typed values (``Actor``, ``RecommendationInput``) and raise domain errors; the
web edge parses forms and maps the errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    ABSTENTION_RULES,
    BALLOT_SECRECY,
    Assembly,
    Clause,
    DraftingProcess,
    Participant,
    ParticipantRole,
    Practice,
    Proposal,
    Recommendation,
    RecommendationRevision,
    TableNote,
    TablePlan,
    Topic,
    recommendation_practices,
    recommendation_proposals,
    recommendation_table_notes,
)
from assembly.db.models.participants import pseudonym_key
from assembly.errors import Conflict, InvalidInput, NotAllowed, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import _l, current_locale
from assembly.recommendations.phases import WRITING_PHASES, drafting_phase

TITLE_MAX = 200
CLAUSE_MAX = 2000
CLAUSES_MAX = 40
RATIONALE_MAX = 10_000
REMIT_MAX = 20_000
URL_MAX = 500
DEFAULT_MINORITY_SIGNATURES = 3


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in account (a facilitator) or a member of the assembly."""

    account_id: int | None = None
    participant_id: int | None = None
    facilitator: bool = False
    drafter: bool = False

    @property
    def may_draft(self) -> bool:
        return self.facilitator or self.drafter

    @property
    def kind(self) -> str:
        return "account" if self.account_id is not None else "participant"

    @property
    def id(self) -> int | None:
        return self.account_id if self.account_id is not None else self.participant_id


@contextlib.contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate what is made inside into ``language`` (texts stored in the assembly's own)."""
    token = current_locale.set(language)
    try:
        yield
    finally:
        current_locale.reset(token)


# --- the process -----------------------------------------------------------------------------


def default_process(assembly: Assembly) -> DraftingProcess:
    """The settings an assembly has before anyone changed them (not added to the session)."""
    return DraftingProcess(
        assembly_id=assembly.id,
        phase="drafting",
        phase_schedule={},
        threshold="1/2",
        amendment_threshold="1/2",
        abstentions="excluded",
        ballot_secrecy="secret",
        minority_signatures=DEFAULT_MINORITY_SIGNATURES,
        remit="",
        commissioned_by="",
        meetings=0,
        meeting_hours=0,
        data_url="",
    )


async def get_process(db: AsyncSession, assembly: Assembly) -> DraftingProcess:
    """The assembly's drafting process, or its defaults; reads only."""
    found = await db.scalar(
        select(DraftingProcess).where(DraftingProcess.assembly_id == assembly.id)
    )
    return found if found is not None else default_process(assembly)


async def ensure_process(db: AsyncSession, assembly: Assembly) -> DraftingProcess:
    """The process row, made on the first change (for a write request only)."""
    found = await db.scalar(
        select(DraftingProcess).where(DraftingProcess.assembly_id == assembly.id)
    )
    if found is not None:
        return found
    process = default_process(assembly)
    process.phase_changed_at = dt.datetime.now(dt.UTC)
    db.add(process)
    await db.flush()
    return process


def phase_now(process: DraftingProcess, now: dt.datetime | None = None) -> str:
    """The phase in force, the schedule applied (without writing the move)."""
    return drafting_phase(
        process.phase or "drafting", process.phase_schedule, now or dt.datetime.now(dt.UTC)
    )


@dataclass
class SettingsInput:
    threshold: str
    amendment_threshold: str
    abstentions: str
    ballot_secrecy: str
    minority_signatures: str
    remit: str
    commissioned_by: str
    meetings: str
    meeting_hours: str
    data_url: str
    response_due_on: str


def parse_share(text: str) -> Fraction | None:
    """A threshold typed as a percentage ("80", "80 %", "66.7") or a fraction ("2/3")."""
    cleaned = text.strip().replace("%", "").replace(",", ".").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = Fraction(cleaned) if "/" in cleaned else Fraction(cleaned) / 100
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 < value <= 1 else None


def format_share(fraction_text: str) -> str:
    """A stored fraction as a percentage to type again ("4/5" -> "80", "2/3" -> "2/3")."""
    value = Fraction(fraction_text)
    percent = value * 100
    if percent.denominator == 1:
        return str(percent.numerator)
    return str(value)


def _whole(text: str, field_name: str, errors: dict[str, Any], high: int) -> int:
    text = text.strip() or "0"
    if not text.isdigit() or int(text) > high:
        errors[field_name] = _l("Enter a whole number from 0 to %(high)s.", high=high)
        return 0
    return int(text)


async def motion_count(db: AsyncSession, assembly: Assembly) -> int:
    found = await db.scalar(
        select(func.count()).where(Topic.assembly_id == assembly.id, Topic.kind == "motion")
    )
    return int(found or 0)


async def save_settings(
    db: AsyncSession, assembly: Assembly, values: SettingsInput, actor: Actor
) -> DraftingProcess:
    """Save the voting rules and the report's facts. The rules are fixed once a vote opened."""
    if not actor.facilitator:
        raise NotAllowed()
    process = await ensure_process(db, assembly)
    locked = await motion_count(db, assembly) > 0
    errors: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    if not locked:
        threshold = parse_share(values.threshold)
        if threshold is None:
            errors["threshold"] = _l(
                "Enter the support needed as a percentage from 1 to 100, such as 80, or a "
                "fraction such as 2/3."
            )
        amendment = parse_share(values.amendment_threshold)
        if amendment is None:
            errors["amendment_threshold"] = _l(
                "Enter the support needed as a percentage from 1 to 100, such as 50, or a "
                "fraction such as 2/3."
            )
        if values.abstentions not in ABSTENTION_RULES:
            errors["abstentions"] = _l("Choose whether abstentions count.")
        if values.ballot_secrecy not in BALLOT_SECRECY:
            errors["ballot_secrecy"] = _l("Choose a secret or an open ballot.")
        if threshold is not None and amendment is not None:
            changes.update(
                threshold=str(threshold),
                amendment_threshold=str(amendment),
                abstentions=values.abstentions,
                ballot_secrecy=values.ballot_secrecy,
            )
    signatures = values.minority_signatures.strip()
    if not signatures.isdigit() or not 1 <= int(signatures) <= 1000:
        errors["minority_signatures"] = _l("Enter a whole number of signatures from 1 to 1000.")
    remit = normalise_text(values.remit)
    if len(remit) > REMIT_MAX:
        errors["remit"] = _l("The remit can have at most 20,000 characters.")
    body = " ".join(normalise_text(values.commissioned_by).split())
    if len(body) > TITLE_MAX:
        errors["commissioned_by"] = _l("The name can have at most 200 characters.")
    meetings = _whole(values.meetings, "meetings", errors, 1000)
    hours = _whole(values.meeting_hours, "meeting_hours", errors, 100_000)
    url = values.data_url.strip()
    if url and (len(url) > URL_MAX or not url.startswith(("https://", "http://"))):
        errors["data_url"] = _l("Enter a web address starting with https://.")
    due: dt.date | None = None
    if values.response_due_on.strip():
        try:
            due = dt.date.fromisoformat(values.response_due_on.strip())
        except ValueError:
            errors["response_due_on"] = _l("Enter a date such as 2027-03-31.")
    if errors:
        raise InvalidInput(errors)
    changes.update(
        minority_signatures=int(signatures),
        remit=remit,
        commissioned_by=body,
        meetings=meetings,
        meeting_hours=hours,
        data_url=url,
        response_due_on=due,
    )
    changed = [name for name, value in changes.items() if getattr(process, name) != value]
    for name, value in changes.items():
        setattr(process, name, value)
    await record_event(
        db,
        "drafting.settings_changed",
        actor_kind="account",
        actor_id=actor.account_id,
        assembly_id=assembly.id,
        subject=process,
        changed=changed,
    )
    return process


async def publish_report(
    db: AsyncSession, assembly: Assembly, process: DraftingProcess, actor: Actor
) -> None:
    """Make the final report and the tracker public (once the final votes are counted)."""
    if not actor.facilitator:
        raise NotAllowed()
    if process.phase != "final":
        raise Conflict({"": _l("The report can be published once the final votes are counted.")})
    process.report_published_at = dt.datetime.now(dt.UTC)
    await record_event(
        db,
        "drafting.report_published",
        actor_kind="account",
        actor_id=actor.account_id,
        assembly_id=assembly.id,
        subject=process,
    )


# --- drafters --------------------------------------------------------------------------------


async def is_drafter(db: AsyncSession, participant_id: int | None) -> bool:
    if participant_id is None:
        return False
    found = await db.scalar(
        select(ParticipantRole.id).where(
            ParticipantRole.participant_id == participant_id, ParticipantRole.role == "drafter"
        )
    )
    return found is not None


async def list_drafters(db: AsyncSession, assembly: Assembly) -> list[Participant]:
    rows = await db.scalars(
        select(Participant)
        .join(ParticipantRole, ParticipantRole.participant_id == Participant.id)
        .where(Participant.assembly_id == assembly.id, ParticipantRole.role == "drafter")
        .order_by(Participant.pseudonym)
    )
    return list(rows.all())


async def grant_drafter(db: AsyncSession, assembly: Assembly, pseudonym: str, actor: Actor) -> None:
    """Make a member a drafter, found by their pseudonym (case does not matter)."""
    if not actor.facilitator:
        raise NotAllowed()
    name = " ".join(normalise_text(pseudonym).split())
    member = await db.scalar(
        select(Participant).where(
            Participant.assembly_id == assembly.id,
            Participant.pseudonym_key == pseudonym_key(name),
        )
    )
    if member is None:
        raise InvalidInput({"drafter": _l("No member of this assembly has this name.")})
    if await is_drafter(db, member.id):
        raise InvalidInput({"drafter": _l("This member is already a drafter.")})
    role = ParticipantRole(participant_id=member.id, role="drafter", granted_by_id=actor.account_id)
    db.add(role)
    await db.flush()
    await record_event(
        db,
        "participant.role_granted",
        actor_kind="account",
        actor_id=actor.account_id,
        assembly_id=assembly.id,
        subject=role,
        role="drafter",
        participant_id=member.id,
    )


async def revoke_drafter(
    db: AsyncSession, assembly: Assembly, participant_id: int, actor: Actor
) -> None:
    if not actor.facilitator:
        raise NotAllowed()
    role = await db.scalar(
        select(ParticipantRole)
        .join(Participant, Participant.id == ParticipantRole.participant_id)
        .where(
            Participant.assembly_id == assembly.id,
            ParticipantRole.participant_id == participant_id,
            ParticipantRole.role == "drafter",
        )
    )
    if role is None:
        raise NotFound()
    await db.delete(role)
    await record_event(
        db,
        "participant.role_revoked",
        actor_kind="account",
        actor_id=actor.account_id,
        assembly_id=assembly.id,
        subject_type="participant_roles",
        subject_id=role.id,
        role="drafter",
        participant_id=participant_id,
    )


# --- reading ---------------------------------------------------------------------------------


async def list_recommendations(db: AsyncSession, assembly: Assembly) -> list[Recommendation]:
    rows = await db.scalars(
        select(Recommendation)
        .where(Recommendation.assembly_id == assembly.id)
        .order_by(Recommendation.number)
    )
    return list(rows.all())


async def get_recommendation(db: AsyncSession, assembly: Assembly, number: int) -> Recommendation:
    found = await db.scalar(
        select(Recommendation).where(
            Recommendation.assembly_id == assembly.id, Recommendation.number == number
        )
    )
    if found is None:
        raise NotFound()
    return found


async def clauses_of(
    db: AsyncSession, recommendation_ids: Sequence[int], *, with_deleted: bool = False
) -> dict[int, list[Clause]]:
    """The clauses of each recommendation, in order (numbered from 1 by their place)."""
    if not recommendation_ids:
        return {}
    query = select(Clause).where(Clause.recommendation_id.in_(list(recommendation_ids)))
    if not with_deleted:
        query = query.where(Clause.deleted.is_(False))
    found: dict[int, list[Clause]] = {rid: [] for rid in recommendation_ids}
    for clause in (await db.scalars(query.order_by(Clause.position, Clause.id))).all():
        found[clause.recommendation_id].append(clause)
    return found


async def live_clauses(db: AsyncSession, recommendation: Recommendation) -> list[Clause]:
    return (await clauses_of(db, [recommendation.id]))[recommendation.id]


@dataclass
class Links:
    proposals: list[tuple[int, str, str]] = field(default_factory=list)  # id, title, topic slug
    table_notes: list[TableNote] = field(default_factory=list)
    practices: list[Practice] = field(default_factory=list)


async def links_of(db: AsyncSession, recommendation: Recommendation) -> Links:
    proposals = (
        await db.execute(
            select(Proposal.id, Proposal.title, Topic.slug)
            .join(recommendation_proposals, recommendation_proposals.c.proposal_id == Proposal.id)
            .join(Topic, Topic.id == Proposal.topic_id)
            .where(recommendation_proposals.c.recommendation_id == recommendation.id)
            .order_by(Proposal.id)
        )
    ).tuples()
    notes = await db.scalars(
        select(TableNote)
        .join(
            recommendation_table_notes,
            recommendation_table_notes.c.table_note_id == TableNote.id,
        )
        .where(recommendation_table_notes.c.recommendation_id == recommendation.id)
        .order_by(TableNote.round_number, TableNote.table_number)
    )
    practices = await db.scalars(
        select(Practice)
        .join(recommendation_practices, recommendation_practices.c.practice_id == Practice.id)
        .where(recommendation_practices.c.recommendation_id == recommendation.id)
        .order_by(Practice.position)
    )
    return Links(list(proposals.all()), list(notes.all()), list(practices.all()))


async def linkable_proposals(db: AsyncSession, assembly: Assembly) -> list[tuple[int, str, str]]:
    """Every visible proposal of the assembly's topics: (id, title, topic question)."""
    rows = await db.execute(
        select(Proposal.id, Proposal.title, Topic.question)
        .join(Topic, Topic.id == Proposal.topic_id)
        .where(
            Topic.assembly_id == assembly.id,
            Topic.kind == "topic",
            Topic.phase != "draft",
            Proposal.status == "visible",
        )
        .order_by(Topic.position, Proposal.id)
    )
    return list(rows.tuples().all())


async def linkable_table_notes(db: AsyncSession, assembly: Assembly) -> list[TableNote]:
    rows = await db.scalars(
        select(TableNote)
        .join(TablePlan, TablePlan.id == TableNote.table_plan_id)
        .where(TablePlan.assembly_id == assembly.id)
        .order_by(TablePlan.id, TableNote.round_number, TableNote.table_number)
    )
    return list(rows.all())


async def all_practices(db: AsyncSession) -> list[Practice]:
    return list((await db.scalars(select(Practice).order_by(Practice.position))).all())


# --- writing ---------------------------------------------------------------------------------


@dataclass
class RecommendationInput:
    title: str
    clauses: list[str]
    rationale: str
    proposal_ids: list[int]
    table_note_ids: list[int] = field(default_factory=list)
    practice_ids: list[int] = field(default_factory=list)
    # The revision the form was made from (an edit only): a later change is not overwritten.
    revision: int | None = None


def clean_clause(text: str) -> str:
    return normalise_text(text)


async def _clean(
    db: AsyncSession, assembly: Assembly, values: RecommendationInput
) -> tuple[str, list[str], str]:
    errors: dict[str, Any] = {}
    title = " ".join(normalise_text(values.title).split())
    if not title:
        errors["title"] = _l("Give the recommendation a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l(
            "The title can have at most 200 characters; it has %(count)s.", count=len(title)
        )
    clauses = [clean_clause(c) for c in values.clauses if clean_clause(c)]
    if not clauses:
        errors["clauses"] = _l("Write at least one clause.")
    elif len(clauses) > CLAUSES_MAX:
        errors["clauses"] = _l("A recommendation can have at most 40 clauses.")
    elif any(len(c) > CLAUSE_MAX for c in clauses):
        errors["clauses"] = _l("A clause can have at most 2,000 characters.")
    rationale = normalise_text(values.rationale)
    if len(rationale) > RATIONALE_MAX:
        errors["rationale"] = _l("The rationale can have at most 10,000 characters.")
    wanted = set(values.proposal_ids)
    if not wanted:
        errors["proposals"] = _l("Choose the proposals the recommendation grows from.")
    else:
        known = {pid for pid, _t, _q in await linkable_proposals(db, assembly)}
        if not wanted <= known:
            errors["proposals"] = _l("Choose proposals from the list.")
    notes = set(values.table_note_ids)
    if notes and not notes <= {n.id for n in await linkable_table_notes(db, assembly)}:
        errors["table_notes"] = _l("Choose table notes from the list.")
    practices = set(values.practice_ids)
    if practices and not practices <= {p.id for p in await all_practices(db)}:
        errors["practices"] = _l("Choose practices from the list.")
    if errors:
        raise InvalidInput(errors)
    return title, clauses, rationale


async def _set_links(db: AsyncSession, recommendation_id: int, values: RecommendationInput) -> None:
    for table, column, ids in (
        (recommendation_proposals, "proposal_id", values.proposal_ids),
        (recommendation_table_notes, "table_note_id", values.table_note_ids),
        (recommendation_practices, "practice_id", values.practice_ids),
    ):
        await db.execute(delete(table).where(table.c.recommendation_id == recommendation_id))
        rows = [{"recommendation_id": recommendation_id, column: i} for i in sorted(set(ids))]
        if rows:
            await db.execute(insert(table), rows)


async def snapshot(
    db: AsyncSession, recommendation: Recommendation, cause: str, amendment_id: int | None = None
) -> None:
    """Keep the whole text of this revision."""
    clauses = await live_clauses(db, recommendation)
    db.add(
        RecommendationRevision(
            recommendation_id=recommendation.id,
            revision=recommendation.revision,
            title=recommendation.title,
            clauses=[c.text for c in clauses],
            cause=cause,
            amendment_id=amendment_id,
        )
    )
    await db.flush()


def _require_drafting(process: DraftingProcess, actor: Actor) -> None:
    if not actor.may_draft:
        raise NotAllowed()
    if phase_now(process) not in WRITING_PHASES:
        raise Conflict(
            {
                "": _l(
                    "Recommendations can be written and edited only while drafting; now the "
                    "text changes only by amendments."
                )
            }
        )


async def create_recommendation(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    values: RecommendationInput,
    actor: Actor,
) -> Recommendation:
    _require_drafting(process, actor)
    title, clauses, rationale = await _clean(db, assembly, values)
    number = await db.scalar(
        select(func.coalesce(func.max(Recommendation.number), 0)).where(
            Recommendation.assembly_id == assembly.id
        )
    )
    recommendation = Recommendation(
        assembly_id=assembly.id,
        number=int(number or 0) + 1,
        title=title,
        rationale=rationale,
        revision=1,
        created_by_account_id=actor.account_id,
        created_by_participant_id=actor.participant_id,
    )
    db.add(recommendation)
    await db.flush()
    db.add_all(
        Clause(recommendation_id=recommendation.id, position=i, text=text, version=1)
        for i, text in enumerate(clauses, start=1)
    )
    await db.flush()
    await _set_links(db, recommendation.id, values)
    await snapshot(db, recommendation, "created")
    await record_event(
        db,
        "recommendation.created",
        actor_kind=actor.kind,
        actor_id=actor.id,
        assembly_id=assembly.id,
        subject=recommendation,
        number=recommendation.number,
        proposals=sorted(set(values.proposal_ids)),
    )
    return recommendation


async def update_recommendation(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    values: RecommendationInput,
    actor: Actor,
) -> Recommendation:
    """Save an edit. A clause whose text changed keeps its place and gets a new version."""
    _require_drafting(process, actor)
    if values.revision is not None and values.revision != recommendation.revision:
        raise Conflict(
            {
                "": _l(
                    "Someone changed this recommendation while you were editing it. Your text "
                    "is below; compare it with the current version before saving again."
                )
            }
        )
    title, texts, rationale = await _clean(db, assembly, values)
    clauses = await live_clauses(db, recommendation)
    changed = title != recommendation.title or [c.text for c in clauses] != texts
    for index, text in enumerate(texts):
        if index < len(clauses):
            if clauses[index].text != text:
                clauses[index].text = text
                clauses[index].version += 1
        else:
            last = clauses[-1].position if clauses else 0
            db.add(
                Clause(
                    recommendation_id=recommendation.id,
                    position=last + index - len(clauses) + 1,
                    text=text,
                    version=1,
                )
            )
    for clause in clauses[len(texts) :]:
        clause.deleted = True
        clause.version += 1
    recommendation.title = title
    recommendation.rationale = rationale
    await db.flush()
    await _set_links(db, recommendation.id, values)
    if changed:
        recommendation.revision += 1
        await snapshot(db, recommendation, "edited")
    await record_event(
        db,
        "recommendation.updated",
        actor_kind=actor.kind,
        actor_id=actor.id,
        assembly_id=assembly.id,
        subject=recommendation,
        revision=recommendation.revision,
    )
    return recommendation


async def revisions_of(
    db: AsyncSession, recommendation: Recommendation
) -> list[RecommendationRevision]:
    rows = await db.scalars(
        select(RecommendationRevision)
        .where(RecommendationRevision.recommendation_id == recommendation.id)
        .order_by(RecommendationRevision.revision)
    )
    return list(rows.all())
