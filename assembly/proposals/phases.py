"""A topic's phase as people see it, its labels and its schedule.

The phase in the row can lag behind its schedule; ``topic_phase`` asks the topics package,
which owns phase changes, for the phase in force now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import PHASES, Topic
from assembly.i18n import _l

PHASE_LABELS: dict[str, Any] = {
    "draft": _l("In preparation"),
    "proposals": _l("Proposals open"),
    "deliberation": _l("Deliberation"),
    "voting": _l("Voting"),
    "closed": _l("Voting closed"),
    "published": _l("Results published"),
}

# What a participant may do in each phase.
PROPOSING_PHASES = frozenset({"proposals"})
ARGUING_PHASES = frozenset({"proposals", "deliberation"})
# Reactions guide deliberation; once voting starts the ballot is the one signal that counts.
REACTING_PHASES = frozenset({"proposals", "deliberation"})
VOTING_PHASES = frozenset({"voting"})
RESULT_PHASES = frozenset({"published"})
FACILITATOR_RESULT_PHASES = frozenset({"closed", "published"})


@dataclass(frozen=True)
class ScheduledPhase:
    phase: str
    label: Any
    starts_at: dt.datetime


async def topic_phase(db: AsyncSession, topic: Topic) -> str:
    """The phase in force now, with the schedule applied (the topics package owns changes)."""
    # Imported here because the topics package itself reads this module's labels.
    from assembly.topics.services import current_phase

    return await current_phase(db, topic)


def schedule_of(topic: Topic) -> list[ScheduledPhase]:
    """The planned phase starts, in phase order; unreadable entries are left out."""
    planned: list[ScheduledPhase] = []
    for phase in PHASES:
        raw = (topic.phase_schedule or {}).get(phase)
        if not raw:
            continue
        try:
            starts_at = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            continue
        if starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=dt.UTC)
        planned.append(ScheduledPhase(phase, PHASE_LABELS[phase], starts_at))
    return planned
