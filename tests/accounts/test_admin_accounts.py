"""Administration in the browser: accounts made, disabled and enabled again, and one-time
password links that work once, in time, and only the newest."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import Browsers, cheap_password_hashes, post_form, sign_in, sqlite_only
from sqlalchemy import select, update

from assembly.accounts.services import create_account
from assembly.cli import main
from assembly.db.models import Account, AuditEvent, PasswordLink

PASSWORD = "correct horse battery"
LINK = re.compile(r'class="password-link">http://[^/]+(/account/reset/([0-9A-Z-]+))<')


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


def _admin(db: Any, email: str = "ada@example.org") -> None:
    db(lambda s: create_account(s, email, PASSWORD, "admin", "Ada"))


def _choose(client: Any, path: str, password: str, confirmation: str | None = None) -> Any:
    return post_form(
        client,
        path,
        {"password": password, "confirmation": password if confirmation is None else confirmation},
        form_page=path,
    )


@sqlite_only
def test_an_admin_creates_an_account_whose_holder_chooses_the_password(
    client: Any, db: Any
) -> None:
    _admin(db)
    sign_in(client, "ada@example.org", PASSWORD)
    assert client.get("/admin/accounts/new").status_code == 200
    bad = post_form(
        client,
        "/admin/accounts",
        {"email": "not-an-address", "display_name": "Fran", "role": "owner"},
        form_page="/admin/accounts/new",
    )
    assert bad.status_code == 400
    assert "Enter a valid e-mail address." in bad.text
    assert 'value="Fran"' in bad.text
    made = post_form(
        client,
        "/admin/accounts",
        {"email": "Fran@Example.org", "display_name": "Fran", "role": "facilitator"},
        form_page="/admin/accounts/new",
    )
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    match = LINK.search(made.text)
    assert match, made.text
    path, code = match.groups()
    assert code in made.text

    client.cookies.clear()  # the account holder, in their own browser
    holder = client
    # No password works before one is chosen.
    refused = post_form(
        holder, "/signin", {"email": "fran@example.org", "password": "!"}, form_page="/signin"
    )
    assert refused.status_code == 400
    form = holder.get(path)
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    assert "fran@example.org" in form.text
    assert "Choose your password" in form.text
    short = _choose(holder, path, "short")
    assert short.status_code == 400
    assert "at least 10 characters" in short.text
    differ = _choose(holder, path, "a long new password", "another long password")
    assert differ.status_code == 400
    assert "not the same" in differ.text
    done = _choose(holder, path, "a long new password")
    assert done.status_code == 303
    assert done.headers["location"] == "/signin?password_set=1"
    assert "Your password is saved" in holder.get(done.headers["location"]).text
    sign_in(holder, "fran@example.org", "a long new password")
    assert holder.get("/manage/assemblies/new").status_code == 200
    # Used once, the link is gone, and says so; typing the code says the same.
    again = holder.get(path)
    assert again.status_code == 410
    assert "already been used" in again.text
    typed = holder.get(f"/account/reset?code={code.lower().replace('-', ' ')}")
    assert typed.status_code == 410
    assert _choose(holder, path, "a third long password").status_code == 410

    async def audit(s: Any) -> list[tuple[str, str, int | None]]:
        rows = await s.execute(
            select(AuditEvent.action, AuditEvent.actor_kind, AuditEvent.actor_id).order_by(
                AuditEvent.id
            )
        )
        return [tuple(row) for row in rows]

    events = db(audit)
    admin_id = db(lambda s: s.scalar(select(Account.id).where(Account.email == "ada@example.org")))
    assert ("account.created", "account", admin_id) in events
    assert ("account.password_link_made", "account", admin_id) in events
    assert any(action == "account.password_set" for action, _k, _i in events)

    async def stored(s: Any) -> tuple[str, str]:
        link = await s.scalar(select(PasswordLink))
        return link.code_hash, link.purpose

    code_hash, purpose = db(stored)
    assert purpose == "welcome"
    assert code.replace("-", "") not in code_hash


@sqlite_only
def test_password_links_expire_are_replaced_and_unknown_ones_are_refused(
    client: Any, db: Any
) -> None:
    _admin(db)
    db(lambda s: create_account(s, "reese@example.org", PASSWORD, "researcher"))
    reese = db(lambda s: s.scalar(select(Account.id).where(Account.email == "reese@example.org")))
    sign_in(client, "ada@example.org", PASSWORD)

    def make_link() -> str:
        page = post_form(
            client, f"/admin/accounts/{reese}/password-link", {}, form_page="/admin/accounts"
        )
        assert page.status_code == 200
        assert "Their current password keeps working" in page.text
        found = LINK.search(page.text)
        assert found
        return found.group(1)

    first, second = make_link(), make_link()
    client.cookies.clear()  # the account holder, in their own browser
    holder = client
    replaced = holder.get(first)
    assert replaced.status_code == 410
    assert "A newer link was made" in replaced.text
    unknown = holder.get("/account/reset/ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    assert unknown.status_code == 404
    assert "not valid" in unknown.text

    async def expire(s: Any) -> None:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        await s.execute(update(PasswordLink).values(expires_at=past))

    db(expire)
    expired = _choose(holder, second, "a long new password")
    assert expired.status_code == 410
    assert "has expired" in expired.text
    # The old password still works: nothing was changed.
    sign_in(holder, "reese@example.org", PASSWORD)


def test_accounts_are_disabled_and_enabled_and_one_admin_always_remains(
    client: Any, db: Any
) -> None:
    _admin(db)
    db(lambda s: create_account(s, "fran@example.org", PASSWORD, "facilitator"))
    ids = dict(db(lambda s: _ids(s)))
    people = Browsers(client)
    admin = people.use("admin")
    sign_in(admin, "ada@example.org", PASSWORD)
    fran = people.use("fran")
    sign_in(fran, "fran@example.org", PASSWORD)
    admin = people.use("admin")
    disabled = post_form(
        admin, f"/admin/accounts/{ids['fran@example.org']}/disable", {}, form_page="/"
    )
    assert disabled.status_code == 303
    assert "is disabled" in admin.get(disabled.headers["location"]).text
    link = post_form(
        admin, f"/admin/accounts/{ids['fran@example.org']}/password-link", {}, form_page="/"
    )
    assert link.status_code == 409
    assert "This account is disabled" in link.text
    # Signed out at once, and cannot sign in again.
    fran = people.use("fran")
    assert fran.get("/dashboard", follow_redirects=False).status_code == 303
    refused = post_form(
        fran, "/signin", {"email": "fran@example.org", "password": PASSWORD}, form_page="/"
    )
    assert refused.status_code == 400
    admin = people.use("admin")
    post_form(admin, f"/admin/accounts/{ids['fran@example.org']}/enable", {}, form_page="/")
    sign_in(people.use("fran"), "fran@example.org", PASSWORD)
    people.use("admin")

    # The only active administrator cannot disable themselves.
    alone = post_form(
        client, f"/admin/accounts/{ids['ada@example.org']}/disable", {}, form_page="/"
    )
    assert alone.status_code == 409
    assert "only active administrator" in alone.text
    assert client.get("/admin/accounts").status_code == 200
    # With a second administrator, they can.
    _admin(db, "bo@example.org")
    bye = post_form(client, f"/admin/accounts/{ids['ada@example.org']}/disable", {}, form_page="/")
    assert bye.status_code == 303
    assert client.get("/admin/accounts", follow_redirects=False).status_code == 303


async def _ids(s: Any) -> list[tuple[str, int]]:
    return [(email, i) for email, i in await s.execute(select(Account.email, Account.id))]


@sqlite_only
def test_admin_pages_are_for_admins_only(client: Any, db: Any) -> None:
    db(lambda s: create_account(s, "fran@example.org", PASSWORD, "facilitator"))
    assert client.get("/admin/accounts", follow_redirects=False).status_code == 303
    sign_in(client, "fran@example.org", PASSWORD)
    for path in ("/admin/accounts", "/admin/accounts/new", "/admin/audit"):
        assert client.get(path).status_code == 403, path
    made = post_form(
        client,
        "/admin/accounts",
        {"email": "x@example.org", "role": "admin"},
        form_page="/dashboard",
    )
    assert made.status_code == 403
    assert (
        db(lambda s: s.scalar(select(Account.id).where(Account.email == "x@example.org"))) is None
    )


@sqlite_only
def test_the_command_line_makes_a_password_link(
    settings: Any, db: Any, client: Any, monkeypatch: Any
) -> None:
    db(lambda s: create_account(s, "ops@example.org", PASSWORD, "admin"))
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    result = CliRunner().invoke(main, ["user", "reset-password", "OPS@example.org"])
    assert result.exit_code == 0, result.output
    found = re.search(r"http://\S+(/account/reset/[0-9A-Z-]+)", result.output)
    assert found, result.output
    assert _choose(client, found.group(1), "a brand new password").status_code == 303
    sign_in(client, "ops@example.org", "a brand new password")
    missing = CliRunner().invoke(main, ["user", "reset-password", "nobody@example.org"])
    assert missing.exit_code != 0
    assert "No account has the e-mail address" in missing.output
