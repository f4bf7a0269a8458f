"""Reading a topic's voting parameters from ``key = value`` lines.

Each value is read as JSON when it is JSON (numbers, true/false, null, quoted text, lists
such as ``["Poor", "Good"]`` and objects such as ``{"12": 5000}``); anything else is kept as
plain text, so ``strength = margin`` and ``threshold = 2/3`` need no quotes. One line per
parameter keeps the form usable without JavaScript for every method at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from assembly.i18n import _l

PARAM_KEY = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")
MAX_PARAM_LINES = 50


class ParamsError(ValueError):
    """The parameters text cannot be read; ``message`` is for the person."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


# No method takes parameters nested deeper than a list of lists; deeper is a mistake or an
# attack on the parser (thousands of brackets exhaust its recursion).
MAX_NESTING = 8
TOO_DEEP = _l("A parameter is nested too deeply: at most 8 levels of [ ] or { } are allowed.")


def _depth(text: str) -> int:
    """Bracket depth outside quoted strings, counted without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _value(text: str) -> Any:
    if text.lower() in {"none", "null", ""}:
        return None
    if _depth(text) > MAX_NESTING:
        raise ParamsError(TOO_DEEP)
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_params(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line and not line.startswith("#")]
    if len(lines) > MAX_PARAM_LINES:
        raise ParamsError(_l("At most 50 parameters can be given."))
    for number, line in enumerate(lines, start=1):
        key, equals, raw = line.partition("=")
        key = key.strip()
        if not equals or not PARAM_KEY.match(key):
            raise ParamsError(
                _l(
                    "Parameter %(line)d: write one parameter per line as “name = value”.",
                    line=number,
                )
            )
        if key in params:
            raise ParamsError(_l("The parameter “%(key)s” is given twice.", key=key))
        params[key] = _value(raw.strip())
    return params


def format_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        # Plain words stay plain; text that would read as JSON is quoted to round-trip.
        return json.dumps(value, ensure_ascii=False) if _value(value) != value else value
    return json.dumps(value, ensure_ascii=False)


def format_params(params: Mapping[str, Any]) -> str:
    return "\n".join(f"{key} = {format_value(value)}" for key, value in params.items())
