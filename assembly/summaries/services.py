"""Topic and assembly summaries: computed as plain data, cached, and published by facilitators.

A topic summary is a JSON-serialisable dict (kept in ``TopicSummary.content``) with:

* ``participation``: participants of the assembly (online and paper), the people active in the
  topic, proposals, arguments, reactions and ballots, and turnout as a share of
  ``assembly.invited_count``;
* ``representativeness``: the participants' demographic answers, set against the quotas of the
  assembly's latest drawn sortition panel when there is one (a quota's ``min``/``max`` divided by
  the panel size is its target share), and the panel's own make-up against the same quotas;
* ``result``: the voting engine's count, reduced to what the charts need: the best-placed
  :data:`CHART_OPTIONS` options (and every winner), with pairwise tables, rounds, bars, grade
  profiles, purchases or yes/no arithmetic depending on the method;
* ``opinion_groups``: :func:`~assembly.summaries.opinion_groups.compute_opinion_groups` with the
  fixed seed :data:`OPINION_SEED`, its scatter thinned to :data:`SCATTER_POINTS` points;
* ``arguments``: the strongest pro and con arguments of each winning or adopted proposal;
* ``practices``: related promising practices for the topic and for each winner, with the
  matcher's one-line reasons (both languages) and scores;
* ``table_notes``: notes written at the tables about the topic's proposals.

What people *wrote* (the facilitator's notes, the topic's linked practices) is not cached: the
pages read it live from the topic, and mark it as written rather than computed. Everything is
language-neutral (ids, numbers, codes and texts in both languages) so one cached summary serves
every locale; the pages translate it.

**Strongest arguments.** An argument's *support* is the number of participants, other than its
author, whose current reaction to the proposal takes the argument's side (agree for a pro
argument, disagree for a con argument) and was made or last changed after the argument was
posted: people who could read it when they made up their mind and came down on its side. The
strongest arguments have the most support; ties go to the earlier argument. Hidden arguments
are left out.

**Cache.** :func:`data_version` is a SHA-256 fingerprint of counts and last-change times
(``max(updated_at)``) of the topic's proposals, arguments, reactions and ballots, the assembly's
participants, table notes and sortition panels, and of the topic and assembly fields the summary
reads. A summary whose fingerprint differs is recomputed. One exception keeps the check cheap
enough for every page view: once a topic has left the reaction phases (proposals and
deliberation), reactions can no longer be made or changed through the application, so the
reaction part of the fingerprint is the largest reaction id per proposal (found through the
index, a few milliseconds even for a million reactions) instead of a count and ``max(updated_at)``
over every reaction. Rows added directly still change it; rows removed go with their proposal or
participant, whose counts change. Ballots carry no change time, so while voting is open the
fingerprint also hashes their contents.

**Speed.** Reactions are read with one query of three integer columns through the database
driver itself (aiosqlite or asyncpg), which is three times faster than through SQLAlchemy's
result rows for a million reactions. The ids stay integers: the opinion groups only hash,
compare and sort them, and integers are much cheaper than strings at that size. On SQLite the
query scans the table instead of the proposal index when the topic holds a large share of all
reactions: walking the index visits the rows in random order, which is several times slower
than reading them all in order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.catalogue.data import load_catalogue
from assembly.catalogue.matching import PracticeMatcher, default_matcher
from assembly.db.cache import LruCache
from assembly.db.models import (
    Argument,
    Assembly,
    Ballot,
    BallotVoter,
    PanelMember,
    Participant,
    Proposal,
    Reaction,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
    TopicSummary,
)
from assembly.errors import InvalidInput
from assembly.forms_common import normalise_text
from assembly.i18n import _l
from assembly.proposals.phases import REACTING_PHASES
from assembly.summaries.opinion_groups import compute_opinion_groups
from assembly.summaries.results import CHART_OPTIONS, result_data
from assembly.summaries.sources import (
    ARGUMENTS_PER_SIDE,
    PRACTICES_PER_TEXT,
    SCATTER_POINTS,
    ProposalRow,
    iso,
    opinion_data,
    participation_data,
    practices_data,
    reaction_rows,
    read_argument_rows,
    read_proposals,
    read_result,
    representativeness_data,
    share,
    strongest_arguments,
    table_notes_data,
)

__all__ = [
    "ARGUMENTS_PER_SIDE",
    "CHART_OPTIONS",
    "FEATURED_WINNERS",
    "OPINION_SEED",
    "PRACTICES_PER_TEXT",
    "SCATTER_POINTS",
    "SUMMARY_FORMAT",
    "SUMMARY_PHASES",
    "CachedSummary",
    "assembly_summary",
    "compute_topic_summary",
    "data_version",
    "get_topic_summary",
    "publish_summary",
    "save_facilitator_notes",
    "withdraw_summary",
]

logger = logging.getLogger("assembly.summaries")

SUMMARY_FORMAT: Final = 2
"""Bumped when the content's shape changes, so that old cached summaries are recomputed."""
OPINION_SEED: Final = 7
"""Seed of the opinion-group clustering: the same reactions always give the same groups."""
FEATURED_WINNERS: Final = 10
"""Arguments and practices are given for at most this many winners."""

NOTES_MAX: Final = 10_000
SUMMARY_PHASES: Final = frozenset({"closed", "published"})
"""A summary can be published once voting has closed."""


def _digest(data: Any) -> str:
    encoded = json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


@cache
def _catalogue_signature() -> str:
    catalogue = load_catalogue()
    return _digest([(p.slug, p.title_en, p.areas) for p in catalogue.practices])


# --------------------------------------------------------------------------- the fingerprint


async def data_version(db: AsyncSession, topic: Topic) -> str:
    """The fingerprint of everything the topic's summary is computed from (see the docstring)."""
    assembly = topic.assembly
    proposal_ids = select(Proposal.id).where(Proposal.topic_id == topic.id)
    plan_ids = select(TablePlan.id).where(TablePlan.assembly_id == assembly.id)
    selection_ids = select(SortitionSelection.id).where(
        SortitionSelection.assembly_id == assembly.id
    )
    frozen = topic.phase not in REACTING_PHASES
    sqlite = db.get_bind().dialect.name == "sqlite"

    def scalar(column: Any, *where: Any) -> Any:
        return select(column).where(*where).scalar_subquery()

    columns: dict[str, Any] = {
        "proposals": scalar(func.count(Proposal.id), Proposal.topic_id == topic.id),
        "proposals_at": scalar(func.max(Proposal.updated_at), Proposal.topic_id == topic.id),
        "arguments": scalar(func.count(Argument.id), Argument.proposal_id.in_(proposal_ids)),
        "arguments_at": scalar(
            func.max(Argument.updated_at), Argument.proposal_id.in_(proposal_ids)
        ),
        "ballots": scalar(func.count(Ballot.id), Ballot.topic_id == topic.id),
        "ballots_at": scalar(func.max(Ballot.cast_at), Ballot.topic_id == topic.id),
        "voters": scalar(func.count(BallotVoter.id), BallotVoter.topic_id == topic.id),
        "participants": scalar(func.count(Participant.id), Participant.assembly_id == assembly.id),
        "participants_at": scalar(
            func.max(Participant.updated_at), Participant.assembly_id == assembly.id
        ),
        "notes": scalar(func.count(TableNote.id), TableNote.table_plan_id.in_(plan_ids)),
        "notes_at": scalar(func.max(TableNote.updated_at), TableNote.table_plan_id.in_(plan_ids)),
        "selections_at": scalar(
            func.max(SortitionSelection.updated_at), SortitionSelection.assembly_id == assembly.id
        ),
        "panel_at": scalar(
            func.max(PanelMember.updated_at), PanelMember.selection_id.in_(selection_ids)
        ),
    }
    if frozen:
        # The largest reaction id of each proposal, through the proposal index (see above).
        per_proposal = (
            select(func.max(Reaction.id))
            .where(Reaction.proposal_id == Proposal.id)
            .correlate(Proposal)
            .scalar_subquery()
        )
        columns["reactions_last_id"] = (
            select(func.max(per_proposal)).where(Proposal.topic_id == topic.id).scalar_subquery()
        )
    else:
        # "+ 0" keeps SQLite from walking the index row by row (a scan is faster here).
        key = Reaction.proposal_id + 0 if sqlite else Reaction.proposal_id
        columns["reactions"] = scalar(func.count(Reaction.id), key.in_(proposal_ids))
        columns["reactions_at"] = scalar(func.max(Reaction.updated_at), key.in_(proposal_ids))
    row = (await db.execute(select(*(c.label(name) for name, c in columns.items())))).one()
    parts: dict[str, Any] = {name: iso(value) for name, value in row._mapping.items()}
    if topic.phase == "voting":
        contents = await db.execute(
            select(Ballot.receipt_hash, Ballot.content)
            .where(Ballot.topic_id == topic.id)
            .order_by(Ballot.receipt_hash)
        )
        parts["ballot_contents"] = _digest([list(r) for r in contents.tuples()])
    parts["topic"] = [
        topic.phase,
        topic.question,
        topic.background,
        topic.spotlight_area_id,
        topic.voting_method,
        topic.voting_params,
        topic.seats,
        topic.ballots_published,
        _digest(topic.published_result),
    ]
    parts["assembly"] = [
        assembly.language,
        assembly.invited_count,
        assembly.demographic_questions,
        assembly.currency,
    ]
    parts["format"] = SUMMARY_FORMAT
    parts["catalogue"] = _catalogue_signature()
    return _digest(parts)


# --------------------------------------------------------------------------- the summary


async def compute_topic_summary(
    db: AsyncSession, topic: Topic, *, matcher: PracticeMatcher | None = None
) -> dict[str, Any]:
    """Compute the summary of a topic as plain data (see the module docstring)."""
    assembly = topic.assembly
    proposals = await read_proposals(db, topic)
    argument_rows = await read_argument_rows(db, topic)
    reactions = await reaction_rows(db, topic.id)
    # Integer ids: the opinion groups only hash, compare and sort them, and for a million
    # reactions integers are much cheaper to fetch and hash than the strings its types name.
    proposal_ids: list[Any] = [p.id for p in proposals]
    moderated: list[Any] = [p.id for p in proposals if p.status != "visible"]
    result, error = await read_result(db, topic)
    # In a worker thread, so that the server keeps answering other requests meanwhile. (Run
    # beside the count instead, both only compete for the same interpreter lock.)
    groups = await asyncio.to_thread(
        compute_opinion_groups,
        cast(list[tuple[str, str, int]], reactions),
        proposal_ids,
        moderated_out=moderated,
        seed=OPINION_SEED,
    )
    results = result_data(result, error)
    if results and results.get("method") == "budget" and "figures" in results:
        results["figures"]["currency"] = assembly.currency
    counted = results.get("ballots") if results and "error" not in results else None
    reactors = {int(point[0]) for point in groups.points}  # everyone who reacted
    participation = await participation_data(
        db, topic, proposals, argument_rows, reactions, reactors, counted
    )
    by_id = {str(p.id): p for p in proposals}
    chosen = (results or {}).get("winners", [])
    winners = [w for w in chosen if w in by_id][:FEATURED_WINNERS]
    arguments = await strongest_arguments(db, argument_rows, [int(w) for w in winners])
    language = assembly.language or "en"
    area_slug = topic.spotlight_area.slug if topic.spotlight_area is not None else None
    practices = practices_data(
        matcher or default_matcher(),
        (topic.question, topic.background or ""),
        [(w, by_id[w].title, by_id[w].body) for w in winners],
        language,
        area_slug,
    )
    notes = await table_notes_data(db, assembly, {p.id for p in proposals})
    content: dict[str, Any] = {
        "format": SUMMARY_FORMAT,
        "computed_at": iso(dt.datetime.now(dt.UTC)),
        "topic": {
            "id": topic.id,
            "slug": topic.slug,
            "question": topic.question,
            "phase": topic.phase,
            "voting_method": topic.voting_method,
            "seats": topic.seats,
            "area": area_slug,
        },
        "language": language,
        "participation": participation,
        "representativeness": await representativeness_data(db, assembly),
        "result": results,
        "opinion_groups": opinion_data(groups),
        "arguments": arguments,
        "practices": practices,
        "table_notes": notes,
    }
    content["proposals"] = _referenced_proposals(content, by_id)
    return content


def _referenced_proposals(content: dict[str, Any], by_id: Mapping[str, ProposalRow]) -> dict:
    """Title, author and status of every proposal the summary names (not all of them)."""
    wanted: set[str] = set()
    result = content.get("result") or {}
    wanted.update(result.get("shown", []) or [])
    wanted.update(result.get("winners", []) or [])
    figures = result.get("figures", {}) or {}
    for r in figures.get("rounds", []) or []:
        wanted.update(r.get("counts", {}))
    for s in figures.get("stages", []) or []:
        wanted.update(s.get("votes", {}))
    for p in figures.get("purchases", []) or []:
        wanted.add(str(p.get("project")))
    groups = content.get("opinion_groups") or {}
    for g in groups.get("groups", []):
        wanted.update(r["proposal_id"] for r in g["representative"])
    wanted.update(c["proposal_id"] for c in groups.get("consensus", []))
    wanted.update(c["proposal_id"] for c in groups.get("group_consensus", []))
    wanted.update(d["proposal_id"] for d in groups.get("divisive", []))
    wanted.update(a["proposal_id"] for a in content.get("arguments", []))
    for note in content.get("table_notes", []):
        wanted.update(note["proposal_ids"])
    return {
        pid: {"title": by_id[pid].title, "author": by_id[pid].author, "status": by_id[pid].status}
        for pid in sorted(wanted, key=lambda v: (len(v), v))
        if pid in by_id
    }


# --------------------------------------------------------------------------- the cache


@dataclass(frozen=True)
class CachedSummary:
    content: dict[str, Any]
    data_version: str
    recomputed: bool


async def get_topic_summary(
    db: AsyncSession,
    topic: Topic,
    *,
    refresh: bool = False,
    version: str | None = None,
    store: bool = False,
) -> CachedSummary:
    """The topic's summary from the cache, recomputed when its data changed.

    ``version`` is the topic's :func:`data_version` when the caller has just computed it.
    Reads never write: a recomputed summary is kept in this process (``_recent``) and stored
    only when ``store`` is set, by requests that change something (publishing, erasing).
    """
    row = await db.scalar(select(TopicSummary).where(TopicSummary.topic_id == topic.id))
    if row is not None and row.content and topic.assembly.personal_data_erased_at is not None:
        # Stored just before the personal data was erased, and kept as it was from then on.
        return CachedSummary(row.content, row.data_version, recomputed=False)
    version = version or await data_version(db, topic)
    if row is not None and row.data_version == version and not refresh and row.content:
        return CachedSummary(row.content, version, recomputed=False)
    # Readers who arrive while this process computes the same version wait for that result
    # instead of each computing it again: after one change, a busy summary page would
    # otherwise start a computation per waiting reader.
    key = (db.get_bind().engine.url.render_as_string(hide_password=True), topic.id, version)
    recent = None if refresh else _recent.get(key)
    if recent is not None:
        if store:
            await _store(db, topic, version, recent, row)
        return CachedSummary(recent, version, recomputed=False)
    pending = _computing.get(key)
    if pending is not None and not refresh:
        try:
            return CachedSummary(await asyncio.shield(pending), version, recomputed=False)
        except Exception:  # noqa: S110  (that computation failed: try it here, below)
            pass
    future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    _computing[key] = future
    try:
        content = await compute_topic_summary(db, topic)
    except BaseException as exc:
        # Waiters get an error, never a cancellation, and then compute it themselves.
        future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
        future.exception()  # retrieved here, so an unwaited failure is not reported twice
        raise
    else:
        future.set_result(content)
    finally:
        if _computing.get(key) is future:
            del _computing[key]
    _recent.put(key, content)
    if store:
        await _store(db, topic, version, content, row)
    return CachedSummary(content, version, recomputed=True)


_computing: dict[tuple[str, int, str], asyncio.Future[dict[str, Any]]] = {}
# Summaries computed by reads in this process, by (database, topic, data version).
RECENT_SUMMARIES = 64
_recent: LruCache[dict[str, Any]] = LruCache(RECENT_SUMMARIES)


async def _store(
    db: AsyncSession,
    topic: Topic,
    version: str,
    content: dict[str, Any],
    row: TopicSummary | None,
) -> None:
    """Keep the computed summary; a failure to store (a busy database) only costs a recompute."""
    try:
        async with db.begin_nested():
            if row is None:
                db.add(TopicSummary(topic_id=topic.id, data_version=version, content=content))
            else:
                row.data_version = version
                row.content = content
            await db.flush()
    except (IntegrityError, OperationalError) as exc:
        logger.info("Summary of topic %s not cached: %s", topic.id, exc)


# --------------------------------------------------------------------------- the assembly summary


async def assembly_summary(
    db: AsyncSession, assembly: Assembly, topics: Sequence[Topic]
) -> dict[str, Any]:
    """The assembly's participation and the summary of each of ``topics``, in their order."""
    channels = dict(
        (
            await db.execute(
                select(Participant.channel, func.count())
                .where(Participant.assembly_id == assembly.id)
                .group_by(Participant.channel)
            )
        )
        .tuples()
        .all()
    )
    participants = sum(channels.values())
    invited = int(assembly.invited_count or 0)
    summaries: list[dict[str, Any]] = []
    for topic in topics:
        summary = await get_topic_summary(db, topic)
        summaries.append({"topic_id": topic.id, "slug": topic.slug, "content": summary.content})
    ballots = [s["content"]["participation"]["ballots"] for s in summaries]
    return {
        "participation": {
            "participants": participants,
            "online": int(channels.get("online", 0)),
            "paper": int(channels.get("paper", 0)),
            "invited": invited,
            "joined_share": share(participants, invited),
            "topics": len(summaries),
            "ballots": sum(ballots),
        },
        "representativeness": await representativeness_data(db, assembly),
        "topics": summaries,
    }


# --------------------------------------------------------------------------- publishing


async def publish_summary(db: AsyncSession, topic: Topic, actor_id: int | None) -> CachedSummary:
    """Make the topic's summary public (once voting has closed), computing it first."""
    if topic.phase not in SUMMARY_PHASES:
        raise InvalidInput({"": _l("The summary can be published once voting has closed.")})
    summary = await get_topic_summary(db, topic, store=True)
    if not topic.summary_published:
        topic.summary_published = True
        await record_event(
            db,
            "summary.published",
            actor_kind="account",
            actor_id=actor_id,
            assembly_id=topic.assembly_id,
            subject=topic,
            data_version=summary.data_version,
        )
    return summary


async def withdraw_summary(db: AsyncSession, topic: Topic, actor_id: int | None) -> None:
    """Take the summary back: only facilitators see it again."""
    if not topic.summary_published:
        return
    topic.summary_published = False
    await record_event(
        db,
        "summary.withdrawn",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=topic,
    )


async def save_facilitator_notes(
    db: AsyncSession, topic: Topic, notes: str, actor_id: int | None
) -> None:
    """Store the facilitator's narrative (plain text) shown at the top of the summary."""
    cleaned = normalise_text(notes)
    if len(cleaned) > NOTES_MAX:
        raise InvalidInput({"notes": _l("The notes can have at most 10,000 characters.")})
    if cleaned == (topic.facilitator_notes or ""):
        return
    topic.facilitator_notes = cleaned
    await record_event(
        db,
        "summary.notes_saved",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=topic.assembly_id,
        subject=topic,
        length=len(cleaned),
    )
