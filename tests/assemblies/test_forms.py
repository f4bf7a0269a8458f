"""The assembly form's readers: demographic questions, time zones and local times."""

from __future__ import annotations

import datetime as dt

import pytest

from assembly.assemblies.forms import (
    QuestionsError,
    apply_question_action,
    is_valid_time_zone,
    keep_option_values,
    parse_local_date_end,
    parse_local_datetime,
    parse_questions,
    question_values,
    time_zone_groups,
    to_local_input,
)


def test_questions_round_trip_through_the_builder() -> None:
    stored = [
        {"key": "age", "label": "Age group", "options": ["Under 30", "30–59", "60+"]},
        {"key": "area", "label": "Where?", "options": ["North", "South"], "optional": False},
    ]
    values = question_values(stored)
    assert values["dq-count"] == "2"
    assert values["dq-0-options"] == "Under 30\n30–59\n60+"
    assert parse_questions(values) == [
        {**stored[0], "optional": True},  # older data: every question could be skipped
        stored[1],
    ]
    assert parse_questions({"dq-count": "1", "dq-0-label": " ", "dq-0-options": ""}) == []
    moved = apply_question_action(values, "down:0")
    assert [q["key"] for q in parse_questions(moved)] == ["area", "age"]
    assert parse_questions(apply_question_action(values, "remove:1")) == [
        {**stored[0], "optional": True}
    ]
    assert apply_question_action(values, "add")["dq-count"] == "3"


def test_keys_are_made_from_the_question() -> None:
    values = {
        "dq-count": "2",
        "dq-0-label": "Hvor bor du på Øya?",
        "dq-0-options": "Nord\nSør",
        "dq-1-label": "Hvor bor du på Øya?",
        "dq-1-options": "Ja\nNei",
    }
    assert [q["key"] for q in parse_questions(values)] == [
        "hvor_bor_du_pa_oya",
        "hvor_bor_du_pa_oya_2",
    ]


@pytest.mark.parametrize(
    ("part", "text", "message"),
    [
        ("options", "only one", "Give between 2 and 30 answers"),
        ("options", "a\nA", "An answer is given twice."),
        ("options", "a\n" + "b" * 101, "at most 100 characters"),
        ("label", "x" * 201, "at most 200 characters"),
        ("key", "1age", "Start with a small letter"),
    ],
)
def test_question_errors_name_the_field(part: str, text: str, message: str) -> None:
    values = {"dq-count": "1", "dq-0-label": "Age", "dq-0-options": "a\nb", f"dq-0-{part}": text}
    with pytest.raises(QuestionsError) as caught:
        parse_questions(values)
    assert message in str(caught.value.errors[f"dq-0-{part}"])


def test_time_zone_select_puts_the_country_first() -> None:
    first, rest = time_zone_groups("Europe/Oslo", "nb", "nb")
    assert first == [("Europe/Oslo", "Europe/Oslo – tidssone for Norge")]
    assert ("America/New_York", "America/New_York – USA (New York)-tid") in rest or any(
        zone == "America/New_York" for zone, _label in rest
    )
    first, _rest = time_zone_groups("America/Chicago", "en", "en")
    assert "America/New_York" in dict(first)
    assert "Europe/Oslo" not in dict(first)
    # Without a zone, the language's country: Norwegian gives Norway.
    assert [z for z, _label in time_zone_groups("", "nb", "en")[0]] == ["Europe/Oslo"]
    # An old alias stored before stays choosable.
    assert time_zone_groups("US/Eastern", "en", "en")[0][0] == ("US/Eastern", "US/Eastern")


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


def test_stored_answer_values_survive_an_edit() -> None:
    stored = [{"key": "area", "label": "Where?", "options": [{"value": "n", "label": "North"}]}]
    values = question_values(stored)
    values["dq-0-options"] += "\nSouth"
    questions = keep_option_values(parse_questions(values), stored)
    assert questions[0]["options"] == [{"value": "n", "label": "North"}, "South"]
