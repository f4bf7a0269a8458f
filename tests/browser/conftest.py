"""Fixtures for the real-browser tests: a seeded SQLite database, the real server, and
Debian's Chromium driven by Playwright.

The browser is never downloaded (``playwright install`` is not used): without /usr/bin/chromium
the tests skip with the reason, unless ASSEMBLY_REQUIRE_BROWSER is set (CI sets it), in which
case they fail. Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser.live_server import ARTIFACTS, PASSWORD, LiveServer, prepare_sqlite, run_db
from browser.world import World, seed_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("ASSEMBLY_REQUIRE_BROWSER", "") not in ("", "0", "false")
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    """One seeded database and one server per test module."""
    folder = tmp_path_factory.mktemp("live")
    url = prepare_sqlite(folder / "assembly.db")
    world = run_db(url, seed_world)
    server = LiveServer(url, log_path=folder / "server.log").start()
    try:
        yield server, world
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server(live: tuple[LiveServer, World]) -> LiveServer:
    return live[0]


@pytest.fixture(scope="module")
def world(live: tuple[LiveServer, World]) -> World:
    return live[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module, not per session: Playwright's sync API keeps an event loop running in the
    main thread while it is open, and other tests in the same worker use ``asyncio.run``."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Visitor:
    """One person with their own browser context (cookies), on the live server."""

    def __init__(self, browser: Any, server: LiveServer, *, lang: str = "en", **options: Any):
        self.server = server
        self.lang = lang
        self.context = browser.new_context(base_url=server.url, **options)
        self.context.set_default_timeout(10_000)
        # Nothing leaves the machine: anything not addressed to the test server is refused.
        self.context.route(re.compile(r"^(?!http://127\.0\.0\.1:\d+/).*"), lambda r: r.abort())
        self.context.add_cookies([{"name": "assembly_lang", "value": lang, "url": server.url}])
        self.page = self.context.new_page()

    def set_language(self, lang: str) -> None:
        self.lang = lang
        self.context.add_cookies([{"name": "assembly_lang", "value": lang, "url": self.server.url}])

    def goto(self, path: str, expect: int | None = 200) -> Any:
        response = self.page.goto(path)
        if expect is not None:
            assert response is not None, path
            assert response.status == expect, (path, response.status)
        return response

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        self.goto("/signin")
        form = self.page.locator("main form")
        form.get_by_label("E-mail address").fill(email)
        form.get_by_label("Password").fill(password)
        form.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(re.compile(r"/dashboard"))

    def join(self, code: str, pseudonym: str) -> None:
        self.goto("/join")
        self.page.get_by_label("Invite code").fill(code)
        self.page.get_by_label("Your name in the assembly").fill(pseudonym)
        self.page.get_by_role("button", name="Join", exact=True).click()
        self.page.wait_for_url(re.compile(r"/assemblies/"))

    def submit(self, button: Any) -> None:
        """Click (or press) and wait until the next page has fully loaded, styles included."""
        with self.page.expect_navigation():
            button.click()

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        self.page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser: Any, server: LiveServer) -> Iterator[Any]:
    """A factory of visitors; every context is closed after the test."""
    made: list[Visitor] = []

    def make(**options: Any) -> Visitor:
        made.append(Visitor(browser, server, **options))
        return made[-1]

    yield make
    for one in made:
        one.close()
