"""CSRF beyond the double-submit cookie: the request's origin, and a token bound to the session;
HSTS and __Host- cookies behind HTTPS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import csrf_token, sign_in, sqlite_only
from litestar.testing import TestClient

from assembly.accounts.services import create_account
from assembly.app import create_app
from assembly.settings import Settings

EMAIL, PASSWORD = "fac@example.org", "correct horse battery"


@pytest.fixture
def signed_in(client: TestClient[Any], db: Any) -> TestClient[Any]:
    db(lambda s: create_account(s, EMAIL, PASSWORD, "facilitator"))
    sign_in(client, EMAIL, PASSWORD)
    return client


def _signout(client: TestClient[Any], token: str, **headers: str) -> Any:
    return client.post(
        "/signout",
        content=f"_csrf_token={token}",
        headers={"content-type": "application/x-www-form-urlencoded", **headers},
        follow_redirects=False,
    )


@sqlite_only
def test_a_form_sent_from_another_site_is_refused(signed_in: TestClient[Any]) -> None:
    token = csrf_token(signed_in, "/dashboard")
    assert _signout(signed_in, token, origin="https://evil.example").status_code == 403
    assert _signout(signed_in, token, referer="https://evil.example/x").status_code == 403
    assert signed_in.get("/dashboard", follow_redirects=False).status_code == 200
    assert _signout(signed_in, token, origin="http://127.0.0.1").status_code == 303


@sqlite_only
def test_a_planted_token_does_not_work_for_a_session(
    signed_in: TestClient[Any], settings: Settings
) -> None:
    """A valid token pair from another browser (an attacker's) is refused for this session."""
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as attacker:
        attacker_token = csrf_token(attacker, "/signin")
        attacker_cookie = attacker.cookies.get("assembly_csrf")
    own_cookie = signed_in.cookies.get("assembly_csrf")
    signed_in.cookies.delete("assembly_csrf")
    signed_in.cookies.set("assembly_csrf", attacker_cookie)
    response = _signout(signed_in, attacker_token)
    assert response.status_code == 403
    assert "earlier visit" in response.text
    signed_in.cookies.delete("assembly_csrf")
    signed_in.cookies.set("assembly_csrf", own_cookie)
    assert _signout(signed_in, csrf_token(signed_in, "/dashboard")).status_code == 303


@sqlite_only
def test_signing_in_gives_a_new_token(client: TestClient[Any], db: Any) -> None:
    db(lambda s: create_account(s, EMAIL, PASSWORD, "facilitator"))
    before = csrf_token(client, "/signin")
    sign_in(client, EMAIL, PASSWORD)
    after = csrf_token(client, "/dashboard")
    assert after != before


@sqlite_only
def test_a_browser_that_lost_its_csrf_cookie_can_still_send_forms(
    signed_in: TestClient[Any],
) -> None:
    signed_in.cookies.delete("assembly_csrf")
    token = csrf_token(signed_in, "/dashboard")
    assert _signout(signed_in, token).status_code == 303


@pytest.fixture
def secure_client(settings: Settings) -> Iterator[TestClient[Any]]:
    secure = Settings(**{**settings.__dict__, "secure_cookies": True})
    with TestClient(app=create_app(secure), base_url="https://127.0.0.1") as test_client:
        yield test_client


@sqlite_only
def test_https_sends_hsts_and_host_prefixed_cookies(
    secure_client: TestClient[Any], client: TestClient[Any]
) -> None:
    response = secure_client.get("/signin")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("__Host-assembly_csrf=") and "Secure" in c for c in cookies)
    assert "strict-transport-security" not in client.get("/signin").headers
