"""Polis-compatible CSV files for one topic's reactions.

Polis calls a statement a *comment* and a reaction a *vote*. Its report export has four files,
reproduced here column for column:

* ``comments.csv``: ``timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,
  comment-body``; the body always in double quotes (quotes doubled inside).
* ``votes.csv``: ``timestamp,datetime,comment-id,voter-id,vote``, ordered by comment then voter.
* ``participants-votes.csv``: ``participant,group-id,n-comments,n-votes,n-agree,n-disagree``
  and then one column per comment id (ascending); one row per participant who voted, ordered
  by participant; an empty cell where the participant did not vote on that comment.
* ``summary.csv``: ``key,value`` rows with no header (topic, url, voters, voters-in-conv,
  commenters, comments, groups, conversation-description), no newline after the last row.

Votes are 1 = agree, -1 = disagree, 0 = pass. ``timestamp`` is whole seconds since the Unix
epoch and ``datetime`` is the JavaScript ``Date.toString()`` form Polis prints, in UTC.
``moderated`` is 1 (accepted), 0 (not moderated) or -1 (moderated out).

The lines are written by hand rather than with the csv module because Polis quotes the
comment body always and nothing else, and tools that read these files rely on that layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from assembly.csv_cells import escape_text

VOTES = {"agree": 1, "disagree": -1, "pass": 0}
COMMENTS_HEADER = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTES_HEADER = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANTS_VOTES_HEADER = (
    "participant",
    "group-id",
    "n-comments",
    "n-votes",
    "n-agree",
    "n-disagree",
)
SUMMARY_KEYS = (
    "topic",
    "url",
    "voters",
    "voters-in-conv",
    "commenters",
    "comments",
    "groups",
    "conversation-description",
)
# Polis includes a participant in its opinion map once they have voted on this many comments
# (or on every comment, when there are fewer).
MIN_VOTES_IN_CONVERSATION = 7
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def vote_value(reaction: str) -> int:
    """agree -> 1, disagree -> -1, pass -> 0."""
    return VOTES[reaction]


def quoted(text: str) -> str:
    """A quoted text cell, escaped so no spreadsheet runs it as a formula."""
    return '"' + escape_text(text).replace('"', '""') + '"'


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def unix_seconds(moment: dt.datetime) -> int:
    return int(_utc(moment).timestamp())


def js_datetime(moment: dt.datetime) -> str:
    """JavaScript's ``Date.toString()`` in UTC: "Mon Jan 15 2024 10:00:00 GMT+0000 (...)"."""
    m = _utc(moment)
    return (
        f"{_DAYS[m.weekday()]} {_MONTHS[m.month - 1]} {m.day:02d} {m.year:04d} "
        f"{m.hour:02d}:{m.minute:02d}:{m.second:02d} GMT+0000 (Coordinated Universal Time)"
    )


@dataclass(frozen=True)
class PolisComment:
    comment_id: int
    author_id: int
    created: dt.datetime
    body: str
    moderated: int
    agrees: int
    disagrees: int


@dataclass(frozen=True)
class PolisVote:
    comment_id: int
    voter_id: int
    vote: int
    modified: dt.datetime


@dataclass(frozen=True)
class PolisSummary:
    topic: str
    url: str
    voters: int
    voters_in_conv: int
    commenters: int
    comments: int
    groups: int
    description: str


def comments_csv(comments: Iterable[PolisComment]) -> Iterator[str]:
    yield ",".join(COMMENTS_HEADER) + "\n"
    for c in comments:
        yield (
            f"{unix_seconds(c.created)},{js_datetime(c.created)},{c.comment_id},{c.author_id},"
            f"{c.agrees},{c.disagrees},{c.moderated},{quoted(c.body)}\n"
        )


def votes_csv(votes: Iterable[PolisVote]) -> Iterator[str]:
    """The votes, which the caller passes ordered by comment id and then voter id."""
    yield ",".join(VOTES_HEADER) + "\n"
    for v in votes:
        yield (
            f"{unix_seconds(v.modified)},{js_datetime(v.modified)},{v.comment_id},"
            f"{v.voter_id},{v.vote}\n"
        )


class VoteMatrix:
    """Each participant's vote on each comment, one byte per pair, for participants-votes.csv.

    A byte per (participant, comment) keeps a topic with a million reactions to about a
    megabyte, where a dict per participant would take a hundred times more.
    """

    _CODES: ClassVar[dict[int, int]] = {1: 1, -1: 2, 0: 3}
    _VALUES: ClassVar[tuple[int | None, ...]] = (None, 1, -1, 0)

    def __init__(self, comment_ids: Sequence[int]) -> None:
        self.comment_ids = sorted(comment_ids)
        self._column = {cid: i for i, cid in enumerate(self.comment_ids)}
        self._rows: dict[int, bytearray] = {}

    def add(self, participant: int, comment_id: int, vote: int) -> None:
        column = self._column.get(comment_id)
        if column is None:
            return
        row = self._rows.get(participant)
        if row is None:
            row = self._rows[participant] = bytearray(len(self.comment_ids))
        row[column] = self._CODES[vote]

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> Iterator[tuple[int, list[int | None]]]:
        for participant in sorted(self._rows):
            yield participant, [self._VALUES[code] for code in self._rows[participant]]

    def voters_in_conversation(self, active_comments: int | None = None) -> int:
        """Participants who voted on enough comments to count in Polis's opinion map."""
        total = len(self.comment_ids) if active_comments is None else active_comments
        needed = max(1, min(MIN_VOTES_IN_CONVERSATION, total))
        return sum(1 for row in self._rows.values() if len(row) - row.count(0) >= needed)


def participants_votes_csv(
    matrix: VoteMatrix,
    comment_counts: dict[int, int],
    groups: dict[int, int] | None = None,
) -> Iterator[str]:
    """One row per participant who voted; ``comment_counts`` gives comments written."""
    yield ",".join([*PARTICIPANTS_VOTES_HEADER, *(str(c) for c in matrix.comment_ids)]) + "\n"
    for participant, votes in matrix.rows():
        cast = [v for v in votes if v is not None]
        group = (groups or {}).get(participant)
        cells = [
            str(participant),
            "" if group is None else str(group),
            str(comment_counts.get(participant, 0)),
            str(len(cast)),
            str(cast.count(1)),
            str(cast.count(-1)),
            *("" if v is None else str(v) for v in votes),
        ]
        yield ",".join(cells) + "\n"


def summary_csv(summary: PolisSummary) -> str:
    values: list[str] = [
        quoted(summary.topic),
        summary.url,
        str(summary.voters),
        str(summary.voters_in_conv),
        str(summary.commenters),
        str(summary.comments),
        str(summary.groups),
        quoted(summary.description),
    ]
    return "\n".join(f"{key},{value}" for key, value in zip(SUMMARY_KEYS, values, strict=True))
