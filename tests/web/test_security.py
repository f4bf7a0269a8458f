"""Security headers, CSRF, escaping and error pages."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient


def test_security_headers(client: TestClient[Any]) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_post_without_csrf_token_is_refused(client: TestClient[Any]) -> None:
    client.get("/signin")
    response = client.post(
        "/signin",
        content="email=a%40b.c&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403


def test_not_found_page_is_html_in_the_users_language(client: TestClient[Any]) -> None:
    response = client.get("/no/such/page", headers={"accept-language": "nb-NO,nb;q=0.9"})
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert '<html lang="nb" dir="ltr">' in response.text


def test_a_wrong_method_gets_a_page_in_the_users_language(client: TestClient[Any]) -> None:
    # The usual case: a bookmark or a reload of the address a form was sent to.
    page = client.get("/language", headers={"accept-language": "nb"})
    assert page.status_code == 405
    assert "text/html" in page.headers["content-type"]
    assert '<html lang="nb" dir="ltr">' in page.text
    assert "Method Not Allowed" not in page.text
    assert "Denne adressen svarer på et skjema" in page.text
