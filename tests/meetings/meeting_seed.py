"""A meeting ready to run: an assembly with a facilitator, participants, a table plan, proposals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from helpers import post_form, sign_in
from litestar.testing import TestClient
from participants.assembly_seed import PASSWORD, add_proposals, join, seed_assembly
from sortition.pages_seed import seed_plan

MEETING = re.compile(r"/meetings/(\d+)$")
VERSION = re.compile(r'name="version" value="(\d+)"')


@dataclass
class Evening:
    slug: str
    assembly_id: int
    topic_id: int
    plan_id: int
    proposals: list[int]
    codes: list[str]
    email: str

    @property
    def meetings(self) -> str:
        return f"/manage/assemblies/{self.slug}/meetings"


def prepare(
    db: Any, client: TestClient[Any], *, codes: int = 6, secrecy: str = "secret"
) -> Evening:
    seed = db(
        lambda s: seed_assembly(
            s, phase="proposals", codes=codes, facilitator=True, secrecy=secrecy
        )
    )
    proposals = add_proposals(db, seed.topic_id, ["Park", "Pier", "Pool"])
    for index in range(4):
        join(client, seed.codes[index], f"Guest {index + 1}")
        client.cookies.clear()
    plan_id = seed_plan(db, seed.assembly_id, rounds=1, tables=2)
    sign_in(client, seed.facilitator_email, PASSWORD)
    return Evening(
        seed.slug,
        seed.assembly_id,
        seed.topic_id,
        plan_id,
        proposals,
        seed.codes[4:],
        seed.facilitator_email,
    )


def create_meeting(client: TestClient[Any], evening: Evening, title: str = "First evening") -> str:
    response = post_form(
        client,
        evening.meetings,
        {"title": title, "table_plan": str(evening.plan_id)},
        form_page=evening.meetings,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def version_of(client: TestClient[Any], console: str) -> str:
    found = VERSION.search(client.get(console).text)
    assert found, "no version on the console"
    return found.group(1)


def press(client: TestClient[Any], console: str, action: str, **extra: str) -> Any:
    data = {"action": action, "version": version_of(client, console), **extra}
    return post_form(client, console + "/press", data, form_page=console)


def add(client: TestClient[Any], console: str, **fields: str) -> Any:
    data = {"kind": "plenary", "title": "", "minutes": "10", "topic": "", "table_round": "1"}
    return post_form(client, console + "/items", {**data, **fields}, form_page=console)


EVENING_AGENDA: list[dict[str, str]] = [
    {"kind": "plenary", "title": "Welcome", "minutes": "10"},
    {"kind": "tables", "title": "What matters to you?", "minutes": "20", "table_round": "1"},
    {"kind": "reactions", "title": "", "minutes": "15"},
    {"kind": "break", "title": "", "minutes": "10"},
    {"kind": "voting", "title": "The vote", "minutes": "10"},
    {"kind": "plenary", "title": "Results and thanks", "minutes": "10"},
]


def build_agenda(client: TestClient[Any], console: str, topic_id: int) -> None:
    for item in EVENING_AGENDA:
        fields = dict(item)
        if fields["kind"] in {"reactions", "voting", "proposals"}:
            fields["topic"] = str(topic_id)
        response = add(client, console, **fields)
        assert response.status_code == 303, response.text
