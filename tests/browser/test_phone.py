"""On a 360 px phone: the menu folds away but joining and the language stay in view, it opens
with and without JavaScript, and no word or number is broken across lines."""

from __future__ import annotations

from typing import Any

import pytest
from browser.test_accessibility import axe_violations, public_pages
from browser.world import World

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}

# Every whitespace-separated token of the main content that the browser drew on more than one
# line: a break inside a word or number (a break after a hyphen is a line break between parts).
# A 64-digit digest is wider than any phone, so `.hash` cells wrap by design and are left out.
BROKEN_TOKENS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    if (node.parentElement.closest('.hash')) continue;
    for (const match of node.textContent.matchAll(/[^\\s-]+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects())
        .filter(rect => rect.width > 0).map(rect => Math.round(rect.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.mark.parametrize("javascript", [False, True])
def test_the_phone_menu_folds_and_opens(visitor: Any, javascript: bool) -> None:
    person = visitor(viewport=PHONE, java_script_enabled=javascript)
    page = person.page
    person.goto("/")
    header = page.locator("header")
    assert header.locator("nav a[href='/join']").is_visible()
    assert header.locator("details.language-menu summary").is_visible()
    assert not header.get_by_role("link", name="Practices").is_visible()
    assert page.locator("main h1").bounding_box()["y"] < 200  # the heading is on the first screen
    if javascript:
        opener = header.get_by_role("button", name="Menu")
        assert opener.get_attribute("aria-expanded") == "false"
        opener.click()
    else:
        header.get_by_role("link", name="Menu").click()
    assert header.get_by_role("link", name="Practices").is_visible()
    assert header.get_by_role("link", name="Sign in").is_visible()
    assert axe_violations(page) == []
    header.get_by_role("link", name="Close the menu").click()
    assert not header.get_by_role("link", name="Practices").is_visible()


def test_no_word_or_number_breaks_on_a_phone(visitor: Any, world: World) -> None:
    person = visitor(viewport=PHONE)
    summary = f"{world.topic_url('published')}/summary"
    broken = {}
    for path in [*public_pages(world), summary]:
        person.goto(path)
        found = person.page.evaluate(BROKEN_TOKENS)
        if found:
            broken[path] = found
    assert not broken, broken
