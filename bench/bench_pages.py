"""Benchmark: a topic page with 500 proposals and its published summary under 64 readers.

A fresh SQLite database gets one published assembly whose closed topic has 500 proposals
(with arguments, reactions and ballots from 300 participants) and a published summary.
``assembly serve`` (1 worker) serves the topic page and the summary page to 64 concurrent
anonymous readers; in the same run, alternating round by round, ``bench/bare_app.py`` (one
worker, same server) renders the same proposals from the same database with one query and
one Jinja template padded to the topic page's size. Reported: requests per second, p50 and
p99, and the ratio topic page / bare page (goal >= 0.5x).

Anonymous readers get the proposal list every reader who takes no part shares once reactions
have closed (``assembly/proposals/pages.py``). The same topic page is also read by a signed-in
participant of the assembly (one session, 64 connections), whose page is built for them on
every request: the cost without that shared list, reported beside it.

``BENCH_PAGES_REQUESTS`` sets the requests per page and round (120).
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ingest import join_with_codes
from loadgen import (
    BIN,
    CONCURRENCY,
    Call,
    LoadResult,
    free_port,
    machine,
    run_calls,
    start_server,
    stop_server,
)
from sqlalchemy import select

from assembly.db.models import (
    REACTIONS,
    Argument,
    Assembly,
    Ballot,
    BallotVoter,
    Participant,
    Proposal,
    Reaction,
    SpotlightArea,
    Topic,
)
from assembly.db.tasks import prepare_database, run_with_session
from assembly.invitations.services import issue_codes
from assembly.settings import Settings
from assembly.summaries.services import publish_summary

NAME = "page views"
PROPOSALS = 500
PARTICIPANTS = 300
REQUESTS = int(os.environ.get("BENCH_PAGES_REQUESTS", "120"))
ROUNDS = 2
SECRET = secrets.token_hex(32)
WORDS = [
    "harbour",
    "park",
    "bench",
    "light",
    "school",
    "path",
    "trees",
    "water",
    "bus",
    "library",
    "night",
    "quiet",
    "children",
    "elderly",
    "safe",
    "market",
    "garden",
    "bike",
    "lane",
    "square",
    "music",
    "winter",
    "shelter",
]


def _row(metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    return {"benchmark": NAME, "metric": metric, "value": value, "unit": unit, "note": note}


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize()


async def seed_topic(
    db: Any, proposals: int = PROPOSALS, participants: int = PARTICIPANTS
) -> tuple[str, str, int, str]:
    """A published assembly with one closed topic, its proposals and a published summary."""
    rng = random.Random(7)
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    assembly = Assembly(slug="city", title="City assembly", place="Trondheim", status="published")
    db.add(assembly)
    await db.flush()
    topic = Topic(
        assembly_id=assembly.id,
        slug="green-spaces",
        question="How should we use the old harbour?",
        background="Background of the question.",
        spotlight_area_id=area.id,
        voting_method="approval",
        voting_params={},
        ballot_secrecy="secret",
        phase="voting",
    )
    db.add(topic)
    people = [
        Participant(assembly_id=assembly.id, pseudonym=f"Resident {n}") for n in range(participants)
    ]
    db.add_all(people)
    await db.flush()
    items = [
        Proposal(
            topic_id=topic.id,
            participant_id=rng.choice(people).id,
            title=_text(rng, 6)[:120],
            body="\n".join(_text(rng, 25) for _ in range(2)),
        )
        for _ in range(proposals)
    ]
    db.add_all(items)
    await db.flush()
    db.add_all(
        Argument(
            proposal_id=p.id,
            participant_id=rng.choice(people).id,
            stance=rng.choice(["pro", "con"]),
            body=_text(rng, 20),
        )
        for p in items[::2]
    )
    reactions = set()
    for person in people:
        for proposal in rng.sample(items, 10):
            reactions.add((person.id, proposal.id))
    db.add_all(
        Reaction(participant_id=pid, proposal_id=prop, reaction=rng.choice(REACTIONS))
        for pid, prop in reactions
    )
    for n, person in enumerate(people):
        db.add(BallotVoter(id=n + 1, topic_id=topic.id, participant_id=person.id))
        db.add(
            Ballot(
                topic_id=topic.id,
                content=[str(p.id) for p in rng.sample(items, 3)],
                receipt_hash=secrets.token_hex(32),
                channel="online",
                secrecy="secret",
            )
        )
    await db.flush()
    topic.phase = "closed"
    await db.flush()
    await publish_summary(db, topic, None)
    code = (await issue_codes(db, assembly, 1, SECRET))[0].code
    return assembly.slug, topic.slug, topic.id, code


def _serve(port: int) -> list[str]:
    return [str(BIN / "assembly"), "serve", "--workers", "1", "--port", str(port)]


def _bare(port: int) -> list[str]:
    return [
        str(BIN / "python"), "-m", "uvicorn", "--app-dir", "bench", "bare_app:app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--log-level", "warning", "--no-proxy-headers",
    ]  # fmt: skip


def _merge(results: list[LoadResult]) -> LoadResult:
    return LoadResult(
        seconds=sum(r.seconds for r in results),
        latencies=[x for r in results for x in r.latencies],
        statuses=[x for r in results for x in r.statuses],
        bodies=[],
    )


async def measure_pages(
    url: str, pages: dict[str, str], *, requests: int = REQUESTS, rounds: int = ROUNDS
) -> dict[str, LoadResult]:
    """Serve the database with ``assembly serve`` (1 worker) and read each page in rounds."""
    env = {
        "ASSEMBLY_DATABASE_URL": url,
        "ASSEMBLY_SECRET_KEY": SECRET,
        "ASSEMBLY_JOBS_ENABLED": "0",
    }
    port = free_port()
    server = await asyncio.to_thread(start_server, _serve(port), env, port)
    results: dict[str, list[LoadResult]] = {name: [] for name in pages}
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for path in pages.values():  # warm up: templates compile on first use
                (await client.get(path)).raise_for_status()
        for _ in range(rounds):
            for name, path in pages.items():
                calls = [Call("GET", path) for _ in range(requests)]
                results[name].append(await run_calls(base, calls))
    finally:
        stop_server(server)
    return {name: _merge(found) for name, found in results.items()}


async def _collect() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'assembly.db'}"
        settings = Settings(database_url=url, secret_key=SECRET)
        await asyncio.to_thread(prepare_database, settings)
        slug, topic_slug, topic_id, code = await asyncio.to_thread(
            run_with_session, settings, seed_topic
        )
        env = {"ASSEMBLY_DATABASE_URL": url, "ASSEMBLY_SECRET_KEY": SECRET}
        port, bare_port = free_port(), free_port()
        server = await asyncio.to_thread(start_server, _serve(port), env, port)
        bare = None
        topic_path = f"/assemblies/{slug}/topics/{topic_slug}"
        summary_path = f"{topic_path}/summary"
        try:
            base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
            bare = await asyncio.to_thread(start_server, _bare(bare_port), env, bare_port)
            async with httpx.AsyncClient(timeout=120) as client:
                topic_page = await client.get(base + topic_path)
                summary_page = await client.get(base + summary_path)
                plain = await client.get(f"{bare_base}/topics/{topic_id}")
            for page in (topic_page, summary_page, plain):
                page.raise_for_status()
            if summary_page.status_code != 200 or "<h1" not in summary_page.text:
                raise RuntimeError("the summary is not published")
            pad = max(0, len(topic_page.content) - len(plain.content))
            bare_path = f"/topics/{topic_id}?pad={pad}"
            jar = (await join_with_codes(base, [code]))[0]
            signed_in = {"cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
            results: dict[str, list[LoadResult]] = {
                "topic": [],
                "participant": [],
                "summary": [],
                "bare": [],
            }
            for _ in range(ROUNDS):
                for name, where, path, headers in (
                    ("bare", bare_base, bare_path, {}),
                    ("topic", base, topic_path, {}),
                    ("participant", base, topic_path, signed_in),
                    ("summary", base, summary_path, {}),
                ):
                    calls = [Call("GET", path, headers) for _ in range(REQUESTS)]
                    results[name].append(await run_calls(where, calls))
        finally:
            stop_server(server)
            if bare is not None:
                stop_server(bare)
    merged = {name: _merge(found) for name, found in results.items()}
    where = f"sqlite, 1 worker, {CONCURRENCY} readers, {machine()}"
    rows: list[dict[str, Any]] = []
    sizes = {
        "topic": len(topic_page.content),
        "participant": len(topic_page.content),
        "summary": len(summary_page.content),
        "bare": len(plain.content) + pad,
    }
    for name, label in (
        ("topic", "topic page (500 proposals)"),
        ("participant", "topic page (500 proposals), as a participant"),
        ("summary", "published summary"),
        ("bare", "bare Jinja page (500 proposals)"),
    ):
        result = merged[name]
        note = f"{sizes[name] / 1024:.0f} KiB; {result.ok()}/{len(result.statuses)} ok; {where}"
        rows.append(_row(f"{label} req/s", result.rate(), "req/s", note))
        rows.append(_row(f"{label} p50", result.percentile(50), "ms", where))
        rows.append(_row(f"{label} p99", result.percentile(99), "ms", where))
    bare_rate = merged["bare"].rate()
    for name, label in (
        ("topic", "topic page"),
        ("participant", "topic page as a participant"),
        ("summary", "summary"),
    ):
        ratio = merged[name].rate() / bare_rate if bare_rate else 0.0
        rows.append(_row(f"ratio {label}/bare", ratio, "x", "goal >= 0.5x; same run, alternating"))
    return rows


def collect() -> list[dict[str, Any]]:
    return asyncio.run(_collect())


def main() -> None:
    for row in collect():
        print(
            f"{row['benchmark']} / {row['metric']:<40} {row['value']:>12,.2f} {row['unit']:<6} "
            f"{row['note']}"
        )


if __name__ == "__main__":
    main()
