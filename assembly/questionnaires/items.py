"""Questionnaire items: their kinds, their texts per locale, skip logic and answer checking.

Pure: no web or database code. An item is a plain dict (stored as JSON with its version):

    {"key": "heard", "kind": "likert", "text": {"en": ..., "nb": ...}, "required": True,
     "scale": [{"value": 1, "label": {...}}, ...], "dont_know": True,
     "options": [...], "min": 0, "max": 10, "rows": [{"key": "a", "text": {...}}],
     "show_if": {"item": "q1", "equals": 2}, "correct": 3}

"Don't know" is stored as the code ``DONT_KNOW`` and never counted on the scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assembly.errors import InvalidInput
from assembly.i18n import _l

KINDS = ("single", "multiple", "likert", "number", "short", "long", "grid")
CHOICE_KINDS = ("single", "multiple", "likert", "grid")
SCALE_KINDS = ("likert", "grid")
DONT_KNOW = -99
"""Missing-value code for "don't know", kept apart from the scale's points."""
NOT_ASKED = -98
"""Missing-value code in exports: skip logic did not show the item."""
NO_ANSWER = -97
"""Missing-value code in exports: shown but left empty (or no response)."""
SHORT_LIMIT = 300
LONG_LIMIT = 5000

Item = dict[str, Any]


def text_in(texts: Mapping[str, str] | None, locale: str, fallback: str = "en") -> str:
    """The text in ``locale``, else in the fallback language, else any text there is."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()), "")


def choices_of(item: Item) -> list[dict[str, Any]]:
    """The points a choice item offers: the scale for scale kinds, else the options."""
    found = item.get("scale") if item["kind"] in SCALE_KINDS else item.get("options")
    return list(found or [])


def sub_keys(item: Item) -> list[str]:
    """The answer keys of an item: one per grid row, else the item's own key."""
    if item["kind"] == "grid":
        return [f"{item['key']}_{row['key']}" for row in item.get("rows") or []]
    return [item["key"]]


def is_shown(item: Item, answers: Mapping[str, Any]) -> bool:
    """Simple skip logic: an item with ``show_if`` is shown only when that earlier answer is X."""
    rule = item.get("show_if")
    if not rule:
        return True
    given = answers.get(str(rule.get("item")))
    wanted = rule.get("equals")
    if isinstance(given, list):
        return wanted in given
    return given is not None and given == wanted


def check_items(items: Sequence[Item]) -> None:
    """Refuse a questionnaire whose items do not hold together."""
    seen: set[str] = set()
    for item in items:
        key = str(item.get("key") or "")
        if not key.isidentifier() or key in seen:
            raise InvalidInput({"key": _l("Each question needs its own short key of letters.")})
        seen.add(key)
        if item.get("kind") not in KINDS:
            raise InvalidInput({"kind": _l("Choose a question type.")})
        if not any((item.get("text") or {}).values()):
            raise InvalidInput({"text": _l("Write the question.")})
        if item["kind"] in CHOICE_KINDS and len(choices_of(item)) < 2:
            raise InvalidInput({"options": _l("Give at least two answer options.")})
        if item["kind"] == "grid" and not item.get("rows"):
            raise InvalidInput({"rows": _l("Give at least one statement for the grid.")})
        rule = item.get("show_if")
        if rule and str(rule.get("item")) not in seen - {key}:
            raise InvalidInput({"show_if": _l("A question can only depend on an earlier one.")})


def _int(raw: str) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _number(raw: str) -> float | None:
    try:
        value = float(raw.strip().replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) < 1e12 else None


def _choice(item: Item, raw: str) -> int | str | None:
    """An allowed point's code, None when empty, or "bad" when not an allowed point."""
    if raw.strip() == "":
        return None
    value = _int(raw)
    allowed = {int(c["value"]) for c in choices_of(item)}
    if item.get("dont_know") and item["kind"] in SCALE_KINDS:
        allowed.add(DONT_KNOW)
    return value if value in allowed else "bad"


def read_answers(
    items: Sequence[Item], form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parse typed answers (``form`` maps a key to its sent values) into stored values.

    Returns (answers, errors): answers keep every readable value, so a draft loses nothing;
    errors name what is out of range or unreadable. Required items are checked by ``missing``.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for item in items:
        kind = item["kind"]
        for key in sub_keys(item):
            sent = [v for v in form.get(key, []) if v.strip()]
            if kind == "multiple":
                codes = [_choice(item, v) for v in sent]
                if "bad" in codes:
                    errors[key] = _l("Choose from the options shown.")
                picked = sorted({c for c in codes if isinstance(c, int)})
                if picked:
                    answers[key] = picked
                continue
            raw = sent[0] if sent else ""
            if not raw:
                continue
            if kind in CHOICE_KINDS:
                code = _choice(item, raw)
                if code == "bad":
                    errors[key] = _l("Choose from the options shown.")
                elif code is not None:
                    answers[key] = code
            elif kind == "number":
                value = _number(raw)
                low, high = item.get("min"), item.get("max")
                if value is None:
                    errors[key] = _l("Enter a number, for example 42.")
                    answers[key] = raw[:40]
                elif (low is not None and value < low) or (high is not None and value > high):
                    errors[key] = _l(
                        "Enter a number from %(low)s to %(high)s.",
                        low=low if low is not None else "…",
                        high=high if high is not None else "…",
                    )
                    answers[key] = raw[:40]
                else:
                    answers[key] = int(value) if value == int(value) else value
            else:
                limit = SHORT_LIMIT if kind == "short" else LONG_LIMIT
                if len(raw) > limit:
                    errors[key] = _l("Write at most %(limit)s characters.", limit=limit)
                answers[key] = raw[:limit]
    return answers, errors


def missing(items: Sequence[Item], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Required items that are shown (after skip logic) but left empty."""
    errors: dict[str, Any] = {}
    for item in items:
        if not item.get("required") or not is_shown(item, answers):
            continue
        for key in sub_keys(item):
            if answers.get(key) in (None, "", []):
                errors[key] = _l("This question needs an answer.")
    return errors


def scale_value(value: Any) -> float | None:
    """A value that counts on a scale: numbers, not "don't know" or text."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value == DONT_KNOW:
        return None
    return float(value)
