"""Benchmark: loading the default scenario into a fresh SQLite file through the services.

Run with ``.venv/bin/python bench/bench_scenario_load.py`` (``BENCH_FULL=1`` adds 100,000
participants). For each size: the time of ``run_scenario`` and of its stages, participants per
second, the SQL statements per participant, the database file's size (after a WAL checkpoint),
the process's peak memory and the rows in each table. The load is bound by round trips to the
database (one per statement, each a hop to aiosqlite's thread), so the cost of a trivial
statement is measured in the same run as the baseline. The panel draw does not depend on the
number of participants (the pool is the scenario's), so the sizes run without it and the draw
is timed once on its own.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from assembly.db.tasks import prepare_database  # noqa: E402
from assembly.scenarios import load_scenario, simulate  # noqa: E402
from assembly.scenarios.runner import run_scenario  # noqa: E402
from assembly.settings import Settings  # noqa: E402

DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
SIZES = (1_000, 10_000)
FULL_SIZES = (100_000,)
SEED = 1
NAME = "scenario load"
TABLES = (
    "participants",
    "invite_codes",
    "proposals",
    "arguments",
    "reactions",
    "ballots",
    "ballot_voters",
    "audit_events",
    "topic_summaries",
)


def _row(metric: str, value: float, unit: str, note: str = "") -> dict:
    return {"benchmark": NAME, "metric": metric, "value": value, "unit": unit, "note": note}


def _file_size(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def _rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in TABLES
        }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class StatementCounter:
    """Counts the SQL statements sent while it is installed (every engine of the process)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(Engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self)


def round_trip(folder: Path, statements: int = 2000) -> dict:
    """The cost of one trivial statement through the same engine: the baseline of the load."""
    from assembly.db.engine import SessionMaker, create_engine

    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'rt.db'}")

    async def measure() -> float:
        engine = create_engine(settings)
        try:
            async with SessionMaker(engine).for_write() as db:
                await db.execute(text("SELECT 1"))
                started = time.perf_counter()
                for _ in range(statements):
                    await db.execute(text("SELECT 1"))
                return (time.perf_counter() - started) / statements
        finally:
            await engine.dispose()

    seconds = asyncio.run(measure())
    return _row(
        "statement round trip", seconds * 1e6, "µs", "SELECT 1 through aiosqlite (the baseline)"
    )


def load(size: int, folder: Path) -> list[dict]:
    path = folder / f"load-{size}.db"
    settings = Settings(database_url=f"sqlite+aiosqlite:///{path}", secret_key="bench-" * 6)
    prepare_database(settings)
    scenario = load_scenario(DEFAULT)
    started = time.perf_counter()
    with StatementCounter() as counter:
        report = run_scenario(settings, scenario, participants=size, seed=SEED, sortition=False)
    seconds = time.perf_counter() - started
    label = f"{size:,} participants"
    stages = ", ".join(
        f"{stage} {value:.1f} s" for stage, value in report.timings.items() if stage != "total"
    )
    rows = [
        _row(f"{label}: load", seconds, "s", stages),
        _row(f"{label}: throughput", size / seconds, "participants/s", "whole run"),
        _row(f"{label}: database", _file_size(path) / 2**20, "MiB", "SQLite file after checkpoint"),
        _row(f"{label}: peak memory", _peak_rss_mb(), "MiB", "process peak RSS so far"),
    ]
    counted = report.counts
    actions = counted["reactions"] + counted["ballots_online"] + counted["ballots_paper"]
    rows.append(_row(f"{label}: actions", actions / seconds, "actions/s", "reactions + ballots"))
    rows.append(
        _row(
            f"{label}: statements",
            counter.count / size,
            "per participant",
            f"{counter.count:,} SQL statements in all",
        )
    )
    for table, count in _rows(path).items():
        rows.append(_row(f"{label}: rows {table}", count, "rows"))
    for other in folder.glob(path.name + "*"):
        other.unlink()
    return rows


def draw_time() -> dict:
    from assembly.sortition.selection import draw_panel

    scenario = load_scenario(DEFAULT)
    plan = simulate(scenario, participants=scenario.panel.panel_size, seed=SEED)
    started = time.perf_counter()
    draw_panel(
        plan.pool_rows(),
        scenario.panel.quota_rows(),
        scenario.panel.panel_size,
        seed=SEED,
        household_column="household",
    )
    return _row(
        "panel draw",
        time.perf_counter() - started,
        "s",
        f"{scenario.panel.panel_size} of {scenario.panel.pool_size}, any number of participants",
    )


def collect() -> list[dict]:
    sizes = SIZES + (FULL_SIZES if os.environ.get("BENCH_FULL") == "1" else ())
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="assembly-bench-") as tmp:
        rows.append(round_trip(Path(tmp)))
        for size in sizes:
            rows += load(size, Path(tmp))
    rows.append(draw_time())
    return rows


if __name__ == "__main__":
    for row in collect():
        value = f"{row['value']:,.2f}" if row["unit"] != "rows" else f"{row['value']:,.0f}"
        print(f"{row['metric']:<42} {value:>14} {row['unit']:<16} {row['note']}")
