"""The voting set-up of the topic form: one real field per method parameter.

The fields are generated from the engine's descriptions (:mod:`assembly.voting.parameters`).
Each method's fields carry their own names (``p-<method>-<parameter>``), so every method's
set can sit in the page at once: the browser script shows the chosen one instantly, and
without the script the "Show this method's settings" button asks the server for it. What was
typed for one method is kept while another is tried.

An optional "import settings" box takes the parameters as a JSON object, for settings copied
from another topic or a published result; what it names overrides the fields.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from assembly.assemblies.forms import parse_local_datetime
from assembly.errors import InvalidInput
from assembly.i18n import _l, gettext
from assembly.voting import METHODS, InvalidParameters
from assembly.voting.parameters import Param, form_parameters

MAX_IMPORT_LENGTH = 20_000
MAX_LABELS = 20
MAX_LABEL_LENGTH = 60
IMPORT_FIELD = "import_settings"
# Each method's settings carry this hidden field, so the server knows which were sent.
SECTION_FIELD = "method_settings"
_DECIMAL = re.compile(r"^-?\d+([.,]\d+)?$")

# The engine's cross-field objections, worded for the reader (keyed by the engine's code).
_ENGINE_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "approvals_below_seats": lambda v: gettext(
        "At most %(approvals)s approvals, but %(seats)s seats: allow at least %(seats)s "
        "approvals, or fill fewer seats.",
        **v,
    ),
    "min_not_below_max": lambda v: gettext(
        "The highest score (%(max)s) must be above the lowest (%(min)s).", **v
    ),
    "quorum_needs_electorate": lambda v: gettext(
        "A quorum below 1 is a share of the electorate: give the number of people entitled to vote."
    ),
    "withdrawn_leaves_too_few": lambda v: gettext(
        "Fewer proposals are left than seats once these are withdrawn."
    ),
    "seats_above_options": lambda v: gettext(
        "%(seats)s seats, but only %(options)s proposals to choose from.", **v
    ),
    "one_seat": lambda v: gettext("This method chooses one outcome; set seats to 1."),
    "unknown": lambda v: gettext("The setting “%(param)s” is not one of this method's.", **v),
    "missing": lambda v: gettext("This method needs the setting “%(param)s”.", **v),
}


class ParamsError(InvalidInput):
    """The parameters cannot be read; ``errors`` maps form fields to messages."""


def field_name(method: str, param: str) -> str:
    return f"p-{method}-{param}"


def all_field_names() -> list[str]:
    return [field_name(m, p.name) for m in METHODS for p in form_parameters(m)]


def list_field(param: Param) -> bool:
    """Fields sent as several values (checkboxes)."""
    return param.kind == "options"


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_text(param: Param, value: Any) -> Any:
    """A stored value as the form shows it."""
    if value is None:
        return [] if list_field(param) else ""
    if param.kind == "labels":
        return "\n".join(str(v) for v in value)
    if param.kind == "flag":
        return "on" if value else ""
    if list_field(param):
        return [str(v) for v in value]
    return _number_text(value)


def form_values(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Form values for ``method``'s fields: the given parameters over the defaults. What no
    field shows (a budget's costs, an order for ties) goes to the import box."""
    info = METHODS.get(method)
    if info is None:
        return {}
    shown = form_parameters(method)
    values = {
        field_name(method, p.name): value_text(p, params.get(p.name, info.defaults.get(p.name)))
        for p in shown
    }
    rest = {k: v for k, v in params.items() if k not in {p.name for p in shown}}
    values[IMPORT_FIELD] = json.dumps(rest, ensure_ascii=False) if rest else ""
    return values


def default_values() -> dict[str, Any]:
    """Every method's fields at their defaults, for a new topic; grades in the reader's
    language."""
    values: dict[str, Any] = {}
    for method in METHODS:
        values.update(form_values(method, {}))
    values[field_name("majority_judgment", "grades")] = "\n".join(
        str(word) for word in DEFAULT_GRADE_WORDS
    )
    values[IMPORT_FIELD] = ""
    return values


def hidden_params(method: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters no field shows, kept as they are when the form is saved."""
    shown = {p.name for p in form_parameters(method)}
    return {k: v for k, v in params.items() if k not in shown}


def _read_number(param: Param, text: str) -> int | float:
    if param.kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(gettext("Enter a whole number."))
        number: int | float = int(text)
    else:
        if not _DECIMAL.match(text):
            raise ValueError(gettext("Enter a number, such as 10 or 2.5."))
        number = float(text.replace(",", "."))
        number = int(number) if number.is_integer() else number
    if param.minimum is not None and number < param.minimum:
        raise ValueError(gettext("Enter %(min)s or more.", min=_number_text(param.minimum)))
    if param.maximum is not None and number > param.maximum:
        raise ValueError(gettext("Enter %(max)s or less.", max=_number_text(param.maximum)))
    return number


def _read_share(text: str) -> int | float | str:
    problem = gettext("Enter a share from 0 to 1, such as 0.5, or a fraction such as 2/3.")
    text = text.replace(" ", "").replace(",", ".")
    try:
        share = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(problem) from None
    if not 0 <= share <= 1:
        raise ValueError(problem)
    if "/" in text:
        return text
    value = float(text)
    return int(value) if value.is_integer() else value


def _read_labels(text: str) -> list[str]:
    labels = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(labels) < 2:
        raise ValueError(gettext("Give at least two grades, one a line, from worst to best."))
    if len(labels) > MAX_LABELS:
        raise ValueError(gettext("Give at most 20 grades."))
    if any(len(label) > MAX_LABEL_LENGTH for label in labels):
        raise ValueError(gettext("A grade can have at most 60 characters."))
    seen: set[str] = set()
    for label in labels:
        if label.casefold() in seen:
            raise ValueError(gettext("The grade “%(label)s” is given twice.", label=label))
        seen.add(label.casefold())
    return labels


def read_value(param: Param, raw: Any, options: Sequence[str] | None) -> tuple[bool, Any]:
    """``(given, value)`` for one field; ``ValueError`` carries the reader's message."""
    if list_field(param):
        chosen = [str(v) for v in (raw or [])]
        if options is not None and any(c not in options for c in chosen):
            raise ValueError(gettext("Choose proposals from the list."))
        return bool(chosen), chosen
    text = str(raw or "").strip()
    if param.kind == "flag":
        return True, bool(text)
    if not text:
        if param.blank_means_none:
            return True, None
        if param.kind == "choice" and param.blank_label:
            return False, None
        return False, None
    if param.kind in ("integer", "number"):
        return True, _read_number(param, text)
    if param.kind == "share":
        return True, _read_share(text)
    if param.kind == "choice":
        if text not in {value for value, _label in param.choices}:
            raise ValueError(gettext("Choose one of the listed settings."))
        return True, text
    if param.kind == "labels":
        return True, _read_labels(text)
    raise ValueError(gettext("This setting cannot be read."))


# No method takes parameters nested deeper than a list of lists; deeper is a mistake or an
# attack on the parser (thousands of brackets exhaust its recursion).
MAX_NESTING = 8


def _depth(text: str) -> int:
    """Bracket depth outside quoted strings, counted without recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_import(text: str) -> dict[str, Any]:
    """The import box: a JSON object of parameters, or nothing."""
    text = text.strip()
    if not text:
        return {}
    if len(text) > MAX_IMPORT_LENGTH:
        raise ParamsError(
            {IMPORT_FIELD: _l("Imported settings can have at most 20,000 characters.")}
        )
    if _depth(text) > MAX_NESTING:
        raise ParamsError(
            {
                IMPORT_FIELD: _l(
                    "A setting is nested too deeply: at most 8 levels of [ ] or { } are allowed."
                )
            }
        )
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise ParamsError(
            {
                IMPORT_FIELD: _l(
                    'Imported settings are written as a JSON object, such as {"max": 10}.'
                )
            }
        )
    for value in data.values():
        if isinstance(value, float) and not math.isfinite(value):
            raise ParamsError({IMPORT_FIELD: _l("Imported settings must be finite numbers.")})
    return data


def read_params(
    method: str,
    values: Mapping[str, Any],
    *,
    keep: Mapping[str, Any] | None = None,
    options: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The parameters the form gives for ``method``; ``ParamsError`` names each bad field.

    ``keep`` are the stored parameters no field shows (kept unless the import box names
    them); fields left empty take the method's default.
    """
    errors: dict[str, Any] = {}
    params: dict[str, Any] = dict(keep or {})
    for param in form_parameters(method):
        name = field_name(method, param.name)
        try:
            given, value = read_value(param, values.get(name), options)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if given:
            params[param.name] = value
    try:
        params.update(parse_import(str(values.get(IMPORT_FIELD) or "")))
    except ParamsError as exc:
        errors.update(exc.errors)
    if errors:
        raise ParamsError(errors)
    return params


def engine_error(method: str, exc: InvalidParameters) -> tuple[str, str]:
    """The form field an engine objection belongs to, and the message in the reader's words."""
    param = exc.param
    shown = {p.name for p in form_parameters(method)}
    if param == "seats":
        field = "seats"
    elif param in shown:
        field = field_name(method, param)
    else:
        field = IMPORT_FIELD
    wording = _ENGINE_MESSAGES.get(exc.code or "")
    if wording is not None:
        return field, wording({"param": param or "", **exc.values})
    return field, gettext("The voting engine does not accept this: %(reason)s.", reason=str(exc))


# What each method does, in the reader's language (the engine's own summaries are English).
METHOD_SUMMARIES: dict[str, Any] = {
    "approval": _l("Approve any number of proposals; the most approved wins."),
    "score": _l("Give each proposal a score; the highest total wins."),
    "majority_judgment": _l("Grade each proposal; the highest median grade wins."),
    "borda": _l("Rank the proposals; points by position, the most points win."),
    "schulze": _l(
        "Rank the proposals; the winner beats every other through the strongest chains of "
        "head-to-head majorities."
    ),
    "ranked_pairs": _l(
        "Rank the proposals; head-to-head majorities are locked in from the strongest, "
        "skipping any that would make a cycle."
    ),
    "irv": _l(
        "Rank the proposals; the weakest is eliminated round by round until one has a majority."
    ),
    "stv": _l("Rank the proposals; several winners, in proportion to the voters' support."),
    "dot": _l("Spread a number of dots over the proposals; the most dots win."),
    "quadratic": _l("Buy votes for or against proposals; n votes cost n × n credits."),
    "yes_no_abstain": _l(
        "Vote yes, no or abstain on each proposal; adopted when yes reaches the threshold."
    ),
    "consent": _l(
        "Say how you stand on each proposal; adopted when nobody blocks and support reaches "
        "the threshold."
    ),
    "budget": _l("Approve projects; the budget is shared out by Equal Shares or greedily."),
}

# The default grades, offered in the reader's language (worst first, as the engine's).
DEFAULT_GRADE_WORDS = (
    _l("Reject"),
    _l("Poor"),
    _l("Acceptable"),
    _l("Good"),
    _l("Very good"),
    _l("Excellent"),
)


def _default_text(param: Param, default: Any) -> str:
    if default is None:
        return gettext("Default: no limit.") if param.blank_means_none else ""
    if param.kind == "choice":
        labels = dict(param.choices)
        return gettext("Default: %(value)s.", value=gettext(labels.get(default, str(default))))
    if param.kind == "labels":
        return ""
    if param.kind == "flag":
        return gettext("Default: on.") if default else gettext("Default: off.")
    return gettext("Default: %(value)s.", value=_number_text(default))


def method_sections(selected: str) -> list[dict[str, Any]]:
    """Every method's fields, translated, for the form; only ``selected``'s is shown."""
    sections = []
    for method, info in METHODS.items():
        fields: list[dict[str, Any]] = []
        for param in form_parameters(method):
            default = info.defaults.get(param.name)
            fields.append(
                {
                    "name": field_name(method, param.name),
                    "param": param,
                    "label": gettext(param.label),
                    "help": " ".join(
                        t for t in (gettext(param.help), _default_text(param, default)) if t
                    ),
                    "choices": [(value, gettext(label)) for value, label in param.choices],
                    "blank_label": gettext(param.blank_label) if param.blank_label else "",
                    "step": "any" if param.step is None else _number_text(param.step),
                }
            )
        sections.append(
            {
                "method": method,
                "selected": method == selected,
                "summary": METHOD_SUMMARIES.get(method, info.summary),
                "basic": [f for f in fields if not f["param"].advanced],
                "advanced": [f for f in fields if f["param"].advanced],
            }
        )
    return sections


def settings_summary(method: str, params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A topic's settings as (label, value) in the reader's words, for a read-only view."""
    info = METHODS.get(method)
    if info is None:
        return []
    rows = []
    for param in form_parameters(method):
        value = params.get(param.name, info.defaults.get(param.name))
        if value is None:
            text = gettext("no limit") if param.blank_means_none else "–"
        elif param.kind == "choice":
            text = gettext(dict(param.choices).get(value, str(value)))
        elif param.kind in ("labels", "options"):
            text = ", ".join(str(v) for v in value)
        else:
            text = _number_text(value)
        rows.append((gettext(param.label), text))
    return rows


def import_values(params: Mapping[str, Any]) -> dict[str, str]:
    """Form values that set ``params`` through the import box (for set-up by program)."""
    return {IMPORT_FIELD: json.dumps(dict(params), ensure_ascii=False) if params else ""}


def schedule_field(phase: str) -> str:
    return f"schedule_{phase}"


def read_schedule(
    values: Mapping[str, str], phases: Sequence[str], time_zone: str
) -> dict[str, dt.datetime]:
    """Planned phase starts typed as local times in the assembly's time zone (``schedule_<phase>``
    fields; empty ones are left out); InvalidInput names each field that cannot be read."""
    planned: dict[str, dt.datetime] = {}
    errors: dict[str, Any] = {}
    for phase in phases:
        name = schedule_field(phase)
        raw = values.get(name, "").strip()
        if not raw:
            continue
        moment = parse_local_datetime(raw, time_zone)
        if moment is None:
            errors[name] = _l("Enter a date and time, such as 2026-05-04 18:00.")
            continue
        planned[phase] = moment
    if errors:
        raise InvalidInput(errors)
    return planned
