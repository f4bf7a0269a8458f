"""Streaming an assembly's research export out of the database.

Rows are read in batches from server-side cursors (``AsyncSession.stream`` with
``yield_per``; for the two tables that can hold millions of rows, ballots and reactions,
straight from the database driver) and written into CSV or JSON Lines as they come, so memory
stays flat however many ballots and reactions there are. Only per-participant facts
(pseudonym, demographic answers) and small aggregate counters are held in memory. The
per-topic ballot files are filled during the single pass over the ballots and kept in
temporary files until their turn in the archive.

The whole export reads one snapshot: SQLite's read transaction does that by itself, and on
PostgreSQL the transaction runs at REPEATABLE READ.

Privacy rules (see also ``privacy``):

* participants appear only as keyed pseudonyms; the participants table is ordered by
  pseudonym, so its row order says nothing about who joined first;
* nothing that names or reaches a person is read at all: not display pseudonyms, e-mail
  addresses, invite codes or their labels, sessions, the sortition pool's raw data, pool ids;
* ballots are exported only once voting on their topic has closed, in the order of their
  random ids, secret ones without participant and without time; a secret ballot's channel is
  withheld when the smaller channel of that topic has fewer than k ballots;
* demographic counts go through small-cell suppression, and every withheld cell is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.audit.services import record_event
from assembly.ballots.services import _merge_targets, _remap, ballot_options
from assembly.db.engine import SessionMaker
from assembly.db.models import (
    PHASES,
    REACTIONS,
    Argument,
    Assembly,
    Ballot,
    BallotVoter,
    Participant,
    Proposal,
    Reaction,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.db.models.participants import CHANNELS
from assembly.exports import blt, polis
from assembly.exports.archive import Entry, WrittenFile, measured, write_directory, zip_stream
from assembly.exports.datapackage import (
    TABLES,
    TABLES_BY_NAME,
    FileFacts,
    PackageInfo,
    Table,
    codebook,
    descriptor,
)
from assembly.exports.privacy import (
    DEFAULT_K,
    Pseudonymiser,
    SuppressedCell,
    key_fingerprint,
    new_key,
    stable_key,
    suppress_table,
)
from assembly.participants.services import questions_of
from assembly.voting import METHODS, InvalidBallot, InvalidParameters, validate_params
from assembly.voting.ballots import check_approval, check_choices, check_integers, check_ranking
from assembly.voting.points import check_dots, check_quadratic

FORMATS = ("datapackage", "polis", "json")
BATCH_SIZE = 5000
CLOSED_PHASES = frozenset({"closed", "published"})
NO_ANSWER = "(no answer)"
TURNOUT_MEASURES = ("voted", "did_not_vote")
# Distinct ballot texts remembered per topic, so identical ballots are checked once.
BALLOT_CACHE_LIMIT = 50_000
SPOOL_READ_BYTES = 1 << 20

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


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
    """The phase in force at ``now``: the stored one, moved forward by any planned start that
    has passed (what the topic pages apply, computed here without writing)."""
    current = phase if phase in PHASES else "draft"
    for planned, raw in (schedule or {}).items():
        if planned not in PHASES:
            continue
        try:
            moment = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        if moment <= now and PHASES.index(planned) > PHASES.index(current):
            current = planned
    return current


def iso(value: Any) -> str | None:
    """A stored time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC). SQLite hands back its stored text
    ("YYYY-MM-DD HH:MM:SS.ffffff", already UTC), which is reformatted without parsing."""
    if value is None:
        return None
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    moment = cast(dt.datetime, value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value)[:19]).replace(tzinfo=dt.UTC)


def ballot_checker(
    method: str, options: Sequence[str], seats: int, params: dict[str, Any]
) -> Callable[[Any], None] | None:
    """A check of one ballot equal to ``validate_ballot`` but with the parameters validated once
    (a million ballots would otherwise repeat that work a million times). None when the
    parameters themselves are invalid: then no ballot can be counted."""
    try:
        p = validate_params(method, options, seats, params)
    except InvalidParameters:
        return None
    info = METHODS[method]
    known = frozenset(options)
    kind = info.ballot
    if kind == "ranking":
        return lambda ballot: check_ranking(ballot, known)
    if kind == "approval":
        limit = p.get("max_approvals")
        return lambda ballot: check_approval(ballot, known, limit)
    if kind == "scores":
        low, high = p["min"], p["max"]
        return lambda ballot: (check_integers(ballot, known, low, high, "score"), None)[1]
    if kind == "grades":
        top = len(p["grades"]) - 1
        return lambda ballot: (check_integers(ballot, known, 0, top, "grade"), None)[1]
    if kind == "points":
        budget, most = p["budget"], p["max_per_option"]
        return lambda ballot: (check_dots(ballot, known, budget, most), None)[1]
    if kind == "votes":
        credits = p["credits"]
        return lambda ballot: (check_quadratic(ballot, known, credits), None)[1]
    choices = info.choices
    return lambda ballot: (check_choices(ballot, known, choices), None)[1]


async def _batches(db: AsyncSession, statement: Select[Any]) -> AsyncIterator[Sequence[Any]]:
    """Rows in batches from a server-side cursor."""
    result = await db.stream(statement.execution_options(yield_per=BATCH_SIZE))
    try:
        async for partition in result.partitions(BATCH_SIZE):
            yield partition
    finally:
        await result.close()


async def _once(rows: list[tuple[Any, ...]]) -> AsyncIterator[list[tuple[Any, ...]]]:
    if rows:
        yield rows


def _json_text(value: Any) -> str:
    return _encode(value).decode()


def _csv_converters(table: Table) -> list[tuple[int, Callable[[Any], Any]]]:
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, f in enumerate(table.fields):
        if f.type == "boolean":
            converters.append((index, lambda v: None if v is None else ("true" if v else "false")))
        elif f.type in ("object", "array"):
            converters.append((index, lambda v: None if v is None else _json_text(v)))
    return converters


async def csv_chunks(
    table: Table, batches: AsyncIterator[Sequence[Sequence[Any]]]
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.header)
    converters = _csv_converters(table)
    async for batch in batches:
        if converters:
            rows: Iterable[Sequence[Any]] = (_converted(row, converters) for row in batch)
        else:
            rows = batch
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _converted(row: Sequence[Any], converters: list[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    out = list(row)
    for index, convert in converters:
        out[index] = convert(out[index])
    return out


async def csv_line_chunks(
    table: Table, batches: AsyncIterator[Sequence[str]]
) -> AsyncIterator[bytes]:
    """CSV from lines made by the caller (the fast path of the two biggest tables)."""
    yield (",".join(table.header) + "\n").encode("utf-8")
    async for batch in batches:
        yield "".join(batch).encode("utf-8")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# A stored time as ISO 8601 in UTC, formatted by the database (SQLite keeps the UTC time as
# text "YYYY-MM-DD HH:MM:SS.ffffff"; PostgreSQL has timestamptz).
_SQLITE_ISO = "substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z'"
_POSTGRES_ISO = "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


async def _driver_rows(
    db: AsyncSession, sqlite_sql: str, postgres_sql: str, params: Sequence[Any]
) -> AsyncIterator[Sequence[Any]]:
    """Rows in batches straight from the database driver, in the session's transaction.

    For the two tables that can hold millions of rows (ballots and reactions) the ORM's and
    even Core's per-row work would take most of the export's time; the driver's own tuples
    (aiosqlite) or records (asyncpg) are all that is needed.
    """
    connection = await db.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    if connection.dialect.name == "sqlite":
        cursor = await driver.execute(sqlite_sql, list(params))
        fetch = cursor.fetchmany
    else:
        cursor = await driver.cursor(postgres_sql, *params)
        fetch = cursor.fetch
    # The next batch is fetched while the caller works on this one.
    pending = asyncio.ensure_future(fetch(BATCH_SIZE))
    try:
        while rows := await pending:
            pending = asyncio.ensure_future(fetch(BATCH_SIZE))
            yield rows
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
        if connection.dialect.name == "sqlite":
            await cursor.close()


async def jsonl_chunks(
    table: Table, batches: AsyncIterator[Sequence[Sequence[Any]]]
) -> AsyncIterator[bytes]:
    names = table.header
    async for batch in batches:
        yield b"".join(_encode(dict(zip(names, row, strict=True))) + b"\n" for row in batch)


def public_record(record: Any) -> Any:
    """A draw's reproducibility record without its lists: those name pool members (the panel,
    the alternates) by their pool ids, which may be registry numbers. Hashes, versions, the
    seed and the rules stay, which is what re-running the draw needs besides the inputs."""
    if isinstance(record, dict):
        return {
            str(key): public_record(value)
            for key, value in record.items()
            if not isinstance(value, list | tuple)
        }
    return record


def _unchanged_by_remap(state: BallotState, content: Any) -> bool:
    """Whether the remap would return this list as it is: distinct options of the ballot, none
    merged away (the common case, checked at C speed instead of option by option)."""
    if type(content) is not list or state.kind not in ("ranking", "approval"):
        return False
    try:
        distinct = set(content)
    except TypeError:  # an unhashable item: not a ballot the remap keeps
        return False
    return len(distinct) == len(content) and distinct <= state.kept


def _plainly_valid(state: BallotState, ballot: Any) -> bool:
    """After the remap a list holds distinct options of the ballot only, so for rankings and
    approvals the engine's full check reduces to this (a test holds the two equal)."""
    if type(ballot) is not list:
        return False
    if state.kind == "ranking":
        return True
    limit = state.max_approvals
    return state.kind == "approval" and (limit is None or len(ballot) <= limit)


def _max_approvals(params: dict[str, Any]) -> int | None:
    limit = params.get("max_approvals")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


def _unique_names(names: list[str], options: list[str]) -> list[str]:
    """Candidate names for BLT: the proposal titles, with the id added where titles repeat."""
    repeated = {n for n in names if names.count(n) > 1}
    return [f"{n} (#{o})" if n in repeated else n for n, o in zip(names, options, strict=True)]


class Spool:
    """A file filled during one pass and sent later, kept on disk rather than in memory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed after its chunks are read
        self.items = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            self.file.seek(0)
            while chunk := self.file.read(SPOOL_READ_BYTES):
                yield chunk
        finally:
            self.file.close()

    def close(self) -> None:
        self.file.close()


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

    @property
    def ballots_exported(self) -> bool:
        return self.phase in CLOSED_PHASES


def topic_data(topic: Topic, now: dt.datetime) -> TopicData:
    return TopicData(
        id=topic.id,
        slug=topic.slug,
        position=topic.position,
        question=topic.question,
        background=topic.background,
        area=topic.spotlight_area.slug,
        method=topic.voting_method,
        params=dict(topic.voting_params or {}),
        seats=topic.seats or 1,
        secrecy=topic.ballot_secrecy,
        phase=effective_phase(topic.phase, topic.phase_schedule, now),
        ballots_published=bool(topic.ballots_published),
        published_result=topic.published_result
        if isinstance(topic.published_result, dict)
        else None,
        practices=[(p.slug, p.kind, p.title_en, p.title_nb) for p in topic.practices],
    )


@dataclass
class PersonFacts:
    pseudonym: str
    polis_id: int
    answers: tuple[str, ...]
    combination: int  # index of ``answers`` among the distinct answer combinations
    channel: str
    row: tuple[Any, ...]


# A ballot as counted: its JSON text and bytes and its BLT line (Nones when set aside), and
# the end of its CSV line (content, counted, counted content).
Counted = tuple[str | None, bytes | None, bytes | None, str]


@dataclass
class BallotState:
    """What one topic's pass over its ballots needs."""

    topic: TopicData
    options: list[str]
    names: list[str]
    targets: dict[str, str]
    kind: str
    check: Callable[[Any], None] | None
    number: dict[str, str]  # option id -> its BLT candidate number and a space
    hide_channel: bool
    json_spool: Spool
    blt_spool: Spool | None
    max_approvals: int | None = None
    # Options the remap maps to themselves (those on the ballot).
    kept: frozenset[str] = frozenset()
    cache: dict[str, Counted] = field(default_factory=dict)
    json_parts: list[bytes] = field(default_factory=list)
    blt_parts: list[bytes] = field(default_factory=list)

    def flush(self) -> None:
        """Write the batch's counted ballots to the topic's ballot files."""
        if self.json_parts:
            joined = b",\n".join(self.json_parts)
            self.json_spool.write((b",\n" if self.json_spool.items else b"\n") + joined)
            self.json_spool.items += len(self.json_parts)
        if self.blt_parts and self.blt_spool is not None:
            self.blt_spool.write(b"".join(self.blt_parts))

    def close(self) -> None:
        self.json_spool.close()
        if self.blt_spool is not None:
            self.blt_spool.close()


@dataclass
class ExportSummary:
    files: list[WrittenFile]
    key_scope: str
    suppressed: int


# --- the exporter -------------------------------------------------------------------------------


class Exporter:
    """One export of one assembly: load what is small, then stream the rest file by file."""

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

    async def load(self) -> None:
        await snapshot(self.db)
        topics = (
            await self.db.scalars(
                select(Topic)
                .where(Topic.assembly_id == self.assembly.id)
                .order_by(Topic.position, Topic.id)
            )
        ).all()
        self.topics = [topic_data(topic, self.now) for topic in topics]
        await self._load_people()
        self.selections = list(
            (
                await self.db.scalars(
                    select(SortitionSelection)
                    .where(
                        SortitionSelection.assembly_id == self.assembly.id,
                        SortitionSelection.result.is_not(None),
                    )
                    .order_by(SortitionSelection.id)
                )
            ).all()
        )

    async def _load_people(self) -> None:
        statement = select(
            Participant.id,
            Participant.joined_via,
            Participant.channel,
            Participant.demographics_consent,
            Participant.demographics,
        ).where(Participant.assembly_id == self.assembly.id)
        found: list[PersonFacts] = []
        keys = [q.key for q in self.questions]
        async for batch in _batches(self.db, statement):
            for pid, joined_via, channel, consent, answers in batch:
                pseudonym = cast(str, self.pseudonym(pid))
                state = "not_asked" if consent is None else ("answered" if consent else "declined")
                given = answers if consent and isinstance(answers, dict) else {}
                answered = tuple(str(given.get(key) or NO_ANSWER) for key in keys)
                combination = self.combinations.setdefault(answered, len(self.combinations))
                person = PersonFacts(
                    pseudonym=pseudonym,
                    polis_id=0,
                    answers=answered,
                    combination=combination,
                    channel=channel,
                    row=(pseudonym, self.assembly.id, joined_via, channel, state),
                )
                self.people[pid] = person
                found.append(person)
        # Polis wants whole numbers: 1, 2, ... in pseudonym order (0 is the facilitators).
        for number, person in enumerate(sorted(found, key=lambda p: p.pseudonym), start=1):
            person.polis_id = number

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

    async def entries(self) -> AsyncIterator[Entry]:
        if self.options.format == "polis":
            async for entry in self._polis_entries():
                yield entry
        else:
            suffix = ".csv" if self.options.format == "datapackage" else ".jsonl"
            async for entry in self._package_entries(suffix):
                yield entry

    async def _package_entries(self, suffix: str) -> AsyncIterator[Entry]:
        tables = [t for t in TABLES if not t.optional or self.selections]
        yield self._table("assemblies", _once([self._assembly_row()]), suffix)
        yield self._table("topics", _once([self._topic_row(t) for t in self.topics]), suffix)
        people = sorted(self.people.values(), key=lambda p: p.pseudonym)
        yield self._table("participants", _once([p.row for p in people]), suffix)
        yield self._table("proposals", self._proposals(), suffix)
        yield self._table("arguments", self._arguments(), suffix)
        csv_lines = suffix == ".csv"
        yield self._table("reactions", self._reactions(csv_lines), suffix, csv_lines)
        states: list[BallotState] = []
        yield self._table("ballots", self._ballots(states, csv_lines), suffix, csv_lines)
        for state in states:
            self.ballot_files.append(state.json_spool.name)
            yield self._entry(state.json_spool.name, state.json_spool.chunks())
            if state.blt_spool is not None:
                self.ballot_files.append(state.blt_spool.name)
                yield self._entry(state.blt_spool.name, state.blt_spool.chunks())
        yield self._table("results", _once(self._result_rows()), suffix)
        for topic in self.topics:
            if topic.published_result is not None:
                name = f"results/{topic.slug}.json"
                self.result_files.append(name)
                text = json.dumps(topic.published_result, indent=2, ensure_ascii=False) + "\n"
                yield self._entry(name, _bytes(text.encode("utf-8")))
        links = [
            (t.id, slug, kind, en, nb) for t in self.topics for slug, kind, en, nb in t.practices
        ]
        yield self._table("practice_links", _once(links), suffix)
        yield self._table("table_plans", self._table_plans(), suffix)
        yield self._table("table_notes", self._table_notes(), suffix)
        quota_rows: list[tuple[Any, ...]] = []
        if self.selections:
            yield self._table("sortition_selections", _once(self._selection_rows()), suffix)
            yield self._table("sortition_probabilities", self._probabilities(), suffix)
            quota_rows = self._quota_rows()
            yield self._table("sortition_quotas", _once(quota_rows), suffix)
        breakdowns = await self._breakdown_rows()
        yield self._table("demographic_breakdowns", _once(breakdowns), suffix)
        log = [(r, c, reason, self.options.k) for r, c, reason in self.suppressed]
        yield self._table("suppression_log", _once(log), suffix)
        info = PackageInfo(
            slug=self.assembly.slug,
            title=self.assembly.title,
            created=self.now,
            privacy=self.privacy_record(),
            ballot_files=self.ballot_files,
            result_files=self.result_files,
        )
        readme = codebook(info, tables, suffix=suffix)
        yield self._entry("README.md", _bytes(readme.encode("utf-8")))
        package = descriptor(info, tables, self.facts, suffix=suffix)
        name = "datapackage.json" if suffix == ".csv" else "export.json"
        text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
        yield Entry(name, _bytes(text.encode("utf-8")))

    # -- rows of the small tables --

    def _assembly_row(self) -> tuple[Any, ...]:
        a = self.assembly
        return (
            a.id,
            a.slug,
            a.title,
            a.place,
            a.language,
            a.time_zone,
            a.description,
            a.status,
            a.invited_count,
            list(a.demographic_questions or []),
            iso(a.created_at),
        )

    def _topic_row(self, t: TopicData) -> tuple[Any, ...]:
        return (
            t.id,
            self.assembly.id,
            t.slug,
            t.position,
            t.question,
            t.background,
            t.area,
            t.method,
            t.params,
            t.seats,
            t.secrecy,
            t.phase,
            t.ballots_published,
            t.published_result is not None,
            t.ballots_exported,
        )

    def _result_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for topic in self.topics:
            result = topic.published_result
            if result is None:
                continue
            winners = [str(w) for w in result.get("winners") or []]
            seen: set[str] = set()
            for tier_number, tier in enumerate(result.get("ranking") or [], start=1):
                for option in tier:
                    option = str(option)
                    if not option.isdigit() or option in seen:
                        continue
                    seen.add(option)
                    elected = option in winners
                    order = winners.index(option) + 1 if elected else None
                    rows.append((topic.id, int(option), tier_number, elected, order))
        return rows

    def _owner(self, participant_id: int | None) -> str | None:
        person = self.people.get(participant_id) if participant_id is not None else None
        return person.pseudonym if person else None

    # -- streamed tables --

    async def _proposals(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        statement = (
            select(
                Proposal.id,
                Proposal.topic_id,
                Proposal.participant_id,
                Proposal.title,
                Proposal.body,
                Proposal.status,
                Proposal.merged_into_id,
                Proposal.created_at,
            )
            .join(Topic, Topic.id == Proposal.topic_id)
            .where(Topic.assembly_id == self.assembly.id)
            .order_by(Proposal.id)
        )
        async for batch in _batches(self.db, statement):
            yield [
                (
                    pid,
                    topic_id,
                    self._owner(author),
                    "" if status == "hidden" else title,
                    "" if status == "hidden" else body,
                    status,
                    merged_into,
                    iso(created),
                )
                for pid, topic_id, author, title, body, status, merged_into, created in batch
            ]

    async def _arguments(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        statement = (
            select(
                Argument.id,
                Argument.proposal_id,
                Argument.participant_id,
                Argument.stance,
                Argument.body,
                Argument.status,
                Argument.created_at,
            )
            .join(Proposal, Proposal.id == Argument.proposal_id)
            .join(Topic, Topic.id == Proposal.topic_id)
            .where(Topic.assembly_id == self.assembly.id)
            .order_by(Argument.id)
        )
        async for batch in _batches(self.db, statement):
            yield [
                (
                    aid,
                    proposal_id,
                    self._owner(author),
                    stance,
                    "" if status == "hidden" else body,
                    status,
                    iso(created),
                )
                for aid, proposal_id, author, stance, body, status, created in batch
            ]

    async def _reactions(self, csv_lines: bool) -> AsyncIterator[list[Any]]:
        """Reactions straight from the driver (the biggest table with the ballots), counted by
        demographic answers on the way for the breakdowns. Rows follow the table's storage
        order, which says no more than the reaction times already in the rows."""
        params = [self.assembly.id]
        # Only constants are formatted into these queries; values travel as parameters.
        sqlite_sql = (
            "SELECT participant_id, proposal_id, reaction, "  # noqa: S608
            f"{_SQLITE_ISO.format(column='created_at')}, {_SQLITE_ISO.format(column='updated_at')} "
            "FROM reactions NOT INDEXED WHERE proposal_id IN (SELECT p.id FROM proposals p "
            "JOIN topics t ON t.id = p.topic_id WHERE t.assembly_id = ?)"
        )
        postgres_sql = (
            "SELECT participant_id, proposal_id, reaction, "  # noqa: S608
            f"{_POSTGRES_ISO.format(column='created_at')}, "
            f"{_POSTGRES_ISO.format(column='updated_at')} "
            "FROM reactions WHERE proposal_id IN (SELECT p.id FROM proposals p "
            "JOIN topics t ON t.id = p.topic_id WHERE t.assembly_id = $1)"
        )
        counts = self.reaction_counts
        people = self.people
        votes = polis.VOTES
        async for batch in _driver_rows(self.db, sqlite_sql, postgres_sql, params):
            out: list[Any] = []
            for participant_id, proposal_id, reaction, created, updated in batch:
                person = people.get(participant_id)
                if person is None:
                    continue
                counts[(proposal_id, person.combination, reaction)] += 1
                if csv_lines:
                    vote = votes.get(reaction, "")
                    out.append(
                        f"{person.pseudonym},{proposal_id},{reaction},{vote},{created},{updated}\n"
                    )
                else:
                    out.append(
                        (
                            person.pseudonym,
                            proposal_id,
                            reaction,
                            votes.get(reaction),
                            created,
                            updated,
                        )
                    )
            if out:
                yield out

    async def _ballot_states(self, states: list[BallotState]) -> dict[int, BallotState]:
        closed = [t for t in self.topics if t.ballots_exported]
        if not closed:
            return {}
        channel_counts: Counter[tuple[int, str]] = Counter()
        rows = await self.db.execute(
            select(Ballot.topic_id, Ballot.channel, func.count())
            .where(Ballot.topic_id.in_([t.id for t in closed]), Ballot.secrecy == "secret")
            .group_by(Ballot.topic_id, Ballot.channel)
        )
        for topic_id, channel, count in rows.tuples():
            channel_counts[(topic_id, channel)] = count
        by_topic: dict[int, BallotState] = {}
        for topic in closed:
            on_ballot = await ballot_options(self.db, await self._topic(topic.id))
            options = list(on_ballot.ids)
            proposals = (
                (
                    await self.db.execute(
                        select(Proposal.id, Proposal.status, Proposal.merged_into_id).where(
                            Proposal.topic_id == topic.id
                        )
                    )
                )
                .tuples()
                .all()
            )
            info = METHODS.get(topic.method)
            kind = info.ballot if info else "approval"
            targets = _merge_targets(list(proposals))
            hide = any(0 < channel_counts[(topic.id, c)] < self.options.k for c in CHANNELS)
            if hide:
                self.suppressed.append(("ballots", f"topic {topic.id}/channel", "primary"))
            state = BallotState(
                topic=topic,
                options=options,
                names=_unique_names([label for _id, label in on_ballot], options),
                targets=targets,
                kind=kind,
                check=ballot_checker(topic.method, options, topic.seats, topic.params)
                if info and options
                else None,
                number={o: f"{i} " for i, o in enumerate(options, start=1)},
                hide_channel=hide,
                max_approvals=_max_approvals(topic.params),
                kept=frozenset(o for o in options if targets.get(o) == o),
                json_spool=Spool(f"ballots/{topic.slug}.json"),
                blt_spool=Spool(f"ballots/{topic.slug}.blt") if kind == "ranking" else None,
            )
            state.json_spool.write(
                b'{"method":'
                + _encode(topic.method)
                + b',"options":'
                + _encode(options)
                + b',"seats":'
                + _encode(topic.seats)
                + b',"params":'
                + _encode(topic.params)
                + b',"ballots":['
            )
            if state.blt_spool is not None:
                state.blt_spool.write(blt.header_line(len(options), topic.seats).encode())
            by_topic[topic.id] = state
            states.append(state)
        return by_topic

    async def _topic(self, topic_id: int) -> Topic:
        topic = await self.db.get(Topic, topic_id)
        assert topic is not None
        return topic

    async def _ballots(
        self, states: list[BallotState], csv_lines: bool
    ) -> AsyncIterator[list[Any]]:
        """Every ballot of the closed topics, in ballot-id order: ids are random, so the order
        says nothing about when or by whom a ballot was cast."""
        by_topic = await self._ballot_states(states)
        if not by_topic:
            return
        topic_ids = list(by_topic)
        marks = ", ".join("?" for _ in topic_ids)
        # "+topic_id" keeps SQLite from the topic index: a scan of the table (stored in id
        # order, WITHOUT ROWID) needs no sort, where the index would need one of every row.
        sqlite_sql = (
            "SELECT topic_id, content, channel, secrecy, participant_id FROM ballots "  # noqa: S608
            f"WHERE +topic_id IN ({marks}) ORDER BY id"
        )
        postgres_sql = (
            "SELECT topic_id, content::text, channel, secrecy, participant_id FROM ballots "
            "WHERE topic_id = ANY($1::bigint[]) ORDER BY id"
        )
        params: list[Any] = topic_ids if self._dialect() == "sqlite" else [topic_ids]
        ballot_id = 0
        owner = self._owner
        count = self._count_ballot
        # The CSV line up to the ballot's content, by topic, secrecy, channel (and voter).
        prefixes: dict[tuple[Any, ...], str] = {}
        try:
            async for batch in _driver_rows(self.db, sqlite_sql, postgres_sql, params):
                out: list[Any] = []
                for state in states:
                    state.json_parts.clear()
                    state.blt_parts.clear()
                for topic_id, raw, channel, secrecy, participant_id in batch:
                    state = by_topic[topic_id]
                    counted = state.cache.get(raw) or count(state, raw)
                    ballot_id += 1
                    is_open = secrecy == "open"
                    if csv_lines:
                        key = (topic_id, secrecy, channel, participant_id if is_open else None)
                        prefix = prefixes.get(key)
                        if prefix is None:
                            shown = None if (state.hide_channel and not is_open) else channel
                            voter = owner(participant_id) if is_open else None
                            prefix = f",{topic_id},{secrecy},{shown or ''},{voter or ''},"
                            if len(prefixes) < BALLOT_CACHE_LIMIT:
                                prefixes[key] = prefix
                        out.append(f"{ballot_id}{prefix}{counted[3]}")
                    else:
                        out.append(
                            (
                                ballot_id,
                                topic_id,
                                secrecy,
                                None if (state.hide_channel and not is_open) else channel,
                                owner(participant_id) if is_open else None,
                                raw,
                                counted[0] is not None,
                                counted[0],
                            )
                        )
                    if counted[1] is not None:
                        state.json_parts.append(counted[1])
                        if counted[2] is not None:
                            state.blt_parts.append(counted[2])
                for state in states:
                    state.flush()
                yield out
        except BaseException:
            for state in states:
                state.close()
            raise
        for state in states:
            state.json_spool.write(b"\n]}\n")
            if state.blt_spool is not None:
                footer = blt.footer_lines(state.names, state.topic.question)
                state.blt_spool.write(footer.encode("utf-8"))

    def _dialect(self) -> str:
        return self.db.get_bind().dialect.name

    def _count_ballot(self, state: BallotState, raw: str) -> Counted:
        """The ballot as counted, or Nones if it is set aside; remembered by its text, since
        identical ballots are common."""
        found: Counted = (None, None, None, f"{_quoted(raw)},false,\n")
        if state.check is not None:
            try:
                content = _decode(raw)
                ballot = content if _unchanged_by_remap(state, content) else None
                if ballot is None:
                    ballot = _remap(state.kind, content, state.targets)
                # After the remap a list holds distinct options of the ballot only, so for
                # these kinds the full check reduces to this (tests hold it to the engine's).
                if not _plainly_valid(state, ballot):
                    state.check(ballot)
            except (InvalidBallot, InvalidParameters, msgspec.DecodeError):
                pass
            else:
                encoded = _encode(ballot)
                line = None
                if state.kind == "ranking":
                    line = ("1 " + "".join(map(state.number.__getitem__, ballot)) + "0\n").encode()
                text = encoded.decode()
                found = (text, encoded, line, f"{_quoted(raw)},true,{_quoted(text)}\n")
        if len(state.cache) >= BALLOT_CACHE_LIMIT:
            state.cache.clear()
        state.cache[raw] = found
        return found

    async def _table_plans(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        statement = (
            select(
                TablePlan.id,
                TablePlan.assembly_id,
                TablePlan.name,
                TablePlan.table_count,
                TablePlan.round_count,
            )
            .where(TablePlan.assembly_id == self.assembly.id)
            .order_by(TablePlan.id)
        )
        async for batch in _batches(self.db, statement):
            yield [tuple(row) for row in batch]

    async def _table_notes(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        statement = (
            select(
                TableNote.id,
                TableNote.table_plan_id,
                TableNote.round_number,
                TableNote.table_number,
                TableNote.key_points,
                TableNote.agreements,
                TableNote.dissent,
                TableNote.proposal_ids,
            )
            .join(TablePlan, TablePlan.id == TableNote.table_plan_id)
            .where(TablePlan.assembly_id == self.assembly.id)
            .order_by(TableNote.id)
        )
        async for batch in _batches(self.db, statement):
            yield [(*row[:7], list(row[7] or [])) for row in batch]

    # -- sortition --

    def _selection_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for selection in self.selections:
            result = selection.result or {}
            summary = result.get("summary") or {}
            probabilities = result.get("probabilities") or {}
            rows.append(
                (
                    selection.id,
                    selection.assembly_id,
                    selection.status,
                    result.get("algorithm", selection.algorithm),
                    result.get("seed", selection.seed),
                    result.get("panel_size", selection.panel_size),
                    summary.get("pool_size", len(probabilities)),
                    summary.get("min_probability"),
                    summary.get("mean_probability"),
                    summary.get("ideal_probability"),
                    public_record(result.get("record") or {}),
                )
            )
        return rows

    async def _probabilities(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        for selection in self.selections:
            result = selection.result or {}
            panel = {str(p) for p in result.get("panel") or []}
            alternates = {str(p) for p in result.get("alternates") or []}
            rows = []
            for pool_id, probability in (result.get("probabilities") or {}).items():
                key = str(pool_id)
                outcome = (
                    "panel"
                    if key in panel
                    else ("alternate" if key in alternates else "not_selected")
                )
                person = self.person(f"{selection.id}:{key}")
                rows.append((selection.id, person, min(1.0, max(0.0, float(probability))), outcome))
            rows.sort(key=lambda row: row[1] or "")
            for start in range(0, len(rows), BATCH_SIZE):
                yield rows[start : start + BATCH_SIZE]

    def _quota_rows(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        k = self.options.k
        for selection in self.selections:
            table = (selection.result or {}).get("quota_table") or []
            by_feature: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for entry in table:
                by_feature[str(entry.get("feature", ""))].append(entry)
            for feature, entries in by_feature.items():
                values = [str(e.get("value", "")) for e in entries]
                shown: dict[str, list[int | None]] = {}
                for measure in ("selected", "pool"):
                    name = f"sortition_quotas/{selection.id}/{feature}"
                    result = suppress_table(
                        name,
                        values,
                        [measure],
                        [[int(e.get(measure) or 0)] for e in entries],
                        k,
                        row_totals=False,
                    )
                    shown[measure] = [line[0] for line in result.cells]
                    self._log(result.suppressed, "sortition_quotas", f"{selection.id}/{feature}")
                for i, e in enumerate(entries):
                    rows.append(
                        (
                            selection.id,
                            feature,
                            values[i],
                            e.get("min"),
                            e.get("max"),
                            shown["selected"][i],
                            shown["pool"][i],
                        )
                    )
        return rows

    def _log(self, cells: Iterable[SuppressedCell], resource: str, prefix: str) -> None:
        for cell in cells:
            self.suppressed.append((resource, f"{prefix}/{cell.row}/{cell.column}", cell.reason))

    # -- demographic breakdowns --

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
        async for batch in _batches(self.db, statement):
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

    # -- Polis --

    async def _polis_entries(self) -> AsyncIterator[Entry]:
        written: list[str] = []
        for topic in self.topics:
            if topic.phase == "draft":
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
        yield self._entry("README.md", _bytes("\n".join(lines).encode("utf-8")))
        record = {
            "assembly": self.assembly.slug,
            "format": "polis",
            "created": iso(self.now),
            "files": written,
            "privacy": self.privacy_record(),
        }
        yield Entry("export.json", _bytes((json.dumps(record, indent=2) + "\n").encode()))

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
        yield self._entry(base + "comments.csv", _text_chunks(polis.comments_csv(comments)))
        matrix = polis.VoteMatrix(ids)
        yield self._entry(base + "votes.csv", self._polis_votes(topic, ids, matrix))
        yield self._entry(
            base + "participants-votes.csv",
            _text_chunks(polis.participants_votes_csv(matrix, dict(comment_counts))),
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
        yield self._entry(base + "summary.csv", _bytes(polis.summary_csv(summary).encode("utf-8")))

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

        async for batch in _batches(self.db, statement):
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


async def _bytes(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def _text_chunks(lines: Iterable[str], size: int = 1 << 16) -> AsyncIterator[bytes]:
    buffer: list[str] = []
    length = 0
    for line in lines:
        buffer.append(line)
        length += len(line)
        if length >= size:
            yield "".join(buffer).encode("utf-8")
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")


# --- entry points -------------------------------------------------------------------------------


async def snapshot(db: AsyncSession) -> None:
    """Make the session's coming transaction read one snapshot on PostgreSQL (SQLite's read
    transactions always do); a transaction already under way is left as it is."""
    if db.get_bind().dialect.name == "postgresql" and not db.in_transaction():
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def export_entries(
    db: AsyncSession, assembly: Assembly, options: ExportOptions, now: dt.datetime | None = None
) -> AsyncIterator[Entry]:
    """The export's files, one after the other (each read to its end before the next)."""
    exporter = Exporter(db, assembly, options, now)
    await exporter.load()
    async for entry in exporter.entries():
        yield entry


async def export_to_directory(
    db: AsyncSession, assembly: Assembly, options: ExportOptions, out: Any
) -> list[WrittenFile]:
    return await write_directory(export_entries(db, assembly, options), out)


async def stream_export_zip(
    engine: AsyncEngine, assembly_id: int, options: ExportOptions
) -> AsyncIterator[bytes]:
    """The export as ZIP chunks, read in a session of its own: a streamed response outlives
    the request's session."""
    async with SessionMaker(engine).for_read() as db:
        await snapshot(db)
        assembly = await db.get(Assembly, assembly_id)
        if assembly is None:
            return
        async for chunk in zip_stream(export_entries(db, assembly, options)):
            yield chunk


def export_filename(
    assembly: Assembly, options: ExportOptions, now: dt.datetime | None = None
) -> str:
    moment = now or dt.datetime.now(dt.UTC)
    return f"{assembly.slug}-{options.format}-{moment:%Y%m%d-%H%M%S}.zip"


def download_headers(filename: str) -> dict[str, str]:
    return {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    }


async def record_export(
    db: AsyncSession,
    assembly: Assembly,
    options: ExportOptions,
    *,
    actor_kind: str,
    actor_id: int | None,
    via: str,
) -> None:
    """Audit one export: who, how, in which format, with which privacy settings."""
    await record_event(
        db,
        "research.exported",
        actor_kind=actor_kind,
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=assembly,
        format=options.format,
        k=options.k,
        key_scope="stable" if options.stable_key else "export",
        via=via,
    )


async def record_export_now(
    engine: AsyncEngine,
    assembly: Assembly,
    options: ExportOptions,
    *,
    actor_kind: str,
    actor_id: int | None,
    via: str,
) -> None:
    """Audit an export in a transaction of its own, committed before the download starts.

    A download is a GET, whose session only reads; on SQLite such a session cannot turn into
    a writer once another write has committed since it began, so the record would be lost.
    """
    async with SessionMaker(engine).for_write() as db:
        await record_export(
            db, assembly, options, actor_kind=actor_kind, actor_id=actor_id, via=via
        )
        await db.commit()


async def exportable_topics(db: AsyncSession, assembly: Assembly) -> list[TopicData]:
    """The assembly's topics as an export sees them (for the research page and the API)."""
    topics = (
        await db.scalars(
            select(Topic).where(Topic.assembly_id == assembly.id).order_by(Topic.position, Topic.id)
        )
    ).all()
    now = dt.datetime.now(dt.UTC)
    return [topic_data(topic, now) for topic in topics]
