"""``assembly demo``: the default scenario loads into an empty database, once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import func, select

from assembly.accounts.services import create_account
from assembly.assemblies.forms import AssemblyInput
from assembly.assemblies.services import create_assembly
from assembly.db.models import Account, Assembly, InviteCode, ResearchGrant
from assembly.db.tasks import run_with_session
from assembly.demo import default_scenario_path, existing_database_text, load_demo_if_empty
from assembly.settings import Settings

JOIN = re.compile(r"(http://\S+/join\?code=(\S+))")
PASSWORD = re.compile(r"(\S+@\S+)\s+password: (\S+)")


def quiet(stage: str, done: int, total: int) -> None:
    """No progress output in the tests."""


def count_assemblies(settings: Settings) -> int:
    return run_with_session(settings, lambda db: db.scalar(select(func.count(Assembly.id))))


def test_the_default_scenario_is_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = default_scenario_path()
    assert path.is_file()
    assert path.name == "trondheim-neighbourhood.toml"


def test_the_demo_loads_once_and_shows_a_realistic_assembly(
    settings: Settings, client: TestClient[Any]
) -> None:
    text = load_demo_if_empty(settings, sortition=False, progress=quiet)
    assert text is not None
    base = settings.base_url
    slug = "trondheim-neighbourhood"
    assert f"Open {base}/assemblies/{slug}" in text
    assert f"summary: {base}/assemblies/{slug}/topics/meeting-across-generations/summary" in text
    assert f"open for voting: {base}/assemblies/{slug}/topics/neighbourhood-grant" in text
    assert f"open for proposals: {base}/assemblies/{slug}/topics/shared-space" in text
    accounts = dict(PASSWORD.findall(text))
    assert set(accounts) == {
        "facilitator@demo.example",
        "researcher@demo.example",
        "admin@demo.example",
        "responder@demo.example",
    }
    assert f"final report: {base}/assemblies/{slug}/report" in text
    joins = JOIN.findall(text)
    assert len(joins) == 3

    # Loading again does nothing: the database is no longer empty.
    assert load_demo_if_empty(settings, sortition=False, progress=quiet) is None
    assert count_assemblies(settings) == 1

    async def read(db: Any) -> dict[str, Any]:
        assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
        researcher = await db.scalar(
            select(Account).where(Account.email == "researcher@demo.example")
        )
        grant = await db.scalar(
            select(ResearchGrant).where(
                ResearchGrant.assembly_id == assembly.id,
                ResearchGrant.account_id == researcher.id,
            )
        )
        unused = await db.scalars(
            select(InviteCode.label).where(
                InviteCode.assembly_id == assembly.id,
                InviteCode.used_at.is_(None),
                InviteCode.label.like("Demo participant %"),
            )
        )
        return {
            "status": assembly.status,
            "phases": [t.phase for t in assembly.topics],
            "summaries": [t.summary_published for t in assembly.topics],
            "researcher": researcher.role,
            "grant": grant is not None,
            "demo_codes": sorted(unused),
        }

    data = run_with_session(settings, read)
    assert data["status"] == "published"
    assert data["phases"] == ["published", "voting", "proposals"]
    assert data["summaries"] == [True, False, False]
    assert data["researcher"] == "researcher"
    assert data["grant"]
    assert data["demo_codes"] == [f"Demo participant {k}" for k in (1, 2, 3)]

    # The first pages: the assembly with its three topics, the published summary.
    page = client.get(f"/assemblies/{slug}")
    assert page.status_code == 200
    for label in ("Results published", "Voting", "Proposals open"):
        assert label in page.text
    summary = client.get(f"/assemblies/{slug}/topics/meeting-across-generations/summary")
    assert summary.status_code == 200
    assert "Rock-scissors-paper working group" in summary.text  # the facilitator's conclusion

    # A finished example of the drafting: recommendations voted on, reported and answered.
    report = client.get(f"/assemblies/{slug}/report")
    assert report.status_code == 200
    assert report.text.count("Adopted with") == 2
    assert "Not adopted" in report.text
    assert "a paid host every day costs more" in report.text  # the minority statement
    tracker = client.get(f"/assemblies/{slug}/tracker")
    assert tracker.status_code == 200
    for stance in ("Accepted", "Under consideration", "Accepted in part"):
        assert stance in tracker.text

    # A newcomer joins with a printed code and can vote on the open topic.
    code = joins[0][1]
    joined = post_form(
        client, "/join", {"code": code, "pseudonym": "Curious Newcomer"}, form_page="/join"
    )
    assert joined.status_code == 303
    vote = client.get(f"/assemblies/{slug}/topics/neighbourhood-grant/vote")
    assert vote.status_code == 200

    # The printed passwords sign in.
    client.cookies.clear()
    sign_in(client, "facilitator@demo.example", accounts["facilitator@demo.example"])
    manage = client.get(f"/manage/assemblies/{slug}")
    assert manage.status_code == 200
    client.cookies.clear()
    sign_in(client, "researcher@demo.example", accounts["researcher@demo.example"])
    client.cookies.clear()
    sign_in(client, "responder@demo.example", accounts["responder@demo.example"])
    assert client.get(f"/respond/{slug}").status_code == 200


def test_the_demo_leaves_a_database_with_an_assembly_alone(settings: Settings) -> None:
    async def seed(db: Any) -> None:
        account = await create_account(db, "someone@example.org", "a-long-password", "facilitator")
        await create_assembly(
            db,
            account,
            AssemblyInput(
                title="Our own assembly", language="en", time_zone="Europe/Oslo", status="draft"
            ),
        )

    run_with_session(settings, seed)
    assert load_demo_if_empty(settings, sortition=False, progress=quiet) is None
    assert count_assemblies(settings) == 1
    # What `make run` prints then: the accounts, and how to choose a new password.
    text = existing_database_text(settings)
    assert "facilitator  someone@example.org" in text
    assert "assembly user reset-password EMAIL" in text


def test_the_demo_prints_progress_lines_when_not_on_a_terminal(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    text = load_demo_if_empty(settings, participants=6, sortition=False)
    assert text is not None
    err = capsys.readouterr().err
    assert "Setting up the assembly..." in err
    assert "Closing and publishing: 3 of 3" in err


def test_make_run_on_an_existing_demo_database_says_how_to_sign_in_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` (``assembly demo --dev``) a second time: the demo is not loaded again, and it
    prints the command that gives the demo facilitator a way to sign in, which works."""
    from click.testing import CliRunner

    from assembly import cli

    async def seed(db: Any) -> None:
        account = await create_account(
            db, "facilitator@demo.example", "a-long-password", "facilitator"
        )
        await create_account(db, "researcher@demo.example", "a-long-password", "researcher")
        await create_assembly(
            db,
            account,
            AssemblyInput(title="Demo", language="en", time_zone="Europe/Oslo", status="draft"),
        )

    run_with_session(settings, seed)
    served: list[tuple[Any, ...]] = []
    monkeypatch.setattr(cli, "_serve", lambda *args: served.append(args))
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("ASSEMBLY_BASE_URL", "http://127.0.0.1:8000")
    runner = CliRunner()
    result = runner.invoke(cli.main, ["demo", "--dev"])
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    assert count_assemblies(settings) == 1
    lines = result.output.splitlines()
    assert "no demo was loaded" in result.output
    assert "  facilitator  facilitator@demo.example" in lines
    assert "To sign in as the demo facilitator again, make a one-time link to choose a new" in (
        result.output
    )
    command = ".venv/bin/assembly user reset-password facilitator@demo.example"
    assert f"  {command}" in lines
    assert "give its e-mail address instead: .venv/bin/assembly user reset-password EMAIL" in (
        result.output
    )
    if settings.database_url.startswith("sqlite"):
        assert "stop the server and remove " in result.output
    else:
        assert "remove var/assembly.db" not in result.output
    # The printed command gives the demo facilitator a link to choose a password.
    reset = runner.invoke(cli.main, command.split()[1:])
    assert reset.exit_code == 0, reset.output
    assert "http://127.0.0.1:8000/account/reset/" in reset.output


def test_without_the_demo_accounts_the_command_names_the_first_account(
    settings: Settings,
) -> None:
    async def seed(db: Any) -> None:
        account = await create_account(db, "ops@example.org", "a-long-password", "admin")
        await create_assembly(
            db,
            account,
            AssemblyInput(title="Ours", language="en", time_zone="Europe/Oslo", status="draft"),
        )

    run_with_session(settings, seed)
    text = existing_database_text(settings)
    assert "To sign in as ops@example.org again" in text
    assert "  .venv/bin/assembly user reset-password ops@example.org" in text.splitlines()
    assert "demo facilitator" not in text
