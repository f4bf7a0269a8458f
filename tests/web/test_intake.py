"""Request intake: oversized bodies are refused before the database, static files never touch it."""

from __future__ import annotations

from typing import Any

from helpers import csrf_token, sign_in, sqlite_only
from litestar.testing import TestClient
from sqlalchemy import event

from assembly.accounts.services import create_account
from assembly.app import MAX_BODY_BYTES


@sqlite_only
def test_an_oversized_body_gets_413_in_the_readers_language(client: TestClient[Any]) -> None:
    token = csrf_token(client, "/join")
    response = client.post(
        "/join",
        content=b"code=" + b"x" * (MAX_BODY_BYTES + 10),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-csrftoken": token,
            "accept-language": "nb",
        },
    )
    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    assert "Ingenting ble lagret" in response.text


@sqlite_only
def test_static_files_never_touch_the_database(client: TestClient[Any], db: Any) -> None:
    db(lambda s: create_account(s, "fran@example.org", "correct horse battery", "facilitator"))
    sign_in(client, "fran@example.org", "correct horse battery")
    assert client.cookies.get("assembly_session")
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = client.app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/static/css/app.css")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert statements == []
    # The session still works after it.
    assert client.get("/dashboard", follow_redirects=False).status_code == 200
