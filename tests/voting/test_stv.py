"""Scottish STV: the food example, surplus transfers, quota, exclusions and ties."""

from __future__ import annotations

import pytest

from assembly.voting import tally

FOODS = ["Oranges", "Pears", "Chocolate", "Strawberries", "Sweets"]


def test_food_example(food_ballots):
    result = tally("stv", FOODS, food_ballots, seats=3)
    assert result.winners == ["Chocolate", "Oranges", "Strawberries"]
    explanation = result.explanation
    assert explanation["quota"] == 6  # floor(20 / 4) + 1
    first, surplus, pears, sweets, fill = explanation["stages"]
    assert first["votes"] == {
        "Oranges": 4,
        "Pears": 2,
        "Chocolate": 12,
        "Strawberries": 1,
        "Sweets": 1,
    }
    assert first["elected"] == ["Chocolate"]
    assert surplus["action"] == "surplus"
    assert surplus["from"] == "Chocolate"
    assert surplus["surplus"] == 6
    assert surplus["transfer_value"] == 0.5
    assert surplus["transfers"]["to"] == {"Strawberries": 4, "Sweets": 2}
    assert surplus["votes"]["Chocolate"] == 6
    assert pears["excluded"] == "Pears"
    assert pears["elected"] == ["Oranges"]
    assert sweets["excluded"] == "Sweets"
    assert sweets["transfers"] == {"to": {}, "non_transferable": 3}
    assert fill["elected"] == ["Strawberries"]
    assert "Scottish STV" in explanation["transfer_rule"]
    assert result.ranking == [["Chocolate"], ["Oranges"], ["Strawberries"], ["Sweets"], ["Pears"]]


def test_truncation_to_five_decimals_is_recorded_as_loss():
    # 10 ballots, 1 seat... use 2 seats: quota floor(10/3)+1 = 4; a gets 9, surplus 5,
    # transfer value 5/9 = 0.55555 (truncated) per ballot
    ballots = [["a", "b"]] * 9 + [["c"]]
    result = tally("stv", list("abc"), ballots, seats=2)
    surplus = result.explanation["stages"][1]
    assert surplus["transfer_value"] == 0.55555
    assert surplus["transfers"]["to"] == {"b": 4.99995}
    assert surplus["loss_by_fractions"] == pytest.approx(0.00005)
    assert result.winners == ["a", "b"]


def test_votes_are_conserved_at_every_stage(food_ballots):
    result = tally("stv", FOODS, [*food_ballots, []], seats=3)
    explanation = result.explanation
    assert explanation["blank"] == 1
    assert explanation["valid"] == 20
    for stage in explanation["stages"]:
        if "votes" not in stage:
            continue
        total = sum(stage["votes"].values()) + stage["non_transferable"]
        assert total + stage["loss_by_fractions"] == pytest.approx(20)


def test_one_seat_stv_agrees_with_irv(tennessee_ballots):
    options = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
    stv = tally("stv", options, tennessee_ballots, seats=1)
    irv = tally("irv", options, tennessee_ballots)
    assert stv.winners == irv.winners == ["Knoxville"]


def test_seats_equal_to_options_elects_everyone():
    result = tally("stv", list("abc"), [["a"], ["b"]], seats=3)
    assert sorted(result.winners) == ["a", "b", "c"]
    assert result.winners[:2] in (["a", "b"], ["b", "a"])


def test_exclusion_tie_goes_back_to_earlier_stages():
    # 16 ballots, 2 seats: quota floor(16/3)+1 = 6; a has 8, surplus 2 at value 2/8 to c
    ballots = [["a", "c"]] * 8 + [["b"]] * 4 + [["c"]] * 2 + [["d"]] * 2
    result = tally("stv", list("abcd"), ballots, seats=2)
    stages = result.explanation["stages"]
    assert stages[0]["elected"] == ["a"]
    assert stages[1]["action"] == "surplus"
    assert stages[1]["transfer_value"] == 0.25
    assert stages[1]["votes"] == {"a": 6, "b": 4, "c": 4, "d": 2}
    # d is excluded; then b and c tie at 4, and at stage 1 c had fewer (2 < 4)
    assert stages[2]["excluded"] == "d"
    assert stages[3]["excluded"] == "c"
    assert stages[3]["tie"]["decided_by_round"] == 1
    assert result.winners == ["a", "b"]


def test_inclusive_gregory_transfers_reduce_already_reduced_ballots():
    # 3 seats, 20 ballots, quota 6. a has 12: surplus 6 moves a's 12 ballots to b at 0.5,
    # so b has 4 + 6 = 10; b's surplus 4 then moves all 16 of b's ballots on at 4/10 of
    # their value
    ballots = [["a", "b", "c"]] * 12 + [["b", "d"]] * 4 + [["c"]] * 2 + [["d"]] * 2
    result = tally("stv", list("abcd"), ballots, seats=3)
    stages = result.explanation["stages"]
    assert stages[1]["from"] == "a"
    assert stages[1]["votes"]["b"] == 10
    assert stages[1]["elected"] == ["b"]
    second = stages[2]
    assert second["from"] == "b"
    assert second["surplus"] == 4
    assert second["transfer_value"] == 0.4  # 4 / 10
    # a's 12 ballots were worth 0.5 and now 0.2 each -> c +2.4; b's 4 worth 0.4 -> d +1.6
    assert second["transfers"]["to"] == {"c": 2.4, "d": 1.6}
    assert result.winners[:2] == ["a", "b"]


def test_explanation_lists_elected_and_excluded(food_ballots):
    result = tally("stv", FOODS, food_ballots, seats=3)
    assert result.explanation["elected"] == ["Chocolate", "Oranges", "Strawberries"]
    assert result.explanation["excluded"] == ["Pears", "Sweets"]
    assert result.params == {"tie_break_seed": 0, "seats": 3}
