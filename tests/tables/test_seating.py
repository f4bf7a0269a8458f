"""Table plans: everyone seated, balanced tables, few repeat pairs, hand moves."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from assembly.tables.seating import (
    TablePlan,
    TablePlanError,
    move_person,
    plan_tables,
    random_tables,
)

Participants = dict[str, dict[str, str]]


def panel(size: int, seed: int = 3) -> Participants:
    rng = random.Random(seed)
    return {
        f"p{i:03d}": {
            "gender": rng.choice(["female", "male"]),
            "age": rng.choices(["16-29", "30-49", "50+"], weights=[40, 35, 25])[0],
            "area": rng.choice(["urban", "suburban", "rural"]),
        }
        for i in range(size)
    }


def pair_meetings(plan: TablePlan) -> Counter[tuple[str, str]]:
    meetings: Counter[tuple[str, str]] = Counter()
    for round_ in plan.rounds:
        for table in round_:
            ordered = sorted(table)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    meetings[first, second] += 1
    return meetings


@pytest.fixture(scope="module")
def people() -> Participants:
    return panel(60)


@pytest.fixture(scope="module")
def plan(people: Participants) -> TablePlan:
    return plan_tables(people, rounds=3, tables=6, seed=5)


def test_everyone_sits_once_per_round_at_even_tables(people: Participants, plan: TablePlan) -> None:
    assert len(plan.rounds) == 3
    for round_ in plan.rounds:
        assert len(round_) == 6
        seated = [person for table in round_ for person in table]
        assert sorted(seated) == sorted(people)
        assert {len(table) for table in round_} == {10}


def test_table_size_option_gives_sizes_within_one() -> None:
    plan = plan_tables(panel(23), rounds=2, table_size=5, seed=1)
    for sizes in plan.table_sizes:
        assert len(sizes) == 5
        assert sum(sizes) == 23
        assert max(sizes) - min(sizes) <= 1
        assert max(sizes) <= 5


def test_reported_figures_match_the_seating(plan: TablePlan, people: Participants) -> None:
    meetings = pair_meetings(plan)
    assert plan.repeat_pairs == sum(m - 1 for m in meetings.values() if m > 1)
    assert plan.max_meetings == max(meetings.values())
    for feature in ("gender", "age", "area"):
        values = [people[p][feature] for p in people]
        worst = max(
            abs(
                sum(1 for p in table if people[p][feature] == v) / len(table)
                - values.count(v) / len(values)
            )
            for round_ in plan.rounds
            for table in round_
            for v in set(values)
        )
        assert plan.balance[feature] == pytest.approx(worst)
        assert 0 <= plan.mean_balance[feature] <= plan.balance[feature]


def test_fewer_repeats_and_better_balance_than_random(
    people: Participants, plan: TablePlan
) -> None:
    baselines = [random_tables(people, rounds=3, tables=6, seed=s) for s in range(5)]
    mean_random_repeats = sum(b.repeat_pairs for b in baselines) / len(baselines)
    assert plan.repeat_pairs < 0.8 * mean_random_repeats
    for feature in plan.features:
        mean_random_gap = sum(b.balance[feature] for b in baselines) / len(baselines)
        assert plan.balance[feature] < 0.6 * mean_random_gap


def test_tables_mirror_the_panel(people: Participants, plan: TablePlan) -> None:
    # 60 people at 6 tables of 10: each table's count of a value is within 1 of its fair share
    for feature in plan.features:
        totals = Counter(people[p][feature] for p in people)
        for round_ in plan.rounds:
            for table in round_:
                here = Counter(people[p][feature] for p in table)
                for value, total in totals.items():
                    assert abs(here[value] - total * len(table) / len(people)) <= 1.0 + 1e-9


def test_no_repeats_when_a_perfect_rotation_exists() -> None:
    # 16 people at 4 tables of 4 over 2 rounds: a Latin-square rotation has no repeats,
    # and 8 women and 8 men can sit 2 and 2 at every table
    people = {f"p{i:02d}": {"gender": "female" if i % 2 else "male"} for i in range(16)}
    plan = plan_tables(people, rounds=2, tables=4, seed=1)
    assert plan.repeat_pairs == 0
    assert plan.max_meetings == 1
    assert plan.balance["gender"] == 0


def test_same_seed_same_plan(people: Participants, plan: TablePlan) -> None:
    assert plan_tables(people, rounds=3, tables=6, seed=5).rounds == plan.rounds
    assert plan_tables(people, rounds=3, tables=6, seed=6).rounds != plan.rounds


def test_features_can_be_chosen_and_missing_values_count_as_unknown() -> None:
    people = panel(20)
    people["p000"] = {"gender": "female"}  # no age, no area
    plan = plan_tables(people, rounds=2, tables=4, seed=2, features=["age"])
    assert plan.features == ["age"]
    assert set(plan.balance) == {"age"}
    assert plan.participants["p000"] == {"gender": "female"}


def test_move_person_recomputes_figures(plan: TablePlan) -> None:
    person = plan.rounds[1][0][0]
    moved = move_person(plan, 1, person, 3)
    assert moved.table_of(1, person) == 3
    assert person not in moved.rounds[1][0]
    assert moved.table_sizes[1] == [9, 10, 10, 11, 10, 10]
    assert moved.rounds[0] == plan.rounds[0]
    meetings = pair_meetings(moved)
    assert moved.repeat_pairs == sum(m - 1 for m in meetings.values() if m > 1)
    assert plan.table_of(1, person) == 0  # the original plan is unchanged
    back = move_person(moved, 1, person, 0)
    assert back.repeat_pairs == plan.repeat_pairs
    assert back.balance == pytest.approx(plan.balance)


def test_move_person_errors(plan: TablePlan) -> None:
    person = plan.rounds[0][0][0]
    with pytest.raises(TablePlanError, match="no round 4"):
        move_person(plan, 3, person, 0)
    with pytest.raises(TablePlanError, match="no table 7"):
        move_person(plan, 0, person, 6)
    with pytest.raises(TablePlanError, match="not a participant"):
        move_person(plan, 0, "nobody", 0)


def test_plan_round_trips_through_a_dict(people: Participants, plan: TablePlan) -> None:
    data = plan.to_dict()
    assert data["repeat_pairs"] == plan.repeat_pairs
    assert data["table_sizes"] == plan.table_sizes
    assert TablePlan.from_dict(data, people) == plan


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rounds": 2}, "either the number of tables or the table size"),
        ({"rounds": 2, "tables": 2, "table_size": 3}, "not both"),
        ({"rounds": 2, "tables": 7}, "Cannot seat 6"),
        ({"rounds": 0, "tables": 2}, "at least one round"),
        ({"rounds": 1, "table_size": 0}, "at least 1"),
    ],
)
def test_invalid_requests(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(TablePlanError, match=message):
        plan_tables(panel(6), **kwargs)
    with pytest.raises(TablePlanError, match="no one to seat"):
        plan_tables({}, rounds=1, tables=1)


def test_150_people_8_tables_4_rounds_is_fast() -> None:
    people = panel(150, seed=8)
    started = time.perf_counter()
    plan = plan_tables(people, rounds=4, tables=8, seed=1)
    assert time.perf_counter() - started < 5
    baseline = random_tables(people, rounds=4, tables=8, seed=1)
    assert plan.repeat_pairs < baseline.repeat_pairs
    assert max(plan.balance.values()) < max(baseline.balance.values())
