"""The result of a count, and helpers shared by the counting rules."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

from assembly.voting.ties import TieBreaker


@dataclass
class TallyResult:
    """Winners, the full ranking in tiers, and an explanation a reader can follow.

    ``winners`` are in order of election for multi-winner methods; ``ranking`` lists tiers
    best first, options tied by the counting rule sharing a tier (a tie decided by lottery
    shows in ``winners`` and in ``explanation["tie_break"]``, not in the tiers).
    """

    method: str
    winners: list[str]
    ranking: list[list[str]]
    explanation: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "params": self.params,
            "winners": list(self.winners),
            "ranking": [list(tier) for tier in self.ranking],
            "explanation": self.explanation,
        }


def tiers_by_key(options: Iterable[str], key: Callable[[str], Hashable]) -> list[list[str]]:
    """Group options into tiers of equal ``key``, greatest key first; tiers sorted by id."""
    groups: dict[Hashable, list[str]] = {}
    for option in options:
        groups.setdefault(key(option), []).append(option)
    ordered = sorted(groups, reverse=True)  # type: ignore[type-var]
    return [sorted(groups[k]) for k in ordered]


def select_winners(
    ranking: list[list[str]], seats: int, ties: TieBreaker, stage: str = "winners"
) -> list[str]:
    """The first ``seats`` options of ``ranking``; a tier that straddles the last seat is
    split by lottery (recorded).  Within a tier that wins whole, lottery order gives the
    order of the winners list."""
    winners: list[str] = []
    for tier in ranking:
        room = seats - len(winners)
        if room <= 0:
            break
        if len(tier) <= room:
            winners.extend(ties.sort(tier))
        else:
            winners.extend(ties.order_tied(tier, stage)[:room])
    return winners


def number(value: float) -> int | float:
    """A JSON-friendly number: ints stay ints, whole floats become ints, others round to 6
    decimals (explanations are for reading; the count itself uses full precision)."""
    if isinstance(value, int):
        return value
    f = float(value)
    if f.is_integer():
        return int(f)
    return round(f, 6)


# What every counting rule returns: winners, ranking tiers, explanation (the tie-break log
# and the effective parameters are added by ``tally``).
Outcome = tuple[list[str], list[list[str]], dict[str, Any]]
