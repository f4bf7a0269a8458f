"""The drafting process through its services: drafting, amendments and their conflicts, final
votes against a threshold, minority statements, and the rules that refuse what does not fit."""

from __future__ import annotations

from typing import Any

import pytest
from assemblies.manage_seed import fast_passwords  # noqa: F401  (an autouse fixture)
from recommendations.drafting_seed import seed_drafting
from sqlalchemy import func, select

from assembly.ballots.services import counted_ballots, result_of
from assembly.db.models import (
    Amendment,
    Assembly,
    Ballot,
    Clause,
    Participant,
    Recommendation,
    RecommendationRevision,
    Topic,
)
from assembly.errors import Conflict, InvalidInput, NotAllowed
from assembly.recommendations import amendments, lifecycle, minority, voting
from assembly.recommendations import services as drafting
from assembly.recommendations.amendments import AmendmentInput
from assembly.recommendations.motions import verdict_of
from assembly.recommendations.services import Actor, RecommendationInput, SettingsInput


def settings_input(**overrides: str) -> SettingsInput:
    values = {
        "threshold": "80",
        "amendment_threshold": "50",
        "abstentions": "excluded",
        "ballot_secrecy": "secret",
        "minority_signatures": "2",
        "remit": "How should the town use its old harbour?",
        "commissioned_by": "Trondheim municipality",
        "meetings": "4",
        "meeting_hours": "12",
        "data_url": "",
        "response_due_on": "",
    }
    values.update(overrides)
    return SettingsInput(**values)


async def _load(db: Any, seed: Any) -> tuple[Assembly, Actor]:
    assembly = await db.get(Assembly, seed.assembly_id)
    return assembly, Actor(account_id=seed.facilitator_id, facilitator=True)


async def _draft_three(db: Any, seed: Any) -> list[Recommendation]:
    assembly, facilitator = await _load(db, seed)
    await drafting.save_settings(db, assembly, settings_input(), facilitator)
    process = await lifecycle.prepare_write(db, assembly)
    made = []
    texts = [
        ("A market hall", ["Open a covered market by 2027.", "Keep stalls cheap for locals."]),
        ("A swimming pier", ["Build a swimming pier.", "Keep it open all year."]),
        ("A youth club", ["Open a youth club by the water."]),
    ]
    for i, (title, clauses) in enumerate(texts):
        made.append(
            await drafting.create_recommendation(
                db,
                assembly,
                process,
                RecommendationInput(
                    title=title,
                    clauses=clauses,
                    rationale="Members asked for it.",
                    proposal_ids=[seed.proposal_ids[i], seed.proposal_ids[3]],
                    table_note_ids=[seed.table_note_id] if i == 0 else [],
                    practice_ids=[seed.practice_id],
                ),
                facilitator,
            )
        )
    return made


async def _member(db: Any, seed: Any, n: int) -> tuple[Participant, Actor]:
    participant = await db.get(Participant, seed.member_ids[n])
    return participant, Actor(participant_id=participant.id)


def test_the_whole_drafting_process(db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, members=10))

    async def draft(s: Any) -> None:
        made = await _draft_three(s, seed)
        assert [r.number for r in made] == [1, 2, 3]
        links = await drafting.links_of(s, made[0])
        assert [p[0] for p in links.proposals] == [seed.proposal_ids[0], seed.proposal_ids[3]]
        assert [n.id for n in links.table_notes] == [seed.table_note_id]
        assert [p.id for p in links.practices] == [seed.practice_id]
        assembly, facilitator = await _load(s, seed)
        await lifecycle.move_phase(s, assembly, "amending", facilitator)

    db(draft)

    async def amend(s: Any) -> dict[str, int]:
        assembly, facilitator = await _load(s, seed)
        process = await lifecycle.prepare_write(s, assembly)
        first = await drafting.get_recommendation(s, assembly, 1)
        clauses = await drafting.live_clauses(s, first)
        _, author = await _member(s, seed, 0)
        replace = await amendments.propose_amendment(
            s,
            assembly,
            process,
            first,
            AmendmentInput(
                "replace",
                clauses[0].id,
                clauses[0].version,
                "Open a covered market by 2026.",
                "Sooner.",
            ),
            author,
        )
        # A second amendment to the same clause, written against the same version.
        rival = await amendments.propose_amendment(
            s,
            assembly,
            process,
            first,
            AmendmentInput(
                "replace", clauses[0].id, clauses[0].version, "Open two markets.", "More room."
            ),
            author,
        )
        insert = await amendments.propose_amendment(
            s,
            assembly,
            process,
            first,
            AmendmentInput("insert", None, None, "Ask traders first.", "Start with them."),
            author,
        )
        for amendment in (replace, rival, insert):
            await amendments.open_vote(s, assembly, process, first, amendment, facilitator)
        return {"replace": replace.number, "rival": rival.number, "insert": insert.number}

    numbers = db(amend)

    async def vote_on_amendments(s: Any) -> None:
        assembly, _ = await _load(s, seed)
        process = await lifecycle.prepare_write(s, assembly)
        for n in range(10):
            participant, _ = await _member(s, seed, n)
            for name, answer in (("replace", "yes"), ("rival", "yes"), ("insert", "yes")):
                target = await voting.load_target(s, assembly, 1, numbers[name])
                code = await voting.cast(s, process, target, participant, answer, None)
                assert len(code) == 19

    db(vote_on_amendments)

    async def close_amendments(s: Any) -> None:
        assembly, facilitator = await _load(s, seed)
        first = await drafting.get_recommendation(s, assembly, 1)
        for name in ("replace", "rival", "insert"):
            amendment = await amendments.get_amendment(s, first, numbers[name])
            if amendment.status == "voting":
                await amendments.close_vote(s, assembly, first, amendment, facilitator)

    db(close_amendments)

    async def check_merge(s: Any) -> None:
        assembly, _ = await _load(s, seed)
        first = await drafting.get_recommendation(s, assembly, 1)
        texts = [c.text for c in await drafting.live_clauses(s, first)]
        assert texts == [
            "Ask traders first.",
            "Open a covered market by 2026.",
            "Keep stalls cheap for locals.",
        ]
        statuses = {
            name: (await amendments.get_amendment(s, first, numbers[name])).status
            for name in numbers
        }
        # The rival was voted on too, but its clause had changed: caught, never merged.
        assert statuses == {"replace": "adopted", "rival": "conflict", "insert": "adopted"}
        assert first.revision == 3
        revisions = await drafting.revisions_of(s, first)
        assert [r.cause for r in revisions] == ["created", "amendment", "amendment"]
        assert revisions[0].clauses == [
            "Open a covered market by 2027.",
            "Keep stalls cheap for locals.",
        ]

    db(check_merge)

    async def final_votes(s: Any) -> None:
        assembly, facilitator = await _load(s, seed)
        await lifecycle.move_phase(s, assembly, "voting", facilitator)
        process = await lifecycle.prepare_write(s, assembly)
        # Recommendation 2 gets 7 yes of 10 (70 % < 80 %); the others pass.
        for n in range(10):
            participant, _ = await _member(s, seed, n)
            for number in (1, 2, 3):
                target = await voting.load_target(s, assembly, number, None)
                answer = "no" if number == 2 and n >= 7 else "yes"
                if number == 3 and n == 9:
                    answer = "abstain"
                revision = target.recommendation.revision
                await voting.cast(s, process, target, participant, answer, revision)

    db(final_votes)

    async def statements(s: Any) -> None:
        assembly, _ = await _load(s, seed)
        process = await lifecycle.prepare_write(s, assembly)
        second = await drafting.get_recommendation(s, assembly, 2)
        author, _ = await _member(s, seed, 8)
        other, _ = await _member(s, seed, 9)
        statement = await minority.add_statement(
            s, assembly, process, second, author, "A pier costs too much to keep open in winter."
        )
        await minority.sign(s, assembly, process, second, statement.id, other)
        with pytest.raises(Conflict):
            await minority.sign(s, assembly, process, second, statement.id, other)

    db(statements)

    async def finish(s: Any) -> None:
        assembly, facilitator = await _load(s, seed)
        await lifecycle.move_phase(s, assembly, "final", facilitator)

    db(finish)

    async def results(s: Any) -> None:
        assembly, _ = await _load(s, seed)
        verdicts = {}
        for number in (1, 2, 3):
            recommendation = await drafting.get_recommendation(s, assembly, number)
            topic = await s.get(Topic, recommendation.vote_topic_id)
            assert topic.kind == "motion"
            assert topic.phase == "published"
            assert topic.ballots_published
            # The published tally is the voting engine's count of the stored ballots.
            counted = await counted_ballots(s, topic)
            assert result_of(topic, counted).to_dict() == topic.published_result
            verdicts[number] = verdict_of(topic)
        assert verdicts[1].adopted
        assert verdicts[1].share == 1.0
        assert not verdicts[2].adopted
        assert (verdicts[2].yes, verdicts[2].no, verdicts[2].share) == (7, 3, 0.7)
        assert verdicts[2].threshold == "4/5"
        assert verdicts[3].adopted
        assert (verdicts[3].yes, verdicts[3].abstain) == (9, 1)
        # Motions are no topics of the assembly's pages.
        assert [t.slug for t in assembly.topics] == ["harbour-use"]
        views = await minority.statements_of(
            s, [verdicts and (await drafting.get_recommendation(s, assembly, 2)).id]
        )
        (statement,) = next(iter(views.values()))
        assert statement.signers == ["Member 08", "Member 09"]
        assert statement.shown(2)

    db(results)


def test_drafting_is_for_facilitators_and_drafters_while_drafting(db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, slug="fjord", members=3))

    async def work(s: Any) -> None:
        assembly, facilitator = await _load(s, seed)
        process = await lifecycle.prepare_write(s, assembly)
        values = RecommendationInput("T", ["A clause."], "", [seed.proposal_ids[0]])
        participant, member = await _member(s, seed, 0)
        with pytest.raises(NotAllowed):
            await drafting.create_recommendation(s, assembly, process, values, member)
        await drafting.grant_drafter(s, assembly, "member 00", facilitator)
        assert await drafting.is_drafter(s, participant.id)
        drafter = Actor(participant_id=participant.id, drafter=True)
        made = await drafting.create_recommendation(s, assembly, process, values, drafter)
        assert made.created_by_participant_id == participant.id
        with pytest.raises(InvalidInput) as bad:
            await drafting.create_recommendation(
                s, assembly, process, RecommendationInput("", [], "", [999_999]), drafter
            )
        assert set(bad.value.errors) == {"title", "clauses", "proposals"}
        # An edit made from an older revision does not overwrite a newer one.
        edit = RecommendationInput("T2", ["A clause.", "Another."], "", [seed.proposal_ids[0]])
        edit.revision = 1
        await drafting.update_recommendation(s, assembly, process, made, edit, drafter)
        assert made.revision == 2
        with pytest.raises(Conflict):
            await drafting.update_recommendation(s, assembly, process, made, edit, drafter)
        await lifecycle.move_phase(s, assembly, "amending", facilitator)
        edit.revision = 2
        with pytest.raises(Conflict):
            await drafting.update_recommendation(s, assembly, process, made, edit, drafter)

    db(work)


def test_a_stale_amendment_form_and_a_stale_ballot_are_refused(db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, slug="stale", members=3))

    async def work(s: Any) -> None:
        made = await _draft_three(s, seed)
        assembly, facilitator = await _load(s, seed)
        await lifecycle.move_phase(s, assembly, "amending", facilitator)
        process = await lifecycle.prepare_write(s, assembly)
        first = made[0]
        clause = (await drafting.live_clauses(s, first))[1]
        _, member = await _member(s, seed, 0)
        with pytest.raises(amendments.ClauseChanged):
            await amendments.propose_amendment(
                s,
                assembly,
                process,
                first,
                AmendmentInput("delete", clause.id, clause.version + 1, "", "Too costly."),
                member,
            )
        # Voting opens, is taken back (no ballot yet), the text changes, and opens again:
        # a ballot form shown before the change is refused.
        await lifecycle.move_phase(s, assembly, "voting", facilitator)
        target = await voting.load_target(s, assembly, 1, None)
        shown_revision = target.recommendation.revision
        await lifecycle.move_phase(s, assembly, "amending", facilitator, confirmed=True)
        process = await lifecycle.prepare_write(s, assembly)
        amendment = await amendments.propose_amendment(
            s,
            assembly,
            process,
            first,
            AmendmentInput("delete", clause.id, clause.version, "", "Too costly."),
            member,
        )
        await amendments.open_vote(s, assembly, process, first, amendment, facilitator)
        participant, _ = await _member(s, seed, 1)
        target = await voting.load_target(s, assembly, 1, amendment.number)
        await voting.cast(s, process, target, participant, "yes", None)
        await lifecycle.move_phase(s, assembly, "voting", facilitator)
        process = await lifecycle.prepare_write(s, assembly)
        target = await voting.load_target(s, assembly, 1, None)
        assert target.recommendation.revision == shown_revision + 1
        with pytest.raises(voting.TextChanged):
            await voting.cast(s, process, target, participant, "yes", shown_revision)
        # A change made behind the process's back (the revision voting opened on is gone).
        target.recommendation.revision += 1
        with pytest.raises(voting.TextChanged):
            await voting.cast(
                s, process, target, participant, "yes", target.recommendation.revision
            )
        target.recommendation.revision -= 1
        code = await voting.cast(s, process, target, participant, "no", shown_revision + 1)
        assert code
        # Nothing moves back once a final ballot is cast.
        with pytest.raises(Conflict):
            await lifecycle.move_phase(s, assembly, "amending", facilitator, confirmed=True)
        ballots = await s.scalar(select(func.count()).select_from(Ballot))
        assert ballots == 2

    db(work)


def test_settings_are_checked_and_fixed_once_a_vote_opened(db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, slug="rules", members=2))

    async def work(s: Any) -> None:
        assembly, facilitator = await _load(s, seed)
        with pytest.raises(InvalidInput) as bad:
            await drafting.save_settings(
                s,
                assembly,
                settings_input(threshold="120", minority_signatures="0", data_url="ftp://x"),
                facilitator,
            )
        assert set(bad.value.errors) == {"threshold", "minority_signatures", "data_url"}
        process = await drafting.save_settings(
            s, assembly, settings_input(threshold="2/3"), facilitator
        )
        assert process.threshold == "2/3"
        assert drafting.format_share("4/5") == "80"
        await _draft_three(s, seed)
        await lifecycle.move_phase(s, assembly, "voting", facilitator)
        await drafting.save_settings(s, assembly, settings_input(threshold="50"), facilitator)
        assert process.threshold == "4/5"  # _draft_three set 80 %; the vote is open now

    db(work)


def test_a_scheduled_phase_start_is_carried_out_by_the_next_change(db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, slug="clock", members=2))

    async def work(s: Any) -> None:
        import datetime as dt

        made = await _draft_three(s, seed)
        assembly, _facilitator = await _load(s, seed)
        process = await lifecycle.prepare_write(s, assembly)
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).astimezone(dt.UTC)
        process.phase_schedule = {
            "amending": (past - dt.timedelta(hours=1)).isoformat(),
            "voting": past.isoformat(),
        }
        assert process.phase == "drafting"
        assert drafting.phase_now(process) == "voting"
        assert await lifecycle.apply_schedule(s, assembly, process)
        assert process.phase == "voting"
        assert made[0].vote_topic_id is not None
        assert not await lifecycle.apply_schedule(s, assembly, process)
        amendments_left = await s.scalar(select(func.count()).select_from(Amendment))
        assert amendments_left == 0
        assert await s.scalar(select(func.count()).select_from(RecommendationRevision)) == 3
        assert await s.scalar(select(func.count()).select_from(Clause)) == 5

    db(work)
