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

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.audit.services import record_event
from assembly.db.engine import SessionMaker
from assembly.db.models import (
    Argument,
    Assembly,
    Participant,
    Proposal,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.exports import polis
from assembly.exports.archive import Entry, WrittenFile, write_directory, zip_stream
from assembly.exports.ballot_files import BallotFiles, BallotState
from assembly.exports.base import (
    CLOSED_PHASES,
    FORMATS,
    NO_ANSWER,
    ExportError,
    ExportOptions,
    PersonFacts,
    TopicData,
    budget_costs,
    effective_phase,
    topic_data,
)
from assembly.exports.breakdowns import Breakdowns
from assembly.exports.datapackage import (
    TABLES,
    PackageInfo,
    codebook,
    descriptor,
)
from assembly.exports.drafting import drafting_rows
from assembly.exports.drafting_tables import DRAFTING_TABLES
from assembly.exports.polis_files import PolisFiles
from assembly.exports.sortition_rows import SortitionRows
from assembly.exports.streaming import (
    POSTGRES_ISO,
    SQLITE_ISO,
    driver_rows,
    iso,
    one_batch,
    one_chunk,
    read_batches,
)
from assembly.questionnaires.export import questionnaire_files

__all__ = [
    "CLOSED_PHASES",
    "FORMATS",
    "ExportError",
    "ExportOptions",
    "Exporter",
    "TopicData",
    "download_headers",
    "effective_phase",
    "export_entries",
    "export_filename",
    "export_to_directory",
    "exportable_topics",
    "record_export",
    "record_export_now",
    "snapshot",
    "stream_export_zip",
]


class Exporter(BallotFiles, SortitionRows, Breakdowns, PolisFiles):
    """One export of one assembly: load what is small, then stream the rest file by file."""

    async def load(self) -> None:
        await snapshot(self.db)
        topics = (
            await self.db.scalars(
                select(Topic)
                .where(Topic.assembly_id == self.assembly.id)
                .order_by(Topic.position, Topic.id)
            )
        ).all()
        self.topics = [
            topic_data(topic, self.now, await budget_costs(self.db, topic)) for topic in topics
        ]
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
        async for batch in read_batches(self.db, statement):
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
        yield self._table("assemblies", one_batch([self._assembly_row()]), suffix)
        yield self._table("topics", one_batch([self._topic_row(t) for t in self.topics]), suffix)
        people = sorted(self.people.values(), key=lambda p: p.pseudonym)
        yield self._table("participants", one_batch([p.row for p in people]), suffix)
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
        yield self._table("results", one_batch(self._result_rows()), suffix)
        for topic in self.topics:
            if topic.published_result is not None:
                name = f"results/{topic.slug}.json"
                self.result_files.append(name)
                text = json.dumps(topic.published_result, indent=2, ensure_ascii=False) + "\n"
                yield self._entry(name, one_chunk(text.encode("utf-8")))
        links = [
            (t.id, slug, kind, en, nb) for t in self.topics for slug, kind, en, nb in t.practices
        ]
        yield self._table("practice_links", one_batch(links), suffix)
        yield self._table("table_plans", self._table_plans(), suffix)
        yield self._table("table_notes", self._table_notes(), suffix)
        yield self._table("speaking_equity", one_batch(await self._speaking_rows()), suffix)
        drafting = await drafting_rows(self.db, self.assembly.id, self._owner)
        for table in DRAFTING_TABLES:
            yield self._table(table.name, one_batch(drafting[table.name]), suffix)
        quota_rows: list[tuple[Any, ...]] = []
        if self.selections:
            yield self._table("sortition_selections", one_batch(self._selection_rows()), suffix)
            yield self._table("sortition_probabilities", self._probabilities(), suffix)
            quota_rows = self._quota_rows()
            yield self._table("sortition_quotas", one_batch(quota_rows), suffix)
        breakdowns = await self._breakdown_rows()
        yield self._table("demographic_breakdowns", one_batch(breakdowns), suffix)
        log = [(r, c, reason, self.options.k) for r, c, reason in self.suppressed]
        yield self._table("suppression_log", one_batch(log), suffix)
        if suffix == ".csv":
            lang = self.assembly.language
            for name, data in await questionnaire_files(
                self.db, self.assembly.id, self._owner, lang
            ):
                yield self._entry(name, one_chunk(data))
        info = PackageInfo(
            slug=self.assembly.slug,
            title=self.assembly.title,
            created=self.now,
            privacy=self.privacy_record(),
            ballot_files=self.ballot_files,
            result_files=self.result_files,
        )
        readme = codebook(info, tables, suffix=suffix)
        yield self._entry("README.md", one_chunk(readme.encode("utf-8")))
        package = descriptor(info, tables, self.facts, suffix=suffix)
        name = "datapackage.json" if suffix == ".csv" else "export.json"
        text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
        yield Entry(name, one_chunk(text.encode("utf-8")))

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
            a.currency,
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
            t.kind,
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
                Proposal.cost,
                Proposal.estimated_cost,
            )
            .join(Topic, Topic.id == Proposal.topic_id)
            .where(Topic.assembly_id == self.assembly.id)
            .order_by(Proposal.id)
        )
        async for batch in read_batches(self.db, statement):
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
                    cost,
                    estimate,
                )
                for pid, topic_id, author, title, body, status, merged_into, created, cost, estimate in batch  # noqa: E501
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
        async for batch in read_batches(self.db, statement):
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
            f"{SQLITE_ISO.format(column='created_at')}, {SQLITE_ISO.format(column='updated_at')} "
            "FROM reactions NOT INDEXED WHERE proposal_id IN (SELECT p.id FROM proposals p "
            "JOIN topics t ON t.id = p.topic_id WHERE t.assembly_id = ?)"
        )
        postgres_sql = (
            "SELECT participant_id, proposal_id, reaction, "  # noqa: S608
            f"{POSTGRES_ISO.format(column='created_at')}, "
            f"{POSTGRES_ISO.format(column='updated_at')} "
            "FROM reactions WHERE proposal_id IN (SELECT p.id FROM proposals p "
            "JOIN topics t ON t.id = p.topic_id WHERE t.assembly_id = $1)"
        )
        counts = self.reaction_counts
        people = self.people
        votes = polis.VOTES
        async for batch in driver_rows(self.db, sqlite_sql, postgres_sql, params):
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
        async for batch in read_batches(self.db, statement):
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
        async for batch in read_batches(self.db, statement):
            yield [(*row[:7], list(row[7] or [])) for row in batch]

    async def _speaking_rows(self) -> list[tuple[Any, ...]]:
        """Turns per table, from the counts kept with consent; small tables are suppressed."""
        from assembly.db.models import Meeting, SpeakingCount
        from assembly.meetings.agenda import equity

        rows = await self.db.execute(
            select(
                SpeakingCount.meeting_id,
                SpeakingCount.round_number,
                SpeakingCount.table_number,
                SpeakingCount.turns,
            )
            .join(Meeting, Meeting.id == SpeakingCount.meeting_id)
            .where(Meeting.assembly_id == self.assembly.id)
            .order_by(
                SpeakingCount.meeting_id, SpeakingCount.round_number, SpeakingCount.table_number
            )
        )
        tables: dict[tuple[int, int, int], list[int]] = {}
        for meeting_id, round_number, table_number, count in rows.tuples():
            tables.setdefault((meeting_id, round_number, table_number), []).append(int(count))
        out: list[tuple[Any, ...]] = []
        for (meeting_id, round_number, table_number), turns in tables.items():
            if len(turns) < self.options.k:
                cell = f"meeting {meeting_id}/round {round_number}/table {table_number}"
                self.suppressed.append(("speaking_equity", cell, "primary"))
                out.append(
                    (meeting_id, round_number, table_number, len(turns), None, None, None, None)
                )
                continue
            out.append(
                (
                    meeting_id,
                    round_number,
                    table_number,
                    len(turns),
                    sum(turns),
                    equity(turns),
                    min(turns),
                    max(turns),
                )
            )
        return out


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
    """The assembly's topics as an export sees them (for the research page and the API); the
    drafting process's motions are in the export too, but not listed here."""
    topics = (
        await db.scalars(
            select(Topic)
            .where(Topic.assembly_id == assembly.id, Topic.kind == "topic")
            .order_by(Topic.position, Topic.id)
        )
    ).all()
    now = dt.datetime.now(dt.UTC)
    return [topic_data(topic, now, await budget_costs(db, topic)) for topic in topics]
