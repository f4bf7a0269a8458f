"""An assembly ready for drafting: a finished topic with proposals, members, a table note, a
facilitator and a responder, seeded through the models (so the tests do not depend on the
pages they check), and helpers that walk the drafting process through its services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.db.models import (
    Assembly,
    Participant,
    Practice,
    Proposal,
    SpotlightArea,
    TableNote,
    TablePlan,
    Topic,
)

PASSWORD = "correct horse battery"
FACILITATOR = "drafting-facilitator@example.org"
RESPONDER = "responder@example.org"


@dataclass
class Drafting:
    assembly_id: int
    slug: str
    facilitator_id: int
    responder_id: int
    topic_id: int
    proposal_ids: list[int]
    member_ids: list[int]
    table_note_id: int
    practice_id: int
    members: dict[str, int] = field(default_factory=dict)


async def seed_drafting(
    db: Any,
    *,
    slug: str = "harbour",
    members: int = 10,
    language: str = "en",
    facilitator_email: str = FACILITATOR,
    responder_email: str = RESPONDER,
) -> Drafting:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    practice = await db.scalar(select(Practice).order_by(Practice.position))
    facilitator = await create_account(db, facilitator_email, PASSWORD, "facilitator", "Fran")
    responder = await create_account(db, responder_email, PASSWORD, "responder", "Rita")
    assembly = Assembly(
        slug=slug,
        title="Harbour assembly",
        place="Trondheim",
        language=language,
        status="published",
        demographic_questions=[],
        facilitators=[facilitator],
    )
    db.add(assembly)
    await db.flush()
    topic = Topic(
        assembly_id=assembly.id,
        slug="harbour-use",
        question="How should we use the old harbour?",
        spotlight_area_id=area.id,
        voting_method="approval",
        voting_params={},
        seats=1,
        ballot_secrecy="secret",
        phase="published",
        phase_schedule={},
    )
    db.add(topic)
    await db.flush()
    people = [
        Participant(assembly_id=assembly.id, pseudonym=f"Member {n:02d}", joined_via="invite")
        for n in range(members)
    ]
    db.add_all(people)
    await db.flush()
    titles = ["A covered market", "A swimming pier", "A quiet park", "Youth club by the water"]
    proposals = [
        Proposal(
            topic_id=topic.id,
            title=t,
            body="Why this matters.",
            participant_id=people[i % len(people)].id if people else None,
        )
        for i, t in enumerate(titles)
    ]
    db.add_all(proposals)
    plan = TablePlan(assembly_id=assembly.id, name="Evening 1", table_count=2, round_count=1)
    db.add(plan)
    await db.flush()
    note = TableNote(
        table_plan_id=plan.id,
        round_number=1,
        table_number=1,
        key_points="The market should be open all year.",
        proposal_ids=[proposals[0].id],
    )
    db.add(note)
    await db.flush()
    return Drafting(
        assembly_id=assembly.id,
        slug=slug,
        facilitator_id=facilitator.id,
        responder_id=responder.id,
        topic_id=topic.id,
        proposal_ids=[p.id for p in proposals],
        member_ids=[p.id for p in people],
        table_note_id=note.id,
        practice_id=practice.id,
        members={p.pseudonym: p.id for p in people},
    )


async def complete_process(db: Any, seed: Drafting) -> None:
    """Draft three recommendations, amend the first (one amendment merged, one in conflict),
    vote (the second fails its 80 % threshold), add a minority statement to the third, count,
    publish the report, and answer each recommendation with two status updates. Needs at least
    ten members; in one transaction, through the services only."""
    import datetime as dt

    from assembly.recommendations import amendments, lifecycle, minority, voting
    from assembly.recommendations import services as drafting
    from assembly.recommendations.amendments import AmendmentInput
    from assembly.recommendations.services import Actor, RecommendationInput, SettingsInput
    from assembly.responses import services as responses

    assembly = await db.get(Assembly, seed.assembly_id)
    facilitator = Actor(account_id=seed.facilitator_id, facilitator=True)
    members = [await db.get(Participant, pid) for pid in seed.member_ids]
    await drafting.save_settings(
        db,
        assembly,
        SettingsInput(
            threshold="80",
            amendment_threshold="50",
            abstentions="excluded",
            ballot_secrecy="secret",
            minority_signatures="2",
            remit="How should the town use its old harbour?",
            commissioned_by="Trondheim municipality",
            meetings="4",
            meeting_hours="14",
            data_url="",
            response_due_on="",
        ),
        facilitator,
    )
    process = await lifecycle.prepare_write(db, assembly)
    texts = [
        ("A market hall", ["Open a covered market by 2027.", "Keep stalls cheap for locals."]),
        ("A swimming pier", ["Build a swimming pier.", "Keep it open all year."]),
        ("A youth club", ["Open a youth club by the water."]),
    ]
    for i, (title, clauses) in enumerate(texts):
        await drafting.create_recommendation(
            db,
            assembly,
            process,
            RecommendationInput(
                title=title,
                clauses=clauses,
                rationale="Members asked for it at every table.",
                proposal_ids=[seed.proposal_ids[i]],
                table_note_ids=[seed.table_note_id] if i == 0 else [],
                practice_ids=[seed.practice_id],
            ),
            facilitator,
        )
    await lifecycle.move_phase(db, assembly, "amending", facilitator)
    first = await drafting.get_recommendation(db, assembly, 1)
    clause = (await drafting.live_clauses(db, first))[0]
    author = Actor(participant_id=members[0].id)
    made = [
        await amendments.propose_amendment(
            db,
            assembly,
            process,
            first,
            AmendmentInput("replace", clause.id, clause.version, text, "Sooner is better."),
            author,
        )
        for text in ("Open a covered market by 2026.", "Open two covered markets.")
    ]
    for amendment in made:
        await amendments.open_vote(db, assembly, process, first, amendment, facilitator)
        for member in members:
            target = await voting.load_target(db, assembly, 1, amendment.number)
            await voting.cast(db, process, target, member, "yes", None)
    for amendment in made:
        if amendment.status == "voting":
            await amendments.close_vote(db, assembly, first, amendment, facilitator)
    await lifecycle.move_phase(db, assembly, "voting", facilitator)
    for n, member in enumerate(members):
        for number in (1, 2, 3):
            target = await voting.load_target(db, assembly, number, None)
            answer = "no" if number == 2 and n % 10 >= 7 else "yes"
            await voting.cast(db, process, target, member, answer, target.recommendation.revision)
    third = await drafting.get_recommendation(db, assembly, 3)
    statement = await minority.add_statement(
        db, assembly, process, third, members[1], "A club should be inland, nearer to schools."
    )
    await minority.sign(db, assembly, process, third, statement.id, members[2])
    await lifecycle.move_phase(db, assembly, "final", facilitator)
    await drafting.publish_report(db, assembly, process, facilitator)
    stances = ("accepted", "not_accepted", "accepted_in_part")
    for number, stance in zip((1, 2, 3), stances, strict=True):
        recommendation = await drafting.get_recommendation(db, assembly, number)
        await responses.record_response(
            db,
            assembly,
            process,
            recommendation,
            responses.ResponseInput(
                stance, f"Our answer to recommendation {number}.", "2027-06-30"
            ),
            seed.responder_id,
        )
        for step, progress in enumerate(("in_progress", "implemented"), start=1):
            await responses.add_update(
                db,
                assembly,
                process,
                recommendation,
                responses.UpdateInput(
                    progress,
                    f"Step {step} for recommendation {number}.",
                    (dt.date(2027, 1, 15) + dt.timedelta(days=90 * step)).isoformat(),
                    ["https://example.org/decision"],
                ),
                seed.responder_id,
            )
