"""Reading the drafting forms into the services' typed values, leniently.

Clauses are typed in one text box, separated by an empty line, so the form works without
JavaScript and a pasted text keeps its paragraphs; a leading "1." or "2)" is dropped, since
the clauses are numbered by their place.
"""

from __future__ import annotations

import re
from typing import Any

from assembly.forms_common import FormData
from assembly.recommendations.amendments import AmendmentInput
from assembly.recommendations.services import RecommendationInput, SettingsInput

_NUMBERED = re.compile(r"^\s*\d{1,3}\s*[.)]\s+")

SETTINGS_FIELDS = (
    "threshold",
    "amendment_threshold",
    "abstentions",
    "ballot_secrecy",
    "minority_signatures",
    "remit",
    "commissioned_by",
    "meetings",
    "meeting_hours",
    "data_url",
    "response_due_on",
)


def split_clauses(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [_NUMBERED.sub("", block).strip() for block in blocks if block.strip()]


def join_clauses(clauses: list[str]) -> str:
    return "\n\n".join(clauses)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


def _optional_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def recommendation_values(form: FormData) -> dict[str, Any]:
    """What the person typed, to show the form again unchanged."""
    return {
        "title": form.get("title"),
        "clauses": form.get("clauses"),
        "rationale": form.get("rationale"),
        "proposals": [v for v in form.getlist("proposals") if v],
        "table_notes": [v for v in form.getlist("table_notes") if v],
        "practices": [v for v in form.getlist("practices") if v],
        "revision": form.get("revision"),
    }


def recommendation_input(form: FormData) -> RecommendationInput:
    return RecommendationInput(
        title=form.get("title"),
        clauses=split_clauses(form.get("clauses")),
        rationale=form.get("rationale"),
        proposal_ids=_ids(form.getlist("proposals")),
        table_note_ids=_ids(form.getlist("table_notes")),
        practice_ids=_ids(form.getlist("practices")),
        revision=_optional_int(form.get("revision")),
    )


def clause_choice(clause_id: int, version: int) -> str:
    """A clause as the amendment form names it: its id and the version the member read."""
    return f"{clause_id}:{version}"


def amendment_values(form: FormData) -> dict[str, Any]:
    return {name: form.get(name) for name in ("kind", "clause", "text", "reason")}


def amendment_input(form: FormData) -> AmendmentInput:
    """``clause`` is "<id>:<version>", or "start" for a new first clause."""
    clause_id, _sep, version = form.get("clause").strip().partition(":")
    return AmendmentInput(
        kind=form.get("kind").strip(),
        clause_id=_optional_int(clause_id),
        clause_version=_optional_int(version),
        text=form.get("text"),
        reason=form.get("reason"),
    )


def settings_values(form: FormData) -> dict[str, str]:
    return {name: form.get(name) for name in SETTINGS_FIELDS}


def settings_input(form: FormData) -> SettingsInput:
    return SettingsInput(**settings_values(form))
