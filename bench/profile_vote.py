"""Profile the vote request in-process with cProfile, driven by wrk.

py-spy cannot attach on every machine (ptrace is often refused), so this runs the real
application (``create_app``) under uvicorn in a thread of this process, with the same
protocol options as ``assembly serve``, and profiles that thread while wrk sends every
participant's vote once. aiosqlite's own thread is not profiled: what it does is SQLite's C
code, and the time the server thread waits for it is not CPU of that thread.

Run: ``.venv/bin/python bench/profile_vote.py`` (``BENCH_PROFILE_PARTICIPANTS``, 600;
``BENCH_PROFILE_TOP``, 40 rows). It prints the top functions by cumulative and by own time,
and the share of own time by package, and writes the raw profile to
``bench/results/vote.prof`` (``python -m pstats`` reads it).
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn
from bench_ingest import SECRET, _seed, _vote_calls, join_with_codes
from loadgen import free_port
from wrkload import run_calls

from assembly.app import create_app
from assembly.db.tasks import prepare_database, run_with_session
from assembly.settings import Settings
from assembly.web.server import uvicorn_options

PARTICIPANTS = int(os.environ.get("BENCH_PROFILE_PARTICIPANTS", "600"))
TOP = int(os.environ.get("BENCH_PROFILE_TOP", "40"))
OUT = Path(__file__).resolve().parent / "results"

PACKAGES = ("sqlalchemy", "aiosqlite", "asyncio", "litestar", "advanced_alchemy", "uvicorn",
            "jinja2", "h11", "httptools", "msgspec", "assembly", "bench")  # fmt: skip


def package_of(filename: str) -> str:
    for name in PACKAGES:
        if f"/{name}/" in filename:
            return name
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "other"


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    own: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        own[package_of(filename)] += tt
    total = sum(own.values()) or 1.0
    return sorted(((k, v / total) for k, v in own.items()), key=lambda kv: -kv[1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'assembly.db'}"
        os.environ.update(
            {
                "ASSEMBLY_DATABASE_URL": url,
                "ASSEMBLY_SECRET_KEY": SECRET,
                "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "100000000",
                "ASSEMBLY_JOBS_ENABLED": "0",
            }
        )
        settings = Settings.from_env()
        prepare_database(settings)
        slug, topics, codes = run_with_session(settings, lambda db: _seed(db, PARTICIPANTS, 1))
        port = free_port()
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning",
            **uvicorn_options(settings),
        )  # fmt: skip
        server = uvicorn.Server(config)
        # CPU time of the server thread: wall time would count the GIL held by other threads.
        profile = cProfile.Profile(time.thread_time)
        loop_box: list[asyncio.AbstractEventLoop] = []

        def serve() -> None:
            async def run() -> None:
                loop_box.append(asyncio.get_running_loop())
                await server.serve()

            asyncio.run(run())

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        base = f"http://127.0.0.1:{port}"
        jars = asyncio.run(join_with_codes(base, codes))
        calls = _vote_calls(slug, topics, jars)
        loop = loop_box[0]
        loop.call_soon_threadsafe(profile.enable)
        started = time.perf_counter()
        result = run_calls(base, calls, os.getpgid(0))
        seconds = time.perf_counter() - started
        done = threading.Event()

        def stop() -> None:
            profile.disable()
            done.set()

        loop.call_soon_threadsafe(stop)
        done.wait(10)
        server.should_exit = True
        thread.join(30)
    OUT.mkdir(exist_ok=True)
    profile.dump_stats(OUT / "vote.prof")
    stats = pstats.Stats(profile)
    total = sum(tt for (_cc, _nc, tt, _ct, _c) in stats.stats.values())  # type: ignore[attr-defined]
    print(
        f"{result.ok} votes answered, {result.failed} failed, in {seconds:.1f} s; "
        f"profiled server thread: {total / max(result.ok, 1) * 1000:.2f} ms per vote "
        f"(own time under cProfile, which inflates it)"
    )
    print("\nShare of the server thread's own time, by package:")
    for name, share in by_package(stats):
        print(f"  {name:<18} {share * 100:5.1f} %")
    for order, only in (("cumulative", "assembly/"), ("cumulative", ""), ("tottime", "")):
        buffer = io.StringIO()
        selected = pstats.Stats(profile, stream=buffer).sort_stats(order)
        selected.print_stats(*([only] if only else []), TOP)
        print(f"\nTop {TOP} by {order}" + (f" in {only}" if only else "") + ":")
        print(buffer.getvalue().split("\n", 6)[-1])


if __name__ == "__main__":
    main()
