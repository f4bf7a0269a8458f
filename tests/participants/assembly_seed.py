"""Seeding assemblies, topics and invite codes for the citizen-side tests (through the models
and the invitation service, so these tests do not depend on the facilitator pages)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from helpers import post_form as _post_form
from litestar.testing import TestClient
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.db.models import Assembly, Participant, SpotlightArea, Topic
from assembly.invitations.services import issue_codes
from assembly.settings import Settings

PASSWORD = "correct horse battery"
TEST_SECRET = "test-secret-key-for-the-suite-only"


@dataclass
class Seed:
    assembly_id: int
    slug: str
    topic_id: int
    topic_slug: str
    codes: list[str] = field(default_factory=list)
    facilitator_email: str = ""

    @property
    def topic_url(self) -> str:
        return f"/assemblies/{self.slug}/topics/{self.topic_slug}"


async def seed_assembly(
    db: Any,
    *,
    slug: str = "harbour",
    status: str = "published",
    phase: str = "proposals",
    method: str = "approval",
    params: dict[str, Any] | None = None,
    seats: int = 1,
    secrecy: str = "secret",
    questions: list[dict[str, Any]] | None = None,
    codes: int = 3,
    expires_at: dt.datetime | None = None,
    facilitator: bool = False,
) -> Seed:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    email = f"facilitator-{slug}@example.org"
    assembly = Assembly(
        slug=slug,
        title=f"Assembly {slug}",
        place="Trondheim",
        description="Line one\n\nSecond <b>paragraph</b>",
        status=status,
        demographic_questions=questions or [],
    )
    if facilitator:
        account = await create_account(db, email, PASSWORD, "facilitator")
        assembly.facilitators = [account]
    db.add(assembly)
    await db.flush()
    topic = Topic(
        assembly_id=assembly.id,
        slug="green-spaces",
        question="How should we use the old harbour?",
        background="Some background.\nSecond line.",
        spotlight_area_id=area.id,
        voting_method=method,
        voting_params=params or {},
        seats=seats,
        ballot_secrecy=secrecy,
        phase=phase,
        phase_schedule={"voting": "2031-05-01T16:00:00+00:00"},
    )
    db.add(topic)
    await db.flush()
    issued = (
        await issue_codes(db, assembly, codes, TEST_SECRET, expires_at=expires_at) if codes else []
    )
    return Seed(
        assembly_id=assembly.id,
        slug=slug,
        topic_id=topic.id,
        topic_slug=topic.slug,
        codes=[c.code for c in issued],
        facilitator_email=email,
    )


def post_form(
    client: TestClient[Any],
    path: str,
    data: dict[str, Any] | list[tuple[str, str]],
    *,
    form_page: str | None = None,
) -> Any:
    """Post a form with the CSRF token from the cookie, fetching a page only when there is none
    yet (the token in forms is the cookie's value), to keep these tests quick."""
    token = client.cookies.get("assembly_csrf")
    if not token:
        return _post_form(client, path, data, form_page=form_page)
    items = list(data.items()) if isinstance(data, dict) else list(data)
    expanded = [
        (k, str(v)) for k, value in items for v in (value if isinstance(value, list) else [value])
    ]
    expanded.append(("_csrf_token", token))
    return client.post(
        path,
        content=urlencode(expanded),
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


@contextmanager
def another_client(settings: Settings) -> Iterator[TestClient[Any]]:
    """A second browser: its own app instance and cookies, on the same database."""
    from assembly.app import create_app

    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        yield client


def set_phase(db_runner: Any, topic_id: int, phase: str, **changes: Any) -> None:
    async def work(db: Any) -> None:
        topic = await db.get(Topic, topic_id)
        topic.phase = phase
        for key, value in changes.items():
            setattr(topic, key, value)

    db_runner(work)


def join(client: TestClient[Any], code: str, pseudonym: str) -> Any:
    response = post_form(client, "/join", {"code": code, "pseudonym": pseudonym}, form_page="/join")
    assert response.status_code == 303, response.text
    return response


def participant_id(db_runner: Any, assembly_id: int, pseudonym: str) -> int:
    async def work(db: Any) -> int:
        return await db.scalar(
            select(Participant.id).where(
                Participant.assembly_id == assembly_id, Participant.pseudonym == pseudonym
            )
        )

    return db_runner(work)


def first_id(text: str, prefix: str = "proposal") -> int:
    match = re.search(rf'id="{prefix}-(\d+)"', text)
    assert match, f"no {prefix} on the page"
    return int(match.group(1))


def add_proposals(db_runner: Any, topic_id: int, titles: list[str]) -> list[int]:
    """Facilitator-seeded proposals (no author), visible, in this order."""
    from assembly.db.models import Proposal

    async def work(db: Any) -> list[int]:
        proposals = [Proposal(topic_id=topic_id, title=title, body="") for title in titles]
        for proposal in proposals:
            db.add(proposal)
            await db.flush()
        return [p.id for p in proposals]

    return db_runner(work)


def assert_unique_ids(html: str) -> None:
    """Every id on the page once: labels, error links and skip links depend on it."""
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert html.count("<h1") == 1
