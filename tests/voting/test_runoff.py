"""Instant-runoff voting: the Tennessee example, the tie rule, cross-check with pref_voting."""

from __future__ import annotations

import numpy as np
import pytest

from assembly.voting import tally

MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE_OPTIONS = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]


def test_irv_tennessee(tennessee_ballots):
    result = tally("irv", TENNESSEE_OPTIONS, tennessee_ballots)
    assert result.winners == [KNOXVILLE]
    rounds = result.explanation["rounds"]
    assert rounds[0]["counts"] == {MEMPHIS: 42, NASHVILLE: 26, CHATTANOOGA: 15, KNOXVILLE: 17}
    assert rounds[0]["eliminated"] == CHATTANOOGA
    assert rounds[0]["transfers"] == {"to": {KNOXVILLE: 15}, "exhausted": 0}
    assert rounds[1]["counts"] == {MEMPHIS: 42, NASHVILLE: 26, KNOXVILLE: 32}
    assert rounds[1]["eliminated"] == NASHVILLE
    assert rounds[2]["counts"] == {MEMPHIS: 42, KNOXVILLE: 58}
    assert rounds[2]["winner"] == KNOXVILLE
    assert rounds[2]["majority"] is True
    assert result.ranking == [[KNOXVILLE], [MEMPHIS], [NASHVILLE], [CHATTANOOGA]]


def test_majority_in_the_first_round_ends_the_count():
    result = tally("irv", list("abc"), [["a"], ["a"], ["b", "a"]])
    assert result.winners == ["a"]
    assert len(result.explanation["rounds"]) == 1
    assert result.ranking == [["a"], ["b"], ["c"]]


def test_exhausted_ballots_leave_the_majority_base():
    ballots = [["a"]] * 4 + [["b"]] * 3 + [["c"]] * 2 + [["d", "b"]]
    result = tally("irv", list("abcd"), ballots)
    first, second = result.explanation["rounds"][:2]
    assert first["eliminated"] == "d"
    assert first["transfers"] == {"to": {"b": 1}, "exhausted": 0}
    assert second["eliminated"] == "c"
    assert second["transfers"] == {"to": {}, "exhausted": 2}
    third = result.explanation["rounds"][2]
    # 4 a against 4 b after c's two ballots exhaust: no majority of the 8 still counted
    assert third["counts"] == {"a": 4, "b": 4}
    assert third["exhausted"] == 2
    assert third["continuing_ballots"] == 8
    assert third["eliminated"] == "b"  # b had fewer in round 1
    assert result.winners == ["a"]


def test_tie_for_fewest_goes_back_to_the_latest_round_where_they_differed():
    # round 1: a 5, b 3, c 2, d 1 -> d goes, its ballot moves to c
    # round 2: a 5, b 3, c 3 -> b and c tie; in round 1 c had fewer, so c goes
    # round 3: a 5, b 5 (one ballot exhausted) -> tie; in round 2 b had fewer, so b goes
    ballots = [["a"]] * 5 + [["b"]] * 3 + [["c", "b"]] * 2 + [["d", "c"]]
    result = tally("irv", list("abcd"), ballots)
    rounds = result.explanation["rounds"]
    assert rounds[1]["counts"] == {"a": 5, "b": 3, "c": 3}
    assert rounds[1]["eliminated"] == "c"
    assert rounds[1]["tie"]["decided_by_round"] == 1
    assert "latest earlier round" in rounds[1]["tie"]["rule"]
    assert rounds[2]["counts"] == {"a": 5, "b": 5}
    assert rounds[2]["exhausted"] == 1
    assert rounds[2]["eliminated"] == "b"
    assert rounds[2]["tie"]["decided_by_round"] == 2
    assert result.winners == ["a"]
    assert result.explanation["tie_break"]["decisions"] == []


def test_three_way_tie_narrows_round_by_round():
    # round 1: a 12, b 2, c 3, d 4, e 1, g 2 -> e goes (to b)
    # round 2: b 3, c 3, d 4, g 2 -> g goes (one to b, one to c)
    # round 3: b 4, c 4, d 4 -> round 2 keeps b and c (3 < 4), round 1 keeps b (2 < 3)
    ballots = (
        [["a"]] * 12
        + [["b"]] * 2
        + [["c"]] * 3
        + [["d"]] * 4
        + [["e", "b"], ["g", "b"], ["g", "c"]]
    )
    result = tally("irv", list("abcdeg"), ballots)
    third = result.explanation["rounds"][2]
    assert third["counts"] == {"a": 12, "b": 4, "c": 4, "d": 4}
    assert third["tie"]["tied"] == ["b", "c", "d"]
    assert third["tie"]["decided_by_round"] == 1
    assert third["eliminated"] == "b"


def test_lottery_is_recorded_and_follows_the_seed():
    ballots = [["a"], ["b"], ["c"]]
    seen = set()
    for seed in range(12):
        result = tally("irv", list("abc"), ballots, tie_break_seed=seed)
        tb = result.explanation["tie_break"]
        assert tb["seed"] == seed
        assert result.params["tie_break_seed"] == seed
        first = result.explanation["rounds"][0]
        assert first["eliminated"] == tb["order"][-1]
        assert tb["decisions"][0]["order"] == tb["order"]
        seen.add(result.winners[0])
    assert seen == {"a", "b", "c"}


def test_seats_above_one_are_refused():
    from assembly.voting import InvalidParameters

    with pytest.raises(InvalidParameters, match="seats=1"):
        tally("irv", list("abc"), [["a"]], seats=2)


# --- cross-check against pref_voting's single-elimination IRV -------------------------------


def test_irv_matches_pref_voting_where_no_tie_for_last_occurs():
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.profiles import Profile

    rng = np.random.default_rng(5)
    compared = 0
    for _ in range(200):
        n = int(rng.integers(3, 7))
        types = int(rng.integers(2, 9))
        rankings = [[int(x) for x in rng.permutation(n)] for _ in range(types)]
        counts = [int(c) for c in rng.integers(1, 15, size=types)]
        ballots = [
            [f"c{i}" for i in r] for r, c in zip(rankings, counts, strict=True) for _ in range(c)
        ]
        result = tally("irv", [f"c{i}" for i in range(n)], ballots)
        if any("tie" in r for r in result.explanation["rounds"]):
            continue
        order = [int(o[1:]) for o in reversed(result.explanation["tie_break"]["order"])]
        expected = instant_runoff(Profile(rankings, rcounts=counts), tie_breaker=order)
        assert result.winners == [f"c{w}" for w in expected]
        compared += 1
    assert compared > 100
