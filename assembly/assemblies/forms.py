"""Reading the assembly form: demographic questions, time zones and local times.

Demographic questions are typed in a textarea, one question per line::

    age: Age group | Under 30 | 30–59 | 60 or older
    area: Where do you live? | Centre | Outskirts

The key (small letters, digits and ``_``) names the answer in exports; the label is what
citizens read; the options after each ``|`` are the answers they choose from. A plain
textarea keeps the form usable without JavaScript, where a repeating field group would not be.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assembly.i18n import _l

QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_QUESTIONS = 20
MAX_OPTIONS = 30
MAX_LABEL_LENGTH = 200
MAX_OPTION_LENGTH = 100
DATETIME_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class QuestionsError(ValueError):
    """The questions text cannot be read; ``message`` says where and why, for the person."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def parse_demographic_questions(text: str) -> list[dict[str, Any]]:
    """Questions from the one-per-line format; blank lines and lines starting with # are skipped."""
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, colon, rest = line.partition(":")
        key = key.strip().lower()
        if not colon or not QUESTION_KEY.match(key):
            raise QuestionsError(
                _l(
                    "Line %(line)d: start with a short key and a colon, such as “age:” "
                    "(small letters, digits and _ only).",
                    line=number,
                )
            )
        if key in seen:
            raise QuestionsError(
                _l("Line %(line)d: the key “%(key)s” is used twice.", line=number, key=key)
            )
        parts = [part.strip() for part in rest.split("|")]
        label, options = parts[0], [p for p in parts[1:] if p]
        if not label or len(label) > MAX_LABEL_LENGTH:
            raise QuestionsError(
                _l(
                    "Line %(line)d: write the question after the colon (at most 200 characters).",
                    line=number,
                )
            )
        if len(options) < 2 or len(options) > MAX_OPTIONS:
            raise QuestionsError(
                _l("Line %(line)d: give between 2 and 30 answers, each after a |.", line=number)
            )
        if any(len(option) > MAX_OPTION_LENGTH for option in options):
            raise QuestionsError(
                _l("Line %(line)d: each answer can have at most 100 characters.", line=number)
            )
        if len({option.casefold() for option in options}) != len(options):
            raise QuestionsError(_l("Line %(line)d: an answer is repeated.", line=number))
        seen.add(key)
        questions.append({"key": key, "label": label, "options": options})
    if len(questions) > MAX_QUESTIONS:
        raise QuestionsError(_l("At most 20 questions can be asked."))
    return questions


def format_demographic_questions(questions: list[dict[str, Any]]) -> str:
    """The questions back in the textarea format, so a saved assembly can be edited."""
    return "\n".join(
        " | ".join([f"{q['key']}: {q['label']}", *[str(o) for o in q.get("options", [])]])
        for q in questions
    )


def is_valid_time_zone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_local_datetime(value: str, time_zone: str) -> dt.datetime | None:
    """A ``datetime-local`` value as wall time in ``time_zone``, in UTC (None if unreadable)."""
    text = value.strip()
    for fmt in DATETIME_LOCAL_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=ZoneInfo(time_zone)).astimezone(dt.UTC)
    return None


def to_local_input(value: dt.datetime | str | None, time_zone: str) -> str:
    """A UTC time (or ISO text) as the ``datetime-local`` value for the assembly's time zone."""
    if value is None or value == "":
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%dT%H:%M")


def parse_local_date_end(value: str, time_zone: str) -> dt.datetime | None:
    """The end of the day ``YYYY-MM-DD`` in ``time_zone`` (midnight after it), in UTC."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        return None
    next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0))
    return next_day.replace(tzinfo=ZoneInfo(time_zone)).astimezone(dt.UTC)
