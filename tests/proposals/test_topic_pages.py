"""The public assembly and topic pages: what each kind of reader sees."""

from __future__ import annotations

from typing import Any

from participants.assembly_seed import (
    add_proposals,
    another_client,
    assert_unique_ids,
    join,
    post_form,
    seed_assembly,
    set_phase,
)


def test_published_assembly_and_topic_are_public(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    page = client.get(f"/assemblies/{seed.slug}")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "Second &lt;b&gt;paragraph&lt;/b&gt;" in page.text  # user text is escaped
    assert "<p>Line one</p>" in page.text
    assert seed.topic_url in page.text
    assert 'href="/join"' in page.text
    topic = client.get(seed.topic_url)
    assert topic.status_code == 200
    assert "How should we use the old harbour?" in topic.text
    assert "Some background.<br>" in topic.text
    assert "Proposals open" in topic.text
    # 16:00 UTC on 1 May 2031 is 18:00 in Oslo (summer time).
    assert "6:00" in topic.text
    assert "Europe/Oslo" in topic.text
    assert 'datetime="2031-05-01T16:00:00+00:00"' in topic.text
    assert "Join with an invite code to take part" in topic.text


def test_unknown_assembly_and_topic_are_404(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    assert client.get("/assemblies/nowhere").status_code == 404
    assert client.get(f"/assemblies/{seed.slug}/topics/nothing").status_code == 404
    assert client.get(f"{seed.topic_url}/proposals/999999").status_code == 404


def test_draft_assembly_only_for_its_people(client: Any, db: Any, settings: Any) -> None:
    draft = db(lambda s: seed_assembly(s, slug="draft", status="draft"))
    other = db(lambda s: seed_assembly(s, slug="other"))
    assert client.get(f"/assemblies/{draft.slug}").status_code == 404
    assert client.get(draft.topic_url).status_code == 404
    join(client, other.codes[0], "Outsider")
    assert client.get(f"/assemblies/{draft.slug}").status_code == 404
    assert client.get(draft.topic_url).status_code == 404
    with another_client(settings) as member:
        join(member, draft.codes[0], "Member")
        assert member.get(f"/assemblies/{draft.slug}").status_code == 200
        assert member.get(draft.topic_url).status_code == 200


def test_topic_in_preparation_is_hidden_from_participants(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="draft"))
    join(client, seed.codes[0], "Early bird")
    assert client.get(seed.topic_url).status_code == 404
    assert seed.topic_url not in client.get(f"/assemblies/{seed.slug}").text


def test_facilitator_sees_a_topic_in_preparation(client: Any, db: Any) -> None:
    from helpers import sign_in
    from participants.assembly_seed import PASSWORD

    seed = db(lambda s: seed_assembly(s, phase="draft", facilitator=True))
    sign_in(client, seed.facilitator_email, PASSWORD)
    assert client.get(seed.topic_url).status_code == 200


def test_participant_sees_vote_link_only_in_voting(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    join(client, seed.codes[0], "Voter")
    assert f'href="{seed.topic_url}/vote"' not in client.get(seed.topic_url).text
    set_phase(db, seed.topic_id, "voting")
    assert f'href="{seed.topic_url}/vote"' in client.get(seed.topic_url).text


def test_pages_have_unique_ids_and_one_heading(client: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s))
    ids = add_proposals(db, seed.topic_id, ["Park", "Pier"])
    join(client, seed.codes[0], "Checker")
    for proposal_id in ids:
        url = f"{seed.topic_url}/proposals/{proposal_id}"
        post_form(client, f"{url}/arguments", {"stance": "pro", "argument": "Yes"})
        post_form(client, f"{url}/arguments", {"stance": "con", "argument": "No"})
    pages = [
        f"/assemblies/{seed.slug}",
        seed.topic_url,
        f"{seed.topic_url}/proposals/{ids[0]}",
        f"{seed.topic_url}/proposals/new",
        "/join",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_unique_ids(response.text)
    for method in ("approval", "borda", "score", "consent", "dot"):
        set_phase(db, seed.topic_id, "voting", voting_method=method)
        vote = client.get(f"{seed.topic_url}/vote")
        assert vote.status_code == 200
        assert_unique_ids(vote.text)
