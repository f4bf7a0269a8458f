"""Topic summaries: computing one for a large topic, and serving it once computed.

Seeds a SQLite database made by the app's migrations (``prepare_database``) with bulk inserts:
one topic with 10,000 participants (5 % on paper, all with demographic answers), 500 proposals,
1,000,000 reactions in four planted opinion groups, 2,000 arguments and 10,000 approval ballots.
Then:

* computes the topic's summary (``compute_topic_summary``: participation, representativeness,
  the count, opinion groups, strongest arguments, practices) three times and reports the median,
  goal under 5 seconds;
* starts ``assembly serve`` as a subprocess on 127.0.0.1 with a free port, requests the summary
  page once (which computes and caches it) and then 200 times with httpx, and reports the median
  and 95th-percentile latency of the cached page, goal under 100 ms.

Run: ``.venv/bin/python bench/bench_summaries.py``
(``BENCH_SUMMARY_SCALE=0.1`` runs a tenth of the size, quicker.)
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARTICIPANTS = 10_000
PROPOSALS = 500
REACTIONS = 1_000_000
ARGUMENTS = 2_000
APPROVALS_PER_BALLOT = 5
COMPUTE_REPEATS = 3
REQUESTS = 200
GOAL_COMPUTE_SECONDS = 5.0
GOAL_SERVE_MS = 100.0
SLUG = "big-assembly"
TOPIC_SLUG = "family-support"
AGES = ("16-29", "30-49", "50-69", "70+")
NOW = "2026-01-01 12:00:00.000000"
LATER = "2026-01-02 12:00:00.000000"


def _settings(db_path: Path) -> Any:
    from assembly.settings import Settings

    return Settings(database_url=f"sqlite+aiosqlite:///{db_path}", secret_key="bench-secret")


def seed(db_path: Path, scale: float = 1.0, seed: int = 0) -> dict[str, int]:
    """Migrate a fresh database and fill it with bulk inserts; returns the row counts."""
    from assembly.db.tasks import prepare_database

    prepare_database(_settings(db_path))
    participants = max(60, int(PARTICIPANTS * scale))
    proposals = max(20, int(PROPOSALS * scale))
    per_participant = min(REACTIONS // PARTICIPANTS, proposals)
    rng = np.random.default_rng(seed)
    connection = sqlite3.connect(db_path)
    try:
        area = connection.execute(
            "SELECT id FROM spotlight_areas WHERE slug = 'well-and-fair-development'"
        ).fetchone()[0]
        questions = [{"key": "age", "label": "Age", "options": list(AGES)}]
        connection.execute(
            "INSERT INTO assemblies (id, slug, title, place, language, time_zone, description, "
            "status, demographic_questions, invited_count, created_at, updated_at) "
            "VALUES (1, ?, 'A large assembly', 'Trondheim', 'en', 'Europe/Oslo', '', "
            "'published', ?, ?, ?, ?)",
            (SLUG, json.dumps(questions), int(participants * 1.2), NOW, NOW),
        )
        connection.execute(
            "INSERT INTO topics (id, assembly_id, slug, position, question, background, "
            "spotlight_area_id, voting_method, voting_params, seats, ballot_secrecy, phase, "
            "phase_schedule, facilitator_notes, summary_published, ballots_published, "
            "created_at, updated_at) VALUES (1, 1, ?, 0, ?, ?, ?, 'approval', '{}', 1, 'secret', "
            "'closed', '{}', 'We met four times.', 1, 0, ?, ?)",
            (
                TOPIC_SLUG,
                "How should the municipality support families with young children?",
                "Meeting places, health visits and help for families in the neighbourhood.",
                area,
                NOW,
                NOW,
            ),
        )
        ages = rng.integers(0, len(AGES), participants)
        connection.executemany(
            "INSERT INTO participants (id, assembly_id, pseudonym, pseudonym_key, joined_via, "
            "channel, demographics_consent, demographics, created_at, updated_at) "
            "VALUES (?, 1, ?, ?, 'invite', ?, 1, ?, ?, ?)",
            (
                (
                    i + 1,
                    f"Participant {i + 1}",
                    f"participant {i + 1}",
                    "paper" if i % 20 == 0 else "online",
                    json.dumps({"age": AGES[ages[i]]}),
                    NOW,
                    NOW,
                )
                for i in range(participants)
            ),
        )
        themes = ("meeting places", "health visits", "school meals", "parks", "homework help")
        connection.executemany(
            "INSERT INTO proposals (id, topic_id, participant_id, title, body, status, "
            "moderation_reason, created_at, updated_at) "
            "VALUES (?, 1, ?, ?, ?, 'visible', '', ?, ?)",
            (
                (
                    j + 1,
                    j % participants + 1,
                    f"Proposal {j + 1}: more {themes[j % len(themes)]}",
                    f"Families with children need {themes[j % len(themes)]} in every district.",
                    NOW,
                    NOW,
                )
                for j in range(proposals)
            ),
        )
        # Four planted opinion groups, every participant reacting to the same number of proposals.
        group = rng.integers(0, 4, participants)
        agree_probability = rng.uniform(0.1, 0.9, (4, proposals))
        chosen = np.argsort(rng.random((participants, proposals)), axis=1)[:, :per_participant]
        rows = np.repeat(np.arange(participants), per_participant)
        columns = chosen.ravel()
        kinds = np.where(rng.random(rows.size) < agree_probability[group[rows], columns], 0, 1)
        kinds[rng.random(rows.size) < 0.1] = 2
        names = ("agree", "disagree", "pass")
        connection.executemany(
            "INSERT INTO reactions (id, participant_id, proposal_id, reaction, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (k + 1, r + 1, c + 1, names[v], LATER, LATER)
                for k, (r, c, v) in enumerate(
                    zip(rows.tolist(), columns.tolist(), kinds.tolist(), strict=True)
                )
            ),
        )
        arguments = max(40, int(ARGUMENTS * scale))
        connection.executemany(
            "INSERT INTO arguments (id, proposal_id, participant_id, stance, body, status, "
            "moderation_reason, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 'visible', '', ?, ?)",
            (
                (
                    k + 1,
                    k % proposals + 1,
                    k % participants + 1,
                    "con" if k % 3 == 0 else "pro",
                    f"Argument {k + 1}: it matters for the families we know.",
                    NOW,
                    NOW,
                )
                for k in range(arguments)
            ),
        )
        approvals = np.argsort(rng.random((participants, proposals)), axis=1)[
            :, :APPROVALS_PER_BALLOT
        ]
        connection.executemany(
            "INSERT INTO ballots (id, topic_id, content, receipt_hash, channel, secrecy) "
            "VALUES (?, 1, ?, ?, ?, 'secret')",
            (
                (
                    uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | i).bytes,
                    json.dumps([str(c + 1) for c in approvals[i].tolist()]),
                    f"{i:064x}",
                    "paper" if i % 20 == 0 else "online",
                )
                for i in range(participants)
            ),
        )
        connection.commit()
    finally:
        connection.close()
    return {
        "participants": participants,
        "proposals": proposals,
        "reactions": int(rows.size),
        "ballots": participants,
    }


async def _compute(db_path: Path, repeats: int) -> tuple[list[float], dict[str, Any]]:
    from assembly.catalogue.matching import default_matcher
    from assembly.db.engine import SessionMaker, create_engine
    from assembly.db.models import Topic
    from assembly.summaries.services import compute_topic_summary

    default_matcher()  # built once per process, as in a running server
    engine = create_engine(_settings(db_path))
    timings: list[float] = []
    content: dict[str, Any] = {}
    try:
        for _ in range(repeats):
            async with SessionMaker(engine).for_read() as session:
                topic = await session.get(Topic, 1)
                assert topic is not None
                start = time.perf_counter()
                content = await compute_topic_summary(session, topic)
                timings.append(time.perf_counter() - start)
    finally:
        await engine.dispose()
    return timings, content


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(db_path: Path, requests: int) -> tuple[float, list[float]]:
    """First (computing) request time and the latencies of the cached page, in seconds."""
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "ASSEMBLY_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "ASSEMBLY_SECRET_KEY": "bench-secret-for-the-summary-benchmark",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "assembly", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/assemblies/{SLUG}/topics/{TOPIC_SLUG}/summary"
    try:
        with httpx.Client(timeout=60.0) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.TransportError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        error = server.stderr.read().decode() if server.stderr else ""
                        raise RuntimeError(f"assembly serve did not start: {error}") from None
                    time.sleep(0.2)
            start = time.perf_counter()
            first = client.get(url)
            first_seconds = time.perf_counter() - start
            first.raise_for_status()
            latencies = []
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(url)
                latencies.append(time.perf_counter() - start)
                response.raise_for_status()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    return first_seconds, latencies


def _load() -> str:
    try:
        one, five, _fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def collect() -> list[dict[str, Any]]:
    scale = float(os.environ.get("BENCH_SUMMARY_SCALE", "1"))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="assembly-summaries-") as folder:
        db_path = Path(folder) / "summaries.db"
        start = time.perf_counter()
        counts = seed(db_path, scale)
        size = (
            f"{counts['participants']:,} participants, {counts['proposals']} proposals, "
            f"{counts['reactions']:,} reactions, {counts['ballots']:,} ballots"
        )
        rows.append(
            {
                "benchmark": "summaries",
                "metric": "seconds to seed the database",
                "value": round(time.perf_counter() - start, 2),
                "unit": "s",
                "note": size,
            }
        )
        timings, content = asyncio.run(_compute(db_path, COMPUTE_REPEATS))
        groups = content["opinion_groups"]
        rows.append(
            {
                "benchmark": "summaries",
                "metric": "seconds to compute a topic summary",
                "value": round(statistics.median(timings), 3),
                "unit": "s",
                "note": f"median of {COMPUTE_REPEATS}, max {max(timings):.3f} s; {size}; "
                f"{groups['k']} opinion groups; goal < {GOAL_COMPUTE_SECONDS:.0f} s; {_load()}",
            }
        )
        first, latencies = _serve(db_path, REQUESTS)
        latencies_ms = sorted(x * 1000 for x in latencies)
        rows.append(
            {
                "benchmark": "summaries",
                "metric": "ms to serve the cached summary page (median)",
                "value": round(statistics.median(latencies_ms), 1),
                "unit": "ms",
                "note": f"{REQUESTS} requests with httpx against `assembly serve`; "
                f"p95 {latencies_ms[int(0.95 * len(latencies_ms)) - 1]:.1f} ms; "
                f"goal < {GOAL_SERVE_MS:.0f} ms; {_load()}",
            }
        )
        rows.append(
            {
                "benchmark": "summaries",
                "metric": "seconds for the first page request (computes and caches)",
                "value": round(first, 2),
                "unit": "s",
                "note": "includes the server's first database connections",
            }
        )
    return rows


def main() -> None:
    rows = collect()
    width = max(len(row["metric"]) for row in rows)
    print(f"{'metric':<{width}}  {'value':>9}  unit  note")
    for row in rows:
        print(f"{row['metric']:<{width}}  {row['value']:>9}  {row['unit']:<4}  {row['note']}")


if __name__ == "__main__":
    main()
