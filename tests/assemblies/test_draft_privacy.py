"""A draft assembly's slug does not leak: to other facilitators it is as missing as no slug."""

from __future__ import annotations

from typing import Any

from browser.world import FACILITATOR, PASSWORD, seed_world
from helpers import sign_in

from assembly.accounts.services import create_account
from assembly.db.models import Assembly


def test_a_draft_of_another_facilitator_answers_like_a_missing_one(client: Any, db: Any) -> None:
    async def work(s: Any) -> None:
        await seed_world(s)
        owner = await create_account(s, "owner@example.org", PASSWORD, "facilitator")
        s.add(Assembly(slug="secret-plan", title="Secret", status="draft", facilitators=[owner]))

    db(work)
    sign_in(client, FACILITATOR, PASSWORD)
    for path in ("", "/invitations", "/sortition"):
        draft = client.get(f"/manage/assemblies/secret-plan{path}", follow_redirects=False)
        missing = client.get(f"/manage/assemblies/no-such-slug{path}", follow_redirects=False)
        assert draft.status_code == missing.status_code == 404, path
    assert client.get("/assemblies/secret-plan").status_code == 404
