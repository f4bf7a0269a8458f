"""Reading the assembly form: demographic questions, time zones and local times.

Demographic questions are built with a small repeating form: each question has its wording,
its answers (one a line), an optional short name for exports, and whether citizens may skip
it. Buttons to add, move and remove questions send the form back to be shown again, so the
builder works without JavaScript; nothing is saved until the form is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location

from assembly.errors import InvalidInput
from assembly.forms_common import slugify
from assembly.i18n import _l

QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_QUESTIONS = 20
MAX_OPTIONS = 30
MAX_LABEL_LENGTH = 200
MAX_OPTION_LENGTH = 100
QUESTION_PARTS = ("label", "options", "key", "optional")
DATETIME_LOCAL_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class QuestionsError(InvalidInput):
    """The questions cannot be read; ``errors`` maps each field to its message."""


def question_field(index: int, part: str) -> str:
    return f"dq-{index}-{part}"


def _count(values: Mapping[str, Any]) -> int:
    text = str(values.get("dq-count") or "0")
    return min(int(text), MAX_QUESTIONS + 1) if text.isdigit() else 0


def question_rows(values: Mapping[str, Any]) -> list[dict[str, str]]:
    """The questions as typed: one row of text per question, in order."""
    return [
        {part: str(values.get(question_field(i, part)) or "") for part in QUESTION_PARTS}
        for i in range(_count(values))
    ]


def rows_to_values(rows: list[dict[str, str]]) -> dict[str, str]:
    values = {"dq-count": str(len(rows))}
    for i, row in enumerate(rows):
        for part in QUESTION_PARTS:
            values[question_field(i, part)] = row.get(part, "")
    return values


def question_values(questions: list[dict[str, Any]]) -> dict[str, str]:
    """Stored questions as the builder's fields (older data without ``optional`` may be
    skipped, as every question could be)."""
    rows = []
    for q in questions or []:
        if not isinstance(q, dict):
            continue
        options = [
            str(o.get("label", o.get("value", ""))) if isinstance(o, dict) else str(o)
            for o in q.get("options") or []
        ]
        rows.append(
            {
                "label": str(q.get("label", q.get("key", ""))),
                "options": "\n".join(options),
                "key": str(q.get("key", "")),
                "optional": "on" if q.get("optional", True) else "",
            }
        )
    return rows_to_values(rows)


def apply_question_action(values: Mapping[str, Any], action: str) -> dict[str, str]:
    """The builder's fields after "add", "up:N", "down:N" or "remove:N"."""
    rows = question_rows(values)
    verb, _sep, where = action.partition(":")
    index = int(where) if where.isdigit() else -1
    if verb == "add" and len(rows) < MAX_QUESTIONS:
        rows.append({"label": "", "options": "", "key": "", "optional": "on"})
    elif verb == "remove" and 0 <= index < len(rows):
        rows.pop(index)
    elif verb == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and 0 <= index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows_to_values(rows)


def _key_from(label: str, taken: set[str]) -> str:
    base = slugify(label, fallback="question").replace("-", "_")[:30].strip("_") or "question"
    if not base[0].isalpha():
        base = f"q_{base}"[:30]
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}_{number}"
    return key


@dataclass(frozen=True)
class QuestionInput:
    """One demographic question as entered: its wording, its answers, a short name for
    exports (made from the wording when empty) and whether citizens may skip it."""

    label: str
    options: Sequence[str]
    key: str = ""
    optional: bool = True

    @property
    def is_blank(self) -> bool:
        return not self.label.strip() and not any(o.strip() for o in self.options)


@dataclass(frozen=True)
class AssemblyInput:
    """The assembly form's values, as the assembly services take them."""

    title: str
    place: str = ""
    language: str = ""
    time_zone: str = ""
    description: str = ""
    questions: Sequence[QuestionInput] = ()
    status: str = "draft"
    currency: str = ""
    slug: str = ""  # only when creating: the slug is the assembly's stable address


def question_inputs(values: Mapping[str, Any]) -> list[QuestionInput]:
    """The builder's fields as questions, one per row in order (empty rows included)."""
    return [
        QuestionInput(
            label=row["label"],
            options=row["options"].splitlines(),
            key=row["key"],
            optional=bool(row["optional"].strip()),
        )
        for row in question_rows(values)
    ]


def assembly_input(values: Mapping[str, str]) -> AssemblyInput:
    """The assembly form read into the services' typed value."""
    return AssemblyInput(
        title=values.get("title", ""),
        place=values.get("place", ""),
        language=values.get("language", ""),
        time_zone=values.get("time_zone", ""),
        description=values.get("description", ""),
        questions=question_inputs(values),
        status=values.get("status", "draft"),
        currency=values.get("currency", ""),
        slug=values.get("slug", ""),
    )


def parse_questions(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The questions from the builder's fields; rows left empty are dropped."""
    return check_questions(question_inputs(values))


def check_questions(entered: Sequence[QuestionInput]) -> list[dict[str, Any]]:
    """The questions as stored, or ``QuestionsError`` naming each field (by the question's
    place in ``entered``) that breaks a rule; questions left empty are dropped."""
    errors: dict[str, Any] = {}
    rows = [(i, row) for i, row in enumerate(entered) if not row.is_blank]
    if len(rows) > MAX_QUESTIONS:
        raise QuestionsError({"dq-count": _l("At most 20 questions can be asked.")})
    keys = {row.key.strip().lower() for _i, row in rows if row.key.strip()}
    questions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in rows:
        label = " ".join(row.label.split())
        if not label or len(label) > MAX_LABEL_LENGTH:
            errors[question_field(i, "label")] = _l(
                "Write the question, in at most 200 characters."
            )
        options = [" ".join(o.split()) for o in row.options if o.strip()]
        if not 2 <= len(options) <= MAX_OPTIONS:
            errors[question_field(i, "options")] = _l("Give between 2 and 30 answers, one a line.")
        elif any(len(o) > MAX_OPTION_LENGTH for o in options):
            errors[question_field(i, "options")] = _l(
                "Each answer can have at most 100 characters."
            )
        elif len({o.casefold() for o in options}) != len(options):
            errors[question_field(i, "options")] = _l("An answer is given twice.")
        key = row.key.strip().lower()
        if key and not QUESTION_KEY.match(key):
            errors[question_field(i, "key")] = _l(
                "Start with a small letter; use small letters, digits and _ only."
            )
        elif key in seen:
            errors[question_field(i, "key")] = _l("Another question has this short name.")
        if not key:
            key = _key_from(label, keys | seen)
        seen.add(key)
        questions.append(
            {
                "key": key,
                "label": label,
                "options": options,
                "optional": row.optional,
            }
        )
    if errors:
        raise QuestionsError(errors)
    return questions


def keep_option_values(
    questions: list[dict[str, Any]], stored: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Answers stored as value and label pairs keep their values when the label is unchanged,
    so answers already given still match their question."""
    pairs = {
        (str(q.get("key")), str(o.get("label"))): o
        for q in stored or []
        if isinstance(q, dict)
        for o in q.get("options") or []
        if isinstance(o, dict) and "label" in o
    }
    for question in questions:
        question["options"] = [pairs.get((question["key"], str(o)), o) for o in question["options"]]
    return questions


def is_valid_time_zone(name: str) -> bool:
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@cache
def _zone_labels(locale: str) -> tuple[tuple[str, str], ...]:
    """Every current IANA zone (CLDR's canonical ones) with its place in ``locale``'s words."""
    known = available_timezones()
    zones = sorted(
        {z for zs in get_global("territory_zones").values() for z in zs if z in known} | {"UTC"}
    )
    labels = []
    for zone in zones:
        try:
            place = get_timezone_location(zone, locale=locale)
        except (LookupError, ValueError):
            place = ""
        labels.append((zone, f"{zone} – {place}" if place and zone != "UTC" else zone))
    return tuple(labels)


def country_of(time_zone: str, language: str) -> str | None:
    """The assembly's country: that of its time zone, else the one its language implies."""
    country = get_global("zone_territories").get(time_zone)
    if country and country != "001":
        return str(country)
    subtags = str(get_global("likely_subtags").get(language, ""))
    return subtags.rsplit("_", 1)[-1] if subtags.count("_") >= 1 else None


def time_zone_groups(
    time_zone: str, language: str, locale: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The time-zone select's options: the assembly country's zones first, then all others.

    A stored zone outside the list (an old alias) is kept as an option, so saving the form
    does not change it unasked.
    """
    labels = list(_zone_labels(locale))
    country = country_of(time_zone, language)
    local = set(get_global("territory_zones").get(country, ())) if country else set()
    first = [pair for pair in labels if pair[0] in local]
    rest = [pair for pair in labels if pair[0] not in local]
    if time_zone and time_zone not in dict(labels) and is_valid_time_zone(time_zone):
        first.insert(0, (time_zone, time_zone))
    return first, rest


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
