"""Decisions taken option by option: yes/no/abstain votes and consent.

Each option stands alone: every option that passes is adopted (``winners``), in the order
of the ranking.  Shares are computed with exact fractions, so a threshold of 2/3 is met by
exactly two thirds.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from assembly.voting.ballots import check_choices
from assembly.voting.errors import InvalidBallot
from assembly.voting.result import Outcome, number, tiers_by_key
from assembly.voting.ties import TieBreaker

YES_NO = ("yes", "no", "abstain")
CONSENT = ("support", "support_with_reservations", "neutral", "concerns", "block")


def as_fraction(value: float | int | str) -> Fraction:
    """A parameter such as 0.5, 2/3 or "2/3" as an exact fraction."""
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**9)
    return Fraction(value)


def _fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value} ≈ {float(value):.4f}"


def _tally(
    options: list[str], ballots: Sequence[Any], choices: Sequence[str]
) -> tuple[dict[str, dict[str, int]], int]:
    known = frozenset(options)
    counts = {o: dict.fromkeys(choices, 0) for o in options}
    total = 0
    for i, ballot in enumerate(ballots):
        try:
            answers = check_choices(ballot, known, choices)
        except InvalidBallot as error:
            raise error.at(i) from None
        total += 1
        for option, answer in answers.items():
            counts[option][answer] += 1
    return counts, total


def _winners(ranking: list[list[str]], adopted: set[str]) -> list[str]:
    return [o for tier in ranking for o in tier if o in adopted]


def count_yes_no_abstain(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    counts, total = _tally(options, ballots, YES_NO)
    threshold = as_fraction(params["threshold"])
    # "counted": an abstention weighs like a no (support is yes among all who answered);
    # "excluded": support is yes among yes and no.
    counted = params.get("abstentions", "excluded") == "counted"
    quorum = as_fraction(params["quorum"])
    electorate = params["electorate"]
    needed = quorum * electorate if quorum < 1 and electorate is not None else quorum
    results: dict[str, dict[str, Any]] = {}
    shares: dict[str, Fraction] = {}
    adopted: set[str] = set()
    for option in options:
        yes, no, abstain = (counts[option][c] for c in YES_NO)
        turnout = yes + no + abstain
        quorum_met = turnout >= needed
        base = yes + no + (abstain if counted else 0)
        share = Fraction(yes, base) if base else None
        reached = share is not None and yes > 0 and share >= threshold
        if threshold == Fraction(1, 2):
            reached = reached and share is not None and share > threshold  # a tie is no majority
        passed = quorum_met and reached
        if passed:
            adopted.add(option)
        shares[option] = share if share is not None else Fraction(-1)
        if share is None:
            arithmetic = "no yes or no votes: nothing to decide on"
        else:
            relation = "≥" if share >= threshold else "<"
            among = f"{yes} yes + {no} no" + (f" + {abstain} abstain" if counted else "")
            arithmetic = f"{yes} yes / ({among}) = {_fmt(share)} {relation} {_fmt(threshold)}"
            if threshold == Fraction(1, 2) and share == threshold:
                arithmetic += "; a tie is not a majority"
        results[option] = {
            "yes": yes,
            "no": no,
            "abstain": abstain,
            "not_voted": total - turnout,
            "yes_share": number(float(share)) if share is not None else None,
            "arithmetic": arithmetic,
            "threshold_met": reached,
            "turnout": turnout,
            "quorum_needed": number(float(needed)),
            "quorum_met": quorum_met,
            "quorum_arithmetic": (
                f"{turnout} ballots answered (yes, no or abstain) "
                f"{'≥' if quorum_met else '<'} {_fmt(needed)} needed"
            ),
            "adopted": passed,
        }
    ranking = tiers_by_key(options, lambda o: (o in adopted, shares[o]))
    among, tie = (
        ("yes, no and abstain", "more than half") if counted else ("yes and no", "more yes than no")
    )
    explanation = {
        "ballots": total,
        "rule": (
            f"an option is adopted when its share of yes among {among} reaches the "
            f"threshold (a threshold of exactly 1/2 needs {tie}) and at least the "
            "quorum of ballots answered it (abstaining counts towards the quorum)"
        ),
        "threshold": str(threshold),
        "abstentions": "counted" if counted else "excluded",
        "options": results,
    }
    return _winners(ranking, adopted), ranking, explanation


def count_consent(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    counts, total = _tally(options, ballots, CONSENT)
    threshold = as_fraction(params["threshold"])
    results: dict[str, dict[str, Any]] = {}
    keys: dict[str, tuple[bool, int, Fraction]] = {}
    adopted: set[str] = set()
    for option in options:
        c = counts[option]
        views = sum(c.values())
        support = c["support"] + c["support_with_reservations"]
        share = Fraction(support, views) if views else None
        blocks = c["block"]
        passed = share is not None and blocks == 0 and share >= threshold
        if passed:
            adopted.add(option)
        keys[option] = (passed, -blocks, share if share is not None else Fraction(-1))
        if share is None:
            arithmetic = "nobody expressed a view"
        else:
            relation = "≥" if share >= threshold else "<"
            arithmetic = (
                f"({c['support']} support + {c['support_with_reservations']} with reservations)"
                f" / {views} view{'s' if views != 1 else ''} = {_fmt(share)} {relation} "
                f"{_fmt(threshold)}; "
                f"{blocks} block{'s' if blocks != 1 else ''}"
            )
        results[option] = {
            "distribution": c,
            "views": views,
            "support_share": number(float(share)) if share is not None else None,
            "blocks": blocks,
            "arithmetic": arithmetic,
            "adopted": passed,
        }
    ranking = tiers_by_key(options, keys.__getitem__)
    explanation = {
        "ballots": total,
        "rule": (
            "an option is adopted when nobody blocks it and its support (support plus "
            "support with reservations) among all ballots that expressed a view on it "
            "reaches the threshold"
        ),
        "threshold": str(threshold),
        "options": results,
    }
    return _winners(ranking, adopted), ranking, explanation
