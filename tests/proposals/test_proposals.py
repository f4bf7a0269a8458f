"""Proposals, arguments and reactions: every flow, rule and error path."""

from __future__ import annotations

from typing import Any

import pytest
from participants.assembly_seed import (
    another_client,
    first_id,
    join,
    post_form,
    seed_assembly,
    set_phase,
)
from sqlalchemy import func, select

from assembly.db.models import Argument, AuditEvent, Proposal, Reaction


def _propose(client: Any, seed: Any, title: str, body: str = "") -> Any:
    return post_form(
        client,
        f"{seed.topic_url}/proposals",
        {"title": title, "body": body},
        form_page=seed.topic_url,
    )


def _count(db: Any, model: Any) -> int:
    async def work(s: Any) -> int:
        return await s.scalar(select(func.count()).select_from(model))

    return db(work)


@pytest.fixture
def seed(db: Any) -> Any:
    return db(lambda s: seed_assembly(s))


def test_participant_proposes_and_sees_it(client: Any, db: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    response = _propose(client, seed, "A park by the water", "Trees.\n\nBenches.")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{seed.topic_url}#proposal-")
    page = client.get(seed.topic_url)
    assert "A park by the water" in page.text
    assert "Proposed by Aspen 10" in page.text
    assert "<p>Trees.</p><p>Benches.</p>" in page.text

    async def audit(s: Any) -> int:
        return await s.scalar(select(func.count()).where(AuditEvent.action == "proposal.created"))

    assert db(audit) == 1


def test_markup_in_proposals_is_inert(client: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    _propose(client, seed, "<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
    page = client.get(seed.topic_url).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_invalid_proposal_keeps_the_text(client: Any, db: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    cases = [
        ("t" * 121, "kept body", "title", "at most 120 characters; it has 121"),
        ("Kept title", "b" * 2001, "body", "at most 2,000 characters; it has 2001"),
        ("", "kept body", "title", "Give your proposal a title."),
    ]
    for title, body, field, message in cases:
        response = _propose(client, seed, title, body)
        assert response.status_code == 400
        assert message in response.text
        assert f'href="#field-{field}"' in response.text
        if title:
            assert f'value="{title}"' in response.text
        assert body in response.text
    assert _count(db, Proposal) == 0
    assert _propose(client, seed, "t" * 120, "b" * 2000).status_code == 303


def test_proposals_only_while_proposals_are_open(client: Any, db: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    set_phase(db, seed.topic_id, "deliberation")
    response = _propose(client, seed, "Too late", "Still typed")
    assert response.status_code == 400
    assert "only be made while proposals are open" in response.text
    assert "Still typed" in response.text
    assert _count(db, Proposal) == 0


def test_anonymous_and_outsiders_cannot_post(client: Any, db: Any, seed: Any) -> None:
    other = db(lambda s: seed_assembly(s, slug="other"))
    response = _propose(client, seed, "Anonymous idea")
    assert response.status_code == 403
    join(client, other.codes[0], "Stranger")
    assert _propose(client, seed, "Outsider idea").status_code == 403
    assert client.get(f"{seed.topic_url}/proposals/new").status_code == 403
    assert _count(db, Proposal) == 0


def test_outsider_cannot_act_in_a_draft_assembly(client: Any, db: Any) -> None:
    draft = db(lambda s: seed_assembly(s, slug="draft", status="draft"))
    other = db(lambda s: seed_assembly(s, slug="other"))
    join(client, other.codes[0], "Stranger")
    assert _propose(client, draft, "Sneaky").status_code == 404


def test_author_edits_until_the_phase_ends(client: Any, db: Any, seed: Any, settings: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    _propose(client, seed, "First title", "First body")
    proposal_id = first_id(client.get(seed.topic_url).text)
    edit = f"{seed.topic_url}/proposals/{proposal_id}/edit"
    form = client.get(edit)
    assert form.status_code == 200
    assert 'value="First title"' in form.text
    bad = post_form(client, edit, {"title": "x" * 130, "body": "New body"}, form_page=edit)
    assert bad.status_code == 400
    assert "New body" in bad.text
    ok = post_form(client, edit, {"title": "Better title", "body": "New body"}, form_page=edit)
    assert ok.status_code == 303
    assert "Better title" in client.get(seed.topic_url).text
    with another_client(settings) as other:
        join(other, seed.codes[1], "Birch 20")
        assert other.get(edit).status_code == 403
        refused = post_form(
            other, edit, {"title": "Hijacked", "body": ""}, form_page=seed.topic_url
        )
        assert refused.status_code == 403
    set_phase(db, seed.topic_id, "deliberation")
    late = post_form(
        client, edit, {"title": "Late change", "body": "typed"}, form_page=seed.topic_url
    )
    assert late.status_code == 400
    assert "only be edited while proposals are open" in late.text
    assert 'value="Late change"' in late.text

    async def title(s: Any) -> str:
        return (await s.get(Proposal, proposal_id)).title

    assert db(title) == "Better title"


def test_arguments_for_and_against(client: Any, db: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    _propose(client, seed, "A park")
    proposal_id = first_id(client.get(seed.topic_url).text)
    url = f"{seed.topic_url}/proposals/{proposal_id}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="add-argument"' in page.text
    # No side is chosen for the writer: they pick for or against themselves.
    assert 'name="stance" value="pro" checked' not in page.text
    assert 'name="stance" value="con" checked' not in page.text
    sideless = post_form(client, f"{url}/arguments", {"argument": "Undecided words"}, form_page=url)
    assert sideless.status_code == 400
    assert "Choose whether this argument is for or against the proposal." in sideless.text
    assert "Undecided words" in sideless.text
    pro = post_form(
        client, f"{url}/arguments", {"stance": "pro", "argument": "Shade in summer"}, form_page=url
    )
    assert pro.status_code == 303
    set_phase(db, seed.topic_id, "deliberation")
    con = post_form(
        client, f"{url}/arguments", {"stance": "con", "argument": "Costly upkeep"}, form_page=url
    )
    assert con.status_code == 303
    page = client.get(url).text
    assert "For (1)" in page
    assert "Against (1)" in page
    assert page.index("Shade in summer") < page.index("Costly upkeep")
    empty = post_form(
        client, f"{url}/arguments", {"stance": "con", "argument": "  "}, form_page=url
    )
    assert empty.status_code == 400
    assert "Write your argument." in empty.text
    stance = post_form(
        client, f"{url}/arguments", {"stance": "maybe", "argument": "kept words"}, form_page=url
    )
    assert stance.status_code == 400
    assert "kept words" in stance.text
    long = post_form(
        client, f"{url}/arguments", {"stance": "pro", "argument": "a" * 1001}, form_page=url
    )
    assert long.status_code == 400
    assert "at most 1,000 characters" in long.text
    set_phase(db, seed.topic_id, "voting")
    closed = post_form(
        client, f"{url}/arguments", {"stance": "pro", "argument": "After the bell"}, form_page=url
    )
    assert closed.status_code == 400
    assert "After the bell" in closed.text
    assert _count(db, Argument) == 2


def test_reacting_twice_updates_the_one_reaction(client: Any, db: Any, seed: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    _propose(client, seed, "A park")
    proposal_id = first_id(client.get(seed.topic_url).text)
    url = f"{seed.topic_url}/proposals/{proposal_id}/reaction"
    assert (
        post_form(client, url, {"reaction": "agree"}, form_page=seed.topic_url).status_code == 303
    )
    assert "Agree: 1" in client.get(seed.topic_url).text
    assert (
        post_form(client, url, {"reaction": "disagree"}, form_page=seed.topic_url).status_code
        == 303
    )
    page = client.get(seed.topic_url).text
    assert "Agree: 0" in page
    assert "Disagree: 1" in page
    assert "Your reaction" in page
    # The chosen reaction is marked for sight (a filled button with a check) and for screen readers.
    assert 'value="disagree" aria-pressed="true"' in page
    assert 'value="agree" aria-pressed="false"' in page
    assert page.count('aria-pressed="true"') == 1

    async def reactions(s: Any) -> list[str]:
        return list((await s.scalars(select(Reaction.reaction))).all())

    assert db(reactions) == ["disagree"]
    bad = post_form(client, url, {"reaction": "love"}, form_page=seed.topic_url)
    assert bad.status_code == 400
    set_phase(db, seed.topic_id, "voting")
    closed = post_form(client, url, {"reaction": "pass"}, form_page=seed.topic_url)
    assert closed.status_code == 400
    assert "Reactions are open" in closed.text
    assert db(reactions) == ["disagree"]


def test_hidden_and_merged_proposals(client: Any, db: Any, seed: Any, settings: Any) -> None:
    join(client, seed.codes[0], "Aspen 10")
    _propose(client, seed, "Keep this")
    _propose(client, seed, "Duplicate idea")
    _propose(client, seed, "Rude idea")
    url = f"{seed.topic_url}/proposals"
    proposal_url = f"{url}/1"
    client.get(proposal_url)

    async def moderate(s: Any) -> dict[str, int]:
        rows = {p.title: p for p in (await s.scalars(select(Proposal))).all()}
        rows["Rude idea"].status = "hidden"
        rows["Rude idea"].moderation_reason = "Please keep a civil tone."
        rows["Duplicate idea"].status = "merged"
        rows["Duplicate idea"].merged_into_id = rows["Keep this"].id
        s.add(
            Argument(
                proposal_id=rows["Keep this"].id,
                participant_id=rows["Keep this"].participant_id,
                stance="pro",
                body="Off-topic remark",
                status="hidden",
                moderation_reason="Off topic.",
            )
        )
        return {title: p.id for title, p in rows.items()}

    ids = db(moderate)
    mine = client.get(seed.topic_url).text
    assert "Rude idea" in mine
    assert "Please keep a civil tone." in mine
    assert "Off-topic remark" in mine
    assert "Off topic." in mine
    assert "Merged into" in mine
    assert f'href="{seed.topic_url}#proposal-{ids["Keep this"]}"' in mine
    assert client.get(f"{url}/{ids['Rude idea']}").status_code == 200
    with another_client(settings) as other:
        page = other.get(seed.topic_url).text
        assert "Rude idea" not in page
        assert "Please keep a civil tone." not in page
        assert "Off-topic remark" not in page
        assert "Merged into" in page
        assert other.get(f"{url}/{ids['Rude idea']}").status_code == 404
        join(other, seed.codes[1], "Birch 20")
        assert "Rude idea" not in other.get(seed.topic_url).text
        hidden_reaction = post_form(
            other,
            f"{url}/{ids['Keep this']}/reaction",
            {"reaction": "agree"},
            form_page=seed.topic_url,
        )
        assert hidden_reaction.status_code == 303
        merged_reaction = post_form(
            other,
            f"{url}/{ids['Duplicate idea']}/reaction",
            {"reaction": "agree"},
            form_page=seed.topic_url,
        )
        assert merged_reaction.status_code == 400
