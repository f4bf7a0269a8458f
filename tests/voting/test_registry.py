"""The public API: METHODS, parameter validation and tally()."""

from __future__ import annotations

import json

import pytest

import assembly.voting as voting
from assembly.voting import (
    METHODS,
    InvalidBallot,
    InvalidParameters,
    TallyResult,
    tally,
    validate_params,
)

OPTIONS = ["a", "b", "c"]

SAMPLE = {
    "approval": ([["a", "b"], ["b"]], {}),
    "score": ([{"a": 5, "b": 3}, {"c": 4}], {}),
    "majority_judgment": ([{"a": 5, "b": 3}, {"c": 4}], {}),
    "borda": ([["a", "b"], ["c"]], {}),
    "schulze": ([["a", "b"], ["c"]], {}),
    "ranked_pairs": ([["a", "b"], ["c"]], {}),
    "irv": ([["a", "b"], ["c"], ["b"]], {}),
    "stv": ([["a", "b"], ["c"], ["b"]], {"seats": 2}),
    "dot": ([{"a": 5, "b": 3}, {"c": 4}], {}),
    "quadratic": ([{"a": 5, "b": -3}, {"c": 4}], {}),
    "yes_no_abstain": ([{"a": "yes", "b": "no"}, {"c": "abstain"}], {}),
    "consent": ([{"a": "support", "b": "block"}, {"c": "neutral"}], {}),
    "budget": ([["a", "b"], ["c"]], {"costs": {"a": 3, "b": 4, "c": 5}, "budget": 8}),
}


def test_public_names():
    assert set(voting.__all__) >= {"tally", "METHODS", "InvalidBallot", "TallyResult"}
    assert issubclass(InvalidBallot, ValueError)
    assert issubclass(InvalidParameters, ValueError)


def test_every_method_is_described():
    assert set(METHODS) == set(SAMPLE)
    kinds = {"ranking", "approval", "scores", "grades", "points", "votes", "choice"}
    for method_id, info in METHODS.items():
        assert info.id == method_id
        assert info.ballot in kinds
        assert info.label
        assert info.defaults["tie_break_seed"] == 0
        json.dumps(info.describe())
    assert METHODS["stv"].multi_winner
    assert METHODS["stv"].proportional
    assert not METHODS["irv"].multi_winner
    assert METHODS["consent"].choices[-1] == "block"
    assert METHODS["budget"].required == ("costs", "budget")
    assert METHODS["budget"].winners == "funded"
    assert METHODS["yes_no_abstain"].winners == "adopted"


@pytest.mark.parametrize("method", sorted(SAMPLE))
def test_every_method_counts_and_explains(method):
    ballots, params = SAMPLE[method]
    result = tally(method, OPTIONS, ballots, **params)
    assert isinstance(result, TallyResult)
    assert result.method == method
    assert sorted(o for tier in result.ranking for o in tier) == OPTIONS
    assert set(result.winners) <= set(OPTIONS)
    assert result.params["tie_break_seed"] == 0
    assert result.explanation["tie_break"]["seed"] == 0
    data = json.loads(json.dumps(result.to_dict()))
    assert data["winners"] == result.winners
    # the effective parameters recount to the same result
    again = tally(method, OPTIONS, ballots, **result.params)
    assert again.to_dict() == result.to_dict()


def test_effective_parameters_include_defaults():
    assert validate_params("score", OPTIONS) == {
        "min": 0,
        "max": 5,
        "tie_break_seed": 0,
        "seats": 1,
    }
    assert validate_params("irv", OPTIONS) == {"tie_break_seed": 0}
    assert validate_params("stv", OPTIONS, 2, {"tie_break_seed": 9}) == {
        "tie_break_seed": 9,
        "seats": 2,
    }


@pytest.mark.parametrize(
    ("method", "options", "seats", "params", "message"),
    [
        ("nope", OPTIONS, 1, {}, "unknown method 'nope'"),
        ("borda", [], 1, {}, "at least one option"),
        ("borda", ["a", "a"], 1, {}, "option 'a' is listed twice"),
        ("borda", ["a", ""], 1, {}, "non-empty strings"),
        ("borda", "abc", 1, {}, "options must be a list"),
        ("borda", OPTIONS, 1, {"colour": 1}, "unknown parameter 'colour'"),
        ("borda", OPTIONS, 1, {"partial": "half"}, "partial must be one of"),
        ("borda", OPTIONS, 4, {}, r"seats \(4\) cannot exceed the number of options \(3\)"),
        ("borda", OPTIONS, 0, {}, "seats must be at least 1"),
        ("irv", OPTIONS, 2, {}, "use seats=1"),
        ("schulze", OPTIONS, 1, {"strength": "votes"}, "strength must be one of"),
        ("score", OPTIONS, 1, {"min": 5, "max": 5}, "min .5. must be less than max"),
        ("score", OPTIONS, 1, {"max": "10"}, "max must be a whole number"),
        ("majority_judgment", OPTIONS, 1, {"grades": ["ok"]}, "at least two labels"),
        ("majority_judgment", OPTIONS, 1, {"grades": ["a", "a"]}, "distinct"),
        ("dot", OPTIONS, 1, {"budget": 0}, "budget must be at least 1"),
        ("quadratic", OPTIONS, 1, {"credits": 2.5}, "credits must be a whole number"),
        ("yes_no_abstain", OPTIONS, 1, {"threshold": 1.5}, "between 0 and 1"),
        ("yes_no_abstain", OPTIONS, 1, {"threshold": "most"}, "such as 0.5"),
        ("consent", OPTIONS, 1, {"threshold": True}, "such as 0.5"),
        ("borda", OPTIONS, 1, {"tie_break_seed": "x"}, "tie_break_seed must be a whole number"),
        ("budget", OPTIONS, 1, {"costs": [1], "budget": 3}, "costs must map"),
        ("budget", OPTIONS, 1, {"costs": {o: 1 for o in OPTIONS}, "budget": -1}, "greater than 0"),
    ],
)
def test_bad_parameters_are_explained(method, options, seats, params, message):
    with pytest.raises(InvalidParameters, match=message):
        validate_params(method, options, seats, params)
    with pytest.raises(InvalidParameters, match=message):
        tally(method, options, [], seats=seats, **params)


def test_ballots_may_be_any_iterable():
    result = tally("borda", OPTIONS, (b for b in [["a"], ["b", "a"]]))
    assert result.explanation["ballots"] == 2


def test_no_ballots_at_all():
    for method, (_, params) in SAMPLE.items():
        result = tally(method, OPTIONS, [], **params)
        json.dumps(result.to_dict())
        assert sorted(o for tier in result.ranking for o in tier) == OPTIONS


def test_explanations_stay_small_for_large_electorates():
    import numpy as np

    rng = np.random.default_rng(4)
    options = [f"option-{i:02d}" for i in range(20)]
    orders = np.argsort(rng.random((20_000, 20)), axis=1).tolist()
    rankings = [[options[i] for i in row[: 1 + (j % 20)]] for j, row in enumerate(orders)]
    grades = [{options[i]: g % 6 for g, i in enumerate(row[:8])} for row in orders]
    cases = [(m, rankings, {}) for m in ("borda", "schulze", "ranked_pairs", "irv")]
    cases += [("stv", rankings, {"seats": 5}), ("majority_judgment", grades, {})]
    for method, ballots, params in cases:
        result = tally(method, options, ballots, **params)
        assert result.explanation.get("ballots", len(ballots)) == len(ballots)
        assert len(json.dumps(result.to_dict())) < 80_000, method
