"""Seeding for the facilitator-side tests: accounts, assemblies, topics, participants and
proposals, written through the services (or the models, for what citizens create)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from helpers import post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.assemblies.forms import AssemblyInput
from assembly.assemblies.services import create_assembly
from assembly.db.models import (
    Account,
    Argument,
    AuditEvent,
    Participant,
    Proposal,
    Reaction,
    SpotlightArea,
    Topic,
)
from assembly.topics.services import create_topic

PASSWORD = "correct horse battery"


@dataclass
class Seed:
    assembly_id: int
    slug: str
    topic_id: int
    topic_slug: str
    facilitator: str

    @property
    def manage(self) -> str:
        return f"/manage/assemblies/{self.slug}"

    @property
    def topic(self) -> str:
        return f"/manage/assemblies/{self.slug}/topics/{self.topic_slug}"


def account(db: Any, email: str, role: str = "facilitator") -> None:
    db(lambda s: create_account(s, email, PASSWORD, role))


def login(client: TestClient[Any], email: str) -> None:
    sign_in(client, email, PASSWORD)


def seed(
    db: Any,
    *,
    title: str = "Harbour assembly",
    status: str = "published",
    facilitator: str = "fac@example.org",
    phase: str = "proposals",
    method: str = "approval",
    params: str = "",  # settings as a JSON object, as the form's import box takes them
    seats: str = "1",
    time_zone: str = "Europe/Oslo",
    language: str = "en",
) -> Seed:
    """An assembly with one topic, made by ``facilitator`` (created if needed)."""

    async def work(s: Any) -> Seed:
        creator = await s.scalar(select(Account).where(Account.email == facilitator))
        if creator is None:
            creator = await create_account(s, facilitator, PASSWORD, "facilitator")
        assembly = await create_assembly(
            s,
            creator,
            AssemblyInput(
                title=title,
                place="Trondheim",
                language=language,
                time_zone=time_zone,
                description="About the harbour.",
                status=status,
            ),
        )
        area = await s.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
        topic = await create_topic(
            s,
            assembly,
            {
                "question": "How should we use the old harbour?",
                "background": "Some background.",
                "spotlight_area": str(area.id),
                "voting_method": method,
                "seats": seats,
                "import_settings": params,
                "ballot_secrecy": "secret",
                "phase": "draft",
            },
            [],
            creator.id,
        )
        topic.phase = phase
        return Seed(assembly.id, assembly.slug, topic.id, topic.slug, facilitator)

    return db(work)


def participant(db: Any, assembly_id: int, pseudonym: str, channel: str = "online") -> int:
    async def work(s: Any) -> int:
        person = Participant(
            assembly_id=assembly_id,
            pseudonym=pseudonym,
            channel=channel,
            joined_via="paper" if channel == "paper" else "invite",
        )
        s.add(person)
        await s.flush()
        return int(person.id)

    return db(work)


def proposal(db: Any, topic_id: int, title: str, author: int | None = None) -> int:
    async def work(s: Any) -> int:
        item = Proposal(
            topic_id=topic_id, title=title, body=f"Body of {title}", participant_id=author
        )
        s.add(item)
        await s.flush()
        return int(item.id)

    return db(work)


def argument(
    db: Any, proposal_id: int, body: str, author: int | None = None, stance: str = "pro"
) -> int:
    async def work(s: Any) -> int:
        item = Argument(proposal_id=proposal_id, body=body, stance=stance, participant_id=author)
        s.add(item)
        await s.flush()
        return int(item.id)

    return db(work)


def react(db: Any, proposal_id: int, participant_id: int, reaction: str) -> None:
    async def work(s: Any) -> None:
        s.add(Reaction(proposal_id=proposal_id, participant_id=participant_id, reaction=reaction))

    db(work)


def get(db: Any, model: Any, id_: int) -> Any:
    return db(lambda s: s.get(model, id_))


def set_topic(db: Any, topic_id: int, **changes: Any) -> None:
    async def work(s: Any) -> None:
        topic = await s.get(Topic, topic_id)
        for key, value in changes.items():
            setattr(topic, key, value)

    db(work)


def audit_actions(db: Any, prefix: str = "") -> list[str]:
    async def work(s: Any) -> list[str]:
        rows = await s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
        return [action for action in rows.all() if action.startswith(prefix)]

    return db(work)


def audit_events(db: Any, action: str) -> list[AuditEvent]:
    async def work(s: Any) -> list[AuditEvent]:
        rows = await s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return list(rows.all())

    return db(work)


def send(client: TestClient[Any], path: str, data: Any, form_page: str | None = None) -> Any:
    """Post a form as a browser would after loading ``form_page`` (default: ``path``)."""
    return post_form(client, path, data, form_page=form_page or "/dashboard")


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about pages, not about password hashing,
    and the recommended parameters cost a quarter of a second per hash."""
    from argon2 import PasswordHasher

    from assembly.accounts import services

    monkeypatch.setattr(
        services, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
