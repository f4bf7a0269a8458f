"""Demographic breakdowns of an export: participants, reactions and turnout by the answers
participants consented to give, each table through small-cell suppression.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from assembly.db.models import (
    REACTIONS,
    BallotVoter,
)
from assembly.db.models.participants import CHANNELS
from assembly.exports.base import (
    CLOSED_PHASES,
    NO_ANSWER,
    ExportBase,
)
from assembly.exports.privacy import (
    suppress_table,
)
from assembly.exports.streaming import (
    read_batches,
)

TURNOUT_MEASURES = ("voted", "did_not_vote")


class Breakdowns(ExportBase):
    """The demographic_breakdowns table."""

    def _breakdown(
        self,
        rows: list[tuple[Any, ...]],
        breakdown: str,
        subject_id: int,
        q: int,
        measures: Sequence[str],
        counts: dict[tuple[str, str], int],
    ) -> None:
        question = self.questions[q]
        groups = [value for value, _label in question.options]
        groups += sorted({g for g, _m in counts} - set(groups))
        if NO_ANSWER not in groups:
            groups.append(NO_ANSWER)
        grid = [[counts.get((g, m), 0) for m in measures] for g in groups]
        prefix = f"{breakdown}/{subject_id}/{question.key}"
        table = suppress_table(prefix, groups, list(measures), grid, self.options.k)
        self._log(table.suppressed, "demographic_breakdowns", prefix)
        for group, measure, count, status in table.entries():
            rows.append(
                (breakdown, subject_id, question.key, group, measure, count, status or None)
            )

    async def _breakdown_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        if not self.questions or not self.people:
            return rows
        for q in range(len(self.questions)):
            by_channel: Counter[tuple[str, str]] = Counter()
            for person in self.people.values():
                by_channel[(person.answers[q], person.channel)] += 1
            self._breakdown(rows, "participants", self.assembly.id, q, CHANNELS, dict(by_channel))
        answers_of = {index: answers for answers, index in self.combinations.items()}
        per_proposal: dict[int, dict[int, Counter[tuple[str, str]]]] = defaultdict(
            lambda: defaultdict(Counter)
        )
        for (proposal_id, combination, reaction), count in self.reaction_counts.items():
            for q, answer in enumerate(answers_of[combination]):
                per_proposal[proposal_id][q][(answer, reaction)] += count
        for proposal_id in sorted(per_proposal):
            for q in range(len(self.questions)):
                counts = dict(per_proposal[proposal_id].get(q, Counter()))
                self._breakdown(rows, "reactions", proposal_id, q, REACTIONS, counts)
        await self._turnout(rows)
        return rows

    async def _turnout(self, rows: list[tuple[Any, ...]]) -> None:
        topic_ids = [t.id for t in self.topics if t.phase in ("voting", *CLOSED_PHASES)]
        if not topic_ids:
            return
        voted: dict[int, Counter[tuple[int, str]]] = defaultdict(Counter)
        statement = select(BallotVoter.topic_id, BallotVoter.participant_id).where(
            BallotVoter.topic_id.in_(topic_ids)
        )
        async for batch in read_batches(self.db, statement):
            for topic_id, participant_id in batch:
                person = self.people.get(participant_id)
                if person is None:
                    continue
                for q, answer in enumerate(person.answers):
                    voted[topic_id][(q, answer)] += 1
        sizes: Counter[tuple[int, str]] = Counter()
        for person in self.people.values():
            for q, answer in enumerate(person.answers):
                sizes[(q, answer)] += 1
        for topic_id in topic_ids:
            for q in range(len(self.questions)):
                counts: dict[tuple[str, str], int] = {}
                for (question, answer), size in sizes.items():
                    if question != q:
                        continue
                    did = voted[topic_id][(q, answer)]
                    counts[(answer, "voted")] = did
                    counts[(answer, "did_not_vote")] = size - did
                self._breakdown(rows, "turnout", topic_id, q, TURNOUT_MEASURES, counts)
