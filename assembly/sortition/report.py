"""Figures of the fairness report, from a stored draw (pure: no web or database code).

The report compares each pool member's selection probability with the equal-chance ideal
(panel size / pool size): the lowest and the mean probability, and the mean of each tenth of
the pool from the least to the most likely to be selected, which the chart shows.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Fairness",
    "QuotaLine",
    "fairness",
    "probability_groups",
    "quota_lines",
    "rerun_command",
]


@dataclass(frozen=True)
class Fairness:
    pool_size: int
    panel_size: int
    minimum: float
    mean: float
    maximum: float
    ideal: float

    @property
    def min_to_ideal(self) -> float:
        return self.minimum / self.ideal if self.ideal else 0.0

    @property
    def mean_to_ideal(self) -> float:
        return self.mean / self.ideal if self.ideal else 0.0


def fairness(probabilities: Mapping[str, float], panel_size: int) -> Fairness:
    values = list(probabilities.values()) or [0.0]
    pool_size = len(probabilities)
    return Fairness(
        pool_size=pool_size,
        panel_size=panel_size,
        minimum=min(values),
        mean=sum(values) / len(values),
        maximum=max(values),
        ideal=panel_size / pool_size if pool_size else 0.0,
    )


@dataclass(frozen=True)
class Group:
    number: int  # 1 = least likely to be selected
    size: int
    mean: float
    minimum: float
    maximum: float


def probability_groups(probabilities: Iterable[float], groups: int = 10) -> list[Group]:
    """The pool split into ``groups`` near-equal parts by probability, lowest first."""
    ordered = sorted(probabilities)
    count = min(groups, len(ordered))
    result: list[Group] = []
    start = 0
    for number in range(count):
        size = len(ordered) // count + (1 if number < len(ordered) % count else 0)
        part = ordered[start : start + size]
        start += size
        result.append(Group(number + 1, size, sum(part) / size, part[0], part[-1]))
    return result


@dataclass(frozen=True)
class QuotaLine:
    feature: str
    value: str
    min: int
    max: int
    selected: int
    drawn: int  # selected at the draw, before any replacement
    pool: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


def _norm(text: object) -> str:
    return str(text).strip().lower()


def quota_lines(
    quota_table: Sequence[Mapping[str, Any]],
    panel_features: Iterable[Mapping[str, Any]],
    as_drawn: Sequence[Mapping[str, Any]] | None = None,
) -> list[QuotaLine]:
    """Target against the panel as it is now (after replacements) and as it was drawn.

    ``as_drawn`` is the quota table kept from the draw (default: ``quota_table``).
    """
    counts: Counter[tuple[str, str]] = Counter()
    for features in panel_features:
        for feature, value in features.items():
            counts[_norm(feature), _norm(value)] += 1
    drawn = {
        (_norm(row["feature"]), _norm(row["value"])): int(row["selected"])
        for row in (as_drawn if as_drawn is not None else quota_table)
    }
    return [
        QuotaLine(
            feature=str(row["feature"]),
            value=str(row["value"]),
            min=int(row["min"]),
            max=int(row["max"]),
            selected=counts[_norm(row["feature"]), _norm(row["value"])],
            drawn=drawn.get((_norm(row["feature"]), _norm(row["value"])), 0),
            pool=int(row["pool"]),
        )
        for row in quota_table
    ]


def rerun_command(
    selection_id: int,
    *,
    panel_size: int,
    seed: int,
    algorithm: str,
    household_column: str | None,
) -> str:
    """The command that re-runs a draw from its downloaded pool and quotas files."""
    parts = [
        "assembly sortition select",
        f"--pool pool-{selection_id}.csv",
        f"--quotas quotas-{selection_id}.csv",
        f"--size {panel_size}",
        f"--seed {seed}",
        f"--algorithm {algorithm}",
    ]
    if household_column:
        parts.append(f"--household-column {shlex.quote(household_column)}")
    parts.append(f"--out draw-{selection_id}")
    return " ".join(parts)
