"""Citizens on shared and changing devices, and administration in the browser, in English and
Bokmål: a citizen joins, proposes and votes, leaves on the device and comes back on another
browser with their return code; an administrator creates a facilitator, who chooses a password
and signs in; a facilitator reads the audit log. The journeys run with JavaScript off, and
every new page they pass is checked with axe on the way: axe needs JavaScript, so it runs on
a copy of the page (the same HTML, served at the same address) in a JavaScript-enabled tab.

Selectors are the pages' own structure (field ids, form actions), so one journey serves both
languages; the text checked is each language's own.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.conftest import Visitor
from browser.live_server import PASSWORD
from browser.test_accessibility import axe_violations
from browser.world import ADMIN, FACILITATOR, World

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "nb"]
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")
TEXT = {
    "en": {
        "left": "You have left on this device",
        "refused": "Only participants can do this",
        "taking_part": "You take part as {name}",
        "voted": "You have already voted on this topic.",
        "password_set": "Your password is saved.",
        "joined": "Participant joined",
        "a_participant": "a participant",
    },
    "nb": {
        "left": "Du har forlatt forsamlingen på denne enheten",
        "refused": "Bare deltakere kan gjøre dette",
        "taking_part": "Du deltar som {name}",
        "voted": "Du har allerede stemt i dette temaet.",
        "password_set": "Passordet ditt er lagret.",
        "joined": "Deltaker ble med",
        "a_participant": "en deltaker",
    },
}


class Axe:
    """Collects axe violations page by page, and the pages not in the expected language."""

    def __init__(self, lang: str, checker: Visitor) -> None:
        self.lang = lang
        self.checker = checker
        self.problems: dict[str, list[str]] = {}

    def check(self, person: Visitor, label: str) -> None:
        html = person.page.content()
        address = f"{self.checker.server.url}/axe-copy-{len(self.problems)}-{abs(hash(label))}"
        page = self.checker.page
        page.route(address, lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(address)
        assert page.title() == person.page.title(), label  # the copy, not some other page
        found = axe_violations(page)
        if page.evaluate("() => document.documentElement.lang") != self.lang:
            found.append("the page is not in the reader's language")
        if found:
            self.problems[label] = found
        page.unroute(address)


def path_of(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def main_text(person: Visitor) -> str:
    return str(person.page.locator("main").inner_text())


PHONE = {"width": 360, "height": 740}


def fits_on_the_phone(person: Visitor, selector: str) -> None:
    """The element is shown and wholly inside the 360 px wide screen (no sideways scrolling)."""
    element = person.page.locator(selector).first
    assert element.is_visible(), selector
    box = element.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0, (selector, box)
    assert box["x"] + box["width"] <= PHONE["width"], (selector, box)


def join(person: Visitor, code: str, pseudonym: str) -> str:
    """Join from the home page's link and return the return code shown once."""
    person.goto("/")
    fits_on_the_phone(person, "header nav a[href='/join']")
    person.submit(person.page.locator("header nav a[href='/join']"))
    person.page.locator("#field-code").fill(code)
    person.page.locator("#field-pseudonym").fill(pseudonym)
    person.submit(person.page.locator("main form[action='/join'] button[type=submit]"))
    assert re.search(r"/return-code\?joined=1$", person.page.url), person.page.url
    shown = person.page.locator(".return-code").inner_text().strip()
    assert CODE.fullmatch(shown), shown
    return shown


def sign_in(person: Visitor, email: str, password: str = PASSWORD) -> None:
    person.goto("/signin")
    person.page.locator("#field-email").fill(email)
    person.page.locator("#field-password").fill(password)
    person.submit(person.page.locator("main form[action='/signin'] button[type=submit]"))
    assert path_of(person.page).startswith("/dashboard"), person.page.url


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_citizen_leaves_and_comes_back_on_another_browser(
    visitor: Any, world: World, lang: str
) -> None:
    words, axe = TEXT[lang], Axe(lang, visitor(lang=lang))
    name = f"Returning {lang}"
    citizen = visitor(lang=lang, java_script_enabled=False, viewport=PHONE)
    page = citizen.page
    code = join(citizen, world.codes[LANGUAGES.index(lang)], name)
    fits_on_the_phone(citizen, ".return-code")
    axe.check(citizen, "the return code, shown once")
    citizen.submit(page.locator("form[action$='/return-code/kept'] button[type=submit]"))
    assert words["taking_part"].format(name=name) in page.locator("header").inner_text()
    fits_on_the_phone(citizen, ".taking-part li")
    fits_on_the_phone(citizen, "header form[action='/leave'] button")
    axe.check(citizen, "the assembly page, taking part")
    citizen.goto(f"/assemblies/{world.slug}/return-code")
    axe.check(citizen, "the return code page, once kept")

    # A proposal, and a secret ballot with its receipt.
    citizen.goto(world.topic_url("proposals"))
    page.locator("#field-title").fill(f"Reading corner {lang}")
    page.locator("#field-body").fill("Quiet seats by the window.")
    citizen.submit(page.locator("form[action$='/proposals'] button[type=submit]"))
    assert f"Reading corner {lang}" in main_text(citizen)
    citizen.goto(f"{world.topic_url('voting')}/vote")
    page.locator("main form input[type=checkbox]").first.check()
    citizen.submit(page.locator("main form button[type=submit]").last)
    receipt = page.locator(".receipt-code").inner_text().strip()
    assert CODE.fullmatch(receipt), receipt

    # Leave on this device: the next person here starts signed out.
    citizen.submit(page.locator("header form[action='/leave'] button"))
    assert path_of(page) == "/left"
    assert words["left"] in main_text(citizen)
    assert page.locator(".taking-part").count() == 0
    axe.check(citizen, "left")
    citizen.goto(f"{world.topic_url('voting')}/vote", expect=403)
    assert words["refused"] in main_text(citizen)
    axe.check(citizen, "for participants only")
    citizen.screenshot(f"shared-device-{lang}-refused")

    # Another browser, with the return code: the same participant, proposal and vote.
    later = visitor(lang=lang, java_script_enabled=False)
    later.goto("/join/return")
    axe.check(later, "come back")
    later.submit(later.page.locator("main form[action='/join/return'] button[type=submit]"))
    axe.check(later, "come back, with an error")
    later.page.locator("#field-code").fill(code.lower().replace("-", " "))
    later.submit(later.page.locator("main form[action='/join/return'] button[type=submit]"))
    assert path_of(later.page) == f"/assemblies/{world.slug}?returned=1"
    assert words["taking_part"].format(name=name) in later.page.locator("header").inner_text()
    later.goto(world.topic_url("proposals"))
    mine = later.page.locator("article.proposal", has_text=f"Reading corner {lang}")
    assert mine.locator("a[href$='/edit']").count() == 1
    later.goto(f"{world.topic_url('voting')}/vote")
    assert path_of(later.page).endswith("/vote/change")
    assert words["voted"] in main_text(later)
    later.screenshot(f"shared-device-{lang}-returned")
    assert not axe.problems, axe.problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_admin_creates_a_facilitator_who_signs_in_and_reads_the_audit_log(
    visitor: Any, world: World, lang: str
) -> None:
    words, axe = TEXT[lang], Axe(lang, visitor(lang=lang))
    admin = visitor(lang=lang, java_script_enabled=False)
    sign_in(admin, ADMIN)
    axe.check(admin, "the dashboard of an administrator")
    admin.submit(admin.page.locator("main a[href='/admin/accounts']"))
    axe.check(admin, "accounts")
    admin.submit(admin.page.locator("main a[href='/admin/accounts/new']"))
    admin.submit(admin.page.locator("main form[action='/admin/accounts'] button[type=submit]"))
    axe.check(admin, "a new account, with errors")
    email = f"new.facilitator.{lang}@example.org"
    admin.page.locator("#field-email").fill(email)
    admin.page.locator("#field-display_name").fill(f"Nora {lang}")
    admin.page.locator("input[name=role][value=facilitator]").check()
    admin.submit(admin.page.locator("main form[action='/admin/accounts'] button[type=submit]"))
    link = admin.page.locator(".password-link").inner_text().strip()
    assert link.startswith(admin.server.url + "/account/reset/"), link
    axe.check(admin, "the account made, with its link")
    admin.screenshot(f"admin-{lang}-account-created")
    admin.goto("/admin/audit")
    axe.check(admin, "the whole audit log")

    newcomer = visitor(lang=lang, java_script_enabled=False)
    newcomer.goto("/account/reset/ZZZZ-ZZZZ-ZZZZ-ZZZZ", expect=404)
    axe.check(newcomer, "an unknown password link")
    newcomer.goto(link.removeprefix(admin.server.url))
    axe.check(newcomer, "choose a password")
    newcomer.submit(newcomer.page.locator("main form button[type=submit]"))
    axe.check(newcomer, "choose a password, with errors")
    newcomer.page.locator("#field-password").fill("a long password of my own")
    newcomer.page.locator("#field-confirmation").fill("a long password of my own")
    newcomer.submit(newcomer.page.locator("main form button[type=submit]"))
    assert words["password_set"] in main_text(newcomer)
    sign_in(newcomer, email, "a long password of my own")
    newcomer.goto("/account/reset")
    axe.check(newcomer, "type a password code")

    # The assembly's facilitator reads its log, filtered by the kind of action: someone
    # joins first, so the log has a participant's event whatever ran before.
    join(
        visitor(lang=lang, java_script_enabled=False, viewport=PHONE),
        world.codes[2 + LANGUAGES.index(lang)],
        f"Log {lang}",
    )
    facilitator = visitor(lang=lang, java_script_enabled=False)
    sign_in(facilitator, FACILITATOR)
    facilitator.goto(world.manage_url())
    facilitator.submit(facilitator.page.locator(f"main a[href='{world.manage_url()}/audit']"))
    facilitator.page.locator("#field-kind").select_option("participant.joined")
    facilitator.submit(facilitator.page.locator("main form[method=get] button[type=submit]"))
    assert "kind=participant.joined" in facilitator.page.url
    table = facilitator.page.locator("table.audit-table").inner_text()
    assert words["joined"] in table
    assert words["a_participant"] in table
    axe.check(facilitator, "an assembly's audit log")
    facilitator.screenshot(f"audit-{lang}")
    # A new return code for someone who lost theirs.
    facilitator.goto(f"{world.manage_url()}/invitations")
    axe.check(facilitator, "invitations, with new return codes")
    facilitator.submit(
        facilitator.page.locator("form[action*='/participants/'] button[type=submit]").first
    )
    assert CODE.fullmatch(facilitator.page.locator(".return-code").inner_text().strip())
    axe.check(facilitator, "a new return code from the facilitator")
    assert not axe.problems, axe.problems


WITHDRAWAL = {
    "en": {
        "unconfirmed": "Tick the box to confirm that you want to withdraw.",
        "withdrawn": "You have withdrawn from the assembly.",
    },
    "nb": {
        "unconfirmed": "Kryss av for å bekrefte at du vil trekke deg.",
        "withdrawn": "Du har trukket deg fra forsamlingen.",
    },
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_citizen_downloads_their_data_and_withdraws(
    visitor: Any, world: World, lang: str
) -> None:
    words, axe = WITHDRAWAL[lang], Axe(lang, visitor(lang=lang))
    name = f"Leaving {lang}"
    citizen = visitor(lang=lang, java_script_enabled=False, viewport=PHONE)
    page = citizen.page
    code = join(citizen, world.codes[4 + LANGUAGES.index(lang)], name)
    citizen.submit(page.locator("form[action$='/return-code/kept'] button[type=submit]"))
    citizen.submit(page.locator(f"main a[href='/assemblies/{world.slug}/your-data']"))
    assert name in main_text(citizen)
    axe.check(citizen, "your data")
    download = page.context.request.get(
        f"{citizen.server.url}/assemblies/{world.slug}/your-data/download"
    )
    assert download.ok
    assert download.json()["participant"]["pseudonym"] == name

    withdraw = "main form[action$='/your-data/withdraw'] button[type=submit]"
    citizen.submit(page.locator(withdraw))
    assert words["unconfirmed"] in page.locator(".error-summary").inner_text()
    axe.check(citizen, "your data, not confirmed")
    page.locator("input[name=confirm][value=yes]").check()
    citizen.submit(page.locator(withdraw))
    assert path_of(page) == "/left?withdrawn=1"
    assert words["withdrawn"] in main_text(citizen)
    assert page.locator(".taking-part").count() == 0
    axe.check(citizen, "withdrawn")

    # The return code opens nothing any more, and the name is gone from the assembly.
    later = visitor(lang=lang, java_script_enabled=False)
    later.goto("/join/return")
    later.page.locator("#field-code").fill(code)
    later.submit(later.page.locator("main form[action='/join/return'] button[type=submit]"))
    assert later.page.locator(".error-summary").count() == 1
    later.goto(world.topic_url("proposals"))
    assert name not in main_text(later)
    assert not axe.problems, axe.problems
