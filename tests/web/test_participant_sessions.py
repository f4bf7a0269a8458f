"""A citizen's session lasts while their assembly runs (not a staff session's 14 days), and
ends when the assembly ends; a signed-in account's session keeps its shorter lifetime."""

from __future__ import annotations

from typing import Any

from helpers import cheap_password_hashes, sign_in
from participants.assembly_seed import PASSWORD, join, seed_assembly
from sqlalchemy import select

from assembly.db.models import Assembly
from assembly.settings import Settings


def _expires_in(client: Any) -> int:
    store = client.app.stores.get("sessions")
    key = client.cookies.get("assembly_session")
    found = client.blocking_portal.call(store.expires_in, key)
    assert found is not None
    return int(found)


def test_a_citizens_session_lasts_while_the_assembly_runs(
    client: Any, db: Any, settings: Settings
) -> None:
    seed = db(lambda s: seed_assembly(s))
    joined = join(client, seed.codes[0], "Rowan 42")
    assert f"Max-Age={settings.participant_session_max_age}" in joined.headers["set-cookie"]
    assert _expires_in(client) > settings.session_max_age
    assert _expires_in(client) <= settings.participant_session_max_age
    assert "You take part as Rowan 42" in client.get("/").text

    async def archive(s: Any) -> None:
        assembly = await s.scalar(select(Assembly).where(Assembly.id == seed.assembly_id))
        assembly.status = "archived"

    db(archive)
    # The assembly has ended: the browser no longer takes part in it.
    assert "You take part as" not in client.get("/").text
    assert client.get(f"{seed.topic_url}/proposals/new").status_code in (403, 404)


def test_a_signed_in_account_keeps_the_shorter_lifetime(
    client: Any, db: Any, settings: Settings, monkeypatch: Any
) -> None:
    cheap_password_hashes(monkeypatch)
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    sign_in(client, seed.facilitator_email, PASSWORD)
    assert client.get("/dashboard").status_code == 200
    assert _expires_in(client) <= settings.session_max_age
