"""Amendments: a member's change to one clause, its vote, and merging it into the text.

An amendment replaces a clause, inserts a new one after a clause (or first), or deletes one,
with a reason. It records the version and the text of the clause it was written against. When
an adopted amendment is merged, the clause must still be at that version: if another change
came first, the amendment is marked as conflicting and shown with both texts, never merged.
Merging one amendment also marks the other amendments still waiting on the same clause as
conflicting (their votes, if open, are closed and kept), since they no longer fit the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import (
    AMENDMENT_KINDS,
    Amendment,
    Assembly,
    Clause,
    DraftingProcess,
    Recommendation,
    Topic,
)
from assembly.errors import Conflict, InvalidInput, NotAllowed, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import _, _l
from assembly.recommendations.motions import (
    amendment_params,
    area_for,
    ballots_cast,
    close_motion,
    open_motion,
)
from assembly.recommendations.phases import AMENDING_PHASES
from assembly.recommendations.services import (
    CLAUSE_MAX,
    Actor,
    in_language,
    live_clauses,
    phase_now,
    snapshot,
)

REASON_MAX = 2000
OPEN_STATUSES = frozenset({"proposed", "voting"})

KIND_LABELS: dict[str, Any] = {
    "replace": _l("Replace a clause"),
    "insert": _l("Insert a new clause"),
    "delete": _l("Delete a clause"),
}
STATUS_LABELS: dict[str, Any] = {
    "proposed": _l("Waiting for a vote"),
    "voting": _l("Vote open"),
    "adopted": _l("Adopted and merged"),
    "rejected": _l("Not adopted"),
    "conflict": _l("In conflict: not merged"),
    "withdrawn": _l("Withdrawn"),
    "lapsed": _l("Not put to the vote"),
}


@dataclass
class AmendmentInput:
    kind: str
    # replace, delete: the clause; insert: the clause the new one follows (None: first).
    clause_id: int | None
    # The clause's version shown on the form (None for an insert at the start).
    clause_version: int | None
    text: str
    reason: str


class ClauseChanged(Conflict):
    """The clause changed after the form was shown; the member sees its current text."""

    def __init__(self, clause: Clause | None) -> None:
        super().__init__(
            {
                "clause": _l(
                    "This clause changed while you were writing your amendment. Read its "
                    "current text, then check your amendment and send it again."
                )
            }
        )
        self.clause = clause


async def amendments_of(db: AsyncSession, recommendation_ids: list[int]) -> list[Amendment]:
    if not recommendation_ids:
        return []
    rows = await db.scalars(
        select(Amendment)
        .where(Amendment.recommendation_id.in_(recommendation_ids))
        .order_by(Amendment.recommendation_id, Amendment.number)
    )
    return list(rows.all())


async def get_amendment(db: AsyncSession, recommendation: Recommendation, number: int) -> Amendment:
    found = await db.scalar(
        select(Amendment).where(
            Amendment.recommendation_id == recommendation.id, Amendment.number == number
        )
    )
    if found is None:
        raise NotFound()
    return found


def is_conflicting(amendment: Amendment, clause: Clause | None) -> bool:
    """Whether the clause the amendment names is no longer the one it was written against."""
    if amendment.clause_id is None:
        return amendment.kind != "insert"
    if clause is None or clause.deleted:
        return True
    return clause.version != amendment.base_version


async def propose_amendment(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    values: AmendmentInput,
    actor: Actor,
) -> Amendment:
    if actor.participant_id is None and not actor.facilitator:
        raise NotAllowed()
    if phase_now(process) not in AMENDING_PHASES:
        raise Conflict({"": _l("Amendments can be proposed only while the amendment phase is on.")})
    errors: dict[str, Any] = {}
    if values.kind not in AMENDMENT_KINDS:
        errors["kind"] = _l("Choose what the amendment does.")
    clauses = {c.id: c for c in await live_clauses(db, recommendation)}
    clause = clauses.get(values.clause_id) if values.clause_id is not None else None
    if values.clause_id is not None and clause is None:
        errors["clause"] = _l("Choose a clause of this recommendation.")
    elif values.clause_id is None and values.kind in ("replace", "delete"):
        errors["clause"] = _l("Choose the clause to change.")
    text = normalise_text(values.text)
    if values.kind in ("replace", "insert"):
        if not text:
            errors["text"] = _l("Write the new text of the clause.")
        elif len(text) > CLAUSE_MAX:
            errors["text"] = _l("A clause can have at most 2,000 characters.")
        elif clause is not None and values.kind == "replace" and text == clause.text:
            errors["text"] = _l("The new text is the same as the clause's current text.")
    else:
        text = ""
    reason = normalise_text(values.reason)
    if not reason:
        errors["reason"] = _l("Say why the clause should change.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _l("The reason can have at most 2,000 characters.")
    if errors:
        raise InvalidInput(errors)
    if clause is not None and values.clause_version != clause.version:
        raise ClauseChanged(clause)
    number = await db.scalar(
        select(func.coalesce(func.max(Amendment.number), 0)).where(
            Amendment.recommendation_id == recommendation.id
        )
    )
    amendment = Amendment(
        recommendation_id=recommendation.id,
        number=int(number or 0) + 1,
        kind=values.kind,
        clause_id=clause.id if clause is not None else None,
        base_version=clause.version if clause is not None else None,
        base_text=clause.text if clause is not None else "",
        text=text,
        reason=reason,
        participant_id=actor.participant_id,
        account_id=actor.account_id,
        status="proposed",
    )
    db.add(amendment)
    await db.flush()
    await record_event(
        db,
        "amendment.proposed",
        actor_kind=actor.kind,
        actor_id=actor.id,
        assembly_id=assembly.id,
        subject=amendment,
        recommendation=recommendation.number,
        kind=amendment.kind,
    )
    return amendment


async def withdraw_amendment(
    db: AsyncSession, assembly: Assembly, amendment: Amendment, actor: Actor
) -> None:
    own = actor.participant_id is not None and actor.participant_id == amendment.participant_id
    if not own and not actor.facilitator:
        raise NotAllowed()
    if amendment.status != "proposed":
        raise Conflict({"": _l("Only an amendment still waiting for a vote can be withdrawn.")})
    amendment.status = "withdrawn"
    await record_event(
        db,
        "amendment.withdrawn",
        actor_kind=actor.kind,
        actor_id=actor.id,
        assembly_id=assembly.id,
        subject=amendment,
    )


def _question(recommendation: Recommendation, amendment: Amendment) -> str:
    return _(
        "Amendment %(amendment)s to recommendation %(number)s: %(title)s",
        amendment=amendment.number,
        number=recommendation.number,
        title=recommendation.title,
    )


def _background(amendment: Amendment) -> str:
    parts = [str(KIND_LABELS[amendment.kind])]
    if amendment.base_text:
        parts.append(_("Clause as it stands: %(text)s", text=amendment.base_text))
    if amendment.text:
        parts.append(_("Proposed text: %(text)s", text=amendment.text))
    parts.append(_("Reason: %(text)s", text=amendment.reason))
    return "\n\n".join(parts)


async def _clause(db: AsyncSession, amendment: Amendment) -> Clause | None:
    return await db.get(Clause, amendment.clause_id) if amendment.clause_id is not None else None


async def open_vote(
    db: AsyncSession,
    assembly: Assembly,
    process: DraftingProcess,
    recommendation: Recommendation,
    amendment: Amendment,
    actor: Actor,
) -> None:
    """Put a waiting amendment to the vote (a facilitator, while amendments are on)."""
    if not actor.facilitator:
        raise NotAllowed()
    if phase_now(process) not in AMENDING_PHASES:
        raise Conflict({"": _l("Amendments are voted on during the amendment phase.")})
    if amendment.status != "proposed":
        raise Conflict({"": _l("This amendment is not waiting for a vote.")})
    if is_conflicting(amendment, await _clause(db, amendment)):
        await _mark_conflict(db, assembly, amendment, actor)
        raise Conflict(
            {
                "": _l(
                    "Amendment %(number)s was written against an earlier version of its "
                    "clause, so it cannot be voted on as it is.",
                    number=amendment.number,
                )
            }
        )
    with in_language(assembly.language):
        question, background = _question(recommendation, amendment), _background(amendment)
    topic = await open_motion(
        db,
        assembly_id=assembly.id,
        slug=f"recommendation-{recommendation.number}-amendment-{amendment.number}",
        question=question,
        background=background,
        area_id=await area_for(db, recommendation.id),
        params=amendment_params(process),
        secrecy=process.ballot_secrecy,
        actor_id=actor.account_id,
    )
    amendment.vote_topic_id = topic.id
    amendment.status = "voting"
    await db.flush()
    await record_event(
        db,
        "amendment.vote_opened",
        actor_kind=actor.kind,
        actor_id=actor.id,
        assembly_id=assembly.id,
        subject=amendment,
        motion=topic.slug,
    )


async def close_vote(
    db: AsyncSession,
    assembly: Assembly,
    recommendation: Recommendation,
    amendment: Amendment,
    actor: Actor | None,
) -> None:
    """Close an amendment's vote and count it; an adopted amendment is merged, or shown as
    conflicting if its clause changed meanwhile."""
    if actor is not None and not actor.facilitator:
        raise NotAllowed()
    if amendment.status != "voting" or amendment.vote_topic_id is None:
        raise Conflict({"": _l("This amendment has no open vote.")})
    topic = await db.get(Topic, amendment.vote_topic_id)
    assert topic is not None
    verdict = await close_motion(db, topic, actor.account_id if actor else None)
    if not verdict.adopted:
        amendment.status = "rejected"
    elif is_conflicting(amendment, await _clause(db, amendment)):
        amendment.status = "conflict"
    else:
        await merge(db, assembly, recommendation, amendment)
    await db.flush()
    await record_event(
        db,
        "amendment.vote_closed",
        actor_kind=actor.kind if actor else "system",
        actor_id=actor.id if actor else None,
        assembly_id=assembly.id,
        subject=amendment,
        adopted=verdict.adopted,
        status=amendment.status,
        yes=verdict.yes,
        no=verdict.no,
        abstain=verdict.abstain,
    )


async def merge(
    db: AsyncSession, assembly: Assembly, recommendation: Recommendation, amendment: Amendment
) -> None:
    """Apply an adopted amendment to the text: a new revision, the old one kept."""
    clause = await _clause(db, amendment)
    changed: Clause | None = None
    if amendment.kind == "replace" and clause is not None:
        clause.text = amendment.text
        clause.version += 1
        changed = clause
    elif amendment.kind == "delete" and clause is not None:
        clause.deleted = True
        clause.version += 1
        changed = clause
    else:
        after = clause.position if clause is not None else 0
        await db.execute(
            update(Clause)
            .where(Clause.recommendation_id == recommendation.id, Clause.position > after)
            .values(position=Clause.position + 1)
            .execution_options(synchronize_session="fetch")
        )
        db.add(
            Clause(
                recommendation_id=recommendation.id,
                position=after + 1,
                text=amendment.text,
                version=1,
            )
        )
    await db.flush()
    recommendation.revision += 1
    amendment.status = "adopted"
    amendment.merged_revision = recommendation.revision
    await snapshot(db, recommendation, "amendment", amendment.id)
    if changed is not None:
        await _conflicts_after(db, assembly, recommendation, amendment, changed)


async def _mark_conflict(
    db: AsyncSession, assembly: Assembly, amendment: Amendment, actor: Actor | None
) -> None:
    if amendment.status == "voting" and amendment.vote_topic_id is not None:
        topic = await db.get(Topic, amendment.vote_topic_id)
        if topic is not None:
            await close_motion(db, topic, actor.account_id if actor else None)
    amendment.status = "conflict"
    await record_event(
        db,
        "amendment.conflict",
        actor_kind=actor.kind if actor else "system",
        actor_id=actor.id if actor else None,
        assembly_id=assembly.id,
        subject=amendment,
    )


async def _conflicts_after(
    db: AsyncSession,
    assembly: Assembly,
    recommendation: Recommendation,
    merged: Amendment,
    clause: Clause,
) -> None:
    """The other waiting or open amendments to a clause that just changed no longer fit it."""
    others = await db.scalars(
        select(Amendment).where(
            Amendment.recommendation_id == recommendation.id,
            Amendment.clause_id == clause.id,
            Amendment.id != merged.id,
            Amendment.status.in_(OPEN_STATUSES),
        )
    )
    for other in others.all():
        await _mark_conflict(db, assembly, other, None)


async def finish_amendments(
    db: AsyncSession, assembly: Assembly, recommendations: list[Recommendation]
) -> None:
    """Before the final votes: count every open amendment vote (in the order the amendments
    were made), and mark those never put to the vote as lapsed."""
    by_id = {r.id: r for r in recommendations}
    for amendment in await amendments_of(db, list(by_id)):
        recommendation = by_id[amendment.recommendation_id]
        if amendment.status == "voting":
            await close_vote(db, assembly, recommendation, amendment, None)
        elif amendment.status == "proposed":
            amendment.status = "lapsed"
    await db.flush()


async def any_amendment_vote_open(db: AsyncSession, recommendation_ids: list[int]) -> bool:
    if not recommendation_ids:
        return False
    found = await db.scalar(
        select(func.count()).where(
            Amendment.recommendation_id.in_(recommendation_ids), Amendment.status == "voting"
        )
    )
    return bool(found)


async def amendment_ballots(db: AsyncSession, amendment: Amendment) -> int:
    return await ballots_cast(db, amendment.vote_topic_id)
