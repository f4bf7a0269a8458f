"""The ``[recommendations]`` part of a scenario: what the members draft from their proposals,
how they amend and vote, and how the commissioning body answers (see ``scenarios/README.md``).

Decoded with the rest of the scenario (``assembly.scenarios.schema``) and checked by
:func:`validate_drafting`, which reports problems with their key paths like every other check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec

DRAFTING_STOPS = ("drafting", "amending", "voting", "final")
KINDS = ("replace", "insert", "delete")
STANCES = ("accepted", "accepted_in_part", "not_accepted", "under_consideration")
PROGRESS = ("planned", "in_progress", "partly_implemented", "implemented", "not_pursued")

Share = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
Words = Annotated[str, msgspec.Meta(min_length=1)]


class _Spec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """Unknown keys are errors here too."""


class AmendmentSpec(_Spec, kw_only=True, frozen=True):
    kind: Literal["replace", "insert", "delete"]
    # The clause changed (replace, delete) or followed (insert; 0 for a new first clause),
    # numbered as in the recommendation's text when the amendments are proposed.
    clause: Annotated[int, msgspec.Meta(ge=0)]
    text: str = ""
    reason: Words
    support: Share = 0.6
    abstain: Share = 0.05


class StatementSpec(_Spec, kw_only=True, frozen=True):
    text: Words
    # Members who sign it, the author included.
    signatures: Annotated[int, msgspec.Meta(ge=1)] = 1


class UpdateSpec(_Spec, kw_only=True, frozen=True):
    progress: Literal["planned", "in_progress", "partly_implemented", "implemented", "not_pursued"]
    description: Words
    # A date, or an offset from the run's "now" ("-30d").
    date: str = "now"
    evidence: list[str] = []


class ResponseSpec(_Spec, kw_only=True, frozen=True):
    stance: Literal["accepted", "accepted_in_part", "not_accepted", "under_consideration"]
    reasoning: Words
    promised: str = ""
    updates: list[UpdateSpec] = []


class RecommendationSpec(_Spec, kw_only=True, frozen=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    clauses: Annotated[list[Words], msgspec.Meta(min_length=1, max_length=40)]
    rationale: str = ""
    proposals: Annotated[list[str], msgspec.Meta(min_length=1)]
    practices: list[str] = []
    # Chance that a member votes yes, and that they abstain, on the final vote.
    support: Share = 0.9
    abstain: Share = 0.05
    amendments: list[AmendmentSpec] = []
    minority: list[StatementSpec] = []
    response: ResponseSpec | None = None


class DraftingSpec(_Spec, kw_only=True, frozen=True):
    threshold: str = "50"
    amendment_threshold: str = "50"
    abstentions: Literal["excluded", "counted"] = "excluded"
    ballot: Literal["secret", "open"] = "secret"
    minority_signatures: Annotated[int, msgspec.Meta(ge=1)] = 3
    remit: str = ""
    commissioned_by: str = ""
    meetings: Annotated[int, msgspec.Meta(ge=0)] = 0
    meeting_hours: Annotated[int, msgspec.Meta(ge=0)] = 0
    # How far the run takes the drafting process, and whether the report is then published.
    phase: Literal["drafting", "amending", "voting", "final"] = "final"
    publish_report: bool = True
    responder_name: str = "Demo Responder"
    responder_email: str = "responder@demo.example"
    items: Annotated[list[RecommendationSpec], msgspec.Meta(min_length=1)]

    def reaches(self, phase: str) -> bool:
        return DRAFTING_STOPS.index(self.phase) >= DRAFTING_STOPS.index(phase)


def _share(text: str) -> bool:
    from fractions import Fraction

    cleaned = text.strip().replace("%", "")
    try:
        value = Fraction(cleaned) if "/" in cleaned else Fraction(cleaned) / 100
    except (ValueError, ZeroDivisionError):
        return False
    return 0 < value <= 1


def validate_drafting(
    spec: DraftingSpec,
    proposal_slugs: set[str],
    practices: set[str],
    add: Callable[[tuple[str | int, ...], str], Any],
) -> None:
    """Add an issue for every cross-reference in ``spec`` that does not hold."""
    from assembly.scenarios.schema import parse_when

    here: tuple[str | int, ...] = ("recommendations",)
    for name in ("threshold", "amendment_threshold"):
        if not _share(getattr(spec, name)):
            add((*here, name), "a share such as 80 (per cent) or 2/3 is needed")
    if spec.publish_report and not spec.reaches("final"):
        add((*here, "publish_report"), "the report is published only when the phase is 'final'")
    for r, item in enumerate(spec.items):
        at = (*here, "items", r)
        for p, slug in enumerate(item.proposals):
            if slug not in proposal_slugs:
                add((*at, "proposals", p), f"unknown proposal {slug!r}")
        for p, slug in enumerate(item.practices):
            if slug not in practices:
                add((*at, "practices", p), f"unknown practice {slug!r}")
        if item.support + item.abstain > 1:
            add((*at, "support"), "support and abstain add up to more than 1")
        clauses = len(item.clauses)
        for a, amendment in enumerate(item.amendments):
            where = (*at, "amendments", a)
            lowest = 0 if amendment.kind == "insert" else 1
            if not lowest <= amendment.clause <= clauses:
                add((*where, "clause"), f"there is no clause {amendment.clause} to amend")
            if amendment.kind != "delete" and not amendment.text.strip():
                add((*where, "text"), "a replaced or inserted clause needs its text")
            if amendment.support + amendment.abstain > 1:
                add((*where, "support"), "support and abstain add up to more than 1")
        if item.response is not None:
            if not spec.publish_report:
                add((*at, "response"), "responses need the report to be published")
            dates: list[tuple[tuple[str | int, ...], str]] = []
            if item.response.promised:
                dates.append(((*at, "response", "promised"), item.response.promised))
            for u, update in enumerate(item.response.updates):
                dates.append(((*at, "response", "updates", u, "date"), update.date))
            for path, text in dates:
                try:
                    parse_when(text)
                except ValueError as error:
                    add(path, str(error))
