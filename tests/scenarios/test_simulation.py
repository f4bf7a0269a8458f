"""The simulator: deterministic plans, valid ballots for every method, recoverable groups."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assembly.scenarios import load_scenario, simulate
from assembly.scenarios.schema import CONSENT_LEVELS, VOTING_METHODS, Scenario, decode
from assembly.scenarios.simulation import CHUNK, MAX_PARTICIPANTS, Participant
from assembly.voting import tally

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "scenarios").glob("*.toml"))
DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
N = 2000

PARAMS: dict[str, dict[str, Any]] = {
    "approval": {"max_approvals": 2},
    "score": {"min": 1, "max": 7},
    "majority_judgment": {"grades": ["poor", "fair", "good", "very good"]},
    "borda": {},
    "schulze": {},
    "ranked_pairs": {},
    "irv": {},
    "stv": {},
    "dot": {"budget": 10, "max_per_option": 4},
    "quadratic": {"credits": 20},
    "yes_no_abstain": {"threshold": 0.5},
    "consent": {"threshold": 0.6},
    "budget": {"budget": 100, "costs": {}},
}


def every_method() -> Scenario:
    """One voted topic per method; group A loves the first option, group B the last."""
    topics = []
    agree_a: dict[str, float] = {}
    agree_b: dict[str, float] = {}
    for method in VOTING_METHODS:
        slugs = [f"{method.replace('_', '-')}-{k}" for k in range(5)]
        params = dict(PARAMS[method])
        if method == "budget":
            params["costs"] = {slug: 30 + 5 * k for k, slug in enumerate(slugs)}
        topics.append(
            {
                "slug": method.replace("_", "-"),
                "spotlight_area": "welfare-innovations",
                "question": f"Which option, by {method}?",
                "voting_method": method,
                "voting_params": params,
                "seats": 2 if method == "stv" else 1,
                "proposals": [
                    {"slug": slug, "title": slug, "body": f"Option {slug}."} for slug in slugs
                ],
            }
        )
        for k, slug in enumerate(slugs):
            agree_a[slug] = [0.95, 0.7, 0.5, 0.3, 0.05][k]
            agree_b[slug] = [0.05, 0.3, 0.5, 0.7, 0.95][k]
    return decode(
        {
            "scenario": {
                "slug": "every-method",
                "title": "Every method",
                "summary": "One topic per voting method.",
                "grounded_in": [{"practice": "future-lab", "name": "Future Lab"}],
            },
            "assembly": {"title": "Every method", "place": "Gjøvik", "language": "nb"},
            "topics": topics,
            "panel": {
                "pool_size": 100,
                "panel_size": 20,
                "features": {
                    "campus": {"values": {"a": {"share": 0.5}, "b": {"share": 0.5}}},
                },
            },
            "behaviour": {
                "turnout": 1.0,
                "groups": [
                    {"name": "A", "share": 0.7, "agree": agree_a},
                    {"name": "B", "share": 0.3, "agree": agree_b},
                ],
            },
        }
    )


def check_ballot(method: str, params: dict[str, Any], options: list[str], ballot: Any) -> None:
    """The voting engine's ballot shapes, checked directly."""
    known = set(options)
    if method in {"approval", "budget"}:
        assert isinstance(ballot, list)
        assert ballot
        assert len(set(ballot)) == len(ballot)
        assert set(ballot) <= known
        if "max_approvals" in params:
            assert len(ballot) <= params["max_approvals"]
    elif method in {"borda", "schulze", "ranked_pairs", "irv", "stv"}:
        assert isinstance(ballot, list)
        assert ballot
        assert len(set(ballot)) == len(ballot)
        assert set(ballot) <= known
    elif method in {"score", "majority_judgment"}:
        low, high = (
            (params["min"], params["max"]) if method == "score" else (0, len(params["grades"]) - 1)
        )
        assert isinstance(ballot, dict)
        assert set(ballot) == known
        for value in ballot.values():
            assert type(value) is int
            assert low <= value <= high
    elif method == "dot":
        assert isinstance(ballot, dict)
        assert set(ballot) <= known
        assert all(
            type(v) is int and 0 < v <= params.get("max_per_option", 10**9) for v in ballot.values()
        )
        assert sum(ballot.values()) <= params["budget"]
    elif method == "quadratic":
        assert isinstance(ballot, dict)
        assert set(ballot) <= known
        assert all(type(v) is int and v != 0 for v in ballot.values())
        assert sum(v * v for v in ballot.values()) <= params["credits"]
    elif method == "yes_no_abstain":
        assert isinstance(ballot, dict)
        assert set(ballot) == known
        assert set(ballot.values()) <= {"yes", "no", "abstain"}
    elif method == "consent":
        assert isinstance(ballot, dict)
        assert set(ballot) == known
        assert set(ballot.values()) <= set(CONSENT_LEVELS)
    else:  # pragma: no cover - every method is listed above
        raise AssertionError(method)


@pytest.fixture(scope="module")
def default() -> Scenario:
    return load_scenario(DEFAULT)


@pytest.fixture(scope="module")
def default_people(default: Scenario) -> list[Participant]:
    return list(simulate(default, participants=N, seed=42))


@pytest.fixture(scope="module")
def methods_people() -> tuple[Scenario, list[Participant]]:
    scenario = every_method()
    return scenario, list(simulate(scenario, participants=N, seed=5))


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_plan(default: Scenario, default_people: list[Participant]) -> None:
    again = list(simulate(default, participants=N, seed=42))
    assert again == default_people
    other = list(simulate(default, participants=N, seed=43))
    assert other != default_people


def test_iterating_twice_and_random_access(default: Scenario) -> None:
    plan = simulate(default, participants=CHUNK + 50, seed=9)
    first = list(plan)
    assert list(plan) == first
    assert len(first) == len(plan) == CHUNK + 50
    for index in (0, 7, CHUNK - 1, CHUNK, CHUNK + 49):
        assert plan.participant(index) == first[index]
    assert list(plan.participants(CHUNK - 2, CHUNK + 2)) == first[CHUNK - 2 : CHUNK + 2]
    assert sum(len(chunk) for chunk in plan.chunks()) == len(plan)
    with pytest.raises(IndexError):
        plan.participant(CHUNK + 50)


def test_smaller_run_is_a_prefix_of_a_larger_one(default: Scenario) -> None:
    small = list(simulate(default, participants=30, seed=3))
    large = list(simulate(default, participants=CHUNK + 10, seed=3))
    for a, b in zip(small, large[:30], strict=True):
        assert (a.pseudonym, a.group, a.demographics, a.reactions, a.ballots) == (
            b.pseudonym,
            b.group,
            b.demographics,
            b.reactions,
            b.ballots,
        )


def test_default_size_is_the_panel(default: Scenario) -> None:
    assert len(simulate(default, seed=1)) == default.panel.panel_size


def test_bad_sizes_and_seeds(default: Scenario) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        simulate(default, participants=0, seed=1)
    with pytest.raises(ValueError, match="between 1 and"):
        simulate(default, participants=MAX_PARTICIPANTS + 1, seed=1)
    with pytest.raises(ValueError, match="non-negative"):
        simulate(default, seed=-1)


# --- ballots ---------------------------------------------------------------------------------


def test_ballot_shapes_for_every_method(methods_people: tuple[Scenario, list[Participant]]) -> None:
    scenario, people = methods_people
    counts: Counter[str] = Counter()
    for person in people:
        assert person.votes  # turnout is 1
        for topic in scenario.topics:
            ballot = person.ballots[topic.slug]
            check_ballot(topic.voting_method, topic.voting_params, topic.options, ballot)
            counts[topic.voting_method] += 1
    assert set(counts) == set(VOTING_METHODS)
    assert set(counts.values()) == {N}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_ballot_shapes_in_every_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    plan = simulate(scenario, participants=600, seed=8)
    voted = {t.slug: t for t in scenario.topics if t.reaches("voting")}
    seen: Counter[str] = Counter()
    for person in plan:
        assert set(person.ballots) <= set(voted)
        if not person.votes:
            assert person.ballots == {}
        for slug, ballot in person.ballots.items():
            topic = voted[slug]
            check_ballot(topic.voting_method, topic.voting_params, topic.options, ballot)
            seen[slug] += 1
    assert set(seen) == set(voted)


def test_ballots_follow_the_groups(methods_people: tuple[Scenario, list[Participant]]) -> None:
    _scenario, people = methods_people
    by_group: dict[int, list[Participant]] = {0: [], 1: []}
    for person in people:
        by_group[person.group].append(person)
    a, b = by_group[0], by_group[1]
    assert Counter(p.ballots["irv"][0] for p in a).most_common(1)[0][0] == "irv-0"
    assert Counter(p.ballots["irv"][0] for p in b).most_common(1)[0][0] == "irv-4"
    assert np.mean([p.ballots["score"]["score-0"] for p in a]) > 6
    assert np.mean([p.ballots["score"]["score-0"] for p in b]) < 2
    assert np.mean(["approval-0" in p.ballots["approval"] for p in a]) > 0.9
    assert np.mean([p.ballots["quadratic"].get("quadratic-4", 0) < 0 for p in a]) > 0.9
    assert np.mean([p.ballots["consent"]["consent-4"] == "block" for p in a]) > 0.2
    assert np.mean([p.ballots["consent"]["consent-2"] == "block" for p in people]) < 0.01
    assert np.mean([p.ballots["yes-no-abstain"]["yes-no-abstain-0"] == "yes" for p in a]) > 0.9
    assert np.mean([p.ballots["majority-judgment"]["majority-judgment-4"] for p in b]) > 2.5
    dots = [p.ballots["dot"] for p in a]
    assert np.mean([sum(d.values()) for d in dots]) > 9.5  # voters spend their points
    assert np.mean([d.get("dot-0", 0) for d in dots]) > 3


def test_partial_rankings(methods_people: tuple[Scenario, list[Participant]]) -> None:
    scenario, people = methods_people
    lengths = Counter(len(p.ballots["schulze"]) for p in people)
    assert set(lengths) == {3, 5}
    share = lengths[3] / len(people)
    assert abs(share - scenario.behaviour.ballots.partial_ranking_share) < 0.04


def test_ballots_are_counted_by_the_engine(
    methods_people: tuple[Scenario, list[Participant]],
) -> None:
    scenario, people = methods_people
    for topic in scenario.topics:
        ballots = [p.ballots[topic.slug] for p in people[:300]]
        result = tally(
            topic.voting_method, topic.options, ballots, seats=topic.seats, **topic.voting_params
        )
        assert sorted(o for tier in result.ranking for o in tier) == sorted(topic.options)
        if topic.voting_method not in {"consent", "yes_no_abstain"}:  # these may adopt nothing
            assert result.winners


def test_plan_ballots_helper(default: Scenario) -> None:
    plan = simulate(default, participants=200, seed=4)
    ballots = list(plan.ballots("meeting-across-generations"))
    assert len(ballots) == sum(p.votes for p in plan)
    assert list(plan.ballots("shared-space")) == []


# --- planted groups --------------------------------------------------------------------------


def test_group_shares(default: Scenario, default_people: list[Participant]) -> None:
    counts = Counter(p.group for p in default_people)
    for g, group in enumerate(default.behaviour.groups):
        assert abs(counts[g] / N - group.share) < 0.005
    panel = list(simulate(default, seed=1))
    small = Counter(p.group for p in panel)
    for g, group in enumerate(default.behaviour.groups):
        assert abs(small[g] - group.share * len(panel)) <= 1.5
    assert all(p.group_name == default.behaviour.groups[p.group].name for p in panel)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_agree_rates_match_the_groups(path: Path) -> None:
    scenario = load_scenario(path)
    plan = simulate(scenario, participants=N, seed=11)
    agree: Counter[tuple[int, str]] = Counter()
    total: Counter[tuple[int, str]] = Counter()
    for person in plan:
        for slug, reaction in person.reactions.items():
            if reaction != "pass":
                total[person.group, slug] += 1
                agree[person.group, slug] += reaction == "agree"
    assert total, "the scenario has reactions"
    for (group, slug), n in total.items():
        p = plan.agree_probability(group, slug)
        tolerance = 4 * math.sqrt(p * (1 - p) / n) + 0.02
        assert abs(agree[group, slug] / n - p) < tolerance, (group, slug)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_groups_are_recoverable_from_reactions(path: Path) -> None:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    scenario = load_scenario(path)
    online = [p for p in simulate(scenario, participants=N, seed=42) if not p.paper]
    slugs = sorted({s for p in online for s in p.reactions})
    code = {"agree": 1.0, "disagree": -1.0}
    matrix = np.array([[code.get(p.reactions.get(s, ""), 0.0) for s in slugs] for p in online])
    k = len(scenario.behaviour.groups)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(matrix)
    assert adjusted_rand_score([p.group for p in online], labels) > 0.75


def test_reaction_and_turnout_rates(default: Scenario, default_people: list[Participant]) -> None:
    behaviour = default.behaviour
    for g, group in enumerate(behaviour.groups):
        members = [p for p in default_people if p.group == g]
        paper = group.paper_share if group.paper_share is not None else behaviour.paper_share
        turnout = group.turnout if group.turnout is not None else behaviour.turnout
        assert abs(np.mean([p.paper for p in members]) - paper) < 0.05
        assert abs(np.mean([p.votes for p in members]) - turnout) < 0.05
    reacting = [p for p in default_people if not p.paper]
    shown = np.mean([len(p.reactions) for p in reacting]) / 13  # proposals in deliberated topics
    assert 0.8 < shown < 0.95
    passes = Counter(r for p in reacting for r in p.reactions.values())
    assert abs(passes["pass"] / sum(passes.values()) - behaviour.pass_rate) < 0.02


def test_paper_participants_stay_offline(default_people: list[Participant]) -> None:
    paper = [p for p in default_people if p.paper]
    assert paper
    assert all(p.reactions == {} and p.channel == "paper" for p in paper)
    assert all(not any(a.seed_index is None for a in p.arguments) for p in paper)
    assert any(p.ballots for p in paper)


def test_reactions_follow_the_phases(default: Scenario, default_people: list[Participant]) -> None:
    proposals_phase = {p.slug for p in default.topic("shared-space").proposals}
    assert all(not proposals_phase & set(p.reactions) for p in default_people)
    assert all("shared-space" not in p.ballots for p in default_people)
    plan = simulate(default, seed=1)
    flags = {
        slug: (t.accepts_proposals, t.has_reactions, t.has_ballots)
        for slug, t in plan.topics.items()
    }
    assert flags == {
        "meeting-across-generations": (True, True, True),
        "neighbourhood-grant": (True, True, True),
        "shared-space": (True, False, False),
    }
    grant = plan.topics["neighbourhood-grant"]
    assert (grant.method, grant.seats, grant.ballot_kind, grant.secret) == (
        "stv",
        2,
        "ranking",
        True,
    )
    assert plan.topics["shared-space"].params == {"max_approvals": 3}


# --- demographics, pool and panel ------------------------------------------------------------


def test_demographics_come_from_the_distribution(
    default: Scenario, default_people: list[Participant]
) -> None:
    for name, feature in default.panel.features.items():
        values = Counter(p.demographics[name] for p in default_people)
        assert set(values) <= set(feature.values)
    older = [p for p in default_people if p.group_name == "Older residents"]
    share_67 = np.mean([p.demographics["age"] == "67+" for p in older])
    assert abs(share_67 - 0.55) < 0.06  # the group's own age distribution
    area = Counter(p.demographics["area"] for p in default_people)
    assert abs(area["Saupstad"] / N - 0.35) < 0.04  # no tilt: the panel distribution


def test_pool(default: Scenario) -> None:
    plan = simulate(default, seed=2)
    pool = plan.pool
    assert len(pool) == default.panel.pool_size
    assert len({m.id for m in pool}) == len(pool)
    ages = Counter(m.features["age"] for m in pool)
    assert ages == {"16-24": 24, "25-44": 51, "45-66": 45, "67+": 30}
    households = Counter(m.household for m in pool)
    shared = sum(n for n in households.values() if n > 1)
    assert shared == 2 * round(default.panel.household_share * len(pool) / 2)
    rows = plan.pool_rows()
    assert list(rows[0]) == ["id", "age", "gender", "area", "has_children", "household"]
    assert simulate(default, seed=2).pool == pool


def test_with_panel(default: Scenario) -> None:
    plan = simulate(default, seed=2)
    chosen = [plan.pool[k].id for k in (5, 17, 40)]
    panelled = plan.with_panel(chosen)
    people = list(panelled)
    before = list(plan)
    for k, member_id in enumerate(chosen):
        member = next(m for m in plan.pool if m.id == member_id)
        assert people[k].pool_id == member_id
        assert people[k].demographics == member.features
        assert people[k].reactions == before[k].reactions
    assert people[3].pool_id is None
    assert people[3].demographics == before[3].demographics
    with pytest.raises(ValueError, match="not in the pool"):
        plan.with_panel(["nobody"])


def test_no_pool_without_sortition(default: Scenario) -> None:
    import msgspec

    scenario = msgspec.structs.replace(
        default, panel=msgspec.structs.replace(default.panel, sortition=False)
    )
    assert simulate(scenario, seed=1).pool == ()


# --- pseudonyms ------------------------------------------------------------------------------


def test_pseudonyms_are_friendly_and_unique(default: Scenario) -> None:
    names = [p.pseudonym for p in simulate(default, participants=5000, seed=1)]
    assert len(set(names)) == len(names)
    first = names[0].split()
    assert len(first) == 2
    assert all(w[0].isupper() for w in first)
    assert any(len(n.split()) == 3 for n in names)  # past the word pairs, a number is added


def test_pseudonyms_in_norwegian_and_numbered() -> None:
    scenario = every_method()
    name = next(iter(simulate(scenario, seed=1))).pseudonym
    adjective, animal = name.split()
    assert adjective[0].isupper()
    assert animal.islower()
    import msgspec

    numbered = msgspec.structs.replace(
        scenario, assembly=msgspec.structs.replace(scenario.assembly, pseudonyms="numbered")
    )
    names = [p.pseudonym for p in simulate(numbered, participants=12, seed=1)]
    assert names[0] == "Deltaker 0001"
    assert names[11] == "Deltaker 0012"


# --- authors and arguments -------------------------------------------------------------------


def test_participant_proposals_and_seed_arguments_have_authors(
    default: Scenario, default_people: list[Participant]
) -> None:
    plan = simulate(default, participants=N, seed=42)
    participant_proposals = {p.slug for _, p in default.proposals() if p.origin == "participant"}
    assert set(plan.proposal_authors) == participant_proposals
    for slug, author in plan.proposal_authors.items():
        assert author is not None
        person = default_people[author]
        assert slug in person.proposals
        assert not person.paper
        best = int(np.argmax([plan.agree_probability(g, slug) for g in range(3)]))
        assert person.group == best
    seeded = [a for p in default_people for a in p.arguments if a.seed_index is not None]
    expected = {
        (p.slug, k)
        for t, p in default.proposals()
        if t.reaches("deliberation")
        for k in range(len(p.arguments))
    }
    assert {(a.proposal, a.seed_index) for a in seeded} == expected
    assert len(seeded) == len(expected)
    for argument in seeded:
        spec = next(p for _, p in default.proposals() if p.slug == argument.proposal)
        assert argument.body == spec.arguments[argument.seed_index or 0].body


def test_template_arguments_match_reactions(default_people: list[Participant]) -> None:
    written = [(p, a) for p in default_people for a in p.arguments if a.seed_index is None]
    rate = len(written) / sum(not p.paper for p in default_people) / 2  # two deliberated topics
    assert 0.02 < rate < 0.07
    for person, argument in written:
        expected = "agree" if argument.stance == "pro" else "disagree"
        assert person.reactions[argument.proposal] == expected
        assert "{title}" not in argument.body
