"""A room window lifts the join ceiling for the venue's network, and only until it ends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import Browsers, cheap_password_hashes, post_form, sign_in, sqlite_only
from participants.assembly_seed import PASSWORD, seed_assembly
from ratelimits.test_web_limits import WRONG_JOIN
from sqlalchemy import select, update

from assembly.db.models import AuditEvent, RoomWindow

pytestmark = sqlite_only
VENUE = "198.51.100.20"
ELSEWHERE = "203.0.113.5"


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


def _joins(people: Browsers, prefix: str, count: int) -> list[int]:
    """One wrong invitation code from each of ``count`` new browsers."""
    return [
        post_form(people.use(f"{prefix}{n}"), "/join", WRONG_JOIN, form_page="/join").status_code
        for n in range(count)
    ]


def _open(people: Browsers, slug: str, network: str, minutes: str = "120") -> Any:
    return post_form(
        people.use("facilitator"),
        f"/manage/assemblies/{slug}/room-windows",
        {"network": network, "minutes": minutes},
        form_page=f"/manage/assemblies/{slug}",
    )


def test_a_room_window_lifts_the_join_ceiling_for_its_network_until_it_ends(
    limited: Any, db: Any
) -> None:
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    client = limited(peer=VENUE)  # 2 attempts per browser, 4 per address
    people = Browsers(client)
    sign_in(people.use("facilitator"), seed.facilitator_email, PASSWORD)
    manage = people.client.get(f"/manage/assemblies/{seed.slug}")
    assert f'value="{VENUE}"' in manage.text  # their own address, filled in
    assert "No room window is open." in manage.text

    assert _open(people, seed.slug, "198.51.100.0/24").status_code == 303
    page = people.client.get(f"/manage/assemblies/{seed.slug}").text
    assert "Open for 198.51.100.0/24 until" in page

    # Everyone in the room joins, far beyond the address's ceiling of 4.
    assert _joins(people, "guest", 8) == [400] * 8
    # Each browser still has its own limit.
    assert _joins(people, "guest0-again", 1) == [400]
    same = people.use("guest0")
    assert post_form(same, "/join", WRONG_JOIN, form_page="/join").status_code == 400
    assert post_form(same, "/join", WRONG_JOIN, form_page="/join").status_code == 429

    # Another network is not lifted.
    client.origin.peer = ELSEWHERE
    assert _joins(people, "outside", 5) == [400, 400, 400, 400, 429]

    # Once the window has ended, the venue meets its ceiling again.
    client.origin.peer = "198.51.100.77"
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db(lambda s: s.execute(update(RoomWindow).values(ends_at=past)))
    assert _joins(people, "late", 5) == [400, 400, 400, 400, 429]

    actions = db(lambda s: s.scalars(select(AuditEvent.action)))
    assert "rate_limit.room_window_opened" in list(actions)


def test_a_room_window_can_be_closed_early_and_is_audited(limited: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    people = Browsers(limited(peer=VENUE))
    sign_in(people.use("facilitator"), seed.facilitator_email, PASSWORD)
    assert _open(people, seed.slug, VENUE, minutes="30").status_code == 303
    window_id = db(lambda s: s.scalar(select(RoomWindow.id)))
    assert db(lambda s: s.scalar(select(RoomWindow.network))) == VENUE

    closed = post_form(
        people.use("facilitator"),
        f"/manage/assemblies/{seed.slug}/room-windows/{window_id}/close",
        {},
        form_page=f"/manage/assemblies/{seed.slug}",
    )
    assert closed.status_code == 303
    page = people.client.get(f"/manage/assemblies/{seed.slug}").text
    assert "No room window is open." in page
    assert _joins(people, "guest", 5) == [400, 400, 400, 400, 429]

    async def events(s: Any) -> list[tuple[str, str]]:
        rows = await s.execute(
            select(AuditEvent.action, AuditEvent.actor_kind).where(
                AuditEvent.action.like("rate_limit.%")
            )
        )
        return sorted(tuple(row) for row in rows)

    assert db(events) == [
        ("rate_limit.room_window_closed", "account"),
        ("rate_limit.room_window_opened", "account"),
    ]


def test_a_network_that_is_not_one_or_too_wide_is_refused(limited: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, facilitator=True))
    people = Browsers(limited(peer=VENUE))
    sign_in(people.use("facilitator"), seed.facilitator_email, PASSWORD)
    wrong = _open(people, seed.slug, "the venue")
    assert wrong.status_code == 400
    assert "Type an IP address" in wrong.text
    assert 'value="the venue"' in wrong.text
    wide = _open(people, seed.slug, "0.0.0.0/0")
    assert wide.status_code == 400
    assert "too wide" in wide.text
    # Only the offered durations: no window of a year, and no 500 for a stray character.
    for minutes in ("525600", "²", ""):
        assert _open(people, seed.slug, VENUE, minutes=minutes).status_code == 400
    assert db(lambda s: s.scalar(select(RoomWindow.id))) is None
