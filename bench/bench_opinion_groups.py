"""Benchmark: opinion groups for a topic of 10,000 participants, 500 proposals, 1,000,000 reactions.

The whole summary of such a topic must compute in under 5 seconds. This measures the opinion
groups (from Python reaction tuples to the finished result) at three sizes, to show how it
scales, and the scatter chart drawn from the largest result.

Run: .venv/bin/python bench/bench_opinion_groups.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assembly.summaries.charts import scatter_chart, scatter_from_opinion_groups
from assembly.summaries.opinion_groups import compute_opinion_groups

SIZES = [  # participants, proposals, reactions
    (100, 50, 1_000),
    (1_000, 200, 100_000),
    (10_000, 500, 1_000_000),
]
REPEATS = 3
BUDGET_SECONDS = 5.0


def make_reactions(
    participants: int, proposals: int, reactions: int, seed: int = 0
) -> tuple[list[tuple[str, str, int]], list[str]]:
    """Four planted opinion groups; each participant reacts to the same number of proposals."""
    rng = np.random.default_rng(seed)
    per_participant = reactions // participants
    group = rng.integers(0, 4, participants)
    agree_probability = rng.uniform(0.1, 0.9, (4, proposals))
    chosen = np.argsort(rng.random((participants, proposals)), axis=1)[:, :per_participant]
    rows = np.repeat(np.arange(participants), per_participant)
    cols = chosen.ravel()
    roll = rng.random(rows.size)
    votes = np.where(roll < agree_probability[group[rows], cols], 1, -1)
    votes[rng.random(rows.size) < 0.1] = 0
    participant_ids = [f"participant-{i:06d}" for i in range(participants)]
    proposal_ids = [f"proposal-{j:04d}" for j in range(proposals)]
    data = list(
        zip(
            [participant_ids[i] for i in rows.tolist()],
            [proposal_ids[j] for j in cols.tolist()],
            votes.tolist(),
            strict=True,
        )
    )
    return data, proposal_ids


def collect() -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    seconds_by_size: dict[int, float] = {}
    largest: Any = None
    for participants, proposals, reactions in SIZES:
        data, proposal_ids = make_reactions(participants, proposals, reactions)
        timings = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            result = compute_opinion_groups(data, proposal_ids, seed=0)
            timings.append(time.perf_counter() - start)
        median = statistics.median(timings)
        seconds_by_size[reactions] = median
        largest = result
        results.append(
            {
                "benchmark": "opinion_groups",
                "metric": f"seconds, {participants} participants x {proposals} proposals x "
                f"{reactions} reactions",
                "value": round(median, 4),
                "unit": "s",
                "note": f"median of {REPEATS}, max {max(timings):.3f} s; k={result.k}, "
                f"silhouette={result.silhouette or 0:.2f}, "
                f"clustered {result.participants_clustered}/{result.participants_total}"
                + (f"; budget {BUDGET_SECONDS:.0f} s" if reactions == 1_000_000 else ""),
            }
        )
    results.append(
        {
            "benchmark": "opinion_groups",
            "metric": "time ratio, 1,000,000 / 100,000 reactions",
            "value": round(seconds_by_size[1_000_000] / seconds_by_size[100_000], 2),
            "unit": "x",
            "note": "10x the reactions (and 10x participants, 2.5x proposals); same run",
        }
    )
    points, groups = scatter_from_opinion_groups(largest)
    start = time.perf_counter()
    svg = scatter_chart("Opinion groups", "Participants by opinion group.", points, groups)
    results.append(
        {
            "benchmark": "opinion_groups",
            "metric": "seconds, scatter chart of 10,000 participants",
            "value": round(time.perf_counter() - start, 4),
            "unit": "s",
            "note": f"2,000 points drawn; {len(svg) // 1024} KiB of SVG",
        }
    )
    return results


def main() -> None:
    rows = collect()
    width = max(len(row["metric"]) for row in rows)
    print(f"{'metric':<{width}}  {'value':>9}  unit  note")
    for row in rows:
        print(f"{row['metric']:<{width}}  {row['value']:>9}  {row['unit']:<4}  {row['note']}")


if __name__ == "__main__":
    main()
