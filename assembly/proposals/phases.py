"""A topic's phase as people see it, its labels and its schedule.

The phase in the row can lag behind its schedule; ``phase_now`` (from
``assembly.topics.phases``, the one rule) gives the phase in force by time, writing nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value

from assembly.db.models import Topic
from assembly.i18n import _l
from assembly.topics.phases import phase_now as phase_now  # where the pages look for it
from assembly.topics.phases import planned_starts

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


def schedule_of(topic: Topic) -> list[ScheduledPhase]:
    """The planned phase starts, in phase order; unreadable entries are left out."""
    return [
        ScheduledPhase(p.phase, PHASE_LABELS[p.phase], p.starts_at)
        for p in planned_starts(topic.phase_schedule)
    ]


def show_in_force(topic: Topic, now: dt.datetime | None = None) -> Topic:
    """The loaded ``topic`` showing the phase in force by time, written nowhere.

    The value is set as if it had been loaded, so no flush ever writes it; writers read the
    stored phase again under the topic's lock (``assembly.topics.locking``).
    """
    in_force = phase_now(topic, now)
    if in_force != topic.phase:
        set_committed_value(topic, "phase", in_force)
    return topic
