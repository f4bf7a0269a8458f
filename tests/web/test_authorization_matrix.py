"""Every role against every route: who may read, who may act, and what everyone else gets.

Assembly A is a draft; its facilitator, its participants, a researcher granted A and an
administrator belong to it. A second, published assembly B has its own facilitator and
participant. For each route the expected answer per role follows from the route's family:

- public pages answer everyone;
- `/manage/...` sends the anonymous and citizens to sign in (a 303 to /signin, which never
  counts as "allowed"), is missing (404) for other facilitators (A is a draft) and refuses
  other accounts (403);
- `/research/...` likewise, letting in A's researcher, A's facilitators and administrators;
- `/assemblies/A/...` is missing (404) for everyone outside A, since A is a draft;
- `/api/...` answers 401/404 without a token (the API has its own token tests).

Allowed roles must never get 401, 403 or a server error; state-changing routes are also posted
to by every refused role, which must be refused the same way and change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from helpers import csrf_token, post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import func, select

from assembly.accounts.services import create_account
from assembly.app import create_app
from assembly.db.models import (
    Argument,
    Assembly,
    Proposal,
    ResearchGrant,
    SpotlightArea,
    Topic,
)
from assembly.invitations.services import issue_codes
from assembly.settings import Settings

PASSWORD = "correct horse battery"
ROLES = (
    "anonymous",
    "citizen_a",
    "citizen_b",
    "facilitator_a",
    "facilitator_b",
    "researcher_a",
    "researcher_none",
    "admin",
)
MEMBERS_OF_A = {"citizen_a", "facilitator_a", "researcher_a", "admin"}
MANAGERS_OF_A = {"facilitator_a", "admin"}
RESEARCHERS_OF_A = {"researcher_a", "facilitator_a", "admin"}
NO_ACCOUNT = {"anonymous", "citizen_a", "citizen_b"}
PUBLIC_PREFIXES = ("/static", "/schema")
PUBLIC_PATHS = {
    "/",
    "/practices",
    "/assemblies",
    "/signin",
    "/join",
    "/areas/{slug}",
    "/practices/{slug}",
    "/join/return",
    "/left",
    "/account/reset",
    "/account/reset/{code}",
    "/favicon.ico",
    "/privacy",
    "/accessibility",
    "/about",
}
# Reached by any signed-in account, whatever its assemblies.
ACCOUNT_PATHS = {"/dashboard"}
# Pages for participants only: members of A without a participant record are refused (403).
PARTICIPANT_PAGES = (
    "/about-you",
    "/proposals/new",
    "/vote",
    "/vote/change",
    "/about-you/questions",
    "/return-code",
    "/return-code/kept",
    "/your-data",
    "/your-data/download",
    "/your-data/withdraw",
    "/questionnaires",
    "/questionnaires/{qid}",
)
# Only a proposal's or an argument's author may edit it; the seeded ones have none.
AUTHOR_PAGES = ("/proposals/{proposal_id}/edit", "/arguments/{argument_id}/edit")
# Writing a recommendation is for an assembly's facilitators (and the members they make drafters).
DRAFTER_PAGES = ("/recommendations/new",)
# Routes naming a record the seed does not create (a draw, a table plan, a questionnaire):
# 404 is right there.
MISSING_RECORDS = (
    "{selection_id}",
    "{plan_id}",
    "{invite_id}",
    "{token_id}",
    "{code}",
    "{number}",
    "{meeting_id}",
    "{qid}",
)
# Pages only some voting methods have: the seeded approval topic has no costs page.
METHOD_PAGES = ("/costs",)
# Actions anyone may send (they change only the sender's own session or language, or need a
# one-time code of their own).
OPEN_ACTIONS = {
    "/language",
    "/easy-read",
    "/signin",
    "/signout",
    "/join",
    "/join/return",
    "/leave",
    "/account/reset/{code}",
}


def _values(seeded: dict[str, Any]) -> dict[str, str]:
    return {
        "slug": seeded["slug"],
        "topic_slug": "harbour",
        "proposal_id": str(seeded["proposal_id"]),
        "argument_id": str(seeded["argument_id"]),
        "invite_id": "1",
        "account_id": str(seeded["researcher_id"]),
        "token_id": "1",
        "plan_id": "1",
        "round_number": "1",
        "table_number": "1",
        "selection_id": "1",
        "format_name": "json",
        "area": "well-and-fair-development",
        "practice": "wigan-deal",
        "path": "openapi.json",
        "file_path": "css/app.css",
    }


def _routes(app: Any) -> list[tuple[str, str, frozenset[str]]]:
    found = []
    for route in app.routes:
        if not hasattr(route, "route_handlers"):
            continue
        template = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        methods = frozenset(m for m in route.methods if m in {"GET", "POST"})
        found.append((route.path, template, methods))
    return found


SIGN_IN = "sign in"
REDIRECTS = (301, 302, 303, 307, 308)


def _sends_to_sign_in(response: Any) -> bool:
    """A redirect to the sign-in page: the route refused the viewer for want of an account."""
    location = response.headers.get("location", "")
    return response.status_code == 303 and location.split("?")[0] == "/signin"


def test_a_sign_in_redirect_is_told_from_a_page(
    clients: tuple[dict[str, TestClient[Any]], dict[str, Any]],
) -> None:
    made, _seeded = clients
    refused = made["anonymous"].get("/dashboard", follow_redirects=False)
    assert _sends_to_sign_in(refused)
    assert refused.headers["location"] == "/signin?next=/dashboard"
    assert not _sends_to_sign_in(made["admin"].get("/dashboard", follow_redirects=False))


def _expected(template: str, role: str) -> str:
    """'allow', or the one status a refused role must get."""
    if template.startswith(PUBLIC_PREFIXES) or template in PUBLIC_PATHS | OPEN_ACTIONS:
        return "allow"
    if template in ACCOUNT_PATHS or template.startswith("/research/tokens"):
        if role in NO_ACCOUNT:
            return SIGN_IN
        if template.startswith("/research/tokens") and role.startswith("facilitator"):
            return "403"
        return "allow"
    if template.startswith("/admin/"):
        if role in NO_ACCOUNT:
            return SIGN_IN
        return "allow" if role == "admin" else "403"
    if template.startswith("/manage/"):
        if role in NO_ACCOUNT:
            return SIGN_IN
        if template == "/manage/assemblies/new" or template == "/manage/assemblies":
            return "allow" if role.startswith(("facilitator", "admin")) else "403"
        if role in MANAGERS_OF_A:
            return "allow"
        # Other facilitators are told draft A is missing, so its slug does not leak.
        return "404" if role.startswith("facilitator") else "403"
    if template.startswith("/research/"):
        if role in NO_ACCOUNT:
            return SIGN_IN
        return "allow" if role in RESEARCHERS_OF_A else "403"
    if template.startswith("/respond/"):
        # For responders granted the assembly; the matrix has none.
        return SIGN_IN if role in NO_ACCOUNT else "403"
    if template.startswith("/api/"):
        if template == "/api/v1/assemblies":
            return "allow"
        return "api"
    if template.startswith("/assemblies/"):
        if role not in MEMBERS_OF_A:
            return "404"
        if template.endswith(AUTHOR_PAGES):
            return "403"
        if template.endswith(PARTICIPANT_PAGES) and role != "citizen_a":
            return "403"
        if template.endswith(DRAFTER_PAGES) and role not in MANAGERS_OF_A:
            return "403"
        return "allow"
    raise AssertionError(f"route {template} has no authorization rule: add one")


async def _seed(db: Any, secret: str) -> dict[str, Any]:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    accounts = {
        role: await create_account(db, f"{role}@example.org", PASSWORD, kind)
        for role, kind in (
            ("facilitator_a", "facilitator"),
            ("facilitator_b", "facilitator"),
            ("researcher_a", "researcher"),
            ("researcher_none", "researcher"),
            ("admin", "admin"),
        )
    }
    codes: dict[str, str] = {}
    ids: dict[str, Any] = {}
    for key, status, owner in (
        ("a", "draft", "facilitator_a"),
        ("b", "published", "facilitator_b"),
    ):
        assembly = Assembly(slug=f"assembly-{key}", title=f"Assembly {key}", status=status)
        assembly.facilitators = [accounts[owner]]
        db.add(assembly)
        await db.flush()
        topic = Topic(
            assembly_id=assembly.id,
            slug="harbour",
            question="What should the harbour become?",
            spotlight_area_id=area.id,
            voting_method="approval",
            phase="proposals",
        )
        db.add(topic)
        await db.flush()
        proposal = Proposal(topic_id=topic.id, title="Benches", body="More benches")
        db.add(proposal)
        await db.flush()
        argument = Argument(proposal_id=proposal.id, stance="pro", body="Rest for the old")
        db.add(argument)
        await db.flush()
        issued = await issue_codes(db, assembly, 1, secret)
        codes[key] = issued[0].code
        ids[key] = {
            "assembly_id": assembly.id,
            "proposal_id": proposal.id,
            "argument_id": argument.id,
        }
    db.add(
        ResearchGrant(assembly_id=ids["a"]["assembly_id"], account_id=accounts["researcher_a"].id)
    )
    return {
        "slug": "assembly-a",
        "codes": codes,
        "proposal_id": ids["a"]["proposal_id"],
        "argument_id": ids["a"]["argument_id"],
        "researcher_id": accounts["researcher_a"].id,
    }


async def _state(db: Any) -> tuple[int, ...]:
    counts = []
    for model in (Assembly, Topic, Proposal, Argument, ResearchGrant):
        counts.append(int(await db.scalar(select(func.count()).select_from(model)) or 0))
    assembly = await db.scalar(select(Assembly).where(Assembly.slug == "assembly-a"))
    topic = await db.scalar(select(Topic).where(Topic.assembly_id == assembly.id))
    # Allowed reads may write audit rows (an export download), so audit rows are not compared.
    return (*counts, hash(assembly.status), hash(topic.phase))


@pytest.fixture
def clients(
    settings: Settings, db: Any
) -> Iterator[tuple[dict[str, TestClient[Any]], dict[str, Any]]]:
    seeded = db(lambda s: _seed(s, settings.secret_key))
    with ExitStack() as stack:
        made: dict[str, TestClient[Any]] = {}
        for role in ROLES:
            client = stack.enter_context(
                TestClient(app=create_app(settings), base_url="http://127.0.0.1")
            )
            if role.startswith("citizen"):
                key = role[-1]
                response = post_form(
                    client,
                    "/join",
                    {"code": seeded["codes"][key], "pseudonym": f"Person {key}"},
                    form_page="/join",
                )
                assert response.status_code == 303, response.text
            elif role != "anonymous":
                sign_in(client, f"{role}@example.org", PASSWORD)
            made[role] = client
        yield made, seeded


def test_every_role_against_every_route(
    clients: tuple[dict[str, TestClient[Any]], dict[str, Any]], db: Any
) -> None:
    made, seeded = clients
    values = _values(seeded)
    app = made["anonymous"].app
    failures: list[str] = []
    before = db(_state)
    for _raw, template, methods in _routes(app):
        fill = {k: values.get(k, "1") for k in re.findall(r"{(\w+)}", template)}
        if template.startswith(("/areas/", "/practices/")):
            fill["slug"] = values["area" if template.startswith("/areas/") else "practice"]
        path = template.format(**fill)
        for role in ROLES:
            expected = _expected(template, role)
            client = made[role]
            if "GET" in methods:
                response = client.get(path, follow_redirects=False)
                status = response.status_code
                to_sign_in = _sends_to_sign_in(response)
                if expected == "allow":
                    # 404 is right only where the seed made no such record, or where a page
                    # exists only in a later phase (ballots, summaries, the present view).
                    later = ("ballots", "summary", "present", "report", "tracker")
                    may_be_missing = any(
                        m in template for m in (*MISSING_RECORDS, *later, *METHOD_PAGES)
                    )
                    ok = (
                        status < 500
                        and status not in (401, 403)
                        and (status != 404 or may_be_missing)
                        and not to_sign_in  # a sign-in page is a refusal, not a page
                    )
                elif expected == "api":
                    ok = status in (401, 404)
                elif expected == SIGN_IN:
                    ok = to_sign_in
                else:
                    ok = status == int(expected)
                if not ok:
                    where = f" to {response.headers.get('location')}" if status in REDIRECTS else ""
                    failures.append(f"GET {path} as {role}: {status}{where}, expected {expected}")
            if (
                "POST" in methods
                and expected not in ("allow", "api")
                and template not in OPEN_ACTIONS
            ):
                token = client.cookies.get("assembly_csrf") or csrf_token(client, "/")
                response = client.post(
                    path,
                    content=f"_csrf_token={token}&title=x&body=x&reason=x&phase=voting&stance=pro&reaction=agree&email=x%40example.org",
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    follow_redirects=False,
                )
                refused = (
                    _sends_to_sign_in(response)
                    if expected == SIGN_IN
                    else (response.status_code == int(expected))
                )
                if not refused:
                    failures.append(
                        f"POST {path} as {role}: {response.status_code}, expected {expected}"
                    )
    assert failures == [], "\n".join(failures)
    assert db(_state) == before, "a refused request changed something"
