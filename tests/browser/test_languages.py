"""Every language in a real browser: axe on a representative page set per locale, joining and
voting in Arabic and in Nynorsk, and the right-to-left layout measured from bounding boxes."""

from __future__ import annotations

from typing import Any

import pytest
from browser.test_accessibility import axe_violations, check_pages
from browser.world import World

pytestmark = pytest.mark.browser

# English and Bokmål are covered page by page in test_accessibility; the new languages get
# the pages a citizen sees, which is where their catalogues matter, to keep the suite quick.
NEW_LANGUAGES = ["nn", "pl", "uk", "ar", "so"]


def representative_pages(world: World) -> list[str]:
    topic = world.topic_url("proposals")
    return [
        "/",
        "/join",
        "/accessibility",
        f"/assemblies/{world.slug}",
        topic,
        f"{topic}/proposals/{world.proposal_ids['proposals'][0]}",
        world.topic_url("published"),
    ]


@pytest.mark.parametrize("lang", NEW_LANGUAGES)
def test_representative_pages_in_every_language(visitor: Any, world: World, lang: str) -> None:
    person = visitor(lang=lang)
    check_pages(person, representative_pages(world))
    direction = person.page.evaluate("() => document.documentElement.dir")
    assert direction == ("rtl" if lang == "ar" else "ltr")


@pytest.mark.parametrize(
    ("lang", "name", "code_index"), [("ar", "العربية", 0), ("nn", "Norsk nynorsk", 1)]
)
def test_join_and_vote(visitor: Any, world: World, lang: str, name: str, code_index: int) -> None:
    person = visitor()
    page = person.page
    person.goto("/join")
    # The language menu: closed until opened, each language named in itself, marked for review.
    page.locator("details.language-menu summary").click()
    button = page.locator(f"button[name=lang][value={lang}]")
    assert name in button.inner_text()
    assert "needs review by a native speaker" in button.inner_text()
    person.submit(button)
    person.lang = lang
    assert page.evaluate("() => document.documentElement.lang") == lang
    page.locator("#field-code").fill(world.codes[code_index])
    page.locator("#field-pseudonym").fill(f"Reader {lang}")
    person.submit(page.locator("main form button[type=submit]").first)
    assert f"Reader {lang}" in page.locator("main").inner_text()
    voting = world.topic_url("voting")
    person.goto(f"{voting}/vote")
    assert axe_violations(page) == []
    page.locator("main form input[type=checkbox]").first.check()
    person.submit(page.locator("main form button[type=submit]").last)
    page.wait_for_selector("[role=status]")
    assert axe_violations(page) == []
    assert page.evaluate("() => document.documentElement.dir") == ("rtl" if lang == "ar" else "ltr")
    person.screenshot(f"languages-{lang}-vote-recorded")


# The box of an element's text itself (a block label spans the whole column).
TEXT_BOX = """selector => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  const box = range.getBoundingClientRect();
  return {x: box.x, y: box.y, width: box.width, height: box.height};
}"""


def test_right_to_left_layout_mirrors(visitor: Any, world: World) -> None:
    """In Arabic the header starts on the right and labels line up with their fields' right edge."""
    boxes = {}
    for lang in ("en", "ar"):
        person = visitor(lang=lang, viewport={"width": 1200, "height": 900})
        person.goto("/join")
        page = person.page
        boxes[lang] = {
            "brand": page.locator("header .brand").bounding_box(),
            "tools": page.locator("header .header-tools").bounding_box(),
            "heading": page.locator("main h1").bounding_box(),
            "label": page.evaluate(TEXT_BOX, "label[for=field-code]"),
            "input": page.locator("#field-code").bounding_box(),
            "main": page.locator("main").bounding_box(),
        }
        person.screenshot(f"languages-{lang}-join-layout")
    en, ar = boxes["en"], boxes["ar"]
    # Left to right: the brand before the tools; right to left: after them, on the right.
    assert en["brand"]["x"] < en["tools"]["x"]
    assert ar["brand"]["x"] > ar["tools"]["x"]
    right = lambda box: box["x"] + box["width"]  # noqa: E731
    # The heading and the label start at the main column's right edge in Arabic, left in English.
    assert abs(en["heading"]["x"] - en["main"]["x"]) < 40
    assert abs(right(ar["heading"]) - right(ar["main"])) < 40
    # The label's words sit against the field's right edge in Arabic, its left in English.
    assert abs(en["label"]["x"] - en["input"]["x"]) < 4
    assert abs(right(ar["label"]) - right(ar["input"])) < 4
    assert ar["label"]["x"] > ar["input"]["x"] + ar["input"]["width"] / 2
