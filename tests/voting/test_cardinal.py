"""Score voting and majority judgment."""

from __future__ import annotations

import numpy as np
import pytest

from assembly.voting import InvalidBallot, tally
from assembly.voting.cardinal import majority_values, removal_order

MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE_OPTIONS = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]
GRADES = ["Poor", "Fair", "Good", "Excellent"]


def tennessee_grades(tennessee_ballots):
    """Majority judgment's Tennessee example: each voter grades the cities by their own
    ranking, Excellent for the first, then Good, Fair and Poor."""
    return [{city: 3 - i for i, city in enumerate(ranking)} for ranking in tennessee_ballots]


# --- score ------------------------------------------------------------------------------------


def test_score_sums_means_and_counts():
    ballots = [{"a": 5, "b": 2}, {"a": 1, "b": 4, "c": 3}, {"c": 5}]
    result = tally("score", list("abc"), ballots, min=0, max=5)
    options = result.explanation["options"]
    assert options["a"] == {"sum": 6, "mean": 2, "scored_by": 2}
    assert options["b"] == {"sum": 6, "mean": 2, "scored_by": 2}
    assert options["c"] == {"sum": 8, "mean": pytest.approx(8 / 3, abs=1e-6), "scored_by": 2}
    assert result.winners == ["c"]
    assert result.ranking == [["c"], ["a", "b"]]


def test_score_blank_counts_as_the_minimum():
    ballots = [{"a": 2}, {"b": -2}]
    result = tally("score", list("ab"), ballots, min=-2, max=2)
    assert result.explanation["options"]["a"]["sum"] == 0  # 2 + (-2 for the blank)
    assert result.explanation["options"]["b"]["sum"] == -4


def test_score_range_is_enforced():
    with pytest.raises(InvalidBallot, match=r"ballot 2: gives option 'a' the score 6"):
        tally("score", ["a"], [{"a": 1}, {"a": 6}], max=5)
    with pytest.raises(InvalidBallot, match="not a whole number"):
        tally("score", ["a"], [{"a": 1.5}])
    with pytest.raises(InvalidBallot, match="not a whole number"):
        tally("score", ["a"], [{"a": True}])


# --- majority judgment ------------------------------------------------------------------------


def test_majority_judgment_tennessee(tennessee_ballots):
    result = tally(
        "majority_judgment", TENNESSEE_OPTIONS, tennessee_grades(tennessee_ballots), grades=GRADES
    )
    assert result.winners == [NASHVILLE]
    assert result.ranking == [[NASHVILLE], [CHATTANOOGA], [KNOXVILLE], [MEMPHIS]]
    options = result.explanation["options"]
    assert options[NASHVILLE]["distribution"] == {
        "Poor": 0,
        "Fair": 32,
        "Good": 42,
        "Excellent": 26,
    }
    assert options[CHATTANOOGA]["distribution"] == {
        "Poor": 0,
        "Fair": 42,
        "Good": 43,
        "Excellent": 15,
    }
    assert {o: v["majority_grade"] for o, v in options.items()} == {
        MEMPHIS: "Poor",
        NASHVILLE: "Good",
        CHATTANOOGA: "Good",
        KNOXVILLE: "Fair",
    }
    (tie,) = result.explanation["tie_breaks"]
    assert tie["options"] == [NASHVILLE, CHATTANOOGA]
    # removing Good grades one by one: Chattanooga's median drops to Fair at the 16th removal
    # (84 grades left, 42 of them Fair), Nashville's stays Good
    assert tie["steps"][0] == {
        "removed": [0, 15],
        "medians": {NASHVILLE: "Good", CHATTANOOGA: "Good"},
    }
    assert tie["steps"][-1] == {"removed": 16, "medians": {NASHVILLE: "Good", CHATTANOOGA: "Fair"}}
    assert tie["decided_after_removing"] == 16


def test_removal_order_follows_the_lower_median():
    assert removal_order(4).tolist() == [1, 2, 0, 3]
    assert removal_order(5).tolist() == [2, 1, 3, 0, 4]
    assert removal_order(1).tolist() == [0]
    assert removal_order(0).tolist() == []


def test_majority_values_match_removing_medians_one_by_one():
    rng = np.random.default_rng(3)
    for _ in range(50):
        counts = rng.integers(0, 6, size=(1, 5))
        counts[0, 0] += 1
        grades = sorted(np.repeat(np.arange(5), counts[0]).tolist())
        expected = []
        while grades:
            median = grades[(len(grades) - 1) // 2]
            expected.append(median)
            grades.remove(median)
        assert majority_values(counts)[0].tolist() == expected


def test_ungraded_options_get_the_worst_grade():
    result = tally(
        "majority_judgment", ["a", "b"], [{"a": 2}, {"a": 1, "b": 2}], grades=["x", "y", "z"]
    )
    assert result.explanation["options"]["b"]["distribution"] == {"x": 1, "y": 0, "z": 1}


def test_identical_distributions_share_a_tier_and_the_lottery_picks():
    ballots = [{"a": 1, "b": 2}, {"a": 2, "b": 1}]
    result = tally("majority_judgment", ["a", "b"], ballots, grades=["x", "y", "z"])
    assert result.ranking == [["a", "b"]]
    assert result.explanation["tie_break"]["decisions"][0]["tied"] == ["a", "b"]


def test_grade_out_of_range():
    with pytest.raises(InvalidBallot, match="grade 3; it must be between 0 and 2"):
        tally("majority_judgment", ["a"], [{"a": 3}], grades=["x", "y", "z"])


def test_default_grades_are_reported():
    result = tally("majority_judgment", ["a"], [{"a": 5}])
    assert result.params["grades"][0] == "Reject"
    assert result.explanation["options"]["a"]["majority_grade"] == "Excellent"
