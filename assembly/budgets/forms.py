"""Reading amounts as people type them on the budget pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assembly.budgets.services import AMOUNT_HELP, is_valid_amount
from assembly.errors import InvalidInput

GROUPED = re.compile(r"^\d{1,3}([.,']\d{3})+$")
COST_FIELD = re.compile(r"^cost-(\d{1,18})$")


def parse_amount(text: str) -> int | None:
    """A whole amount as people type it: "250000", "250 000", "250.000" or "250,000".

    Raises ValueError when the text is not a whole positive amount; empty text is None.
    """
    cleaned = re.sub(r"[\s\u00a0\u202f_]", "", text or "")
    if cleaned.lower().endswith(("kr", ",-", ".-")):
        cleaned = cleaned[:-2]
    if not cleaned:
        return None
    if GROUPED.match(cleaned):
        cleaned = re.sub(r"[.,']", "", cleaned)
    if not cleaned.isdigit():
        raise ValueError(text)
    amount = int(cleaned)
    if not is_valid_amount(amount):
        raise ValueError(text)
    return amount


def read_estimate(text: str, field: str = "estimated_cost") -> int | None:
    """The author's estimate from a form, or an InvalidInput naming the field."""
    try:
        return parse_amount(text)
    except ValueError as exc:
        raise InvalidInput({field: AMOUNT_HELP}) from exc


def read_costs(values: Mapping[str, str]) -> dict[int, int | None]:
    """The cost page's ``cost-<id>`` fields by proposal id; InvalidInput names each field
    that cannot be read (an empty field clears the cost)."""
    costs: dict[int, int | None] = {}
    errors: dict[str, Any] = {}
    for name, text in values.items():
        found = COST_FIELD.match(name)
        if found is None:
            continue
        try:
            costs[int(found.group(1))] = parse_amount(text)
        except ValueError:
            errors[name] = AMOUNT_HELP
    if errors:
        raise InvalidInput(errors)
    return costs
