"""The read-only research API: public data, tokens, audit, errors and the OpenAPI schema."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from exports.export_seed import (
    ADMIN_EMAIL,
    OTHER_RESEARCHER_EMAIL,
    RESEARCHER_EMAIL,
    Seeded,
    grant,
    sqlite_only,
)
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.api.services import create_token, revoke_token
from assembly.db.models import Account, ApiToken, Assembly, AuditEvent

API = "/api/v1/assemblies"


def token_for(db: Any, email: str) -> str:
    async def work(s: Any) -> str:
        account = await s.scalar(select(Account).where(Account.email == email))
        _token, raw = await create_token(s, account, "tests")
        return raw

    return db(work)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def set_status(db: Any, status: str) -> None:
    async def work(s: Any) -> None:
        assembly = await s.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        assembly.status = status

    db(work)


def test_public_data_needs_no_token(client: TestClient[Any], seeded: Seeded) -> None:
    listing = client.get(API)
    assert listing.status_code == 200
    body = listing.json()
    assert body["total"] == 1
    assert body["limit"] == 50
    assert body["offset"] == 0
    assert body["items"][0]["slug"] == "harbour"
    assert body["items"][0]["topic_count"] == 4
    topics = client.get(f"{API}/harbour/topics").json()
    slugs = [t["slug"] for t in topics["items"]]
    assert slugs == ["transport", "parks", "housing"]  # the draft topic is not public
    transport = client.get(f"{API}/harbour/topics/transport").json()
    assert transport["voting_method"] == "stv"
    assert transport["result_available"] is True
    proposals = client.get(f"{API}/harbour/topics/transport/proposals").json()
    ids = [p["id"] for p in proposals["items"]]
    assert seeded.proposals["hidden"] not in ids  # hidden proposals never appear
    assert seeded.proposals["night_trains"] in ids  # merged ones do, with their target
    buses = next(p for p in proposals["items"] if p["id"] == seeded.proposals["free_buses"])
    assert buses["reactions"] == {"agree": 8, "disagree": 8, "pass": 8}
    assert "participant" not in str(buses)
    page = client.get(f"{API}/harbour/topics/transport/proposals?limit=2&offset=1").json()
    assert [p["id"] for p in page["items"]] == ids[1:3]
    assert page["total"] == len(ids)
    one = client.get(f"{API}/harbour/topics/transport/proposals/{seeded.proposals['free_buses']}")
    assert one.json()["title"] == "Free buses"
    result = client.get(f"{API}/harbour/topics/transport/result").json()
    assert result["published"] is True
    assert len(result["winners"]) == 2
    assert result["options"][str(seeded.proposals["free_buses"])] == "Free buses"
    # Parks closed without being published: its result is not public yet.
    closed = client.get(f"{API}/harbour/topics/parks/result")
    assert closed.status_code == 404
    assert "No result" in closed.json()["detail"]


@sqlite_only
def test_private_data_needs_a_granted_token(client: TestClient[Any], db: Any) -> None:
    set_status(db, "draft")
    assert client.get(API).json()["total"] == 0
    missing = client.get(f"{API}/harbour")
    assert missing.status_code == 404
    assert "harbour" in missing.json()["detail"]
    ungranted = token_for(db, OTHER_RESEARCHER_EMAIL)
    assert client.get(f"{API}/harbour", headers=bearer(ungranted)).status_code == 404
    db(lambda s: grant(s, "harbour", RESEARCHER_EMAIL))
    token = token_for(db, RESEARCHER_EMAIL)
    assert client.get(API, headers=bearer(token)).json()["total"] == 1
    assert client.get(f"{API}/harbour", headers=bearer(token)).json()["status"] == "draft"
    topics = client.get(f"{API}/harbour/topics", headers=bearer(token)).json()["items"]
    assert "draft-topic" in [t["slug"] for t in topics]
    parks = client.get(f"{API}/harbour/topics/parks/result", headers=bearer(token)).json()
    assert parks["published"] is False
    assert parks["method"] == "approval"
    admin = token_for(db, ADMIN_EMAIL)
    assert client.get(f"{API}/harbour", headers=bearer(admin)).status_code == 200


def test_exports_need_a_token_with_a_grant(client: TestClient[Any], db: Any) -> None:
    anonymous = client.get(f"{API}/harbour/exports")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json() == {"status_code": 401, "detail": "Exports need a researcher token."}
    assert client.get(f"{API}/harbour/exports/datapackage").status_code == 401
    ungranted = token_for(db, OTHER_RESEARCHER_EMAIL)
    refused = client.get(f"{API}/harbour/exports", headers=bearer(ungranted))
    assert refused.status_code == 403
    assert "granted" in refused.json()["detail"]
    assert client.get(f"{API}/harbour/exports/polis", headers=bearer(ungranted)).status_code == 403
    db(lambda s: grant(s, "harbour", RESEARCHER_EMAIL))
    token = token_for(db, RESEARCHER_EMAIL)
    listing = client.get(f"{API}/harbour/exports", headers=bearer(token)).json()
    assert [f["format"] for f in listing["formats"]] == ["datapackage", "polis", "json"]
    assert listing["topics_with_ballots"] == ["parks", "transport"]
    download = client.get(f"{API}/harbour/exports/datapackage?k=3", headers=bearer(token))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert "datapackage.json" in names
    assert "ballots/transport.blt" in names
    unknown = client.get(f"{API}/harbour/exports/xml", headers=bearer(token))
    assert unknown.status_code == 404
    assert "datapackage, polis, json" in unknown.json()["detail"]

    async def exported(s: Any) -> list[AuditEvent]:
        found = await s.scalars(select(AuditEvent).where(AuditEvent.action == "research.exported"))
        return list(found.all())

    (event,) = db(exported)
    assert event.actor_kind == "token"
    assert event.details["via"] == "api"
    assert event.details["k"] == 3


@sqlite_only
def test_every_token_use_is_audited_and_revoked_tokens_are_refused(
    client: TestClient[Any], db: Any
) -> None:
    token = token_for(db, RESEARCHER_EMAIL)
    assert client.get(API, headers=bearer(token)).status_code == 200
    assert client.get(f"{API}/nowhere", headers=bearer(token)).status_code == 404

    async def uses(s: Any) -> tuple[list[AuditEvent], ApiToken]:
        events = await s.scalars(
            select(AuditEvent).where(AuditEvent.action == "api.token_used").order_by(AuditEvent.id)
        )
        stored = await s.scalar(select(ApiToken))
        return list(events.all()), stored

    events, stored = db(uses)
    assert [e.details["path"] for e in events] == [API, f"{API}/nowhere"]
    assert all(e.actor_kind == "token" and e.actor_id == stored.id for e in events)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.last_used_at is not None

    async def revoke(s: Any) -> None:
        account = await s.scalar(select(Account).where(Account.email == RESEARCHER_EMAIL))
        await revoke_token(s, account, stored.id)

    db(revoke)
    refused = client.get(API, headers=bearer(token))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    for header in ("Bearer asm_not-a-real-token", "Basic dXNlcjpwdw==", "Bearer", "Bearer x" * 50):
        answer = client.get(API, headers={"Authorization": header})
        assert answer.status_code == 401, header
    assert len(db(uses)[0]) == 2  # refused tokens are not uses


MALFORMED = [
    (f"{API}?limit=abc", 400, "limit"),
    (f"{API}?limit=0", 400, "limit"),
    (f"{API}?limit=100000", 400, "limit"),
    (f"{API}?offset=-1", 400, "offset"),
    (f"{API}/no-such-assembly", 404, "no-such-assembly"),
    (f"{API}/bad%00slug/topics", 404, "no assembly"),
    (f"{API}/{'x' * 500}", 404, "no assembly"),
    (f"{API}/harbour/topics/nope", 404, "no topic 'nope'"),
    (f"{API}/harbour/topics/draft-topic", 404, "no topic"),
    (f"{API}/harbour/topics/transport/proposals/abc", 400, "whole number"),
    (f"{API}/harbour/topics/transport/proposals/-4", 400, "whole number"),
    (f"{API}/harbour/topics/transport/proposals/{'9' * 30}", 400, "whole number"),
    (f"{API}/harbour/topics/transport/proposals/999999", 404, "no proposal 999999"),
    (f"{API}/harbour/topics/housing/result", 404, "No result"),
    (f"{API}/harbour/exports/datapackage?k=abc", 400, "k"),
    (f"{API}/harbour/exports/datapackage", 401, "token"),
]


@sqlite_only
def test_malformed_requests_get_a_clear_4xx(client: TestClient[Any]) -> None:
    for path, status, words in MALFORMED:
        response = client.get(path)
        assert response.status_code == status, path
        body = response.json()
        assert body["status_code"] == status, path
        assert words.lower() in body["detail"].lower(), path


@sqlite_only
def test_bad_export_parameters_with_a_token(client: TestClient[Any], db: Any) -> None:
    db(lambda s: grant(s, "harbour", RESEARCHER_EMAIL))
    token = token_for(db, RESEARCHER_EMAIL)
    for query in ("k=abc", "k=0", "k=5000"):
        response = client.get(f"{API}/harbour/exports/json?{query}", headers=bearer(token))
        assert response.status_code == 400
        assert "k" in response.json()["detail"]


@sqlite_only
def test_openapi_schema_lists_the_api(client: TestClient[Any]) -> None:
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/assemblies",
        "/api/v1/assemblies/{slug}",
        "/api/v1/assemblies/{slug}/topics",
        "/api/v1/assemblies/{slug}/topics/{topic_slug}",
        "/api/v1/assemblies/{slug}/topics/{topic_slug}/proposals",
        "/api/v1/assemblies/{slug}/topics/{topic_slug}/proposals/{proposal_id}",
        "/api/v1/assemblies/{slug}/topics/{topic_slug}/result",
        "/api/v1/assemblies/{slug}/exports",
        "/api/v1/assemblies/{slug}/exports/{format_name}",
    ):
        assert "get" in paths[path], path
    listing = paths["/api/v1/assemblies"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "offset"}
    assert (
        "Authorization: Bearer" in paths["/api/v1/assemblies/{slug}/exports"]["get"]["description"]
    )
    components = schema.json()["components"]["schemas"]
    assert any("AssemblyList" in name for name in components)
    assert not [p for p in paths if p.startswith("/research")]
