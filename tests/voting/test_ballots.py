"""Ballot checks and the ranked-ballot reader."""

from __future__ import annotations

import numpy as np
import pytest

from assembly.voting import InvalidBallot, InvalidParameters, validate_ballot
from assembly.voting.ballots import read_rankings

OPTIONS = ["a", "b", "c"]


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        (["a", "b", "a"], "ranks option 'a' twice"),
        (["a", "x"], "names unknown option 'x'"),
        ("abc", "must be a list of option ids, not a str"),
        ({"a": 1}, "must be a list of option ids, not a dict"),
        (["a", None], "contains None, which is not an option id"),
        (["a", ["b"]], "contains ['b'], which is not an option id"),
    ],
)
def test_bad_rankings_say_what_is_wrong(ballot, message):
    with pytest.raises(InvalidBallot) as caught:
        validate_ballot("schulze", OPTIONS, ballot)
    assert str(caught.value) == message
    assert caught.value.reason == message
    assert caught.value.index is None


@pytest.mark.parametrize(
    ("method", "ballot", "params", "message"),
    [
        ("approval", ["a", "a"], {}, "approves option 'a' twice"),
        ("approval", ["a", "b"], {"max_approvals": 1}, "approves 2 options; at most 1"),
        ("budget", ["a", "a"], {"costs": {"a": 1, "b": 1, "c": 1}, "budget": 2}, "twice"),
        ("score", {"a": 6}, {}, "gives option 'a' the score 6; it must be between 0 and 5"),
        ("score", {"z": 1}, {}, "names unknown option 'z'"),
        ("score", ["a"], {}, "must be a mapping of option id to value, not a list"),
        ("majority_judgment", {"a": -1}, {}, "the grade -1; it must be between 0 and 5"),
        ("dot", {"a": 8, "b": 3}, {}, "spends 11 points; only 10 may be spent"),
        ("quadratic", {"a": 10, "b": 1}, {}, "spends 101 credits"),
        ("yes_no_abstain", {"a": "Yes"}, {}, "answers 'Yes' for option 'a'"),
        ("consent", {"a": "object"}, {}, "answers 'object' for option 'a'"),
    ],
)
def test_each_ballot_kind_is_checked(method, ballot, params, message):
    with pytest.raises(InvalidBallot, match=message):
        validate_ballot(method, OPTIONS, ballot, **params)


@pytest.mark.parametrize(
    ("method", "ballot", "params"),
    [
        ("borda", ["c", "a"], {}),
        ("irv", [], {}),
        ("stv", ["a"], {"seats": 2}),
        ("approval", [], {}),
        ("score", {"a": 0, "b": 5}, {}),
        ("majority_judgment", {"a": 5}, {}),
        ("dot", {"a": 10}, {}),
        ("quadratic", {"a": -10}, {}),
        ("yes_no_abstain", {"a": "abstain"}, {}),
        ("consent", {"c": "support_with_reservations"}, {}),
        ("budget", ["a", "b"], {"costs": {"a": 1, "b": 1, "c": 1}, "budget": 2}),
    ],
)
def test_good_ballots_pass(method, ballot, params):
    validate_ballot(method, OPTIONS, ballot, **params)


def test_validate_ballot_checks_parameters_too():
    with pytest.raises(InvalidParameters, match="unknown parameter 'budget'"):
        validate_ballot("borda", OPTIONS, ["a"], budget=3)


def test_reader_names_the_first_bad_ballot_in_input_order():
    ballots = [["a"], ["b", "c"], ["c", "c"], ["x"], ["a", "a"]]
    with pytest.raises(InvalidBallot) as caught:
        read_rankings(OPTIONS, ballots)
    assert caught.value.index == 2
    assert str(caught.value) == "ballot 3: ranks option 'c' twice"


@pytest.mark.parametrize(
    "bad",
    [["x"], "ab", ["a", 1], ["a", ["b"]], ("a", "a"), {"a": 1}, None],
)
def test_reader_rejects_every_kind_of_bad_ballot(bad):
    with pytest.raises(InvalidBallot, match=r"^ballot 2: "):
        read_rankings(OPTIONS, [["a"], bad, ["b"]])


def test_reader_aggregates_identical_ballots():
    profile = read_rankings(OPTIONS, iter([["a", "b"], ["c"], ("a", "b"), [], ["a", "b"]]))
    assert profile.total == 5
    assert profile.blank == 1
    rows = {
        tuple(int(x) for x in r if x >= 0): int(c) for r, c in zip(profile.rows, profile.counts)
    }
    assert rows == {(0, 1): 3, (2,): 1, (): 1}
    positions = profile.positions
    assert positions.shape == (3, 3)
    assert np.all(positions[profile.lengths == 0] == 3)


def test_reader_rejects_a_bare_string_of_ballots():
    with pytest.raises(InvalidBallot, match="ballots must be a list"):
        read_rankings(OPTIONS, "abc")


def test_list_subclasses_are_ballots_too():
    class Ranking(list):
        pass

    profile = read_rankings(OPTIONS, [Ranking(["a", "b"]), ("c",)])
    assert profile.total == 2
    with pytest.raises(InvalidBallot, match="ballot 1: ranks option 'a' twice"):
        read_rankings(OPTIONS, [Ranking(["a", "a"])])


def test_counting_identical_ballots_together_or_not_gives_the_same_result(monkeypatch):
    from assembly.voting import ballots as ballots_module
    from assembly.voting import tally

    rng = np.random.default_rng(12)
    options = [f"o{i}" for i in range(9)]
    orders = np.argsort(rng.random((5000, 9)), axis=1).tolist()
    ballots = [[options[i] for i in row[: 4 + j % 6]] for j, row in enumerate(orders)]
    assert ballots_module._mostly_distinct(ballots)
    plain = {m: tally(m, options, ballots, **p).to_dict() for m, p in _RANKED}
    monkeypatch.setattr(ballots_module, "_mostly_distinct", lambda _: False)
    grouped = {m: tally(m, options, ballots, **p).to_dict() for m, p in _RANKED}
    assert plain == grouped
    monkeypatch.undo()
    with pytest.raises(InvalidBallot, match="ballot 4001: names unknown option 'zz'"):
        tally("irv", options, [*ballots[:4000], ["zz"], *ballots[4000:]])


_RANKED = [
    ("borda", {}),
    ("schulze", {}),
    ("ranked_pairs", {}),
    ("irv", {}),
    ("stv", {"seats": 3}),
]
