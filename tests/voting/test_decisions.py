"""Yes/no/abstain and consent decisions."""

from __future__ import annotations

import pytest

from assembly.voting import InvalidBallot, InvalidParameters, tally


def _yna(yes, no, abstain=0):
    return [{"p": "yes"}] * yes + [{"p": "no"}] * no + [{"p": "abstain"}] * abstain


def test_simple_majority_needs_more_yes_than_no():
    assert tally("yes_no_abstain", ["p"], _yna(3, 2)).winners == ["p"]
    tied = tally("yes_no_abstain", ["p"], _yna(2, 2, 5))
    assert tied.winners == []
    assert "a tie is not a majority" in tied.explanation["options"]["p"]["arithmetic"]


def test_two_thirds_is_met_by_exactly_two_thirds():
    result = tally("yes_no_abstain", ["p"], _yna(2, 1, 4), threshold="2/3")
    p = result.explanation["options"]["p"]
    assert p["adopted"] is True
    assert p["arithmetic"] == "2 yes / (2 yes + 1 no) = 2/3 ≈ 0.6667 ≥ 2/3 ≈ 0.6667"
    assert p["abstain"] == 4
    assert tally("yes_no_abstain", ["p"], _yna(2, 1), threshold=2 / 3).winners == ["p"]
    assert tally("yes_no_abstain", ["p"], _yna(5, 3), threshold=2 / 3).winners == []


def test_a_supermajority_with_abstentions_counted_or_not():
    # 8 yes, 1 no, 2 abstain: 8/9 of yes and no, but only 8/11 of all who answered.
    ballots = _yna(8, 1, 2)
    excluded = tally("yes_no_abstain", ["p"], ballots, threshold="4/5")
    assert excluded.winners == ["p"]
    assert excluded.explanation["abstentions"] == "excluded"
    counted = tally("yes_no_abstain", ["p"], ballots, threshold="4/5", abstentions="counted")
    p = counted.explanation["options"]["p"]
    assert counted.winners == []
    assert p["adopted"] is False
    assert p["yes_share"] == pytest.approx(8 / 11)
    assert p["arithmetic"] == "8 yes / (8 yes + 1 no + 2 abstain) = 8/11 ≈ 0.7273 < 4/5 ≈ 0.8000"
    assert counted.params["abstentions"] == "counted"
    # Counted abstentions at a simple majority: exactly half is still no majority.
    half = tally("yes_no_abstain", ["p"], _yna(2, 1, 1), abstentions="counted")
    assert half.winners == []
    assert "a tie is not a majority" in half.explanation["options"]["p"]["arithmetic"]
    with pytest.raises(InvalidParameters, match="abstentions"):
        tally("yes_no_abstain", ["p"], ballots, abstentions="sometimes")


def test_quorum_as_a_count_and_as_a_share():
    ballots = _yna(3, 1, 1)
    assert tally("yes_no_abstain", ["p"], ballots, quorum=5).winners == ["p"]
    short = tally("yes_no_abstain", ["p"], ballots, quorum=6)
    assert short.winners == []
    assert short.explanation["options"]["p"]["quorum_met"] is False
    assert short.explanation["options"]["p"]["threshold_met"] is True
    share = tally("yes_no_abstain", ["p"], ballots, quorum=0.5, electorate=12)
    assert share.explanation["options"]["p"]["quorum_needed"] == 6
    assert share.winners == []
    with pytest.raises(InvalidParameters, match="electorate"):
        tally("yes_no_abstain", ["p"], ballots, quorum=0.5)


def test_options_are_decided_separately():
    ballots = [{"a": "yes", "b": "no"}, {"a": "yes", "b": "yes", "c": "abstain"}, {"a": "no"}]
    result = tally("yes_no_abstain", list("abc"), ballots)
    assert result.winners == ["a"]
    c = result.explanation["options"]["c"]
    assert c["not_voted"] == 2
    assert c["yes_share"] is None
    assert c["adopted"] is False


def test_yes_no_answers_are_checked():
    with pytest.raises(InvalidBallot, match="ballot 1: answers 'maybe' for option 'p'"):
        tally("yes_no_abstain", ["p"], [{"p": "maybe"}])


def test_consent_needs_no_block_and_enough_support():
    ballots = [
        {"a": "support", "b": "support", "c": "neutral"},
        {"a": "support_with_reservations", "b": "block", "c": "concerns"},
        {"a": "concerns", "b": "support", "c": "support"},
    ]
    result = tally("consent", list("abc"), ballots, threshold=0.5)
    assert result.winners == ["a"]
    a = result.explanation["options"]["a"]
    assert a["views"] == 3
    assert a["support_share"] == pytest.approx(2 / 3, abs=1e-6)
    assert a["arithmetic"].startswith("(1 support + 1 with reservations) / 3 views = 2/3")
    assert result.explanation["options"]["b"]["blocks"] == 1
    assert result.explanation["options"]["b"]["adopted"] is False
    assert result.explanation["options"]["c"]["adopted"] is False  # 1/3 < 1/2


def test_consent_with_no_views_is_not_adopted():
    result = tally("consent", ["a"], [{}], threshold=0)
    assert result.winners == []
    assert result.explanation["options"]["a"]["arithmetic"] == "nobody expressed a view"
