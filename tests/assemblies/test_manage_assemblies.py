"""Facilitator pages for assemblies: create, edit, publish, people, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest
from assemblies.manage_seed import account, audit_actions, login, seed, send
from helpers import post_form
from sqlalchemy import select

from assembly.db.models import Assembly, ResearchGrant

NEW = "/manage/assemblies/new"


def _form(**overrides: str) -> dict[str, str]:
    values = {
        "title": "Bymarka neighbourhood assembly",
        "slug": "",
        "place": "Trondheim",
        "language": "nb",
        "time_zone": "Europe/Oslo",
        "description": "How we use our green spaces.",
        "dq-count": "2",
        "dq-0-label": "Age group",
        "dq-0-options": "Under 30\n30-59\n60 or older",
        "dq-0-key": "age",
        "dq-0-optional": "on",
        "dq-1-label": "",
        "dq-1-options": "",
        "status": "draft",
    }
    values.update(overrides)
    return values


def _assembly(db: Any, slug: str) -> Assembly | None:
    return db(lambda s: s.scalar(select(Assembly).where(Assembly.slug == slug)))


@pytest.fixture
def facilitator(client: Any, db: Any) -> str:
    account(db, "fac@example.org")
    login(client, "fac@example.org")
    return "fac@example.org"


def test_create_assembly_makes_the_creator_facilitator(
    client: Any, db: Any, facilitator: str
) -> None:
    assert client.get(NEW).status_code == 200
    response = post_form(client, NEW, _form(), form_page=NEW)
    assert response.status_code == 303
    assert response.headers["location"] == "/manage/assemblies/bymarka-neighbourhood-assembly"
    assembly = _assembly(db, "bymarka-neighbourhood-assembly")
    assert assembly is not None
    assert [f.email for f in assembly.facilitators] == [facilitator]
    assert assembly.language == "nb"
    assert assembly.status == "draft"
    assert assembly.demographic_questions == [
        {
            "key": "age",
            "label": "Age group",
            "options": ["Under 30", "30-59", "60 or older"],
            "optional": True,
        }
    ]
    assert "assembly.created" in audit_actions(db)
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Bymarka neighbourhood assembly" in page.text
    assert 'href="/manage/assemblies/bymarka-neighbourhood-assembly/topics/new"' in page.text


def test_slugs_are_unique(client: Any, db: Any, facilitator: str) -> None:
    assert post_form(client, NEW, _form(), form_page=NEW).status_code == 303
    numbered = post_form(client, NEW, _form(), form_page=NEW)
    assert numbered.headers["location"].endswith("/bymarka-neighbourhood-assembly-2")
    assert post_form(client, NEW, _form(slug="bymarka"), form_page=NEW).status_code == 303
    response = post_form(client, NEW, _form(slug="bymarka", title="Another"), form_page=NEW)
    assert response.status_code == 400
    assert "already taken" in response.text
    assert 'value="Another"' in response.text
    reserved = post_form(client, NEW, _form(slug="new"), form_page=NEW)
    assert reserved.status_code == 400
    assert "already taken" in reserved.text
    bad = post_form(client, NEW, _form(slug="Not A Slug!"), form_page=NEW)
    assert bad.status_code == 400
    assert "single hyphens" in bad.text


def test_validation_keeps_what_was_typed(client: Any, db: Any, facilitator: str) -> None:
    response = post_form(
        client,
        NEW,
        _form(
            title="",
            time_zone="Mars/Olympus_Mons",
            description="My <b>careful</b> description",
            **{"dq-0-options": "only one answer", "dq-0-key": "9age"},
            language="de",
            status="archived",
        ),
        form_page=NEW,
    )
    assert response.status_code == 400
    text = response.text
    assert "Enter a title." in text
    assert "Choose a time zone from the list." in text
    assert "My &lt;b&gt;careful&lt;/b&gt; description" in text
    assert "Give between 2 and 30 answers, one a line." in text
    assert 'id="error-dq-0-options"' in text
    assert "Start with a small letter" in text
    assert ">only one answer</textarea>" in text
    assert "Choose a language from the list." in text
    assert "Choose draft or published." in text
    assert 'href="#field-time_zone"' in text
    assert db(lambda s: s.scalar(select(Assembly.id))) is None


def test_edit_keeps_the_slug_and_reports_errors(client: Any, db: Any) -> None:
    s = seed(db, status="draft")
    login(client, s.facilitator)
    edit = f"{s.manage}/edit"
    page = client.get(edit)
    assert page.status_code == 200
    assert 'value="Harbour assembly"' in page.text
    bad = post_form(client, edit, _form(title="Renamed", time_zone="Nowhere/Town"), form_page=edit)
    assert bad.status_code == 400
    assert 'value="Renamed"' in bad.text
    good = post_form(client, edit, _form(title="Renamed", slug="hijack"), form_page=edit)
    assert good.status_code == 303
    assert good.headers["location"] == s.manage
    assembly = _assembly(db, s.slug)
    assert assembly is not None
    assert assembly.title == "Renamed"
    assert assembly.language == "nb"
    assert _assembly(db, "hijack") is None
    assert "assembly.updated" in audit_actions(db)


def test_publish_and_unpublish(client: Any, db: Any) -> None:
    s = seed(db, status="draft")
    assert "Harbour assembly" not in client.get("/assemblies").text
    login(client, s.facilitator)
    assert send(client, f"{s.manage}/publish", {}).status_code == 303
    assert _assembly(db, s.slug).status == "published"  # type: ignore[union-attr]
    client.cookies.clear()
    listing = client.get("/assemblies")
    assert listing.status_code == 200
    assert f'href="/assemblies/{s.slug}"' in listing.text
    login(client, s.facilitator)
    assert send(client, f"{s.manage}/unpublish", {}).status_code == 303
    assert _assembly(db, s.slug).status == "draft"  # type: ignore[union-attr]
    assert audit_actions(db, "assembly.")[-2:] == ["assembly.published", "assembly.unpublished"]


def test_co_facilitator_by_email(client: Any, db: Any) -> None:
    s = seed(db)
    account(db, "co@example.org")
    account(db, "res@example.org", "researcher")
    login(client, s.facilitator)
    url = f"{s.manage}/facilitators"
    unknown = send(client, url, {"facilitator_email": "nobody@example.org"})
    assert unknown.status_code == 400
    assert "no facilitator account" in unknown.text
    assert 'value="nobody@example.org"' in unknown.text
    researcher = send(client, url, {"facilitator_email": "res@example.org"})
    assert researcher.status_code == 400
    assert send(client, url, {"facilitator_email": " CO@example.org "}).status_code == 303
    again = send(client, url, {"facilitator_email": "co@example.org"})
    assert again.status_code == 400
    assert "already facilitates" in again.text
    client.cookies.clear()
    login(client, "co@example.org")
    assert client.get(s.manage).status_code == 200
    assert "assembly.facilitator_added" in audit_actions(db)


def test_research_access_grant_and_revoke(client: Any, db: Any) -> None:
    s = seed(db)
    account(db, "res@example.org", "researcher")
    login(client, s.facilitator)
    url = f"{s.manage}/researchers"
    wrong = send(client, url, {"researcher_email": s.facilitator})
    assert wrong.status_code == 400
    assert "no researcher account" in wrong.text
    assert send(client, url, {"researcher_email": "res@example.org"}).status_code == 303
    twice = send(client, url, {"researcher_email": "res@example.org"})
    assert twice.status_code == 400
    assert "already has access" in twice.text
    grant = db(lambda s_: s_.scalar(select(ResearchGrant)))
    assert grant is not None
    assert grant.assembly_id == s.assembly_id
    overview = client.get(s.manage)
    assert "res@example.org" in overview.text
    revoke = f"{s.manage}/researchers/{grant.account_id}/revoke"
    assert send(client, revoke, {}).status_code == 303
    assert db(lambda s_: s_.scalar(select(ResearchGrant))) is None
    assert send(client, revoke, {}).status_code == 404
    assert audit_actions(db, "research.") == ["research.granted", "research.revoked"]
    # Administrators may manage every assembly and grant access too.
    account(db, "admin@example.org", "admin")
    client.cookies.clear()
    login(client, "admin@example.org")
    assert client.get(s.manage).status_code == 200
    assert send(client, url, {"researcher_email": "res@example.org"}).status_code == 303


MANAGE_GETS = ["", "/edit"]
MANAGE_POSTS = ["/edit", "/publish", "/unpublish", "/facilitators", "/researchers"]


def test_anonymous_is_sent_to_sign_in(client: Any, db: Any) -> None:
    s = seed(db)
    for suffix in MANAGE_GETS:
        response = client.get(s.manage + suffix, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=")
    assert client.get(NEW, follow_redirects=False).status_code == 303
    response = post_form(client, f"{s.manage}/publish", {}, form_page="/signin")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


def test_other_facilitators_and_researchers_are_refused(client: Any, db: Any) -> None:
    s = seed(db, status="draft")
    account(db, "other@example.org")
    account(db, "res@example.org", "researcher")
    # Another facilitator is told a draft is missing, so its slug's existence does not leak;
    # a researcher is refused every manage page outright.
    for email, status in (("other@example.org", 404), ("res@example.org", 403)):
        client.cookies.clear()
        login(client, email)
        for suffix in MANAGE_GETS:
            assert client.get(s.manage + suffix).status_code == status
        for suffix in MANAGE_POSTS:
            sent = send(client, s.manage + suffix, {"facilitator_email": email})
            assert sent.status_code == status
    assert client.get(NEW).status_code == 403
    assert _assembly(db, s.slug).status == "draft"  # type: ignore[union-attr]


def test_unknown_assembly_index_and_missing_csrf(client: Any, db: Any, facilitator: str) -> None:
    assert client.get("/manage/assemblies/nowhere").status_code == 404
    index = client.get("/manage/assemblies", follow_redirects=False)
    assert index.status_code == 303
    assert index.headers["location"] == "/dashboard"
    client.get(NEW)
    response = client.post(
        NEW,
        content="title=No+token&time_zone=Europe%2FOslo&language=en&status=draft",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert db(lambda s: s.scalar(select(Assembly.id))) is None


def test_overview_counts_participants_and_invitations(client: Any, db: Any) -> None:
    from assemblies.manage_seed import participant

    s = seed(db)
    participant(db, s.assembly_id, "Birch 12")
    participant(db, s.assembly_id, "Paper 1", channel="paper")
    login(client, s.facilitator)
    page = client.get(s.manage)
    assert page.status_code == 200
    assert "<dt>Participants</dt><dd>2</dd>" in page.text
    assert "<dt>On paper</dt><dd>1</dd>" in page.text
    assert "How should we use the old harbour?" in page.text


def test_questions_are_built_added_moved_and_removed(
    client: Any, db: Any, facilitator: str
) -> None:
    page = client.get(NEW)
    assert 'name="dq-0-label"' in page.text
    assert 'value="Europe/Oslo" selected' in page.text
    # The zones of the assembly's country come first.
    assert page.text.index('value="Europe/Oslo"') < page.text.index('value="Africa/Abidjan"')
    form = _form(**{"dq-1-label": "Where do you live?", "dq-1-options": "North\nSouth"})
    added = post_form(client, NEW, {**form, "dq_action": "add"}, form_page=NEW)
    assert added.status_code == 200
    assert 'name="dq-2-label"' in added.text
    moved = post_form(client, NEW, {**form, "dq_action": "up:1"}, form_page=NEW)
    assert moved.text.index("Where do you live?") < moved.text.index('value="Age group"')
    assert _assembly(db, "bymarka-neighbourhood-assembly") is None  # nothing saved yet
    removed = post_form(client, NEW, {**form, "dq_action": "remove:0"}, form_page=NEW)
    assert 'value="Age group"' not in removed.text
    assert "Where do you live?" in removed.text
    form = {**form, "dq-0-optional": "", "dq-1-key": ""}
    assert post_form(client, NEW, form, form_page=NEW).status_code == 303
    assembly = _assembly(db, "bymarka-neighbourhood-assembly")
    assert assembly is not None
    assert assembly.demographic_questions == [
        {
            "key": "age",
            "label": "Age group",
            "options": ["Under 30", "30-59", "60 or older"],
            "optional": False,
        },
        {
            "key": "where_do_you_live",
            "label": "Where do you live?",
            "options": ["North", "South"],
            "optional": False,
        },
    ]
