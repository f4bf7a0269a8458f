"""Ranked methods counted from positions and the pairwise matrix: Borda, Schulze, ranked
pairs.

Written here rather than taken from ``pref_voting``: that library is heavy at run time
(numba, ortools, matplotlib) and does not produce the explanations shown to readers.  The
tests cross-check the winners against it.

Partial rankings: an option a ballot leaves out is below every option it ranks, and the
options it leaves out are tied with each other.  That is how the pairwise matrix counts
them; Borda's ``partial`` parameter says how points are given (see ``borda_points``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from assembly.voting.ballots import RankedProfile, read_rankings
from assembly.voting.result import Outcome, number, select_winners, tiers_by_key
from assembly.voting.ties import TieBreaker

BORDA_RULES = {
    "average": (
        "a ballot ranking k of n options gives n-1, n-2, ... points by position; the n-k "
        "options it leaves out share the remaining points n-k-1 ... 0 equally, so each gets "
        "(n-k-1)/2"
    ),
    "zero": ("a ballot gives n-1, n-2, ... points by position; options it leaves out get 0"),
    "modified": (
        "a ballot ranking k options gives k, k-1, ..., 1 points by position; options it "
        "leaves out get 0 (the modified Borda count: ranking fewer options gives fewer "
        "points)"
    ),
}


def pairwise(profile: RankedProfile) -> np.ndarray:
    """d[x, y]: the number of ballots preferring x to y.

    Rows standing for the same number of ballots are counted together with
    ``count_nonzero`` on a boolean comparison, much faster than a weighted sum (which
    first turns the booleans into numbers); only the rows of rare counts, few by nature,
    go through the weighted sum."""
    n = len(profile.options)
    by_option = np.ascontiguousarray(profile.positions.T)  # (n, k)
    d = np.zeros((n, n), dtype=np.int64)
    values, inverse, sizes = np.unique(profile.counts, return_inverse=True, return_counts=True)
    common = [i for i in np.argsort(-sizes)[:8] if sizes[i] >= 256 or len(values) == 1]
    rare = np.ones(len(profile.counts), dtype=bool)
    for i in common:
        rows = inverse == i
        rare &= ~rows
        group = by_option if len(values) == 1 else by_option[:, rows]
        for x in range(n):
            d[x] += int(values[i]) * np.count_nonzero(group[x : x + 1] < group, axis=1)
    if rare.any():
        group = by_option[:, rare]
        weights = profile.counts[rare].astype(np.float64)
        for x in range(n):
            d[x] += np.rint((group[x : x + 1] < group) @ weights).astype(np.int64)
    return d


def matrix_dict(options: Sequence[str], m: np.ndarray) -> dict[str, dict[str, int]]:
    return {
        a: {b: int(m[i, j]) for j, b in enumerate(options) if j != i} for i, a in enumerate(options)
    }


def _layers(n: int, beats: np.ndarray, options: Sequence[str]) -> list[list[str]]:
    """Tiers of a strict partial order: repeatedly the options no remaining option beats."""
    remaining = list(range(n))
    tiers: list[list[str]] = []
    while remaining:
        sub = beats[np.ix_(remaining, remaining)]
        top = [remaining[i] for i in np.nonzero(~sub.any(axis=0))[0]]
        if not top:  # cannot happen for an acyclic relation; keep the count finite anyway
            top = remaining
        tiers.append(sorted(options[i] for i in top))
        remaining = [r for r in remaining if r not in top]
    return tiers


def _head(profile: RankedProfile) -> dict[str, Any]:
    return {"ballots": profile.total, "blank": profile.blank}


def borda_points(profile: RankedProfile, rule: str) -> np.ndarray:
    """Twice the points each distinct ballot gives each option, (k, n) int64 (doubling keeps
    the half points of the ``average`` rule exact)."""
    n = len(profile.options)
    pos = profile.positions
    ranked = pos < n
    length = profile.lengths[:, None]
    if rule == "average":
        return np.where(ranked, 2 * (n - 1 - pos), n - length - 1)
    if rule == "zero":
        return np.where(ranked, 2 * (n - 1 - pos), 0)
    return np.where(ranked, 2 * (length - pos), 0)


def count_borda(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    profile = read_rankings(options, ballots)
    n = len(options)
    rule = params["partial"]
    doubled = profile.counts @ borda_points(profile, rule)
    totals = {o: number(doubled[i] / 2) for i, o in enumerate(options)}
    pos = profile.positions
    flat = (np.arange(n)[None, :] * (n + 1) + pos).ravel()
    weights = np.repeat(profile.counts, n)
    table = np.bincount(flat, weights=weights, minlength=n * (n + 1)).reshape(n, n + 1)
    table = np.rint(table).astype(np.int64)
    where = {o: i for i, o in enumerate(options)}
    ranking = tiers_by_key(options, lambda o: int(doubled[where[o]]))
    explanation = _head(profile) | {
        "partial_rule": rule,
        "rule": BORDA_RULES[rule],
        "points_by_position_full_ballot": (
            list(range(n, 0, -1)) if rule == "modified" else list(range(n - 1, -1, -1))
        ),
        "position_counts": {o: [int(c) for c in table[i, :n]] for i, o in enumerate(options)},
        "unranked_counts": {o: int(table[i, n]) for i, o in enumerate(options)},
        "totals": totals,
    }
    return select_winners(ranking, seats, ties), ranking, explanation


def _link_strengths(d: np.ndarray, strength: str) -> np.ndarray:
    """Strength of each majority win x over y (0 where x does not win)."""
    margin = d - d.T
    s = d if strength == "winning_votes" else margin
    return np.where(margin > 0, s, 0)


def count_schulze(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    profile = read_rankings(options, ballots)
    n = len(options)
    d = pairwise(profile)
    p = _link_strengths(d, params["strength"])
    for k in range(n):  # widest paths (Floyd-Warshall)
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
    np.fill_diagonal(p, 0)
    beats = p > p.T
    ranking = _layers(n, beats, options)
    explanation = _head(profile) | {
        "strength": params["strength"],
        "d": matrix_dict(options, d),
        "p": matrix_dict(options, p),
        "rule": (
            "d[x][y] counts ballots preferring x to y; p[x][y] is the strength of the "
            "strongest path from x to y, a path's strength being its weakest link; x ranks "
            "above y when p[x][y] > p[y][x]"
        ),
    }
    return select_winners(ranking, seats, ties), ranking, explanation


def count_ranked_pairs(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    profile = read_rankings(options, ballots)
    n = len(options)
    d = pairwise(profile)
    margin = d - d.T
    strength = params["strength"]
    lottery = {o: i for i, o in enumerate(ties.order)}
    pairs = [(x, y) for x in range(n) for y in range(n) if margin[x, y] > 0]

    def main_key(pair: tuple[int, int]) -> tuple[int, int]:
        x, y = pair
        if strength == "winning_votes":  # larger majority first, then smaller opposition
            return (-int(d[x, y]), int(d[y, x]))
        return (-int(margin[x, y]), 0)

    # equal strength: the pair whose winner is favoured by the lottery first, then the pair
    # whose loser is least favoured (the Zavist-Tideman rule, with the lottery order as the
    # tie-breaking ranking)
    pairs.sort(key=lambda p: (*main_key(p), lottery[options[p[0]]], -lottery[options[p[1]]]))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pair in pairs:
        groups.setdefault(main_key(pair), []).append(pair)
    for group in groups.values():
        if len(group) > 1:
            ties.decisions.append(
                {
                    "stage": "order of pairs of equal strength",
                    "tied": sorted(f"{options[x]}>{options[y]}" for x, y in group),
                    "order": [f"{options[x]}>{options[y]}" for x, y in group],
                }
            )
    reach = np.eye(n, dtype=bool)  # reach[a, b]: a path of locked pairs from a to b
    considered: list[dict[str, Any]] = []
    for x, y in pairs:
        locked = not reach[y, x]
        if locked:
            reach |= np.outer(reach[:, x], reach[y, :])
        considered.append(
            {
                "winner": options[x],
                "loser": options[y],
                "for": int(d[x, y]),
                "against": int(d[y, x]),
                "margin": int(margin[x, y]),
                "locked": locked,
            }
        )
    locked_graph = reach & ~np.eye(n, dtype=bool)
    ranking = _layers(n, locked_graph, options)
    explanation = _head(profile) | {
        "strength": strength,
        "d": matrix_dict(options, d),
        "pairs": considered,
        "locked": [f"{c['winner']}>{c['loser']}" for c in considered if c["locked"]],
        "skipped": [f"{c['winner']}>{c['loser']}" for c in considered if not c["locked"]],
        "tied_pairs": [
            f"{options[x]}={options[y]}"
            for x in range(n)
            for y in range(x + 1, n)
            if margin[x, y] == 0
        ],
        "rule": (
            "pairs are taken from the strongest majority down; each is locked in unless it "
            "would close a cycle with the pairs already locked, in which case it is skipped; "
            "the ranking follows the locked pairs"
        ),
    }
    return select_winners(ranking, seats, ties), ranking, explanation
