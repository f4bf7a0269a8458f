"""The state one scenario run shares across its stages, and the plumbing they all use."""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.errors import InvalidInput
from assembly.scenarios.report import (
    COUNTS,
    ProgressCallback,
    ScenarioRunError,
)
from assembly.scenarios.schema import Scenario, TopicSpec, resolve_timeline
from assembly.scenarios.simulation import SimulationPlan
from assembly.settings import Settings

T = TypeVar("T")

DEFAULT_CHUNK = 500
CONSENT_SHARE = 0.85
"""Share of participants who consent to the demographic questions (the rest decline)."""

DRAW_WAIT = 3600.0
"""Seconds to wait for a draw that another job runner has taken."""


_QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_MAX_WARNINGS = 20


def demographic_questions(scenario: Scenario) -> list[dict[str, Any]]:
    """The panel's features as the assembly's demographic questions."""
    questions = []
    for name, feature in scenario.panel.features.items():
        values = list(feature.values)
        if not _QUESTION_KEY.match(name) or any(not v.strip() for v in values):
            continue  # a feature the question builder cannot express stays out of the form
        label = " ".join((feature.label or name.replace("_", " ").capitalize()).split())
        questions.append({"key": name, "label": label, "options": values, "optional": True})
    return questions


def unit(seed: int, index: int, salt: str) -> float:
    """A uniform number in [0, 1) fixed by seed, participant and purpose."""
    digest = hashlib.blake2b(f"{salt}:{seed}:{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def in_batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RunBase:
    """One run: the ids it created and the counts it keeps, shared by its passes."""

    def __init__(
        self,
        settings: Settings,
        scenario: Scenario,
        sessions: Any,
        *,
        plan: SimulationPlan,
        sortition: bool,
        progress: ProgressCallback | None,
        chunk_size: int,
        now: datetime,
        facilitator_password: str | None,
        demo_codes: int,
    ) -> None:
        from assembly.invitations.services import MAX_CODES_PER_REQUEST

        self.settings = settings
        self.scenario = scenario
        self.sessions = sessions
        self.plan = plan
        self.use_sortition = sortition
        self.progress = progress
        # A chunk's invite codes are issued in one call, which takes at most this many.
        self.chunk_size = min(chunk_size, MAX_CODES_PER_REQUEST)
        self.now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
        self.timeline = resolve_timeline(scenario, self.now)
        self.password = facilitator_password
        self.demo_code_count = demo_codes
        self.counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self.facilitator_id = 0
        self.facilitator_email = ""
        self.created_password: str | None = None
        self.assembly_id = 0
        self.assembly_slug = ""
        self.topic_ids: dict[str, int] = {}
        self.proposal_ids: dict[str, int] = {}
        self.participant_ids = array("q")
        self.sortition_info: dict[str, Any] | None = None
        self.selection_id = 0
        self.panel_codes: dict[str, str] = {}
        self.demo_codes: list[str] = []

    # --- plumbing ---------------------------------------------------------------------------

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    async def _session(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in its own write transaction, committed when it returns."""
        async with self.sessions.for_write() as db:
            result = await work(db)
            await db.commit()
            return result

    def _refused(self, what: str, error: Exception) -> None:
        self.counts["refused"] += 1
        if len(self.warnings) < _MAX_WARNINGS:
            self.warnings.append(f"{what}: {error}")

    def _topics_reaching(self, phase: str) -> list[TopicSpec]:
        return [topic for topic in self.scenario.topics if topic.reaches(phase)]

    def _when(self, topic: str, phase: str) -> datetime:
        return self.timeline.get(topic, {}).get(phase, self.now)

    async def _advance(self, db: AsyncSession, topic: Any, target: str) -> None:
        """Move ``topic`` forward one phase at a time until it is in ``target``."""
        from assembly.topics.lifecycle import move_phase
        from assembly.topics.phases import next_phase, phase_index

        while phase_index(topic.phase) < phase_index(target):
            step = next_phase(topic.phase)
            assert step is not None
            try:
                await move_phase(
                    db, topic, step, self.facilitator_id, now=self._when(topic.slug, step)
                )
            except InvalidInput as error:
                raise ScenarioRunError(
                    f"topic {topic.slug!r} cannot move to {step!r}: {error}"
                ) from error
