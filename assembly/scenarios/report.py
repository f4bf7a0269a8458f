"""What a scenario run reports: its stages, counts, the topics' outcomes and sign-in details."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STAGES: dict[str, str] = {
    "setup": "Setting up the assembly",
    "sortition": "Drawing the panel",
    "participants": "Inviting and joining",
    "proposals": "Writing proposals",
    "arguments": "Writing arguments",
    "reactions": "Reacting to proposals",
    "voting": "Voting",
    "closing": "Closing and publishing",
    "drafting": "Drafting recommendations",
}
"""The run's stages, in order, with the label progress reports use."""

COUNTS: tuple[str, ...] = (
    "participants",
    "online",
    "paper",
    "demographics_answered",
    "demographics_declined",
    "invite_codes",
    "proposals",
    "proposals_seeded",
    "proposals_by_participants",
    "arguments",
    "reactions",
    "ballots_online",
    "ballots_paper",
    "refused",
)
"""What a report counts (every key is present, zero when nothing of it happened)."""

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``stage`` is a key of :data:`STAGES`."""


_READABLE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class ScenarioRunError(RuntimeError):
    """The scenario cannot be played into this database (a service refused its set-up)."""


@dataclass
class TopicOutcome:
    """Where a topic ended up, and its count (proposals named by their scenario slugs)."""

    slug: str
    id: int
    question: str
    phase: str
    method: str
    url: str
    ballots: int = 0
    winners: list[str] = field(default_factory=list)
    ranking: list[list[str]] = field(default_factory=list)
    summary_published: bool = False

    @property
    def summary_url(self) -> str | None:
        return f"{self.url}/summary" if self.summary_published else None


@dataclass
class DraftedOutcome:
    number: int
    title: str
    adopted: bool | None
    support: float | None
    amendments: dict[str, str] = field(default_factory=dict)


@dataclass
class DraftingReport:
    phase: str
    recommendations: list[DraftedOutcome]
    report_url: str | None
    tracker_url: str | None
    responder_email: str | None = None
    responder_password: str | None = None
    ballots: int = 0

    def outcome(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "ballots": self.ballots,
            "recommendations": [
                {
                    "number": r.number,
                    "adopted": r.adopted,
                    "support": r.support,
                    "amendments": dict(sorted(r.amendments.items())),
                }
                for r in self.recommendations
            ],
        }


@dataclass
class RunReport:
    """What a run created: where to look, sign-in details, counts, results and timings."""

    scenario: str
    title: str
    seed: int
    participants: int
    assembly_id: int
    assembly_slug: str
    url: str
    facilitator_email: str
    facilitator_password: str | None
    topics: list[TopicOutcome]
    proposal_ids: dict[str, int]
    counts: dict[str, int]
    timings: dict[str, float]
    sortition: dict[str, Any] | None = None
    demo_codes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    drafting: DraftingReport | None = None

    def outcome(self) -> dict[str, Any]:
        """The part of the report a seed fixes: counts, phases, panel and results."""
        return {
            "participants": self.participants,
            "counts": dict(sorted(self.counts.items())),
            "panel": (self.sortition or {}).get("panel"),
            "topics": [
                {
                    "slug": t.slug,
                    "phase": t.phase,
                    "ballots": t.ballots,
                    "winners": t.winners,
                    "ranking": t.ranking,
                    "summary_published": t.summary_published,
                }
                for t in self.topics
            ],
            "drafting": self.drafting.outcome() if self.drafting else None,
        }

    def describe(self) -> str:
        """A short text for the terminal: what was made, where to see it, how to sign in."""
        c = self.counts
        lines = [
            f"Loaded “{self.title}” ({self.scenario}, seed {self.seed}) "
            f"in {self.timings.get('total', 0.0):.1f} s.",
            f"  Participants: {c.get('participants', 0):,} "
            f"({c.get('online', 0):,} online, {c.get('paper', 0):,} on paper); "
            f"proposals: {c.get('proposals', 0):,}; arguments: {c.get('arguments', 0):,}; "
            f"reactions: {c.get('reactions', 0):,}; "
            f"ballots: {c.get('ballots_online', 0) + c.get('ballots_paper', 0):,} "
            f"({c.get('ballots_paper', 0):,} on paper).",
        ]
        if self.sortition and self.sortition.get("panel"):
            lines.append(
                f"  Panel: {len(self.sortition['panel'])} drawn by lot from a pool of "
                f"{self.sortition.get('pool_size', 0)} (seed {self.sortition.get('seed')})."
            )
        lines.append(f"  See it at {self.url}")
        for topic in self.topics:
            lines.append(f"    {topic.phase:<12} {topic.url}")
            if topic.summary_url:
                lines.append(f"    {'summary':<12} {topic.summary_url}")
        if self.facilitator_password:
            lines.append(f"  Facilitator: {self.facilitator_email} / {self.facilitator_password}")
        else:
            lines.append(
                f"  Facilitator: {self.facilitator_email} (existing account, password unchanged)"
            )
        if self.drafting is not None:
            adopted = sum(1 for r in self.drafting.recommendations if r.adopted)
            lines.append(
                f"  Recommendations: {len(self.drafting.recommendations)} "
                f"({adopted} adopted), drafting {self.drafting.phase}."
            )
            if self.drafting.report_url:
                lines.append(f"    {'report':<12} {self.drafting.report_url}")
                lines.append(f"    {'tracker':<12} {self.drafting.tracker_url}")
        if c.get("refused"):
            lines.append(f"  {c['refused']} simulated actions were refused by the services.")
        return "\n".join(lines)


def new_password() -> str:
    """A readable random password: four groups of four letters and digits."""
    raw = "".join(secrets.choice(_READABLE_ALPHABET) for _ in range(16))
    return "-".join(raw[k : k + 4] for k in range(0, 16, 4))
