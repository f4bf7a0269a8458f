"""Dot voting and quadratic voting."""

from __future__ import annotations

import pytest

from assembly.voting import InvalidBallot, tally


def test_dot_totals():
    ballots = [{"a": 5, "b": 3}, {"b": 4, "c": 1}, {}]
    result = tally("dot", list("abc"), ballots, budget=10)
    assert result.explanation["totals"] == {"a": 5, "b": 7, "c": 1}
    assert result.explanation["ballots_giving_points"] == {"a": 1, "b": 2, "c": 1}
    assert result.explanation["points_spent"] == 13
    assert result.explanation["points_available"] == 30
    assert result.winners == ["b"]


def test_dot_budget_and_cap():
    with pytest.raises(InvalidBallot, match="ballot 1: spends 11 points; only 10 may be spent"):
        tally("dot", list("ab"), [{"a": 6, "b": 5}])
    with pytest.raises(
        InvalidBallot, match="gives option 'a' 4 points; it must be between 0 and 3"
    ):
        tally("dot", list("ab"), [{"a": 4}], max_per_option=3)
    with pytest.raises(InvalidBallot, match="gives option 'a' -1 points; it must be at least 0"):
        tally("dot", list("ab"), [{"a": -1}])
    with pytest.raises(InvalidBallot, match=r"gives option 'a' 1\.5 points, which is not a whole"):
        tally("dot", list("ab"), [{"a": 1.5}])


def test_quadratic_costs_votes_squared():
    # 3 votes cost 9 credits, 2 against cost 4: 13 of 16
    ballots = [{"a": 3, "b": -2}, {"b": 4}]
    result = tally("quadratic", list("ab"), ballots, credits=16)
    assert result.explanation["totals"] == {"a": 3, "b": 2}
    assert result.explanation["votes_for"] == {"a": 3, "b": 4}
    assert result.explanation["votes_against"] == {"a": 0, "b": 2}
    assert result.explanation["credits_spent"] == 9 + 4 + 16
    assert result.winners == ["a"]


def test_quadratic_over_credits():
    with pytest.raises(InvalidBallot, match=r"ballot 1: spends 25 credits .* only 24"):
        tally("quadratic", list("ab"), [{"a": 3, "b": -4}], credits=24)
