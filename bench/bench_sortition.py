"""Benchmark: panel selection with maximin, and small-group table planning.

Selection: pools of 200, 500 and 1,000 with 4 features and a panel of 10%, quotas set from
census-like shares (a band of about 10% around each target) while the pool leans older and
more educated, as real respondent pools do. Reported: wall time of `draw_panel` (including
the solver process start, about half a second), the lowest selection probability reached,
and its ratio to the equal-chance ideal (panel size / pool size).

Tables: 150 people, 8 tables, 4 rounds. Reported: planning time, repeat pairings against a
seeded random seating and against a counting lower bound, and the worst table balance.

Environment:
  ASSEMBLY_BENCH_SORTITION_SIZES    comma-separated pool sizes (default "200,500,1000")
  ASSEMBLY_BENCH_SORTITION_TIMEOUT  seconds allowed per draw (default 900)

Run: .venv/bin/python bench/bench_sortition.py
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assembly.sortition.selection import SelectionError, draw_panel
from assembly.tables.seating import plan_tables, random_tables

# census-like shares, and how much more likely each group is to answer the invitation
FEATURES: dict[str, dict[str, tuple[float, float]]] = {
    "gender": {"female": (0.50, 1.0), "male": (0.50, 0.9)},
    "age": {"16-29": (0.22, 0.6), "30-44": (0.25, 0.9), "45-64": (0.31, 1.2), "65+": (0.22, 1.3)},
    "area": {"city": (0.55, 1.0), "town": (0.27, 1.0), "rural": (0.18, 0.8)},
    "education": {"primary": (0.25, 0.5), "secondary": (0.40, 1.0), "higher": (0.35, 1.6)},
}


def make_pool(size: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for index in range(size):
        row = {"id": f"r{index:04d}"}
        for feature, values in FEATURES.items():
            names = list(values)
            weights = [share * response for share, response in values.values()]
            row[feature] = rng.choices(names, weights=weights)[0]
        rows.append(row)
    return rows


def make_quotas(panel: int) -> list[dict[str, str]]:
    rows = []
    for feature, values in FEATURES.items():
        for value, (share, _) in values.items():
            target = share * panel
            band = max(1, round(0.1 * target))
            low, high = max(0, math.floor(target) - band), math.ceil(target) + band
            rows.append({"feature": feature, "value": value, "min": str(low), "max": str(high)})
    return rows


def selection_rows(size: int, timeout: float) -> list[dict[str, object]]:
    panel = size // 10
    note = f"pool {size}, panel {panel}, 4 features, maximin on HiGHS"
    pool, quotas = make_pool(size, seed=size), make_quotas(panel)
    started = time.perf_counter()
    try:
        result = draw_panel(pool, quotas, panel, seed=20_260_101, timeout=timeout)
    except SelectionError as error:
        return [
            {
                "benchmark": f"sortition.select.pool{size}",
                "metric": "seconds",
                "value": time.perf_counter() - started,
                "unit": "s",
                "note": f"{note}; not finished: {'; '.join(error.codes)}",
            }
        ]
    seconds = time.perf_counter() - started
    return [
        {
            "benchmark": f"sortition.select.pool{size}",
            "metric": "seconds",
            "value": seconds,
            "unit": "s",
            "note": note,
        },
        {
            "benchmark": f"sortition.select.pool{size}",
            "metric": "min_probability",
            "value": result.min_probability,
            "unit": "probability",
            "note": f"ideal {result.ideal_probability:.3f}",
        },
        {
            "benchmark": f"sortition.select.pool{size}",
            "metric": "min_to_ideal",
            "value": result.min_to_ideal,
            "unit": "ratio",
            "note": "lowest probability / (panel size / pool size)",
        },
        {
            "benchmark": f"sortition.select.pool{size}",
            "metric": "panels_in_distribution",
            "value": float(result.record["committees_in_distribution"]),
            "unit": "panels",
            "note": "distinct panels with positive probability",
        },
    ]


def pair_round_repeats(rounds: list[list[list[str]]]) -> int:
    """Sum over pairs of C(m, 2), m = rounds the pair shares a table."""
    meetings: dict[tuple[str, str], int] = {}
    for round_ in rounds:
        for table in round_:
            ordered = sorted(table)
            for i, first in enumerate(ordered):
                for second in ordered[i + 1 :]:
                    meetings[first, second] = meetings.get((first, second), 0) + 1
    return sum(m * (m - 1) // 2 for m in meetings.values())


def repeat_floor(sizes: list[int], tables: int, rounds: int) -> int:
    """Lower bound on `pair_round_repeats`: a table of one round splits at best evenly over
    the next round's tables, so each pair of rounds shares at least this many pairs."""
    per_round_pair = 0
    for size in sizes:
        base, extra = divmod(size, tables)
        parts = [base + 1] * extra + [base] * (tables - extra)
        per_round_pair += sum(part * (part - 1) // 2 for part in parts)
    return per_round_pair * rounds * (rounds - 1) // 2


def table_rows() -> list[dict[str, object]]:
    rng = random.Random(150)
    people = {
        f"p{i:03d}": {
            feature: rng.choices(list(values), weights=[s for s, _ in values.values()])[0]
            for feature, values in FEATURES.items()
        }
        for i in range(150)
    }
    started = time.perf_counter()
    plan = plan_tables(people, rounds=4, tables=8, seed=1)
    seconds = time.perf_counter() - started
    baseline = random_tables(people, rounds=4, tables=8, seed=1)
    floor = repeat_floor(plan.table_sizes[0], 8, 4)
    worst = max(plan.balance.values())
    worst_random = max(baseline.balance.values())
    name = "sortition.tables.150x8x4"
    return [
        {
            "benchmark": name,
            "metric": "seconds",
            "value": seconds,
            "unit": "s",
            "note": "150 people, 8 tables, 4 rounds, 4 features (target < 5 s)",
        },
        {
            "benchmark": name,
            "metric": "repeat_pairs",
            "value": float(plan.repeat_pairs),
            "unit": "pairings",
            "note": f"extra meetings, sum of m-1; random seating {baseline.repeat_pairs}",
        },
        {
            "benchmark": name,
            "metric": "pair_round_repeats",
            "value": float(pair_round_repeats(plan.rounds)),
            "unit": "pairings",
            "note": (
                f"sum of C(m,2) over pairs; lower bound {floor}; "
                f"random seating {pair_round_repeats(baseline.rounds)}"
            ),
        },
        {
            "benchmark": name,
            "metric": "repeat_ratio_vs_random",
            "value": plan.repeat_pairs / baseline.repeat_pairs,
            "unit": "ratio",
            "note": "planned / random repeat pairings, same run",
        },
        {
            "benchmark": name,
            "metric": "worst_balance_gap",
            "value": worst,
            "unit": "share",
            "note": f"largest |table share - panel share|; random seating {worst_random:.3f}",
        },
    ]


def collect() -> list[dict[str, object]]:
    sizes = [
        int(part)
        for part in os.environ.get("ASSEMBLY_BENCH_SORTITION_SIZES", "200,500,1000").split(",")
        if part.strip()
    ]
    timeout = float(os.environ.get("ASSEMBLY_BENCH_SORTITION_TIMEOUT", "900"))
    rows = table_rows()
    for size in sizes:
        rows += selection_rows(size, timeout)
    return rows


def _print(rows: list[dict[str, object]]) -> None:
    headers = ["benchmark", "metric", "value", "unit", "note"]
    cells = [
        [
            f"{row[h]:.4g}" if h == "value" and isinstance(row[h], float) else str(row[h])
            for h in headers
        ]
        for row in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for cell in cells:
        print("  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)))


if __name__ == "__main__":
    _print(collect())
