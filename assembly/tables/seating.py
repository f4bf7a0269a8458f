"""Small-group table plans: balanced tables that rotate across rounds.

Participants are split into tables for each round of a deliberation session so that

* each table's demographic mix is as close as possible to the whole panel's, and
* across rounds, as few pairs as possible sit together more than once.

Written here rather than taken from a library: no maintained package does balanced,
rotating table assignment. Design-of-experiments and "social golfer" solvers handle the
rotation but not a demographic balance, and group-formation libraries balance one round but
do not rotate. The problem is small (a few hundred people), so a seeded local search is
quick and good enough:

1. Greedy construction, round by round: people in a seeded random order each take the open
   seat whose table gains the least cost.
2. Swap improvement with simulated annealing: swap two people at different tables in the
   same round when it lowers (or, early on, only slightly raises) the objective, keeping the
   best plan found.

The objective is ``sum over pairs of m(m-1)/2`` (m = rounds a pair shares a table; so a
second meeting costs 1 and a third 2 more) plus ``balance_weight`` times the squared gaps
between each table's count of every feature value and that table's share of the panel's
count. The search uses a fixed number of moves derived from the problem size, so the same
participants, settings and seed always give the same plan.

Reported figures: ``repeat_pairs`` counts every extra meeting (a pair meeting three times
counts 2), ``max_meetings`` is the most rounds any pair shares, and ``balance`` is, per
feature, the largest gap between a table's share of a value and the panel's share of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TablePlan", "TablePlanError", "move_person", "plan_tables", "random_tables"]

UNKNOWN = ""  # value used when a participant has no value for a feature


class TablePlanError(ValueError):
    """The table plan cannot be made or changed as asked."""


@dataclass(frozen=True)
class TablePlan:
    """Tables per round (ids), with how well they rotate and balance."""

    rounds: list[list[list[str]]]
    features: list[str]
    participants: dict[str, dict[str, str]] = field(repr=False)
    repeat_pairs: int
    max_meetings: int
    balance: dict[str, float]
    mean_balance: dict[str, float]
    seed: int

    @property
    def table_sizes(self) -> list[list[int]]:
        return [[len(table) for table in round_] for round_ in self.rounds]

    def table_of(self, round_index: int, person: str) -> int:
        for index, table in enumerate(self.rounds[round_index]):
            if person in table:
                return index
        raise TablePlanError(f"'{person}' has no seat in round {round_index + 1}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rounds": [[list(table) for table in round_] for round_ in self.rounds],
            "features": list(self.features),
            "repeat_pairs": self.repeat_pairs,
            "max_meetings": self.max_meetings,
            "balance": dict(self.balance),
            "mean_balance": dict(self.mean_balance),
            "table_sizes": self.table_sizes,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], participants: Mapping[str, Mapping[str, str]]
    ) -> TablePlan:
        """Rebuild a stored plan; the metrics are recomputed from ``participants``."""
        rounds = [[[str(p) for p in table] for table in round_] for round_ in data["rounds"]]
        return _measure(rounds, _clean(participants), list(data["features"]), int(data["seed"]))


def _clean(participants: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {
        str(person): {str(k): "" if v is None else str(v).strip() for k, v in values.items()}
        for person, values in participants.items()
    }


def _feature_names(participants: Mapping[str, Mapping[str, str]]) -> list[str]:
    names: dict[str, None] = {}
    for values in participants.values():
        for name in values:
            names.setdefault(name, None)
    return list(names)


def _sizes(count: int, tables: int | None, table_size: int | None) -> list[int]:
    if (tables is None) == (table_size is None):
        raise TablePlanError("Give either the number of tables or the table size, not both.")
    if table_size is not None:
        if table_size < 1:
            raise TablePlanError("The table size must be at least 1.")
        tables = math.ceil(count / table_size)
    assert tables is not None
    if not 1 <= tables <= count:
        raise TablePlanError(
            f"Cannot seat {count} participant(s) at {tables} table(s): "
            "there must be between 1 table and one table per participant."
        )
    base, extra = divmod(count, tables)
    return [base + (1 if index < extra else 0) for index in range(tables)]


def _measure(
    rounds: list[list[list[str]]],
    participants: dict[str, dict[str, str]],
    features: list[str],
    seed: int,
) -> TablePlan:
    """Build a plan from seatings, computing its rotation and balance figures."""
    meetings: dict[tuple[str, str], int] = {}
    for round_ in rounds:
        for table in round_:
            ordered = sorted(table)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    meetings[first, second] = meetings.get((first, second), 0) + 1
    people = list(participants)
    balance: dict[str, float] = {}
    mean_balance: dict[str, float] = {}
    for feature in features:
        values = [participants[p].get(feature, UNKNOWN) for p in people]
        shares = {v: values.count(v) / len(values) for v in dict.fromkeys(values)}
        gaps: list[float] = []
        for round_ in rounds:
            for table in round_:
                if not table:
                    continue
                for value, share in shares.items():
                    here = sum(1 for p in table if participants[p].get(feature, UNKNOWN) == value)
                    gaps.append(abs(here / len(table) - share))
        balance[feature] = max(gaps, default=0.0)
        mean_balance[feature] = sum(gaps) / len(gaps) if gaps else 0.0
    return TablePlan(
        rounds=rounds,
        features=features,
        participants=participants,
        repeat_pairs=sum(m - 1 for m in meetings.values() if m > 1),
        max_meetings=max(meetings.values(), default=0),
        balance=balance,
        mean_balance=mean_balance,
        seed=seed,
    )


class _Search:
    """Mutable state of the local search, on integer indexes for speed."""

    def __init__(
        self,
        people: list[str],
        participants: dict[str, dict[str, str]],
        features: list[str],
        sizes: list[int],
        rounds: int,
        balance_weight: float,
        rng: random.Random,
    ) -> None:
        self.n = len(people)
        self.sizes = sizes
        self.rounds = rounds
        self.weight = balance_weight
        self.rng = rng
        # codes[f][i]: index of person i's value for feature f
        self.codes: list[list[int]] = []
        self.expected: list[list[list[float]]] = []  # [f][t][v]: table t's fair count of v
        for feature in features:
            index: dict[str, int] = {}
            codes = [
                index.setdefault(participants[p].get(feature, UNKNOWN), len(index)) for p in people
            ]
            totals = [codes.count(v) for v in range(len(index))]
            self.codes.append(codes)
            self.expected.append([[size * total / self.n for total in totals] for size in sizes])
        self.meet = [[0] * self.n for _ in range(self.n)]
        self.seat: list[list[int]] = [[-1] * self.n for _ in range(rounds)]
        self.members: list[list[list[int]]] = [[[] for _ in sizes] for _ in range(rounds)]
        # count[r][f][t][v]
        self.count = [
            [[[0] * len(self.expected[f][0]) for _ in sizes] for f in range(len(features))]
            for _ in range(rounds)
        ]

    # ---------------------------------------------------------------- construction
    def _join_cost(self, r: int, person: int, table: int) -> float:
        meet = self.meet[person]
        cost: float = sum(meet[x] for x in self.members[r][table])
        for f, codes in enumerate(self.codes):
            v = codes[person]
            gap = self.count[r][f][table][v] - self.expected[f][table][v]
            cost += self.weight * (2 * gap + 1)
        return cost

    def seat_person(self, r: int, person: int, table: int) -> None:
        for x in self.members[r][table]:
            self.meet[person][x] += 1
            self.meet[x][person] += 1
        self.members[r][table].append(person)
        self.seat[r][person] = table
        for f, codes in enumerate(self.codes):
            self.count[r][f][table][codes[person]] += 1

    def construct(self) -> None:
        for r in range(self.rounds):
            order = list(range(self.n))
            self.rng.shuffle(order)
            for person in order:
                open_tables = [
                    t for t, size in enumerate(self.sizes) if len(self.members[r][t]) < size
                ]
                best = min(
                    open_tables,
                    key=lambda t: (self._join_cost(r, person, t), self.rng.random()),
                )
                self.seat_person(r, person, best)

    def place_randomly(self) -> None:
        for r in range(self.rounds):
            order = list(range(self.n))
            self.rng.shuffle(order)
            start = 0
            for t, size in enumerate(self.sizes):
                for person in order[start : start + size]:
                    self.seat_person(r, person, t)
                start += size

    # ---------------------------------------------------------------- objective
    def cost(self) -> float:
        repeats = sum(
            m * (m - 1) // 2 for i in range(self.n) for m in self.meet[i][i + 1 :] if m > 1
        )
        imbalance = 0.0
        for r in range(self.rounds):
            for f in range(len(self.codes)):
                for t in range(len(self.sizes)):
                    for v, fair in enumerate(self.expected[f][t]):
                        imbalance += (self.count[r][f][t][v] - fair) ** 2
        return repeats + self.weight * imbalance

    def swap_delta(self, r: int, a: int, b: int) -> float:
        ta, tb = self.seat[r][a], self.seat[r][b]
        meet_a, meet_b = self.meet[a], self.meet[b]
        delta: float = 0
        for x in self.members[r][ta]:
            if x != a:
                delta += meet_b[x] - meet_a[x] + 1
        for y in self.members[r][tb]:
            if y != b:
                delta += meet_a[y] - meet_b[y] + 1
        for f, codes in enumerate(self.codes):
            va, vb = codes[a], codes[b]
            if va == vb:
                continue
            count_a, count_b = self.count[r][f][ta], self.count[r][f][tb]
            fair_a, fair_b = self.expected[f][ta], self.expected[f][tb]
            delta += self.weight * (
                -2 * (count_a[va] - fair_a[va])
                + 2 * (count_a[vb] - fair_a[vb])
                - 2 * (count_b[vb] - fair_b[vb])
                + 2 * (count_b[va] - fair_b[va])
                + 4
            )
        return delta

    def swap(self, r: int, a: int, b: int) -> None:
        ta, tb = self.seat[r][a], self.seat[r][b]
        table_a, table_b = self.members[r][ta], self.members[r][tb]
        meet_a, meet_b = self.meet[a], self.meet[b]
        for x in table_a:
            if x != a:
                meet_a[x] -= 1
                self.meet[x][a] -= 1
                meet_b[x] += 1
                self.meet[x][b] += 1
        for y in table_b:
            if y != b:
                meet_b[y] -= 1
                self.meet[y][b] -= 1
                meet_a[y] += 1
                self.meet[y][a] += 1
        table_a[table_a.index(a)] = b
        table_b[table_b.index(b)] = a
        self.seat[r][a], self.seat[r][b] = tb, ta
        for f, codes in enumerate(self.codes):
            va, vb = codes[a], codes[b]
            if va != vb:
                self.count[r][f][ta][va] -= 1
                self.count[r][f][ta][vb] += 1
                self.count[r][f][tb][vb] -= 1
                self.count[r][f][tb][va] += 1

    def improve(self, moves: int) -> list[list[int]]:
        """Simulated annealing over swaps; returns the best seating found."""
        current = self.cost()
        best = current
        best_seat = [list(row) for row in self.seat]
        if len(self.sizes) < 2 or moves <= 0:
            return best_seat
        start_temperature, end_temperature = 2.0, 0.02
        ratio = end_temperature / start_temperature
        rng = self.rng
        for step in range(moves):
            temperature = start_temperature * ratio ** (step / moves)
            r = rng.randrange(self.rounds)
            a = rng.randrange(self.n)
            b = rng.randrange(self.n)
            if self.seat[r][a] == self.seat[r][b]:
                continue
            delta = self.swap_delta(r, a, b)
            if delta <= 0 or rng.random() < math.exp(-delta / temperature):
                self.swap(r, a, b)
                current += delta
                if current < best - 1e-9:
                    best = current
                    best_seat = [list(row) for row in self.seat]
        return best_seat


def _seatings(seat: list[list[int]], people: list[str], tables: int) -> list[list[list[str]]]:
    rounds: list[list[list[str]]] = []
    for row in seat:
        round_: list[list[str]] = [[] for _ in range(tables)]
        for person, table in enumerate(row):
            round_[table].append(people[person])  # participants' order within each table
        rounds.append(round_)
    return rounds


def _setup(
    participants: Mapping[str, Mapping[str, str]],
    rounds: int,
    tables: int | None,
    table_size: int | None,
    features: Sequence[str] | None,
) -> tuple[dict[str, dict[str, str]], list[str], list[str], list[int]]:
    clean = _clean(participants)
    if not clean:
        raise TablePlanError("There is no one to seat.")
    if rounds < 1:
        raise TablePlanError("There must be at least one round.")
    sizes = _sizes(len(clean), tables, table_size)
    names = list(features) if features is not None else _feature_names(clean)
    return clean, list(clean), names, sizes


def plan_tables(
    participants: Mapping[str, Mapping[str, str]],
    *,
    rounds: int,
    tables: int | None = None,
    table_size: int | None = None,
    seed: int = 1,
    features: Sequence[str] | None = None,
    balance_weight: float = 2.0,
    moves: int | None = None,
) -> TablePlan:
    """Seat ``participants`` (id -> {feature: value}) at balanced tables for ``rounds`` rounds.

    Give ``tables`` (a number of tables) or ``table_size`` (tables of at most that size; sizes
    then differ by at most one). ``features`` limits which features are balanced (default:
    all). ``moves`` is the number of swaps tried (default: 250 per seat per round, at most
    400,000; about 0.4 s for 150 people in 4 rounds). The same inputs and ``seed`` give the
    same plan.
    """
    clean, people, names, sizes = _setup(participants, rounds, tables, table_size, features)
    search = _Search(people, clean, names, sizes, rounds, balance_weight, random.Random(seed))
    search.construct()
    budget = moves if moves is not None else min(400_000, 250 * len(people) * rounds)
    best = search.improve(budget)
    return _measure(_seatings(best, people, len(sizes)), clean, names, seed)


def random_tables(
    participants: Mapping[str, Mapping[str, str]],
    *,
    rounds: int,
    tables: int | None = None,
    table_size: int | None = None,
    seed: int = 1,
    features: Sequence[str] | None = None,
) -> TablePlan:
    """A plain seeded random seating, each round drawn afresh: the baseline for comparison."""
    clean, people, names, sizes = _setup(participants, rounds, tables, table_size, features)
    search = _Search(people, clean, names, sizes, rounds, 0.0, random.Random(seed))
    search.place_randomly()
    return _measure(_seatings(search.seat, people, len(sizes)), clean, names, seed)


def move_person(plan: TablePlan, round_index: int, person: str, to_table: int) -> TablePlan:
    """Move ``person`` to table ``to_table`` in round ``round_index`` (both 0-based).

    Returns a new plan with the figures recomputed; table sizes may become uneven, as the
    facilitator chose.
    """
    if not 0 <= round_index < len(plan.rounds):
        raise TablePlanError(f"There is no round {round_index + 1}.")
    seating = plan.rounds[round_index]
    if not 0 <= to_table < len(seating):
        raise TablePlanError(f"There is no table {to_table + 1} in round {round_index + 1}.")
    if person not in plan.participants:
        raise TablePlanError(f"'{person}' is not a participant of this plan.")
    from_table = plan.table_of(round_index, person)
    rounds = [[list(table) for table in round_] for round_ in plan.rounds]
    if from_table != to_table:
        rounds[round_index][from_table].remove(person)
        rounds[round_index][to_table].append(person)
    return _measure(rounds, plan.participants, plan.features, plan.seed)
