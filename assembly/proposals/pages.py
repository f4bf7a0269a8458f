"""What a topic page shows to the person reading it: phase, proposals, forms and results."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.services import is_facilitator_of
from assembly.ballots import services as ballots
from assembly.ballots.results import ResultView, describe
from assembly.db.models import Assembly, Participant, Topic
from assembly.participants.services import get_participant
from assembly.proposals.phases import (
    ARGUING_PHASES,
    FACILITATOR_RESULT_PHASES,
    PHASE_LABELS,
    PROPOSING_PHASES,
    REACTING_PHASES,
    RESULT_PHASES,
    VOTING_PHASES,
    schedule_of,
    topic_phase,
)
from assembly.proposals.services import proposal_views
from assembly.web.auth import Viewer


async def result_view(db: AsyncSession, topic: Topic, phase: str) -> ResultView:
    counted = await ballots.counted_ballots(db, topic)
    stored = ballots.stored_result(topic) if phase == "published" else None
    result = stored or ballots.result_of(topic, counted)
    titles = await ballots.option_titles(db, topic)
    return describe(result, titles, channels=counted.channels, set_aside=counted.set_aside)


async def topic_context(
    db: AsyncSession,
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    *,
    only: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Everything the topic page (or, with ``only``, one proposal's page) shows to ``viewer``."""
    phase = await topic_phase(db, topic)
    facilitating = is_facilitator_of(viewer, assembly)
    participant: Participant | None = await get_participant(
        db, assembly, viewer.participant_in(assembly.id)
    )
    participant_id = participant.id if participant else None
    shows_results = phase in RESULT_PHASES or (facilitating and phase in FACILITATOR_RESULT_PHASES)
    context: dict[str, Any] = {
        "assembly": assembly,
        "topic": topic,
        "phase": phase,
        "phase_label": PHASE_LABELS[phase],
        "schedule": schedule_of(topic),
        "participant": participant,
        "facilitating": facilitating,
        "proposals": await proposal_views(db, topic, participant_id, only=only),
        "can_propose": participant is not None and phase in PROPOSING_PHASES,
        "can_argue": participant is not None and phase in ARGUING_PHASES,
        "can_react": participant is not None and phase in REACTING_PHASES,
        "can_vote": participant is not None and phase in VOTING_PHASES,
        "has_voted": await ballots.has_voted(db, topic, participant_id),
        "result": await result_view(db, topic, phase) if shows_results else None,
        "base": f"/assemblies/{assembly.slug}/topics/{topic.slug}",
        "values": {"title": "", "body": "", "stance": "pro", "argument": ""},
        "errors": {},
        "notice": "",
    }
    context.update(extra)
    return context
