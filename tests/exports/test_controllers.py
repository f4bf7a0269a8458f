"""The researchers' export page and the streamed ZIP download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import frictionless
from exports.export_seed import (
    ADMIN_EMAIL,
    FACILITATOR_EMAIL,
    OTHER_RESEARCHER_EMAIL,
    PASSWORD,
    RESEARCHER_EMAIL,
    grant,
    sqlite_only,
)
from helpers import sign_in
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.db.models import AuditEvent
from assembly.exports.recount import recount_package


@sqlite_only
def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient[Any]) -> None:
    response = client.get("/research/harbour", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")
    response = client.get("/research/harbour/export.zip", follow_redirects=False)
    assert response.status_code == 303


@sqlite_only
def test_researchers_without_a_grant_and_other_facilitators_get_403(
    client: TestClient[Any], db: Any
) -> None:
    sign_in(client, OTHER_RESEARCHER_EMAIL, PASSWORD)
    assert client.get("/research/harbour").status_code == 403
    assert client.get("/research/harbour/export.zip").status_code == 403
    db(lambda s: create_account(s, "other.facilitator@example.org", PASSWORD, "facilitator"))
    client.post("/signout", follow_redirects=False)
    client.cookies.clear()
    sign_in(client, "other.facilitator@example.org", PASSWORD)
    assert client.get("/research/harbour").status_code == 403
    assert client.get("/research/no-such-assembly").status_code == 404


def test_granted_researcher_sees_the_page_and_downloads_a_valid_package(
    client: TestClient[Any], db: Any, tmp_path: Path
) -> None:
    db(lambda s: grant(s, "harbour", RESEARCHER_EMAIL))
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    page = client.get("/research/harbour")
    assert page.status_code == 200
    assert page.text.count("<h1>") == 1
    assert 'action="/research/harbour/export.zip"' in page.text
    assert "What should we do about transport?" in page.text
    assert 'href="/research/tokens"' in page.text
    response = client.get("/research/harbour/export.zip?format=datapackage&k=5")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="harbour-datapackage-')
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    archive.extractall(tmp_path)
    assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
    assert {row.status for row in recount_package(tmp_path)} == {"match"}

    async def events(s: Any) -> list[AuditEvent]:
        found = await s.scalars(select(AuditEvent).where(AuditEvent.action == "research.exported"))
        return list(found.all())

    (event,) = db(events)
    assert event.actor_kind == "account"
    assert event.details["via"] == "web"
    assert event.details["format"] == "datapackage"
    assert event.details["k"] == 5


@sqlite_only
def test_facilitators_and_admins_may_export_every_format(client: TestClient[Any]) -> None:
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    page = client.get("/research/harbour")
    assert page.status_code == 200
    assert 'href="/research/tokens"' not in page.text
    polis = client.get("/research/harbour/export.zip?format=polis")
    names = zipfile.ZipFile(io.BytesIO(polis.content)).namelist()
    assert "transport/participants-votes.csv" in names
    assert "export.json" in names
    client.post("/signout", follow_redirects=False)
    client.cookies.clear()
    sign_in(client, ADMIN_EMAIL, PASSWORD)
    response = client.get("/research/harbour/export.zip?format=json&k=2")
    assert response.status_code == 200
    assert "reactions.jsonl" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


@sqlite_only
def test_bad_export_requests_show_the_form_with_errors(client: TestClient[Any], db: Any) -> None:
    db(lambda s: grant(s, "harbour", RESEARCHER_EMAIL))
    sign_in(client, RESEARCHER_EMAIL, PASSWORD)
    for query in ("format=xml", "k=0", "k=abc", "k=99999999999999999999", "format=polis&k=-1"):
        response = client.get(f"/research/harbour/export.zip?{query}")
        assert response.status_code == 400, query
        assert "There is a problem" in response.text
        assert response.headers["content-type"].startswith("text/html")

    async def exported(s: Any) -> int:
        return len(
            (
                await s.scalars(select(AuditEvent).where(AuditEvent.action == "research.exported"))
            ).all()
        )

    assert db(exported) == 0
