"""Topic set-up, phase buttons and the schedule, on the facilitator's pages."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from assemblies.manage_seed import (
    account,
    audit_actions,
    audit_events,
    get,
    login,
    proposal,
    seed,
    send,
    set_topic,
)
from helpers import post_form
from sqlalchemy import select

from assembly.db.engine import SessionMaker, create_engine
from assembly.db.models import Practice, Proposal, SpotlightArea, Topic
from assembly.topics.lifecycle import apply_schedule, run_due_schedules


def _catalogue(db: Any) -> tuple[int, int, list[int]]:
    async def work(s: Any) -> tuple[int, int, list[int]]:
        areas = (await s.scalars(select(SpotlightArea).order_by(SpotlightArea.position))).all()
        practices = (await s.scalars(select(Practice).order_by(Practice.position))).all()
        return areas[0].id, areas[1].id, [p.id for p in practices[:2]]

    return db(work)


def _topic_form(area: int, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "question": "Where should the new playground go?",
        "background": "Two sites are possible.\n\nBoth are near schools.",
        "spotlight_area": str(area),
        "voting_method": "score",
        "seats": "1",
        "p-score-min": "0",
        "p-score-max": "10",
        "ballot_secrecy": "open",
        "phase": "draft",
    }
    values.update(overrides)
    return values


def _topic(db: Any, topic_id: int) -> Topic:
    return get(db, Topic, topic_id)


@pytest.fixture
def seeded(client: Any, db: Any) -> Any:
    s = seed(db)
    login(client, s.facilitator)
    return s


def test_create_a_topic(client: Any, db: Any, seeded: Any) -> None:
    area, _other, practices = _catalogue(db)
    new = f"{seeded.manage}/topics/new"
    page = client.get(new)
    assert page.status_code == 200
    assert "Spotlight area" in page.text
    form = _topic_form(area, practices=[str(p) for p in practices])
    response = post_form(client, new, form, form_page=new)
    assert response.status_code == 303
    slug = "where-should-the-new-playground-go"
    assert response.headers["location"] == f"{seeded.manage}/topics/{slug}"

    async def load(s: Any) -> Topic:
        return await s.scalar(select(Topic).where(Topic.slug == slug))

    topic = db(load)
    assert topic.voting_method == "score"
    assert topic.voting_params == {"min": 0, "max": 10}
    assert topic.ballot_secrecy == "open"
    assert topic.phase == "draft"
    assert topic.position == 1
    assert sorted(p.id for p in topic.practices) == sorted(practices)
    assert "topic.created" in audit_actions(db)
    manage = client.get(response.headers["location"])
    assert manage.status_code == 200
    assert "Open proposals" in manage.text
    assert manage.text.count('aria-current="step"') == 1


def test_topic_validation_keeps_what_was_typed(client: Any, db: Any, seeded: Any) -> None:
    new = f"{seeded.manage}/topics/new"
    long_question = "Why " + "x" * 300
    response = post_form(
        client,
        new,
        _topic_form(
            0,
            question=long_question,
            spotlight_area="",
            **{"p-score-min": "5", "p-score-max": "5"},
            practices=["999999"],
            ballot_secrecy="public",
        ),
        form_page=new,
    )
    assert response.status_code == 400
    text = response.text
    assert "The question can have at most 300 characters." in text
    assert long_question in text
    assert "Choose the spotlight area" in text
    assert "Choose practices from the list." in text
    assert "The highest score (5) must be above the lowest (5)." in text
    assert 'id="error-p-score-max"' in text
    assert 'name="p-score-min" type="number" class="input-short" value="5"' in text
    assert "Choose a secret or an open ballot." in text


BAD_SETUPS = [
    ({"p-score-max": "ten"}, "p-score-max", "Enter a whole number."),
    (
        {"voting_method": "approval", "seats": "3", "p-approval-max_approvals": "2"},
        "p-approval-max_approvals",
        "At most 2 approvals, but 3 seats: allow at least 3 approvals",
    ),
    ({"import_settings": "max 10"}, "import_settings", "JSON object"),
    ({"seats": "zero"}, "seats", "Enter a whole number of seats"),
    ({"voting_method": "lottery"}, "voting_method", "Choose a voting method."),
    ({"phase": "voting"}, "phase", "A new topic starts in preparation or with proposals open."),
    ({"import_settings": '{"colour": "red"}'}, "import_settings", "“colour” is not one of"),
]


def test_bad_voting_setup(client: Any, db: Any, seeded: Any) -> None:
    area, _other, _practices = _catalogue(db)
    new = f"{seeded.manage}/topics/new"
    for overrides, field, message in BAD_SETUPS:
        response = post_form(client, new, _topic_form(area, **overrides), form_page=new)
        assert response.status_code == 400
        assert message in response.text
        assert f'id="error-{field}"' in response.text


def test_edit_a_topic_and_lock_the_method_once_voting_starts(
    client: Any, db: Any, seeded: Any
) -> None:
    area, other, practices = _catalogue(db)
    edit = f"{seeded.topic}/edit"
    assert client.get(edit).status_code == 200
    form = _topic_form(other, question="A sharper question?", practices=[str(practices[0])])
    assert post_form(client, edit, form, form_page=edit).status_code == 303
    topic = _topic(db, seeded.topic_id)
    assert topic.question == "A sharper question?"
    assert topic.spotlight_area_id == other
    assert topic.voting_method == "score"
    assert [p.id for p in topic.practices] == [practices[0]]
    assert topic.phase == "proposals"  # the phase moves only by its buttons
    assert topic.slug == seeded.topic_slug

    set_topic(db, seeded.topic_id, phase="voting")
    page = client.get(edit)
    assert "can no longer change" in page.text
    assert 'name="voting_method"' not in page.text
    form = _topic_form(area, voting_method="approval", ballot_secrecy="secret")
    assert post_form(client, edit, form, form_page=edit).status_code == 303
    topic = _topic(db, seeded.topic_id)
    assert topic.voting_method == "score"
    assert topic.ballot_secrecy == "open"
    assert topic.spotlight_area_id == area
    bad = post_form(client, edit, _topic_form(area, question=""), form_page=edit)
    assert bad.status_code == 400
    assert "Enter the question" in bad.text


def test_phase_buttons_move_forward_and_are_audited(client: Any, db: Any, seeded: Any) -> None:
    phase_url = f"{seeded.topic}/phase"
    assert send(client, phase_url, {"phase": "deliberation"}).status_code == 303
    refused = send(client, phase_url, {"phase": "voting"})
    assert refused.status_code == 400
    assert "no visible proposals" in refused.text
    proposal(db, seeded.topic_id, "Plant trees")
    assert send(client, phase_url, {"phase": "voting"}).status_code == 303
    assert send(client, phase_url, {"phase": "closed"}).status_code == 303
    assert send(client, phase_url, {"phase": "published"}).status_code == 303
    assert _topic(db, seeded.topic_id).phase == "published"
    same = send(client, phase_url, {"phase": "published"})
    assert same.status_code == 400
    assert "already in this phase" in same.text
    assert send(client, phase_url, {"phase": "nonsense"}).status_code == 400
    events = audit_events(db, "topic.phase_changed")
    assert [(e.details["previous"], e.details["phase"]) for e in events] == [
        ("proposals", "deliberation"),
        ("deliberation", "voting"),
        ("voting", "closed"),
        ("closed", "published"),
    ]


def test_voting_cannot_start_with_a_setup_the_options_refuse(client: Any, db: Any) -> None:
    s = seed(db, method="stv", seats="3")
    login(client, s.facilitator)
    proposal(db, s.topic_id, "One")
    proposal(db, s.topic_id, "Two")
    response = send(client, f"{s.topic}/phase", {"phase": "voting"})
    assert response.status_code == 400
    assert "cannot exceed the number of options" in response.text
    assert _topic(db, s.topic_id).phase == "proposals"


def test_moving_back_needs_a_confirmation(client: Any, db: Any, seeded: Any) -> None:
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    set_topic(
        db, seeded.topic_id, phase="voting", phase_schedule={"voting": past, "closed": future}
    )
    phase_url = f"{seeded.topic}/phase"
    ask = send(client, phase_url, {"phase": "deliberation"})
    assert ask.status_code == 200
    assert "Move the topic back?" in ask.text
    assert 'name="confirm" value="yes"' in ask.text
    assert _topic(db, seeded.topic_id).phase == "voting"
    done = send(client, phase_url, {"phase": "deliberation", "confirm": "yes"})
    assert done.status_code == 303
    topic = _topic(db, seeded.topic_id)
    # The passed start of voting is dropped, or the schedule would undo the move at once.
    assert topic.phase == "deliberation"
    assert topic.phase_schedule == {"closed": future}
    assert client.get(seeded.topic).status_code == 200
    assert _topic(db, seeded.topic_id).phase == "deliberation"
    event = audit_events(db, "topic.phase_changed")[-1]
    assert event.details["direction"] == "back"
    assert event.details["dropped_schedule"] == ["voting"]


def test_schedule_is_typed_in_the_assembly_time_zone(client: Any, db: Any, seeded: Any) -> None:
    url = f"{seeded.topic}/schedule"
    response = send(
        client,
        url,
        {"schedule_deliberation": "2031-06-01T18:00", "schedule_voting": "2031-12-01T18:00"},
    )
    assert response.status_code == 303
    topic = _topic(db, seeded.topic_id)
    assert topic.phase_schedule == {
        "deliberation": "2031-06-01T16:00:00+00:00",
        "voting": "2031-12-01T17:00:00+00:00",
    }
    page = client.get(seeded.topic)
    assert 'value="2031-06-01T18:00"' in page.text
    assert "Jun 1, 2031, 6:00:00" in page.text  # shown in Oslo time, not UTC
    assert "topic.schedule_changed" in audit_actions(db)
    url = f"{seeded.topic}/schedule"
    bad = send(client, url, {"schedule_voting": "soon"})
    assert bad.status_code == 400
    assert "Enter a date and time" in bad.text
    assert 'value="soon"' in bad.text
    order = send(
        client, url, {"schedule_voting": "2031-06-01T18:00", "schedule_closed": "2031-05-01T18:00"}
    )
    assert order.status_code == 400
    assert "must start after" in order.text
    assert _topic(db, seeded.topic_id).phase_schedule["voting"] == "2031-12-01T17:00:00+00:00"


def test_a_passed_start_shows_on_the_page_and_the_runner_moves_it_once(
    client: Any, db: Any, seeded: Any, settings: Any
) -> None:
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).isoformat()
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)).isoformat()
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    schedule = {"deliberation": earlier, "voting": past, "closed": future}
    set_topic(db, seeded.topic_id, phase_schedule=schedule)
    page = client.get(seeded.topic)
    assert page.status_code == 200
    assert "Voting" in page.text  # the phase in force by time
    assert _topic(db, seeded.topic_id).phase == "proposals"  # the read wrote nothing
    assert audit_events(db, "topic.phase_scheduled") == []

    async def tick() -> int:
        engine = create_engine(settings, null_pool=True)
        try:
            return await run_due_schedules(SessionMaker(engine))
        finally:
            await engine.dispose()

    assert asyncio.run(tick()) == 1
    assert asyncio.run(tick()) == 0
    assert _topic(db, seeded.topic_id).phase == "voting"
    events = audit_events(db, "topic.phase_scheduled")
    assert len(events) == 1
    assert events[0].actor_kind == "system"
    assert events[0].details == {"previous": "proposals", "phase": "voting"}


def test_apply_schedule_moves_only_forward(db: Any) -> None:
    s = seed(db, phase="voting")
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    async def work(session: Any) -> tuple[bool, str, bool, str]:
        topic = await session.get(Topic, s.topic_id)
        topic.phase_schedule = {"proposals": "2029-01-01T00:00:00+00:00"}
        moved_back = await apply_schedule(session, topic, now=now)
        phase_before = topic.phase
        topic.phase_schedule = {"closed": "2029-12-31T23:00:00+00:00", "published": "bad"}
        moved = await apply_schedule(session, topic, now=now)
        return moved_back, phase_before, moved, topic.phase

    assert db(work) == (False, "voting", True, "closed")

    async def stored(session: Any) -> str:
        return str((await session.get(Topic, s.topic_id)).phase)

    assert db(stored) == "closed"


def test_topic_pages_refuse_outsiders(client: Any, db: Any) -> None:
    s = seed(db)
    paths = [
        "/topics/new",
        f"/topics/{s.topic_slug}",
        f"/topics/{s.topic_slug}/edit",
        f"/topics/{s.topic_slug}/paper-ballots",
    ]
    posts = [
        "/topics/new",
        f"/topics/{s.topic_slug}/edit",
        f"/topics/{s.topic_slug}/phase",
        f"/topics/{s.topic_slug}/schedule",
        f"/topics/{s.topic_slug}/paper-ballots",
        f"/topics/{s.topic_slug}/paper-participants",
    ]
    for path in paths:
        response = client.get(s.manage + path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin")
    account(db, "other@example.org")
    account(db, "res@example.org", "researcher")
    for email in ("other@example.org", "res@example.org"):
        client.cookies.clear()
        login(client, email)
        for path in paths:
            assert client.get(s.manage + path).status_code == 403
        for path in posts:
            assert send(client, s.manage + path, {"phase": "voting"}).status_code == 403
    assert _topic(db, s.topic_id).phase == "proposals"
    client.cookies.clear()
    login(client, s.facilitator)
    assert client.get(f"{s.manage}/topics/missing").status_code == 404


def _by_question(db: Any, question: str) -> Topic | None:
    async def load(s: Any) -> Topic | None:
        return await s.scalar(select(Topic).where(Topic.question == question))

    return db(load)


def test_changing_method_without_javascript_shows_its_settings(
    client: Any, db: Any, seeded: Any
) -> None:
    area, _other, _practices = _catalogue(db)
    new = f"{seeded.manage}/topics/new"
    page = client.get(new)
    # Every method's fields are in the page; only the chosen one's are shown and sent.
    assert '<fieldset class="method-params" data-method="approval">' in page.text
    assert 'data-method="schulze" hidden disabled' in page.text
    assert 'name="show_method"' in page.text
    form = _topic_form(area, voting_method="majority_judgment", show_method="1")
    form["question"] = "Typed before switching"
    shown = post_form(client, new, form, form_page=new)
    assert shown.status_code == 200
    assert '<fieldset class="method-params" data-method="majority_judgment">' in shown.text
    assert 'data-method="score" hidden disabled' in shown.text
    assert "Typed before switching" in shown.text
    # The newly chosen method's fields were hidden, so not sent: they show its defaults.
    assert "Reject\nPoor\nAcceptable\nGood\nVery good\nExcellent</textarea>" in shown.text
    seed = 'name="p-majority_judgment-tie_break_seed" type="number" class="input-short" value="0"'
    assert seed in shown.text
    assert "There is a problem" not in shown.text
    assert _by_question(db, form["question"]) is None


def test_methods_are_set_up_with_fields_in_norwegian(client: Any, db: Any, seeded: Any) -> None:
    area, _other, _practices = _catalogue(db)
    new = f"{seeded.manage}/topics/new"
    client.cookies.set("assembly_lang", "nb")
    page = client.get(new)
    assert "Vis innstillingene for denne metoden" in page.text
    assert "Flest godkjenninger per stemmeseddel" in page.text
    form = _topic_form(
        area,
        question="Hvilke karakterer?",
        voting_method="majority_judgment",
        seats="4",  # hidden for a one-winner method, so it does not count
        **{"p-majority_judgment-grades": "Dårlig\nGrei\nGod"},
    )
    assert post_form(client, new, form, form_page=new).status_code == 303
    topic = _by_question(db, "Hvilke karakterer?")
    assert topic.voting_params == {"grades": ["Dårlig", "Grei", "God"]}
    bad = post_form(
        client,
        new,
        _topic_form(area, voting_method="approval", seats="3", **{"p-approval-max_approvals": "2"}),
        form_page=new,
    )
    assert bad.status_code == 400
    assert "Høyst 2 godkjenninger, men 3 plasser" in bad.text
    assert 'name="p-approval-max_approvals" type="number" class="input-short" value="2"' in bad.text


def set_cost(db: Any, proposal_id: int, cost: int) -> None:
    async def work(s: Any) -> None:
        (await s.get(Proposal, proposal_id)).cost = cost

    db(work)


def test_editing_a_budget_topic_keeps_each_proposals_cost(client: Any, db: Any) -> None:
    s = seed(db, method="budget", params='{"budget": 900}')
    park = proposal(db, s.topic_id, "Park")
    set_cost(db, park, 300)
    login(client, s.facilitator)
    area, _other, _practices = _catalogue(db)
    edit = f"{s.manage}/topics/{s.topic_slug}/edit"
    page = client.get(edit)
    assert 'name="p-budget-budget" type="number" class="input-short" value="900"' in page.text
    form = _topic_form(
        area, voting_method="budget", **{"p-budget-budget": "1200", "p-budget-rule": "greedy"}
    )
    assert post_form(client, edit, form, form_page=edit).status_code == 303
    topic = _topic(db, s.topic_id)
    assert topic.voting_params["budget"] == 1200
    assert topic.voting_params["rule"] == "greedy"
    assert "costs" not in topic.voting_params  # costs live on the proposals
    assert get(db, Proposal, park).cost == 300
