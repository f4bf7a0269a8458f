"""Benchmark: vote ingestion through the real server, against the bare stack in the same run.

``assembly serve`` runs on a fresh database; participants are made by issuing invite codes
(the invitation service) and joining with them over HTTP, which gives each a session cookie.
Then every participant posts the real vote form (session, CSRF token, validation, the audit
record) from 64 concurrent connections. In the same run, and alternating round by round so
both see the same machine load, ``bench/bare_app.py`` (Litestar + SQLAlchemy, one insert and
one commit per form POST) is served by the same server and worker count. Afterwards both
servers are killed with SIGKILL and the stored rows are counted: every success answered must
be there.

SQLite with 1 worker always; PostgreSQL with 2 workers as well when ``ASSEMBLY_DATABASE_URL``
points at PostgreSQL, or with ``--postgres`` (``postgresql+asyncpg://postgres@127.0.0.1:5432``;
a fresh database is made and dropped). ``BENCH_INGEST_PARTICIPANTS`` sets the number of
participants (600); each votes on one topic per round, in two rounds.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadgen import (
    BIN,
    CONCURRENCY,
    Call,
    form_headers,
    free_port,
    machine,
    start_server,
    stop_server,
)
from sqlalchemy import func, select, text
from wrkload import WrkResult, merge, run_calls

from assembly.db.models import (
    Assembly,
    AuditEvent,
    Ballot,
    Proposal,
    SpotlightArea,
    Topic,
)
from assembly.db.tasks import prepare_database, run_with_session
from assembly.invitations.services import MAX_CODES_PER_REQUEST, issue_codes
from assembly.settings import Settings

NAME = "vote ingestion"
PARTICIPANTS = int(os.environ.get("BENCH_INGEST_PARTICIPANTS", "600"))
ROUNDS = 2
PG_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432"
SECRET = secrets.token_hex(32)


def _row(metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    return {"benchmark": NAME, "metric": metric, "value": value, "unit": unit, "note": note}


# --- databases ------------------------------------------------------------------------------


async def _pg(server_url: str, statement: str) -> None:
    import asyncpg

    dsn = server_url.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _pg_server(url: str) -> str:
    return url.rsplit("/", 1)[0] if url.count("/") > 2 else url


async def _seed(
    db: Any, participants: int, topics: int
) -> tuple[str, list[tuple[str, int]], list[str]]:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    assembly = Assembly(slug="surge", title="Surge", place="Trondheim", status="published")
    db.add(assembly)
    await db.flush()
    made: list[tuple[str, int]] = []
    for n in range(topics):
        topic = Topic(
            assembly_id=assembly.id,
            slug=f"topic-{n}",
            question=f"Question {n}?",
            spotlight_area_id=area.id,
            voting_method="approval",
            voting_params={},
            ballot_secrecy="secret",
            phase="voting",
        )
        db.add(topic)
        await db.flush()
        options = [Proposal(topic_id=topic.id, title=f"Option {k}") for k in range(5)]
        db.add_all(options)
        await db.flush()
        made.append((topic.slug, options[n % 5].id))
    codes: list[str] = []
    while len(codes) < participants:
        count = min(MAX_CODES_PER_REQUEST, participants - len(codes))
        codes += [c.code for c in await issue_codes(db, assembly, count, SECRET)]
    return assembly.slug, made, codes


async def _count(settings: Settings, bare_url: str) -> tuple[int, int, int]:
    async def assembly_rows(db: Any) -> tuple[int, int]:
        ballots = await db.scalar(select(func.count()).select_from(Ballot))
        events = await db.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ballot.cast")
        )
        return ballots, events

    ballots, events = await asyncio.to_thread(run_with_session, settings, assembly_rows)

    async def bare_rows(db: Any) -> int:
        return int(await db.scalar(text("SELECT count(*) FROM bench_votes")))

    bare = await asyncio.to_thread(
        run_with_session, Settings(database_url=bare_url, secret_key=SECRET), bare_rows
    )
    return ballots, events, bare


# --- signing in -----------------------------------------------------------------------------


async def join_with_codes(base_url: str, codes: list[str]) -> list[dict[str, str]]:
    """Each code joins over HTTP, as a browser would; returns each person's cookies."""
    jars: list[dict[str, str]] = [{} for _ in codes]
    pending = list(enumerate(codes))
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            while pending:
                index, code = pending.pop()
                page = await client.get("/join")
                csrf = page.cookies["assembly_csrf"]
                client.cookies.clear()
                body = urlencode({"code": code, "pseudonym": f"Voter {index}", "_csrf_token": csrf})
                joined = await client.post(
                    "/join", content=body, headers=form_headers({"assembly_csrf": csrf})
                )
                client.cookies.clear()
                if joined.status_code != 303:
                    raise RuntimeError(f"join failed: {joined.status_code}")
                jars[index] = {
                    # Joining binds a fresh CSRF token to the new session.
                    "assembly_csrf": joined.cookies.get("assembly_csrf", csrf),
                    "assembly_session": joined.cookies["assembly_session"],
                }

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return jars


def _vote_calls(slug: str, topics: list[tuple[str, int]], jars: list[dict[str, str]]) -> list[Call]:
    calls = []
    for topic_slug, choice in topics:
        for jar in jars:
            body = urlencode({"choice": str(choice), "_csrf_token": jar["assembly_csrf"]})
            calls.append(
                Call(
                    "POST", f"/assemblies/{slug}/topics/{topic_slug}/vote", form_headers(jar), body
                )
            )
    secrets.SystemRandom().shuffle(calls)
    return calls


def _bare_calls(count: int) -> list[Call]:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    return [Call("POST", "/vote", headers, f"participant={n}&choice=7") for n in range(count)]


# --- one database ---------------------------------------------------------------------------


def _serve_command(workers: int) -> list[str]:
    return [str(BIN / "assembly"), "serve", "--workers", str(workers)]


def _bare_command(port: int, workers: int) -> list[str]:
    return [
        str(BIN / "python"), "-m", "uvicorn", "--app-dir", "bench", "bare_app:app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-proxy-headers",
    ]  # fmt: skip


async def _measure(database: str, url: str, bare_url: str, workers: int) -> list[dict[str, Any]]:
    settings = Settings(database_url=url, secret_key=SECRET)
    await asyncio.to_thread(prepare_database, settings)
    # One topic per round at 64 connections, and one more for the round at 32.
    slug, topics, codes = await asyncio.to_thread(
        run_with_session, settings, lambda db: _seed(db, PARTICIPANTS, ROUNDS + 1)
    )
    env = {
        "ASSEMBLY_DATABASE_URL": url,
        "ASSEMBLY_SECRET_KEY": SECRET,
        "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "100000000",
        "ASSEMBLY_JOBS_ENABLED": "0",
    }
    port, bare_port = free_port(), free_port()
    server = await asyncio.to_thread(
        start_server, [*_serve_command(workers), "--port", str(port)], env, port
    )
    bare = None
    ours: list[WrkResult] = []
    theirs: list[WrkResult] = []
    ours_32: list[WrkResult] = []
    theirs_32: list[WrkResult] = []
    try:
        jars = await join_with_codes(f"http://127.0.0.1:{port}", codes)
        bare = await asyncio.to_thread(
            start_server,
            _bare_command(bare_port, workers),
            {**env, "ASSEMBLY_DATABASE_URL": bare_url},
            bare_port,
        )
        ours_url, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        for r in range(ROUNDS + 1):
            calls = _vote_calls(slug, topics[r : r + 1], jars)
            connections = CONCURRENCY if r < ROUNDS else 32
            mine, base = (ours, theirs) if r < ROUNDS else (ours_32, theirs_32)
            base.append(
                await asyncio.to_thread(
                    run_calls, bare_base, _bare_calls(len(calls)), bare.pid,
                    connections=connections,
                )
            )  # fmt: skip
            mine.append(
                await asyncio.to_thread(
                    run_calls, ours_url, calls, server.pid, connections=connections
                )
            )
    finally:
        # SIGKILL: what was answered must already be on disk.
        stop_server(server, kill=True)
        if bare is not None:
            stop_server(bare, kill=True)
    ballots, events, bare_rows = await _count(settings, bare_url)
    answered = sum(r.ok for r in ours + ours_32), sum(r.ok for r in theirs + theirs_32)
    return _rows(
        database, workers, merge(ours), merge(theirs), (ballots, events, bare_rows), answered
    ) + _rows_32(database, workers, merge(ours_32), merge(theirs_32))


def _rows(
    database: str,
    workers: int,
    ours: WrkResult,
    theirs: WrkResult,
    stored: tuple[int, int, int],
    answered: tuple[int, int],
) -> list[dict[str, Any]]:
    ballots, events, bare_rows = stored
    plural = "s" if workers > 1 else ""
    where = f"{database}, {workers} worker{plural}, {CONCURRENCY} connections, wrk, {machine()}"
    ratio = ours.rate() / theirs.rate() if theirs.rate() else 0.0
    cpu_ratio = theirs.cpu_ms() / ours.cpu_ms() if ours.cpu_ms() else 0.0
    return [
        _row(f"{database} assembly votes/s", ours.rate(), "votes/s", f"{ours.note()}; {where}"),
        _row(f"{database} assembly CPU per vote", ours.cpu_ms(), "ms", f"server; {where}"),
        _row(f"{database} assembly p50", ours.p50_ms, "ms", where),
        _row(f"{database} assembly p99", ours.p99_ms, "ms", where),
        _row(
            f"{database} assembly failed responses",
            ours.failed,
            "count",
            f"of {ours.ok + ours.failed}",
        ),
        _row(f"{database} bare inserts/s", theirs.rate(), "req/s", f"{theirs.note()}; {where}"),
        _row(f"{database} bare CPU per insert", theirs.cpu_ms(), "ms", f"server; {where}"),
        _row(f"{database} bare p99", theirs.p99_ms, "ms", where),
        _row(
            f"{database} ratio assembly/bare",
            ratio,
            "x",
            "goal >= 0.5x; votes/s, same run, alternating rounds",
        ),
        _row(
            f"{database} CPU ratio bare/assembly",
            cpu_ratio,
            "x",
            "CPU per insert / CPU per vote; less sensitive to other load",
        ),
        _row(
            f"{database} durable successes",
            ballots,
            "ballots",
            f"{answered[0]} answered 200 in all rounds; {events} audit records; bare "
            f"{bare_rows} rows for {answered[1]} answered; counted after SIGKILL"
            + ("" if ballots >= answered[0] else " -- VOTES LOST"),
        ),
    ]


def _rows_32(
    database: str, workers: int, ours: WrkResult, theirs: WrkResult
) -> list[dict[str, Any]]:
    where = f"{database}, {workers} worker(s), 32 connections, wrk"
    return [
        _row(f"{database} assembly votes/s at 32", ours.rate(), "votes/s", ours.note()),
        _row(f"{database} assembly p99 at 32", ours.p99_ms, "ms", f"goal <= 150 ms; {where}"),
        _row(f"{database} bare inserts/s at 32", theirs.rate(), "req/s", theirs.note()),
        _row(f"{database} bare p99 at 32", theirs.p99_ms, "ms", where),
    ]


def _postgres_url() -> str | None:
    url = os.environ.get("ASSEMBLY_DATABASE_URL", "")
    if url.startswith("postgresql"):
        return _pg_server(url)
    if "--postgres" in sys.argv:
        return PG_SERVER
    return None


async def _collect() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'assembly.db'}"
        bare_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bare.db'}"
        rows += await _measure("sqlite", url, bare_url, workers=1)
    server = _postgres_url()
    if server is not None:
        name = f"bench_ingest_{os.getpid()}"
        await _pg(server, f'CREATE DATABASE "{name}"')
        try:
            url = f"{server}/{name}"
            rows += await _measure("postgresql", url, url, workers=2)
        finally:
            await _pg(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return rows


def collect() -> list[dict[str, Any]]:
    return asyncio.run(_collect())


def main() -> None:
    for row in collect():
        print(
            f"{row['benchmark']} / {row['metric']:<36} {row['value']:>12,.2f} {row['unit']:<8} "
            f"{row['note']}"
        )


if __name__ == "__main__":
    main()
