"""A small world for the quality gates: accounts of every role, and one published assembly
whose topics stand in each phase that has its own pages (proposals, voting, published).

Seeded through the models and the services, so the gates do not depend on the pages they check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from browser.live_server import PASSWORD, TEST_SECRET
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.ballots.services import cast_ballot, publish_ballots
from assembly.db.models import (
    Argument,
    Assembly,
    Participant,
    Proposal,
    ResearchGrant,
    SpotlightArea,
    Topic,
)
from assembly.invitations.services import issue_codes

FACILITATOR = "facilitator@example.org"
RESEARCHER = "researcher@example.org"
OUTSIDER_RESEARCHER = "outsider@example.org"
ADMIN = "admin@example.org"
__all__ = ["ADMIN", "FACILITATOR", "OUTSIDER_RESEARCHER", "PASSWORD", "RESEARCHER", "World"]


@dataclass
class World:
    slug: str
    assembly_id: int
    topics: dict[str, str]  # phase -> topic slug
    topic_ids: dict[str, int]
    proposal_ids: dict[str, list[int]]
    codes: list[str] = field(default_factory=list)
    other_slug: str = ""
    other_codes: list[str] = field(default_factory=list)

    def topic_url(self, phase: str) -> str:
        return f"/assemblies/{self.slug}/topics/{self.topics[phase]}"

    def manage_url(self, phase: str | None = None) -> str:
        base = f"/manage/assemblies/{self.slug}"
        return base if phase is None else f"{base}/topics/{self.topics[phase]}"


async def _assembly(db: Any, slug: str, facilitator: Any, title: str) -> Assembly:
    assembly = Assembly(
        slug=slug,
        title=title,
        place="Trondheim",
        description="A local assembly about the old harbour.\n\nEveryone is welcome.",
        status="published",
        demographic_questions=[],
        facilitators=[facilitator],
    )
    db.add(assembly)
    await db.flush()
    return assembly


async def seed_world(db: Any, *, codes: int = 8, other_codes: int = 2) -> World:
    """Accounts, the assembly ``harbour`` and a second assembly ``fjord`` (for cross-assembly
    checks), with invite codes for both."""
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    facilitator = await create_account(db, FACILITATOR, PASSWORD, "facilitator", "Fran")
    researcher = await create_account(db, RESEARCHER, PASSWORD, "researcher", "Reese")
    await create_account(db, OUTSIDER_RESEARCHER, PASSWORD, "researcher", "Otto")
    await create_account(db, ADMIN, PASSWORD, "admin", "Ada")
    assembly = await _assembly(db, "harbour", facilitator, "Harbour assembly")
    other = await _assembly(db, "fjord", facilitator, "Fjord assembly")
    db.add(ResearchGrant(assembly_id=assembly.id, account_id=researcher.id))

    voters = [
        Participant(assembly_id=assembly.id, pseudonym=f"Seeded {n}", joined_via="invite")
        for n in range(3)
    ]
    db.add_all(voters)
    await db.flush()
    topics: dict[str, str] = {}
    topic_ids: dict[str, int] = {}
    proposal_ids: dict[str, list[int]] = {}
    questions = {
        "proposals": "How should we use the old harbour?",
        "voting": "Which meeting place should the town build first?",
        "published": "What should the youth club offer?",
    }
    for position, (phase, question) in enumerate(questions.items()):
        topic = Topic(
            assembly_id=assembly.id,
            slug=f"{phase}-topic",
            position=position,
            question=question,
            background="Some background.\nA second line.",
            spotlight_area_id=area.id,
            voting_method="approval",
            voting_params={},
            seats=1,
            ballot_secrecy="secret",
            phase="voting" if phase == "published" else phase,
            phase_schedule={},
        )
        db.add(topic)
        await db.flush()
        proposals = [
            Proposal(
                topic_id=topic.id,
                title=title,
                body="Why this matters.",
                participant_id=voters[i].id,
            )
            for i, title in enumerate(["A covered market", "A swimming pier", "A quiet park"])
        ]
        db.add_all(proposals)
        await db.flush()
        db.add(
            Argument(
                proposal_id=proposals[0].id,
                participant_id=voters[1].id,
                stance="pro",
                body="Good all year round.",
            )
        )
        topics[phase] = topic.slug
        topic_ids[phase] = topic.id
        proposal_ids[phase] = [p.id for p in proposals]
        if phase == "published":
            for i, voter in enumerate(voters):
                await cast_ballot(
                    db, topic, voter, sorted({str(proposals[0].id), str(proposals[i].id)})
                )
            topic.phase = "published"
            await db.flush()
            await publish_ballots(db, topic)
            topic.summary_published = True
    await db.flush()
    issued = await issue_codes(db, assembly, codes, TEST_SECRET)
    other_issued = await issue_codes(db, other, other_codes, TEST_SECRET)
    return World(
        slug=assembly.slug,
        assembly_id=assembly.id,
        topics=topics,
        topic_ids=topic_ids,
        proposal_ids=proposal_ids,
        codes=[c.code for c in issued],
        other_slug=other.slug,
        other_codes=[c.code for c in other_issued],
    )
