"""Bad input gets a clear 4xx and stores nothing: over-long fields, invalid UTF-8, huge
bodies, wrong content types and unknown ids.

The HTTP-layer refusals run on SQLite only; validation in the services runs on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.world import World, seed_world
from helpers import csrf_token, post_form
from sqlalchemy import func, select

from assembly.app import MAX_BODY_BYTES
from assembly.db.models import Argument, Participant, Proposal


@pytest.fixture
def world(db: Any) -> World:
    return db(seed_world)


def counts(db: Any) -> tuple[int, int, int]:
    async def work(s: Any) -> tuple[int, int, int]:
        return (
            await s.scalar(select(func.count()).select_from(Proposal)),
            await s.scalar(select(func.count()).select_from(Argument)),
            await s.scalar(select(func.count()).select_from(Participant)),
        )

    return db(work)


def joined(client: Any, world: World) -> None:
    response = post_form(
        client, "/join", {"code": world.codes[0], "pseudonym": "Tester"}, form_page="/join"
    )
    assert response.status_code == 303


def test_over_long_fields_are_refused_with_a_message(client: Any, db: Any, world: World) -> None:
    joined(client, world)
    before = counts(db)
    topic = world.topic_url("proposals")
    first = world.proposal_ids["proposals"][0]
    cases = [
        (f"{topic}/proposals", {"title": "x" * 121, "body": "ok"}, "title"),
        (f"{topic}/proposals", {"title": "ok", "body": "x" * 2001}, "body"),
        (
            f"{topic}/proposals/{first}/arguments",
            {"stance": "pro", "argument": "x" * 5000},
            "argument",
        ),
    ]
    for path, data, field in cases:
        response = post_form(client, path, data, form_page=topic)
        assert response.status_code == 400, (path, response.status_code)
        assert 'class="error-summary"' in response.text
        assert f'id="error-{field}"' in response.text, field
    assert counts(db) == before


def _raw_post(client: Any, path: str, body: bytes, content_type: str) -> Any:
    token = csrf_token(client, "/join")
    return client.post(
        path, content=body, headers={"content-type": content_type, "x-csrftoken": token}
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_invalid_utf8_is_refused(client: Any, db: Any, world: World) -> None:
    before = counts(db)
    response = _raw_post(
        client, "/join", b"code=\xff\xff&pseudonym=\xc3\x28", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "not valid text (UTF-8)" in response.text
    joined(client, world)
    before = (before[0], before[1], before[2] + 1)
    topic = world.topic_url("proposals")
    body = b"title=\xff\xfe\xfa&body=\xc3\x28"
    response = _raw_post(client, f"{topic}/proposals", body, "application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500, response.status_code
    assert counts(db) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_huge_bodies_are_refused(client: Any, db: Any, world: World) -> None:
    joined(client, world)
    before = counts(db)
    topic = world.topic_url("proposals")
    body = b"title=big&body=" + b"x" * (MAX_BODY_BYTES + 1024)
    response = _raw_post(client, f"{topic}/proposals", body, "application/x-www-form-urlencoded")
    assert response.status_code == 413, response.status_code
    assert counts(db) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"title": "json", "body": "json"}'),
        ("text/plain", b"title=plain&body=plain"),
        ("application/xml", b"<title>xml</title>"),
    ],
)
def test_wrong_content_types_store_nothing(
    client: Any, db: Any, world: World, content_type: str, body: bytes
) -> None:
    joined(client, world)
    before = counts(db)
    response = _raw_post(client, f"{world.topic_url('proposals')}/proposals", body, content_type)
    assert 400 <= response.status_code < 500, response.status_code
    assert counts(db) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unknown_ids_get_404(client: Any, db: Any, world: World) -> None:
    joined(client, world)
    before = counts(db)
    topic = world.topic_url("proposals")
    cases = [
        (f"{topic}/proposals/999999/arguments", {"stance": "pro", "argument": "hello"}),
        (f"{topic}/proposals/999999/reaction", {"reaction": "agree"}),
        (f"/assemblies/{world.slug}/topics/no-such-topic/proposals", {"title": "t", "body": ""}),
        ("/assemblies/no-such-assembly/topics/x/proposals", {"title": "t", "body": ""}),
    ]
    for path, data in cases:
        response = post_form(client, path, data, form_page=topic)
        assert response.status_code == 404, (path, response.status_code)
        assert "text/html" in response.headers["content-type"]
    assert client.get(f"{topic}/proposals/999999").status_code == 404
    assert counts(db) == before
