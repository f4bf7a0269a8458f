"""HTTP load with wrk, and CPU per request read from /proc for the server's process group.

wrk is a C load generator that costs a small fraction of a millisecond of CPU per request,
so on a 2-core machine it leaves the cores to the server; a Python client would take a large
share of them and distort every ratio. It is installed from Debian when missing (``make
bench`` runs as root on the benchmark machines; elsewhere install ``wrk`` yourself).

Two ways to drive it, both through a generated Lua script:
- ``run_calls``: every request of a list exactly once (each with its own cookie and body),
  then stop; for the vote form, where a request repeated would be a second vote.
- ``run_for``: the same request over and over for a while; for page views.

Every result carries the server's CPU seconds per answered request (utime + stime of every
process in the server's process group, before and after) and wrk's own, from
``getrusage(RUSAGE_CHILDREN)``. CPU per request survives a noisy machine better than a rate.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from loadgen import CONCURRENCY, Call

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Seconds without an answer, once every call is out, after which the missing calls are lost.
STALL_SECONDS = 20


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when it is missing and we may."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        found = shutil.which("wrk")
        if found:
            return found
    raise RuntimeError("wrk is not installed: apt-get install wrk")


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the process group (a server and its workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the name: state ppid pgrp session ... utime (14th field) stime (15th).
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class WrkResult:
    seconds: float
    ok: int  # 2xx and 3xx answers
    failed: int  # other answers and socket errors
    p50_ms: float
    p99_ms: float
    server_cpu: float  # seconds, the server's process group
    client_cpu: float  # seconds, wrk itself

    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def cpu_ms(self) -> float:
        """Server CPU per answered request, in milliseconds."""
        return self.server_cpu / self.ok * 1000 if self.ok else 0.0

    def client_cpu_ms(self) -> float:
        return self.client_cpu / self.ok * 1000 if self.ok else 0.0

    def note(self) -> str:
        return (
            f"server CPU {self.cpu_ms():.2f} ms/req, wrk {self.client_cpu_ms():.3f} ms/req; "
            f"{self.ok} ok, {self.failed} failed"
        )


def merge(results: Sequence[WrkResult]) -> WrkResult:
    """Rounds together: totals, and the latencies of the slowest round (a conservative p99)."""
    return WrkResult(
        seconds=sum(r.seconds for r in results),
        ok=sum(r.ok for r in results),
        failed=sum(r.failed for r in results),
        p50_ms=max((r.p50_ms for r in results), default=0.0),
        p99_ms=max((r.p99_ms for r in results), default=0.0),
        server_cpu=sum(r.server_cpu for r in results),
        client_cpu=sum(r.client_cpu for r in results),
    )


def _lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII only: JSON's escapes are Lua's


def _lua_call(call: Call) -> str:
    headers = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in call.headers.items())
    body = _lua_string(call.body) if call.body is not None else "nil"
    return f"{{{_lua_string(call.method)}, {_lua_string(call.path)}, {{{headers}}}, {body}}}"


SCRIPT = """
local calls = {
%(calls)s
}
local total = #calls
local once = %(once)s
local marker = %(marker)s
local stall = %(stall)d
local index = 0
ok = 0
failed = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local last_answer = os.time()

local function finish()
  local f = io.open(marker, "w")
  f:write("done")
  f:close()
  wrk.thread:stop()
end

function delay()
  -- Once every call is out, a connection asks for the idle page twice a second only, so the
  -- last answers are not slowed (or their CPU inflated) by a flood of idle requests.
  if once and index >= total then return 500 end
  return 0
end

local probed = false

function request()
  if not probed then
    -- wrk asks each thread for one request it never sends (to check the script): answer
    -- that with the idle page, so that no call is lost to it.
    probed = true
    return wrk.format("GET", "/wrk-idle-not-a-page")
  end
  index = index + 1
  if index > total then
    -- Every call is out: the connections idle on a page that is not there until the last
    -- answer is in (a call sent twice would be a second vote).
    if once then return wrk.format("GET", "/wrk-idle-not-a-page") end
    index = 1
  end
  local c = calls[index]
  return wrk.format(c[1], c[2], c[3], c[4])
end

function response(status, headers, body)
  if once and index > total and status == 404 then
    -- A call lost to a socket error never answers; stop once nothing has come for a while
    -- (the missing calls count as failed) instead of idling out the whole duration.
    if os.time() - last_answer > stall then finish() end
    return
  end
  last_answer = os.time()
  if status >= 200 and status < 400 then ok = ok + 1 else failed = failed + 1 end
  if once and ok + failed >= total then finish() end
end

function done(summary, latency, requests)
  local o, f = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    f = f + t:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '\\n@@{"ok": %%d, "failed": %%d, "socket_errors": %%d, "duration_us": %%d, ' ..
    '"p50_us": %%d, "p99_us": %%d}\\n',
    o, f, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _run(
    base_url: str,
    calls: Sequence[Call],
    *,
    once: bool,
    seconds: float,
    server_pgid: int,
    connections: int,
) -> WrkResult:
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        marker = Path(tmp) / "finished"
        script = Path(tmp) / "load.lua"
        script.write_text(
            SCRIPT
            % {
                "calls": ",\n".join(_lua_call(c) for c in calls),
                "once": "true" if once else "false",
                "marker": _lua_string(str(marker)),
                "stall": STALL_SECONDS,
            }
        )
        command = [
            wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
            "-s", str(script), base_url,
        ]  # fmt: skip
        server_before, client_before = group_cpu_seconds(server_pgid), _children_cpu()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        elapsed = None
        if once:
            while process.poll() is None and not marker.exists():
                time.sleep(0.005)
            elapsed = time.perf_counter() - started
            server_after = group_cpu_seconds(server_pgid)
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # wrk sleeps out -d otherwise
        output, _ = process.communicate(timeout=seconds + 120)
        if not once:
            server_after = group_cpu_seconds(server_pgid)
        client_cpu = _children_cpu() - client_before
    text = output.decode(errors="replace")
    if "@@" not in text:
        raise RuntimeError(f"wrk gave no summary: {text[-1000:]}")
    summary = json.loads(text.rsplit("@@", 1)[1].strip().splitlines()[0])
    duration = elapsed if elapsed is not None else summary["duration_us"] / 1e6
    return WrkResult(
        seconds=duration,
        ok=summary["ok"],
        # Sent once each, every call not answered with success failed (socket errors too).
        failed=len(calls) - summary["ok"] if once else summary["failed"] + summary["socket_errors"],
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        server_cpu=server_after - server_before,
        client_cpu=client_cpu,
    )


def run_calls(
    base_url: str,
    calls: Sequence[Call],
    server_pgid: int,
    *,
    connections: int = CONCURRENCY,
    timeout: float = 600,
) -> WrkResult:
    """Send every call once, from ``connections`` connections, and stop."""
    return _run(
        base_url, calls, once=True, seconds=timeout, server_pgid=server_pgid,
        connections=connections,
    )  # fmt: skip


def run_for(
    base_url: str,
    call: Call,
    server_pgid: int,
    *,
    seconds: float = 5,
    connections: int = CONCURRENCY,
) -> WrkResult:
    """Send the same call over and over for ``seconds``."""
    return _run(
        base_url, [call], once=False, seconds=seconds, server_pgid=server_pgid,
        connections=connections,
    )  # fmt: skip
