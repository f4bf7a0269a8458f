"""Property tests (hypothesis) across the counting methods."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assembly.voting import tally

LETTERS = list("abcdef")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def ranked(draw, partial: bool = True, min_ballots: int = 1):
    n = draw(st.integers(2, 5))
    options = LETTERS[:n]
    ballot = st.permutations(options).flatmap(
        lambda p: st.integers(1 if partial else len(p), len(p)).map(lambda k: list(p[:k]))
    )
    ballots = draw(st.lists(ballot, min_size=min_ballots, max_size=40))
    return options, ballots


def pairwise(options, ballots):
    d = {x: dict.fromkeys(options, 0) for x in options}
    for ballot in ballots:
        rank = {o: i for i, o in enumerate(ballot)}
        for x in options:
            for y in options:
                if x != y and rank.get(x, len(options)) < rank.get(y, len(options)):
                    d[x][y] += 1
    return d


@SETTINGS
@given(ranked())
def test_a_condorcet_winner_wins_schulze_and_ranked_pairs(profile):
    options, ballots = profile
    d = pairwise(options, ballots)
    winners = [x for x in options if all(d[x][y] > d[y][x] for y in options if y != x)]
    assume(winners)
    (condorcet,) = winners
    for method in ("schulze", "ranked_pairs"):
        for strength in ("margin", "winning_votes"):
            result = tally(method, options, ballots, strength=strength)
            assert result.winners == [condorcet]
            assert result.ranking[0] == [condorcet]


@SETTINGS
@given(ranked(), st.data())
def test_a_majority_winner_wins_irv(profile, data):
    options, ballots = profile
    favourite = data.draw(st.sampled_from(options))
    rest = [o for o in options if o != favourite]
    ballots = ballots + [[favourite, *rest]] * (len(ballots) + 1)
    result = tally("irv", options, ballots)
    assert result.winners == [favourite]


@SETTINGS
@given(ranked(partial=True, min_ballots=0), st.integers(0, 3))
def test_irv_rounds_conserve_ballots(profile, blanks):
    options, ballots = profile
    ballots = ballots + [[]] * blanks
    result = tally("irv", options, ballots)
    for entry in result.explanation["rounds"]:
        assert sum(entry["counts"].values()) + entry["exhausted"] == len(ballots)
        moved = entry.get("transfers")
        if moved:
            eliminated_votes = entry["counts"][entry["eliminated"]]
            assert sum(moved["to"].values()) + moved["exhausted"] == eliminated_votes


@SETTINGS
@given(ranked(partial=True, min_ballots=0), st.integers(1, 3), st.integers(0, 2))
def test_stv_stages_conserve_votes(profile, seats, blanks):
    options, ballots = profile
    seats = min(seats, len(options))
    result = tally("stv", options, ballots + [[]] * blanks, seats=seats)
    explanation = result.explanation
    assert explanation["valid"] == len(ballots)
    assert len(result.winners) == seats
    for stage in explanation["stages"]:
        if "votes" in stage:
            total = (
                sum(stage["votes"].values())
                + stage["non_transferable"]
                + stage["loss_by_fractions"]
            )
            assert total == pytest.approx(len(ballots), abs=1e-6)


@SETTINGS
@given(ranked(partial=False))
def test_one_seat_stv_elects_the_irv_winner_without_ties(profile):
    options, ballots = profile
    irv = tally("irv", options, ballots)
    stv = tally("stv", options, ballots, seats=1)
    assume(not irv.explanation["tie_break"]["decisions"])
    assume(not any("tie" in r for r in irv.explanation["rounds"]))
    assume(not any("tie" in s or "ties" in s for s in stv.explanation["stages"]))
    assert stv.winners == irv.winners


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ranked(partial=True), st.integers(1, 2), st.data())
def test_stv_with_a_withdrawal_counts_as_if_the_option_had_not_stood(profile, seats, data):
    options, ballots = profile
    gone = data.draw(st.sampled_from(options))
    rest = [o for o in options if o != gone]
    seats = min(seats, len(rest))
    shown = tally("stv", options, ballots, seats=seats, withdrawn=[gone], tie_order=options)
    removed = [[o for o in b if o != gone] for b in ballots]
    without = tally("stv", rest, removed, seats=seats, tie_order=rest)
    assert shown.winners == without.winners
    assert shown.ranking[:-1] == without.ranking
    assert [s.get("votes") for s in shown.explanation["stages"]] == [
        s.get("votes") for s in without.explanation["stages"]
    ]


@SETTINGS
@given(ranked(partial=True), st.integers(1, 3))
def test_count_sheet_numbering_ends_no_later_and_elects_the_same(profile, seats):
    options, ballots = profile
    seats = min(seats, len(options))
    complete = tally("stv", options, ballots, seats=seats)
    sheet = tally("stv", options, ballots, seats=seats, stage_numbering="count_sheet")
    numbering = complete.explanation["stage_numbering"]
    assert sheet.explanation["stage_numbering"]["last_stage"] == numbering["count_sheet_last_stage"]
    assert numbering["count_sheet_last_stage"] <= numbering["last_stage"]
    stages = sheet.explanation["stages"]
    assert stages[:-1] == complete.explanation["stages"][: len(stages) - 1]
    assume(not any("tie" in s or "ties" in s for s in complete.explanation["stages"]))
    assert sorted(sheet.winners) == sorted(complete.winners)


# --- results do not depend on the order in which ballots arrive ------------------------------


def _ballot_strategy(method: str, options: list[str]):
    ranking = st.permutations(options).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda k: list(p[:k]))
    )
    subset = st.lists(st.sampled_from(options), unique=True)
    if method in ("borda", "schulze", "ranked_pairs", "irv", "stv"):
        return ranking
    if method in ("approval", "budget"):
        return subset
    if method == "score":
        return st.dictionaries(st.sampled_from(options), st.integers(0, 5))
    if method == "majority_judgment":
        return st.dictionaries(st.sampled_from(options), st.integers(0, 5))
    if method == "dot":
        return st.dictionaries(st.sampled_from(options), st.integers(0, 3), max_size=3)
    if method == "quadratic":
        return st.dictionaries(st.sampled_from(options), st.integers(-5, 5), max_size=4)
    if method == "yes_no_abstain":
        return st.dictionaries(st.sampled_from(options), st.sampled_from(["yes", "no", "abstain"]))
    return st.dictionaries(
        st.sampled_from(options),
        st.sampled_from(["support", "support_with_reservations", "neutral", "concerns", "block"]),
    )


METHOD_PARAMS = {
    "budget": {"costs": {o: 10 + 7 * i for i, o in enumerate(LETTERS)}, "budget": 40},
    "stv": {"seats": 2},
}


@st.composite
def any_method_profile(draw):
    method = draw(
        st.sampled_from(
            [
                "approval",
                "score",
                "majority_judgment",
                "borda",
                "schulze",
                "ranked_pairs",
                "irv",
                "stv",
                "dot",
                "quadratic",
                "yes_no_abstain",
                "consent",
                "budget",
            ]
        )
    )
    n = draw(st.integers(2, 5))
    options = LETTERS[:n]
    ballots = draw(st.lists(_ballot_strategy(method, options), max_size=30))
    params = dict(METHOD_PARAMS.get(method, {}))
    if method == "budget":
        params["costs"] = {o: params["costs"][o] for o in options}
    return method, options, ballots, params


@SETTINGS
@given(any_method_profile(), st.randoms(use_true_random=False), st.integers(0, 5))
def test_results_do_not_depend_on_ballot_order(case, rnd, seed):
    method, options, ballots, params = case
    first = tally(method, options, ballots, tie_break_seed=seed, **params)
    shuffled = list(ballots)
    rnd.shuffle(shuffled)
    second = tally(method, options, shuffled, tie_break_seed=seed, **params)
    assert first.to_dict() == second.to_dict()
    # nor on the order in which the options are listed, except for display order
    reordered = list(reversed(options))
    third = tally(method, reordered, ballots, tie_break_seed=seed, **params)
    assert third.winners == first.winners
    assert third.ranking == first.ranking
    json.dumps(first.to_dict())


@SETTINGS
@given(any_method_profile())
def test_winners_and_ranking_are_consistent(case):
    method, options, ballots, params = case
    result = tally(method, options, ballots, **params)
    flat = [o for tier in result.ranking for o in tier]
    assert sorted(flat) == sorted(options)
    assert len(set(result.winners)) == len(result.winners)
    if method not in ("yes_no_abstain", "consent", "budget"):
        assert len(result.winners) == params.get("seats", 1)
        # winners come from the top of the ranking
        position = {o: i for i, tier in enumerate(result.ranking) for o in tier}
        worst_winner = max(position[w] for w in result.winners)
        losers = [o for o in options if o not in result.winners]
        assert all(position[o] >= worst_winner for o in losers)
