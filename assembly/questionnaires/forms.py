"""Reading the question builder's form into an item (no JavaScript: one question per form)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.questionnaires.items import CHOICE_KINDS, KINDS, SCALE_KINDS, Item

LOCALES = ("en", "nb")


def _number(raw: str, name: str) -> float | None:
    if not raw.strip():
        return None
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        raise InvalidInput({name: _l("Enter a number, for example 42.")}) from None


def _choices(text: str) -> list[dict[str, Any]]:
    """One option a line: ``English | Bokmål``; they are numbered 1, 2, 3 in order."""
    out = []
    for n, line in enumerate([ln for ln in text.splitlines() if ln.strip()], start=1):
        en, _sep, nb = line.partition("|")
        out.append({"value": n, "label": {"en": en.strip(), "nb": (nb or en).strip()}})
    return out


def read_item(form: Mapping[str, str]) -> Item:
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise InvalidInput({"kind": _l("Choose a question type.")})
    item: Item = {
        "key": form.get("key", "").strip(),
        "kind": kind,
        "text": {loc: form.get(f"text_{loc}", "").strip() for loc in LOCALES},
        "required": form.get("required") == "yes",
    }
    choices = _choices(form.get("options", ""))
    if kind in SCALE_KINDS:
        item["scale"] = choices
        item["dont_know"] = form.get("dont_know") == "yes"
    elif kind in CHOICE_KINDS:
        item["options"] = choices
    if kind == "grid":
        rows = _choices(form.get("rows", ""))
        item["rows"] = [{"key": f"r{r['value']}", "text": r["label"]} for r in rows]
    if kind == "number":
        item["min"] = _number(form.get("min", ""), "min")
        item["max"] = _number(form.get("max", ""), "max")
    if form.get("show_if_item", "").strip():
        equals = _number(form.get("show_if_equals", ""), "show_if_equals")
        item["show_if"] = {
            "item": form["show_if_item"].strip(),
            "equals": int(equals) if equals is not None else None,
        }
    correct = _number(form.get("correct", ""), "correct")
    if correct is not None:
        item["correct"] = int(correct)
    return item
