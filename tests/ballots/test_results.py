"""Results as a table and steps, for every method, named by proposal titles."""

from __future__ import annotations

from typing import Any

import pytest

from assembly.ballots.results import describe, describe_ballot
from assembly.voting import METHODS, tally

OPTIONS = ["1", "2", "3"]
TITLES = {"1": "Park", "2": "Pier", "3": "Pool"}
RANKINGS = [["1", "2"], ["2", "1", "3"], ["3"], ["1"], ["2", "3"]]
BALLOTS: dict[str, list[Any]] = {
    "approval": [["1"], ["1", "2"], ["3"]],
    "budget": [["1", "2"], ["3"]],
    "score": [{"1": 5, "2": 3}, {"3": 1}],
    "majority_judgment": [{"1": 4, "2": 2, "3": 0}, {"1": 1, "2": 3, "3": 5}],
    "dot": [{"1": 5, "2": 5}, {"3": 10}],
    "quadratic": [{"1": 5, "2": -3}, {"3": 9}],
    "yes_no_abstain": [{"1": "yes", "2": "no"}, {"1": "yes", "3": "abstain"}],
    "consent": [{"1": "support", "2": "block"}, {"1": "neutral"}],
}


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_becomes_a_table(method: str) -> None:
    params = {"costs": {"1": 100, "2": 50, "3": 80}, "budget": 150} if method == "budget" else {}
    seats = 2 if method == "stv" else 1
    result = tally(method, OPTIONS, BALLOTS.get(method, RANKINGS), seats=seats, **params)
    view = describe(result, TITLES, channels={"online": 2, "paper": 1})
    assert sorted(row.title for row in view.rows) == ["Park", "Pier", "Pool"]
    assert all(len(row.cells) == len(view.columns) > 0 for row in view.rows)
    assert view.winners == [TITLES[o] for o in result.winners]
    assert [row.winner for row in view.rows].count(True) == len(result.winners)
    assert view.ballots == result.explanation["ballots"]
    assert '"winners"' in view.explanation_json
    if method in ("irv", "stv", "ranked_pairs", "budget", "yes_no_abstain", "consent"):
        assert view.steps
        assert any(title in step for step in view.steps for title in TITLES.values())


def test_irv_steps_tell_the_rounds() -> None:
    view = describe(tally("irv", OPTIONS, RANKINGS), TITLES)
    assert view.steps[0].startswith("Round 1: ")
    assert "is eliminated." in view.steps[0]
    assert view.steps[-1].endswith("wins.")


def test_published_ballots_in_words() -> None:
    assert describe_ballot("ranking", ["2", "1"], TITLES) == "Pier > Park"
    assert describe_ballot("approval", ["1", "3"], TITLES) == "Park, Pool"
    assert describe_ballot("scores", {"1": 4}, TITLES) == "Park: 4"
    assert describe_ballot("choice", {"3": "abstain"}, TITLES) == "Pool: Abstain"
    assert describe_ballot("approval", [], TITLES) == "(blank)"
    assert describe_ballot("ranking", ["9"], TITLES) == "#9"
