"""The Polis format of an export: per topic, comments, votes, the participant vote matrix and a
summary, laid out as Polis exports them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator

from sqlalchemy import func, select

from assembly.db.models import (
    Proposal,
    Reaction,
)
from assembly.exports import polis
from assembly.exports.archive import Entry
from assembly.exports.base import (
    ExportBase,
    TopicData,
)
from assembly.exports.streaming import (
    as_datetime,
    iso,
    one_chunk,
    read_batches,
    text_chunks,
)


class PolisFiles(ExportBase):
    """One folder per topic in the Polis layout."""

    async def _polis_entries(self) -> AsyncIterator[Entry]:
        written: list[str] = []
        for topic in self.topics:
            # Polis holds reactions to proposals; a motion has neither.
            if topic.phase == "draft" or topic.kind != "topic":
                continue
            async for entry in self._polis_topic(topic):
                written.append(entry.name)
                yield entry
        lines = [
            f"# {self.assembly.title}: reactions in the Polis export format",
            "",
            "One folder per topic with comments.csv, votes.csv, participants-votes.csv and "
            "summary.csv, laid out exactly as Polis exports them. A comment is a proposal "
            "(comment-id is the proposal id); a vote is a reaction: 1 agree, -1 disagree, "
            "0 pass, empty for no vote.",
            "",
            "Participant numbers are assigned for this export from the participants' keyed "
            "pseudonyms (1, 2, ...); author 0 stands for proposals the facilitators seeded. "
            "group-id is empty: opinion groups are not computed in this export. Proposals "
            "hidden by moderators keep their row (moderated -1) but not their text.",
            "",
            "No names, e-mail addresses, invite codes, labels, session data or IP addresses "
            "are exported.",
            "",
        ]
        yield self._entry("README.md", one_chunk("\n".join(lines).encode("utf-8")))
        record = {
            "assembly": self.assembly.slug,
            "format": "polis",
            "created": iso(self.now),
            "files": written,
            "privacy": self.privacy_record(),
        }
        yield Entry("export.json", one_chunk((json.dumps(record, indent=2) + "\n").encode()))

    async def _polis_topic(self, topic: TopicData) -> AsyncIterator[Entry]:
        proposals = (
            (
                await self.db.execute(
                    select(
                        Proposal.id,
                        Proposal.participant_id,
                        Proposal.created_at,
                        Proposal.title,
                        Proposal.body,
                        Proposal.status,
                    )
                    .where(Proposal.topic_id == topic.id)
                    .order_by(Proposal.id)
                )
            )
            .tuples()
            .all()
        )
        ids = [row[0] for row in proposals]
        tallies: Counter[tuple[int, str]] = Counter()
        if ids:
            counted = await self.db.execute(
                select(Reaction.proposal_id, Reaction.reaction, func.count())
                .where(Reaction.proposal_id.in_(ids))
                .group_by(Reaction.proposal_id, Reaction.reaction)
            )
            for proposal_id, reaction, count in counted.tuples():
                tallies[(proposal_id, reaction)] = count

        def author(participant_id: int | None) -> int:
            person = self.people.get(participant_id) if participant_id is not None else None
            return person.polis_id if person else 0

        comments = [
            polis.PolisComment(
                comment_id=pid,
                author_id=author(participant_id),
                created=as_datetime(created),
                body="" if status == "hidden" else (f"{title}\n\n{body}" if body else title),
                moderated=0 if status == "visible" else -1,
                agrees=tallies[(pid, "agree")],
                disagrees=tallies[(pid, "disagree")],
            )
            for pid, participant_id, created, title, body, status in proposals
        ]
        comment_counts = Counter(c.author_id for c in comments)
        base = f"{topic.slug}/"
        yield self._entry(base + "comments.csv", text_chunks(polis.comments_csv(comments)))
        matrix = polis.VoteMatrix(ids)
        yield self._entry(base + "votes.csv", self._polis_votes(topic, ids, matrix))
        yield self._entry(
            base + "participants-votes.csv",
            text_chunks(polis.participants_votes_csv(matrix, dict(comment_counts))),
        )
        active = sum(1 for c in comments if c.moderated != -1)
        summary = polis.PolisSummary(
            topic=topic.question,
            url=f"{self.options.base_url.rstrip('/')}/assemblies/{self.assembly.slug}/topics/{topic.slug}",
            voters=len(matrix),
            voters_in_conv=matrix.voters_in_conversation(active),
            commenters=len(comment_counts),
            comments=active,
            groups=0,
            description=topic.background,
        )
        yield self._entry(
            base + "summary.csv", one_chunk(polis.summary_csv(summary).encode("utf-8"))
        )

    async def _polis_votes(
        self, topic: TopicData, ids: list[int], matrix: polis.VoteMatrix
    ) -> AsyncIterator[bytes]:
        yield (",".join(polis.VOTES_HEADER) + "\n").encode()
        if not ids:
            return
        statement = (
            select(
                Reaction.proposal_id,
                Reaction.participant_id,
                Reaction.reaction,
                Reaction.updated_at,
            )
            .where(Reaction.proposal_id.in_(ids))
            .order_by(Reaction.proposal_id)
        )
        current: int | None = None
        group: list[polis.PolisVote] = []

        def flush() -> bytes:
            group.sort(key=lambda v: v.voter_id)
            lines = list(polis.votes_csv(group))[1:]
            group.clear()
            return "".join(lines).encode("utf-8")

        async for batch in read_batches(self.db, statement):
            out: list[bytes] = []
            for proposal_id, participant_id, reaction, updated in batch:
                person = self.people.get(participant_id)
                if person is None:
                    continue
                if proposal_id != current and group:
                    out.append(flush())
                current = proposal_id
                vote = polis.vote_value(reaction)
                matrix.add(person.polis_id, proposal_id, vote)
                group.append(
                    polis.PolisVote(proposal_id, person.polis_id, vote, as_datetime(updated))
                )
            if out:
                yield b"".join(out)
        if group:
            yield flush()
