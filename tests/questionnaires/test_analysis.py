"""Paired pre/post analysis recovers a simulated opinion change; small cells are withheld."""

from __future__ import annotations

import random

from assembly.questionnaires.analysis import (
    agreeing_share,
    change_by_group,
    distribution,
    knowledge_gain,
    paired_change,
    pairs_of,
)
from assembly.questionnaires.instruments import EVALUATION, QUIZ
from assembly.questionnaires.items import DONT_KNOW


def _simulate(n: int = 150, shift: float = 0.6, seed: int = 18) -> tuple[dict, dict, dict]:
    """A 150-person assembly whose answers move up the five-point scale by ``shift`` on average."""
    rng = random.Random(seed)
    before, after, strata = {}, {}, {}
    for pid in range(1, n + 1):
        latent = rng.gauss(2.8, 0.9)
        later = latent + shift + rng.gauss(0, 0.5)
        first = max(1, min(5, round(latent)))
        second = max(1, min(5, round(later)))
        before[pid] = {"heard": first, "quiz1": rng.choice([1, 2, 3])}
        after[pid] = {"heard": second, "quiz1": 2 if rng.random() < 0.8 else 1}
        strata[pid] = "north" if pid % 2 else "south"
    before[1]["heard"] = DONT_KNOW  # kept apart from the scale: this pair drops out
    return before, after, strata


def test_a_simulated_change_is_recovered_within_its_confidence_interval() -> None:
    before, after, strata = _simulate()
    pairs = pairs_of("heard", before, after)
    assert len(pairs) == 149
    true_shift = sum(b - a for a, b in pairs) / len(pairs)
    change = paired_change(pairs)
    assert not change.withheld
    assert change.ci_low is not None
    assert change.ci_high is not None
    assert change.ci_low < true_shift < change.ci_high
    assert change.ci_low > 0.3
    assert change.ci_high < 0.9
    assert change.p_value is not None
    assert change.p_value < 0.001
    groups = change_by_group("heard", before, after, strata)
    assert set(groups) == {"north", "south"}
    assert all(g.shift is not None and g.shift > 0 for g in groups.values())


def test_knowledge_gain_counts_correct_answers() -> None:
    before, after, _ = _simulate()
    gain = knowledge_gain(QUIZ["items"][:1], before, after)
    assert gain.shift is not None
    assert 0.3 < gain.shift < 0.7


def test_small_cells_and_small_groups_are_withheld() -> None:
    item = EVALUATION["items"][0]
    answers = {1: {"heard": 5}, 2: {"heard": 5}, **{p: {"heard": 4} for p in range(3, 10)}}
    counts = {c.code: c.count for c in distribution(item, "heard", answers, "nb")}
    assert counts[4] == 7
    assert counts[5] is None
    assert counts[1] == 0
    assert paired_change([(1, 2)] * 4).withheld
    share, n = agreeing_share(item, "heard", answers)
    assert share == 1.0
    assert n == 9
    assert agreeing_share(item, "heard", {1: {"heard": 5}})[0] is None
