"""Reads never write: every GET route, as every role, on a database whose planned phase starts
have all passed, runs no INSERT, UPDATE or DELETE (the session table included).

The topics' and the drafting's schedules are all due but not yet carried out, which is the
moment a read used to move a phase (and seal or publish ballots). Each person signs in just
before the crawl, so no session renewal is due during it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import Browsers, cheap_password_hashes, post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from assembly.accounts.services import create_account
from assembly.app import create_app
from assembly.db.models import (
    Argument,
    Assembly,
    DraftingProcess,
    Proposal,
    ResearchGrant,
    SpotlightArea,
    Topic,
)
from assembly.invitations.services import issue_codes
from assembly.settings import Settings

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "citizen", "facilitator", "researcher", "admin")
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
# The one write a read may make: the research export's download is recorded in the audit log
# (who took the assembly's data, and when), which accountability needs more than the rule.
AUDITED_DOWNLOADS = {"/research/fjord/export.zip"}
# Each topic's stored phase and the later phase whose planned start has passed.
TOPICS = {
    "harbour": ("deliberation", "voting"),
    "square": ("voting", "closed"),
    "park": ("closed", "published"),
}


async def _seed(db: Any, secret: str) -> dict[str, Any]:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    accounts = {
        role: await create_account(db, f"{role}@example.org", PASSWORD, role)
        for role in ("facilitator", "researcher", "admin")
    }
    assembly = Assembly(slug="fjord", title="Fjord", status="published")
    assembly.facilitators = [accounts["facilitator"]]
    db.add(assembly)
    await db.flush()
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    ids: dict[str, Any] = {}
    for slug, (stored, due) in TOPICS.items():
        topic = Topic(
            assembly_id=assembly.id,
            slug=slug,
            question=f"What should the {slug} become?",
            spotlight_area_id=area.id,
            voting_method="approval",
            phase=stored,
            phase_schedule={due: past.isoformat()},
        )
        db.add(topic)
        await db.flush()
        proposal = Proposal(topic_id=topic.id, title="Benches", body="More benches")
        db.add(proposal)
        await db.flush()
        argument = Argument(proposal_id=proposal.id, stance="pro", body="Rest for the old")
        db.add(argument)
        await db.flush()
        ids.setdefault("proposal_id", proposal.id)
        ids.setdefault("argument_id", argument.id)
    db.add(
        DraftingProcess(
            assembly_id=assembly.id,
            phase="drafting",
            phase_schedule={"amending": past.isoformat()},
        )
    )
    db.add(ResearchGrant(assembly_id=assembly.id, account_id=accounts["researcher"].id))
    issued = await issue_codes(db, assembly, 1, secret)
    return {
        "code": issued[0].code,
        "values": {
            "slug": "fjord",
            "proposal_id": str(ids["proposal_id"]),
            "argument_id": str(ids["argument_id"]),
            "account_id": str(accounts["researcher"].id),
            "format_name": "json",
            "area": "well-and-fair-development",
            "practice": "wigan-deal",
            "path": "openapi.json",
            "file_path": "css/app.css",
        },
    }


def _paths(app: Any, values: dict[str, str]) -> list[str]:
    """Every GET route with its parameters filled from the seed (every topic for a topic's)."""
    found: list[str] = []
    for route in app.routes:
        if not hasattr(route, "route_handlers") or "GET" not in route.methods:
            continue
        template = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        names = re.findall(r"{(\w+)}", template)
        fill = {name: values.get(name, "1") for name in names}
        if template.startswith(("/areas/", "/practices/")):
            fill["slug"] = values["area" if template.startswith("/areas/") else "practice"]
        for slug in TOPICS if "topic_slug" in names else ["harbour"]:
            found.append(template.format(**{**fill, "topic_slug": slug}))
    return found


@pytest.fixture
def people(
    settings: Settings, db: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Browsers, dict[str, Any]]]:
    cheap_password_hashes(monkeypatch)
    seeded = db(lambda s: _seed(s, settings.secret_key))
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        browsers = Browsers(client)
        for role in ROLES:
            browser = browsers.use(role)
            if role == "citizen":
                response = post_form(
                    browser,
                    "/join",
                    {"code": seeded["code"], "pseudonym": "Kari"},
                    form_page="/join",
                )
                assert response.status_code == 303, response.text
            elif role != "anonymous":
                sign_in(browser, f"{role}@example.org", PASSWORD)
        yield browsers, seeded


def test_no_get_writes_for_any_role_when_every_planned_start_has_passed(
    people: tuple[Browsers, dict[str, Any]], db: Any
) -> None:
    browsers, seeded = people
    paths = _paths(browsers.client.app, seeded["values"])
    assert len(paths) > 100  # the crawl found the app's routes
    current: list[str] = ["", ""]
    writes: list[str] = []
    errors: list[str] = []

    def hook(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        audited = current[1] in AUDITED_DOWNLOADS and "INTO audit_events" in statement
        if WRITES.match(statement) and not audited:
            writes.append(f"{current[0]}: {statement.split(chr(10))[0][:120]}")

    event.listen(Engine, "before_cursor_execute", hook)
    try:
        for role in ROLES:
            browser = browsers.use(role)
            for path in paths:
                current[:] = [f"GET {path} as {role}", path]
                status = browser.get(path, follow_redirects=False).status_code
                if status >= 500:
                    errors.append(f"{current[0]}: {status}")
    finally:
        event.remove(Engine, "before_cursor_execute", hook)
    assert writes == [], "reads wrote:\n" + "\n".join(sorted(set(writes)))
    assert errors == [], "\n".join(errors)

    async def stored(s: Any) -> dict[str, str]:
        rows = await s.execute(select(Topic.slug, Topic.phase))
        return dict(rows.tuples().all())

    assert db(stored) == {slug: phases[0] for slug, phases in TOPICS.items()}
