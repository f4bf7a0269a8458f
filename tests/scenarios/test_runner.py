"""Playing scenarios into the database: end to end on both backends, groups, determinism."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assembly.accounts.services import create_account
from assembly.db.models import (
    Argument,
    Assembly,
    AuditEvent,
    Ballot,
    InviteCode,
    PanelMember,
    Participant,
    Proposal,
    Reaction,
    SortitionSelection,
    Topic,
    TopicSummary,
)
from assembly.db.tasks import run_with_session
from assembly.forms_common import normalise_text
from assembly.scenarios import load_scenario, simulate
from assembly.scenarios.runner import (
    STAGES,
    RunReport,
    ScenarioRunError,
    demographic_questions,
    new_password,
    run_scenario,
)
from assembly.scenarios.schema import PHASES, Scenario, TimelineSpec
from assembly.settings import Settings
from assembly.summaries.opinion_groups import compute_opinion_groups
from assembly.summaries.services import OPINION_SEED
from assembly.voting import tally

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "scenarios").glob("*.toml"))
DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
SMALL = 40
TEST_SECRET = "test-secret-key-for-the-suite-only"


@pytest.fixture
def sqlite_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    """A fresh SQLite database, for the tests that need only one backend."""
    path = tmp_path / "one.db"
    shutil.copyfile(sqlite_template, path)
    return Settings(database_url=f"sqlite+aiosqlite:///{path}", secret_key=TEST_SECRET)


def query(settings: Settings, work: Callable[[Any], Any]) -> Any:
    return run_with_session(settings, work)


def one_topic(scenario: Scenario, slug: str) -> Scenario:
    """The scenario reduced to one of its topics (and that topic's timeline), without the
    recommendations, which draw on the other topics' proposals too."""
    topic = scenario.topic(slug)
    timeline = TimelineSpec(topics={slug: scenario.timeline.topics[slug]})
    return msgspec.structs.replace(
        scenario, topics=[topic], timeline=timeline, recommendations=None
    )


async def stored(db: Any, report: RunReport) -> dict[str, Any]:
    """What the run left in the database for its assembly."""
    assembly = await db.scalar(select(Assembly).where(Assembly.id == report.assembly_id))
    topics = {t.slug: t for t in assembly.topics}
    topic_ids = [t.id for t in assembly.topics]
    proposals = (await db.scalars(select(Proposal).where(Proposal.topic_id.in_(topic_ids)))).all()
    proposal_ids = [p.id for p in proposals]

    async def count(model: Any, *where: Any) -> int:
        return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    reaction_counts = Counter(
        (
            await db.execute(
                select(Reaction.proposal_id, Reaction.reaction).where(
                    Reaction.proposal_id.in_(proposal_ids)
                )
            )
        ).tuples()
    )
    ballots = (
        await db.execute(
            select(Ballot.topic_id, Ballot.channel, Ballot.content).where(
                Ballot.topic_id.in_(topic_ids)
            )
        )
    ).tuples()
    return {
        "assembly": assembly,
        "topics": topics,
        "proposals": {p.id: p for p in proposals},
        "participants": await count(Participant, Participant.assembly_id == assembly.id),
        "paper": await count(
            Participant, Participant.assembly_id == assembly.id, Participant.channel == "paper"
        ),
        "consented": await count(
            Participant,
            Participant.assembly_id == assembly.id,
            Participant.demographics_consent.is_(True),
        ),
        "published_motions": await count(
            Topic,
            Topic.assembly_id == assembly.id,
            Topic.kind == "motion",
            Topic.published_result.is_not(None),
        ),
        "invites": await count(InviteCode, InviteCode.assembly_id == assembly.id),
        "used_invites": await count(
            InviteCode, InviteCode.assembly_id == assembly.id, InviteCode.used_at.is_not(None)
        ),
        "arguments": await count(Argument, Argument.proposal_id.in_(proposal_ids)),
        "reactions": sum(reaction_counts.values()),
        "reaction_counts": {
            (report_slug(report, pid), reaction): n
            for (pid, reaction), n in reaction_counts.items()
        },
        "ballots": sorted(
            (
                next(t.slug for t in assembly.topics if t.id == topic_id),
                channel,
                json.dumps(content, sort_keys=True),
            )
            for topic_id, channel, content in ballots
        ),
        "summaries": await count(TopicSummary, TopicSummary.topic_id.in_(topic_ids)),
    }


def report_slug(report: RunReport, proposal_id: int) -> str:
    return next(slug for slug, pid in report.proposal_ids.items() if pid == proposal_id)


def slug_ballots(report: RunReport, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Stored ballots with proposal ids written back as scenario slugs (for comparing runs)."""
    by_id = {str(pid): slug for slug, pid in report.proposal_ids.items()}
    out = []
    for topic, channel, text in data["ballots"]:
        content = json.loads(text)
        if isinstance(content, list):
            content = [by_id[o] for o in content]
        else:
            content = {by_id[o]: v for o, v in content.items()}
        out.append((topic, channel, json.dumps(content, sort_keys=True)))
    return sorted(out)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_scenario_runs_end_to_end(
    settings: Settings, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(path)
    stages: list[str] = []
    report = run_scenario(
        settings,
        scenario,
        participants=SMALL,
        seed=3,
        sortition=False,
        progress=lambda stage, done, total: stages.append(stage),
    )
    plan = simulate(scenario, participants=SMALL, seed=3)

    # The report: every topic in its scenario phase, every simulated action accepted.
    assert [t.phase for t in report.topics] == [t.phase for t in scenario.topics]
    assert [t.slug for t in report.topics] == [t.slug for t in scenario.topics]
    assert report.counts.get("refused", 0) == 0, report.warnings
    assert report.counts["participants"] == SMALL
    assert report.counts["paper"] == sum(1 for p in plan if p.paper)
    assert report.counts["reactions"] == sum(len(p.reactions) for p in plan)
    assert report.counts["arguments"] == sum(len(p.arguments) for p in plan)
    assert report.counts["ballots_paper"] == sum(len(p.ballots) for p in plan if p.paper)
    assert report.counts["ballots_online"] == sum(len(p.ballots) for p in plan if not p.paper)
    assert report.facilitator_email == scenario.demo.facilitator_email
    assert report.facilitator_password
    assert report.url == f"{settings.base_url}/assemblies/{scenario.slug}"
    skipped = {"sortition"} | (set() if scenario.recommendations else {"drafting"})
    assert list(dict.fromkeys(stages)) == [s for s in STAGES if s not in skipped]

    # The database holds what the report says, through the services' rules.
    data = query(settings, lambda db: stored(db, report))
    assembly = data["assembly"]
    assert assembly.status == "published"
    assert assembly.title == scenario.assembly.title
    assert assembly.language == scenario.assembly.language
    assert [q["key"] for q in assembly.demographic_questions] == list(scenario.panel.features)
    assert data["participants"] == SMALL
    assert data["paper"] == report.counts["paper"]
    assert data["consented"] == report.counts["demographics_answered"]
    assert data["invites"] == SMALL  # a letter for everyone
    assert data["used_invites"] == report.counts["online"]  # paper participants never type it
    assert data["arguments"] == report.counts["arguments"]
    assert data["reactions"] == report.counts["reactions"]
    assert len(data["ballots"]) == report.counts["ballots_online"] + report.counts["ballots_paper"]
    # Reactions exactly as simulated, proposal by proposal.
    expected_reactions = Counter(
        (slug, reaction) for p in plan for slug, reaction in p.reactions.items()
    )
    assert data["reaction_counts"] == dict(expected_reactions)

    for spec in scenario.topics:
        topic = data["topics"][spec.slug]
        assert topic.phase == spec.phase
        assert topic.voting_method == spec.voting_method
        assert topic.ballot_secrecy == spec.ballot
        assert set(topic.phase_schedule) == set(scenario.timeline.topics.get(spec.slug, {}))
        rows = [p for p in data["proposals"].values() if p.topic_id == topic.id]
        assert sorted(p.title for p in rows) == sorted(p.title for p in spec.proposals)
        for proposal in spec.proposals:
            row = data["proposals"][report.proposal_ids[proposal.slug]]
            author = plan.proposal_authors.get(proposal.slug)
            assert (row.participant_id is None) == (proposal.origin == "seed" or author is None)
        published = spec.phase == "published"
        assert topic.summary_published is published
        assert topic.ballots_published is published
        assert (topic.published_result is not None) is published
        if published:
            assert topic.facilitator_notes == normalise_text(spec.conclusion)

    # The count equals the voting engine's own count of the simulated ballots.
    for spec, outcome in zip(scenario.topics, report.topics, strict=True):
        if not spec.reaches("voting"):
            assert outcome.winners == []
            continue
        expected = tally(
            spec.voting_method,
            spec.options,
            list(plan.ballots(spec.slug)),
            seats=spec.seats,
            **spec.voting_params,
        )
        assert outcome.ballots == sum(1 for _ in plan.ballots(spec.slug))
        assert sorted(outcome.winners) == sorted(expected.winners), spec.slug
    assert data["summaries"] >= sum(1 for t in scenario.topics if t.phase == "published")

    # The research export recounts to the published results.
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    from assembly.cli import main

    out = tmp_path / "export"
    exported = CliRunner().invoke(main, ["export", report.assembly_slug, "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    recount = CliRunner().invoke(main, ["recount", str(out)])
    assert recount.exit_code == 0, recount.output
    # Every amendment and final recommendation vote is recounted with the topics.
    published = sum(1 for t in scenario.topics if t.phase == "published")
    published += data["published_motions"]
    assert (data["published_motions"] > 0) is (scenario.recommendations is not None)
    matched = [line for line in recount.output.splitlines() if line.endswith("  match")]
    assert len(matched) == published
    assert f"All {published} published results match" in recount.output


def test_planted_opinion_groups_appear_in_the_summary(sqlite_settings: Settings) -> None:
    scenario = one_topic(load_scenario(DEFAULT), "meeting-across-generations")
    report = run_scenario(sqlite_settings, scenario, participants=200, seed=5, sortition=False)
    plan = simulate(scenario, participants=200, seed=5)
    blocks = scenario.behaviour.blocks
    favourite = {  # each planted group's favourite block
        group.name: max(group.blocks, key=lambda b: group.blocks[b])
        for group in scenario.behaviour.groups
    }
    assert len(set(favourite.values())) == len(favourite) == 3

    async def read(db: Any) -> tuple[dict[str, Any], list[tuple[str, str, int]], dict[str, str]]:
        topic = await db.get(Topic, report.topics[0].id)
        summary = await db.scalar(select(TopicSummary).where(TopicSummary.topic_id == topic.id))
        rows = await db.execute(
            select(Reaction.participant_id, Reaction.proposal_id, Reaction.reaction)
            .join(Proposal, Proposal.id == Reaction.proposal_id)
            .where(Proposal.topic_id == topic.id)
            .order_by(Reaction.id)
        )
        vote = {"agree": 1, "disagree": -1, "pass": 0}
        reactions = [(str(a), str(b), vote[c]) for a, b, c in rows.tuples()]
        names = await db.execute(
            select(Participant.id, Participant.pseudonym).where(
                Participant.assembly_id == report.assembly_id
            )
        )
        return summary.content, reactions, {str(i): name for i, name in names.tuples()}

    content, reactions, pseudonyms = query(sqlite_settings, read)
    groups = content["opinion_groups"]
    # The summary finds as many groups as were planted, each standing for its block.
    assert groups["reason"] is None
    assert groups["k"] == len(scenario.behaviour.groups)
    slug_of = {str(pid): slug for slug, pid in report.proposal_ids.items()}
    found = set()
    for group in groups["groups"]:
        liked = {
            slug_of[r["proposal_id"]] for r in group["representative"] if r["direction"] == "agree"
        }
        homes = {block for block, members in blocks.items() if liked & set(members)}
        assert len(homes) == 1, (group["label"], liked)
        found |= homes
    assert found == set(favourite.values())

    # Recomputed with the summary's seed, each group's members come mostly from one planted group.
    result = compute_opinion_groups(
        reactions, [str(pid) for pid in report.proposal_ids.values()], seed=OPINION_SEED
    )
    planted = {p.pseudonym: p.group_name for p in plan}
    assert [g.size for g in result.groups] == [g["size"] for g in groups["groups"]]
    majorities = []
    for group in result.groups:
        names = Counter(planted[pseudonyms[m]] for m in group.members)
        name, top = names.most_common(1)[0]
        assert top / group.size >= 0.8, names
        majorities.append(name)
    assert sorted(majorities) == sorted(favourite)


def test_same_seed_gives_the_same_assembly(sqlite_settings: Settings) -> None:
    scenario = load_scenario(FILES[0])
    first = run_scenario(sqlite_settings, scenario, participants=30, seed=11, sortition=False)
    # Into the same database, in small chunks: a second assembly, the same content.
    second = run_scenario(
        sqlite_settings, scenario, participants=30, seed=11, sortition=False, chunk_size=7
    )
    other = run_scenario(sqlite_settings, scenario, participants=30, seed=12, sortition=False)
    assert second.assembly_slug == f"{scenario.slug}-2"
    assert second.facilitator_password is None  # the facilitator already existed
    assert first.outcome() == second.outcome()
    assert first.outcome() != other.outcome()
    one = query(sqlite_settings, lambda db: stored(db, first))
    two = query(sqlite_settings, lambda db: stored(db, second))
    assert one["reaction_counts"] == two["reaction_counts"]
    assert slug_ballots(first, one) == slug_ballots(second, two)
    assert one["consented"] == two["consented"]


def test_sortition_draws_the_panel_and_seats_it(sqlite_settings: Settings) -> None:
    scenario = load_scenario(DEFAULT)
    report = run_scenario(sqlite_settings, scenario, participants=30, seed=4)
    panel_size = scenario.panel.panel_size
    assert report.sortition is not None
    assert "sortition" in report.timings
    panel = report.sortition["panel"]
    assert len(panel) == len(set(panel)) == panel_size
    plan = simulate(scenario, participants=30, seed=4)
    pool = {row["id"]: row for row in plan.pool_rows()}
    # Quotas hold on the drawn panel, and at most one person per household sits on it.
    for row in scenario.panel.quota_rows():
        seated = sum(1 for pid in panel if pool[pid][row["feature"]] == row["value"])
        assert int(row["min"]) <= seated <= int(row["max"]), row
    assert len({pool[pid]["household"] for pid in panel}) == panel_size
    assert report.counts["invite_codes"] == 30  # the panel's codes and the others'

    async def read(db: Any) -> dict[str, Any]:
        selection = await db.get(SortitionSelection, report.sortition["selection_id"])
        members = await db.execute(
            select(PanelMember.pool_id, PanelMember.status, InviteCode.used_at)
            .outerjoin(InviteCode, InviteCode.id == PanelMember.invite_code_id)
            .where(PanelMember.selection_id == selection.id)
        )
        people = await db.execute(
            select(Participant.pseudonym, Participant.channel, Participant.demographics)
            .where(Participant.assembly_id == report.assembly_id)
            .order_by(Participant.id)
        )
        summary = await db.scalar(
            select(TopicSummary).where(TopicSummary.topic_id == report.topics[0].id)
        )
        return {
            "selection": (selection.status, selection.panel_size, selection.seed),
            "members": list(members.tuples()),
            "people": list(people.tuples()),
            "panel_in_summary": summary.content["representativeness"]["panel"],
        }

    data = query(sqlite_settings, read)
    # The draw is stored by the sortition service: its panel, alternates and invitations.
    assert data["selection"] == ("drawn", panel_size, 4)
    seated = {pid: used for pid, status, used in data["members"] if status == "selected"}
    assert sorted(seated) == sorted(panel)
    alternates = [pid for pid, status, _ in data["members"] if status == "alternate"]
    assert len(alternates) == scenario.panel.pool_size - panel_size
    # The first participants are the panel: online members joined with their panel code, and
    # their consented answers are their pool features.
    drawn = plan.with_panel(panel)
    for (pseudonym, channel, answers), person in zip(
        data["people"][:panel_size], drawn, strict=False
    ):
        assert pseudonym == person.pseudonym
        assert (seated[person.pool_id] is not None) is (channel == "online")
        if answers:
            assert answers == {k: v for k, v in pool[person.pool_id].items() if k in answers}
    joined = sum(1 for used in seated.values() if used is not None)
    assert data["panel_in_summary"] == {"members": panel_size, "joined": joined}


def test_a_facilitator_email_taken_by_a_researcher_stops_the_run(
    sqlite_settings: Settings,
) -> None:
    scenario = load_scenario(DEFAULT)
    query(
        sqlite_settings,
        lambda db: create_account(
            db, scenario.demo.facilitator_email, "a-long-password", "researcher"
        ),
    )
    with pytest.raises(ScenarioRunError, match="not an active facilitator"):
        run_scenario(sqlite_settings, scenario, participants=5, seed=1, sortition=False)
    count = query(sqlite_settings, lambda db: db.scalar(select(func.count(Assembly.id))))
    assert count == 0


def test_every_phase_move_is_audited(sqlite_settings: Settings) -> None:
    scenario = one_topic(load_scenario(DEFAULT), "neighbourhood-grant")
    report = run_scenario(sqlite_settings, scenario, participants=12, seed=2, sortition=False)

    async def read(db: Any) -> list[str]:
        rows = await db.scalars(
            select(AuditEvent.details)
            .where(
                AuditEvent.assembly_id == report.assembly_id,
                AuditEvent.action == "topic.phase_changed",
            )
            .order_by(AuditEvent.id)
        )
        return [row["phase"] for row in rows]

    assert query(sqlite_settings, read) == list(PHASES[1 : PHASES.index("voting") + 1])


def test_helpers() -> None:
    password = new_password()
    assert len(password) == 19
    assert password.count("-") == 3
    assert new_password() != password
    questions = demographic_questions(load_scenario(DEFAULT))
    assert questions[0] == {
        "key": "age",
        "label": "Age",
        "options": ["16-24", "25-44", "45-66", "67+"],
        "optional": True,
    }
    assert len(questions) == 4
