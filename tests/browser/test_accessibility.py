"""WCAG 2.2 AA in a real browser: axe-core on every page type, in English and Norwegian,
as each role; plus focus visibility, error-summary focus, the announced vote confirmation,
and reflow at 320 CSS px."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from browser.world import FACILITATOR, OUTSIDER_RESEARCHER, RESEARCHER, World

pytestmark = pytest.mark.browser

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
LANGUAGES = ["en", "nb"]


@cache
def axe_source() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return str(Axe().axe_script)


# With JavaScript off, Chromium runs the test's own scripts but never fires their timers, and
# axe yields between rules with setTimeout: for the run, timers become microtasks.
AXE_RUN = """async options => {
  const timers = [window.setTimeout, window.clearTimeout];
  window.setTimeout = (callback, _delay, ...args) => {
    Promise.resolve().then(() => callback(...args));
    return 0;
  };
  window.clearTimeout = () => {};
  try {
    return await axe.run(document, options);
  } finally {
    [window.setTimeout, window.clearTimeout] = timers;
  }
}"""


def axe_violations(page: Any) -> list[str]:
    """Run axe-core on the page as it is now (injected once per page, outside the page's CSP)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(AXE_RUN, AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


KEY_PAGES = re.compile(
    r"^/$|^/assemblies/[^/]+$|/topics/[^/]+$|/vote$|/invitations$|/paper-ballots$|/moderate$"
    r"|/summary$|^/research/|^/dashboard$|/present"
)


def _is_key_page(path: str) -> bool:
    """Screenshots are kept for review of the key pages only; they cost time."""
    return bool(KEY_PAGES.search(path.split("?")[0]))


def check_pages(person: Any, paths: list[str], *, shots: str = "") -> None:
    problems: dict[str, list[str]] = {}
    for path in paths:
        response = person.goto(path, expect=None)
        if response is None or response.status != 200:
            problems[path] = [f"status {response and response.status}"]
            continue
        found = axe_violations(person.page)
        lang = person.page.evaluate("() => document.documentElement.lang")
        if lang != person.lang:
            found.append(f"the page is in {lang!r}, not {person.lang!r}")
        # A summary's own text keeps the assembly's language (English here), marked where it starts.
        if path.startswith("/assemblies/") and path.endswith("/summary"):
            text_lang = person.page.evaluate(
                "() => document.querySelector('main [lang]')?.getAttribute('lang')"
            )
            if text_lang != "en":
                found.append(f"the summary's text is marked {text_lang!r}, not 'en'")
        if found:
            problems[path] = found
        if shots and not shots.endswith("-nb-") and _is_key_page(path):
            person.screenshot(f"{shots}{path.strip('/').replace('/', '_') or 'home'}")
    assert not problems, problems


def public_pages(world: World) -> list[str]:
    topic = world.topic_url("proposals")
    pages = [
        "/",
        "/assemblies",
        "/practices",
        "/signin",
        "/privacy",
        "/accessibility",
        "/about",
        "/join",
        f"/assemblies/{world.slug}",
        topic,
        f"{topic}/proposals/{world.proposal_ids['proposals'][0]}",
        world.topic_url("published"),
        f"{world.topic_url('published')}/ballots",
        f"{world.topic_url('voting')}/present?refresh=off",
    ]
    from assembly.catalogue.data import load_catalogue

    catalogue = load_catalogue()
    pages += [f"/areas/{catalogue.areas[0].slug}", f"/practices/{catalogue.practices[0].slug}"]
    pages.append(f"/assemblies/{world.slug}/summary")
    return pages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_anonymous_pages(visitor: Any, world: World, lang: str) -> None:
    person = visitor(lang=lang)
    check_pages(person, public_pages(world), shots=f"anonymous-{lang}-")
    person.goto("/no/such/page", expect=404)
    assert axe_violations(person.page) == []
    # A form shown again with its errors.
    person.goto("/signin")
    person.submit(person.page.locator("main form button[type=submit]"))
    person.page.wait_for_selector(".error-summary")
    assert axe_violations(person.page) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_present_view_apart_from_its_refresh(visitor: Any, world: World, lang: str) -> None:
    """The projector view refreshes itself by design (it says so, and offers to stop);
    every other rule applies to it."""
    person = visitor(lang=lang)
    person.goto(f"{world.topic_url('voting')}/present")
    assert [v for v in axe_violations(person.page) if not v.startswith("meta-refresh ")] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_citizen_pages(visitor: Any, world: World, lang: str) -> None:
    person = visitor()
    person.join(world.codes[LANGUAGES.index(lang)], f"Reader {lang}")
    person.set_language(lang)
    proposals, voting = world.topic_url("proposals"), world.topic_url("voting")
    pages = [
        f"/assemblies/{world.slug}",
        proposals,
        f"{proposals}/proposals/{world.proposal_ids['proposals'][1]}",
        voting,
        f"{voting}/vote",
        world.topic_url("published"),
        f"/assemblies/{world.slug}/your-data",
    ]
    pages.append(f"/assemblies/{world.slug}/about-you")
    check_pages(person, pages, shots=f"citizen-{lang}-")
    # The proposal form with its errors, and the vote receipt.
    person.goto(proposals)
    person.submit(person.page.locator("form[action$='/proposals'] button[type=submit]"))
    person.page.wait_for_selector(".error-summary")
    assert axe_violations(person.page) == []
    # The author's own edit page.
    person.page.locator("#field-title").fill(f"Reading room {lang}")
    person.submit(person.page.locator("form[action$='/proposals'] button[type=submit]"))
    mine = person.page.locator("article.proposal", has_text=f"Reading room {lang}")
    edit = mine.locator("a[href$='/edit']")
    assert edit.count() == 1
    check_pages(person, [edit.get_attribute("href") or ""])
    person.goto(f"{voting}/vote")
    person.page.locator("main form input[type=checkbox]").first.check()
    person.submit(person.page.locator("main form button[type=submit]").last)
    person.page.wait_for_selector("[role=status]")
    assert axe_violations(person.page) == []
    person.screenshot(f"citizen-{lang}-vote-recorded")


def facilitator_pages(world: World) -> list[str]:
    manage = world.manage_url()
    topic = world.manage_url("proposals")
    first = world.proposal_ids["proposals"][0]
    pages = [
        "/dashboard",
        "/manage/assemblies",
        "/manage/assemblies/new",
        manage,
        f"{manage}/edit",
        f"{manage}/erase",
        f"{manage}/invitations",
        f"{manage}/topics/new",
        topic,
        f"{topic}/edit",
        f"{topic}/moderate",
        f"{topic}/moderate/proposals/{first}/hide",
        f"{topic}/moderate/proposals/{first}/merge",
        f"{world.manage_url('voting')}/paper-ballots",
        world.manage_url("published"),
    ]
    pages.append(f"{manage}/sortition")
    pages.append(f"{world.manage_url('published')}/summary")
    pages.append(f"{world.topic_url('published')}/summary")
    return pages


@pytest.mark.parametrize("lang", LANGUAGES)
def test_facilitator_pages(visitor: Any, world: World, lang: str) -> None:
    person = visitor()
    person.sign_in(FACILITATOR)
    person.set_language(lang)
    check_pages(person, facilitator_pages(world), shots=f"facilitator-{lang}-")
    # Freshly issued invitation letters.
    person.goto(f"{world.manage_url()}/invitations")
    form = person.page.locator("main form").filter(has=person.page.locator("input[name=count]"))
    form.locator("input[name=count]").fill("2")
    person.submit(form.locator("button[type=submit]"))
    person.page.wait_for_selector(".invite-code")
    assert axe_violations(person.page) == []
    person.screenshot(f"facilitator-{lang}-invitation-letters")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_researcher_pages(visitor: Any, world: World, lang: str) -> None:
    person = visitor()
    person.sign_in(RESEARCHER)
    person.set_language(lang)
    pages = ["/dashboard", f"/assemblies/{world.slug}"]
    pages.append(f"/research/{world.slug}")
    pages.append("/research/tokens")
    check_pages(person, pages, shots=f"researcher-{lang}-")
    outsider = visitor()
    outsider.sign_in(OUTSIDER_RESEARCHER)
    outsider.set_language(lang)
    outsider.goto(f"/research/{world.slug}", expect=403)
    assert axe_violations(outsider.page) == []


def test_focus_is_visible_and_not_obscured(visitor: Any, world: World) -> None:
    person = visitor()
    person.goto("/signin")
    page = person.page
    for selector in ["main a[href='/join']", "main form button[type=submit]"]:
        page.locator(selector).first.focus()
        # Keyboard focus (not a click) so :focus-visible applies.
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
                const el = document.activeElement;
                const s = getComputedStyle(el);
                const r = el.getBoundingClientRect();
                const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
                const top = document.elementFromPoint(cx, cy);
                return {tag: el.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
                        shadow: s.boxShadow, inView: r.top >= 0 && r.bottom <= innerHeight,
                        onTop: top === el || el.contains(top)};
            }"""
        )
        visible = (style["outline"] != "none" and style["width"] >= 2) or style["shadow"] != "none"
        assert visible, (selector, style)
        assert style["inView"], (selector, style)
        assert style["onTop"], (selector, style)


def test_error_summary_receives_focus(visitor: Any) -> None:
    person = visitor()
    person.goto("/join")
    person.submit(person.page.get_by_role("button", name="Join", exact=True))
    person.page.wait_for_selector(".error-summary")
    focused = person.page.evaluate(
        "() => document.activeElement.classList.contains('error-summary')"
    )
    assert focused


def test_vote_recorded_is_announced(visitor: Any, world: World) -> None:
    person = visitor()
    person.join(world.codes[2], "Announced")
    person.goto(f"{world.topic_url('voting')}/vote")
    person.page.locator("main form input[type=checkbox]").first.check()
    person.submit(person.page.locator("main form button[type=submit]").last)
    status = person.page.get_by_role("status")
    assert status.count() >= 1
    assert re.search(r"recorded|counted|received", status.first.inner_text(), re.I)


@pytest.mark.parametrize("role", ["anonymous", "citizen", "facilitator"])
def test_pages_reflow_at_320_px(visitor: Any, world: World, role: str) -> None:
    person = visitor(viewport={"width": 320, "height": 640})
    if role == "citizen":
        person.join(world.codes[3], "Narrow")
        paths = [world.topic_url("proposals"), f"{world.topic_url('voting')}/vote"]
    elif role == "facilitator":
        person.sign_in(FACILITATOR)
        paths = facilitator_pages(world)[:9]
    else:
        paths = public_pages(world)
    wide = {}
    for path in paths:
        person.goto(path)
        width = person.page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width
    assert not wide, wide


def test_the_language_switch_changes_the_page_language(visitor: Any, world: World) -> None:
    person = visitor()
    person.goto(f"/assemblies/{world.slug}")
    assert person.page.evaluate("() => document.documentElement.lang") == "en"
    person.page.locator("details.language-menu summary").click()
    person.submit(person.page.get_by_role("button", name="Norsk bokmål"))
    assert person.page.evaluate("() => document.documentElement.lang") == "nb"
    assert person.page.url.endswith(f"/assemblies/{world.slug}")
    assert axe_violations(person.page) == []
