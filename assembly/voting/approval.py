"""Approval voting: each ballot lists the options it approves; most approvals wins."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from assembly.voting.ballots import as_list, check_approval, first_invalid
from assembly.voting.errors import InvalidBallot
from assembly.voting.result import Outcome, number, select_winners, tiers_by_key
from assembly.voting.ties import TieBreaker


def read_approvals(
    options: Sequence[str], ballots: Sequence[Any], max_approvals: int | None
) -> tuple[Counter[tuple[str, ...]], int]:
    """Validated approval ballots, identical ones counted together (as sorted tuples)."""
    ballots = as_list(ballots)
    known = frozenset(options)

    def check(ballot: object) -> None:
        check_approval(ballot, known, max_approvals)

    try:
        distinct = Counter(tuple(sorted(b)) for b in ballots if isinstance(b, list | tuple))
    except TypeError:  # unorderable or unhashable entries
        raise first_invalid(ballots, check) from None
    if sum(distinct.values()) != len(ballots):
        raise first_invalid(ballots, check)
    for key in distinct:
        try:
            check(key)
        except InvalidBallot:
            raise first_invalid(ballots, check) from None
    return distinct, len(ballots)


def count_approval(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    distinct, total = read_approvals(options, ballots, params["max_approvals"])
    approvals = dict.fromkeys(options, 0)
    for key, count in distinct.items():
        for option in key:
            approvals[option] += count
    sizes: Counter[int] = Counter()
    for key, count in distinct.items():
        sizes[len(key)] += count
    ranking = tiers_by_key(options, approvals.__getitem__)
    explanation = {
        "ballots": total,
        "approvals": approvals,
        "share": {o: number(approvals[o] / total) if total else 0 for o in options},
        "ballots_by_number_of_approvals": {str(k): sizes[k] for k in sorted(sizes)},
    }
    return select_winners(ranking, seats, ties), ranking, explanation
