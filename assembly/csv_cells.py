"""Spreadsheet-safe CSV cells: formula escaping on the way out, and its reversal on the way in.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
a carriage return) as a formula, so a proposal titled ``=HYPERLINK(...)`` would become a live
link in a researcher's spreadsheet. Every CSV the product writes therefore prefixes such text
cells with an apostrophe, the convention OWASP describes and spreadsheets hide on display.

The escape is reversible: a text cell that already begins with apostrophes followed by one of
those characters gets one more apostrophe, so :func:`unescape_cell` removes exactly one and
gives back the original text. Plain numbers (``-3``, ``+1.5``) are data, not formulas, and stay
as they are. The csv module has no such option, hence this module; it imports nothing else.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def escape_text(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs as a formula."""
    if text and _NEEDS_ESCAPE.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def escape_cell(value: Any) -> Any:
    """Text is escaped; numbers, booleans and missing values pass through unchanged."""
    return escape_text(value) if isinstance(value, str) else value


def escape_row(row: Any) -> list[Any]:
    return [escape_cell(value) for value in row]


def unescape_cell(text: str) -> str:
    """The original text of a cell written by :func:`escape_text`."""
    if text.startswith("'") and _ESCAPED.match(text):
        return text[1:]
    return text
