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


def _events(db: Any, action: str) -> list[Any]:
    from sqlalchemy import select

    from assembly.db.models import AuditEvent

    async def work(s: Any) -> list[Any]:
        return list((await s.scalars(select(AuditEvent).where(AuditEvent.action == action))).all())

    return db(work)


def test_failed_sign_ins_are_audited(client: TestClient[Any], db: Any) -> None:
    """The record of a failure is committed on its own, not rolled back with the refusal."""
    _facilitator(db)
    for email in ("fac@example.org", "nobody@example.org"):
        response = post_form(
            client, "/signin", {"email": email, "password": "wrong guess"}, form_page="/signin"
        )
        assert response.status_code == 400
    failures = _events(db, "account.sign_in_failed")
    assert len(failures) == 2
    assert sorted(e.actor_kind for e in failures) == ["account", "system"]
    assert all("nobody" not in str(e.details) for e in failures)  # no typed e-mail kept
    assert _events(db, "account.signed_in") == []
    sign_in(client, "fac@example.org", "correct horse battery")
    assert len(_events(db, "account.signed_in")) == 1


def test_password_hashes_are_checked_off_the_event_loop(
    client: TestClient[Any], db: Any, monkeypatch: Any
) -> None:
    import asyncio
    from typing import Literal

    from argon2 import PasswordHasher

    from assembly.accounts import services

    _facilitator(db)
    on_loop: list[bool] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            try:
                asyncio.get_running_loop()
                on_loop.append(True)
            except RuntimeError:
                on_loop.append(False)
            return super().verify(hash, password)

    monkeypatch.setattr(services, "_hasher", Spy())
    sign_in(client, "fac@example.org", "correct horse battery")
    post_form(client, "/signin", {"email": "x@example.org", "password": "y"}, form_page="/signin")
    assert on_loop == [False, False]
