"""Scottish STV: the food example, surplus transfers, quota, exclusions and ties."""

from __future__ import annotations

import pytest

from assembly.voting import InvalidParameters, tally

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


# --------------------------------------------------------------------------- stage numbering

# 18 ballots, 2 seats, quota 7: a is elected at stage 1 with a surplus of 2, and b (6) has
# more than c (2) and d (1) together with that surplus, so rule 52(2) fills the last seat.
LAST_SEAT = [["a", "d"]] * 9 + [["b"]] * 6 + [["c"]] * 2 + [["d"]]


def test_complete_count_names_where_the_count_sheet_would_end():
    result = tally("stv", list("abcd"), LAST_SEAT, seats=2)
    assert result.winners == ["a", "b"]
    numbering = result.explanation["stage_numbering"]
    assert numbering["used"] == "complete"
    assert numbering["last_stage"] == 4  # surplus of a, exclusion of c, exclusion of d
    assert numbering["count_sheet_last_stage"] == 1
    assert set(numbering["conventions"]) == {"complete", "count_sheet"}
    assert "count sheets" in numbering["conventions"]["count_sheet"]


def test_count_sheet_numbering_stops_without_transferring_the_last_surplus():
    result = tally("stv", list("abcd"), LAST_SEAT, seats=2, stage_numbering="count_sheet")
    assert result.winners == ["a", "b"]
    first, last = result.explanation["stages"]
    assert first["elected"] == ["a"]
    assert last == {
        "stage": 1,
        "action": "the last seat is filled without further transfers (rule 52(2))",
        "elected": ["b"],
    }
    assert result.explanation["stage_numbering"]["last_stage"] == 1
    assert result.params["stage_numbering"] == "count_sheet"


def test_the_food_example_ends_a_stage_earlier_on_a_count_sheet(food_ballots):
    # After stage 3 Strawberries (5) has more than Sweets (3) and no surplus waits.
    complete = tally("stv", FOODS, food_ballots, seats=3)
    sheet = tally("stv", FOODS, food_ballots, seats=3, stage_numbering="count_sheet")
    assert sheet.winners == complete.winners
    assert sheet.explanation["stages"][:3] == complete.explanation["stages"][:3]
    assert [s["stage"] for s in sheet.explanation["stages"]] == [1, 2, 3, 3]
    numbering = complete.explanation["stage_numbering"]
    assert (numbering["last_stage"], numbering["count_sheet_last_stage"]) == (4, 3)


def test_both_numberings_agree_when_the_rule_never_applies(tennessee_ballots):
    options = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
    complete = tally("stv", options, tennessee_ballots, seats=1)
    sheet = tally("stv", options, tennessee_ballots, seats=1, stage_numbering="count_sheet")
    assert sheet.explanation["stages"] == complete.explanation["stages"]
    numbering = complete.explanation["stage_numbering"]
    assert numbering["count_sheet_last_stage"] == numbering["last_stage"]


# --------------------------------------------------------------------------- withdrawals, ties


def test_withdrawn_options_are_passed_over_as_if_they_had_not_stood(food_ballots):
    ballots = [*food_ballots, ["Chocolate"]]
    withdrawn = tally("stv", FOODS, ballots, seats=2, withdrawn=["Chocolate"])
    others = [f for f in FOODS if f != "Chocolate"]
    without = tally("stv", others, [[o for o in b if o != "Chocolate"] for b in ballots], seats=2)
    assert withdrawn.winners == without.winners
    assert "Chocolate" not in withdrawn.winners
    explanation = withdrawn.explanation
    assert explanation["withdrawn"] == ["Chocolate"]
    only_chocolate = sum(1 for b in ballots if set(b) == {"Chocolate"})
    assert explanation["withdrawn_only"] == only_chocolate >= 1
    assert explanation["blank"] == 0
    assert explanation["valid"] == without.explanation["valid"]
    assert [s.get("votes") for s in explanation["stages"]] == [
        s.get("votes") for s in without.explanation["stages"]
    ]
    assert withdrawn.ranking[-1] == ["Chocolate"]


def test_tie_order_given_with_the_ballots_replaces_the_lottery():
    ballots = [["a"]] * 3 + [["b", "a"]] * 2 + [["c", "a"]] * 2
    result = tally("stv", list("abc"), ballots, seats=1, tie_order=["c", "b", "a"])
    exclusion = result.explanation["stages"][1]
    assert exclusion["excluded"] == "b"  # least favoured of the tied b and c
    assert exclusion["tie"]["rule"].startswith("tie order given with the ballots")
    assert result.explanation["tie_break"]["order"] == ["c", "b", "a"]
    assert result.explanation["tie_break"]["seed"] is None
    other = tally("stv", list("abc"), ballots, seats=1, tie_order=["b", "c", "a"])
    assert other.explanation["stages"][1]["excluded"] == "c"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"withdrawn": ["z"]}, "unknown option"),
        ({"withdrawn": "a"}, "list of option ids"),
        ({"withdrawn": ["a", "b", "c"]}, "fewer options"),
        ({"tie_order": ["a", "b"]}, "every option"),
        ({"tie_order": ["a", "a", "b"]}, "twice"),
        ({"stage_numbering": "sheets"}, "stage_numbering"),
    ],
)
def test_bad_stv_parameters_say_what_is_wrong(params, message):
    with pytest.raises(InvalidParameters, match=message):
        tally("stv", list("abc"), [["a"]], seats=1, **params)
