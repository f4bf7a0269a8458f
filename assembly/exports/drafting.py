"""The rows of the drafting tables (``assembly.exports.drafting_tables``) for one assembly.

These tables are small (an assembly drafts tens of recommendations, not millions), so they are
read whole; authors and signers appear by the export's pseudonyms only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import (
    Amendment,
    Clause,
    DraftingProcess,
    MinoritySignature,
    MinorityStatement,
    Practice,
    Recommendation,
    RecommendationResponse,
    StatusUpdate,
    Topic,
    recommendation_practices,
    recommendation_proposals,
    recommendation_table_notes,
)
from assembly.recommendations.motions import verdict_of

Owner = Callable[[int | None], str | None]
Rows = dict[str, list[tuple[Any, ...]]]


def _iso(value: Any) -> str | None:
    from assembly.exports.services import iso

    return iso(value)


async def drafting_rows(db: AsyncSession, assembly_id: int, owner: Owner) -> Rows:
    recommendations = list(
        (
            await db.scalars(
                select(Recommendation)
                .where(Recommendation.assembly_id == assembly_id)
                .order_by(Recommendation.number)
            )
        ).all()
    )
    ids = [r.id for r in recommendations]
    rows: Rows = {
        "recommendations": [
            (
                r.id,
                r.assembly_id,
                r.number,
                r.title,
                r.rationale,
                r.revision,
                r.vote_topic_id,
                r.voting_revision,
                _iso(r.created_at),
            )
            for r in recommendations
        ]
    }
    if not ids:
        return rows | {name: [] for name in EMPTY}
    clauses = (
        await db.scalars(
            select(Clause)
            .where(Clause.recommendation_id.in_(ids))
            .order_by(Clause.recommendation_id, Clause.position, Clause.id)
        )
    ).all()
    numbers: dict[int, int] = {}
    rows["recommendation_clauses"] = []
    for clause in clauses:
        if not clause.deleted:
            numbers[clause.recommendation_id] = numbers.get(clause.recommendation_id, 0) + 1
        number = None if clause.deleted else numbers[clause.recommendation_id]
        rows["recommendation_clauses"].append(
            (
                clause.id,
                clause.recommendation_id,
                number,
                clause.text,
                clause.version,
                clause.deleted,
            )
        )
    rows["recommendation_links"] = await _links(db, ids)
    amendments = (
        await db.scalars(
            select(Amendment)
            .where(Amendment.recommendation_id.in_(ids))
            .order_by(Amendment.recommendation_id, Amendment.number)
        )
    ).all()
    rows["amendments"] = [
        (
            a.id,
            a.recommendation_id,
            a.number,
            a.kind,
            a.clause_id,
            a.base_version,
            a.base_text,
            a.text,
            a.reason,
            owner(a.participant_id),
            a.status,
            a.vote_topic_id,
            a.merged_revision,
            _iso(a.created_at),
        )
        for a in amendments
    ]
    rows["recommendation_votes"] = await _votes(db, recommendations, list(amendments))
    rows.update(await _minority(db, ids, assembly_id, owner))
    responses = (
        await db.scalars(
            select(RecommendationResponse)
            .where(RecommendationResponse.recommendation_id.in_(ids))
            .order_by(RecommendationResponse.recommendation_id, RecommendationResponse.version)
        )
    ).all()
    rows["responses"] = [
        (
            r.id,
            r.recommendation_id,
            r.version,
            r.stance,
            r.reasoning,
            r.promised_on.isoformat() if r.promised_on else None,
            _iso(r.created_at),
        )
        for r in responses
    ]
    updates = (
        await db.scalars(
            select(StatusUpdate)
            .where(StatusUpdate.recommendation_id.in_(ids))
            .order_by(StatusUpdate.recommendation_id, StatusUpdate.number, StatusUpdate.version)
        )
    ).all()
    rows["status_updates"] = [
        (
            u.id,
            u.recommendation_id,
            u.number,
            u.version,
            u.progress,
            u.description,
            u.happened_on.isoformat(),
            list(u.evidence or []),
            _iso(u.created_at),
        )
        for u in updates
    ]
    return rows


EMPTY = (
    "recommendation_clauses",
    "recommendation_links",
    "amendments",
    "recommendation_votes",
    "minority_statements",
    "minority_signatures",
    "responses",
    "status_updates",
)


async def _links(db: AsyncSession, ids: list[int]) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for rid, pid in (
        await db.execute(
            select(
                recommendation_proposals.c.recommendation_id, recommendation_proposals.c.proposal_id
            ).where(recommendation_proposals.c.recommendation_id.in_(ids))
        )
    ).tuples():
        found.append((rid, "proposal", str(pid)))
    for rid, nid in (
        await db.execute(
            select(
                recommendation_table_notes.c.recommendation_id,
                recommendation_table_notes.c.table_note_id,
            ).where(recommendation_table_notes.c.recommendation_id.in_(ids))
        )
    ).tuples():
        found.append((rid, "table_note", str(nid)))
    for rid, slug in (
        await db.execute(
            select(recommendation_practices.c.recommendation_id, Practice.slug)
            .join(Practice, Practice.id == recommendation_practices.c.practice_id)
            .where(recommendation_practices.c.recommendation_id.in_(ids))
        )
    ).tuples():
        found.append((rid, "practice", slug))
    return sorted(found)


async def _votes(
    db: AsyncSession, recommendations: list[Recommendation], amendments: list[Amendment]
) -> list[tuple[Any, ...]]:
    subjects: list[tuple[int, int, int | None, str]] = [
        (r.vote_topic_id, r.id, None, "recommendation") for r in recommendations if r.vote_topic_id
    ]
    subjects += [
        (a.vote_topic_id, a.recommendation_id, a.id, "amendment")
        for a in amendments
        if a.vote_topic_id
    ]
    topics = {
        t.id: t
        for t in (
            await db.scalars(select(Topic).where(Topic.id.in_([s[0] for s in subjects])))
        ).all()
    }
    rows = []
    for topic_id, recommendation_id, amendment_id, subject in sorted(subjects):
        verdict = verdict_of(topics.get(topic_id))
        if verdict is None:
            continue
        rows.append(
            (
                topic_id,
                recommendation_id,
                amendment_id,
                subject,
                verdict.threshold,
                verdict.abstentions,
                verdict.yes,
                verdict.no,
                verdict.abstain,
                verdict.share,
                verdict.adopted,
                verdict.ballots,
            )
        )
    return rows


async def _minority(db: AsyncSession, ids: list[int], assembly_id: int, owner: Owner) -> Rows:
    minimum = await db.scalar(
        select(DraftingProcess.minority_signatures).where(
            DraftingProcess.assembly_id == assembly_id
        )
    )
    statements = (
        await db.scalars(
            select(MinorityStatement)
            .where(MinorityStatement.recommendation_id.in_(ids))
            .order_by(MinorityStatement.id)
        )
    ).all()
    signatures: list[tuple[Any, ...]] = []
    counts: dict[int, int] = {}
    if statements:
        for statement_id, participant_id in (
            await db.execute(
                select(MinoritySignature.statement_id, MinoritySignature.participant_id).where(
                    MinoritySignature.statement_id.in_([s.id for s in statements])
                )
            )
        ).tuples():
            counts[statement_id] = counts.get(statement_id, 0) + 1
            pseudonym = owner(participant_id)
            if pseudonym is not None:
                signatures.append((statement_id, pseudonym))
    needed = int(minimum or 1)
    return {
        "minority_statements": [
            (
                s.id,
                s.recommendation_id,
                s.text,
                owner(s.participant_id),
                counts.get(s.id, 0),
                counts.get(s.id, 0) >= needed,
                _iso(s.created_at),
            )
            for s in statements
        ],
        "minority_signatures": sorted(signatures),
    }
