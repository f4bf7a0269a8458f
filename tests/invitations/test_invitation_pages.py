"""Invite codes on the facilitator's pages: made, printed once, listed, revoked, expired."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from assemblies.manage_seed import account, audit_actions, login, participant, seed, send
from conftest import TEST_SECRET
from helpers import post_form
from sqlalchemy import select, text

from assembly.db.models import Assembly, InviteCode
from assembly.i18n import translations_for
from assembly.invitations.services import (
    ALPHABET,
    CODE_BITS,
    InviteStatus,
    check_code,
    hash_code,
    invite_status,
    normalise_code,
)

CODE = re.compile(r'<td class="code">([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3})</td>')


def _issue(client: Any, url: str, **fields: str) -> Any:
    page = client.get(url)
    batch = re.search(r'name="batch" value="([^"]+)"', page.text)
    assert batch
    data = {"count": "", "expires_on": "", "labels": "", "batch": batch.group(1), **fields}
    return post_form(client, url, data, form_page=url)


def _invites(db: Any) -> list[InviteCode]:
    return db(lambda s: s.scalars(select(InviteCode).order_by(InviteCode.id))).all()


def _dump(db: Any) -> str:
    """Every value of every table, as text: where a plain code would show if it were stored."""

    async def work(s: Any) -> str:
        names = [
            "invite_codes",
            "audit_events",
            "assemblies",
            "participants",
            "store_items",
        ]
        out = []
        for name in names:
            rows = (await s.execute(text(f"SELECT * FROM {name}"))).all()
            out.extend(repr(tuple(row)) for row in rows)
        return "\n".join(out)

    return db(work)


def test_codes_are_shown_once_with_letters_and_stored_hashed(client: Any, db: Any) -> None:
    s = seed(db, language="nb")
    login(client, s.facilitator)
    url = f"{s.manage}/invitations"
    response = _issue(client, url, count="3", labels="Table 1\nTable 2")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"  # letters print the codes
    codes = CODE.findall(response.text)
    assert len(codes) == 3
    assert len(set(codes)) == 3
    for code in codes:
        symbols = code.replace("-", "")
        assert len(symbols) * 5 == CODE_BITS >= 64
        assert set(symbols) <= set(ALPHABET)
        assert f"http://127.0.0.1:8000/join?code={code}" in response.text
    assert response.text.count('class="invite-sheet"') == 3
    assert response.text.count('lang="nb"') >= 3
    assert response.text.count("<svg") == 3
    assert 'class="qr-code"' in response.text
    # The letters speak the assembly's language (Bokmål here).
    qr_alt = translations_for("nb").gettext("QR code that opens the join page with your code")
    assert qr_alt != "QR code that opens the join page with your code"
    assert f'role="img" aria-label="{qr_alt}"' in response.text
    assert f"<title>{qr_alt}</title>" in response.text
    assert "Table 1" in response.text
    assert "Table 2" in response.text

    invites = _invites(db)
    assert len(invites) == 3
    assert [i.label for i in invites] == ["Table 1", "Table 2", ""]
    stored = {i.code_hash for i in invites}
    assert stored == {hash_code(normalise_code(c) or "", TEST_SECRET) for c in codes}
    dump = _dump(db)
    for code in codes:
        assert code not in dump
        assert code.replace("-", "") not in dump
    assert db(lambda s_: s_.get(Assembly, s.assembly_id)).invited_count == 3
    assert "invitations.issued" in audit_actions(db)

    listing = client.get(url)
    assert listing.status_code == 200
    for code in codes:
        assert code not in listing.text
    assert listing.text.count("Unused") >= 3


def test_one_code_per_label_and_form_errors(client: Any, db: Any) -> None:
    s = seed(db)
    login(client, s.facilitator)
    url = f"{s.manage}/invitations"
    response = _issue(client, url, labels="Anna's letter\nBench 2\n")
    assert response.status_code == 200
    assert len(CODE.findall(response.text)) == 2
    too_many = _issue(client, url, count="1", labels="A\nB")
    assert too_many.status_code == 400
    assert "more labels (2) than codes (1)" in too_many.text
    assert "A\nB</textarea>" in too_many.text
    for count in ("0", "501", "many"):
        bad = _issue(client, url, count=count)
        assert bad.status_code == 400
        assert "from 1 to 500" in bad.text
    past = _issue(client, url, count="1", expires_on="2001-01-01")
    assert past.status_code == 400
    assert "today or later" in past.text
    unreadable = _issue(client, url, count="1", expires_on="1 May")
    assert unreadable.status_code == 400
    assert 'value="1 May"' in unreadable.text
    assert len(_invites(db)) == 2


def test_sending_the_same_form_twice_makes_no_hidden_codes(client: Any, db: Any) -> None:
    s = seed(db)
    login(client, s.facilitator)
    url = f"{s.manage}/invitations"
    page = client.get(url)
    batch = re.search(r'name="batch" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    data = {"count": "2", "batch": batch}
    assert post_form(client, url, data, form_page=url).status_code == 200
    again = post_form(client, url, data, form_page=url)
    assert again.status_code == 400
    assert "already sent" in again.text
    assert not CODE.findall(again.text)
    assert len(_invites(db)) == 2


def test_expiry_status_and_revocation(client: Any, db: Any) -> None:
    s = seed(db)
    login(client, s.facilitator)
    url = f"{s.manage}/invitations"
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).date().isoformat()
    response = _issue(client, url, count="3", expires_on=tomorrow)
    codes = CODE.findall(response.text)
    invites = _invites(db)
    assert all(i.expires_at is not None for i in invites)
    assert "The code can be used until the end of" in response.text

    person = participant(db, s.assembly_id, "Birch 12")

    async def change(session: Any) -> None:
        rows = (await session.scalars(select(InviteCode).order_by(InviteCode.id))).all()
        rows[0].used_at, rows[0].participant_id = dt.datetime.now(dt.UTC), person
        rows[1].expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)

    db(change)
    invites = _invites(db)
    assert [invite_status(i) for i in invites] == ["used", "expired", "unused"]

    async def statuses(session: Any) -> list[InviteStatus]:
        assembly = await session.get(Assembly, s.assembly_id)
        return [(await check_code(session, assembly, c, TEST_SECRET))[0] for c in codes]

    assert db(statuses) == [InviteStatus.USED, InviteStatus.EXPIRED, InviteStatus.OK]

    listing = client.get(url).text
    assert "Used" in listing
    assert "Expired" in listing
    assert "Birch 12" in listing
    assert listing.count("/revoke") == 1  # only the unused code can be revoked
    revoke = f"{url}/{invites[2].id}/revoke"
    assert send(client, revoke, {}, form_page=url).status_code == 303
    assert invite_status(_invites(db)[2]) == "revoked"
    assert db(statuses)[2] == InviteStatus.REVOKED
    assert "invitations.revoked" in audit_actions(db)
    assert send(client, f"{url}/999999/revoke", {}, form_page=url).status_code == 404


def test_who_has_joined_shows_pseudonyms_and_channels(client: Any, db: Any) -> None:
    s = seed(db)
    participant(db, s.assembly_id, "Heron 31")
    participant(db, s.assembly_id, "Paper Lark", channel="paper")
    login(client, s.facilitator)
    page = client.get(f"{s.manage}/invitations").text
    assert "2 participants, shown by pseudonym only." in page
    assert "<td>Heron 31</td><td>Online</td>" in page
    assert "<td>Paper Lark</td><td>Paper</td>" in page


def test_invitation_pages_refuse_outsiders(client: Any, db: Any) -> None:
    s = seed(db)
    other = seed(db, title="Other", facilitator="other@example.org")
    url = f"{s.manage}/invitations"
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")
    account(db, "res@example.org", "researcher")
    login(client, "res@example.org")
    assert client.get(url).status_code == 403
    client.cookies.clear()
    login(client, "other@example.org")
    assert client.get(url).status_code == 403
    assert send(client, url, {"count": "5", "batch": "x"}).status_code == 403
    # Another assembly's invite cannot be revoked through this one.
    issued = _issue(client, f"{other.manage}/invitations", count="1")
    assert issued.status_code == 200
    invite = _invites(db)[0]
    client.cookies.clear()
    login(client, s.facilitator)
    assert send(client, f"{url}/{invite.id}/revoke", {}).status_code == 404
    assert _invites(db)[0].revoked_at is None
    no_token = client.post(
        url,
        content="count=3&batch=abc",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert len(_invites(db)) == 1
