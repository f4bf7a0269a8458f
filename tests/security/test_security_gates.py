"""Security gates over the whole application: CSRF on every state-changing form, inert user
text, rate limits, authorization across assemblies and grants, unlinkable secret ballots,
cookie flags and session rotation, and response headers.

Gates that live in the HTTP layer run on SQLite only (the database plays no part in them);
those about what is stored run on both databases.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from browser.world import FACILITATOR, OUTSIDER_RESEARCHER, PASSWORD, RESEARCHER, World, seed_world
from helpers import post_form, sign_in
from litestar.testing import TestClient
from sqlalchemy import func, inspect, select

from assembly.app import create_app
from assembly.db.models import AuditEvent, Ballot, BallotVoter, Proposal
from assembly.settings import Settings

PAYLOAD = "<script>alert(1)</script><b>x</b>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;"
PATH_VALUES = {"slug": "harbour", "topic_slug": "proposals-topic"}


@pytest.fixture
def world(db: Any) -> World:
    return db(seed_world)


def _client(settings: Settings, **changes: Any) -> TestClient[Any]:
    scheme = "https" if changes.get("secure_cookies") else "http"
    return TestClient(
        app=create_app(Settings(**{**settings.__dict__, **changes})),
        base_url=f"{scheme}://127.0.0.1",
    )


@pytest.fixture
def another(settings: Settings) -> Iterator[Any]:
    """Open further browsers (own cookies) on the same database."""
    opened: list[TestClient[Any]] = []

    def make(**changes: Any) -> TestClient[Any]:
        client = _client(settings, **changes).__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def state_changing_routes() -> list[str]:
    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key="x" * 32))
    paths = []
    for route in app.routes:
        methods = set(getattr(route, "methods", set()))
        if not methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        if route.path.startswith(("/api", "/schema")):
            continue
        paths.append(route.path)
    return sorted(paths)


def concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        return "1" if kind == "int" else PATH_VALUES.get(name, "x")

    return re.sub(r"\{(\w+):(\w+)\}", value, path)


# --- CSRF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_state_changing_form_needs_a_csrf_token(client: Any, world: World) -> None:
    routes = state_changing_routes()
    assert len(routes) > 20, routes  # the enumeration found the app's forms
    sign_in(client, FACILITATOR, PASSWORD)
    accepted = {}
    for path in routes:
        for token in (None, "forged-token"):
            body = "title=t&body=b&code=c&pseudonym=p&phase=closed"
            if token:
                body += f"&_csrf_token={token}"
            response = client.post(
                concrete(path),
                content=body,
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            if response.status_code != 403:
                accepted[(path, token)] = response.status_code
    assert not accepted, accepted


# --- script and markup are inert ----------------------------------------------------------


def _assert_inert(html: str) -> None:
    assert ESCAPED in html, "the text was not shown escaped"
    assert "<script>alert(1)" not in html
    assert "<b>x</b>" not in html


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_user_text_is_rendered_inert_everywhere(client: Any, world: World, another: Any) -> None:
    citizen = another()
    response = post_form(
        citizen,
        "/join",
        {"code": world.codes[0], "pseudonym": f"P {PAYLOAD}"[:40]},
        form_page="/join",
    )
    if response.status_code == 400:  # a pseudonym may refuse markup outright; then a plain one
        assert "<script>alert(1)" not in response.text
        response = post_form(
            citizen, "/join", {"code": world.codes[0], "pseudonym": "Plain Name"}, form_page="/join"
        )
    assert response.status_code == 303
    topic = world.topic_url("proposals")
    created = post_form(
        citizen, f"{topic}/proposals", {"title": PAYLOAD, "body": PAYLOAD}, form_page=topic
    )
    assert created.status_code == 303, created.text
    first = world.proposal_ids["proposals"][0]
    argued = post_form(
        citizen,
        f"{topic}/proposals/{first}/arguments",
        {"stance": "pro", "argument": PAYLOAD},
        form_page=topic,
    )
    assert argued.status_code == 303, argued.text
    _assert_inert(citizen.get(topic).text)
    _assert_inert(citizen.get(f"{topic}/proposals/{first}").text)

    sign_in(client, FACILITATOR, PASSWORD)
    made = post_form(
        client,
        "/manage/assemblies/new",
        {
            "title": PAYLOAD,
            "place": PAYLOAD,
            "description": PAYLOAD,
            "time_zone": "Europe/Oslo",
            "language": "en",
            "status": "published",
            "slug": "inert",
        },
        form_page="/manage/assemblies/new",
    )
    assert made.status_code == 303, made.text
    for page in ("/manage/assemblies/inert", "/assemblies/inert", "/assemblies", "/dashboard"):
        html = client.get(page).text
        assert "<script>alert(1)" not in html, page
        assert "<b>x</b>" not in html, page
    _assert_inert(client.get("/assemblies/inert").text)
    form = "/manage/assemblies/inert/topics/new"
    area = re.search(
        r'name="spotlight_area"[^>]*>\s*<option value="([^"]+)"', client.get(form).text
    )
    options = re.findall(r'<option value="([^"]+)"', client.get(form).text)
    topic_made = post_form(
        client,
        form,
        {
            "question": PAYLOAD,
            "background": PAYLOAD,
            "spotlight_area": area.group(1) if area else options[0],
            "voting_method": "approval",
            "seats": "1",
            "ballot_secrecy": "secret",
            "phase": "proposals",
        },
        form_page=form,
    )
    assert topic_made.status_code == 303, topic_made.text
    topic_page = topic_made.headers["location"].replace("/manage/assemblies/", "/assemblies/")
    _assert_inert(client.get(topic_page).text)
    _assert_inert(client.get("/manage/assemblies/inert").text)
    # The pseudonym is shown on the facilitator's list of who joined.
    invitations = client.get(f"/manage/assemblies/{world.slug}/invitations").text
    assert "<script>alert(1)" not in invitations


# --- rate limits --------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/join", {"code": "AAAA-BBBB-CCCC-DDDD", "pseudonym": "Guess"}),
        ("/signin", {"email": "nobody@example.org", "password": "wrong password"}),
    ],
)
def test_invite_codes_and_sign_in_are_rate_limited(
    another: Any, world: World, path: str, data: dict[str, str]
) -> None:
    strict = another(rate_limit_per_minute=3)
    statuses = [post_form(strict, path, data, form_page=path).status_code for _ in range(5)]
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3:] == [429, 429]


# --- authorization ------------------------------------------------------------------------


def test_a_participant_cannot_act_in_another_assembly(another: Any, world: World, db: Any) -> None:
    outsider = another()
    joined = post_form(
        outsider,
        "/join",
        {"code": world.other_codes[0], "pseudonym": "Fjord Fox"},
        form_page="/join",
    )
    assert joined.status_code == 303
    topic = world.topic_url("proposals")
    voting = world.topic_url("voting")
    first = world.proposal_ids["proposals"][0]
    attempts = {
        "propose": post_form(
            outsider, f"{topic}/proposals", {"title": "Intruder", "body": ""}, form_page="/"
        ),
        "argue": post_form(
            outsider,
            f"{topic}/proposals/{first}/arguments",
            {"stance": "pro", "argument": "Intruder"},
            form_page="/",
        ),
        "react": post_form(
            outsider, f"{topic}/proposals/{first}/reaction", {"reaction": "agree"}, form_page="/"
        ),
        "vote": post_form(
            outsider,
            f"{voting}/vote",
            {"choice": str(world.proposal_ids["voting"][0])},
            form_page="/",
        ),
        "vote form": outsider.get(f"{voting}/vote"),
    }
    assert {name: r.status_code for name, r in attempts.items()} == {name: 403 for name in attempts}

    async def stored(s: Any) -> tuple[int, int]:
        proposals = await s.scalar(
            select(func.count()).select_from(Proposal).where(Proposal.title == "Intruder")
        )
        ballots = await s.scalar(
            select(func.count())
            .select_from(Ballot)
            .where(Ballot.topic_id == world.topic_ids["voting"])
        )
        return proposals, ballots

    assert db(stored) == (0, 0)


def test_a_researcher_without_a_grant_gets_403(client: Any, another: Any, world: World) -> None:
    sign_in(client, OUTSIDER_RESEARCHER, PASSWORD)
    assert client.get(f"/research/{world.slug}").status_code == 403
    assert client.get(f"/research/{world.slug}/export.zip").status_code == 403
    granted = another()
    sign_in(granted, RESEARCHER, PASSWORD)
    assert granted.get(f"/research/{world.slug}").status_code == 200
    assert granted.get(f"/research/{world.other_slug}").status_code == 403


# --- secret ballots -----------------------------------------------------------------------


def test_secret_ballots_cannot_be_linked_to_participants(
    another: Any, world: World, db: Any
) -> None:
    voting = world.topic_url("voting")
    options = [str(i) for i in world.proposal_ids["voting"]]
    for n, code in enumerate(world.codes[:6]):
        citizen = another()
        post_form(citizen, "/join", {"code": code, "pseudonym": f"Voter {n}"}, form_page="/join")
        response = post_form(
            citizen, f"{voting}/vote", {"choice": options[n % 3]}, form_page=voting
        )
        assert response.status_code == 200, response.text

    async def inspect_tables(s: Any) -> dict[str, Any]:
        topic_id = world.topic_ids["voting"]
        ballots = (await s.scalars(select(Ballot).where(Ballot.topic_id == topic_id))).all()
        voters = (
            await s.scalars(select(BallotVoter).where(BallotVoter.topic_id == topic_id))
        ).all()
        ballot_ids = {str(b.id) for b in ballots}
        events = (
            await s.scalars(select(AuditEvent).where(AuditEvent.action.like("ballot%")))
        ).all()
        columns = await s.run_sync(
            lambda sync: {
                table: [c["name"] for c in inspect(sync.connection()).get_columns(table)]
                for table in ("ballots", "ballot_voters")
            }
        )
        return {
            "ballots": [(b.id, b.participant_id, b.cast_at, b.secrecy) for b in ballots],
            "voters": len(voters),
            "columns": columns,
            "linked_events": [
                (e.action, e.actor_id, e.subject_id, e.details)
                for e in events
                if e.actor_id is not None
                or e.subject_id in ballot_ids
                or any(str(v) in ballot_ids for v in (e.details or {}).values())
            ],
        }

    found = db(inspect_tables)
    assert len(found["ballots"]) == 6
    assert found["voters"] == 6
    for ballot_id, participant_id, cast_at, secrecy in found["ballots"]:
        assert secrecy == "secret"
        assert participant_id is None
        assert cast_at is None
        assert isinstance(ballot_id, uuid.UUID)
        assert ballot_id.version == 4
    # Nothing in ballot_voters points at a ballot, and no ballot column names a person or a time.
    assert not any("ballot_id" in name for name in found["columns"]["ballot_voters"])
    ballot_columns = set(found["columns"]["ballots"])
    assert not ballot_columns & {"created_at", "updated_at", "voter_id"}
    assert found["linked_events"] == []


# --- sessions and headers -----------------------------------------------------------------


def _set_cookie(response: Any, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[-1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("secure", [False, True])
def test_session_cookies_carry_the_right_flags_and_rotate(
    another: Any, world: World, secure: bool
) -> None:
    prefix = "__Host-" if secure else ""  # the browser enforces Secure, host-only, path /
    session_name, csrf_name = f"{prefix}assembly_session", f"{prefix}assembly_csrf"
    browser = another(secure_cookies=secure)
    browser.get("/signin")
    browser.cookies.set(session_name, "planted-by-an-attacker")  # a fixation attempt
    response = post_form(
        browser,
        "/signin",
        {"email": FACILITATOR, "password": PASSWORD, "next": "/dashboard"},
        form_page="/signin",
    )
    assert response.status_code == 303
    cookie = _set_cookie(response, session_name)
    assert "HttpOnly" in cookie
    assert re.search(r"SameSite=lax", cookie, re.I)
    assert ("Secure" in cookie) is secure
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    signed_in = cookie.split(";", 1)[0].split("=", 1)[1]
    assert signed_in not in ("planted-by-an-attacker", "")

    citizen = another(secure_cookies=secure)
    citizen.get("/join")
    post_form(
        citizen, "/join", {"code": "AAAA-BBBB-CCCC-DDDD", "pseudonym": "Early"}, form_page="/join"
    )
    before = citizen.cookies.get(session_name)
    joined = post_form(
        citizen, "/join", {"code": world.codes[7], "pseudonym": "Rotated"}, form_page="/join"
    )
    assert joined.status_code == 303
    after = _set_cookie(joined, session_name).split(";", 1)[0].split("=", 1)[1]
    assert after
    assert after != before
    csrf = [h for h in joined.headers.get_list("set-cookie") if h.startswith(f"{csrf_name}=")]
    assert csrf  # joining gives a new CSRF token, bound to the new session
    for header in csrf:
        assert "HttpOnly" in header
        assert ("Secure" in header) is secure


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "path", ["/", "/signin", "/no/such/page", "/static/css/app.css", "/schema/openapi.json"]
)
def test_security_headers_on_every_kind_of_response(client: Any, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    directives = dict(
        ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in directives.get("script-src", directives["default-src"])
    assert "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer", "strict-origin")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_pages_have_no_inline_script(client: Any, world: World) -> None:
    for path in [
        "/",
        "/join",
        "/signin",
        f"/assemblies/{world.slug}",
        world.topic_url("proposals"),
    ]:
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", html), path


def test_an_api_token_without_a_grant_gets_403(client: Any, db: Any, world: World) -> None:
    from assembly.api.services import create_token
    from assembly.db.models import Account

    async def tokens(s: Any) -> tuple[str, str]:
        made = []
        for email in (OUTSIDER_RESEARCHER, RESEARCHER):
            account = await s.scalar(select(Account).where(Account.email == email))
            made.append((await create_token(s, account, "gate"))[1])
        return made[0], made[1]

    outsider, granted = db(tokens)
    path = f"/api/v1/assemblies/{world.slug}/exports"
    assert client.get(path, headers={"Authorization": f"Bearer {outsider}"}).status_code == 403
    assert client.get(path, headers={"Authorization": f"Bearer {granted}"}).status_code == 200
    assert client.get(path).status_code == 401
