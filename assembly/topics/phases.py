"""A topic's phases and the one rule for "which phase is in force at a time".

The stored phase can lag behind its schedule: the job runner moves it (through
``assembly.topics.lifecycle``) once a planned start has passed, a little later. Until then
every page and every writer asks ``phase_in_force``, so a request that arrives after a phase's
start sees that phase, whether or not the move has been written yet.

Pure: no database, no web.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PHASES: tuple[str, ...] = ("draft", "proposals", "deliberation", "voting", "closed", "published")
SCHEDULED_PHASES = PHASES[1:]


def phase_index(phase: str) -> int:
    return PHASES.index(phase)


def next_phase(phase: str) -> str | None:
    index = phase_index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def previous_phase(phase: str) -> str | None:
    index = phase_index(phase)
    return PHASES[index - 1] if index > 0 else None


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


def planned_starts(schedule: Mapping[str, Any] | None) -> list[PlannedStart]:
    """The readable planned starts of a schedule, in phase order."""
    found = []
    for phase in PHASES:
        raw = (schedule or {}).get(phase)
        moment = parse_moment(raw) if raw else None
        if moment is not None:
            found.append(PlannedStart(phase, moment))
    return found


class Scheduled(Protocol):
    """What the rule reads of a topic: its stored phase and its schedule."""

    phase: str
    phase_schedule: dict[str, str]


def phase_in_force(stored: str, schedule: Mapping[str, Any] | None, now: dt.datetime) -> str:
    """The phase in force at ``now``: ``stored``, or the latest later phase already started.

    Phases only move forward by a schedule; a planned start of an earlier phase changes nothing.
    """
    current = stored if stored in PHASES else "draft"
    for planned in planned_starts(schedule):
        if planned.starts_at <= now and phase_index(planned.phase) > phase_index(current):
            current = planned.phase
    return current


def phase_now(topic: Scheduled, now: dt.datetime | None = None) -> str:
    """The phase in force for ``topic`` now (or at ``now``), by its stored phase and schedule."""
    return phase_in_force(topic.phase, topic.phase_schedule, now or dt.datetime.now(dt.UTC))
