"""The ballots of an export: one pass over the closed topics' ballots, in random-id order,
writing the ballots table and each topic's ballot files (JSON, and BLT for rankings) together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from sqlalchemy import func, select

from assembly.ballots.services import _remap, ballot_options, option_targets
from assembly.db.models import (
    Ballot,
    Topic,
)
from assembly.db.models.participants import CHANNELS
from assembly.exports import blt
from assembly.exports.base import (
    ExportBase,
    TopicData,
)
from assembly.exports.streaming import (
    Spool,
    csv_quoted,
    decode_json,
    driver_rows,
    encode_json,
)
from assembly.voting import METHODS, InvalidBallot, InvalidParameters, ballot_check

# Distinct ballot texts remembered per topic, so identical ballots are checked once.
BALLOT_CACHE_LIMIT = 50_000


def ballot_checker(
    method: str, options: Sequence[str], seats: int, params: dict[str, Any]
) -> Callable[[Any], object] | None:
    """The voting engine's check of one ballot; None when the parameters themselves are
    invalid: then no ballot can be counted."""
    try:
        return ballot_check(method, options, seats, params)
    except InvalidParameters:
        return None


def unchanged_by_remap(state: BallotState, content: Any) -> bool:
    """Whether the remap would return this list as it is: distinct options of the ballot, none
    merged away (the common case, checked at C speed instead of option by option)."""
    if type(content) is not list or state.kind not in ("ranking", "approval"):
        return False
    try:
        distinct = set(content)
    except TypeError:  # an unhashable item: not a ballot the remap keeps
        return False
    return len(distinct) == len(content) and distinct <= state.kept


def plainly_valid(state: BallotState, ballot: Any) -> bool:
    """After the remap a list holds distinct options of the ballot only, so for rankings and
    approvals the engine's full check reduces to this (a test holds the two equal)."""
    if type(ballot) is not list:
        return False
    if state.kind == "ranking":
        return True
    limit = state.max_approvals
    return state.kind == "approval" and (limit is None or len(ballot) <= limit)


def max_approvals(params: dict[str, Any]) -> int | None:
    limit = params.get("max_approvals")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else None


def unique_names(names: list[str], options: list[str]) -> list[str]:
    """Candidate names for BLT: the proposal titles, with the id added where titles repeat."""
    repeated = {n for n in names if names.count(n) > 1}
    return [f"{n} (#{o})" if n in repeated else n for n, o in zip(names, options, strict=True)]


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
    check: Callable[[Any], object] | None
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


class BallotFiles(ExportBase):
    """The ballots table and the per-topic ballot files."""

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
            row = await self._topic(topic.id)
            on_ballot = await ballot_options(self.db, row)
            options = list(on_ballot.ids)
            info = METHODS.get(topic.method)
            kind = info.ballot if info else "approval"
            targets = await option_targets(self.db, row)
            hide = any(0 < channel_counts[(topic.id, c)] < self.options.k for c in CHANNELS)
            if hide:
                self.suppressed.append(("ballots", f"topic {topic.id}/channel", "primary"))
            state = BallotState(
                topic=topic,
                options=options,
                names=unique_names([label for _id, label in on_ballot], options),
                targets=targets,
                kind=kind,
                check=ballot_checker(topic.method, options, topic.seats, topic.params)
                if info and options
                else None,
                number={o: f"{i} " for i, o in enumerate(options, start=1)},
                hide_channel=hide,
                max_approvals=max_approvals(topic.params),
                kept=frozenset(o for o in options if targets.get(o) == o),
                json_spool=Spool(f"ballots/{topic.slug}.json"),
                blt_spool=Spool(f"ballots/{topic.slug}.blt") if kind == "ranking" else None,
            )
            state.json_spool.write(
                b'{"method":'
                + encode_json(topic.method)
                + b',"options":'
                + encode_json(options)
                + b',"seats":'
                + encode_json(topic.seats)
                + b',"params":'
                + encode_json(topic.params)
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
            async for batch in driver_rows(self.db, sqlite_sql, postgres_sql, params):
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
        found: Counted = (None, None, None, f"{csv_quoted(raw)},false,\n")
        if state.check is not None:
            try:
                content = decode_json(raw)
                ballot = content if unchanged_by_remap(state, content) else None
                if ballot is None:
                    ballot = _remap(state.kind, content, state.targets)
                # After the remap a list holds distinct options of the ballot only, so for
                # these kinds the full check reduces to this (tests hold it to the engine's).
                if not plainly_valid(state, ballot):
                    state.check(ballot)
            except (InvalidBallot, InvalidParameters, msgspec.DecodeError):
                pass
            else:
                encoded = encode_json(ballot)
                line = None
                if state.kind == "ranking":
                    line = ("1 " + "".join(map(state.number.__getitem__, ballot)) + "0\n").encode()
                text = encoded.decode()
                found = (text, encoded, line, f"{csv_quoted(raw)},true,{csv_quoted(text)}\n")
        if len(state.cache) >= BALLOT_CACHE_LIMIT:
            state.cache.clear()
        state.cache[raw] = found
        return found
