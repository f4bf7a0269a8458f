"""What the recommendation pages show, read once and handed to the templates as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import (
    Amendment,
    Assembly,
    Clause,
    DraftingProcess,
    Participant,
    Recommendation,
    Topic,
)
from assembly.recommendations.amendments import (
    KIND_LABELS,
    STATUS_LABELS,
    amendments_of,
    is_conflicting,
)
from assembly.recommendations.diff import Piece, amendment_diff
from assembly.recommendations.minority import StatementView, statements_of
from assembly.recommendations.motions import Verdict, motions_by_id, verdict_of
from assembly.recommendations.services import Links, clauses_of, links_of


@dataclass
class ClauseView:
    number: int
    id: int
    version: int
    text: str


@dataclass
class AmendmentView:
    number: int
    kind: str
    kind_label: Any
    status: str
    status_label: Any
    clause_number: int | None
    base_text: str
    text: str
    reason: str
    author: str
    diff: list[Piece]
    current_text: str | None  # the clause now, when it no longer matches base_text
    verdict: Verdict | None
    motion: Topic | None
    path: str
    participant_id: int | None

    @property
    def conflicting(self) -> bool:
        return self.status == "conflict" or self.current_text is not None


@dataclass
class RecommendationView:
    recommendation: Recommendation
    clauses: list[ClauseView]
    links: Links
    amendments: list[AmendmentView] = field(default_factory=list)
    statements: list[StatementView] = field(default_factory=list)
    verdict: Verdict | None = None
    motion: Topic | None = None

    @property
    def number(self) -> int:
        return self.recommendation.number

    @property
    def title(self) -> str:
        return self.recommendation.title

    def shown_statements(self, minimum: int) -> list[StatementView]:
        return [s for s in self.statements if s.shown(minimum)]


async def _authors(db: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await db.execute(
        select(Participant.id, Participant.pseudonym).where(Participant.id.in_(ids))
    )
    return dict(rows.tuples().all())


def amendment_view(
    assembly: Assembly,
    recommendation: Recommendation,
    amendment: Amendment,
    clauses: dict[int, Clause],
    numbers: dict[int, int],
    authors: dict[int, str],
    motions: dict[int, Topic],
    facilitator_label: str,
) -> AmendmentView:
    clause = clauses.get(amendment.clause_id) if amendment.clause_id is not None else None
    open_status = amendment.status in ("proposed", "voting")
    current = None
    if (open_status or amendment.status == "conflict") and is_conflicting(amendment, clause):
        current = clause.text if clause is not None and not clause.deleted else ""
    motion = motions.get(amendment.vote_topic_id) if amendment.vote_topic_id else None
    base = f"/assemblies/{assembly.slug}/recommendations/{recommendation.number}"
    return AmendmentView(
        number=amendment.number,
        kind=amendment.kind,
        kind_label=KIND_LABELS.get(amendment.kind, amendment.kind),
        status=amendment.status,
        status_label=STATUS_LABELS.get(amendment.status, amendment.status),
        clause_number=numbers.get(amendment.clause_id) if amendment.clause_id else None,
        base_text=amendment.base_text,
        text=amendment.text,
        reason=amendment.reason,
        author=authors.get(amendment.participant_id or 0, facilitator_label),
        diff=amendment_diff(amendment.kind, amendment.base_text, amendment.text),
        current_text=current,
        verdict=verdict_of(motion),
        motion=motion,
        path=f"{base}/amendments/{amendment.number}",
        participant_id=amendment.participant_id,
    )


async def recommendation_views(
    db: AsyncSession,
    assembly: Assembly,
    recommendations: list[Recommendation],
    *,
    viewer_participant_id: int | None = None,
    facilitator_label: str = "",
    with_amendments: bool = True,
) -> list[RecommendationView]:
    ids = [r.id for r in recommendations]
    live = await clauses_of(db, ids)
    every = await clauses_of(db, ids, with_deleted=True)
    amendments = await amendments_of(db, ids) if with_amendments else []
    motion_ids = [r.vote_topic_id for r in recommendations if r.vote_topic_id is not None]
    motion_ids += [a.vote_topic_id for a in amendments if a.vote_topic_id is not None]
    motions = await motions_by_id(db, motion_ids)
    authors = await _authors(db, {a.participant_id for a in amendments if a.participant_id})
    statements = await statements_of(db, ids, viewer_participant_id)
    views = []
    for recommendation in recommendations:
        clauses = live[recommendation.id]
        numbers = {c.id: i for i, c in enumerate(clauses, start=1)}
        by_id = {c.id: c for c in every[recommendation.id]}
        motion = motions.get(recommendation.vote_topic_id or 0)
        view = RecommendationView(
            recommendation=recommendation,
            clauses=[ClauseView(i, c.id, c.version, c.text) for i, c in enumerate(clauses, 1)],
            links=await links_of(db, recommendation),
            statements=statements.get(recommendation.id, []),
            verdict=verdict_of(motion),
            motion=motion,
        )
        view.amendments = [
            amendment_view(
                assembly,
                recommendation,
                a,
                by_id,
                numbers,
                authors,
                motions,
                facilitator_label,
            )
            for a in amendments
            if a.recommendation_id == recommendation.id
        ]
        views.append(view)
    return views


def share_percent(verdict: Verdict | None) -> float | None:
    return verdict.share if verdict is not None else None


def process_is_saved(process: DraftingProcess) -> bool:
    return process.id is not None
