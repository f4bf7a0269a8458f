"""The seeded lottery and the backwards tie rule."""

from __future__ import annotations

import numpy as np

from assembly.voting.ties import TieBreaker, backwards


def test_order_depends_only_on_seed_and_option_set():
    first = TieBreaker(["c", "a", "b", "d"], 7).order
    assert TieBreaker(["d", "b", "a", "c"], 7).order == first
    assert sorted(first) == ["a", "b", "c", "d"]
    orders = {tuple(TieBreaker(list("abcd"), seed).order) for seed in range(40)}
    assert len(orders) > 10


def test_decisions_are_recorded_with_the_order_used():
    ties = TieBreaker(list("abcd"), 1)
    favoured = ties.first(["d", "b"], "winner")
    least = ties.last(["a", "b", "c"], "elimination")
    explained = ties.explain()
    assert explained["seed"] == 1
    assert explained["order"] == ties.order
    assert explained["decisions"][0] == {
        "stage": "winner",
        "tied": ["b", "d"],
        "order": ties.sort(["b", "d"]),
    }
    assert favoured == explained["decisions"][0]["order"][0]
    assert least == explained["decisions"][1]["order"][-1]
    assert ties.sort(["a"]) == ["a"]
    ties.order_tied(["a"], "no tie")
    assert len(ties.decisions) == 2  # a single option is no tie


def test_backwards_narrows_by_the_latest_differing_round():
    history = [np.array([1, 2, 3]), np.array([3, 3, 4]), np.array([5, 5, 5])]
    assert backwards([0, 1, 2], history, fewest=True) == ([0], 1)
    assert backwards([0, 1, 2], history, fewest=False) == ([2], 2)
    assert backwards([0, 1], [np.array([2, 2])], fewest=True) == ([0, 1], None)
