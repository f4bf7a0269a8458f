"""Voting methods set up through the topic form in a real browser, in English and in Bokmål.

A facilitator picks approval, Schulze and majority judgment by name in the "Voting method"
select and fills each method's own fields (no JSON, no ids); what is stored is what was typed.
A wrong number comes back as a 400 form with the message in the reader's language, tied to
its field, and with everything typed still there. The form has no axe violations with each
method chosen, nor with an error shown.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.conftest import Visitor
from browser.journey import no_axe, path_of, submit_for_status, tr
from browser.live_server import LiveServer, run_db
from browser.world import FACILITATOR, World
from sqlalchemy import select

from assembly.db.models import Assembly, Topic

pytestmark = pytest.mark.browser

GRADES = {"en": ["Weak", "Fair", "Strong", "Superb"], "nb": ["Svak", "Grei", "Sterk", "Glimrende"]}
DEFAULT_GRADES = ["Reject", "Poor", "Acceptable", "Good", "Very good", "Excellent"]


def stored_setup(server: LiveServer, slug: str, topic_slug: str) -> tuple[str, dict[str, Any]]:
    """The voting method and parameters the database holds for the topic."""

    async def read(db: Any) -> tuple[str, dict[str, Any]]:
        topic = await db.scalar(
            select(Topic)
            .join(Assembly, Topic.assembly_id == Assembly.id)
            .where(Assembly.slug == slug, Topic.slug == topic_slug)
        )
        assert topic is not None, topic_slug
        return topic.voting_method, dict(topic.voting_params or {})

    return run_db(server.database_url, read)


def shown_settings(page: Any) -> Any:
    """The settings of the chosen method: the one settings group the reader can see."""
    groups = page.locator("fieldset.method-params:visible")
    assert groups.count() == 1, groups.count()
    return groups


def start_topic(facilitator: Visitor, manage: str, question: str, method: str) -> Any:
    """The new-topic form with the question, an area and the method (by its name) chosen."""
    page = facilitator.page
    lang = facilitator.lang
    facilitator.goto(f"{manage}/topics/new")
    page.get_by_label(tr(lang, "Question")).fill(question)
    page.get_by_label(tr(lang, "Spotlight area")).select_option(index=1)
    page.get_by_label(tr(lang, "Voting method")).select_option(label=tr(lang, method))
    return shown_settings(page)


def add_topic(facilitator: Visitor) -> int:
    button = facilitator.page.get_by_role("button", name=tr(facilitator.lang, "Add the topic"))
    return submit_for_status(facilitator, button)


def described_by(page: Any, field: Any) -> str:
    """The text a screen reader reads out with the field (its hint and its error)."""
    ids = (field.get_attribute("aria-describedby") or "").split()
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)


def saved(facilitator: Visitor, slug: str, method: str) -> str:
    """After a save: the topic's manage page, without errors, naming the method; its slug."""
    page = facilitator.page
    path = path_of(page)
    assert path.startswith(f"/manage/assemblies/{slug}/topics/"), path
    assert page.locator(".error-summary, .field-error").count() == 0, page.content()
    assert tr(facilitator.lang, method) in page.locator("main").inner_text()
    return path.rsplit("/", 1)[1]


def refused(facilitator: Visitor, status: int, message: str) -> None:
    """A refused save: a 4xx form whose error summary names the problem."""
    assert 400 <= status < 500, status
    summary = facilitator.page.locator(".error-summary")
    assert summary.count() == 1
    assert message in summary.inner_text(), summary.inner_text()


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_methods_are_set_up_through_their_own_fields(
    visitor: Any, server: LiveServer, world: World, lang: str
) -> None:
    facilitator = visitor()
    facilitator.sign_in(FACILITATOR)
    facilitator.set_language(lang)
    page = facilitator.page
    slug = world.slug if lang == "en" else world.other_slug
    manage = f"/manage/assemblies/{slug}"

    # Approval: a negative limit is refused in the reader's words, the typing kept.
    question = f"Which stalls should the market have? ({lang})"
    settings = start_topic(facilitator, manage, question, "Approval voting")
    no_axe(facilitator, "topic form, approval")
    settings.get_by_label(tr(lang, "Most approvals per ballot")).fill("-3")
    message = tr(lang, "Enter %(min)s or more.", min="1")
    refused(facilitator, add_topic(facilitator), message)
    limit = shown_settings(page).get_by_label(tr(lang, "Most approvals per ballot"))
    assert limit.input_value() == "-3"
    assert limit.get_attribute("aria-invalid") == "true"
    assert message in described_by(page, limit)
    assert page.get_by_label(tr(lang, "Question")).input_value() == question
    chosen = page.get_by_label(tr(lang, "Voting method"))
    assert chosen.locator("option:checked").inner_text() == tr(lang, "Approval voting")
    no_axe(facilitator, "topic form, approval, with an error")

    # Trying another method on the refused form shows that method's defaults, not blanks.
    chosen.select_option(label=tr(lang, "Majority judgment"))
    grades = shown_settings(page).get_by_label(tr(lang, "Grades"), exact=True)
    assert grades.input_value().splitlines() == [tr(lang, g) for g in DEFAULT_GRADES]
    chosen.select_option(label=tr(lang, "Approval voting"))
    shown_settings(page).get_by_label(tr(lang, "Most approvals per ballot")).fill("2")
    assert add_topic(facilitator) == 200
    topic = saved(facilitator, slug, "Approval voting")
    assert stored_setup(server, slug, topic) == (
        "approval",
        {"max_approvals": 2, "tie_break_seed": 0},
    )

    # Schulze: the margin, and a tie-break number that must be whole.
    bridge = f"Where should the bridge go? ({lang})"
    settings = start_topic(facilitator, manage, bridge, "Schulze method")
    no_axe(facilitator, "topic form, Schulze")
    settings.get_by_label(tr(lang, "Margin: winning votes minus losing votes")).check()
    settings.get_by_text(tr(lang, "More settings")).click()
    settings.get_by_label(tr(lang, "Tie-break number")).fill("1.5")
    no_axe(facilitator, "topic form, Schulze, more settings open")
    refused(facilitator, add_topic(facilitator), tr(lang, "Enter a whole number."))
    settings = shown_settings(page)
    seed = settings.get_by_label(tr(lang, "Tie-break number"))
    assert seed.is_visible(), "the settings with the error are open"
    assert seed.input_value() == "1.5"
    assert tr(lang, "Enter a whole number.") in described_by(page, seed)
    assert settings.get_by_label(tr(lang, "Margin: winning votes minus losing votes")).is_checked()
    seed.fill("7")
    assert add_topic(facilitator) == 200
    topic = saved(facilitator, slug, "Schulze method")
    assert stored_setup(server, slug, topic) == (
        "schulze",
        {"strength": "margin", "tie_break_seed": 7},
    )

    # Majority judgment: the default grades in the reader's language, replaced by one's own.
    library = f"How good is the new library? ({lang})"
    settings = start_topic(facilitator, manage, library, "Majority judgment")
    no_axe(facilitator, "topic form, majority judgment")
    grades = settings.get_by_label(tr(lang, "Grades"), exact=True)
    assert grades.input_value().splitlines() == [tr(lang, g) for g in DEFAULT_GRADES]
    grades.fill(GRADES[lang][0])
    refused(
        facilitator,
        add_topic(facilitator),
        tr(lang, "Give at least two grades, one a line, from worst to best."),
    )
    grades = shown_settings(page).get_by_label(tr(lang, "Grades"), exact=True)
    assert grades.input_value() == GRADES[lang][0]
    grades.fill("\n".join(GRADES[lang]))
    assert add_topic(facilitator) == 200
    topic = saved(facilitator, slug, "Majority judgment")
    assert stored_setup(server, slug, topic) == (
        "majority_judgment",
        {"grades": GRADES[lang], "tie_break_seed": 0},
    )

    # The edit form shows the stored grades back, one a line.
    facilitator.goto(f"{manage}/topics/{topic}/edit")
    grades = shown_settings(page).get_by_label(tr(lang, "Grades"), exact=True)
    assert grades.input_value().splitlines() == GRADES[lang]
