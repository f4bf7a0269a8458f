"""A meeting through its pages: the agenda, presses, the topic's phases, tables, the projector."""

from __future__ import annotations

import html
from typing import Any

import pytest
from helpers import post_form
from meetings.meeting_seed import (
    build_agenda,
    create_meeting,
    prepare,
    press,
    version_of,
)
from participants.assembly_seed import join
from sortition.pages_seed import settings_for
from sqlalchemy import select

from assembly.db.models import AgendaItem, AuditEvent, Meeting, SpeakingCount, TableNote, Topic
from assembly.settings import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


def _meeting(db: Any, meeting_id: int) -> Meeting:
    async def work(s: Any) -> Meeting:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting

    return db(work)


def _items(db: Any, meeting_id: int) -> list[AgendaItem]:
    async def work(s: Any) -> list[AgendaItem]:
        found = await s.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by("position")
        )
        return list(found.all())

    return db(work)


def _phase(db: Any, topic_id: int) -> str:
    async def work(s: Any) -> str:
        topic = await s.get(Topic, topic_id)
        return str(topic.phase)

    return db(work)


def _id(console: str) -> int:
    return int(console.rsplit("/", 1)[1])


def test_the_agenda_is_built_and_bad_items_are_refused_with_the_typed_text_kept(
    client: Any, db: Any
) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    build_agenda(client, console, evening.topic_id)
    assert [i.kind for i in _items(db, _id(console))] == [
        "plenary",
        "tables",
        "reactions",
        "break",
        "voting",
        "plenary",
    ]
    cases = [
        (
            {"kind": "voting", "title": "Kept title", "minutes": "10", "topic": ""},
            "Choose the topic",
        ),
        ({"kind": "plenary", "title": "Kept title", "minutes": "0"}, "Enter the planned minutes"),
        ({"kind": "dance", "title": "Kept title", "minutes": "5"}, "Choose what kind of item"),
        (
            {"kind": "tables", "title": "Kept title", "minutes": "5", "table_round": "9"},
            "Choose one of the table plan",
        ),
    ]
    for fields, message in cases:
        data = {"topic": "", "table_round": "1", **fields}
        response = post_form(client, console + "/items", data, form_page=console)
        assert response.status_code == 400, message
        text = html.unescape(response.text)
        assert message in text
        assert 'value="Kept title"' in text
    assert len(_items(db, _id(console))) == 6
    missing = post_form(client, evening.meetings, {"title": "", "table_plan": ""})
    assert missing.status_code == 400
    assert "Give the meeting a name." in missing.text


def test_a_whole_evening_moves_the_topic_through_the_phase_rules(client: Any, db: Any) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    build_agenda(client, console, evening.topic_id)
    meeting_id = _id(console)

    assert press(client, console, "next").status_code == 303  # Welcome
    assert _meeting(db, meeting_id).status == "running"
    page = html.unescape(client.get(console).text)
    assert "Welcome" in page
    assert "Next: What matters to you?" in page
    assert press(client, console, "pause").status_code == 303
    assert press(client, console, "resume").status_code == 303
    assert press(client, console, "extend").status_code == 303
    assert _items(db, meeting_id)[0].extra_seconds == 300
    press(client, console, "next")  # table round
    press(client, console, "next")  # reactions: the topic moves into deliberation
    assert _phase(db, evening.topic_id) == "deliberation"
    press(client, console, "next")  # break
    press(client, console, "next")  # the vote opens voting
    assert _phase(db, evening.topic_id) == "voting"

    projector = console + "/projector"
    shown = client.get(projector)
    assert shown.status_code == 200
    assert 'class="site-header"' not in shown.text  # no site chrome on the projector
    assert "Ballots cast:" in shown.text
    assert "Park" not in shown.text  # secret ballot: turnout only while voting

    press(client, console, "next")  # closing plenary: voting closes
    assert _phase(db, evening.topic_id) == "closed"
    items = _items(db, meeting_id)
    assert [i.status for i in items] == ["done"] * 5 + ["running"]
    actions = db(
        lambda s: s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("meeting.%")))
    )
    assert "meeting.next" in list(actions)
    press(client, console, "next")
    assert _meeting(db, meeting_id).status == "ended"
    assert "The meeting has ended." in client.get(console).text


def test_two_presses_on_the_same_version_move_the_agenda_once(client: Any, db: Any) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    build_agenda(client, console, evening.topic_id)
    version = version_of(client, console)
    first = post_form(client, console + "/press", {"action": "next", "version": version})
    second = post_form(client, console + "/press", {"action": "next", "version": version})
    assert first.status_code == 303
    assert second.status_code == 303
    assert second.headers["location"].endswith("?moved=1")
    assert [i.status for i in _items(db, _id(console))][:2] == ["running", "pending"]
    notice = client.get(second.headers["location"])
    assert "The agenda had already moved" in notice.text


def test_a_vote_that_cannot_open_leaves_the_agenda_as_it_was(client: Any, db: Any) -> None:
    evening = prepare(db, client)

    async def no_proposals(s: Any) -> None:
        from sqlalchemy import delete

        from assembly.db.models import Proposal

        await s.execute(delete(Proposal).where(Proposal.topic_id == evening.topic_id))

    db(no_proposals)
    console = create_meeting(client, evening)
    build_agenda(client, console, evening.topic_id)
    item = _items(db, _id(console))[4]
    response = press(client, console, "start", item=str(item.id))
    assert response.status_code == 400
    assert "Voting cannot start" in html.unescape(response.text)
    assert _phase(db, evening.topic_id) == "proposals"
    assert [i.status for i in _items(db, _id(console))] == ["pending"] * 6
    assert _meeting(db, _id(console)).status == "planned"


def test_turnout_then_the_reveal_with_the_method_explained(client: Any, db: Any) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    from meetings.meeting_seed import add

    add(client, console, kind="voting", title="The vote", minutes="5", topic=str(evening.topic_id))
    press(client, console, "next")
    assert _phase(db, evening.topic_id) == "voting"
    client.cookies.clear()
    join(client, evening.codes[0], "Late Voter")
    topic_url = f"/assemblies/{evening.slug}/topics/green-spaces"
    voted = post_form(client, topic_url + "/vote", [("choice", str(evening.proposals[1]))])
    assert voted.status_code == 200
    room = client.get(f"/assemblies/{evening.slug}/meetings/{_id(console)}")
    assert room.status_code == 200
    assert "Vote now" in room.text
    client.cookies.clear()
    from helpers import sign_in
    from participants.assembly_seed import PASSWORD

    sign_in(client, evening.email, PASSWORD)
    projector = client.get(console + "/projector").text
    assert f'data-turnout-topic="{evening.topic_id}">1<' in projector
    press(client, console, "finish")
    assert _phase(db, evening.topic_id) == "closed"
    hidden = client.get(console + "/projector").text
    assert "Results" not in hidden
    shown = post_form(
        client, console + "/results", {"show": "yes", "version": version_of(client, console)}
    )
    assert shown.status_code == 303
    revealed = html.unescape(client.get(console + "/projector").text)
    assert "the most approved wins" in revealed
    assert "Chosen:" in revealed
    assert "Pier" in revealed


def test_table_hosts_count_turns_only_with_consent_and_write_notes(client: Any, db: Any) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    build_agenda(client, console, evening.topic_id)
    meeting_id = _id(console)
    assigned = post_form(client, console + "/hosts", {"table": "1", "host": "Guest 1"})
    assert assigned.status_code == 303
    bad = post_form(client, console + "/hosts", {"table": "1", "host": "Nobody"})
    assert bad.status_code == 400
    assert "No member of this assembly" in bad.text
    press(client, console, "next")
    press(client, console, "next")  # the table round

    table = f"/assemblies/{evening.slug}/meetings/{meeting_id}/tables/1"
    # Without consent, a mark lives in the address only.
    page = client.get(table)
    assert page.status_code == 200
    seat = page.text.split('name="seat" value="', 1)[1].split('"', 1)[0]
    marked = post_form(client, table + "/spoke", {"seat": seat, "spoke": ""})
    assert marked.status_code == 303
    assert f"spoke={seat}" in marked.headers["location"]
    assert db(lambda s: s.scalar(select(SpeakingCount.id))) is None
    # With consent, turns are stored per seat key (a pseudonymous id), and the spoken-most
    # person moves to the end of the suggested order.
    post_form(client, table + "/consent", {"consent": "yes"})
    post_form(client, table + "/spoke", {"seat": seat, "spoke": ""})
    counts = db(lambda s: s.scalars(select(SpeakingCount)))
    assert [(c.seat_key, c.turns) for c in counts] == [(seat, 1)]
    order = client.get(table).text
    assert order.rfind(f'value="{seat}"') > order.find('name="seat" value="')
    refused = post_form(client, table + "/spoke", {"seat": "m999", "spoke": ""})
    assert refused.status_code == 400
    # Withdrawing consent deletes what was counted.
    post_form(client, table + "/consent", {"consent": "no"})
    assert db(lambda s: s.scalar(select(SpeakingCount.id))) is None

    notes = table + "/notes"
    empty = post_form(client, notes, {"key_points": "", "agreements": "", "dissent": ""})
    assert empty.status_code == 400
    saved = post_form(
        client, notes, {"key_points": "Parks matter", "agreements": "", "dissent": "", "done": ""}
    )
    assert saved.status_code == 303
    auto = client.post(
        notes,
        data={
            "key_points": "Parks matter most",
            "_csrf_token": client.cookies.get("assembly_csrf"),
        },
        headers={"X-Autosave": "1"},
    )
    assert auto.status_code == 200
    assert auto.json() == {"saved": True}
    note = db(lambda s: s.scalar(select(TableNote)))
    assert note.key_points == "Parks matter most"
    assert note.table_number == 1
    states = html.unescape(client.get(console).text)
    assert "Guest 1" in states
    assert "started" in states


def test_only_the_tables_host_opens_the_host_page(client: Any, db: Any) -> None:
    evening = prepare(db, client)
    console = create_meeting(client, evening)
    post_form(client, console + "/hosts", {"table": "2", "host": "Guest 2"})
    table = f"/assemblies/{evening.slug}/meetings/{_id(console)}/tables/2"
    client.cookies.clear()
    assert client.get(table).status_code in {401, 403, 404}
    join(client, evening.codes[0], "Someone Else")
    assert client.get(table).status_code == 403
    assert (
        client.get(f"/assemblies/{evening.slug}/meetings/{_id(console)}/tables/9").status_code
        == 404
    )
