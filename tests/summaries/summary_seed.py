"""Seeding topics for the summary tests through the models, ballots in the engine's format."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.db.models import (
    Argument,
    Assembly,
    Ballot,
    Participant,
    Proposal,
    Reaction,
    SpotlightArea,
    Topic,
)

PASSWORD = "correct horse battery"


@dataclass
class Seeded:
    assembly_id: int
    slug: str
    topic_id: int
    topic_slug: str
    facilitator_email: str
    proposal_ids: list[int] = field(default_factory=list)
    participant_ids: list[int] = field(default_factory=list)

    @property
    def summary_url(self) -> str:
        return f"/assemblies/{self.slug}/topics/{self.topic_slug}/summary"

    @property
    def manage_url(self) -> str:
        return f"/manage/assemblies/{self.slug}/topics/{self.topic_slug}/summary"

    def option(self, index: int) -> str:
        return str(self.proposal_ids[index])


async def seed_assembly(
    db: Any,
    *,
    slug: str = "harbour",
    language: str = "en",
    status: str = "published",
    invited: int = 0,
    questions: list[dict[str, Any]] | None = None,
    facilitator: bool = True,
) -> tuple[int, str]:
    email = f"facilitator-{slug}@example.org"
    assembly = Assembly(
        slug=slug,
        title=f"Assembly {slug}",
        place="Trondheim",
        language=language,
        status=status,
        invited_count=invited,
        demographic_questions=questions or [],
        facilitators=[],
        topics=[],
    )
    if facilitator:
        assembly.facilitators = [await create_account(db, email, PASSWORD, "facilitator")]
    db.add(assembly)
    await db.flush()
    return assembly.id, email


async def add_topic(
    db: Any,
    assembly_id: int,
    *,
    slug: str = "harbour-use",
    question: str = "How should we use the old harbour?",
    background: str = "",
    area: str | None = None,
    method: str = "approval",
    params: dict[str, Any] | None = None,
    seats: int = 1,
    phase: str = "closed",
    published: bool = False,
    notes: str = "",
    position: int = 0,
) -> int:
    query = select(SpotlightArea).order_by(SpotlightArea.position)
    if area is not None:
        query = select(SpotlightArea).where(SpotlightArea.slug == area)
    spotlight = await db.scalar(query)
    topic = Topic(
        assembly_id=assembly_id,
        slug=slug,
        position=position,
        question=question,
        background=background,
        spotlight_area_id=spotlight.id,
        voting_method=method,
        voting_params=params or {},
        seats=seats,
        ballot_secrecy="secret",
        phase=phase,
        phase_schedule={},
        summary_published=published,
        facilitator_notes=notes,
    )
    db.add(topic)
    await db.flush()
    return topic.id


async def add_participants(
    db: Any,
    assembly_id: int,
    count: int,
    *,
    channel: str = "online",
    prefix: str = "Person",
    demographics: list[dict[str, str]] | None = None,
) -> list[int]:
    people = []
    for i in range(count):
        answers = demographics[i] if demographics and i < len(demographics) else None
        people.append(
            Participant(
                assembly_id=assembly_id,
                pseudonym=f"{prefix} {i + 1}",
                channel=channel,
                demographics_consent=True if answers is not None else None,
                demographics=answers or {},
            )
        )
    db.add_all(people)
    await db.flush()
    return [p.id for p in people]


async def add_proposals(
    db: Any,
    topic_id: int,
    titles: list[str],
    *,
    bodies: list[str] | None = None,
    authors: list[int | None] | None = None,
    status: str = "visible",
) -> list[int]:
    proposals = [
        Proposal(
            topic_id=topic_id,
            title=title,
            body=(bodies or [""] * len(titles))[i],
            participant_id=(authors or [None] * len(titles))[i],
            status=status,
        )
        for i, title in enumerate(titles)
    ]
    db.add_all(proposals)
    await db.flush()
    return [p.id for p in proposals]


async def add_reactions(db: Any, rows: list[tuple[int, int, str]]) -> None:
    db.add_all(
        Reaction(participant_id=participant, proposal_id=proposal, reaction=reaction)
        for participant, proposal, reaction in rows
    )
    await db.flush()


async def add_argument(
    db: Any,
    proposal_id: int,
    participant_id: int | None,
    stance: str,
    body: str,
    status: str = "visible",
) -> int:
    argument = Argument(
        proposal_id=proposal_id,
        participant_id=participant_id,
        stance=stance,
        body=body,
        status=status,
    )
    db.add(argument)
    await db.flush()
    return argument.id


async def add_ballots(
    db: Any, topic_id: int, contents: list[Any], *, channel: str = "online"
) -> None:
    db.add_all(
        Ballot(
            topic_id=topic_id,
            content=content,
            receipt_hash=secrets.token_hex(32),
            channel=channel,
            secrecy="secret",
        )
        for content in contents
    )
    await db.flush()


def method_case(method: str, options: list[str]) -> tuple[list[Any], dict[str, Any], int]:
    """Ballots (engine format), parameters and seats for a topic of three options."""
    a, b, c = options
    rankings = [[a, b, c], [b, a], [c, b, a], [a, c], [b, c, a]]
    cases: dict[str, tuple[list[Any], dict[str, Any], int]] = {
        "approval": ([[a, b], [b], [c, b]], {}, 1),
        "score": ([{a: 5, b: 3}, {b: 4, c: 1}], {}, 1),
        "majority_judgment": ([{a: 5, b: 3, c: 0}, {a: 2, b: 4, c: 1}], {}, 1),
        "borda": (rankings, {}, 1),
        "schulze": (rankings, {}, 1),
        "ranked_pairs": (rankings, {}, 1),
        "irv": (rankings, {}, 1),
        "stv": (rankings, {}, 2),
        "dot": ([{a: 5, b: 5}, {c: 10}, {b: 10}], {}, 1),
        "quadratic": ([{a: 5, b: -3}, {c: 7}], {}, 1),
        "yes_no_abstain": (
            [{a: "yes", b: "no", c: "abstain"}, {a: "yes", b: "yes", c: "no"}],
            {},
            1,
        ),
        "consent": (
            [
                {a: "support", b: "block", c: "neutral"},
                {a: "concerns", b: "support", c: "support_with_reservations"},
            ],
            {},
            1,
        ),
        "budget": ([[a, b], [b], [c, b]], {"costs": {a: 100, b: 200, c: 300}, "budget": 400}, 1),
    }
    return cases[method]


async def seed_voted_topic(
    db: Any,
    assembly_id: int,
    method: str,
    *,
    slug: str | None = None,
    published: bool = True,
    position: int = 0,
) -> tuple[int, list[int]]:
    """A closed topic of three proposals with ballots for ``method``; returns (topic, proposals)."""
    topic_id = await add_topic(
        db,
        assembly_id,
        slug=slug or method.replace("_", "-"),
        question=f"Which harbour plan ({method})?",
        method=method,
        published=published,
        position=position,
    )
    proposal_ids = await add_proposals(
        db, topic_id, [f"{method} plan A", f"{method} plan B", f"{method} plan C"]
    )
    ballots, params, seats = method_case(method, [str(p) for p in proposal_ids])
    topic = await db.get(Topic, topic_id)
    # A budget's costs are the proposals' own.
    for option, cost in params.pop("costs", {}).items():
        (await db.get(Proposal, int(option))).cost = cost
    topic.voting_params = params
    topic.seats = seats
    await add_ballots(db, topic_id, ballots)
    return topic_id, proposal_ids
