"""Participatory budgeting in a real browser, in English and in Bokmål: a facilitator sets up
a budget topic and its project costs through forms (no JSON, no ids); one citizen votes with
the live running total (JavaScript on), another with the "check my choices" step (JavaScript
off); over-budget ballots are refused with the amount over; the new pages have no axe
violations."""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.conftest import Visitor
from browser.journey import no_axe, path_of, tr
from browser.world import FACILITATOR

pytestmark = pytest.mark.browser

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def set_up_budget_topic(facilitator: Visitor, lang: str) -> tuple[str, list[str]]:
    page = facilitator.page
    facilitator.sign_in(FACILITATOR)
    facilitator.set_language(lang)
    facilitator.goto("/manage/assemblies/new")
    page.get_by_label(tr(lang, "Title")).fill(f"Budget assembly {lang}")
    page.get_by_label(tr(lang, "Description"), exact=True).fill("Sharing out the park money.")
    assert page.get_by_label(tr(lang, "Currency")).input_value() == "NOK"
    page.get_by_role("radio", name=tr(lang, "Published")).check()
    facilitator.submit(page.get_by_role("button", name=tr(lang, "Create the assembly")))
    manage = path_of(page)

    facilitator.goto(f"{manage}/topics/new")
    page.get_by_label(tr(lang, "Question")).fill("How should we spend the park budget?")
    page.get_by_label(tr(lang, "Spotlight area")).select_option(index=1)
    page.get_by_label(tr(lang, "Voting method")).select_option("budget")
    page.get_by_label(tr(lang, "Budget"), exact=True).fill("800000")
    page.get_by_label(tr(lang, "Starting phase")).select_option("proposals")
    facilitator.submit(page.get_by_role("button", name=tr(lang, "Add the topic")))
    topic_manage = path_of(page)
    assert page.locator(".error-summary").count() == 0, page.content()

    facilitator.goto(f"{manage}/invitations")
    page.get_by_label(tr(lang, "Number of codes")).fill("2")
    facilitator.submit(page.get_by_role("button", name=tr(lang, "Make the codes")))
    codes = [t.strip() for t in page.locator(".invite-code").all_inner_texts()]
    assert len(codes) == 2, codes
    return topic_manage, codes


def propose(citizen: Visitor, topic: str, title: str, estimate: str) -> None:
    page = citizen.page
    citizen.goto(f"{topic}/proposals/new")
    page.get_by_label(tr(citizen.lang, "Title")).fill(title)
    page.locator("#field-estimated_cost").fill(estimate)
    citizen.submit(page.get_by_role("button", name=tr(citizen.lang, "Submit the proposal")))
    assert page.locator(".error-summary").count() == 0


def move(facilitator: Visitor, topic_manage: str, button: str) -> None:
    facilitator.goto(topic_manage)
    facilitator.submit(facilitator.page.get_by_role("button", name=tr(facilitator.lang, button)))
    assert facilitator.page.locator(".error-summary").count() == 0, facilitator.page.content()


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_a_budget_vote_with_and_without_javascript(visitor: Any, lang: str) -> None:
    facilitator = visitor()
    topic_manage, codes = set_up_budget_topic(facilitator, lang)
    topic = topic_manage.replace("/manage/assemblies/", "/assemblies/")

    live = visitor()
    live.join(codes[0], f"Otter {lang}")
    live.set_language(lang)
    propose(live, topic, "Playground", "400 000")
    plain = visitor(java_script_enabled=False)
    plain.join(codes[1], f"Heron {lang}")
    plain.set_language(lang)
    propose(plain, topic, "Bike racks", "250000")

    # The facilitator sets the costs on a form of project names; the estimates are shown.
    page = facilitator.page
    facilitator.goto(f"{topic_manage}/costs")
    no_axe(facilitator, "costs page")
    main = page.locator("main").inner_text()
    assert tr(lang, "Author's estimate: %(amount)s.", amount="").rstrip(".") in main
    page.get_by_label(re.compile("^Playground")).fill("600000")
    page.get_by_label(re.compile("^Bike racks")).fill("300 000")
    facilitator.submit(page.get_by_role("button", name=tr(lang, "Save the costs")))
    assert tr(lang, "The costs were saved.") in page.locator("main").inner_text()
    move(facilitator, topic_manage, "Start deliberation")
    move(facilitator, topic_manage, "Open voting")

    # With JavaScript: the running total follows the ticks.
    vpage = live.page
    live.goto(f"{topic}/vote")
    no_axe(live, "budget ballot")
    tally = vpage.locator("#budget-tally")
    vpage.get_by_role("checkbox", name=re.compile("Playground")).check()
    assert "600" in tally.locator("[data-total]").inner_text()
    assert "200" in tally.locator("[data-left]").inner_text()
    vpage.get_by_role("checkbox", name=re.compile("Bike racks")).check()
    assert "900" in tally.locator("[data-total]").inner_text()
    assert "over-budget" in (tally.get_attribute("class") or "")
    assert tr(lang, "Over the budget by") in tally.inner_text()
    live.submit(vpage.get_by_role("button", name=tr(lang, "Cast my vote")))
    summary = vpage.locator(".error-summary").inner_text()
    assert "100" in summary
    assert "800" in summary
    no_axe(live, "over-budget ballot")
    vpage.get_by_role("checkbox", name=re.compile("Bike racks")).uncheck()
    live.submit(vpage.get_by_role("button", name=tr(lang, "Cast my vote")))
    assert CODE.search(vpage.locator(".receipt-code").inner_text())

    # Without JavaScript: "check my choices" shows the same before casting.
    ppage = plain.page
    plain.goto(f"{topic}/vote")
    ppage.get_by_role("checkbox", name=re.compile("Playground")).check()
    ppage.get_by_role("checkbox", name=re.compile("Bike racks")).check()
    plain.submit(ppage.get_by_role("button", name=tr(lang, "Check my choices")))
    assert ppage.locator(".error-summary").count() == 1
    assert "900" in ppage.locator("#budget-tally [data-total]").inner_text()
    ppage.get_by_role("checkbox", name=re.compile("Playground")).uncheck()
    plain.submit(ppage.get_by_role("button", name=tr(lang, "Check my choices")))
    assert ppage.locator(".error-summary").count() == 0
    assert "500" in ppage.locator("#budget-tally [data-left]").inner_text()
    assert ppage.get_by_role("checkbox", name=re.compile("Bike racks")).is_checked()
    plain.submit(ppage.get_by_role("button", name=tr(lang, "Cast my vote")))
    assert CODE.search(ppage.locator(".receipt-code").inner_text())

    # The paper ballots page with its list, then the published result with its chart.
    facilitator.goto(f"{topic_manage}/paper-ballots")
    page.get_by_role("checkbox", name=re.compile("Bike racks")).check()
    facilitator.submit(page.get_by_role("button", name=tr(lang, "Store the paper ballot")))
    no_axe(facilitator, "paper ballots with their list")
    move(facilitator, topic_manage, "Close voting")
    move(facilitator, topic_manage, "Publish results")
    reader = visitor(java_script_enabled=False, lang=lang)
    reader.goto(topic)
    text = reader.page.locator("main").inner_text()
    assert tr(lang, "Money used") in text
    assert tr(lang, "Method of Equal Shares") in text
    assert reader.page.locator("svg[role=img]").count() >= 1
    no_axe(reader, "budget results")
