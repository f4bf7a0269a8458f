"""Exporting a large assembly as a data package: time and peak memory.

Seeds a SQLite database made by the app's migrations with 1,000,000 secret ballots (600,000
ranked STV ballots over 20 proposals and 400,000 approval ballots over 30) and 1,000,000
reactions (20,000 participants x 50 proposals), then exports it as a data package in a
child process, which reports its wall time, CPU time and peak resident memory (VmHWM). Goal:
under 20 seconds and under 300 MB.

    .venv/bin/python bench/bench_exports.py            # the full run
    BENCH_EXPORT_SCALE=0.1 .venv/bin/python bench/bench_exports.py   # a tenth, quicker
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARTICIPANTS = 20_000
RANKED_OPTIONS = 20
APPROVAL_OPTIONS = 30
RANKED_BALLOTS = 600_000
APPROVAL_BALLOTS = 400_000
GOAL_SECONDS = 20.0
GOAL_MB = 300.0
AGES = ("18-29", "30-49", "50-69", "70+")
AREAS = ("centre", "north", "south")


def _settings(db_path: Path) -> Any:
    from assembly.settings import Settings

    return Settings(database_url=f"sqlite+aiosqlite:///{db_path}", secret_key="bench-secret")


def seed(db_path: Path, scale: float = 1.0) -> dict[str, int]:
    """Migrate a fresh database and fill it; returns the row counts."""
    from sqlalchemy import select

    from assembly.db.models import Assembly, Proposal, SpotlightArea, Topic
    from assembly.db.tasks import prepare_database, run_with_session

    settings = _settings(db_path)
    prepare_database(settings)
    participants = max(50, int(PARTICIPANTS * scale))
    ranked_ballots = int(RANKED_BALLOTS * scale)
    approval_ballots = int(APPROVAL_BALLOTS * scale)

    async def small(db: Any) -> dict[str, Any]:
        area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
        questions = [
            {"key": "age", "label": "Age", "options": list(AGES)},
            {"key": "area", "label": "Area", "options": list(AREAS)},
        ]
        assembly = Assembly(
            slug="bench",
            title="Benchmark assembly",
            status="published",
            demographic_questions=questions,
            facilitators=[],
            topics=[],
        )
        db.add(assembly)
        await db.flush()
        ids: dict[str, Any] = {"assembly": assembly.id}
        for slug, method, count, seats in (
            ("ranked", "stv", RANKED_OPTIONS, 3),
            ("approval", "approval", APPROVAL_OPTIONS, 1),
        ):
            topic = Topic(
                assembly_id=assembly.id,
                slug=slug,
                question=f"Benchmark {slug} question",
                spotlight_area_id=area.id,
                voting_method=method,
                seats=seats,
                ballot_secrecy="secret",
                phase="published",
                ballots_published=True,
                practices=[],
            )
            db.add(topic)
            await db.flush()
            proposals = [
                Proposal(topic_id=topic.id, title=f"{slug} idea {i}", body="A benchmark idea.")
                for i in range(count)
            ]
            db.add_all(proposals)
            await db.flush()
            ids[slug] = (topic.id, [str(p.id) for p in proposals])
        return ids

    ids = run_with_session(settings, small)
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    connection = sqlite3.connect(db_path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    with connection:
        connection.executemany(
            "INSERT INTO participants (id, assembly_id, pseudonym, pseudonym_key, joined_via, "
            "channel, demographics_consent, demographics, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'invite', ?, 1, ?, ?, ?)",
            (
                (
                    i,
                    ids["assembly"],
                    f"Person {i}",
                    f"person {i}",
                    "paper" if i % 20 == 0 else "online",
                    json.dumps({"age": rng.choice(AGES), "area": rng.choice(AREAS)}),
                    now,
                    now,
                )
                for i in range(1, participants + 1)
            ),
        )
        proposal_ids = [int(p) for p in ids["ranked"][1] + ids["approval"][1]]
        reactions = ("agree", "disagree", "pass")
        connection.executemany(
            "INSERT INTO reactions (participant_id, proposal_id, reaction, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                (person, proposal, reactions[(person * 7 + proposal) % 3], now, now)
                for person in range(1, participants + 1)
                for proposal in proposal_ids
            ),
        )
        ranked_topic, ranked_options = ids["ranked"]
        approval_topic, approval_options = ids["approval"]

        def ballots() -> Any:
            for n in range(ranked_ballots + approval_ballots):
                if n < ranked_ballots:
                    topic = ranked_topic
                    content = rng.sample(ranked_options, rng.randint(1, 6))
                else:
                    topic = approval_topic
                    content = rng.sample(approval_options, rng.randint(1, 4))
                channel = "paper" if n % 25 == 0 else "online"
                yield (
                    rng.randbytes(16),
                    topic,
                    json.dumps(content),
                    rng.randbytes(32).hex(),
                    channel,
                )

        connection.executemany(
            "INSERT INTO ballots (id, topic_id, content, receipt_hash, channel, secrecy) "
            "VALUES (?, ?, ?, ?, ?, 'secret')",
            ballots(),
        )
        connection.executemany(
            "INSERT INTO ballot_voters (id, topic_id, participant_id) VALUES (?, ?, ?)",
            (
                (rng.getrandbits(62) + 1, topic, person)
                for topic in (ranked_topic, approval_topic)
                for person in range(1, participants + 1)
            ),
        )
    _publish_results(connection, ids)
    connection.close()
    return {
        "participants": participants,
        "reactions": participants * (RANKED_OPTIONS + APPROVAL_OPTIONS),
        "ballots": ranked_ballots + approval_ballots,
    }


def _publish_results(connection: sqlite3.Connection, ids: dict[str, Any]) -> None:
    """Record each topic's tally as published, as the results page would."""
    from assembly.voting import tally

    for slug, method, seats in (("ranked", "stv", 3), ("approval", "approval", 1)):
        topic_id, options = ids[slug]
        ballots = [
            json.loads(text)
            for (text,) in connection.execute(
                "SELECT content FROM ballots WHERE topic_id = ?", (topic_id,)
            )
        ]
        result = tally(method, options, ballots, seats=seats).to_dict()
        with connection:
            connection.execute(
                "UPDATE topics SET published_result = ? WHERE id = ?",
                (json.dumps(result), topic_id),
            )


def child(db_path: Path, out: Path) -> dict[str, float]:
    """Run in a fresh process: export, then report seconds and peak RSS in MB."""
    from sqlalchemy import select

    from assembly.db.engine import SessionMaker, create_engine
    from assembly.db.models import Assembly
    from assembly.exports.services import ExportOptions, export_to_directory

    settings = _settings(db_path)

    async def run() -> int:
        engine = create_engine(settings, null_pool=True)
        try:
            async with SessionMaker(engine).for_read() as db:
                assembly = await db.scalar(select(Assembly).where(Assembly.slug == "bench"))
                assert assembly is not None
                written = await export_to_directory(db, assembly, ExportOptions(), out)
                return sum(f.bytes for f in written)
        finally:
            await engine.dispose()

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    size = asyncio.run(run())
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak_rss_mb(), "bytes": size}


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM where Linux has it: ru_maxrss of a child
    started with vfork also counts the parent's peak (here, the seeding), which is not ours."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def collect() -> list[dict[str, Any]]:
    scale = float(os.environ.get("BENCH_EXPORT_SCALE", "1"))
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        started = time.perf_counter()
        counts = seed(db_path, scale)
        seeding = time.perf_counter() - started
        out = Path(tmp) / "package"
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(db_path), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        recount = subprocess.run(
            [sys.executable, "-m", "assembly", "recount", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    size = f"{counts['ballots']:,} ballots, {counts['reactions']:,} reactions"
    return [
        {
            "benchmark": "exports",
            "metric": "data package export time",
            "value": round(figures["seconds"], 2),
            "unit": "s",
            "note": f"{size}; goal < {GOAL_SECONDS:g} s",
        },
        {
            "benchmark": "exports",
            "metric": "data package export CPU time",
            "value": round(figures["cpu_seconds"], 2),
            "unit": "s",
            "note": "user + system time of the export; near the wall time on an idle machine",
        },
        {
            "benchmark": "exports",
            "metric": "data package export peak RSS",
            "value": round(figures["peak_mb"], 1),
            "unit": "MB",
            "note": f"whole export process; goal < {GOAL_MB:g} MB",
        },
        {
            "benchmark": "exports",
            "metric": "package size",
            "value": round(figures["bytes"] / 2**20, 1),
            "unit": "MiB",
            "note": "CSV, ballot files, README and descriptor",
        },
        {
            "benchmark": "exports",
            "metric": "recount of the package",
            "value": float(recount.returncode),
            "unit": "exit code",
            "note": "0: every published result reproduced",
        },
        {
            "benchmark": "exports",
            "metric": "seeding",
            "value": round(seeding, 1),
            "unit": "s",
            "note": "bulk inserts and two tallies, not part of the export",
        },
    ]


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    rows = collect()
    width = max(len(r["metric"]) for r in rows)
    for row in rows:
        print(f"{row['metric']:<{width}}  {row['value']:>10} {row['unit']:<9}  {row['note']}")


if __name__ == "__main__":
    main()
