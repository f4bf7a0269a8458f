"""Participatory budgeting: the Method of Equal Shares and greedy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assembly.voting import InvalidParameters, tally

RED = [f"red{i}" for i in range(10)]
BLUE = [f"blue{i}" for i in range(10)]


def red_blue():
    """The motivating example of the Method of Equal Shares (equalshares.net, Wikipedia):
    51% support 10 red projects, 49% support 10 blue ones, money for 10 projects."""
    return RED + BLUE, [RED] * 51 + [BLUE] * 49, {p: 100 for p in RED + BLUE}


def test_greedy_gives_everything_to_the_majority():
    options, ballots, costs = red_blue()
    result = tally("budget", options, ballots, costs=costs, budget=1000, rule="greedy")
    assert sorted(result.winners) == sorted(RED)
    assert result.explanation["spent"] == 1000
    steps = result.explanation["steps"]
    assert [s["funded"] for s in steps] == [True] * 10 + [False] * 10


def test_equal_shares_is_proportional():
    options, ballots, costs = red_blue()
    result = tally("budget", options, ballots, costs=costs, budget=1000)
    assert len(set(result.winners) & set(RED)) == 5
    assert len(set(result.winners) & set(BLUE)) == 5
    explanation = result.explanation
    assert explanation["equal_share"] == 10
    # MES alone buys 5 red (51 x 10 = 510) and 4 blue (49 x 10 = 490); raising each share
    # by 3% lets the blue voters afford a fifth project (49 x 10.3 = 504.7)
    assert explanation["completion"]["steps_of_one_percent"] == 3
    assert explanation["completion"]["share_used"] == pytest.approx(10.3)
    first = explanation["purchases"][0]
    assert first["supporters"] == 51
    assert first["max_payment"] == pytest.approx(100 / 51, abs=1e-6)
    assert first["payments"]["groups"] == [
        {"amount": pytest.approx(100 / 51, abs=1e-6), "voters": 51}
    ]
    assert explanation["spent"] == 1000


def test_mes_step_by_step_with_unequal_payments():
    # budget 30: 3 voters with 10 each; x (cost 12) is approved by v1 and v2, y (cost 9)
    # by v2 and v3.  y is bought first at 4.5 each; v2 then has 5.5, so for x v2 pays 5.5
    # and v1 the remaining 6.5
    ballots = [["x"], ["x", "y"], ["y"]]
    result = tally(
        "budget",
        ["x", "y"],
        ballots,
        costs={"x": 12, "y": 9},
        budget=30,
        utilities="approval",
        completion="none",
    )
    purchases = result.explanation["purchases"]
    by_project = {p["project"]: p for p in purchases}
    # with approval utilities, rho is the payment: y (4.5 each) before x (6 each)
    assert [p["project"] for p in purchases] == result.winners == ["y", "x"]
    assert by_project["y"]["max_payment"] == 4.5
    assert by_project["x"]["max_payment"] == 6.5  # v2 has 5.5 left, so v1 pays 6.5
    money_left = result.explanation["money_left_per_voter"]["groups"]
    assert sorted((g["amount"], g["voters"]) for g in money_left) == [(0, 1), (3.5, 1), (5.5, 1)]


def test_cost_utilities_prefer_more_supporters():
    # big (cost 20) has 3 supporters; small (cost 2) has 2; with cost utilities rho is the
    # share of the cost each supporter pays: big 1/3 < small 1/2, so big comes first
    ballots = [["big"], ["big"], ["big", "small"], ["small"]]
    costs = {"big": 20, "small": 2}
    cost_util = tally(
        "budget", ["big", "small"], ballots, costs=costs, budget=40, completion="none"
    )
    assert cost_util.explanation["purchases"][0]["project"] == "big"
    approval_util = tally(
        "budget",
        ["big", "small"],
        ballots,
        costs=costs,
        budget=40,
        utilities="approval",
        completion="none",
    )
    assert approval_util.explanation["purchases"][0]["project"] == "small"


def test_nothing_over_budget_and_unsupported_projects_stay_unfunded():
    ballots = [["a"], ["a", "b"]]
    result = tally("budget", list("abc"), ballots, costs={"a": 5, "b": 4, "c": 1}, budget=8)
    assert "c" not in result.winners
    assert result.explanation["spent"] <= 8


def test_parameters_are_checked():
    with pytest.raises(InvalidParameters, match="needs the parameter 'costs'"):
        tally("budget", ["a"], [["a"]], budget=10)
    with pytest.raises(InvalidParameters, match="gives no cost for option 'b'"):
        tally("budget", ["a", "b"], [["a"]], costs={"a": 1}, budget=10)
    with pytest.raises(InvalidParameters, match="unknown option 'z'"):
        tally("budget", ["a"], [["a"]], costs={"a": 1, "z": 2}, budget=10)
    with pytest.raises(InvalidParameters, match="must be greater than 0"):
        tally("budget", ["a"], [["a"]], costs={"a": 0}, budget=10)
    with pytest.raises(InvalidParameters, match="rule must be one of"):
        tally("budget", ["a"], [["a"]], costs={"a": 1}, budget=10, rule="knapsack")


def test_explanation_stays_small_for_many_voters():
    rng = np.random.default_rng(2)
    options = [f"p{i}" for i in range(15)]
    costs = {p: int(c) for p, c in zip(options, rng.integers(50, 400, size=15), strict=True)}
    ballots = [[p for p in options if rng.random() < 0.25] for _ in range(20_000)]
    result = tally("budget", options, ballots, costs=costs, budget=1500)
    size = len(json.dumps(result.to_dict()))
    assert size < 60_000
    assert result.explanation["spent"] <= 1500
