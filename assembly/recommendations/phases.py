"""The drafting process's phases, what each allows, and the phase in force at a time.

Drafting moves through drafting → amending → voting → final, like a topic through its phases:
by a facilitator's button or by its schedule. ``phase_in_force`` is the one rule for "which
phase is it now": the stored phase, moved on to the latest later phase whose planned start has
passed. It reads only its arguments, so a page can show the phase in force without writing the
move; ``assembly.recommendations.lifecycle`` is the one place that writes it.

Pure: no database, no web.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assembly.i18n import _l

DRAFTING_PHASES = ("drafting", "amending", "voting", "final")

PHASE_LABELS: dict[str, Any] = {
    "drafting": _l("Drafting"),
    "amending": _l("Amendments"),
    "voting": _l("Final voting"),
    "final": _l("Final"),
}
PHASE_HINTS: dict[str, Any] = {
    "drafting": _l("Facilitators and drafters write the recommendations from the proposals."),
    "amending": _l("Members propose amendments to the clauses and vote on them."),
    "voting": _l("Members vote on each recommendation as amended."),
    "final": _l("The votes are counted; the report goes to the commissioning body."),
}

# Who may do what, by phase.
WRITING_PHASES = frozenset({"drafting"})
AMENDING_PHASES = frozenset({"amending"})
VOTING_PHASES = frozenset({"voting"})
MINORITY_PHASES = frozenset({"amending", "voting", "final"})
SCHEDULED_PHASES = DRAFTING_PHASES[1:]


def phase_index(phase: str) -> int:
    return DRAFTING_PHASES.index(phase)


def next_phase(phase: str) -> str | None:
    index = phase_index(phase)
    return DRAFTING_PHASES[index + 1] if index + 1 < len(DRAFTING_PHASES) else None


def previous_phase(phase: str) -> str | None:
    index = phase_index(phase)
    return DRAFTING_PHASES[index - 1] if index > 0 else None


def parse_moment(raw: Any) -> dt.datetime | None:
    """An ISO 8601 time from a schedule, in UTC when it names no zone; None if unreadable."""
    try:
        moment = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class PlannedStart:
    phase: str
    starts_at: dt.datetime


def planned_starts(order: Sequence[str], schedule: Mapping[str, Any] | None) -> list[PlannedStart]:
    """The readable planned starts of a schedule, in phase order."""
    found = []
    for phase in order:
        moment = parse_moment((schedule or {}).get(phase) or "")
        if moment is not None:
            found.append(PlannedStart(phase, moment))
    return found


def phase_in_force(
    order: Sequence[str], stored: str, schedule: Mapping[str, Any] | None, now: dt.datetime
) -> str:
    """The phase in force at ``now``: ``stored``, or the latest later phase already started.

    Phases only move forward by a schedule; a planned start of an earlier phase changes nothing.
    """
    current = stored
    for planned in planned_starts(order, schedule):
        if planned.starts_at <= now and order.index(planned.phase) > order.index(current):
            current = planned.phase
    return current


def drafting_phase(stored: str, schedule: Mapping[str, Any] | None, now: dt.datetime) -> str:
    return phase_in_force(DRAFTING_PHASES, stored, schedule, now)
