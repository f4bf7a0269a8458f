"""Return codes: shown once at joining, stored as a slow hash, and the way back in; leaving on
a shared device ends the whole session."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from helpers import Browsers, cheap_password_hashes, sign_in, sqlite_only
from participants.assembly_seed import (
    PASSWORD,
    join,
    participant_id,
    post_form,
    seed_assembly,
)
from sqlalchemy import func, select

from assembly import hashing
from assembly.db.models import AuditEvent, Participant, ReturnCode

CODE = re.compile(r'class="code return-code">([0-9A-Z-]{19})<')


def _shown_code(client: Any, slug: str) -> str:
    page = client.get(f"/assemblies/{slug}/return-code")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    match = CODE.search(page.text)
    assert match, page.text
    return match.group(1)


def _come_back(client: Any, code: str, next_page: str = "") -> Any:
    return post_form(
        client, "/join/return", {"code": code, "next": next_page}, form_page="/join/return"
    )


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


async def _codes(db: Any) -> list[ReturnCode]:
    return list((await db.scalars(select(ReturnCode).order_by(ReturnCode.id))).all())


@sqlite_only
def test_a_citizen_leaves_and_comes_back_as_the_same_participant(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    join(client, seed.codes[0], "Rowan 42")
    code = _shown_code(client, seed.slug)
    # Shown until kept, and only a hash of its secret part is stored.
    assert _shown_code(client, seed.slug) == code
    (stored,) = db(_codes)
    raw = code.replace("-", "")
    assert stored.lookup == raw[:6]
    assert stored.secret_hash.startswith("$argon2id$")
    assert raw[6:] not in stored.secret_hash
    kept = post_form(
        client,
        f"/assemblies/{seed.slug}/return-code/kept",
        {"joined": "1"},
        form_page=f"/assemblies/{seed.slug}",
    )
    assert kept.headers["location"] == f"/assemblies/{seed.slug}?joined=1"
    assert CODE.search(client.get(f"/assemblies/{seed.slug}/return-code").text) is None

    # Every page says who the citizen takes part as, with the way to leave.
    home = client.get("/practices").text
    assert "You take part as Rowan 42 in" in home
    assert 'action="/leave"' in home
    proposal = post_form(
        client,
        f"{seed.topic_url}/proposals",
        {"title": "Benches by the water", "body": "To rest."},
        form_page=seed.topic_url,
    )
    assert proposal.status_code == 303

    old_cookie = client.cookies.get("assembly_session")
    left = post_form(client, "/leave", {}, form_page="/")
    assert left.status_code == 303
    assert left.headers["location"] == "/left"
    assert left.headers["clear-site-data"] == '"cache"'
    assert "You have left on this device" in client.get("/left").text
    refused = client.get(f"{seed.topic_url}/proposals/new")
    assert refused.status_code == 403
    assert "Come back with your return code" in refused.text
    assert "You take part as" not in client.get("/").text
    # The old session is gone from the store too: a copied cookie opens nothing.
    client.cookies.clear()
    client.cookies.set("assembly_session", old_cookie)
    assert "You take part as" not in client.get("/").text

    client.cookies.clear()  # another browser
    target = f"{seed.topic_url}"
    back = _come_back(client, code.lower().replace("-", " "), target)
    assert back.status_code == 303, back.text
    assert back.headers["location"] == target
    page = client.get(seed.topic_url).text
    assert "You take part as Rowan 42" in page
    assert "Benches by the water" in page
    assert "/edit" in page  # the proposal is theirs again
    # A target outside the assembly is not followed.
    outside = _come_back(client, code, "https://elsewhere.example/")
    assert outside.headers["location"] == f"/assemblies/{seed.slug}?returned=1"
    assert "Welcome back, Rowan 42" in client.get(outside.headers["location"]).text

    async def check(s: Any) -> tuple[int, int]:
        returned = await s.scalar(
            select(func.count()).where(AuditEvent.action == "participant.returned")
        )
        people = await s.scalar(select(func.count()).select_from(Participant))
        return int(returned or 0), int(people or 0)

    assert db(check) == (2, 1)


def test_each_wrong_code_has_its_own_message_and_nothing_is_stored(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, codes=3))
    join(client, seed.codes[0], "Heron 7")
    first = _shown_code(client, seed.slug)
    post_form(
        client, f"/assemblies/{seed.slug}/return-code", {}, form_page=f"/assemblies/{seed.slug}"
    )
    newest = _shown_code(client, seed.slug)
    assert newest != first
    wrong_secret = newest[:10] + ("0" if newest[10] != "0" else "1") + newest[11:]
    cases = [
        ("", "Enter your return code."),
        ("hello", "does not look like a return code"),
        ("ZZZZ-ZZZZ-ZZZZ-ZZZZ", "We do not recognise this return code"),
        (wrong_secret, "We do not recognise this return code"),
        (first, "was replaced by a newer one"),
        (seed.codes[0], "has already been used to join"),
        (seed.codes[1], "has not been used yet"),
    ]
    client.cookies.clear()  # another browser
    for code, message in cases:
        response = _come_back(client, code)
        assert response.status_code == 400, code
        assert message in response.text, (code, response.text)
        assert f'value="{code}"' in response.text
    assert "You take part as" not in client.get("/").text
    # The return code typed where the invite code belongs.
    mixed = post_form(client, "/join", {"code": newest, "pseudonym": "Someone"}, form_page="/join")
    assert mixed.status_code == 400
    assert "This is a return code" in mixed.text
    assert _come_back(client, newest).status_code == 303

    async def returned(s: Any) -> int:
        found = await s.scalar(
            select(func.count()).where(AuditEvent.action == "participant.returned")
        )
        return int(found or 0)

    assert db(returned) == 1


@sqlite_only
def test_participants_without_a_code_get_one_and_facilitators_can_replace_it(
    client: Any, db: Any
) -> None:
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    join(client, seed.codes[0], "Lark 3")
    pid = participant_id(db, seed.assembly_id, "Lark 3")

    async def forget(s: Any) -> None:  # as for someone who joined before return codes
        for row in await _codes(s):
            await s.delete(row)

    db(forget)
    post_form(client, f"/assemblies/{seed.slug}/return-code/kept", {}, form_page="/")
    page = client.get(f"/assemblies/{seed.slug}").text
    assert "You have no return code yet" in page
    post_form(client, f"/assemblies/{seed.slug}/return-code", {}, form_page="/")
    own = _shown_code(client, seed.slug)

    people = Browsers(client)
    facilitator = people.use("facilitator")
    sign_in(facilitator, seed.facilitator_email, PASSWORD)
    invitations = f"/manage/assemblies/{seed.slug}/invitations"
    assert "New return code" in facilitator.get(invitations).text
    issued = post_form(
        facilitator, f"{invitations}/participants/{pid}/return-code", {}, form_page=invitations
    )
    assert issued.status_code == 200
    assert issued.headers["cache-control"] == "no-store"
    new = CODE.search(issued.text)
    assert new
    assert new.group(1) != own
    missing = post_form(
        facilitator, f"{invitations}/participants/999999/return-code", {}, form_page="/"
    )
    assert missing.status_code == 404

    later = people.use("later")
    assert "was replaced" in _come_back(later, own).text
    assert _come_back(later, new.group(1)).status_code == 303

    async def events(s: Any) -> list[tuple[str, int | None]]:
        rows = await s.execute(
            select(AuditEvent.actor_kind, AuditEvent.actor_id).where(
                AuditEvent.action == "participant.return_code_issued"
            )
        )
        return [tuple(row) for row in rows]

    kinds = [kind for kind, _id in db(events)]
    assert kinds.count("participant") == 2
    assert kinds.count("account") == 1


@sqlite_only
def test_coming_back_is_rate_limited_like_joining(settings: Any, db: Any) -> None:
    from litestar.testing import TestClient

    from assembly.app import create_app
    from assembly.settings import Settings

    strict = Settings(**{**settings.__dict__, "rate_limit_per_minute": 2})
    with TestClient(app=create_app(strict), base_url="http://127.0.0.1") as limited:
        statuses = [_come_back(limited, "ZZZZ-ZZZZ-ZZZZ-ZZZZ").status_code for _ in range(4)]
    assert statuses[:2] == [400, 400]
    assert statuses[-1] == 429


def test_slow_hashes_run_off_the_event_loop() -> None:
    import asyncio

    seen: list[int] = []

    class Spy:
        def hash(self, secret: str) -> str:
            seen.append(threading.get_ident())
            return hashing.RETURN_CODES.hash(secret)

    async def run() -> bool:
        stored = await hashing.hash_in_thread(Spy(), "ABCDEFGHJK")  # type: ignore[arg-type]
        return await hashing.verify_in_thread(hashing.RETURN_CODES, stored, "ABCDEFGHJK")

    assert asyncio.run(run())
    assert seen
    assert seen[0] != threading.get_ident()


@sqlite_only
def test_the_header_shows_a_typed_pseudonym_as_text(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    join(client, seed.codes[0], "<i>Wren</i>")
    page = client.get("/practices").text
    assert "You take part as &lt;i&gt;Wren&lt;/i&gt; in" in page
    assert "<i>Wren" not in page
