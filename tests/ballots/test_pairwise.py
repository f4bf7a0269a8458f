"""Schulze and ranked-pairs orders explained by what decides them, with ties flagged."""

from __future__ import annotations

from assembly.ballots.pairwise import decisive_counts, order_steps
from assembly.ballots.results import describe
from assembly.i18n import current_locale
from assembly.voting import tally

OPTIONS = ["a", "b", "c", "d"]
# d wins by strongest paths although b beats d head to head.
BALLOTS = [list("bdca")] * 3 + [list("abcd")] * 4 + [list("dcab")] * 4 + [list("dbca")] * 2
TITLES = {"a": "Allotments", "b": "Benches", "c": "Cycle lane", "d": "Dog park"}


def test_schulze_order_is_explained_by_strongest_paths() -> None:
    result = tally("schulze", OPTIONS, BALLOTS)
    assert result.ranking == [["d"], ["b"], ["c"], ["a"]]
    d = result.explanation["d"]
    assert d["b"]["d"] > d["d"]["b"]  # the duel seems to contradict the order
    counts = decisive_counts("schulze", result.explanation, OPTIONS)
    assert counts == {"d": 3, "b": 2, "c": 1, "a": 0}  # agrees with the order
    steps = order_steps("schulze", result.explanation, result.ranking, TITLES.__getitem__)
    p = result.explanation["p"]
    assert steps[0].startswith(
        f"Dog park ranks above Benches: the strongest path from Dog park to Benches has "
        f"strength {p['d']['b']}, the strongest back only {p['b']['d']}."
    )
    assert f"Benches wins their duel {d['b']['d']} to {d['d']['b']}" in steps[0]
    view = describe(result, TITLES)
    assert view.columns == ["Ranks above, by strongest paths"]
    assert [row.cells for row in view.rows] == [["3"], ["2"], ["1"], ["0"]]
    assert view.steps[0] == steps[0]


def test_ranked_pairs_order_is_explained_by_locked_majorities() -> None:
    result = tally("ranked_pairs", OPTIONS, BALLOTS)
    assert result.ranking[0] == ["b"]
    steps = order_steps("ranked_pairs", result.explanation, result.ranking, TITLES.__getitem__)
    (why,) = [s for s in steps if s.startswith("Benches ranks above Dog park")]
    assert why.startswith("Benches ranks above Dog park through the locked majorities")
    assert "Benches over Dog park" in why
    view = describe(result, TITLES)
    assert view.columns == ["Ranks above, by locked majorities"]
    assert view.rows[0].cells == ["3"]
    assert "Majorities, strongest first:" in view.steps
    assert any(
        s.startswith("Allotments > Benches") and "skipped (it would make a cycle)" in s
        for s in view.steps
    )
    # A reversed duel that was skipped is named where it matters.
    e = {
        "pairs": [
            {"winner": "a", "loser": "c", "for": 5, "against": 1, "locked": True},
            {"winner": "c", "loser": "b", "for": 4, "against": 2, "locked": True},
            {"winner": "b", "loser": "a", "for": 4, "against": 3, "locked": False},
        ]
    }
    (step,) = order_steps("ranked_pairs", e, [["a"], ["b"]], TITLES.__getitem__)
    assert step == (
        "Allotments ranks above Benches through the locked majorities Allotments over Cycle "
        "lane (5 to 1), Cycle lane over Benches (4 to 2). The majority Benches over Allotments "
        "(4 to 3) was skipped: it came later and would have made a cycle."
    )


def test_ties_are_flagged_with_the_tie_break() -> None:
    # A perfect cycle: nothing separates the three, the draw picks the winner.
    ballots = [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"]]
    result = tally("schulze", ["a", "b", "c"], ballots, tie_break_seed=7)
    assert result.ranking == [["a", "b", "c"]]
    steps = order_steps("schulze", result.explanation, result.ranking, TITLES.__getitem__)
    assert steps[0].startswith("Tied: Allotments, Benches, Cycle lane.")
    assert "The tie was broken by a draw seeded with 7" in steps[0]
    # Ranked pairs: the draw orders majorities of equal strength, which sets the order.
    result = tally("ranked_pairs", ["a", "b", "c"], ballots, tie_break_seed=7)
    steps = order_steps("ranked_pairs", result.explanation, result.ranking, TITLES.__getitem__)
    assert steps[0].startswith(
        "Tie: majorities of equal strength were taken in the order set by a draw seeded with 7"
    )


def test_explanations_read_in_norwegian() -> None:
    result = tally("schulze", OPTIONS, BALLOTS)
    token = current_locale.set("nb")
    try:
        steps = order_steps("schulze", result.explanation, result.ranking, TITLES.__getitem__)
    finally:
        current_locale.reset(token)
    assert steps[0].startswith("Dog park rangeres over Benches")
