"""Helpers for route tests: CSRF-aware form posts and sign-in."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from litestar.testing import TestClient

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient[Any], path: str = "/") -> str:
    response = client.get(path)
    match = CSRF_FIELD.search(response.text)
    if match:
        return match.group(1)
    token = client.cookies.get("assembly_csrf")
    assert token, f"no CSRF token on {path}"
    return token


def post_form(
    client: TestClient[Any],
    path: str,
    data: dict[str, Any] | list[tuple[str, str]],
    *,
    form_page: str | None = None,
    follow: bool = False,
) -> Any:
    token = csrf_token(client, form_page or "/")
    items = list(data.items()) if isinstance(data, dict) else list(data)
    expanded: list[tuple[str, str]] = []
    for key, value in items:
        if isinstance(value, list | tuple):
            expanded.extend((key, str(v)) for v in value)
        else:
            expanded.append((key, str(value)))
    expanded.append(("_csrf_token", token))
    return client.post(
        path,
        content="&".join(f"{_q(k)}={_q(v)}" for k, v in expanded),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=follow,
    )


def _q(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


def sign_in(client: TestClient[Any], email: str, password: str) -> Any:
    response = post_form(
        client,
        "/signin",
        {"email": email, "password": password, "next": "/dashboard"},
        form_page="/signin",
    )
    assert response.status_code == 303, response.text
    return response


# For tests about what the files say rather than how the database is read: SQLite alone (the
# tests that stay on both databases cover the PostgreSQL paths).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts hash their passwords cheaply in a test that is not about hashing: a real
    argon2id hash takes a good part of a second on a shared machine."""
    from argon2 import PasswordHasher

    from assembly import hashing
    from assembly.accounts import services

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(services, "_hasher", cheap)
    monkeypatch.setattr(hashing, "PASSWORDS", cheap)


class Browsers:
    """Several people on one test client, each with their own cookies (cheaper than one app
    per person): ``use(name)`` puts that person's cookies in the client."""

    def __init__(self, client: TestClient[Any]) -> None:
        self.client = client
        self.jars: dict[str, list[Any]] = {}
        self.current = ""

    def use(self, name: str) -> TestClient[Any]:
        if self.current:
            self.jars[self.current] = list(self.client.cookies.jar)
        self.client.cookies.clear()
        for cookie in self.jars.get(name, []):
            self.client.cookies.jar.set_cookie(cookie)
        self.current = name
        return self.client


def pdf_text(data: bytes) -> str:
    """The text of a PDF as a reader extracts it (through the embedded font's Unicode map)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
