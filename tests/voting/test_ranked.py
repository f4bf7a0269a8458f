"""Borda, Schulze and ranked pairs: published examples, partial ballots, cross-checks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assembly.voting import tally

MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE_OPTIONS = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]

# --- published examples ---------------------------------------------------------------------


def test_borda_tennessee(tennessee_ballots):
    result = tally("borda", TENNESSEE_OPTIONS, tennessee_ballots)
    assert result.winners == [NASHVILLE]
    # Wikipedia: Nashville 194, Chattanooga 173, Memphis 126, Knoxville 107
    assert result.explanation["totals"] == {
        MEMPHIS: 126,
        NASHVILLE: 194,
        CHATTANOOGA: 173,
        KNOXVILLE: 107,
    }
    assert result.ranking == [[NASHVILLE], [CHATTANOOGA], [MEMPHIS], [KNOXVILLE]]
    assert result.explanation["position_counts"][MEMPHIS] == [42, 0, 0, 58]
    assert result.explanation["points_by_position_full_ballot"] == [3, 2, 1, 0]


def test_schulze_wikipedia_example(schulze_ballots):
    result = tally("schulze", list("ABCDE"), schulze_ballots)
    assert result.winners == ["E"]
    assert result.ranking == [["E"], ["A"], ["C"], ["B"], ["D"]]
    d = result.explanation["d"]
    assert d["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert d["B"] == {"A": 25, "C": 16, "D": 33, "E": 18}
    assert d["C"] == {"A": 19, "B": 29, "D": 17, "E": 24}
    assert d["D"] == {"A": 15, "B": 12, "C": 28, "E": 14}
    assert d["E"] == {"A": 23, "B": 27, "C": 21, "D": 31}
    p = result.explanation["p"]
    assert p["A"] == {"B": 28, "C": 28, "D": 30, "E": 24}
    assert p["B"] == {"A": 25, "C": 28, "D": 33, "E": 24}
    assert p["C"] == {"A": 25, "B": 29, "D": 29, "E": 24}
    assert p["D"] == {"A": 25, "B": 28, "C": 28, "E": 24}
    assert p["E"] == {"A": 25, "B": 28, "C": 28, "D": 31}


def test_schulze_tennessee(tennessee_ballots):
    result = tally("schulze", TENNESSEE_OPTIONS, tennessee_ballots)
    assert result.winners == [NASHVILLE]
    assert result.ranking == [[NASHVILLE], [CHATTANOOGA], [KNOXVILLE], [MEMPHIS]]


def test_ranked_pairs_tennessee(tennessee_ballots):
    result = tally("ranked_pairs", TENNESSEE_OPTIONS, tennessee_ballots)
    assert result.winners == [NASHVILLE]
    assert result.ranking == [[NASHVILLE], [CHATTANOOGA], [KNOXVILLE], [MEMPHIS]]
    pairs = result.explanation["pairs"]
    # Wikipedia: Chattanooga > Knoxville 83%, then Nashville's 68% wins, then the 58% wins
    assert (pairs[0]["winner"], pairs[0]["loser"], pairs[0]["for"]) == (
        CHATTANOOGA,
        KNOXVILLE,
        83,
    )
    assert {(p["winner"], p["loser"]) for p in pairs[1:3]} == {
        (NASHVILLE, CHATTANOOGA),
        (NASHVILLE, KNOXVILLE),
    }
    assert all(p["locked"] for p in pairs)
    assert result.explanation["skipped"] == []


def test_ranked_pairs_skips_the_weakest_link_of_a_cycle():
    ballots = [["a", "b", "c"]] * 4 + [["b", "c", "a"]] * 3 + [["c", "a", "b"]] * 2
    result = tally("ranked_pairs", ["a", "b", "c"], ballots)
    # margins: a>b 3 (6:3), b>c 5 (7:2), c>a 1 (5:4); c>a closes the cycle and is skipped
    assert [f"{p['winner']}>{p['loser']}" for p in result.explanation["pairs"]] == [
        "b>c",
        "a>b",
        "c>a",
    ]
    assert result.explanation["skipped"] == ["c>a"]
    assert result.ranking == [["a"], ["b"], ["c"]]


# --- partial ballots ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "totals"),
    [
        # n=4; ballot [a] leaves 3 out: a 3, others (3-1)/2 = 1 each
        ("average", {"a": 3 + 2, "b": 1 + 3, "c": 1 + 0.5, "d": 1 + 0.5}),
        ("zero", {"a": 3 + 2, "b": 0 + 3, "c": 0, "d": 0}),
        ("modified", {"a": 1 + 1, "b": 0 + 2, "c": 0, "d": 0}),
    ],
)
def test_borda_partial_rules(rule, totals):
    result = tally("borda", list("abcd"), [["a"], ["b", "a"]], partial=rule)
    assert result.explanation["totals"] == totals
    assert result.explanation["partial_rule"] == rule
    assert result.explanation["unranked_counts"] == {"a": 0, "b": 1, "c": 2, "d": 2}


def test_unranked_options_lose_pairwise_to_ranked_ones():
    result = tally("schulze", list("abc"), [["a"], ["b"], ["c", "b"]])
    d = result.explanation["d"]
    assert d["a"] == {"b": 1, "c": 1}
    assert d["b"] == {"a": 2, "c": 1}
    assert d["c"] == {"a": 1, "b": 1}
    # b beats a; c ties with both, so b and c share the top tier
    assert result.ranking == [["b", "c"], ["a"]]


def test_blank_ballots_are_counted_but_carry_no_preference():
    result = tally("schulze", list("ab"), [[], ["a"], []])
    assert result.explanation["ballots"] == 3
    assert result.explanation["blank"] == 2
    assert result.explanation["d"] == {"a": {"b": 1}, "b": {"a": 0}}


def test_top_n_winners_come_from_the_ranking(tennessee_ballots):
    result = tally("borda", TENNESSEE_OPTIONS, tennessee_ballots, seats=2)
    assert result.winners == [NASHVILLE, CHATTANOOGA]
    assert result.params["seats"] == 2


def test_tied_top_is_split_by_the_recorded_lottery():
    result = tally("schulze", list("ab"), [["a", "b"], ["b", "a"]], tie_break_seed=3)
    assert result.ranking == [["a", "b"]]
    decision = result.explanation["tie_break"]["decisions"][0]
    assert result.winners == [decision["order"][0]]
    assert result.explanation["tie_break"]["seed"] == 3


# --- cross-checks against pref_voting (used only here) --------------------------------------


def _profiles(seed: int, count: int, partial: bool):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        n = int(rng.integers(3, 6))
        types = int(rng.integers(2, 7))
        rankings = []
        for _ in range(types):
            order = [int(x) for x in rng.permutation(n)]
            if partial:
                order = order[: int(rng.integers(1, n + 1))]
            rankings.append(order)
        counts = [int(c) for c in rng.integers(1, 12, size=types)]
        if not partial and sum(counts) % 2 == 0:
            counts[0] += 1  # an odd electorate has no zero margins with full rankings
        yield n, rankings, counts


def _ballots(rankings, counts):
    return [[f"c{i}" for i in r] for r, c in zip(rankings, counts, strict=True) for _ in range(c)]


def _names(winners):
    return {f"c{w}" for w in winners}


@pytest.fixture(scope="module")
def pv():
    from pref_voting import margin_based_methods, profiles, profiles_with_ties, scoring_methods

    return margin_based_methods, profiles, profiles_with_ties, scoring_methods


def test_winners_match_pref_voting_on_full_rankings(pv):
    mbm, profiles, _, scoring = pv
    for n, rankings, counts in _profiles(7, 120, partial=False):
        options = [f"c{i}" for i in range(n)]
        ballots = _ballots(rankings, counts)
        profile = profiles.Profile(rankings, rcounts=counts)
        schulze = tally("schulze", options, ballots, strength="margin")
        assert set(schulze.ranking[0]) == _names(mbm.beat_path(profile))
        schulze_wv = tally("schulze", options, ballots)
        assert set(schulze_wv.ranking[0]) == set(schulze.ranking[0])
        borda = tally("borda", options, ballots)
        assert set(borda.ranking[0]) == _names(scoring.borda(profile))
        pairs = tally("ranked_pairs", options, ballots)
        expected = _names(mbm.ranked_pairs(profile))
        margins = [p["margin"] for p in pairs.explanation["pairs"]]
        if len(set(margins)) == len(margins):
            assert set(pairs.winners) == expected
        else:  # with equal margins, ours must be a winner under some order of the ties
            assert pairs.winners[0] in expected


def test_winners_match_pref_voting_on_partial_rankings(pv):
    mbm, _, profiles_with_ties, scoring = pv
    for n, rankings, counts in _profiles(11, 80, partial=True):
        options = [f"c{i}" for i in range(n)]
        ballots = _ballots(rankings, counts)
        profile = profiles_with_ties.ProfileWithTies(
            [{c: i + 1 for i, c in enumerate(r)} for r in rankings],
            rcounts=counts,
            candidates=list(range(n)),
        )
        profile.use_extended_strict_preference()
        schulze = tally("schulze", options, ballots, strength="margin")
        assert set(schulze.ranking[0]) == _names(mbm.beat_path(profile))
        schulze_wv = tally("schulze", options, ballots, strength="winning_votes")
        assert set(schulze_wv.ranking[0]) == _names(
            mbm.beat_path(profile, strength_function=profile.support)
        )
        borda = tally("borda", options, ballots, partial="average")
        assert set(borda.ranking[0]) == _names(scoring.borda_for_profile_with_ties(profile))
        pairs = tally("ranked_pairs", options, ballots)
        assert pairs.winners[0] in _names(mbm.ranked_pairs(profile))


def test_explanations_are_json(tennessee_ballots):
    for method in ("borda", "schulze", "ranked_pairs"):
        json.dumps(tally(method, TENNESSEE_OPTIONS, tennessee_ballots).to_dict())


def test_pairwise_counts_with_common_and_rare_ballot_counts():
    from assembly.voting.ballots import read_rankings
    from assembly.voting.ranked import pairwise

    rng = np.random.default_rng(9)
    options = [f"o{i}" for i in range(6)]
    ballots = []
    for _ in range(700):  # mostly distinct ballots (counted once) ...
        order = [options[i] for i in rng.permutation(6)]
        ballots.append(order[: int(rng.integers(0, 7))])
    for copies in range(2, 40):  # ... and ballots repeated a varying number of times
        ballots += [[options[copies % 6], options[(copies + 1) % 6]]] * copies
    expected = np.zeros((6, 6), dtype=np.int64)
    for ballot in ballots:
        rank = {o: i for i, o in enumerate(ballot)}
        for x, a in enumerate(options):
            for y, b in enumerate(options):
                if rank.get(a, 6) < rank.get(b, 6):
                    expected[x, y] += 1
    assert (pairwise(read_rankings(options, ballots)) == expected).all()
