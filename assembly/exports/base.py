"""What one export holds while it runs: its options, the topics and people loaded up front, and
the parts every file of it shares.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.budgets.services import is_budget, visible_costs
from assembly.db.models import (
    Assembly,
    SortitionSelection,
    Topic,
)
from assembly.exports.archive import Entry, WrittenFile, measured
from assembly.exports.datapackage import (
    TABLES_BY_NAME,
    FileFacts,
)
from assembly.exports.privacy import (
    DEFAULT_K,
    Pseudonymiser,
    SuppressedCell,
    key_fingerprint,
    new_key,
    stable_key,
)
from assembly.exports.streaming import (
    csv_chunks,
    csv_line_chunks,
    jsonl_chunks,
)
from assembly.participants.services import questions_of
from assembly.topics.phases import phase_in_force

FORMATS = ("datapackage", "polis", "json")
CLOSED_PHASES = frozenset({"closed", "published"})
NO_ANSWER = "(no answer)"


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ExportOptions:
    format: str = "datapackage"
    k: int = DEFAULT_K
    # A facilitator's stable key, to make several exports joinable; None: a fresh random key.
    stable_key: str | None = None
    base_url: str = ""

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ExportError(f"unknown format {self.format!r}; choose one of {', '.join(FORMATS)}")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= 1000:
            raise ExportError("the suppression threshold k must be a whole number from 1 to 1000")
        if self.stable_key is not None:
            try:
                stable_key(self.stable_key)
            except ValueError as error:
                raise ExportError(str(error)) from None


# --- small pure helpers -------------------------------------------------------------------------


def effective_phase(phase: str, schedule: dict[str, str] | None, now: dt.datetime) -> str:
    """The phase in force at ``now`` (the one rule, ``assembly.topics.phases``)."""
    return phase_in_force(phase, schedule, now)


# --- what is loaded up front ------------------------------------------------------------------


@dataclass
class TopicData:
    id: int
    slug: str
    position: int
    question: str
    background: str
    area: str
    method: str
    params: dict[str, Any]
    seats: int
    secrecy: str
    phase: str
    ballots_published: bool
    published_result: dict[str, Any] | None
    practices: list[tuple[str, str, str, str]]
    kind: str = "topic"

    @property
    def ballots_exported(self) -> bool:
        return self.phase in CLOSED_PHASES


async def budget_costs(db: AsyncSession, topic: Topic) -> dict[str, int] | None:
    """A budget topic's counted costs, which its ballot files and recount need as a parameter."""
    if not is_budget(topic):
        return None
    return await visible_costs(db, topic)


def topic_data(topic: Topic, now: dt.datetime, costs: dict[str, int] | None = None) -> TopicData:
    params = dict(topic.voting_params or {})
    if costs is not None:
        params["costs"] = costs
    return TopicData(
        id=topic.id,
        slug=topic.slug,
        position=topic.position,
        question=topic.question,
        background=topic.background,
        area=topic.spotlight_area.slug,
        method=topic.voting_method,
        params=params,
        seats=topic.seats or 1,
        secrecy=topic.ballot_secrecy,
        phase=effective_phase(topic.phase, topic.phase_schedule, now),
        ballots_published=bool(topic.ballots_published),
        published_result=topic.published_result
        if isinstance(topic.published_result, dict)
        else None,
        practices=[(p.slug, p.kind, p.title_en, p.title_nb) for p in topic.practices],
        kind=topic.kind,
    )


@dataclass
class PersonFacts:
    pseudonym: str
    polis_id: int
    answers: tuple[str, ...]
    combination: int  # index of ``answers`` among the distinct answer combinations
    channel: str
    row: tuple[Any, ...]


@dataclass
class ExportSummary:
    files: list[WrittenFile]
    key_scope: str
    suppressed: int


class ExportBase:
    """The state of one export of one assembly, shared by the parts that write its files."""

    def __init__(
        self,
        db: AsyncSession,
        assembly: Assembly,
        options: ExportOptions,
        now: dt.datetime | None = None,
    ) -> None:
        self.db = db
        self.assembly = assembly
        self.options = options
        self.now = now or dt.datetime.now(dt.UTC)
        self.key = stable_key(options.stable_key) if options.stable_key else new_key()
        self.pseudonym = Pseudonymiser("participant", self.key, "p_")
        self.person = Pseudonymiser("pool-member", self.key, "s_")
        self.topics: list[TopicData] = []
        self.people: dict[int, PersonFacts] = {}
        self.questions = questions_of(assembly)
        self.suppressed: list[tuple[str, str, str]] = []  # (resource, cell, reason)
        self.facts: dict[str, FileFacts] = {}
        # (proposal id, answer combination, reaction) -> reactions
        self.reaction_counts: Counter[tuple[int, int, str]] = Counter()
        self.combinations: dict[tuple[str, ...], int] = {}
        self.ballot_files: list[str] = []
        self.result_files: list[str] = []
        self.selections: list[SortitionSelection] = []

    # -- loading --

    def privacy_record(self) -> dict[str, Any]:
        primary = sum(1 for _r, _c, reason in self.suppressed if reason == "primary")
        if self.options.stable_key:
            scope = {
                "scope": "stable",
                "key_fingerprint": key_fingerprint(self.key),
                "description": "HMAC-SHA256 under a stable key chosen by the facilitator; exports "
                "with the same key fingerprint share pseudonyms and can be joined.",
            }
        else:
            scope = {
                "scope": "export",
                "description": "HMAC-SHA256 under a random key made for this export and then "
                "discarded; no other export shares these pseudonyms.",
            }
        return {
            "pseudonymisation": {"algorithm": "HMAC-SHA256, first 16 hex digits", **scope},
            "suppression": {
                "k": self.options.k,
                "rule": "counts from 1 to k-1 withheld (zeros are published); then the smallest "
                "other count in any row or column left with a single withheld count "
                "(secondary suppression)",
                "cells": len(self.suppressed),
                "primary": primary,
                "secondary": len(self.suppressed) - primary,
            },
            "never_exported": [
                "names and display pseudonyms",
                "e-mail addresses",
                "invite codes and their labels",
                "session data",
                "IP addresses",
                "the sortition pool file",
                "times of secret ballots",
            ],
        }

    # -- entries --

    def _entry(self, name: str, chunks: AsyncIterator[bytes]) -> Entry:
        def done(size: int, sha256: str) -> None:
            self.facts[name] = FileFacts(size, sha256)

        return Entry(name, measured(chunks, done))

    def _table(
        self,
        name: str,
        batches: AsyncIterator[Sequence[Any]],
        suffix: str,
        lines: bool = False,
    ) -> Entry:
        """A table's file from batches of rows, or (``lines``) of ready CSV lines."""
        table = TABLES_BY_NAME[name]
        if lines:
            return self._entry(table.path(suffix), csv_line_chunks(table, batches))
        if suffix == ".csv":
            return self._entry(table.path(suffix), csv_chunks(table, batches))
        return self._entry(table.path(suffix), jsonl_chunks(table, batches))

    def _owner(self, participant_id: int | None) -> str | None:
        person = self.people.get(participant_id) if participant_id is not None else None
        return person.pseudonym if person else None

    def _log(self, cells: Iterable[SuppressedCell], resource: str, prefix: str) -> None:
        for cell in cells:
            self.suppressed.append((resource, f"{prefix}/{cell.row}/{cell.column}", cell.reason))
