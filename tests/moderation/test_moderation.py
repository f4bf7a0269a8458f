"""Moderation: hiding with a reason, showing again, merging duplicates, and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from assemblies.manage_seed import (
    account,
    argument,
    audit_actions,
    audit_events,
    get,
    login,
    participant,
    proposal,
    react,
    seed,
    send,
    set_topic,
)
from sqlalchemy import select

from assembly.db.models import Argument, Ballot, Proposal, Reaction
from assembly.proposals.services import proposal_views


@pytest.fixture
def room(client: Any, db: Any) -> Any:
    s = seed(db)
    s.author = participant(db, s.assembly_id, "Birch 12")
    s.other = participant(db, s.assembly_id, "Heron 31")
    s.first = proposal(db, s.topic_id, "Plant trees", author=s.author)
    s.second = proposal(db, s.topic_id, "More trees please", author=s.other)
    s.argument = argument(db, s.first, "Shade in summer", author=s.other)
    s.base = f"{s.topic}/moderate"
    login(client, s.facilitator)
    return s


def test_queue_lists_proposals_and_arguments(client: Any, db: Any, room: Any) -> None:
    page = client.get(room.base)
    assert page.status_code == 200
    assert "Plant trees" in page.text
    assert "More trees please" in page.text
    assert "Shade in summer" in page.text
    assert f'id="proposal-{room.first}"' in page.text
    assert f'id="argument-{room.argument}"' in page.text
    assert f"{room.base}/proposals/{room.first}/hide" in page.text
    assert f"{room.base}/proposals/{room.first}/merge" in page.text


def test_hide_a_proposal_with_a_reason_the_author_sees(client: Any, db: Any, room: Any) -> None:
    url = f"{room.base}/proposals/{room.first}/hide"
    form = client.get(url)
    assert form.status_code == 200
    assert "Plant trees" in form.text
    missing = send(client, url, {"reason": "  "}, form_page=url)
    assert missing.status_code == 400
    assert "Give the reason" in missing.text
    long = "x" * 1001
    too_long = send(client, url, {"reason": long}, form_page=url)
    assert too_long.status_code == 400
    assert long in too_long.text
    done = send(client, url, {"reason": "Contains a <b>name</b> of a neighbour."}, form_page=url)
    assert done.status_code == 303
    item = get(db, Proposal, room.first)
    assert item.status == "hidden"
    assert item.moderation_reason == "Contains a <b>name</b> of a neighbour."
    event = audit_events(db, "moderation.proposal_hidden")[0]
    assert event.details == {"reason": "Contains a <b>name</b> of a neighbour."}
    assert event.subject_id == str(room.first)
    assert event.actor_kind == "account"

    async def views(session: Any, who: int) -> list[Any]:
        from assembly.db.models import Topic

        return await proposal_views(session, await session.get(Topic, room.topic_id), who)

    mine = {v.id: v for v in db(lambda s: views(s, room.author))}
    theirs = {v.id: v for v in db(lambda s: views(s, room.other))}
    assert mine[room.first].reason == "Contains a <b>name</b> of a neighbour."
    assert room.first not in theirs
    queue = client.get(room.base).text
    assert "Contains a &lt;b&gt;name&lt;/b&gt; of a neighbour." in queue

    unhide = f"{room.base}/proposals/{room.first}/unhide"
    assert send(client, unhide, {}, form_page=room.base).status_code == 303
    item = get(db, Proposal, room.first)
    assert item.status == "visible"
    assert item.moderation_reason == ""
    twice = send(client, unhide, {}, form_page=room.base)
    assert twice.status_code == 400
    assert "not hidden" in twice.text
    assert audit_actions(db, "moderation.") == [
        "moderation.proposal_hidden",
        "moderation.proposal_unhidden",
    ]


def test_hide_and_show_an_argument(client: Any, db: Any, room: Any) -> None:
    url = f"{room.base}/arguments/{room.argument}/hide"
    assert client.get(url).status_code == 200
    assert send(client, url, {"reason": "Off topic."}, form_page=url).status_code == 303
    item = get(db, Argument, room.argument)
    assert item.status == "hidden"
    assert item.moderation_reason == "Off topic."
    unhide = f"{room.base}/arguments/{room.argument}/unhide"
    assert send(client, unhide, {}, form_page=room.base).status_code == 303
    assert get(db, Argument, room.argument).status == "visible"
    assert send(client, unhide, {}, form_page=room.base).status_code == 400
    assert audit_actions(db, "moderation.") == [
        "moderation.argument_hidden",
        "moderation.argument_unhidden",
    ]


def test_merge_moves_reactions_and_arguments(client: Any, db: Any, room: Any) -> None:
    third = participant(db, room.assembly_id, "Lark 40")
    dup_argument = argument(db, room.second, "Cheap to do", author=third, stance="pro")
    react(db, room.second, room.author, "disagree")  # also reacts to the target: target kept
    react(db, room.first, room.author, "agree")
    react(db, room.second, third, "agree")  # only on the duplicate: moves
    url = f"{room.base}/proposals/{room.second}/merge"
    page = client.get(url)
    assert page.status_code == 200
    assert "Merging is possible only before voting starts" in page.text
    assert f'<option value="{room.first}">Plant trees</option>' in page.text
    assert f'<option value="{room.second}"' not in page.text
    into_itself = send(client, url, {"target": str(room.second)}, form_page=url)
    assert into_itself.status_code == 400
    assert "Choose the proposal to merge into" in into_itself.text
    done = send(client, url, {"target": str(room.first), "reason": "Same idea."}, form_page=url)
    assert done.status_code == 303

    duplicate = get(db, Proposal, room.second)
    assert duplicate.status == "merged"
    assert duplicate.merged_into_id == room.first
    assert duplicate.moderation_reason == "Same idea."

    async def reactions(session: Any) -> set[tuple[int, int, str]]:
        rows = await session.execute(
            select(Reaction.proposal_id, Reaction.participant_id, Reaction.reaction)
        )
        return set(rows.tuples().all())

    assert db(reactions) == {(room.first, room.author, "agree"), (room.first, third, "agree")}
    assert get(db, Argument, dup_argument).proposal_id == room.first
    event = audit_events(db, "moderation.proposal_merged")[0]
    assert event.details == {
        "merged_into": room.first,
        "moved_reactions": 1,
        "dropped_reactions": 1,
        "moved_arguments": 1,
    }
    again = send(client, url, {"target": str(room.first)}, form_page=room.base)
    assert again.status_code == 400
    assert "already been merged" in again.text
    queue = client.get(room.base).text
    assert "Merged into “Plant trees”." in queue
    hide = f"{room.base}/proposals/{room.second}/hide"
    refused = send(client, hide, {"reason": "Spam"}, form_page=hide)
    assert refused.status_code == 400
    assert "merged proposal cannot be hidden" in refused.text


def test_merge_is_refused_once_voting_has_started(client: Any, db: Any, room: Any) -> None:
    url = f"{room.base}/proposals/{room.second}/merge"
    for phase in ("voting", "closed", "published"):
        set_topic(db, room.topic_id, phase=phase)
        page = client.get(url)
        assert "cannot be merged: voting has started" in page.text
        assert 'name="target"' not in page.text
        refused = send(client, url, {"target": str(room.first)}, form_page=room.base)
        assert refused.status_code == 400
        assert "Ballots are never rewritten" in refused.text
        assert get(db, Proposal, room.second).status == "visible"
    # Ballots left from an earlier voting phase block a merge too.
    set_topic(db, room.topic_id, phase="deliberation")

    async def ballot(session: Any) -> None:
        content = [str(room.second)]
        session.add(
            Ballot(topic_id=room.topic_id, content=content, receipt_hash="a" * 64, secrecy="secret")
        )

    db(ballot)
    refused = send(client, url, {"target": str(room.first)}, form_page=room.base)
    assert refused.status_code == 400
    assert get(db, Proposal, room.second).status == "visible"
    assert audit_actions(db, "moderation.") == []


def test_items_of_another_topic_are_not_found(client: Any, db: Any, room: Any) -> None:
    other = seed(db, title="Other assembly")
    foreign = proposal(db, other.topic_id, "Elsewhere")
    foreign_argument = argument(db, foreign, "Not here")
    assert client.get(f"{room.base}/proposals/{foreign}/hide").status_code == 404
    assert send(client, f"{room.base}/proposals/{foreign}/hide", {"reason": "x"}).status_code == 404
    assert client.get(f"{room.base}/arguments/{foreign_argument}/hide").status_code == 404
    assert client.get(f"{room.base}/proposals/{foreign}/merge").status_code == 404
    merge_foreign = send(
        client, f"{room.base}/proposals/{room.second}/merge", {"target": str(foreign)}
    )
    assert merge_foreign.status_code == 400


def test_moderation_refuses_outsiders(client: Any, db: Any, room: Any) -> None:
    urls = [
        room.base,
        f"{room.base}/proposals/{room.first}/hide",
        f"{room.base}/arguments/{room.argument}/hide",
        f"{room.base}/proposals/{room.first}/merge",
    ]
    posts = [
        f"{room.base}/proposals/{room.first}/hide",
        f"{room.base}/proposals/{room.first}/unhide",
        f"{room.base}/arguments/{room.argument}/hide",
        f"{room.base}/arguments/{room.argument}/unhide",
        f"{room.base}/proposals/{room.second}/merge",
    ]
    client.cookies.clear()
    for url in urls:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
    account(db, "other@example.org")
    account(db, "res@example.org", "researcher")
    for email in ("other@example.org", "res@example.org"):
        client.cookies.clear()
        login(client, email)
        for url in urls:
            assert client.get(url).status_code == 403
        for url in posts:
            assert send(client, url, {"reason": "x", "target": str(room.first)}).status_code == 403
    assert get(db, Proposal, room.first).status == "visible"
    assert audit_actions(db, "moderation.") == []
    client.cookies.clear()
    login(client, room.facilitator)
    no_token = client.post(
        f"{room.base}/proposals/{room.first}/hide",
        content="reason=spam",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert get(db, Proposal, room.first).status == "visible"


def test_readers_who_take_no_part_share_one_list_that_follows_moderation(
    client: Any, db: Any, room: Any, settings: Any
) -> None:
    """After reactions close the list is shared between readers, and still never stale."""
    from participants.assembly_seed import another_client

    from assembly.proposals import pages

    page = f"/assemblies/{room.slug}/topics/{room.topic_slug}"
    react(db, room.first, room.other, "agree")
    set_topic(db, room.topic_id, phase="closed")
    with another_client(settings) as reader:
        before = len(pages._shared_lists)
        first = reader.get(page)
        assert first.status_code == 200
        assert "Plant trees" in first.text
        assert "Shade in summer" in first.text
        assert "Agree: 1" in first.text
        assert len(pages._shared_lists) == before + 1
        # The same list again, and in Norwegian a list of its own.
        assert reader.get(page).text == first.text
        assert len(pages._shared_lists) == before + 1
        norwegian = reader.get(page, headers={"Accept-Language": "nb"})
        assert "Enig: 1" in norwegian.text
        assert len(pages._shared_lists) == before + 2

        hide = f"{room.base}/proposals/{room.second}/hide"
        assert send(client, hide, {"reason": "Duplicate."}, form_page=hide).status_code == 303
        hidden = reader.get(page).text
        assert "More trees please" not in hidden
        assert "Plant trees" in hidden
        hide = f"{room.base}/arguments/{room.argument}/hide"
        assert send(client, hide, {"reason": "Off topic."}, form_page=hide).status_code == 303
        assert "Shade in summer" not in reader.get(page).text

    # The author still sees their hidden proposal with the reason: theirs is not the shared list.

    async def views(session: Any, who: int) -> list[Any]:
        from assembly.db.models import Topic

        return await proposal_views(session, await session.get(Topic, room.topic_id), who)

    mine = {v.id: v for v in db(lambda s: views(s, room.other))}
    assert mine[room.second].reason == "Duplicate."

    async def hidden(session: Any, who: int) -> bool:
        from assembly.db.models import Topic
        from assembly.proposals.services import has_hidden_items

        return await has_hidden_items(session, await session.get(Topic, room.topic_id), who)

    # So their topic page is built for them; the author of the first proposal shares the list.
    assert db(lambda s: hidden(s, room.other)) is True
    assert db(lambda s: hidden(s, room.author)) is False
