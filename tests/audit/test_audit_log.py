"""The audit log pages: readable, filtered, paginated, for the right people only, and never
naming a participant or placing a secret ballot next to its voter."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import cheap_password_hashes, post_form, sign_in, sqlite_only
from participants.assembly_seed import PASSWORD, add_proposals, join, seed_assembly
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.audit.services import PAGE_SIZE, record_event
from assembly.db.models import Account

ROWS = re.compile(r"<tr>\s*<td>", re.S)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


def _table(html: str) -> str:
    start = html.index('class="audit-table"') if 'class="audit-table"' in html else 0
    return html[start : html.index("</table>", start) if start else 0]


def test_facilitators_read_their_assemblys_log(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting", facilitator=True))
    other = db(lambda s: seed_assembly(s, slug="other", facilitator=True))
    ids = add_proposals(db, seed.topic_id, ["Park", "Pier"])
    join(client, seed.codes[0], "Secret Voter")
    voted = post_form(
        client, f"{seed.topic_url}/vote", [("choice", str(ids[0]))], form_page=seed.topic_url
    )
    assert voted.status_code == 200
    client.cookies.clear()
    sign_in(client, seed.facilitator_email, PASSWORD)
    log = client.get(f"/manage/assemblies/{seed.slug}/audit")
    assert log.status_code == 200
    table = _table(log.text)
    assert "Participant joined" in table
    assert "Return code made" in table
    assert "a participant" in table
    # Nobody is named, and the secret ballot is only counted, away from the list.
    assert "Secret Voter" not in log.text
    assert "Ballot cast" not in table
    secret = log.text[log.text.index("Secret ballots, per topic and day") :]
    assert "Ballot cast" in secret
    assert "<td>1</td>" in secret
    assert "How should we use the old harbour?" in secret

    joined = client.get(f"/manage/assemblies/{seed.slug}/audit?kind=participant.joined")
    assert len(ROWS.findall(_table(joined.text))) == 1
    assert "Secret ballots, per topic" not in joined.text
    facilitator = db(
        lambda s: s.scalar(select(Account.id).where(Account.email == seed.facilitator_email))
    )
    mine = client.get(f"/manage/assemblies/{seed.slug}/audit?actor=account:{facilitator}")
    assert "No events match." in mine.text
    # In Bokmål the actions read in Bokmål.
    client.cookies.set("assembly_lang", "nb")
    norsk = client.get(f"/manage/assemblies/{seed.slug}/audit")
    assert 'lang="nb"' in norsk.text
    assert "Participant joined" not in norsk.text
    client.cookies.set("assembly_lang", "en")
    # Another assembly's log is not theirs.
    assert client.get(f"/manage/assemblies/{other.slug}/audit").status_code == 403


@sqlite_only
def test_the_log_is_paginated_and_admins_see_every_assembly(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))

    async def fill(s: Any) -> None:
        await create_account(s, "ada@example.org", PASSWORD, "admin", "Ada")
        for n in range(PAGE_SIZE + 5):
            await record_event(
                s, "topic.updated", actor_kind="system", assembly_id=seed.assembly_id, n=n
            )

    db(fill)
    sign_in(client, "ada@example.org", PASSWORD)
    everything = client.get(f"/admin/audit?assembly={seed.assembly_id}")
    assert everything.status_code == 200
    assert len(ROWS.findall(_table(everything.text))) == PAGE_SIZE
    older = re.search(r'href="(/admin/audit\?[^"]*page=2)"', everything.text)
    assert older, everything.text
    second = client.get(older.group(1).replace("&amp;", "&"))
    # The five left over, and the seed's own "invite codes made".
    assert len(ROWS.findall(_table(second.text))) == 6
    assert "Newer events" in second.text
    # Events outside any assembly: the administrator's own sign-in, shown by account.
    outside = client.get("/admin/audit?assembly=none&kind=account.signed_in")
    assert "Signed in" in _table(outside.text)
    assert "ada@example.org" in _table(outside.text)
    assert client.get("/admin/audit?page=abc&actor=nonsense").status_code == 200
