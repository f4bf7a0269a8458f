"""The Polis export layout, column for column."""

from __future__ import annotations

import csv
import datetime as dt
import io

from assembly.exports.polis import (
    PolisComment,
    PolisSummary,
    PolisVote,
    VoteMatrix,
    comments_csv,
    js_datetime,
    participants_votes_csv,
    summary_csv,
    unix_seconds,
    vote_value,
    votes_csv,
)

MOMENT = dt.datetime(2024, 1, 5, 9, 3, 7, 500000, tzinfo=dt.UTC)


def test_votes_follow_the_polis_convention() -> None:
    assert [vote_value(r) for r in ("agree", "disagree", "pass")] == [1, -1, 0]


def test_times_are_unix_seconds_and_javascript_dates_in_utc() -> None:
    assert unix_seconds(MOMENT) == 1704445387
    assert js_datetime(MOMENT) == "Fri Jan 05 2024 09:03:07 GMT+0000 (Coordinated Universal Time)"
    oslo = MOMENT.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert js_datetime(oslo) == js_datetime(MOMENT)


def test_comments_csv_quotes_only_the_body() -> None:
    text = "".join(comments_csv([PolisComment(7, 3, MOMENT, 'Say "yes", then\nmore', 0, 4, 1)]))
    header, row = text.split("\n", 1)
    assert header == (
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
    )
    assert row == (
        "1704445387,Fri Jan 05 2024 09:03:07 GMT+0000 (Coordinated Universal Time),7,3,4,1,0,"
        '"Say ""yes"", then\nmore"\n'
    )
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["comment-body"] == 'Say "yes", then\nmore'


def test_votes_csv_layout() -> None:
    text = "".join(votes_csv([PolisVote(7, 1, -1, MOMENT), PolisVote(7, 2, 0, MOMENT)]))
    lines = text.splitlines()
    assert lines[0] == "timestamp,datetime,comment-id,voter-id,vote"
    assert lines[1].endswith(",7,1,-1")
    assert lines[2].endswith(",7,2,0")


def test_participants_votes_leave_missing_votes_empty() -> None:
    matrix = VoteMatrix([9, 7, 8])
    matrix.add(2, 7, 1)
    matrix.add(2, 9, 0)
    matrix.add(1, 8, -1)
    matrix.add(1, 99, 1)  # not a comment of this conversation: ignored
    text = "".join(participants_votes_csv(matrix, {2: 1}))
    assert text == (
        "participant,group-id,n-comments,n-votes,n-agree,n-disagree,7,8,9\n"
        "1,,0,1,0,1,,-1,\n"
        "2,,1,2,1,0,1,,0\n"
    )
    assert len(matrix) == 2
    assert matrix.voters_in_conversation() == 0  # nobody voted on all three
    assert matrix.voters_in_conversation(2) == 1


def test_summary_is_key_value_rows_without_header_or_final_newline() -> None:
    text = summary_csv(PolisSummary('Our "harbour"', "http://x/t", 5, 3, 2, 4, 0, "Line\nbreak"))
    assert text == (
        'topic,"Our ""harbour"""\n'
        "url,http://x/t\n"
        "voters,5\n"
        "voters-in-conv,3\n"
        "commenters,2\n"
        "comments,4\n"
        "groups,0\n"
        'conversation-description,"Line\nbreak"'
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in rows] == [
        "topic",
        "url",
        "voters",
        "voters-in-conv",
        "commenters",
        "comments",
        "groups",
        "conversation-description",
    ]
