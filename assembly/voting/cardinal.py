"""Score voting and majority judgment (ballots give each option a number or a grade).

Majority judgment is written here (pref_voting has it, but is too heavy a run-time
dependency) so that the Balinski-Laraki tie-breaking can be shown step by step.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from assembly.voting.ballots import check_integers
from assembly.voting.errors import InvalidBallot
from assembly.voting.result import Outcome, number, select_winners, tiers_by_key
from assembly.voting.ties import TieBreaker

MAX_STEP_RUNS = 12  # runs of steps shown per majority-judgment tie before eliding


def count_score(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    low, high = params["min"], params["max"]
    known = frozenset(options)
    sums = dict.fromkeys(options, 0)
    given = dict.fromkeys(options, 0)
    total = 0
    for i, ballot in enumerate(ballots):
        try:
            scores = check_integers(ballot, known, low, high, "score")
        except InvalidBallot as error:
            raise error.at(i) from None
        total += 1
        for option, value in scores.items():
            sums[option] += value
            given[option] += 1
    # an option a ballot leaves out counts as the lowest score, so every option is judged
    # by every ballot and sums stay comparable
    full = {o: sums[o] + low * (total - given[o]) for o in options}
    ranking = tiers_by_key(options, full.__getitem__)
    explanation = {
        "ballots": total,
        "rule": f"an option a ballot leaves out counts as the lowest score, {low}",
        "options": {
            o: {
                "sum": full[o],
                "mean": number(full[o] / total) if total else None,
                "scored_by": given[o],
            }
            for o in options
        },
    }
    return select_winners(ranking, seats, ties), ranking, explanation


def removal_order(count: int) -> np.ndarray:
    """Positions (in grades sorted worst first) of the successive lower medians when the
    median grade is removed one at a time: for 2t grades t-1, t, t-2, t+1, ...; for 2t+1
    grades t, t-1, t+1, t-2, ..."""
    t, odd = divmod(count, 2)
    if odd:
        down, up, head = np.arange(t - 1, -1, -1), np.arange(t + 1, count), [t]
    else:
        down, up, head = np.arange(t - 1, -1, -1), np.arange(t, count), []
    pairs = np.empty(2 * len(down), dtype=np.int64)
    pairs[0::2], pairs[1::2] = down, up
    return np.concatenate([np.array(head, dtype=np.int64), pairs])


def majority_values(counts: np.ndarray) -> np.ndarray:
    """(n, N) the successive median grades of each option (its majority value)."""
    n, levels = counts.shape
    total = int(counts[0].sum()) if n else 0
    order = removal_order(total)
    grades = np.arange(levels)
    return np.stack([np.repeat(grades, counts[i])[order] for i in range(n)]) if n else counts


def _steps(a: str, b: str, va: np.ndarray, vb: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """The Balinski-Laraki comparison of a (ranked first) and b, step by step: after
    removing `removed` median grades from each, their medians; runs of equal steps merged."""
    differ = np.nonzero(va != vb)[0]
    stop = int(differ[0]) if differ.size else len(va) - 1
    changes = np.nonzero((va[1 : stop + 1] != va[:stop]) | (vb[1 : stop + 1] != vb[:stop]))[0]
    starts = [0, *(int(c) + 1 for c in changes)]
    ends = [*(s - 1 for s in starts[1:]), stop]
    runs: list[dict[str, Any]] = [
        {
            "removed": first if first == last else [first, last],
            "medians": {a: labels[va[first]], b: labels[vb[first]]},
        }
        for first, last in zip(starts, ends, strict=True)
    ]
    shown = runs if len(runs) <= MAX_STEP_RUNS else runs[: MAX_STEP_RUNS - 1] + runs[-1:]
    return {
        "options": [a, b],
        "steps": shown,
        "elided_runs": len(runs) - len(shown),
        "decided_after_removing": stop if differ.size else None,
        "result": f"{a} ahead of {b}" if differ.size else "tied: identical grades",
    }


def count_majority_judgment(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    labels: list[str] = list(params["grades"])
    levels = len(labels)
    where = {o: i for i, o in enumerate(options)}
    n = len(options)
    tallies = [[0] * levels for _ in options]
    total = 0
    for i, ballot in enumerate(ballots):
        try:
            grades = check_integers(ballot, where, 0, levels - 1, "grade")
        except InvalidBallot as error:
            raise error.at(i) from None
        total += 1
        for option, grade in grades.items():
            tallies[where[option]][grade] += 1
    counts = np.array(tallies, dtype=np.int64).reshape(n, levels)
    # an option a ballot leaves ungraded gets the worst grade
    counts[:, 0] += total - counts.sum(axis=1)
    values = majority_values(counts)

    def compare(x: str, y: str) -> int:
        vx, vy = values[where[x]], values[where[y]]
        differ = np.nonzero(vx != vy)[0]
        if not differ.size:
            return 0
        i = differ[0]
        return -1 if vx[i] > vy[i] else 1

    ordered = sorted(options, key=functools.cmp_to_key(compare))
    ranking: list[list[str]] = []
    for option in ordered:
        if ranking and compare(ranking[-1][0], option) == 0:
            ranking[-1].append(option)
        else:
            ranking.append([option])
    ranking = [sorted(tier) for tier in ranking]
    breaks = []
    for upper, lower in itertools.pairwise(ranking):
        a, b = upper[0], lower[0]
        if total and values[where[a]][0] == values[where[b]][0]:
            breaks.append(_steps(a, b, values[where[a]], values[where[b]], labels))
    explanation = {
        "ballots": total,
        "grades": labels,
        "rule": (
            "each option's majority grade is its median grade (the lower middle one for an "
            "even number of ballots); options with the same majority grade are separated by "
            "removing one median grade from each, again and again, until their medians differ "
            "(Balinski-Laraki); an option a ballot leaves ungraded gets the worst grade"
        ),
        "options": {
            o: {
                "distribution": {labels[g]: int(counts[i, g]) for g in range(levels)},
                "majority_grade": labels[values[i][0]] if total else None,
            }
            for i, o in enumerate(options)
        },
        "tie_breaks": breaks,
    }
    return select_winners(ranking, seats, ties), ranking, explanation
