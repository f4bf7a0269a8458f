"""What a topic summary is computed from: each part read from the database as plain data.

:mod:`assembly.summaries.services` puts the parts together, fingerprints and caches them; the
module docstring there describes the summary's content, its strongest-argument rule and why
reactions are read through the database driver.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Final

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.ballots.services import compute_result, stored_result
from assembly.catalogue.data import load_catalogue
from assembly.catalogue.matching import PracticeMatch, PracticeMatcher
from assembly.db.models import (
    Argument,
    Assembly,
    Ballot,
    BallotVoter,
    InviteCode,
    PanelMember,
    Participant,
    Proposal,
    Reaction,
    SortitionSelection,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.summaries.opinion_groups import OpinionGroupsResult
from assembly.summaries.representativeness import (
    norm,
    representativeness,
    withhold_small_counts,
)
from assembly.voting import InvalidBallot, InvalidParameters, TallyResult

logger = logging.getLogger("assembly.summaries")


ARGUMENTS_PER_SIDE: Final = 2
PRACTICES_PER_TEXT: Final = 3
SCATTER_POINTS: Final = 2000

INDEX_SCAN_RATIO: Final = 8
"""On SQLite, reactions are read through the index when the topic has fewer than 1/8 of all."""


def iso(moment: Any) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    return str(moment)


def share(part: int | float, whole: int | float) -> float | None:
    return float(part) / float(whole) if whole else None


def rounded(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


# --------------------------------------------------------------------------- reading data


@dataclass(frozen=True)
class ProposalRow:
    id: int
    title: str
    body: str
    status: str
    participant_id: int | None
    author: str


async def read_proposals(db: AsyncSession, topic: Topic) -> list[ProposalRow]:
    rows = await db.execute(
        select(
            Proposal.id,
            Proposal.title,
            Proposal.body,
            Proposal.status,
            Proposal.participant_id,
            Participant.pseudonym,
        )
        .outerjoin(Participant, Participant.id == Proposal.participant_id)
        .where(Proposal.topic_id == topic.id)
        .order_by(Proposal.created_at, Proposal.id)
    )
    return [
        ProposalRow(pid, title, body or "", status, author_id, pseudonym or "")
        for pid, title, body, status, author_id, pseudonym in rows.tuples()
    ]


_REACTIONS_SQL = (
    "SELECT r.participant_id, r.proposal_id, "
    "CASE r.reaction WHEN 'agree' THEN 1 WHEN 'disagree' THEN -1 ELSE 0 END "
    "FROM reactions AS r "
    "WHERE {key} IN (SELECT p.id FROM proposals AS p WHERE p.topic_id = {param})"
)


async def reaction_rows(db: AsyncSession, topic_id: int) -> list[tuple[int, int, int]]:
    """(participant id, proposal id, +1/-1/0) of every reaction to the topic's proposals.

    One query of three columns, fetched by the driver itself (see the module docstring).
    """
    connection = await db.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        in_topic = (
            await db.scalar(
                select(func.count(Reaction.id)).where(
                    Reaction.proposal_id.in_(
                        select(Proposal.id).where(Proposal.topic_id == topic_id)
                    )
                )
            )
            or 0
        )
        total = await db.scalar(select(func.max(Reaction.id))) or 0
        scan = in_topic > 0 and in_topic * INDEX_SCAN_RATIO >= total
        sql = _REACTIONS_SQL.format(key="+r.proposal_id" if scan else "r.proposal_id", param="?")
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if hasattr(driver, "execute_fetchall"):
            rows = await driver.execute_fetchall(sql, (topic_id,))
            return rows if isinstance(rows, list) else list(rows)
    elif dialect == "postgresql":
        raw = await connection.get_raw_connection()
        pg_driver: Any = raw.driver_connection
        if hasattr(pg_driver, "fetch"):
            records = await pg_driver.fetch(
                _REACTIONS_SQL.format(key="r.proposal_id", param="$1"), topic_id
            )
            return [(record[0], record[1], record[2]) for record in records]
    result = await db.execute(
        text(_REACTIONS_SQL.format(key="r.proposal_id", param=":topic")), {"topic": topic_id}
    )
    return [(int(a), int(b), int(c)) for a, b, c in result.tuples()]


async def read_result(db: AsyncSession, topic: Topic) -> tuple[TallyResult | None, str | None]:
    """The tally recorded when results or ballots were published, else a fresh count; or why
    there is none. (After the close no ballot can change, so the record is the count.)"""
    if topic.phase == "published" or (topic.phase == "closed" and topic.ballots_published):
        stored = stored_result(topic)
        if stored is not None:
            return stored, None
    try:
        return await compute_result(db, topic), None
    except (InvalidParameters, InvalidBallot) as exc:
        logger.warning("Topic %s cannot be counted: %s", topic.id, exc)
        return None, "invalid_setup"


# --------------------------------------------------------------------------- participation


async def participation_data(
    db: AsyncSession,
    topic: Topic,
    proposals: list[ProposalRow],
    argument_rows: list[Any],
    reactions: list[tuple[int, int, int]],
    reactors: set[int],
    counted_ballots: int | None,
) -> dict[str, Any]:
    assembly = topic.assembly
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
    ballot_channels = dict(
        (
            await db.execute(
                select(Ballot.channel, func.count())
                .where(Ballot.topic_id == topic.id)
                .group_by(Ballot.channel)
            )
        )
        .tuples()
        .all()
    )
    voters: set[int | None] = set(
        (
            await db.scalars(
                select(BallotVoter.participant_id).where(BallotVoter.topic_id == topic.id)
            )
        ).all()
    )
    voters |= set(
        (
            await db.scalars(
                select(Ballot.participant_id).where(
                    Ballot.topic_id == topic.id, Ballot.participant_id.is_not(None)
                )
            )
        ).all()
    )
    active = set(reactors)
    active.update(p.participant_id for p in proposals if p.participant_id is not None)
    active.update(a.participant_id for a in argument_rows if a.participant_id is not None)
    active.update(v for v in voters if v is not None)
    # agree, disagree and pass counted with numpy: a million rows in a few milliseconds.
    votes = np.fromiter(map(itemgetter(2), reactions), np.int64, len(reactions))
    kinds = dict(zip((-1, 0, 1), np.bincount(votes + 1, minlength=3).tolist(), strict=True))
    status = Counter(p.status for p in proposals)
    visible_arguments = [a for a in argument_rows if a.status == "visible"]
    ballots = sum(ballot_channels.values())
    participants = sum(channels.values())
    invited = int(assembly.invited_count or 0)
    return {
        "participants": participants,
        "online": int(channels.get("online", 0)),
        "paper": int(channels.get("paper", 0)),
        "active": len(active),
        "reacting": len(reactors),
        "proposals": int(status.get("visible", 0)),
        "proposals_hidden": int(status.get("hidden", 0)),
        "proposals_merged": int(status.get("merged", 0)),
        "arguments": len(visible_arguments),
        "arguments_pro": sum(1 for a in visible_arguments if a.stance == "pro"),
        "arguments_con": sum(1 for a in visible_arguments if a.stance == "con"),
        "reactions": len(reactions),
        "agree": int(kinds.get(1, 0)),
        "disagree": int(kinds.get(-1, 0)),
        "pass": int(kinds.get(0, 0)),
        "ballots": ballots,
        "ballots_online": int(ballot_channels.get("online", 0)),
        "ballots_paper": int(ballot_channels.get("paper", 0)),
        "ballots_counted": counted_ballots,
        "ballots_set_aside": max(ballots - counted_ballots, 0)
        if counted_ballots is not None
        else 0,
        "invited": invited,
        "turnout": share(ballots, invited),
        "joined_share": share(participants, invited),
    }


# --------------------------------------------------------------------------- representativeness


async def representativeness_data(db: AsyncSession, assembly: Assembly) -> dict[str, Any] | None:
    answers = (
        await db.scalars(
            select(Participant.demographics).where(
                Participant.assembly_id == assembly.id,
                Participant.demographics_consent.is_(True),
            )
        )
    ).all()
    participants = await db.scalar(
        select(func.count(Participant.id)).where(Participant.assembly_id == assembly.id)
    )
    selection = await db.scalar(
        select(SortitionSelection)
        .where(SortitionSelection.assembly_id == assembly.id, SortitionSelection.status == "drawn")
        .order_by(SortitionSelection.id.desc())
        .limit(1)
    )
    quotas: list[Mapping[str, Any]] = []
    panel_size = 0
    panel_counts: dict[tuple[str, str], int] = {}
    panel: dict[str, int] | None = None
    if selection is not None:
        quotas = [q for q in selection.quotas or [] if isinstance(q, Mapping)]
        panel_size = int(selection.panel_size or 0)
        for row in (selection.result or {}).get("quota_table", []) or []:
            if isinstance(row, Mapping) and "feature" in row and "value" in row:
                panel_counts[(norm(row["feature"]), norm(row["value"]))] = int(
                    row.get("selected", 0) or 0
                )
        members = (
            (
                await db.execute(
                    select(PanelMember.status, InviteCode.used_at)
                    .outerjoin(InviteCode, InviteCode.id == PanelMember.invite_code_id)
                    .where(PanelMember.selection_id == selection.id)
                )
            )
            .tuples()
            .all()
        )
        seated = [used for status, used in members if status in ("selected", "replacement")]
        panel = {"members": len(seated), "joined": sum(1 for used in seated if used is not None)}
    data = representativeness(
        assembly.demographic_questions or [],
        answers,
        quotas,
        panel_size,
        panel_counts,
        participants=int(participants or 0),
    )
    if data is not None:
        data["panel"] = panel
    return withhold_small_counts(data)


# --------------------------------------------------------------------------- results


# --------------------------------------------------------------------------- opinion groups


def _thin(points: Sequence[Any], limit: int) -> list[Any]:
    if len(points) <= limit:
        return list(points)
    step = len(points) / limit
    return [points[int(i * step)] for i in range(limit)]


def opinion_data(result: OpinionGroupsResult) -> dict[str, Any]:
    """The opinion groups without member lists, the scatter thinned to SCATTER_POINTS."""
    points = _thin(result.points, SCATTER_POINTS)
    return {
        "reason": result.reason,
        "seed": result.seed,
        "k": result.k,
        "silhouette": None if result.silhouette is None else rounded(result.silhouette),
        "participants_total": result.participants_total,
        "participants_clustered": result.participants_clustered,
        "proposals_considered": result.proposals_considered,
        "reactions_counted": result.reactions_counted,
        "points": [[rounded(x), rounded(y), group] for _, x, y, group in points],
        "points_total": len(result.points),
        "groups": [
            {
                "label": g.label,
                "size": g.size,
                "centre": [rounded(g.centre[0]), rounded(g.centre[1])],
                "representative": [
                    {
                        "proposal_id": str(r.proposal_id),
                        "direction": r.direction,
                        "p": rounded(r.p),
                        "agree": r.agree_count,
                        "disagree": r.disagree_count,
                        "seen": r.seen_count,
                        "r": rounded(r.r),
                    }
                    for r in g.representative
                ],
            }
            for g in result.groups
        ],
        "consensus": [
            {
                "proposal_id": str(c.proposal_id),
                "direction": c.direction,
                "p": rounded(c.p),
                "agree": c.agree_count,
                "disagree": c.disagree_count,
                "seen": c.seen_count,
                "in_every_group": c.in_every_group,
            }
            for c in [*result.consensus_agree, *result.consensus_disagree]
        ],
        "group_consensus": [
            {
                "proposal_id": str(c.proposal_id),
                "gac": rounded(c.group_informed_consensus),
                "shares": {k: rounded(v) for k, v in c.group_agree_shares.items()},
                "agree_share": rounded(c.agree_share),
            }
            for c in result.group_consensus
        ],
        "min_group_size": result.min_group_size,
        "divisive": [
            {
                "proposal_id": str(d.proposal_id),
                "shortfall": rounded(d.shortfall),
                "spread": rounded(d.spread),
                "most": d.most_agreeing_group,
                "least": d.least_agreeing_group,
                "shares": {k: rounded(v) for k, v in d.group_agree_shares.items()},
                "agree_share": rounded(d.agree_share),
            }
            for d in result.divisive
        ],
    }


# --------------------------------------------------------------------------- arguments


async def read_argument_rows(db: AsyncSession, topic: Topic) -> list[Any]:
    rows = await db.execute(
        select(
            Argument.id,
            Argument.proposal_id,
            Argument.participant_id,
            Argument.stance,
            Argument.body,
            Argument.status,
            Argument.created_at,
            Participant.pseudonym,
        )
        .join(Proposal, Proposal.id == Argument.proposal_id)
        .outerjoin(Participant, Participant.id == Argument.participant_id)
        .where(Proposal.topic_id == topic.id)
        .order_by(Argument.created_at, Argument.id)
    )
    return list(rows.all())


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


async def strongest_arguments(
    db: AsyncSession, argument_rows: list[Any], proposal_ids: list[int]
) -> list[dict[str, Any]]:
    """The strongest visible pro and con arguments of each proposal (see the docstring)."""
    if not proposal_ids:
        return []
    reactions = (
        (
            await db.execute(
                select(
                    Reaction.proposal_id,
                    Reaction.participant_id,
                    Reaction.reaction,
                    Reaction.updated_at,
                ).where(Reaction.proposal_id.in_(proposal_ids))
            )
        )
        .tuples()
        .all()
    )
    by_proposal: dict[int, list[tuple[int, str, dt.datetime | None]]] = {}
    for proposal_id, participant_id, reaction, updated_at in reactions:
        by_proposal.setdefault(proposal_id, []).append(
            (participant_id, reaction, _aware(updated_at))
        )
    result = []
    for proposal_id in proposal_ids:
        marks = by_proposal.get(proposal_id, [])
        sides: dict[str, list[dict[str, Any]]] = {"pro": [], "con": []}
        candidates = [
            a for a in argument_rows if a.proposal_id == proposal_id and a.status == "visible"
        ]
        for argument in candidates:
            wanted = "agree" if argument.stance == "pro" else "disagree"
            posted = _aware(argument.created_at)
            support = sum(
                1
                for participant_id, reaction, moment in marks
                if reaction == wanted
                and participant_id != argument.participant_id
                and (posted is None or moment is None or moment >= posted)
            )
            sides.setdefault(argument.stance, []).append(
                {
                    "id": argument.id,
                    "body": argument.body,
                    "author": argument.pseudonym or "",
                    "support": support,
                    "posted": iso(argument.created_at),
                    "order": len(sides.get(argument.stance, [])),
                }
            )
        chosen: dict[str, Any] = {"proposal_id": str(proposal_id)}
        for stance, items in sides.items():
            items.sort(key=lambda item: (-item["support"], item["order"]))
            chosen[stance] = [
                {k: v for k, v in item.items() if k != "order"}
                for item in items[:ARGUMENTS_PER_SIDE]
            ]
            chosen[f"{stance}_total"] = len(items)
        result.append(chosen)
    return result


# --------------------------------------------------------------------------- practices


def _practice_entry(match: PracticeMatch) -> dict[str, Any]:
    practice = load_catalogue().get_practice(match.practice_slug)
    return {
        "slug": match.practice_slug,
        "title_en": practice.title_en if practice else match.practice_slug,
        "title_nb": practice.title_nb if practice else match.practice_slug,
        "kind": practice.kind if practice else "",
        "place_en": practice.place if practice else "",
        "place_nb": practice.place_nb if practice else "",
        "score": rounded(match.score),
        "text_score": rounded(match.text_score),
        "area_score": rounded(match.area_score),
        "shared_area": match.shared_area,
        "shared_terms": list(match.shared_terms),
        "reason_en": match.reason_en,
        "reason_nb": match.reason_nb,
    }


def practices_data(
    matcher: PracticeMatcher,
    topic_text: tuple[str, str],
    winners: Sequence[tuple[str, str, str]],
    language: str,
    area: str | None,
) -> dict[str, Any]:
    """Related practices for the topic (question, background) and each winner (id, title, body)."""
    if area is not None and matcher.catalogue.get_area(area) is None:
        area = None
    topic_matches = matcher.match_topic(
        topic_text[0], topic_text[1], language, area, limit=PRACTICES_PER_TEXT
    )
    return {
        "area": area,
        "language": language,
        "topic": [_practice_entry(m) for m in topic_matches],
        "proposals": {
            proposal_id: [
                _practice_entry(m)
                for m in matcher.match_proposal(
                    title, body, language, area, limit=PRACTICES_PER_TEXT
                )
            ]
            for proposal_id, title, body in winners
        },
    }


# --------------------------------------------------------------------------- table notes


async def table_notes_data(
    db: AsyncSession, assembly: Assembly, proposal_ids: set[int]
) -> list[Any]:
    rows = await db.execute(
        select(TableNote, TablePlan.name)
        .join(TablePlan, TablePlan.id == TableNote.table_plan_id)
        .where(TablePlan.assembly_id == assembly.id)
        .order_by(TablePlan.id, TableNote.round_number, TableNote.table_number, TableNote.id)
    )
    notes = []
    for note, plan_name in rows.tuples():
        about = [int(p) for p in note.proposal_ids or [] if str(p).isdigit()]
        related = [p for p in about if p in proposal_ids]
        if not related:
            continue
        notes.append(
            {
                "plan": plan_name or "",
                "round": note.round_number,
                "table": note.table_number,
                "key_points": note.key_points or "",
                "agreements": note.agreements or "",
                "dissent": note.dissent or "",
                "proposal_ids": [str(p) for p in related],
            }
        )
    return notes
