"""Approval voting."""

from __future__ import annotations

import pytest

from assembly.voting import InvalidBallot, tally


def test_counts_and_shares():
    ballots = [["a", "b"], ["b"], ["c", "b"], []]
    result = tally("approval", list("abc"), ballots)
    assert result.winners == ["b"]
    assert result.explanation["approvals"] == {"a": 1, "b": 3, "c": 1}
    assert result.explanation["share"] == {"a": 0.25, "b": 0.75, "c": 0.25}
    assert result.explanation["ballots_by_number_of_approvals"] == {"0": 1, "1": 1, "2": 2}
    assert result.ranking == [["b"], ["a", "c"]]


def test_max_approvals():
    with pytest.raises(InvalidBallot, match="ballot 2: approves 3 options; at most 2"):
        tally("approval", list("abc"), [["a"], ["a", "b", "c"]], max_approvals=2)


def test_duplicates_and_unknown_options():
    with pytest.raises(InvalidBallot, match="ballot 1: approves option 'a' twice"):
        tally("approval", list("abc"), [["a", "a"]])
    with pytest.raises(InvalidBallot, match="ballot 3: names unknown option 'z'"):
        tally("approval", list("abc"), [["a"], ["b"], ["z"]])
    with pytest.raises(InvalidBallot, match="ballot 1: must be a list"):
        tally("approval", list("abc"), ["a"])
    with pytest.raises(InvalidBallot, match="ballot 2: contains 3"):
        tally("approval", list("abc"), [["a"], ["a", 3]])


def test_several_seats_take_the_most_approved():
    ballots = [["a", "b"], ["b", "c"], ["b"], ["c"]]
    result = tally("approval", list("abc"), ballots, seats=2)
    assert result.winners == ["b", "c"]
