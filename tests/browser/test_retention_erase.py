"""The retention erase in a real browser, in English and Bokmål: an assembly whose topic was
voted on and published ends; its facilitator (in Bokmål an administrator) opens the erase page,
confirms, and the erase is done. Afterwards the product's own ``assembly export`` and
``assembly recount`` still reproduce the published result, nothing personal is left for the
assembly in the database (pseudonyms, answers about oneself, invitation records, return codes,
roles, participants' sessions) while the anonymised ballots, the result and the summary stay,
the erase is in the audit log, and axe finds nothing on the confirmation page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from browser.conftest import Visitor
from browser.live_server import PASSWORD, TEST_SECRET, LiveServer, in_thread, run_db
from browser.test_accessibility import axe_violations
from browser.world import ADMIN, FACILITATOR
from sqlalchemy import func, select

from assembly.accounts.services import create_account
from assembly.ballots.services import cast_ballot, publish_ballots
from assembly.db.models import (
    Account,
    Argument,
    Assembly,
    AuditEvent,
    Ballot,
    BallotVoter,
    InviteCode,
    Participant,
    ParticipantRole,
    Proposal,
    ReturnCode,
    SpotlightArea,
    StoreItem,
    Topic,
    TopicSummary,
)
from assembly.invitations.services import issue_codes
from assembly.participants.return_codes import issue_return_code
from assembly.participants.services import join_assembly, save_demographics
from assembly.retention.services import NEUTRAL_PREFIX
from assembly.session_data import SESSION_STORE

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "nb"]
QUESTIONS = [{"key": "age", "label": "Age group", "options": ["young", "middle", "old"]}]
VOTERS = ["Ingeborg Voter", "Sverre Voter", "Astrid Voter"]
TEXT = {
    "en": {
        "unconfirmed": "Tick the box to confirm that the personal data is to be erased.",
        "erased": "The personal data of this assembly was erased on",
        "audit": "Personal data of the assembly erased",
        "sessions": "sessions forgotten",
    },
    "nb": {
        "unconfirmed": "Kryss av for å bekrefte at personopplysningene skal slettes.",
        "erased": "Personopplysningene i denne forsamlingen ble slettet",
        "audit": "Personopplysningene i forsamlingen slettet",
        "sessions": "økter slettet",
    },
}


def _slug(lang: str) -> str:
    return f"ended-{lang}"


def _seeder(lang: str) -> Any:
    """An assembly of its own per language (each can be erased once), with a published topic
    voted on by participants who joined with codes, answered about themselves, hold return
    codes and one a role; one more code is left for a citizen to join with in the browser."""

    async def seed(db: Any) -> str:
        facilitator = await db.scalar(select(Account).where(Account.email == FACILITATOR))
        area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
        assembly = Assembly(
            slug=_slug(lang),
            title=f"Ended assembly {lang}",
            place="Trondheim",
            description="An assembly that has finished its work.",
            status="published",
            demographic_questions=QUESTIONS,
            facilitators=[facilitator],
        )
        db.add(assembly)
        await db.flush()
        codes = await issue_codes(db, assembly, len(VOTERS) + 1, TEST_SECRET)
        voters = []
        for i, (name, code) in enumerate(zip(VOTERS, codes, strict=False)):
            voter = await join_assembly(db, code.code, name, TEST_SECRET)
            await save_demographics(db, assembly, voter, {"age": ["young", "middle", "old"][i]})
            await issue_return_code(db, voter)
            voters.append(voter)
        db.add(ParticipantRole(participant_id=voters[0].id, role="drafter"))
        topic = Topic(
            assembly_id=assembly.id,
            slug="youth-club",
            position=0,
            question="What should the youth club offer?",
            background="Some background.",
            spotlight_area_id=area.id,
            voting_method="approval",
            voting_params={},
            seats=1,
            ballot_secrecy="secret",
            phase="voting",
            phase_schedule={},
        )
        db.add(topic)
        await db.flush()
        proposals = [
            Proposal(topic_id=topic.id, title=title, body="Why.", participant_id=voters[i].id)
            for i, title in enumerate(["Music room", "Climbing wall", "Homework cafe"])
        ]
        db.add_all(proposals)
        await db.flush()
        # An argument: the summary names its author.
        db.add(
            Argument(
                proposal_id=proposals[0].id,
                participant_id=voters[1].id,
                stance="pro",
                body="Somewhere to play together.",
            )
        )
        # Two approve the music room, one the climbing wall: the music room wins.
        for voter, picks in zip(voters, [[0], [0, 1], [1]], strict=True):
            await cast_ballot(db, topic, voter, sorted(str(proposals[p].id) for p in picks))
        topic.phase = "published"
        await db.flush()
        await publish_ballots(db, topic)
        topic.summary_published = True
        await db.flush()
        return codes[-1].code

    return seed


async def _ensure_admin(db: Any) -> None:
    if await db.scalar(select(Account.id).where(Account.email == ADMIN)) is None:
        await create_account(db, ADMIN, PASSWORD, "admin", "Ada")


def _end(slug: str) -> Any:
    async def work(db: Any) -> None:
        assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
        assembly.status = "archived"

    return work


def _sessions_naming(assembly_id: int) -> Any:
    """The stored sessions that still name a participant of the assembly."""

    async def read(db: Any) -> list[str]:
        rows = (
            await db.scalars(select(StoreItem).where(StoreItem.namespace == SESSION_STORE))
        ).all()
        found = []
        for row in rows:
            data = json.loads(row.value)
            if str(assembly_id) in (data.get("participants") or {}):
                found.append(row.key)
        return found

    return read


def _state(slug: str) -> Any:
    """What the database holds for the assembly: the personal part and the part that stays."""

    async def read(db: Any) -> dict[str, Any]:
        assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
        people = (
            await db.scalars(select(Participant).where(Participant.assembly_id == assembly.id))
        ).all()
        ids = [p.id for p in people]
        topic = await db.scalar(select(Topic).where(Topic.assembly_id == assembly.id))

        async def count(model: Any, *where: Any) -> int:
            return int(await db.scalar(select(func.count()).select_from(model).where(*where)))

        return {
            "assembly_id": assembly.id,
            "erased_at": assembly.personal_data_erased_at,
            "pseudonyms": sorted(p.pseudonym for p in people),
            "demographics": [p.demographics for p in people if p.demographics],
            "consents": [p.demographics_consent for p in people if p.demographics_consent],
            "invite_codes": await count(InviteCode, InviteCode.assembly_id == assembly.id),
            "return_codes": await count(ReturnCode, ReturnCode.participant_id.in_(ids)),
            "roles": await count(ParticipantRole, ParticipantRole.participant_id.in_(ids)),
            "ballots": await count(Ballot, Ballot.topic_id == topic.id),
            "voters": await count(BallotVoter, BallotVoter.topic_id == topic.id),
            "proposals": await count(Proposal, Proposal.topic_id == topic.id),
            "topic_phase": topic.phase,
            "published_result": topic.published_result,
            "summary": await db.scalar(
                select(TopicSummary.content).where(TopicSummary.topic_id == topic.id)
            ),
            "erase_events": [
                (e.actor_kind, e.actor_id, dict(e.details or {}))
                for e in (
                    await db.scalars(
                        select(AuditEvent).where(
                            AuditEvent.assembly_id == assembly.id,
                            AuditEvent.action == "assembly.personal_data_erased",
                        )
                    )
                ).all()
            ],
            "account_ids": {
                email: await db.scalar(select(Account.id).where(Account.email == email))
                for email in (FACILITATOR, ADMIN)
            },
        }

    return read


def _cli(server: LiveServer, *args: str) -> Any:
    """The product's own command line (``assembly ...``) against the test server's database,
    in a thread of its own: the commands use ``asyncio.run``, which Playwright's loop forbids
    here. In process, as the other tests of these commands run it: it saves two starts."""
    from click.testing import CliRunner

    from assembly.cli import main

    env = {k: v for k, v in server.environment().items() if k.startswith("ASSEMBLY_")}
    return in_thread(lambda: CliRunner(env=env).invoke(main, list(args)))


def sign_in(person: Visitor, email: str) -> None:
    person.goto("/signin")
    person.page.locator("#field-email").fill(email)
    person.page.locator("#field-password").fill(PASSWORD)
    person.submit(person.page.locator("main form[action='/signin'] button[type=submit]"))
    assert "/dashboard" in person.page.url, person.page.url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_erase_keeps_the_results_recountable_and_nothing_personal(
    visitor: Any, server: LiveServer, tmp_path: Path, lang: str
) -> None:
    words, slug = TEXT[lang], _slug(lang)
    manage = f"/manage/assemblies/{slug}"
    run_db(server.database_url, _ensure_admin)
    code = run_db(server.database_url, _seeder(lang))

    # A citizen joins in the browser while the assembly runs: a session, a return code.
    citizen = visitor(lang=lang)
    citizen.goto("/join")
    citizen.page.locator("#field-code").fill(code)
    citizen.page.locator("#field-pseudonym").fill(f"Browser citizen {lang}")
    citizen.submit(citizen.page.locator("main form[action='/join'] button[type=submit]"))
    assert "/return-code" in citizen.page.url, citizen.page.url
    before = run_db(server.database_url, _state(slug))
    assembly_id = before["assembly_id"]
    assert f"Browser citizen {lang}" in before["pseudonyms"]
    assert len(before["demographics"]) == len(VOTERS)
    assert before["invite_codes"] == len(VOTERS) + 1
    assert before["return_codes"] == len(VOTERS) + 1
    assert before["roles"] == 1
    assert run_db(server.database_url, _sessions_naming(assembly_id))
    assert before["published_result"]["winners"]

    run_db(server.database_url, _end(slug))
    # The facilitator erases in English, an administrator in Bokmål.
    eraser = ADMIN if lang == "nb" else FACILITATOR
    person = visitor(lang=lang)
    sign_in(person, eraser)
    person.goto(manage)
    person.submit(person.page.locator(f"main a[href='{manage}/erase']"))
    assert person.page.url.endswith(f"{manage}/erase")
    assert person.page.evaluate("() => document.documentElement.lang") == lang
    assert axe_violations(person.page) == []
    person.screenshot(f"erase-{lang}-confirm")
    button = f"main form[action='{manage}/erase'] button[type=submit]"
    person.submit(person.page.locator(button))
    assert words["unconfirmed"] in person.page.locator(".error-summary").inner_text()
    assert axe_violations(person.page) == []
    person.page.locator("input[name=confirm][value=yes]").check()
    person.submit(person.page.locator(button))
    assert re.search(r"/erase\?done=1$", person.page.url), person.page.url
    assert words["erased"] in person.page.locator("main").inner_text()
    assert person.page.locator(button).count() == 0
    assert axe_violations(person.page) == []

    after = run_db(server.database_url, _state(slug))
    # (b) Nothing personal is left for the assembly...
    assert after["erased_at"] is not None
    assert len(after["pseudonyms"]) == len(before["pseudonyms"])
    assert all(p.startswith(NEUTRAL_PREFIX) for p in after["pseudonyms"]), after["pseudonyms"]
    assert after["demographics"] == []
    assert after["consents"] == []
    assert after["invite_codes"] == 0
    assert after["return_codes"] == 0
    assert after["roles"] == 0
    assert run_db(server.database_url, _sessions_naming(assembly_id)) == []
    # ...and the anonymised ballots, the published result and the summary stay as they were.
    for kept in ("ballots", "voters", "proposals", "topic_phase", "published_result"):
        assert after[kept] == before[kept], kept
    assert after["ballots"] == len(VOTERS)
    assert after["summary"]
    assert not any(name in json.dumps(after["summary"]) for name in VOTERS)

    # (c) The erase is in the audit log, by whoever did it, and shown on the assembly's log.
    assert after["erase_events"] == [
        (
            "account",
            after["account_ids"][eraser],
            {
                "participants": len(before["pseudonyms"]),
                "invite_codes": len(VOTERS) + 1,
                "panel_members": 0,
                "sessions": 1,
            },
        )
    ]
    person.goto(f"{manage}/audit")
    row = person.page.locator("table.audit-table tr", has_text=words["audit"])
    assert row.count() == 1
    assert words["sessions"] in row.inner_text()

    # The kept summary still reads as published, its authors under their neutral names.
    person.goto(f"/assemblies/{slug}/topics/youth-club/summary")
    summary = person.page.locator("main").inner_text()
    assert "Music room" in summary
    assert "Somewhere to play together." in summary
    assert NEUTRAL_PREFIX in summary
    assert not any(name in summary for name in VOTERS), summary

    # (a) The product's own recount of an export reproduces the published result.
    out = tmp_path / "package"
    exported = _cli(server, "export", slug, "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert f"assembly recount {out}" in exported.output
    recount = _cli(server, "recount", str(out))
    assert recount.exit_code == 0, recount.output
    assert "All 1 published results match the ballots." in recount.output
    line = next(text for text in recount.output.splitlines() if text.startswith("youth-club"))
    assert line.split()[-1] == "match", line
    published = json.loads((out / "results" / "youth-club.json").read_text(encoding="utf-8"))
    assert published["winners"] == before["published_result"]["winners"]
    package = "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    assert not any(name in package for name in [*VOTERS, f"Browser citizen {lang}"])
