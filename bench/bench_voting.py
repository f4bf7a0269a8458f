"""Benchmark: the ranked counting methods on 100,000 ballots over 20 options.

Ballots are drawn from a Plackett-Luce model (options of unequal popularity, every voter
ranking in their own order), so nearly every ballot is distinct and aggregation cannot
hide the work. Two profiles: complete rankings of all 20 options, and partial rankings
(each voter ranks between 1 and 20 options).

Reported for Borda, Schulze, ranked pairs, IRV and STV (5 seats):
- time of ``tally`` from the Python list of lists (reading, checking and counting);
- time of reading the JSON file (as ``assembly tally`` does) plus ``tally``.
Each is the median of 3 runs.

Baselines, measured in the same run on the first N complete ballots (default 10,000,
because they are slow), against our own ``tally`` on exactly the same ballots:
- pyrankvote IRV and STV, building its Candidate and Ballot objects included;
- pref_voting Schulze (beat_path) and IRV (instant_runoff), building its Profile
  included.

Also timed, for information: participatory budgeting (Method of Equal Shares with its
completion, and greedy) on as many approval ballots over 20 projects.

Environment:
  ASSEMBLY_BENCH_VOTING_BALLOTS           ballots in the main profiles (default 100000)
  ASSEMBLY_BENCH_VOTING_BASELINE_BALLOTS  ballots for the baseline comparison (default 10000)

Run: .venv/bin/python bench/bench_voting.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assembly.voting import tally
from assembly.voting.commands import read_ballot_file

OPTIONS = [f"option-{i:02d}" for i in range(20)]
METHODS: list[tuple[str, dict[str, Any]]] = [
    ("borda", {}),
    ("schulze", {}),
    ("ranked_pairs", {}),
    ("irv", {}),
    ("stv", {"seats": 5}),
]


def make_ballots(count: int, partial: bool, seed: int = 2024) -> list[list[str]]:
    """Plackett-Luce rankings: sorting log-weights plus Gumbel noise."""
    rng = np.random.default_rng(seed)
    weights = np.log(np.linspace(2.0, 1.0, len(OPTIONS)))
    keys = weights + rng.gumbel(size=(count, len(OPTIONS)))
    order = np.argsort(-keys, axis=1)
    names = np.array(OPTIONS, dtype=object)
    rows = names[order].tolist()
    if partial:
        lengths = rng.integers(1, len(OPTIONS) + 1, size=count)
        rows = [row[:k] for row, k in zip(rows, lengths.tolist(), strict=True)]
    return rows


CPU_TIMES: list[float] = []  # processor time of the last ``timed`` call's runs


def timed(action: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Median wall-clock time of ``repeats`` runs, and the last result; the processor
    times go to CPU_TIMES (they show the cost without other processes' load)."""
    times, result = [], None
    CPU_TIMES.clear()
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = action()
        times.append(time.perf_counter() - start)
        CPU_TIMES.append(time.process_time() - cpu)
    return statistics.median(times), result


def _cpu() -> str:
    return f"cpu {statistics.median(CPU_TIMES):.3f} s"


def _row(benchmark: str, metric: str, value: float, unit: str, note: str) -> dict[str, Any]:
    return {"benchmark": benchmark, "metric": metric, "value": value, "unit": unit, "note": note}


def main_rows(count: int) -> list[dict[str, Any]]:
    rows = []
    tally("irv", OPTIONS, make_ballots(200, False))  # warm up imports and NumPy
    for partial in (False, True):
        ballots = make_ballots(count, partial)
        profile = "partial" if partial else "complete"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ballots.json"
            path.write_text(json.dumps({"options": OPTIONS, "ballots": ballots}))
            for method, params in METHODS:
                seconds, _ = timed(lambda m=method, p=params, b=ballots: tally(m, OPTIONS, b, **p))
                rows.append(
                    _row(
                        f"{method}/{profile}",
                        "tally from lists",
                        seconds,
                        "s",
                        f"{count:,} {profile} rankings, 20 options; median of 3; {_cpu()}",
                    )
                )

                def from_json(m: str = method, p: dict[str, Any] = params, f: Path = path) -> Any:
                    data = read_ballot_file(f, kind="ranking")  # as `assembly tally` does
                    return tally(m, data["options"], data["ballots"], **p)

                seconds, _ = timed(from_json)
                rows.append(
                    _row(
                        f"{method}/{profile}",
                        "read JSON + tally",
                        seconds,
                        "s",
                        f"{count:,} {profile} rankings from a {path.stat().st_size / 1e6:.0f} MB "
                        f"file; median of 3; {_cpu()}",
                    )
                )
    return rows


def _pyrankvote(method: str, ballots: list[list[str]]) -> list[str]:
    import pyrankvote
    from pyrankvote import Ballot, Candidate

    candidates = {o: Candidate(o) for o in OPTIONS}
    objects = [Ballot([candidates[o] for o in b]) for b in ballots]
    if method == "irv":
        result = pyrankvote.instant_runoff_voting(list(candidates.values()), objects)
    else:
        result = pyrankvote.single_transferable_vote(
            list(candidates.values()), objects, number_of_seats=5
        )
    return [c.name for c in result.get_winners()]


def _pref_voting(method: str, ballots: list[list[str]]) -> list[str]:
    from pref_voting.iterative_methods import instant_runoff
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile

    index = {o: i for i, o in enumerate(OPTIONS)}
    profile = Profile([[index[o] for o in b] for b in ballots])
    winners = beat_path(profile) if method == "schulze" else instant_runoff(profile)
    return [OPTIONS[w] for w in winners]


def baseline_rows(count: int) -> list[dict[str, Any]]:
    ballots = make_ballots(count, False)
    _pref_voting("irv", make_ballots(50, False))  # compile pref_voting's numba code first
    _pref_voting("schulze", make_ballots(50, False))
    rows = []
    cases = [
        ("pyrankvote", "irv", {}, _pyrankvote),
        ("pyrankvote", "stv", {"seats": 5}, _pyrankvote),
        ("pref_voting", "schulze", {}, _pref_voting),
        ("pref_voting", "irv", {}, _pref_voting),
    ]
    for library, method, params, run in cases:
        theirs, their_winners = timed(lambda r=run, m=method: r(m, ballots), repeats=1)
        ours, result = timed(lambda m=method, p=params: tally(m, OPTIONS, ballots, **p), 5)
        agree = sorted(their_winners) == sorted(result.winners)
        note = (
            f"{count:,} complete rankings, same ballots for both; {library} {theirs:.2f} s "
            f"(one run, object/profile construction included), ours {ours * 1000:.1f} ms "
            f"(median of 5); same winners: {'yes' if agree else 'no'}"
        )
        rows.append(_row(f"{method} vs {library}", "speed-up", theirs / ours, "x", note))
    return rows


def budget_rows(count: int) -> list[dict[str, Any]]:
    """Participatory budgeting is not a ranked method; timed for information."""
    rng = np.random.default_rng(7)
    projects = [f"project-{i:02d}" for i in range(20)]
    costs = {p: int(c) for p, c in zip(projects, rng.integers(50, 400, size=20), strict=True)}
    popularity = rng.random(20) * 0.4
    chosen = rng.random((count, 20)) < popularity
    ballots = [[projects[j] for j in np.nonzero(row)[0]] for row in chosen]
    rows = []
    for rule in ("mes", "greedy"):
        seconds, result = timed(
            lambda r=rule: tally("budget", projects, ballots, costs=costs, budget=2000, rule=r),
            repeats=1,
        )
        steps = result.explanation.get("completion", {}).get("steps_of_one_percent")
        note = f"{count:,} approval ballots, 20 projects; one run"
        if steps is not None:
            note += f"; {steps} completion steps"
        rows.append(_row(f"budget/{rule}", "tally from lists", seconds, "s", note))
    return rows


def collect() -> list[dict[str, Any]]:
    load = os.getloadavg()[0]
    count = int(os.environ.get("ASSEMBLY_BENCH_VOTING_BALLOTS", "100000"))
    baseline = int(os.environ.get("ASSEMBLY_BENCH_VOTING_BASELINE_BALLOTS", "10000"))
    rows = main_rows(count) + baseline_rows(baseline) + budget_rows(count)
    rows.append(
        _row("machine", "load average", os.getloadavg()[0], "", f"at start {load:.2f}; 2 cores")
    )
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
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
