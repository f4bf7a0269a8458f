"""The real server as a subprocess: `assembly serve` on a free port of 127.0.0.1.

Browser and fault tests drive what people run, not an in-process test client, so a crash,
a kill or a restart behaves as it would in production.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from assembly.settings import Settings

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
ASSEMBLY_BIN = Path(sys.executable).with_name("assembly")
TEST_SECRET = "test-secret-key-for-the-suite-only"
PASSWORD = "correct horse battery"
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_for(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, **overrides)


def in_thread(call: Callable[[], T]) -> T:
    """Run ``call`` in its own thread: Playwright's sync API keeps an event loop running in
    the main thread, where ``asyncio.run`` is not allowed."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def prepare_database_at(database_url: str) -> str:
    """Migrate ``database_url`` to the newest schema with the catalogue; returns the URL."""
    from assembly.db.tasks import prepare_database

    in_thread(lambda: prepare_database(settings_for(database_url)))
    return database_url


def prepare_sqlite(path: Path) -> str:
    """A migrated SQLite database file with the catalogue; returns its URL."""
    return prepare_database_at(f"sqlite+aiosqlite:///{path}")


def run_db(database_url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(session)`` in one committed transaction against ``database_url``."""
    from assembly.db.tasks import run_with_session

    return in_thread(lambda: run_with_session(settings_for(database_url), work))


@dataclass
class LiveServer:
    database_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSEMBLY_")}
        env.update(
            {
                "ASSEMBLY_DATABASE_URL": self.database_url,
                "ASSEMBLY_SECRET_KEY": TEST_SECRET,
                "ASSEMBLY_RATE_LIMIT_PER_MINUTE": "100000",
                "ASSEMBLY_BASE_URL": self.url,
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> LiveServer:
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        command = [str(ASSEMBLY_BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        self.process = subprocess.Popen(
            [*command, "--dev"],
            env=self.environment(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if log is not subprocess.DEVNULL:
            log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}: {self.log()}"
                )
            try:
                if httpx.get(self.url + "/", timeout=2, trust_env=False).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout} s: {self.log()}")

    def log(self) -> str:
        if self.log_path and self.log_path.exists():
            return self.log_path.read_text(errors="replace")[-4000:]
        return "(no log)"

    def kill(self) -> None:
        """SIGKILL, as a power cut would: no shutdown hooks, no flush."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
