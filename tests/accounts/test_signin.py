"""Signing in and out: errors keep the e-mail, the session id changes, attempts are limited."""

from __future__ import annotations

from typing import Any

from helpers import post_form, sign_in
from litestar.testing import TestClient

from assembly.accounts.services import create_account


def _facilitator(db: Any) -> None:
    db(lambda s: create_account(s, "fac@example.org", "correct horse battery", "facilitator"))


def test_sign_in_and_out(client: TestClient[Any], db: Any) -> None:
    _facilitator(db)
    client.get("/signin")
    before = client.cookies.get("assembly_session")
    sign_in(client, "fac@example.org", "correct horse battery")
    after = client.cookies.get("assembly_session")
    assert after
    assert after != before
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "fac@example.org" in response.text
    post_form(client, "/signout", {}, form_page="/dashboard")
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_wrong_password_keeps_email_and_says_why(client: TestClient[Any], db: Any) -> None:
    _facilitator(db)
    response = post_form(
        client, "/signin", {"email": "fac@example.org", "password": "nope"}, form_page="/signin"
    )
    assert response.status_code == 400
    assert 'value="fac@example.org"' in response.text
    assert "error-summary" in response.text


def test_session_cookie_flags(client: TestClient[Any], db: Any) -> None:
    _facilitator(db)
    response = post_form(
        client,
        "/signin",
        {"email": "fac@example.org", "password": "correct horse battery"},
        form_page="/signin",
    )
    cookie = next(h for h in response.headers.get_list("set-cookie") if "assembly_session=" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie


def test_open_redirect_is_refused(client: TestClient[Any], db: Any) -> None:
    _facilitator(db)
    response = post_form(
        client,
        "/signin",
        {"email": "fac@example.org", "password": "correct horse battery", "next": "//evil.example"},
        form_page="/signin",
    )
    assert response.headers["location"] == "/dashboard"
