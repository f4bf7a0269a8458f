"""Helpers for route tests: CSRF-aware form posts and sign-in."""

from __future__ import annotations

import re
from typing import Any

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
