"""Researchers' token pages: make (shown once), list, revoke."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from exports.export_seed import (
    FACILITATOR_EMAIL,
    OTHER_RESEARCHER_EMAIL,
    PASSWORD,
    RESEARCHER_EMAIL,
    sqlite_only,
)
from helpers import post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.api.services import create_token
from assembly.db.models import Account, ApiToken, AuditEvent

TOKEN = re.compile(r'value="(asm_[A-Za-z0-9_-]+)"')


@sqlite_only
def test_token_pages_are_for_researchers_only(client: TestClient[Any]) -> None:
    response = client.get("/research/tokens", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    assert client.get("/research/tokens").status_code == 403


def test_make_list_and_revoke_a_token(client: TestClient[Any], db: Any) -> None:
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    page = client.get("/research/tokens")
    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert "You have no tokens yet." in page.text
    made = post_form(
        client, "/research/tokens", {"name": "Survey analysis"}, form_page="/research/tokens"
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"  # the token in plain text
    raw = TOKEN.search(made.text).group(1)  # type: ignore[union-attr]
    assert "shown only this once" in made.text
    again = client.get("/research/tokens")
    assert raw not in again.text
    assert "Survey analysis" in again.text

    async def stored(s: Any) -> ApiToken:
        return await s.scalar(select(ApiToken))

    token = db(stored)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(token.__dict__)
    assert (
        client.get("/api/v1/assemblies", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )
    revoked = post_form(
        client, f"/research/tokens/{token.id}/revoke", {}, form_page="/research/tokens"
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/research/tokens"
    assert "Revoked" in client.get("/research/tokens").text
    assert (
        client.get("/api/v1/assemblies", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )
    # Revoking twice changes nothing.
    assert (
        post_form(
            client, f"/research/tokens/{token.id}/revoke", {}, form_page="/research/tokens"
        ).status_code
        == 303
    )

    async def actions(s: Any) -> list[str]:
        found = await s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("api.%")))
        return sorted(found.all())

    assert db(actions) == ["api.token_created", "api.token_revoked", "api.token_used"]


@sqlite_only
def test_someone_elses_token_cannot_be_revoked(client: TestClient[Any], db: Any) -> None:
    async def other(s: Any) -> int:
        account = await s.scalar(select(Account).where(Account.email == OTHER_RESEARCHER_EMAIL))
        token, _raw = await create_token(s, account, "theirs")
        return token.id

    token_id = db(other)
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    response = post_form(
        client, f"/research/tokens/{token_id}/revoke", {}, form_page="/research/tokens"
    )
    assert response.status_code == 404
    big = post_form(client, f"/research/tokens/{2**70}/revoke", {}, form_page="/research/tokens")
    assert big.status_code == 404
    no_csrf = client.post(f"/research/tokens/{token_id}/revoke", follow_redirects=False)
    assert no_csrf.status_code == 403


@sqlite_only
def test_a_name_that_is_too_long_is_refused(client: TestClient[Any]) -> None:
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    response = post_form(
        client, "/research/tokens", {"name": "x" * 201}, form_page="/research/tokens"
    )
    assert response.status_code == 400
    assert "at most 200 characters" in response.text
    assert not TOKEN.search(response.text)


@sqlite_only
def test_token_page_is_not_taken_for_an_assembly(client: TestClient[Any]) -> None:
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    page = client.get("/research/tokens")
    assert "API tokens" in page.text
    assert "Download an export" not in page.text
