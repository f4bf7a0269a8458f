"""Small helpers the journey tests share: interface text in the reader's language, the path
of the page a visitor is on, and an axe check that names the page it failed on."""

from __future__ import annotations

import re
from typing import Any

from browser.conftest import Visitor
from browser.test_accessibility import axe_violations

from assembly.i18n import current_locale, gettext


def tr(lang: str, text: str, **variables: Any) -> str:
    """The interface text as a reader of ``lang`` sees it."""
    token = current_locale.set(lang)
    try:
        return gettext(text, **variables)
    finally:
        current_locale.reset(token)


def path_of(page: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def no_axe(person: Visitor, where: str) -> None:
    found = axe_violations(person.page)
    assert not found, (where, found)


def submit_for_status(person: Visitor, button: Any) -> int:
    """Click and wait for the next page; the HTTP status of the page the browser lands on."""
    with person.page.expect_navigation() as navigation:
        button.click()
    response = navigation.value
    return int(response.status) if response is not None else 0
