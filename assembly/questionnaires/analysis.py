"""Analysis of questionnaire answers: response rates, distributions and paired change.

Pure: no web or database code. Paired change compares the same participants before and after
(Deliberative Polling's opinion-change table): the mean shift with a t confidence interval,
and the Wilcoxon signed-rank test, which suits ordinal answers such as Likert points.
Any figure resting on fewer than ``k`` people is withheld (the export's small-cell rule).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from assembly.exports.privacy import DEFAULT_K
from assembly.questionnaires.items import DONT_KNOW, Item, choices_of, scale_value

Answers = Mapping[int, Mapping[str, Any]]
"""Submitted answers by participant id."""


@dataclass(frozen=True)
class Rate:
    wave: str
    eligible: int
    responded: int

    @property
    def share(self) -> float | None:
        return self.responded / self.eligible if self.eligible else None


@dataclass(frozen=True)
class Count:
    code: int
    label: str
    count: int | None
    """None when withheld (from 1 to k - 1 people)."""


@dataclass(frozen=True)
class Change:
    """Paired change of one item; figures are None when fewer than k pairs exist."""

    pairs: int
    withheld: bool
    mean_before: float | None = None
    mean_after: float | None = None
    shift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    wilcoxon: float | None = None
    p_value: float | None = None


def _withhold(count: int, k: int) -> int | None:
    return None if 0 < count < k else count


def distribution(
    item: Item, key: str, answers: Answers, locale: str, k: int = DEFAULT_K
) -> list[Count]:
    """How many chose each point of a choice item (and "don't know"), small counts withheld."""
    counts: Counter[int] = Counter()
    for given in answers.values():
        value = given.get(key)
        for code in value if isinstance(value, list) else [value]:
            if isinstance(code, int):
                counts[code] += 1
    out = [
        Count(int(c["value"]), _label(c, locale), _withhold(counts[int(c["value"])], k))
        for c in choices_of(item)
    ]
    if item.get("dont_know"):
        out.append(Count(DONT_KNOW, "", _withhold(counts[DONT_KNOW], k)))
    return out


def _label(choice: Mapping[str, Any], locale: str) -> str:
    labels = choice.get("label") or {}
    return str(labels.get(locale) or labels.get("en") or choice["value"])


def pairs_of(key: str, before: Answers, after: Answers) -> list[tuple[float, float]]:
    """(before, after) for participants with a scale answer in both; "don't know" drops out."""
    out = []
    for pid, first in before.items():
        second = after.get(pid)
        if second is None:
            continue
        a, b = scale_value(first.get(key)), scale_value(second.get(key))
        if a is not None and b is not None:
            out.append((a, b))
    return out


def paired_change(
    pairs: Sequence[tuple[float, float]], k: int = DEFAULT_K, confidence: float = 0.95
) -> Change:
    n = len(pairs)
    if n < max(k, 2):
        return Change(n, True)
    diffs = [b - a for a, b in pairs]
    mean = sum(diffs) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    statistic: float | None = None
    p_value: float | None = None
    if any(diffs):
        # "wilcox" drops zero differences, as the signed-rank test is usually taught.
        result = stats.wilcoxon(diffs, zero_method="wilcox")
        statistic, p_value = float(result.statistic), float(result.pvalue)
    return Change(
        n,
        False,
        mean_before=sum(a for a, _ in pairs) / n,
        mean_after=sum(b for _, b in pairs) / n,
        shift=mean,
        ci_low=mean - half,
        ci_high=mean + half,
        wilcoxon=statistic,
        p_value=p_value,
    )


def change_by_group(
    key: str,
    before: Answers,
    after: Answers,
    groups: Mapping[int, str],
    k: int = DEFAULT_K,
) -> dict[str, Change]:
    """Paired change within each group (opinion group, sortition stratum); small ones withheld."""
    members: dict[str, list[int]] = {}
    for pid, group in groups.items():
        members.setdefault(group, []).append(pid)
    out = {}
    for group in sorted(members):
        ids = set(members[group])
        pre = {p: a for p, a in before.items() if p in ids}
        out[group] = paired_change(pairs_of(key, pre, after), k)
    return out


def score(items: Sequence[Item], given: Mapping[str, Any]) -> int:
    """Correct answers on the quiz items (those with a ``correct`` value)."""
    return sum(
        1 for item in items if "correct" in item and given.get(item["key"]) == item["correct"]
    )


def knowledge_gain(
    items: Sequence[Item], before: Answers, after: Answers, k: int = DEFAULT_K
) -> Change:
    """Paired change of the quiz score (number of correct answers)."""
    quiz = [item for item in items if "correct" in item]
    if not quiz:
        return Change(0, True)
    pairs = [
        (float(score(quiz, first)), float(score(quiz, after[pid])))
        for pid, first in before.items()
        if pid in after
    ]
    return paired_change(pairs, k)


def agreeing_share(
    item: Item, key: str, answers: Answers, k: int = DEFAULT_K
) -> tuple[float | None, int]:
    """Share choosing the top two points of a scale (e.g. "felt heard"), withheld below k."""
    points = sorted(int(c["value"]) for c in choices_of(item))
    top = set(points[-2:])
    counted = [a.get(key) for a in answers.values() if scale_value(a.get(key)) is not None]
    if len(counted) < k:
        return None, len(counted)
    return sum(1 for v in counted if v in top) / len(counted), len(counted)
