"""Benchmark: how cost grows with participants (the default scenario at several sizes).

For each size the default scenario is played into a fresh SQLite file by the scenario runner
(``assembly.scenarios.runner.run_scenario``, without the panel draw, which does not depend on
the size), then ``assembly serve`` (1 worker) serves its topic pages and published summaries
to 64 concurrent anonymous readers. Reported per size: time to load, database size (after a
WAL checkpoint), and p50/p99 of the busiest topic page and of a published summary.

Sizes: 1,000 and 10,000; ``BENCH_FULL=1`` adds 100,000 (long: see docs/performance.md for
the measured growth). ``BENCH_SCALE_SIZES=1000,5000`` chooses others. ``BENCH_SCALE_DIR=path``
keeps the loaded databases there, and a later run measures the pages of a database found there
again without loading it (the load figures are then the recorded ones).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_pages import measure_pages
from loadgen import CONCURRENCY, machine

from assembly.db.tasks import prepare_database
from assembly.scenarios import load_scenario
from assembly.scenarios.runner import run_scenario
from assembly.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
NAME = "scale"
REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "64"))


def _sizes() -> list[int]:
    chosen = os.environ.get("BENCH_SCALE_SIZES")
    if chosen:
        return [int(s) for s in chosen.split(",") if s]
    sizes = [1_000, 10_000]
    if os.environ.get("BENCH_FULL"):
        sizes.append(100_000)
    return sizes


def _row(metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    return {"benchmark": NAME, "metric": metric, "value": value, "unit": unit, "note": note}


def _file_size(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _load(size: int, path: Path, url: str) -> dict[str, Any]:
    """Play the scenario into ``path``; what was loaded, recorded beside it for a later run."""
    record = path.with_suffix(".json")
    if path.exists() and record.exists():
        return dict(json.loads(record.read_text()))
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    settings = Settings(database_url=url, secret_key="bench-" * 8)
    prepare_database(settings)
    started = time.perf_counter()
    report = run_scenario(settings, load_scenario(DEFAULT), participants=size, sortition=False)
    seconds = time.perf_counter() - started
    # The busiest topic (most ballots) and a topic with a published summary.
    busiest = max(report.topics, key=lambda t: t.ballots)
    summarised = [t for t in report.topics if t.summary_url]
    pages = {"topic": urlsplit(busiest.url).path}
    if summarised:
        pages["summary"] = urlsplit(summarised[0].summary_url or "").path
    loaded = {"seconds": seconds, "pages": pages, "size": _file_size(path)}
    record.write_text(json.dumps(loaded))
    return loaded


def measure(size: int, folder: Path) -> list[dict[str, Any]]:
    path = folder / f"scale-{size}.db"
    url = f"sqlite+aiosqlite:///{path}"
    loaded = _load(size, path, url)
    label = f"{size:,} participants"
    rows = [
        _row(
            f"{label}: load",
            loaded["seconds"],
            "s",
            "run_scenario, default scenario, no panel draw",
        ),
        _row(f"{label}: database", loaded["size"] / 2**20, "MiB", "SQLite, after checkpoint"),
    ]
    pages = loaded["pages"]
    results = asyncio.run(measure_pages(url, pages, requests=REQUESTS, rounds=1))
    where = f"sqlite, 1 worker, {CONCURRENCY} readers, {machine()}"
    for name, result in results.items():
        failed = len(result.statuses) - result.ok()
        note = f"{result.ok()} ok, {failed} failed; {where}"
        rows.append(_row(f"{label}: {name} page p50", result.percentile(50), "ms", note))
        rows.append(_row(f"{label}: {name} page p99", result.percentile(99), "ms", note))
    return rows


def collect() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kept = os.environ.get("BENCH_SCALE_DIR")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        for size in _sizes():
            rows += measure(size, Path(kept))
        return rows
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for size in _sizes():
            rows += measure(size, Path(tmp))
    return rows


def main() -> None:
    for row in collect():
        print(
            f"{row['benchmark']} / {row['metric']:<40} {row['value']:>12,.2f} {row['unit']:<6} "
            f"{row['note']}"
        )


if __name__ == "__main__":
    main()
