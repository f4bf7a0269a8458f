"""The retention erase: after an assembly ends, one confirmed and audited step removes its
personal data, and its published results still recount from the kept ballots."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exports.export_seed import (
    FACILITATOR_EMAIL,
    PARTICIPANTS,
    PASSWORD,
    POOL_IDS,
    POOL_SECRET,
    pseudonym,
)
from helpers import post_form, sign_in
from sqlalchemy import func, select

from assembly.db.models import (
    Assembly,
    AuditEvent,
    Ballot,
    InviteCode,
    PanelMember,
    Participant,
    ReturnCode,
    SortitionSelection,
    StoreItem,
    TopicSummary,
)
from assembly.exports.commands import export_command, recount_command
from assembly.i18n import LANGUAGE_COOKIE
from assembly.retention import services
from assembly.session_data import SESSION_STORE
from assembly.settings import Settings

ERASE = "/manage/assemblies/harbour/erase"


def _archive(db: Any) -> None:
    async def work(s: Any) -> None:
        assembly = await s.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        assembly.status = "archived"

    db(work)


async def _personal(s: Any) -> dict[str, Any]:
    people = (await s.scalars(select(Participant))).all()
    selections = (await s.scalars(select(SortitionSelection))).all()
    members = (await s.scalars(select(PanelMember))).all()
    return {
        "pseudonyms": sorted(p.pseudonym for p in people),
        "demographics": [p.demographics for p in people if p.demographics],
        "invite_codes": await s.scalar(select(func.count()).select_from(InviteCode)),
        "return_codes": await s.scalar(select(func.count()).select_from(ReturnCode)),
        "pool": "".join(s.pool_csv for s in selections)
        + repr([s.result for s in selections])
        + repr([(m.pool_id, m.features) for m in members]),
        "ballots": await s.scalar(select(func.count()).select_from(Ballot)),
    }


def test_erase_needs_an_ended_assembly_and_a_confirmation(
    client: Any, db: Any, seeded: Any
) -> None:
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    before = db(_personal)
    client.cookies.set(LANGUAGE_COOKIE, "nb")
    early = post_form(client, ERASE, {"confirm": "yes"}, form_page=ERASE)
    assert early.status_code == 409
    assert "Personopplysningene kan slettes når forsamlingen er avsluttet" in early.text
    _archive(db)
    client.cookies.set(LANGUAGE_COOKIE, "en")
    unconfirmed = post_form(client, ERASE, {}, form_page=ERASE)
    assert unconfirmed.status_code == 400
    assert "Tick the box to confirm that the personal data is to be erased." in unconfirmed.text
    assert db(_personal) == before


def test_erase_removes_every_personal_field_and_the_results_still_recount(
    client: Any,
    db: Any,
    seeded: Any,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = db(_personal)
    assert pseudonym(0) in before["pseudonyms"]
    assert before["demographics"]
    assert POOL_SECRET in before["pool"]
    _archive(db)
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    summary = "/assemblies/harbour/topics/transport/summary"
    who_before = client.get(summary).text.split("Who took part", 1)[1].split("</table>", 1)[0]
    page = client.get(ERASE)
    assert page.status_code == 200
    assert "I understand that the personal data" in page.text
    done = post_form(client, ERASE, {"confirm": "yes"}, form_page=ERASE)
    assert done.status_code == 303, done.text
    assert "was erased on" in client.get(done.headers["location"]).text

    after = db(_personal)
    assert not any(p.startswith("Person") or p == pseudonym(0) for p in after["pseudonyms"])
    assert all(p.startswith(services.NEUTRAL_PREFIX) for p in after["pseudonyms"])
    assert after["demographics"] == []
    assert after["invite_codes"] == 0
    assert after["return_codes"] == 0
    assert POOL_SECRET not in after["pool"]
    assert not any(marker in after["pool"] for marker in POOL_IDS)
    assert after["ballots"] == before["ballots"]

    async def audited(s: Any) -> AuditEvent:
        return await s.scalar(
            select(AuditEvent).where(AuditEvent.action == "assembly.personal_data_erased")
        )

    event = db(audited)
    assert event.details["participants"] == len(before["pseudonyms"])
    # The summary was kept as it was, "Who took part" included.
    who_after = client.get(summary).text.split("Who took part", 1)[1].split("</table>", 1)[0]
    assert who_after == who_before
    # A second erase has nothing left to do, and says so.
    again = post_form(client, ERASE, {"confirm": "yes"}, form_page=ERASE)
    assert again.status_code == 409

    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    runner = CliRunner()
    out = tmp_path / "package"
    exported = runner.invoke(export_command, ["harbour", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    recount = runner.invoke(recount_command, [str(out)])
    assert recount.exit_code == 0, recount.output
    assert "published results match the ballots" in recount.output
    package = "".join(p.read_text(errors="ignore") for p in out.rglob("*") if p.is_file())
    assert POOL_SECRET not in package
    assert pseudonym(0) not in package


def test_an_erase_that_fails_midway_leaves_the_data_as_it_was(
    client: Any, db: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _archive(db)
    before = db(_personal)

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "record_event", broken)
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    failed = post_form(client, ERASE, {"confirm": "yes"}, form_page=ERASE)
    assert failed.status_code == 500
    assert db(_personal) == before


def test_the_erase_forgets_the_sessions_and_the_names_in_the_kept_summaries(
    client: Any, db: Any, seeded: Any
) -> None:
    """Stored sessions stop naming the assembly's participants (a session that named nothing
    else goes), and the frozen summaries name authors by their neutral names."""
    _archive(db)

    async def plant(s: Any) -> int:
        assembly = await s.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        person = await s.scalar(select(Participant).where(Participant.assembly_id == assembly.id))
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        for key, value in {
            "only-harbour": {"participants": {str(assembly.id): person.id}, "_written_at": 1.0},
            "also-elsewhere": {
                "participants": {str(assembly.id): person.id, "999999": 7},
                "_written_at": 1.0,
            },
            "staff": {"account_id": 1, "_written_at": 1.0},
        }.items():
            s.add(
                StoreItem(
                    key=key,
                    namespace=SESSION_STORE,
                    value=json.dumps(value).encode(),
                    expires_at=later,
                )
            )
        return int(assembly.id)

    assembly_id = db(plant)
    sign_in(client, FACILITATOR_EMAIL, PASSWORD)
    done = post_form(client, ERASE, {"confirm": "yes"}, form_page=ERASE)
    assert done.status_code == 303, done.text

    async def read(s: Any) -> tuple[dict[str, Any], list[Any]]:
        rows = (
            await s.scalars(select(StoreItem).where(StoreItem.namespace == SESSION_STORE))
        ).all()
        summaries = (await s.scalars(select(TopicSummary.content))).all()
        return {row.key: json.loads(row.value) for row in rows}, list(summaries)

    sessions, summaries = db(read)
    assert "only-harbour" not in sessions
    assert sessions["also-elsewhere"]["participants"] == {"999999": 7}
    assert sessions["staff"]["account_id"] == 1
    assert not any(
        str(assembly_id) in (data.get("participants") or {}) for data in sessions.values()
    )
    assert summaries
    kept = json.dumps(summaries)
    assert not any(pseudonym(i) in kept for i in range(PARTICIPANTS))
