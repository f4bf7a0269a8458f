"""The assembly form's readers: demographic questions, time zones and local times."""

from __future__ import annotations

import datetime as dt

import pytest

from assembly.assemblies.forms import (
    QuestionsError,
    format_demographic_questions,
    is_valid_time_zone,
    parse_demographic_questions,
    parse_local_date_end,
    parse_local_datetime,
    to_local_input,
)


def test_questions_round_trip() -> None:
    text = (
        "# asked after consent\n\n"
        "age: Age group | Under 30 | 30–59 | 60+\n"
        "Area : Where? | North | South\n"
    )
    questions = parse_demographic_questions(text)
    assert questions == [
        {"key": "age", "label": "Age group", "options": ["Under 30", "30–59", "60+"]},
        {"key": "area", "label": "Where?", "options": ["North", "South"]},
    ]
    assert parse_demographic_questions(format_demographic_questions(questions)) == questions
    assert parse_demographic_questions("  \n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no colon here | a | b", "Line 1: start with a short key"),
        ("1age: Age | a | b", "Line 1: start with a short key"),
        ("\nage: Age | only one", "Line 2: give between 2 and 30 answers"),
        ("age: Age | a | b\nage: Again | a | b", "Line 2: the key “age” is used twice"),
        ("age:  | a | b", "Line 1: write the question after the colon"),
        ("age: Age | a | A", "Line 1: an answer is repeated"),
        ("age: Age | a | " + "b" * 101, "at most 100 characters"),
        ("\n".join(f"q{n}: Q | a | b" for n in range(21)), "At most 20 questions"),
    ],
)
def test_question_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(QuestionsError) as caught:
        parse_demographic_questions(text)
    assert message in str(caught.value.message)


def test_time_zones() -> None:
    assert is_valid_time_zone("Europe/Oslo")
    assert is_valid_time_zone("UTC")
    for bad in ("", "Mars/Olympus", "../etc/passwd", "Europe/" + "x" * 70):
        assert not is_valid_time_zone(bad)


def test_local_times_are_read_in_the_assembly_zone() -> None:
    summer = parse_local_datetime("2026-06-01T18:00", "Europe/Oslo")
    winter = parse_local_datetime("2026-01-15T18:00", "Europe/Oslo")
    assert summer == dt.datetime(2026, 6, 1, 16, 0, tzinfo=dt.UTC)
    assert winter == dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC)
    assert parse_local_datetime("2026-06-01 18:00", "America/New_York") == dt.datetime(
        2026, 6, 1, 22, 0, tzinfo=dt.UTC
    )
    assert parse_local_datetime("tomorrow", "Europe/Oslo") is None
    assert to_local_input(summer, "Europe/Oslo") == "2026-06-01T18:00"
    assert to_local_input("2026-01-15T17:00:00+00:00", "Europe/Oslo") == "2026-01-15T18:00"
    assert to_local_input(None, "Europe/Oslo") == ""


def test_a_date_ends_at_local_midnight() -> None:
    assert parse_local_date_end("2026-06-30", "Europe/Oslo") == dt.datetime(
        2026, 6, 30, 22, 0, tzinfo=dt.UTC
    )
    assert parse_local_date_end("30.06.2026", "Europe/Oslo") is None
