"""From proposals to a tracked response, in a real browser with JavaScript off, in English and
in Bokmål: a facilitator drafts three recommendations from proposals; a member amends one and
votes; the other members' votes are cast through the services, so that one recommendation fails
its 80 % threshold; a minority statement is added; the report is published (HTML and PDF); a
responder answers each recommendation with two status updates; the tracker and its feed show
it. Every new page passes axe in the visitor's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser.conftest import Visitor
from browser.live_server import TEST_SECRET, LiveServer, prepare_sqlite, run_db
from browser.test_accessibility import axe_violations
from recommendations.drafting_seed import FACILITATOR, RESPONDER, Drafting, seed_drafting

from assembly.db.models import Assembly, Participant
from assembly.invitations.services import issue_codes

pytestmark = pytest.mark.browser

LANGUAGES = ("en", "nb")
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


async def _seed(db: Any) -> dict[str, tuple[Drafting, str]]:
    worlds = {}
    for lang in LANGUAGES:
        seed = await seed_drafting(
            db,
            slug=f"harbour-{lang}",
            members=9,
            language=lang,
            facilitator_email=f"{lang}-{FACILITATOR}",
            responder_email=f"{lang}-{RESPONDER}",
        )
        assembly = await db.get(Assembly, seed.assembly_id)
        (code,) = await issue_codes(db, assembly, 1, TEST_SECRET)
        worlds[lang] = (seed, code.code)
    return worlds


@pytest.fixture(scope="module")
def drafting_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any]]:
    folder = tmp_path_factory.mktemp("drafting")
    url = prepare_sqlite(folder / "assembly.db")
    worlds = run_db(url, _seed)
    server = LiveServer(url, log_path=folder / "server.log").start()
    try:
        yield server, worlds
    finally:
        server.stop()


class Auditor:
    """axe-core needs JavaScript (its checks wait on timers, which never fire in a page with
    JavaScript off). So each page a visitor sees without JavaScript is shown again, exactly as
    received, at its own address in a page with JavaScript on, with the server's styles, and
    checked there."""

    def __init__(self, browser: Any, server: LiveServer) -> None:
        self.visitor = Visitor(browser, server)

    def check(self, person: Visitor, expected_lang: str | None = None) -> None:
        seen = person.page
        lang = seen.evaluate("() => document.documentElement.lang")
        assert lang == (expected_lang or person.lang), seen.url
        html = seen.content()
        address = seen.url.split("#")[0]
        page = self.visitor.page

        def same(url: str) -> bool:
            return url.split("#")[0] == address

        def answer(route: Any) -> None:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        page.route(same, answer)
        try:
            page.goto(address)
            found = axe_violations(page)
        finally:
            page.unroute(same, answer)
        assert found == [], (address, found)

    def close(self) -> None:
        self.visitor.close()


def _submit(person: Visitor, selector: str) -> None:
    person.submit(person.page.locator(selector).first)


def _votes(url: str, seed: Drafting, motions: list[tuple[int, int | None, list[str]]]) -> None:
    """The other members vote through the services: one answer list per motion."""

    async def work(db: Any) -> None:
        from assembly.recommendations import voting
        from assembly.recommendations.services import get_process

        assembly = await db.get(Assembly, seed.assembly_id)
        process = await get_process(db, assembly)
        for number, amendment, answers in motions:
            target = await voting.load_target(db, assembly, number, amendment)
            for member_id, answer in zip(seed.member_ids, answers, strict=False):
                member = await db.get(Participant, member_id)
                revision = target.recommendation.revision if amendment is None else None
                await voting.cast(db, process, target, member, answer, revision)

    run_db(url, work)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_from_proposals_to_a_tracked_response(
    browser: Any, drafting_live: tuple[LiveServer, Any], lang: str
) -> None:
    server, worlds = drafting_live
    seed, code = worlds[lang]
    public = f"/assemblies/{seed.slug}/recommendations"
    manage = f"/manage/assemblies/{seed.slug}/recommendations"
    made: list[Visitor] = []
    auditor = Auditor(browser, server)

    def _check(person: Visitor, expected_lang: str | None = None) -> None:
        auditor.check(person, expected_lang)

    def person() -> Visitor:
        made.append(Visitor(browser, server, java_script_enabled=False))
        return made[-1]

    try:
        facilitator = person()
        facilitator.sign_in(f"{lang}-{FACILITATOR}")
        facilitator.set_language(lang)
        page = facilitator.page
        facilitator.goto(manage)
        _check(facilitator)
        page.locator("#field-threshold").fill("80")
        page.locator("#field-minority_signatures").fill("1")
        page.locator("#field-remit").fill("How should the town use its old harbour?")
        page.locator("#field-commissioned_by").fill("Trondheim municipality")
        _submit(facilitator, "form[action$='/settings'] button[type=submit]")
        for n, title in enumerate(("A market hall", "A swimming pier", "A youth club")):
            facilitator.goto(f"{public}/new")
            if n == 0:
                _check(facilitator)
            page.locator("#field-title").fill(title)
            page.locator("#field-clauses").fill("Open it by 2027.\n\nLocals pay less.")
            page.locator(f"input[name=proposals][value='{seed.proposal_ids[n]}']").check()
            _submit(facilitator, "main form button[type=submit]")
            assert page.url.endswith(f"{public}/{n + 1}")
        _check(facilitator)
        facilitator.goto(manage)
        _submit(facilitator, "form[action$='/phase'] button[type=submit]")

        member = person()
        member.join(code, f"Writer {lang}")
        member.set_language(lang)
        mpage = member.page
        member.goto(f"{public}/1/amend")
        _submit(member, "form[action$='/amend'] button[type=submit]")
        mpage.wait_for_selector(".error-summary")
        _check(member)
        mpage.locator("input[name=kind][value=replace]").check()
        mpage.locator("#field-clause").select_option(index=2)
        mpage.locator("#field-text").fill("Open it by 2026.")
        mpage.locator("#field-reason").fill("Sooner.")
        _submit(member, "form[action$='/amend'] button[type=submit]")
        facilitator.goto(manage)
        _submit(facilitator, "form[action$='/amendments/1/open'] button")
        member.goto(f"{public}/1/amendments/1/vote")
        _check(member)
        mpage.locator("input[name=answer][value=yes]").check()
        _submit(member, "form[action$='/vote'] button[type=submit]")
        assert CODE.search(mpage.locator(".receipt-code").inner_text())
        _check(member)
        facilitator.goto(manage)
        _submit(facilitator, "form[action$='/amendments/1/close'] button")
        member.goto(f"{public}/1")
        assert "Open it by 2026." in mpage.locator("ol.clauses").first.inner_text()
        assert mpage.locator("#amendment-1 del").count() == 1
        _check(member)
        member.goto(f"{public}/1/history")
        _check(member)
        member.goto(f"{public}/2")
        mpage.locator("#field-statement").fill("A pier costs too much in winter.")
        _submit(member, "form[action$='/minority'] button[type=submit]")
        assert (
            "A pier costs too much in winter."
            in mpage.locator("#minority-title ~ article").first.inner_text()
        )

        facilitator.goto(manage)
        _submit(facilitator, "form[action$='/phase'] button[type=submit]")
        for number in (1, 2, 3):
            member.goto(f"{public}/{number}/vote")
            if number == 1:
                _check(member)
            mpage.locator("input[name=answer][value=yes]").check()
            _submit(member, "form[action$='/vote'] button[type=submit]")
            assert mpage.locator(".receipt-code").count() == 1
        member.goto(f"{public}/3/vote/change")
        _check(member)
        # Nine more members: recommendation 2 gets 4 yes of 10, short of 80 %.
        _votes(
            server.database_url,
            seed,
            [
                (1, None, ["yes"] * 9),
                (2, None, ["yes"] * 3 + ["no"] * 6),
                (3, None, ["yes"] * 8 + ["abstain"]),
            ],
        )
        facilitator.goto(f"{manage}/1/paper-ballots")
        _check(facilitator)
        facilitator.goto(manage)
        _check(facilitator)
        _submit(facilitator, "form[action$='/phase'] button[type=submit]")
        _submit(facilitator, "form[action$='/report/publish'] button[type=submit]")

        reader = person()
        reader.set_language(lang)
        reader.goto(f"/assemblies/{seed.slug}/report")
        _check(reader, expected_lang=lang)
        report = reader.page.locator("main").inner_text()
        assert "A pier costs too much in winter." in report
        assert report.count("80 %") >= 3
        pdf = reader.context.request.get(f"{server.url}/assemblies/{seed.slug}/report.pdf")
        assert pdf.status == 200
        assert pdf.body().startswith(b"%PDF")
        reader.goto(public)
        assert reader.page.locator(".verdict-rejected").count() == 1
        _check(reader)
        reader.goto(f"{public}/2/ballots")
        assert "10" in reader.page.locator("main").inner_text()
        _check(reader)

        responder = person()
        responder.sign_in(f"{lang}-{RESPONDER}")
        facilitator.goto(manage)
        facilitator.page.locator("#field-responder_email").fill(f"{lang}-{RESPONDER}")
        _submit(facilitator, "form[action$='/responders'] button[type=submit]")
        responder.set_language(lang)
        rpage = responder.page
        responder.goto(f"/respond/{seed.slug}")
        _check(responder)
        for number, stance in zip(
            (1, 2, 3), ("accepted", "not_accepted", "accepted_in_part"), strict=True
        ):
            responder.goto(f"/respond/{seed.slug}/{number}")
            rpage.locator(f"input[name=stance][value={stance}]").check()
            rpage.locator("#field-reasoning").fill(f"Our answer {number}.")
            rpage.locator("#field-promised_on").fill("2026-01-31")
            _submit(responder, "form[action$='/response'] button[type=submit]")
            for step, progress in enumerate(("in_progress", "implemented"), start=1):
                rpage.locator(
                    f"form[action$='/updates'] input[name=progress][value={progress}]"
                ).check()
                rpage.locator("#field-description").fill(f"Step {step} of {number}.")
                rpage.locator("#field-happened_on").fill(f"2026-0{step}-15")
                rpage.locator("#field-evidence").fill("https://example.org/decision")
                _submit(responder, "form[action$='/updates'] button[type=submit]")
            if number == 1:
                _check(responder)

        reader.goto(f"/assemblies/{seed.slug}/tracker")
        _check(reader)
        tracker = reader.page.locator("main").inner_text()
        for number in (1, 2, 3):
            assert f"Our answer {number}." in tracker
            assert f"Step 2 of {number}." in tracker
        reader.goto(f"/assemblies/{seed.slug}/tracker/1")
        _check(reader)
        feed = reader.context.request.get(f"{server.url}/assemblies/{seed.slug}/tracker/feed.atom")
        assert feed.status == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        assert feed.text().count("<entry>") == 3 + 6 + 1
    finally:
        for one in made:
            one.close()
        auditor.close()
