"""Topic summaries as data: every voting method, empty topics, planted opinion groups, practice
links, strongest arguments, representativeness, table notes and the cache."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from summaries.summary_seed import (
    add_argument,
    add_ballots,
    add_participants,
    add_proposals,
    add_reactions,
    add_topic,
    seed_assembly,
    seed_voted_topic,
)

from assembly.db.models import (
    Argument,
    AuditEvent,
    Reaction,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
    TopicSummary,
)
from assembly.errors import InvalidInput
from assembly.summaries.representativeness import representativeness
from assembly.summaries.services import (
    OPINION_SEED,
    compute_topic_summary,
    data_version,
    get_topic_summary,
    publish_summary,
    save_facilitator_notes,
    withdraw_summary,
)
from assembly.voting import METHODS

WIGAN = (
    "Our council should make a deal with residents: a community contract where the "
    "municipality, local groups and citizens each take responsibility for shared goals."
)
STAIRWAY = (
    "An interdisciplinary team in our neighbourhood should support the most vulnerable "
    "families and help them connect with the people around them."
)


async def _summary(s: Any, topic_id: int) -> dict[str, Any]:
    topic = await s.get(Topic, topic_id)
    return await compute_topic_summary(s, topic)


def test_every_voting_method_gives_plain_data_with_its_figures(db: Any) -> None:
    async def work(s: Any) -> dict[str, Any]:
        assembly_id, _ = await seed_assembly(s)
        out = {}
        for position, method in enumerate(METHODS):
            topic_id, proposals = await seed_voted_topic(s, assembly_id, method, position=position)
            out[method] = (await _summary(s, topic_id), [str(p) for p in proposals])
        return out

    results = db(work)
    assert set(results) == set(METHODS)
    for method, (content, (a, b, c)) in results.items():
        json.loads(json.dumps(content))  # JSON-serialisable, as the cache needs
        result = content["result"]
        assert result["method"] == method
        assert result["ballots"] > 0, method
        assert result["winners"], method
        assert set(result["shown"]) == {a, b, c}, method
        assert set(result["winners"]) <= set(content["proposals"]), method
        assert content["participation"]["ballots"] == result["ballots"]
    approval = results["approval"][0]["result"]
    a, b, c = results["approval"][1]
    assert approval["winners"] == [b]
    assert approval["figures"]["approvals"] == {a: 1, b: 3, c: 1}
    schulze = results["schulze"][0]["result"]["figures"]
    a, b, c = results["schulze"][1]
    assert schulze["d"][b][a] == 3
    assert schulze["d"][a][b] == 2
    assert schulze["p"][b][c] == 3
    assert schulze["ranks_above"][b] == 2
    irv = results["irv"][0]["result"]["figures"]
    assert [r["round"] for r in irv["rounds"]] == [1, 2]
    assert irv["rounds"][0]["eliminated"] == results["irv"][1][2]
    stv = results["stv"][0]["result"]
    assert stv["figures"]["quota"] == 2
    assert len(stv["winners"]) == 2
    grades = results["majority_judgment"][0]["result"]["figures"]
    assert grades["grades"][0] == "Reject"
    a, b, c = results["majority_judgment"][1]
    assert grades["options"][b]["majority_grade"] == "Good"
    budget = results["budget"][0]["result"]
    a, b, c = results["budget"][1]
    assert budget["winner_kind"] == "funded"
    assert [p["project"] for p in budget["figures"]["purchases"]] == [b, a]
    assert budget["figures"]["spent"] == 300
    yes_no = results["yes_no_abstain"][0]["result"]
    a, b, c = results["yes_no_abstain"][1]
    assert yes_no["winners"] == [a]
    assert yes_no["figures"]["options"][b]["yes"] == 1
    consent = results["consent"][0]["result"]
    a, b, c = results["consent"][1]
    assert sorted(consent["winners"]) == sorted([a, c])
    assert consent["figures"]["options"][b]["blocks"] == 1
    quadratic = results["quadratic"][0]["result"]["figures"]
    a, b, c = results["quadratic"][1]
    assert quadratic["totals"][b] == -3


def test_topics_without_proposals_votes_or_people(db: Any) -> None:
    async def work(s: Any) -> tuple[dict[str, Any], ...]:
        assembly_id, _ = await seed_assembly(s, invited=20)
        empty = await add_topic(s, assembly_id, slug="empty")
        unvoted = await add_topic(s, assembly_id, slug="unvoted", position=1)
        await add_proposals(s, unvoted, ["Only idea", "Second idea"])
        lonely = await add_topic(s, assembly_id, slug="lonely", position=2)
        (person,) = await add_participants(s, assembly_id, 1)
        pids = await add_proposals(s, lonely, ["Mine", "Also mine"], authors=[person, person])
        await add_reactions(s, [(person, pids[0], "agree"), (person, pids[1], "disagree")])
        return (await _summary(s, empty), await _summary(s, unvoted), await _summary(s, lonely))

    empty, unvoted, lonely = db(work)
    assert empty["result"] is None
    assert empty["participation"]["proposals"] == 0
    assert empty["opinion_groups"]["reason"] == "no_reactions"
    assert empty["practices"]["topic"]  # the topic itself still has related practices
    assert unvoted["result"]["ballots"] == 0
    assert unvoted["result"]["winners"] == []
    assert unvoted["arguments"] == []
    assert lonely["participation"]["active"] == 1
    assert lonely["participation"]["reactions"] == 2
    assert lonely["participation"]["turnout"] == 0
    assert lonely["opinion_groups"]["reason"] == "too_few_participants"
    assert lonely["opinion_groups"]["points_total"] == 1


def planted_reactions(people: list[int], proposals: list[int]) -> list[tuple[int, int, str]]:
    """Three groups of equal size: group g agrees with proposals 3g..3g+2 and disagrees with
    the other six; everyone agrees with the tenth proposal. As real voters do, people in a
    group do not all react alike: each passes on one of the other groups' proposals, and half
    of them also on one of their own group's (never the first), each person a different one.
    """
    rows = []
    for index, person in enumerate(people):
        group, turn = index % 3, index // 3
        others = [j for j in range(9) if j // 3 != group]
        passed = {others[turn % len(others)]}
        if turn >= 5:
            passed.add(3 * group + 1 + turn % 2)
        for j, proposal in enumerate(proposals[:9]):
            reaction = "agree" if j // 3 == group else "disagree"
            rows.append((person, proposal, "pass" if j in passed else reaction))
        rows.append((person, proposals[9], "agree"))
    return rows


def test_planted_opinion_groups_are_recovered(db: Any) -> None:
    async def work(s: Any) -> tuple[dict[str, Any], list[int], list[int]]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, phase="deliberation")
        people = await add_participants(s, assembly_id, 30)
        proposals = await add_proposals(s, topic_id, [f"Idea {j}" for j in range(10)])
        await add_reactions(s, planted_reactions(people, proposals))
        return await _summary(s, topic_id), people, proposals

    content, _people, proposals = db(work)
    groups = content["opinion_groups"]
    assert groups["reason"] is None
    assert groups["seed"] == OPINION_SEED
    assert groups["k"] == 3
    assert sorted(g["size"] for g in groups["groups"]) == [10, 10, 10]
    # Each group is set apart by the three proposals it alone agrees with.
    agreed_sets = sorted(
        sorted(r["proposal_id"] for r in g["representative"] if r["direction"] == "agree")
        for g in groups["groups"]
    )
    assert agreed_sets == sorted(
        sorted(str(p) for p in proposals[3 * g : 3 * g + 3]) for g in range(3)
    )
    consensus = [c for c in groups["consensus"] if c["direction"] == "agree"]
    assert consensus[0]["proposal_id"] == str(proposals[9])
    assert consensus[0]["in_every_group"] is True
    divisive = {d["proposal_id"] for d in groups["divisive"]}
    assert divisive
    assert divisive <= {str(p) for p in proposals[:9]}
    assert str(proposals[9]) not in divisive
    assert len(groups["points"]) == 30
    # Titles of every proposal the groups name travel with the summary.
    assert content["proposals"][str(proposals[9])]["title"] == "Idea 9"


def test_practices_come_with_reasons_and_scores(db: Any) -> None:
    async def work(s: Any) -> tuple[dict[str, Any], list[int]]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(
            s, assembly_id, question=STAIRWAY, area="well-and-fair-development"
        )
        pids = await add_proposals(
            s, topic_id, ["A deal with residents", "Other"], bodies=[WIGAN, ""]
        )
        await add_ballots(s, topic_id, [[str(pids[0])], [str(pids[0]), str(pids[1])]])
        return await _summary(s, topic_id), pids

    content, pids = db(work)
    practices = content["practices"]
    assert practices["topic"][0]["slug"] == "stairway-to-stairway-aarhus"
    assert "Shares the spotlight area" in practices["topic"][0]["reason_en"]
    assert "families" in practices["topic"][0]["reason_en"]
    assert practices["topic"][0]["reason_nb"].startswith("Deler fokusområdet")
    first = practices["proposals"][str(pids[0])][0]
    assert first["slug"] == "wigan-deal"
    assert first["shared_terms"]
    assert first["text_score"] > 0
    assert first["score"] >= practices["proposals"][str(pids[0])][-1]["score"]
    assert str(pids[1]) not in practices["proposals"]  # only winners get their own list


def test_strongest_arguments_by_support_after_posting(db: Any) -> None:
    async def work(s: Any) -> dict[str, Any]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, method="approval")
        people = await add_participants(s, assembly_id, 6)
        (winner, other) = await add_proposals(s, topic_id, ["Winner", "Other"])
        # One early pro argument, then reactions, then a late pro argument.
        early = await add_argument(s, winner, people[0], "pro", "Early and convincing")
        await add_argument(s, winner, people[1], "con", "Too costly")
        await add_argument(s, winner, people[1], "pro", "Hidden one", status="hidden")
        await add_reactions(
            s,
            [(p, winner, "agree") for p in people[:4]] + [(people[4], winner, "disagree")],
        )
        last_reaction = await s.scalar(select(func.max(Reaction.updated_at)))
        late = await add_argument(s, winner, people[5], "pro", "Late thought")
        (await s.get(Argument, late)).created_at = last_reaction + dt.timedelta(days=1)
        await add_ballots(s, topic_id, [[str(winner)], [str(winner)], [str(other)]])
        content = await _summary(s, topic_id)
        content["_early"] = early
        return content

    content = db(work)
    (entry,) = content["arguments"]
    assert entry["pro_total"] == 2  # the hidden one is left out
    assert [a["body"] for a in entry["pro"]] == ["Early and convincing", "Late thought"]
    early = entry["pro"][0]
    # Four agreed after it was posted; its author is not counted.
    assert early["id"] == content["_early"]
    assert early["support"] == 3
    assert entry["pro"][1]["support"] == 0
    assert entry["con"][0]["support"] == 1
    assert entry["con"][0]["author"] == "Person 2"


def test_representativeness_against_quotas() -> None:
    questions = [{"key": "age", "label": "Age", "options": ["16-39", "40+"]}]
    answers = [{"age": "16-39"}] * 3 + [{"age": "40+"}] * 7
    quotas = [
        {"feature": "Age", "value": "16-39", "min": 4, "max": 6},
        {"feature": "Age", "value": "40+", "min": 4, "max": 6},
        {"feature": "area", "value": "north", "min": 1, "max": 5},
    ]
    data = representativeness(
        questions, answers, quotas, 10, {("age", "16-39"): 5, ("age", "40+"): 5}, participants=12
    )
    assert data is not None
    assert data["has_targets"]
    (age, area) = data["features"]
    young, old = age["rows"]
    assert (young["count"], young["share"], young["status"]) == (3, 0.3, "below")
    assert (old["count"], old["status"], old["panel"]) == (7, "above", 5)
    assert (young["target_min"], young["target_max"]) == (0.4, 0.6)
    assert area["answered"] is None
    assert area["rows"][0]["count"] is None
    assert representativeness([], [], []) is None
    plain = representativeness(questions, answers)
    assert plain is not None
    assert not plain["has_targets"]
    assert plain["features"][0]["rows"][0]["status"] is None


def test_representativeness_and_table_notes_in_the_summary(db: Any) -> None:
    questions = [{"key": "age", "label": "Age", "options": ["16-39", "40+"]}]

    async def work(s: Any) -> dict[str, Any]:
        assembly_id, _ = await seed_assembly(s, questions=questions)
        topic_id = await add_topic(s, assembly_id)
        await add_participants(
            s, assembly_id, 4, demographics=[{"age": "16-39"}, {"age": "40+"}, {"age": "40+"}, {}]
        )
        pids = await add_proposals(s, topic_id, ["Green harbour", "Grey harbour"])
        s.add(
            SortitionSelection(
                assembly_id=assembly_id,
                status="drawn",
                panel_size=4,
                quotas=[
                    {"feature": "age", "value": "16-39", "min": 2, "max": 2},
                    {"feature": "age", "value": "40+", "min": 2, "max": 2},
                ],
                result={"quota_table": [{"feature": "age", "value": "40+", "selected": 2}]},
            )
        )
        plan = TablePlan(assembly_id=assembly_id, name="Evening", table_count=2, round_count=1)
        s.add(plan)
        await s.flush()
        s.add_all(
            [
                TableNote(
                    table_plan_id=plan.id,
                    round_number=1,
                    table_number=2,
                    key_points="Trees matter",
                    proposal_ids=[pids[0]],
                ),
                TableNote(
                    table_plan_id=plan.id,
                    round_number=1,
                    table_number=1,
                    key_points="Unrelated",
                    proposal_ids=[],
                ),
            ]
        )
        await s.flush()
        return await _summary(s, topic_id)

    content = db(work)
    rep = content["representativeness"]
    # Three answers are fewer than five: the small-cell rule withholds every count of them.
    assert rep["answered"] is None
    assert rep["answered_withheld"]
    assert rep["participants"] == 4
    assert rep["panel_size"] == 4
    rows = {r["value"]: r for r in rep["features"][0]["rows"]}
    assert rows["16-39"]["withheld"]
    assert rows["40+"]["withheld"]
    assert (rows["16-39"]["count"], rows["16-39"]["status"]) == (None, None)
    assert (rows["40+"]["panel"], rows["40+"]["panel_withheld"]) == (None, True)
    assert rows["40+"]["target_min"] == 0.5
    assert rep["panel"] == {"members": 0, "joined": 0}
    (note,) = content["table_notes"]
    assert note["key_points"] == "Trees matter"
    assert note["plan"] == "Evening"
    assert content["proposals"][note["proposal_ids"][0]]["title"] == "Green harbour"


def test_readers_arriving_together_share_one_computation(
    db: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from sqlalchemy.ext.asyncio import AsyncSession

    from assembly.db.engine import create_engine
    from assembly.summaries import services

    async def setup(s: Any) -> int:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, phase="closed")
        await add_proposals(s, topic_id, ["One", "Two"])
        return topic_id

    topic_id = db(setup)
    computed = 0
    real = services.compute_topic_summary

    async def slow(s: Any, topic: Any) -> dict[str, Any]:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.2)  # long enough for the other readers to arrive
        return await real(s, topic)

    monkeypatch.setattr(services, "compute_topic_summary", slow)

    async def readers() -> list[Any]:
        engine = create_engine(settings)
        try:

            async def read() -> Any:
                async with AsyncSession(engine) as s:
                    return await get_topic_summary(s, await s.get(Topic, topic_id))

            return await asyncio.gather(*(read() for _ in range(5)))
        finally:
            await engine.dispose()

    found = asyncio.run(readers())
    assert computed == 1
    assert [f.recomputed for f in found].count(True) == 1
    assert all(f.content == found[0].content for f in found)
    assert not services._computing


def test_the_cache_is_used_and_invalidated_by_a_new_reaction(db: Any) -> None:
    async def setup(s: Any) -> tuple[int, list[int], list[int]]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, phase="closed")
        people = await add_participants(s, assembly_id, 3)
        pids = await add_proposals(s, topic_id, ["One", "Two"])
        await add_reactions(s, [(people[0], pids[0], "agree")])
        return topic_id, people, pids

    topic_id, people, pids = db(setup)

    async def summary(s: Any) -> tuple[bool, int, str]:
        topic = await s.get(Topic, topic_id)
        cached = await get_topic_summary(s, topic, store=True)
        return cached.recomputed, cached.content["participation"]["reactions"], cached.data_version

    first = db(summary)
    assert first[:2] == (True, 1)
    assert db(summary) == (False, 1, first[2])
    db(lambda s: add_reactions(s, [(people[1], pids[1], "disagree")]))
    second = db(summary)
    assert second[:2] == (True, 2)
    assert second[2] != first[2]
    assert db(summary)[0] is False

    # While reactions are open, a changed reaction (same count) also invalidates.
    async def reopen(s: Any) -> None:
        topic = await s.get(Topic, topic_id)
        topic.phase = "deliberation"

    db(reopen)
    assert db(summary)[0] is True
    assert db(summary)[0] is False

    async def change(s: Any) -> None:
        reaction = await s.scalar(select(Reaction).where(Reaction.participant_id == people[1]))
        reaction.reaction = "agree"

    db(change)
    changed = db(summary)
    assert changed[0] is True
    rows = db(
        lambda s: s.scalar(select(TopicSummary.content).where(TopicSummary.topic_id == topic_id))
    )
    assert rows["participation"]["agree"] == 2

    # The facilitator's notes are read live, not cached: saving them does not recompute.
    async def notes(s: Any) -> None:
        topic = await s.get(Topic, topic_id)
        await save_facilitator_notes(s, topic, "  We met twice.\r\n", None)

    db(notes)
    assert db(summary)[0] is False
    assert db(lambda s: s.scalar(select(Topic.facilitator_notes).where(Topic.id == topic_id))) == (
        "We met twice."
    )


def test_data_version_changes_with_what_the_summary_reads(db: Any) -> None:
    async def work(s: Any) -> list[str]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id)
        topic = await s.get(Topic, topic_id)
        versions = [await data_version(s, topic)]
        pids = await add_proposals(s, topic_id, ["One"])
        versions.append(await data_version(s, topic))
        await add_argument(s, pids[0], None, "pro", "Good")
        versions.append(await data_version(s, topic))
        await add_participants(s, assembly_id, 1)
        versions.append(await data_version(s, topic))
        topic.voting_method = "score"
        versions.append(await data_version(s, topic))
        versions.append(await data_version(s, topic))
        return versions

    versions = db(work)
    assert len(set(versions[:-1])) == 5
    assert versions[-1] == versions[-2]


def test_publishing_needs_a_closed_topic_and_is_audited(db: Any) -> None:
    async def work(s: Any) -> tuple[str, bool, list[str]]:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, phase="voting")
        topic = await s.get(Topic, topic_id)
        with pytest.raises(InvalidInput) as refused:
            await publish_summary(s, topic, None)
        topic.phase = "closed"
        await publish_summary(s, topic, None)
        await publish_summary(s, topic, None)  # twice: one event
        published = topic.summary_published
        await withdraw_summary(s, topic, None)
        with pytest.raises(InvalidInput):
            await save_facilitator_notes(s, topic, "x" * 10_001, None)
        await s.flush()
        actions = (
            await s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.assembly_id == assembly_id)
                .order_by(AuditEvent.id)
            )
        ).all()
        return str(refused.value.errors[""]), published, list(actions)

    message, published, actions = db(work)
    assert "once voting has closed" in message
    assert published is True
    assert actions == ["summary.published", "summary.withdrawn"]
