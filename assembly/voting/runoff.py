"""Instant-runoff voting (IRV), counted on aggregated ballots with NumPy.

Each round counts every ballot for its highest-ranked option still in the count; an option
with more than half of the ballots still in the count wins; otherwise exactly one option,
the one with the fewest votes, is eliminated and its ballots move on.  When several tie for
fewest, the one with fewer votes in the latest earlier round where they differed goes (with
three or more, those with fewest in that round stay in contention and earlier rounds are
looked at in turn); only if no earlier round separates them does the seeded lottery decide.
A ballot with no option left in the count is exhausted.

Written here rather than taken from pyrankvote or pref_voting: neither applies this tie rule
or explains the rounds as shown here, pyrankvote counts ballot objects one by one (slow for
large electorates), and pref_voting is too heavy a run-time dependency (numba, ortools).
The tests cross-check the winners against pref_voting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assembly.voting.ballots import RankedProfile, read_rankings
from assembly.voting.result import Outcome, tiers_by_key
from assembly.voting.ties import TieBreaker, backwards


def padded_rows(profile: RankedProfile) -> np.ndarray:
    """The profile's rows with -1 replaced by n and one more column of n, so that a search
    for the first continuing option always stops at the sentinel n (exhausted)."""
    n = len(profile.options)
    k, width = profile.rows.shape
    rows = np.full((k, width + 1), n, dtype=np.int64)
    rows[:, :width] = np.where(profile.rows >= 0, profile.rows, n)
    return rows


def first_continuing(rows: np.ndarray, continuing: np.ndarray) -> np.ndarray:
    """For each row, its first option with ``continuing`` true, or n (the sentinel)."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    mask = continuing[rows]
    first = mask.argmax(axis=1)
    picked = rows[np.arange(len(rows)), first]
    return np.where(mask[np.arange(len(rows)), first], picked, continuing.size - 1)


def eliminate_one(
    lowest: list[int],
    history: list[np.ndarray],
    options: Sequence[str],
    ties: TieBreaker,
    stage: str,
) -> tuple[int, dict[str, Any] | None]:
    """Choose the one option to eliminate among those tied for fewest votes."""
    if len(lowest) == 1:
        return lowest[0], None
    tie: dict[str, Any] = {"tied": sorted(options[i] for i in lowest)}
    survivors, used = backwards(lowest, history[:-1], fewest=True)
    if used is not None:
        tie["decided_by_round"] = used
    if len(survivors) == 1:
        tie["rule"] = "fewer votes in the latest earlier round where they differed"
        return survivors[0], tie
    loser = ties.last([options[i] for i in survivors], stage)
    tie["rule"] = (
        "tie order given with the ballots (least favoured in that order goes)"
        if ties.given
        else "seeded lottery (least favoured in the lottery order goes)"
    )
    tie["lottery_between"] = sorted(options[i] for i in survivors)
    return options.index(loser), tie


def count_irv(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    profile = read_rankings(options, ballots)
    n = len(options)
    rows = padded_rows(profile)
    weights = profile.counts
    continuing = np.ones(n + 1, dtype=bool)
    continuing[n] = False
    top = first_continuing(rows, continuing)
    history: list[np.ndarray] = []
    rounds: list[dict[str, Any]] = []
    eliminated: list[int] = []
    winner: int | None = None
    while winner is None:
        counts = np.bincount(top, weights=weights, minlength=n + 1)
        counts = np.rint(counts).astype(np.int64)
        history.append(counts[:n].copy())
        active = [i for i in range(n) if continuing[i]]
        in_count = int(counts[:n].sum())
        info: dict[str, Any] = {
            "round": len(history),
            "counts": {options[i]: int(counts[i]) for i in active},
            "exhausted": int(counts[n]),
            "continuing_ballots": in_count,
        }
        rounds.append(info)
        leader = max(active, key=lambda i: counts[i])
        if len(active) == 1 or 2 * counts[leader] > in_count:
            winner = leader
            info["winner"] = options[leader]
            info["majority"] = 2 * int(counts[leader]) > in_count
            break
        low = min(int(counts[i]) for i in active)
        lowest = [i for i in active if counts[i] == low]
        stage = f"elimination, round {len(history)}"
        out, tie = eliminate_one(lowest, history, options, ties, stage)
        if tie is not None:
            info["tie"] = tie
        continuing[out] = False
        eliminated.append(out)
        moving = np.nonzero(top == out)[0]
        top[moving] = first_continuing(rows[moving], continuing)
        moved = np.rint(np.bincount(top[moving], weights=weights[moving], minlength=n + 1))
        info["eliminated"] = options[out]
        info["transfers"] = {
            "to": {options[i]: int(moved[i]) for i in range(n) if moved[i] > 0},
            "exhausted": int(moved[n]),
        }
    final = history[-1]
    others = [i for i in range(n) if continuing[i] and i != winner]
    ranking = [[options[winner]]]
    where = {o: i for i, o in enumerate(options)}
    ranking += tiers_by_key((options[i] for i in others), lambda o: int(final[where[o]]))
    ranking += [[options[i]] for i in reversed(eliminated)]
    explanation = {
        "ballots": profile.total,
        "blank": profile.blank,
        "rule": (
            "each round counts every ballot for its highest-ranked option still in the count; "
            "an option with more than half of the ballots still in the count wins; otherwise "
            "the option with fewest votes is eliminated; ties for fewest go to the option with "
            "fewer votes in the latest earlier round where they differed, then to the lottery"
        ),
        "rounds": rounds,
    }
    return [options[winner]], ranking, explanation
