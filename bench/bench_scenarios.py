"""Benchmark: simulating the default scenario at 1,000, 10,000 and 100,000 participants.

Run with ``.venv/bin/python bench/bench_scenarios.py``. Each size is timed from ``simulate`` to the
last participant of the iteration (reactions, arguments and ballots included), best of a few runs.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assembly.scenarios import load_scenario, simulate  # noqa: E402

DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
SIZES = (1_000, 10_000, 100_000)


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def collect() -> list[dict]:
    rows: list[dict] = []
    load_time = _best(lambda: load_scenario(DEFAULT), 5)
    rows.append(
        {
            "benchmark": "scenario load",
            "metric": "time",
            "value": load_time * 1000,
            "unit": "ms",
            "note": "trondheim-neighbourhood.toml: parse, decode, validate",
        }
    )
    scenario = load_scenario(DEFAULT)
    for size in SIZES:
        counts = {"reactions": 0, "ballots": 0, "arguments": 0}

        def run(size: int = size, counts: dict = counts) -> None:
            counts.update(reactions=0, ballots=0, arguments=0)
            for person in simulate(scenario, participants=size, seed=1):
                counts["reactions"] += len(person.reactions)
                counts["ballots"] += len(person.ballots)
                counts["arguments"] += len(person.arguments)

        seconds = _best(run, 3 if size < 100_000 else 2)
        note = (
            f"{counts['reactions']:,} reactions, {counts['ballots']:,} ballots, "
            f"{counts['arguments']:,} arguments"
        )
        rows.append(
            {
                "benchmark": f"simulate {size:,} participants",
                "metric": "time",
                "value": seconds,
                "unit": "s",
                "note": note,
            }
        )
        rows.append(
            {
                "benchmark": f"simulate {size:,} participants",
                "metric": "throughput",
                "value": size / seconds,
                "unit": "participants/s",
                "note": "plan and iterate every participant",
            }
        )
    return rows


if __name__ == "__main__":
    results = collect()
    width = max(len(r["benchmark"]) for r in results)
    print(f"{'benchmark':<{width}}  {'metric':<10}  {'value':>12}  unit            note")
    for r in results:
        print(
            f"{r['benchmark']:<{width}}  {r['metric']:<10}  {r['value']:>12,.3f}  "
            f"{r['unit']:<14}  {r['note']}"
        )
