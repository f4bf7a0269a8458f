"""Deterministic tie-breaking by a seeded lottery, or by an order given with the ballots.

A count draws one lottery order of all options: the option ids sorted, then shuffled by
``random.Random(tie_break_seed)``.  Whenever the counting rule itself cannot separate
options, the one earlier in that order is favoured.  The order depends only on the seed
and the set of options, never on the order of ballots or of the options list, so anyone
with the seed can check every decision, which the explanation lists.

A ballot file may instead fix the order in advance (the ``[tie ...]`` line of a BLT file):
``tie_order`` then replaces the lottery, earlier again favoured.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


class TieBreaker:
    """The lottery order for one count, and a log of the ties it decided."""

    def __init__(
        self, options: Iterable[str], seed: int, order: Sequence[str] | None = None
    ) -> None:
        if order is None:
            chosen = sorted(options)
            random.Random(seed).shuffle(chosen)
        else:
            chosen = list(order)
        self.seed = seed
        self.given = order is not None
        self.order = chosen
        self._priority = {option: i for i, option in enumerate(chosen)}
        self.decisions: list[dict[str, Any]] = []

    def sort(self, options: Iterable[str]) -> list[str]:
        """``options`` in lottery order, most favoured first (records nothing)."""
        return sorted(options, key=self._priority.__getitem__)

    def order_tied(self, tied: Iterable[str], stage: str) -> list[str]:
        """Order tied options by lottery, most favoured first, and record the decision."""
        ordered = self.sort(tied)
        if len(ordered) > 1:
            self.decisions.append({"stage": stage, "tied": sorted(ordered), "order": ordered})
        return ordered

    def first(self, tied: Iterable[str], stage: str) -> str:
        """The most favoured of the tied options."""
        return self.order_tied(tied, stage)[0]

    def last(self, tied: Iterable[str], stage: str) -> str:
        """The least favoured of the tied options (the one to eliminate)."""
        return self.order_tied(tied, stage)[-1]

    @property
    def name(self) -> str:
        """How the order was drawn, for explanations."""
        return "tie order given with the ballots" if self.given else "seeded lottery"

    def explain(self) -> dict[str, Any]:
        if self.given:
            return {
                "seed": None,
                "rule": "the order given with the ballots; earlier is favoured",
                "order": list(self.order),
                "decisions": self.decisions,
            }
        return {
            "seed": self.seed,
            "rule": "options sorted by id, shuffled by random.Random(seed); earlier is favoured",
            "order": list(self.order),
            "decisions": self.decisions,
        }


def backwards(
    tied: list[int], history: list[np.ndarray], fewest: bool
) -> tuple[list[int], int | None]:
    """Narrow ``tied`` (option indices) by earlier rounds, latest first.

    Going back round by round, at the latest round where the tied options had different
    counts keep only those with the fewest (``fewest``) or most votes there, and go on until
    one remains or the rounds run out.  Returns the survivors and the 1-based number of the
    last round that narrowed them (None if no earlier round separated them).
    """
    used: int | None = None
    for r in range(len(history) - 1, -1, -1):
        if len(tied) == 1:
            break
        values = history[r][tied]
        if values.min() == values.max():
            continue
        target = values.min() if fewest else values.max()
        tied = [t for t, v in zip(tied, values, strict=True) if v == target]
        used = r + 1
    return tied, used
