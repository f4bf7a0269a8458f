"""Benchmark: live meeting updates through the real server (`assembly serve`).

Three measures, each against a fresh SQLite database:

1. **Agenda fan-out, one worker.** ``BENCH_SSE_CLIENTS`` (1,000) clients hold the meeting's
   event stream open. The facilitator presses "next" over HTTP (session, CSRF, the
   compare-and-set, the audit record, the commit); each client notes when the new version
   reaches it. Latency is from just before the POST to each client's arrival, over
   ``BENCH_SSE_CHANGES`` presses; p50, p99 and the slowest are reported, with the server's CPU
   per press (all its processes, from /proc).
2. **Turnout lag.** 200 participants vote (the real vote form, 32 at a time) while one
   projector client listens. For every ballot answered, the lag is how long until the
   projector's turnout reached that count.
3. **Two workers with Redis** (when Redis answers at ``BENCH_REDIS_URL``, default
   127.0.0.1:6379): measure 1 again with ``--workers 2`` and ``ASSEMBLY_REDIS_URL``, so presses
   and streams land on either worker and events cross between them.

The stream clients are raw asyncio sockets (a few KB each), not an HTTP library: wrk cannot hold
streams open, and a full client per stream would measure itself. They share the machine with
the server, so the figures are an upper bound of what a room would see.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadgen import BIN, free_port, machine, start_server, stop_server
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.db.models import AgendaItem, Assembly, Meeting, Proposal, SpotlightArea, Topic
from assembly.db.tasks import prepare_database, run_with_session
from assembly.invitations.services import issue_codes
from assembly.settings import Settings

SECRET = "bench-secret-" + "x" * 40
EMAIL = "facilitator@example.org"
PASSWORD = "bench password 123"
CLIENTS = int(os.environ.get("BENCH_SSE_CLIENTS", "1000"))
CHANGES = int(os.environ.get("BENCH_SSE_CHANGES", "5"))
VOTERS = int(os.environ.get("BENCH_SSE_VOTERS", "200"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def _row(metric: str, value: float, unit: str, note: str = "") -> dict[str, Any]:
    return {"benchmark": "sse", "metric": metric, "value": value, "unit": unit, "note": note}


async def _seed(db: Any) -> dict[str, Any]:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    account = await create_account(db, EMAIL, PASSWORD, "facilitator")
    assembly = Assembly(slug="room", title="Room", place="Trondheim", status="published")
    assembly.facilitators = [account]
    db.add(assembly)
    await db.flush()
    topic = Topic(
        assembly_id=assembly.id, slug="vote", question="Which first?", spotlight_area_id=area.id,
        voting_method="approval", seats=1, ballot_secrecy="secret", phase="voting",
        phase_schedule={},
    )  # fmt: skip
    db.add(topic)
    await db.flush()
    proposals = [Proposal(topic_id=topic.id, title=f"Option {n}", body="") for n in range(3)]
    db.add_all(proposals)
    meeting = Meeting(assembly_id=assembly.id, title="Evening")
    db.add(meeting)
    await db.flush()
    for position in range(CHANGES * 3 + 3):
        db.add(AgendaItem(meeting_id=meeting.id, position=position + 1, kind="plenary",
                          title=f"Item {position + 1}", planned_seconds=600))  # fmt: skip
    await db.flush()
    codes = [c.code for c in await issue_codes(db, assembly, VOTERS, SECRET)]
    return {
        "meeting": meeting.id,
        "proposal": (await db.scalars(select(Proposal.id))).first(),
        "codes": codes,
    }


def _cpu_seconds(pgid: int) -> float:
    """User and system CPU of every process in the server's group."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5, pgrp
            total += int(fields[11]) + int(fields[12])
    return total / tick


class Stream:
    """One event-stream client: a socket, a reader, and when each version arrived."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.turnout: list[tuple[float, int]] = []
        self.task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def run(self, port: int, path: str, cookie: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            f"Cookie: {cookie}\r\n\r\n".encode()
        )
        await writer.drain()
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                self.ready.set()
                if line.startswith(b"data: "):
                    now = time.perf_counter()
                    try:
                        event = json.loads(line[6:])
                    except ValueError:
                        continue
                    if event.get("type") == "agenda":
                        self.arrived.setdefault(int(event["version"]), now)
                    elif event.get("type") == "turnout":
                        self.turnout.append((now, int(event["ballots"])))
        finally:
            writer.close()


async def _facilitator(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    page = await client.get("/signin")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"email": EMAIL, "password": PASSWORD, "next": "/dashboard", "_csrf_token": token}
    response = await client.post("/signin", data=form)
    assert response.status_code in (200, 303), response.status_code
    return client


async def _press(client: httpx.AsyncClient, console: str) -> tuple[int, float]:
    page = await client.get(console)
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    version = int(VERSION.search(page.text).group(1))  # type: ignore[union-attr]
    started = time.perf_counter()
    form = {"action": "next", "version": str(version), "_csrf_token": token}
    response = await client.post(console + "/press", data=form)
    assert response.status_code == 303, response.text[:300]
    return version + 1, started


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _fan_out(port: int, process: Any, seeded: dict[str, Any], label: str) -> list[dict]:
    base = f"http://127.0.0.1:{port}"
    fac = await _facilitator(base)
    console = f"/manage/assemblies/room/meetings/{seeded['meeting']}"
    events = f"/assemblies/room/meetings/{seeded['meeting']}/events"
    await _press(fac, console)  # the meeting starts before anyone listens
    page = await fac.get(console)
    since = VERSION.search(page.text).group(1)  # type: ignore[union-attr]
    streams = [Stream() for _ in range(CLIENTS)]
    for index in range(0, CLIENTS, 100):  # connect in waves, as a room arrives
        for stream in streams[index : index + 100]:
            stream.task = asyncio.create_task(stream.run(port, f"{events}?since={since}", ""))
        await asyncio.gather(*(s.ready.wait() for s in streams[index : index + 100]))
    latencies: list[float] = []
    cpu_before = _cpu_seconds(process.pid)
    for _ in range(CHANGES):
        version, started = await _press(fac, console)
        deadline = time.perf_counter() + 30
        # Polling many clients' arrival times is the measure itself, not a missed event.
        while time.perf_counter() < deadline and not all(version in s.arrived for s in streams):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        missing = sum(version not in s.arrived for s in streams)
        assert missing == 0, f"{missing} clients never heard version {version}"
        latencies += [s.arrived[version] - started for s in streams]
        await asyncio.sleep(0.3)
    cpu = (_cpu_seconds(process.pid) - cpu_before) / CHANGES
    for stream in streams:
        assert stream.task is not None
        stream.task.cancel()
    await asyncio.gather(*(s.task for s in streams if s.task), return_exceptions=True)
    await fac.aclose()
    note = f"{CLIENTS} streams, {CHANGES} presses"
    return [
        _row(f"{label}: agenda change p50", _percentile(latencies, 0.5) * 1000, "ms", note),
        _row(f"{label}: agenda change p99", _percentile(latencies, 0.99) * 1000, "ms", note),
        _row(f"{label}: agenda change slowest", max(latencies) * 1000, "ms", note),
        _row(f"{label}: server CPU per press", cpu * 1000, "ms", "press + fan-out to all"),
    ]


async def _join(client: httpx.AsyncClient, code: str, name: str) -> None:
    page = await client.get("/join")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"code": code, "pseudonym": name, "_csrf_token": token}
    response = await client.post("/join", data=form)
    assert response.status_code == 303, response.text[:300]


async def _turnout(port: int, seeded: dict[str, Any], label: str) -> list[dict]:
    base = f"http://127.0.0.1:{port}"
    voters = [httpx.AsyncClient(base_url=base, timeout=60) for _ in seeded["codes"]]
    gate = asyncio.Semaphore(32)
    joining = asyncio.Semaphore(4)  # joining is not measured here; SQLite takes it in turns

    async def join(index: int) -> None:
        async with joining:
            await _join(voters[index], seeded["codes"][index], f"Voter {index}")

    await asyncio.gather(*(join(i) for i in range(len(voters))))
    projector = Stream()
    events = f"/assemblies/room/meetings/{seeded['meeting']}/events"
    projector.task = asyncio.create_task(projector.run(port, events, ""))
    await projector.ready.wait()
    answered: list[float] = []

    async def vote(client: httpx.AsyncClient) -> None:
        async with gate:
            page = await client.get("/assemblies/room/topics/vote/vote")
            token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            body = urlencode({"choice": seeded["proposal"], "_csrf_token": token})
            response = await client.post(
                "/assemblies/room/topics/vote/vote",
                content=body,
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            assert response.status_code == 200, response.text[:300]
            answered.append(time.perf_counter())

    await asyncio.gather(*(vote(c) for c in voters))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and (  # noqa: ASYNC110
        not projector.turnout or projector.turnout[-1][1] < len(voters)
    ):
        await asyncio.sleep(0.02)
    projector.task.cancel()
    await asyncio.gather(projector.task, return_exceptions=True)
    for client in voters:
        await client.aclose()
    lags = []
    for count, at in enumerate(sorted(answered), start=1):
        seen = next((t for t, shown in projector.turnout if shown >= count), None)
        assert seen is not None, f"the projector never showed {count} ballots"
        lags.append(max(0.0, seen - at))
    note = f"{len(voters)} voters, 32 at a time"
    return [
        _row(f"{label}: turnout lag p50", _percentile(lags, 0.5) * 1000, "ms", note),
        _row(f"{label}: turnout lag p99", _percentile(lags, 0.99) * 1000, "ms", note),
        _row(f"{label}: turnout lag slowest", max(lags) * 1000, "ms", note),
    ]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


async def _round(workers: int, extra_env: dict[str, str], label: str, votes: bool) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="bench-sse-"))
    url = f"sqlite+aiosqlite:///{folder / 'assembly.db'}"
    settings = Settings(database_url=url, secret_key=SECRET)
    await asyncio.to_thread(prepare_database, settings)
    seeded = await asyncio.to_thread(run_with_session, settings, _seed)
    port = free_port()
    env = {
        "ASSEMBLY_DATABASE_URL": url,
        "ASSEMBLY_SECRET_KEY": SECRET,
        "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "1000000",
        "ASSEMBLY_JOBS_ENABLED": "0",
        **extra_env,
    }
    command = [str(BIN / "assembly"), "serve", "--workers", str(workers), "--port", str(port)]
    process = await asyncio.to_thread(start_server, command, env, port)
    try:
        rows = await _fan_out(port, process, seeded, label)
        if votes:
            rows += await _turnout(port, seeded, label)
        return rows
    finally:
        await asyncio.to_thread(stop_server, process)


async def _collect() -> list[dict[str, Any]]:
    rows = await _round(1, {}, "1 worker", votes=True)
    if _redis_answers():
        rows += await _round(2, {"ASSEMBLY_REDIS_URL": REDIS_URL}, "2 workers + Redis", True)
    else:
        rows.append(_row("2 workers + Redis", 0, "", f"skipped: no Redis at {REDIS_URL}"))
    for row in rows:
        row["note"] = f"{row['note']}; {machine()}"
    return rows


def collect() -> list[dict[str, Any]]:
    return asyncio.run(_collect())


def main() -> None:
    for row in collect():
        value = f"{row['value']:>10,.1f} {row['unit']:<4}"
        print(f"{row['benchmark']} / {row['metric']:<40} {value} {row['note']}")


if __name__ == "__main__":
    main()
