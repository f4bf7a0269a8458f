"""Shared pieces of the HTTP benchmarks: starting a server, and a closed-loop load generator.

The load generator is an async httpx client with a fixed number of connections, each
sending its next request as soon as the previous answer arrives. Every request carries its
own ``Cookie`` header (explicit headers win over the client's cookie jar), so one client can
speak for many signed-in people.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCURRENCY = 64


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(command: Sequence[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start a server in its own process group and wait until it answers."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server writes to it after we return
        prefix="bench-server-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        list(command),
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {Path(log.name).read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/static/css/app.css", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    stop_server(process, kill=True)
    raise RuntimeError("server did not start")


def stop_server(process: subprocess.Popen[bytes], *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL, to show that what was answered survives a crash) the group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float]
    statuses: list[int]
    bodies: list[str]

    def ok(self) -> int:
        """Successful answers (2xx)."""
        return sum(200 <= s < 300 for s in self.statuses)

    def rate(self) -> float:
        return self.ok() / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


async def run_calls(
    base_url: str,
    calls: Sequence[Call],
    *,
    concurrency: int = CONCURRENCY,
    keep_bodies: bool = False,
) -> LoadResult:
    """Send the calls from ``concurrency`` connections; latencies in seconds, in call order."""
    latencies = [0.0] * len(calls)
    statuses = [0] * len(calls)
    bodies = [""] * len(calls)
    next_index = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(calls):
                index = next_index
                next_index += 1
                call = calls[index]
                started = time.perf_counter()
                try:
                    response = await client.request(
                        call.method, call.path, headers=call.headers, content=call.body
                    )
                    statuses[index] = response.status_code
                    if keep_bodies:
                        bodies[index] = response.text
                except httpx.HTTPError as exc:
                    statuses[index] = -1
                    bodies[index] = type(exc).__name__
                latencies[index] = time.perf_counter() - started
                client.cookies.clear()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return LoadResult(seconds, latencies, statuses, bodies)


def form_headers(cookies: dict[str, str]) -> dict[str, str]:
    return {
        "content-type": "application/x-www-form-urlencoded",
        "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }


def machine() -> str:
    cores = os.cpu_count() or 0
    memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    load = os.getloadavg()[0]
    return f"{cores} cores, {memory:.0f} GiB, load {load:.1f}"
