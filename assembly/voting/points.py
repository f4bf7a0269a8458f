"""Dot voting (points to distribute) and quadratic voting (votes cost their square)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assembly.voting.ballots import check_integers
from assembly.voting.errors import InvalidBallot
from assembly.voting.result import Outcome, select_winners, tiers_by_key
from assembly.voting.ties import TieBreaker


def check_dots(
    ballot: object, known: frozenset[str], budget: int, max_per_option: int | None
) -> dict[str, int]:
    points = check_integers(ballot, known, 0, max_per_option, "points")
    spent = sum(points.values())
    if spent > budget:
        raise InvalidBallot(f"spends {spent} points; only {budget} may be spent")
    return points


def check_quadratic(ballot: object, known: frozenset[str], credits: int) -> dict[str, int]:
    votes = check_integers(ballot, known, None, None, "votes")
    cost = sum(v * v for v in votes.values())
    if cost > credits:
        raise InvalidBallot(
            f"spends {cost} credits (each option costs its votes squared); only {credits} "
            "are available"
        )
    return votes


def count_dot(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    known = frozenset(options)
    totals = dict.fromkeys(options, 0)
    supporters = dict.fromkeys(options, 0)
    count = spent = 0
    for i, ballot in enumerate(ballots):
        try:
            points = check_dots(ballot, known, params["budget"], params["max_per_option"])
        except InvalidBallot as error:
            raise error.at(i) from None
        count += 1
        for option, value in points.items():
            totals[option] += value
            spent += value
            supporters[option] += value > 0
    ranking = tiers_by_key(options, totals.__getitem__)
    explanation = {
        "ballots": count,
        "totals": totals,
        "ballots_giving_points": supporters,
        "points_spent": spent,
        "points_available": count * params["budget"],
    }
    return select_winners(ranking, seats, ties), ranking, explanation


def count_quadratic(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    known = frozenset(options)
    totals = dict.fromkeys(options, 0)
    votes_for = dict.fromkeys(options, 0)
    votes_against = dict.fromkeys(options, 0)
    count = credits_spent = 0
    for i, ballot in enumerate(ballots):
        try:
            votes = check_quadratic(ballot, known, params["credits"])
        except InvalidBallot as error:
            raise error.at(i) from None
        count += 1
        for option, value in votes.items():
            totals[option] += value
            credits_spent += value * value
            if value > 0:
                votes_for[option] += value
            else:
                votes_against[option] -= value
    ranking = tiers_by_key(options, totals.__getitem__)
    explanation = {
        "ballots": count,
        "rule": "options are ranked by net votes (votes for minus votes against)",
        "totals": totals,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "credits_spent": credits_spent,
        "credits_available": count * params["credits"],
    }
    return select_winners(ranking, seats, ties), ranking, explanation
