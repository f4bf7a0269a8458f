"""A whole evening in real browsers: an agenda of six items run from the console, the projector
at 1920×1080, four table hosts on phone-sized screens with a timed table round, a speaking
round and notes, a live vote with turnout on the projector, and the reveal.

In English and Bokmål, with JavaScript on (live by Server-Sent Events, notes saved as typed)
and off (pages refreshed, every action by form); axe finds nothing on any meeting page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from browser.live_server import TEST_SECRET, LiveServer, prepare_sqlite, run_db
from browser.test_accessibility import axe_violations
from browser.world import FACILITATOR, World, seed_world
from sqlalchemy import select

from assembly.db.models import Assembly, Participant, Proposal, SpotlightArea, Topic
from assembly.invitations.services import issue_codes

pytestmark = pytest.mark.browser

RUNS = [("en", True), ("nb", True), ("en", False), ("nb", False)]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
WORDS = {
    "en": {
        "table": "Table {n}",
        "welcome": "Welcome",
        "turnout": "Ballots cast:",
        "explained": "the most approved wins",
        "chosen": "Chosen:",
        "started": "started",
        "saved": "Saved",
        "ended": "The meeting has ended.",
        "next": "Next:",
    },
    "nb": {
        "table": "Bord {n}",
        "welcome": "Welcome",
        "turnout": "Avgitte stemmesedler:",
        "explained": "flest godkjenninger vinner",
        "chosen": "Valgt:",
        "started": "påbegynt",
        "saved": "Lagret",
        "ended": "Møtet er avsluttet.",
        "next": "Neste:",
    },
}
AGENDA = [
    ("plenary", "Welcome", "10"),
    ("tables", "What matters to you?", "20"),
    ("reactions", "", "15"),
    ("break", "", "10"),
    ("voting", "The vote", "10"),
    ("plenary", "Results and thanks", "10"),
]


async def _evening_assemblies(db: Any) -> dict[str, dict[str, Any]]:
    """One assembly per run, each with a topic ready for reactions and eight invite codes."""
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    from assembly.db.models import Account

    facilitator = await db.scalar(select(Account).where(Account.email == FACILITATOR))
    made: dict[str, dict[str, Any]] = {}
    for lang, js in RUNS:
        slug = f"evening-{lang}-{'js' if js else 'nojs'}"
        assembly = Assembly(
            slug=slug,
            title=f"Evening {lang}",
            place="Trondheim",
            description="An evening in the town hall.",
            status="published",
            demographic_questions=[],
            facilitators=[facilitator],
        )
        db.add(assembly)
        await db.flush()
        # Five seated besides the hosts, so each of the four tables has company.
        seated = [Participant(assembly_id=assembly.id, pseudonym=f"Guest {n}") for n in range(5)]
        db.add_all(seated)
        await db.flush()
        author = seated[0]
        topic = Topic(
            assembly_id=assembly.id,
            slug="harbour",
            question="How should we use the old harbour?",
            spotlight_area_id=area.id,
            voting_method="approval",
            seats=1,
            ballot_secrecy="secret",
            phase="proposals",
            phase_schedule={},
        )
        db.add(topic)
        await db.flush()
        db.add_all(
            Proposal(topic_id=topic.id, title=title, body="Why.", participant_id=author.id)
            for title in ["A covered market", "A swimming pier", "A quiet park"]
        )
        issued = await issue_codes(db, assembly, 8, TEST_SECRET)
        made[slug] = {"codes": [c.code for c in issued], "topic": topic.slug}
    return made


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, World]]:
    folder = tmp_path_factory.mktemp("meeting")
    url = prepare_sqlite(folder / "assembly.db")
    world = run_db(url, seed_world)
    world.evenings = run_db(url, _evening_assemblies)  # type: ignore[attr-defined]
    server = LiveServer(url, log_path=folder / "server.log").start()
    try:
        yield server, world
    finally:
        server.stop()


def _clean(person: Any, problems: list[str]) -> None:
    found = axe_violations(person.page)
    if found:
        problems.append(f"{person.page.url}: {found}")


def _press(person: Any, name: str) -> None:
    button = person.page.locator(f'form[action$="/press"] button[value="{name}"]').first
    person.submit(button)


@pytest.mark.parametrize(
    ("lang", "js"), RUNS, ids=[f"{lang}-{'js' if js else 'nojs'}" for lang, js in RUNS]
)
def test_a_whole_evening(visitor: Any, world: World, lang: str, js: bool) -> None:
    slug = f"evening-{lang}-{'js' if js else 'nojs'}"
    evening = world.evenings[slug]  # type: ignore[attr-defined]
    words = WORDS[lang]
    problems: list[str] = []

    # Four table hosts join on their phones.
    hosts = []
    for n in range(1, 5):
        host = visitor(lang=lang, java_script_enabled=js, **PHONE)
        host.set_language("en")  # the join form's labels are matched in English
        host.join(evening["codes"][n - 1], f"Host {n}")
        host.set_language(lang)
        hosts.append(host)

    fac = visitor(lang="en", java_script_enabled=js)
    fac.sign_in(FACILITATOR)
    fac.set_language(lang)
    manage = f"/manage/assemblies/{slug}"
    # A table plan of four tables, then the meeting with its six items.
    fac.goto(f"{manage}/tables")
    form = fac.page.locator(f'form[action="{manage}/tables"]')
    form.locator('input[name="source"][value="participants"]').check()
    form.locator('input[name="tables"]').fill("4")
    fac.submit(form.locator('button[type="submit"]'))
    fac.goto(f"{manage}/meetings")
    if js:
        _clean(fac, problems)
    fac.page.locator('input[name="title"]').fill("First evening")
    fac.submit(fac.page.locator('form[action$="/meetings"] button[type="submit"]'))
    console = fac.page.url
    assert re.search(r"/meetings/\d+$", console), console
    console = urlsplit(console).path
    room = console.removeprefix("/manage")
    for kind, title, minutes in AGENDA:
        add = fac.page.locator('form[action$="/items"]')
        add.locator('select[name="kind"]').select_option(kind)
        add.locator('input[name="title"]').fill(title)
        add.locator('input[name="minutes"]').fill(minutes)
        if kind in {"reactions", "voting"}:
            add.locator('select[name="topic"]').select_option(
                label="How should we use the old harbour?"
            )
        fac.submit(add.locator('button[type="submit"]'))
    assert fac.page.locator("ol.agenda > li").count() == 6
    for n in range(1, 5):
        hosts_form = fac.page.locator('form[action$="/hosts"]')
        hosts_form.locator('select[name="table"]').select_option(str(n))
        hosts_form.locator('input[name="host"]').fill(f"Host {n}")
        fac.submit(hosts_form.locator('button[type="submit"]'))

    projector = visitor(lang="en", java_script_enabled=js, **PROJECTOR)
    projector.sign_in(FACILITATOR)
    projector.set_language(lang)
    projector.goto(console + "/projector")
    assert projector.page.locator(".site-header").count() == 0

    def on_projector(text: str) -> None:
        if not js:
            projector.page.reload()  # without JavaScript the page refreshes itself
        projector.page.locator("main").get_by_text(text, exact=False).first.wait_for(timeout=5000)

    # The evening starts: the projector follows the console.
    _press(fac, "next")
    on_projector(words["welcome"])
    if js:
        _clean(fac, problems)
        _clean(projector, problems)
    assert projector.page.locator("svg.qr-code").count() == 0  # no join code put up yet
    fac.submit(fac.page.locator('form[action$="/door"] button'))
    if not js:
        projector.page.reload()
    projector.page.locator("svg.qr-code").wait_for(timeout=5000)
    assert projector.page.locator(".projector-code").inner_text().strip()

    # The timed table round: every host sees their table, the timer and the speaking order.
    _press(fac, "next")
    on_projector("What matters to you?")
    for n, host in enumerate(hosts, start=1):
        host.goto(room)
        host.submit(host.page.locator(f'a[href$="/tables/{n}"]'))
        assert words["table"].format(n=n) in host.page.locator("h1").inner_text()
        assert host.page.locator("[data-countdown]").inner_text().strip()
        if js and n == 1:
            _clean(host, problems)
    first = hosts[0]
    first.submit(first.page.locator('form[action$="/consent"] button'))
    names = first.page.locator(".speaking-button")
    spoken = names.first.inner_text()
    first.submit(names.first)
    # The one who spoke goes to the end of the suggested order, so quieter people come first.
    assert first.page.locator(".speaking-button").last.inner_text() == spoken
    for n, host in enumerate(hosts, start=1):
        host.submit(host.page.locator('a[href$="/notes"]'))
        if js and n == 1:
            _clean(host, problems)
        host.page.locator('textarea[name="key_points"]').fill(f"Table {n}: parks matter")
        if js:
            host.page.locator("[data-autosave-status]").get_by_text(words["saved"]).wait_for()
        else:
            host.submit(host.page.locator('form[action$="/notes"] button[type="submit"]'))
    fac.page.reload()
    states = fac.page.locator("#tables").locator("xpath=..").inner_text()
    assert states.count(words["started"]) >= 4, states

    # Reactions, the break, then the live vote: turnout on the projector, no tally.
    _press(fac, "next")
    _press(fac, "next")
    _press(fac, "next")
    on_projector(words["turnout"])
    topic_url = f"/assemblies/{slug}/topics/{evening['topic']}"
    for host in hosts:
        host.goto(f"{topic_url}/vote")
        host.page.locator('input[name="choice"]').nth(1).check()
        host.submit(host.page.locator('main form button[type="submit"]').first)
    turnout = projector.page.locator("[data-turnout-topic]").first
    if js:
        projector.page.wait_for_function(
            "() => document.querySelector('[data-turnout-topic]').textContent.trim() === '4'",
            timeout=5000,
        )
    else:
        projector.page.reload()
    assert turnout.inner_text().strip() == "4"
    assert "A swimming pier" not in projector.page.locator("main").inner_text()

    # The closing plenary closes the vote; the reveal explains the method in plain words.
    _press(fac, "next")
    fac.submit(fac.page.locator('form[action$="/results"] button'))
    on_projector(words["chosen"])
    shown = projector.page.locator("main").inner_text()
    assert words["explained"] in shown
    assert "A swimming pier" in shown
    if js:
        _clean(projector, problems)
        hosts[1].goto(room)
        _clean(hosts[1], problems)
    _press(fac, "next")
    assert words["ended"] in fac.page.locator("main").inner_text()
    assert not problems, problems
