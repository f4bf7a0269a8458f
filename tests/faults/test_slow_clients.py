"""Slow clients against the real server: they hold no lock, and their connections time out.

Each slow client sends the headers of a POST with a valid CSRF pair and then trickles its body
in, a byte at a time; others open a connection and send their headers slowly. Meanwhile the
home page, a static file and a write from someone else must answer quickly.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from browser.live_server import LiveServer, run_db
from browser.world import World, seed_world

pytestmark = pytest.mark.slow

SLOW_CLIENTS = 5
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _slow_body(port: int, path: str, cookie: str, token: str, stop: threading.Event) -> bytes:
    """POST headers at once, then one byte of the body every 0.3 s; returns what came back."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
        f"X-CSRFToken: {token}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 1000\r\n\r\n"
    )
    sock.sendall(head.encode())
    answer = b""
    try:
        sock.settimeout(0.3)
        while not stop.is_set():
            try:
                sock.sendall(b"x")
            except OSError:
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
    finally:
        sock.close()
    return answer


def _slow_headers(port: int, stop: threading.Event) -> float | None:
    """A header line every 0.3 s; the seconds until the server closed the connection."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(0.3)
        while not stop.is_set():
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                if sock.recv(1) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                continue
            except OSError:
                return time.monotonic() - started
    finally:
        sock.close()
    return None


def test_five_slow_clients_cannot_slow_the_home_page(tmp_path: Path, backend_url: str) -> None:
    world: World = run_db(backend_url, lambda db: seed_world(db, codes=2))
    server = LiveServer(
        backend_url,
        log_path=tmp_path / "server.log",
        extra_env={"ASSEMBLY_BODY_TIMEOUT": "4", "ASSEMBLY_HEADER_TIMEOUT": "3"},
    ).start()
    stop = threading.Event()
    anonymous = httpx.Client(base_url=server.url, trust_env=False, timeout=10)
    joined = httpx.Client(base_url=server.url, trust_env=False, timeout=5)
    try:
        published = world.topic_url("published")
        page = anonymous.get(f"{published}/ballots")
        assert page.status_code == 200, page.text
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        cookie = "; ".join(f"{k}={v}" for k, v in anonymous.cookies.items())

        answers: list[bytes] = []
        closed_after: list[float | None] = []
        threads = [
            threading.Thread(
                target=lambda: answers.append(
                    _slow_body(server.port, f"{published}/ballots/check", cookie, token, stop)
                )
            )
            for _ in range(SLOW_CLIENTS)
        ] + [
            threading.Thread(target=lambda: closed_after.append(_slow_headers(server.port, stop)))
            for _ in range(SLOW_CLIENTS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # every slow client has sent its headers and started on its body

        worst = 0.0
        deadline = time.monotonic() + 3.0  # inside the body deadline: all are still trickling
        while time.monotonic() < deadline:
            for path in ("/", "/static/css/app.css"):
                started = time.monotonic()
                response = httpx.get(server.url + path, trust_env=False, timeout=5)
                worst = max(worst, time.monotonic() - started)
                assert response.status_code == 200, (path, response.status_code)
        # A write by someone else goes through too.
        form = CSRF.search(joined.get("/join").text).group(1)  # type: ignore[union-attr]
        started = time.monotonic()
        response = joined.post(
            "/join", data={"code": world.codes[0], "pseudonym": "On Time", "_csrf_token": form}
        )
        worst = max(worst, time.monotonic() - started)
        assert response.status_code == 303, response.text
        assert worst < 1.0, f"the slowest answer took {worst:.2f} s"

        for thread in threads:
            thread.join(timeout=15)
        # The body deadline answered each trickling sender with 408 and closed its connection.
        assert len(answers) == SLOW_CLIENTS
        assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers
        # The header deadline closed each connection that sent its headers too slowly.
        assert len(closed_after) == SLOW_CLIENTS
        assert all(t is not None and 2.5 < t < 6 for t in closed_after), closed_after
    finally:
        stop.set()
        anonymous.close()
        joined.close()
        server.stop()


def test_a_connection_that_sends_nothing_is_closed(tmp_path: Path, backend_url: str) -> None:
    server = LiveServer(
        backend_url, log_path=tmp_path / "server.log", extra_env={"ASSEMBLY_HEADER_TIMEOUT": "1"}
    ).start()
    try:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert time.monotonic() - started < 3
        sock.close()
    finally:
        server.stop()
