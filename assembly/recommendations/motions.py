"""Putting an amendment or a recommendation to the vote, and reading the engine's verdict.

Why motions are topics. The ballot machinery (casting with receipts, changing a vote, paper
entry, sealing secret ballots at the close, publishing them anonymised with the tally, the
research export of ballots and results, and ``assembly recount``) is written for topics and
already holds every rule about secrecy and lost votes. A second ballot store for the drafting
process would have to repeat all of it. So each vote of the drafting process is a topic row of
kind "motion" (``assembly.ballots.motions``): one option, the yes/no/abstain method, the
assembly's threshold and abstention rule as the method's parameters, and the assembly's choice
of secret or open ballots. Motions are hidden from the assembly's topic lists and pages; the
only change the shared ballot code needed is where a ballot's options come from.

The verdict, adopted or not with its share of support, is read from the published tally
(``Topic.published_result``), which the voting engine computed and which a recount checks.
Phases of a motion move only through the topics' own phase service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots.services import stored_result
from assembly.db.models import Ballot, DraftingProcess, Proposal, SpotlightArea, Topic
from assembly.db.models.base import utcnow
from assembly.recommendations.services import links_of
from assembly.topics.lifecycle import move_phase

METHOD = "yes_no_abstain"


@dataclass(frozen=True)
class Verdict:
    """What the voting engine decided on one motion."""

    adopted: bool
    yes: int
    no: int
    abstain: int
    share: float | None
    threshold: str
    abstentions: str
    arithmetic: str
    ballots: int

    @property
    def answered(self) -> int:
        return self.yes + self.no + self.abstain


def params_for(threshold: str, abstentions: str) -> dict[str, Any]:
    return {"threshold": threshold, "abstentions": abstentions}


def final_params(process: DraftingProcess) -> dict[str, Any]:
    return params_for(process.threshold, process.abstentions)


def amendment_params(process: DraftingProcess) -> dict[str, Any]:
    return params_for(process.amendment_threshold, process.abstentions)


async def _free_slug(db: AsyncSession, assembly_id: int, base: str) -> str:
    taken = set(
        (await db.scalars(select(Topic.slug).where(Topic.assembly_id == assembly_id))).all()
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


async def area_for(db: AsyncSession, recommendation_id: int) -> int:
    """The spotlight area of the topic a recommendation's first proposal came from."""
    from assembly.db.models import Recommendation

    recommendation = await db.get(Recommendation, recommendation_id)
    if recommendation is not None:
        links = await links_of(db, recommendation)
        if links.proposals:
            proposal = await db.get(Proposal, links.proposals[0][0])
            if proposal is not None:
                topic = await db.get(Topic, proposal.topic_id)
                if topic is not None:
                    return topic.spotlight_area_id
    area = await db.scalar(select(SpotlightArea.id).order_by(SpotlightArea.position).limit(1))
    assert area is not None, "the catalogue has no spotlight area"
    return int(area)


async def open_motion(
    db: AsyncSession,
    *,
    assembly_id: int,
    slug: str,
    question: str,
    background: str,
    area_id: int,
    params: dict[str, Any],
    secrecy: str,
    actor_id: int | None,
) -> Topic:
    """A new motion, open for voting."""
    topic = Topic(
        assembly_id=assembly_id,
        slug=await _free_slug(db, assembly_id, slug),
        kind="motion",
        position=0,
        question=question[:300],
        background=background,
        spotlight_area_id=area_id,
        voting_method=METHOD,
        voting_params=params,
        seats=1,
        ballot_secrecy=secrecy,
        phase="draft",
        phase_schedule={},
        phase_changed_at=utcnow(),
    )
    db.add(topic)
    await db.flush()
    await move_phase(db, topic, "voting", actor_id)
    return topic


async def reopen_motion(
    db: AsyncSession, topic: Topic, question: str, background: str, actor_id: int | None
) -> None:
    """Open a motion again that was taken back before any ballot was cast, with its new text."""
    topic.question = question[:300]
    topic.background = background
    if topic.phase != "voting":
        await move_phase(db, topic, "voting", actor_id)


async def withdraw_motion(db: AsyncSession, topic: Topic, actor_id: int | None) -> None:
    """Take an open motion back out of voting (only while nobody has voted on it)."""
    if topic.phase == "voting":
        await move_phase(db, topic, "deliberation", actor_id, confirmed=True)


async def close_motion(db: AsyncSession, topic: Topic, actor_id: int | None) -> Verdict:
    """Close the vote (the secret ballots are sealed), publish the ballots and the tally."""
    if topic.phase in ("draft", "proposals", "deliberation", "voting"):
        await move_phase(db, topic, "closed", actor_id)
    if topic.phase == "closed":
        await move_phase(db, topic, "published", actor_id)
    found = verdict_of(topic)
    assert found is not None, "a published motion has a tally"
    return found


def verdict_of(topic: Topic | None) -> Verdict | None:
    """The engine's verdict on a motion once its tally is published; None before."""
    if topic is None:
        return None
    result = stored_result(topic)
    if result is None:
        return None
    explanation = result.explanation
    option = dict((explanation.get("options") or {}).get(topic.slug) or {})
    share = option.get("yes_share")
    return Verdict(
        adopted=bool(option.get("adopted")),
        yes=int(option.get("yes", 0)),
        no=int(option.get("no", 0)),
        abstain=int(option.get("abstain", 0)),
        share=float(share) if share is not None else None,
        threshold=str(explanation.get("threshold", result.params.get("threshold", ""))),
        abstentions=str(
            explanation.get("abstentions", result.params.get("abstentions", "excluded"))
        ),
        arithmetic=str(option.get("arithmetic", "")),
        ballots=int(explanation.get("ballots", 0) or 0),
    )


async def ballots_cast(db: AsyncSession, topic_id: int | None) -> int:
    if topic_id is None:
        return 0
    found = await db.scalar(select(func.count()).where(Ballot.topic_id == topic_id))
    return int(found or 0)


async def motions_by_id(db: AsyncSession, ids: list[int]) -> dict[int, Topic]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = await db.scalars(select(Topic).where(Topic.id.in_(wanted)))
    return {topic.id: topic for topic in rows.all()}
