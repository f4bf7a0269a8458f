"""Reading the lottery forms, and saying what is wrong in the person's language.

Problems found by `assembly.sortition.selection` carry a stable ``code`` and ``params``;
`problem_issue` translates them by code (falling back to the library's English message for a
code it does not know) and, where a form field is to blame, names it so the error summary
can link to it. The quota form has a row per feature value found in the pool, with a
minimum and a maximum box each; a feature whose boxes are all empty is left out of the draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assembly.errors import InvalidInput
from assembly.i18n import _l
from assembly.sortition.selection import (
    ALGORITHMS,
    MAX_SEED,
    Pool,
    Problem,
    Quota,
    SelectionError,
    parse_quotas,
)

__all__ = [
    "ALGORITHM_LABELS",
    "MAX_FEATURE_VALUES",
    "MAX_POOL_BYTES",
    "MAX_QUOTAS_BYTES",
    "DrawSettings",
    "FeatureColumn",
    "Issue",
    "ProblemsError",
    "decode_csv_upload",
    "feature_columns",
    "grid_values",
    "parse_draw_settings",
    "parse_quota_grid",
    "parse_quotas_file",
    "problem_issue",
    "problem_issues",
]

MAX_POOL_BYTES = 2 * 1024 * 1024
MAX_QUOTAS_BYTES = 256 * 1024
MAX_FEATURE_VALUES = 20
"""A column with more different values than this is not offered as a feature (names, ids)."""
MAX_HOUSEHOLD_COLUMN = 100

ALGORITHM_LABELS = {
    "maximin": _l("Maximin: raises the lowest chance of selection as far as the quotas allow"),
    "nash": _l("Nash: balances everyone's chances (maximises their product)"),
}


# --------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class Issue:
    """One problem for the error summary: translated text, the field to blame, English detail."""

    text: str
    field: str = ""
    detail: str = ""


class ProblemsError(InvalidInput):
    """Several problems at once; ``errors`` keeps the first message per field for the inputs."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        errors: dict[str, Any] = {}
        for issue in self.issues:
            errors.setdefault(issue.field, issue.text)
        super().__init__(errors)


def issue_error(errors: Mapping[str, Any]) -> ProblemsError:
    return ProblemsError([Issue(str(message), name) for name, message in errors.items()])


TABLE_NAMES = {"pool": _l("pool file"), "quotas": _l("quotas file")}

PROBLEM_MESSAGES = {
    "empty_table": _l("The %(table)s is empty."),
    "cell_too_long": _l("Line %(line)s of the %(table)s has a cell longer than 128 KiB."),
    "unbalanced_quote": _l(
        "A quotation mark in line %(line)s of the %(table)s is never closed. Check that every "
        "quoted cell ends with a quotation mark."
    ),
    "unreadable_csv": _l(
        "Line %(line)s of the %(table)s is not valid CSV: check its quotation marks."
    ),
    "row_length": _l(
        "Row %(row)s of the %(table)s has %(cells)s cells, but the header has %(columns)s columns."
    ),
    "duplicate_column": _l("The %(table)s has more than one column called “%(column)s”."),
    "missing_column": _l("The %(table)s has no column “%(column)s”. Its columns are: %(columns)s."),
    "empty_id": _l("Row %(row)s of the %(table)s has no id."),
    "duplicate_id": _l("The id “%(id)s” appears more than once in the pool (rows %(rows)s)."),
    "empty_quota_cell": _l("Row %(row)s of the quotas file needs both a feature and a value."),
    "invalid_number": _l(
        "Row %(row)s of the quotas file: the %(bound)s for %(feature)s = %(value)s is "
        "“%(text)s”, not a whole number of 0 or more."
    ),
    "negative_number": _l("The quota for %(feature)s = %(value)s has a negative bound."),
    "min_greater_than_max": _l(
        "The minimum for %(feature)s = %(value)s (%(min)s) is greater than its maximum (%(max)s)."
    ),
    "duplicate_quota": _l("There is more than one quota for %(feature)s = %(value)s."),
    "missing_feature": _l(
        "The quotas use the feature “%(feature)s”, but the pool has no such column. "
        "Its columns are: %(columns)s."
    ),
    "empty_value": _l("%(count)s pool member(s) have no value for “%(feature)s”: %(ids)s."),
    "value_without_quota": _l(
        "%(count)s pool member(s) have the value “%(value)s” for “%(feature)s”, which has no "
        "quota. Give it a minimum and a maximum (the minimum can be 0)."
    ),
    "invalid_panel_size": _l("The panel size must be a whole number of 1 or more."),
    "minimums_exceed_panel": _l(
        "The minimums for “%(feature)s” add up to %(total)s, more than the panel size of "
        "%(panel_size)s."
    ),
    "maximums_below_panel": _l(
        "The maximums for “%(feature)s” add up to %(total)s, less than the panel size of "
        "%(panel_size)s."
    ),
    "pool_too_small": _l(
        "The pool has %(pool_size)s members, fewer than the panel size of %(panel_size)s."
    ),
    "too_few_households": _l(
        "The pool has only %(households)s households, fewer than the panel size of "
        "%(panel_size)s, and at most one person per household can be selected."
    ),
    "not_enough_people": _l(
        "The quota for %(feature)s = %(value)s asks for at least %(min)s, but the pool has only "
        "%(count)s member(s) with that value."
    ),
    "leximin_unavailable": _l(
        "Leximin is not offered: it needs a commercial solver, and without one the selection "
        "library quietly runs maximin instead."
    ),
    "unknown_algorithm": _l("Choose maximin or nash."),
    "invalid_seed": _l("The seed must be a whole number from 1 to %(max)s."),
    "timeout": _l("The draw did not finish in time."),
    "selection_failed": _l("The draw failed."),
    "infeasible_quotas": _l(
        "The quotas cannot all be met together with this pool. Loosen some minimums or "
        "maximums and try again; the selection library's suggestion follows (in English)."
    ),
    "not_on_panel": _l("“%(id)s” is not on the panel, so there is no one to replace."),
    "unknown_member": _l("Panel members missing from the pool: %(ids)s."),
    "no_alternates": _l(
        "No alternate can replace “%(id)s”: every alternate is on the panel, missing from the "
        "pool or shares a household with a panel member."
    ),
    "no_replacement_keeps_quotas": _l(
        "No alternate keeps every quota when replacing “%(id)s”. The closest is “%(best_id)s”, "
        "but: %(violations)s. Tick “take the closest alternate” to replace anyway."
    ),
}
# Codes whose English message holds more than the translation says (the library's reasons).
DETAILED = frozenset({"timeout", "selection_failed", "infeasible_quotas"})


def problem_issue(problem: Problem | Mapping[str, Any], field_name: str = "") -> Issue:
    """A problem in the user's language; the library's English message when it is unknown."""
    if isinstance(problem, Problem):
        code, message, params = problem.code, problem.message, dict(problem.params)
    else:
        code = str(problem.get("code", ""))
        message = str(problem.get("message", ""))
        params = dict(problem.get("params") or {})
    key = code
    if code == "invalid_number" and "text" not in params:
        key = "negative_number"
    template = PROBLEM_MESSAGES.get(key)
    if template is None:
        return Issue(message, field_name)
    if "table" in params:
        params["table"] = str(TABLE_NAMES.get(str(params["table"]), params["table"]))
    try:
        text = str(template) % params
    except (KeyError, TypeError, ValueError):
        return Issue(message, field_name)
    return Issue(text, field_name, message if code in DETAILED else "")


def problem_issues(
    problems: Sequence[Problem | Mapping[str, Any]],
    field_for: Callable[[Problem | Mapping[str, Any]], str] | None = None,
) -> list[Issue]:
    return [problem_issue(p, field_for(p) if field_for else "") for p in problems]


def _params(problem: Problem | Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if isinstance(problem, Problem):
        return problem.code, problem.params
    return str(problem.get("code", "")), problem.get("params") or {}


# --------------------------------------------------------------------------- uploads


def decode_csv_upload(data: bytes, field_name: str, max_bytes: int) -> str:
    """The text of an uploaded CSV file, or an InvalidInput saying plainly why it cannot be read."""
    if len(data) > max_bytes:
        raise issue_error(
            {
                field_name: _l(
                    "The file is too large: at most %(size)s kB.", size=str(max_bytes // 1024)
                )
            }
        )
    if not data.strip():
        raise issue_error({field_name: _l("Choose a CSV file; the file sent is empty.")})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise issue_error(
            {
                field_name: _l(
                    "The file is not UTF-8 text: a character on line %(line)s cannot be read. "
                    "Save it as “CSV UTF-8” in your spreadsheet and upload it again.",
                    line=str(line),
                )
            }
        ) from error
    if "\x00" in text:
        raise issue_error({field_name: _l("This does not look like a CSV file.")})
    return text


def clean_household_column(raw: str) -> str | None:
    name = raw.strip()
    if len(name) > MAX_HOUSEHOLD_COLUMN:
        raise issue_error(
            {"household_column": _l("A column name can have at most 100 characters.")}
        )
    return name or None


# --------------------------------------------------------------------------- quota form


def _norm(text: str) -> str:
    return text.strip().lower()


@dataclass(frozen=True)
class FeatureValue:
    index: int
    value: str
    count: int


@dataclass(frozen=True)
class FeatureColumn:
    """A pool column offered as a feature, with the values found in it."""

    index: int
    name: str
    values: list[FeatureValue]
    blanks: int = 0

    def field(self, value_index: int, bound: str) -> str:
        return f"q-{self.index}-{value_index}-{bound}"


@dataclass(frozen=True)
class SkippedColumn:
    name: str
    distinct: int


def feature_columns(pool: Pool) -> tuple[list[FeatureColumn], list[SkippedColumn]]:
    """Columns that can be features (not the id or household key, few different values)."""
    offered: list[FeatureColumn] = []
    skipped: list[SkippedColumn] = []
    for index, name in enumerate(pool.columns):
        if name in (pool.id_column, pool.household_column):
            continue
        spelling: dict[str, str] = {}
        counts: dict[str, int] = {}
        blanks = 0
        for row in pool.rows:
            raw = row.get(name, "").strip()
            if not raw:
                blanks += 1
                continue
            key = _norm(raw)
            spelling.setdefault(key, raw)
            counts[key] = counts.get(key, 0) + 1
        if not counts or len(counts) > MAX_FEATURE_VALUES:
            skipped.append(SkippedColumn(name, len(counts)))
            continue
        ordered = sorted(counts, key=lambda key: (_natural(key), key))
        values = [FeatureValue(i, spelling[key], counts[key]) for i, key in enumerate(ordered)]
        offered.append(FeatureColumn(index, name, values, blanks))
    return offered, skipped


def _natural(text: str) -> list[Any]:
    """Sort key with numbers in order: "9-15" before "16-29"."""
    return [
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    ]


def grid_values(
    columns: Sequence[FeatureColumn], quotas: Sequence[Mapping[str, Any]]
) -> dict[str, str]:
    """The quota form's boxes filled from stored quotas."""
    found = {(_norm(str(q["feature"])), _norm(str(q["value"]))): q for q in quotas}
    values: dict[str, str] = {}
    for column in columns:
        for item in column.values:
            quota = found.get((_norm(column.name), _norm(item.value)))
            if quota is not None:
                values[column.field(item.index, "min")] = str(quota["min"])
                values[column.field(item.index, "max")] = str(quota["max"])
    return values


def grid_field_finder(
    columns: Sequence[FeatureColumn],
) -> Callable[[Problem | Mapping[str, Any]], str]:
    """Which box of the quota form a problem is about, so the summary can link to it."""
    boxes: dict[tuple[str, str], str] = {}
    first: dict[str, str] = {}
    for column in columns:
        for item in column.values:
            name = column.field(item.index, "min")
            boxes[(_norm(column.name), _norm(item.value))] = name
            first.setdefault(_norm(column.name), name)

    def find(problem: Problem | Mapping[str, Any]) -> str:
        code, params = _params(problem)
        feature = _norm(str(params.get("feature", "")))
        if code in {"invalid_panel_size", "pool_too_small", "too_few_households"}:
            return "panel_size"
        if code == "invalid_seed":
            return "seed"
        if code in {"unknown_algorithm", "leximin_unavailable"}:
            return "algorithm"
        if code in {"value_without_quota", "not_enough_people", "min_greater_than_max"}:
            return boxes.get((feature, _norm(str(params.get("value", "")))), "")
        if code in {"minimums_exceed_panel", "maximums_below_panel", "empty_value"}:
            return first.get(feature, "")
        return ""

    return find


def parse_quota_grid(
    values: Mapping[str, str], columns: Sequence[FeatureColumn]
) -> list[dict[str, Any]]:
    """Quotas typed in the form; a feature with every box empty is left out of the draw."""
    errors: dict[str, Any] = {}
    quotas: list[dict[str, Any]] = []
    for column in columns:
        typed = {
            (item.index, bound): values.get(column.field(item.index, bound), "").strip()
            for item in column.values
            for bound in ("min", "max")
        }
        if not any(typed.values()):
            continue
        for item in column.values:
            low, high = typed[item.index, "min"], typed[item.index, "max"]
            if not low and not high:
                continue  # the draw's check names the value that has no quota
            for bound, text in (("min", low), ("max", high)):
                name = column.field(item.index, bound)
                if not text:
                    errors[name] = _l(
                        "Enter both a minimum and a maximum for %(feature)s = %(value)s.",
                        feature=column.name,
                        value=item.value,
                    )
                elif not text.isdigit() or int(text) > 100_000:
                    errors[name] = _l(
                        "Enter a whole number of 0 or more for %(feature)s = %(value)s.",
                        feature=column.name,
                        value=item.value,
                    )
            if low.isdigit() and high.isdigit():
                quotas.append(
                    {"feature": column.name, "value": item.value, "min": int(low), "max": int(high)}
                )
    if errors:
        raise issue_error(errors)
    if not quotas:
        first = columns[0].field(0, "min") if columns and columns[0].values else ""
        raise issue_error(
            {
                first: _l(
                    "Enter a minimum and a maximum for the values of at least one feature, or "
                    "upload a quotas file."
                )
            }
        )
    return quotas


def parse_quotas_file(text: str) -> list[dict[str, Any]]:
    """Quotas from an uploaded ``feature,value,min,max`` file."""
    try:
        quotas: list[Quota] = parse_quotas(text)
    except SelectionError as error:
        raise ProblemsError(problem_issues(error.problems, lambda _p: "quotas_file")) from error
    return [{"feature": q.feature, "value": q.value, "min": q.min, "max": q.max} for q in quotas]


@dataclass(frozen=True)
class DrawSettings:
    panel_size: int
    seed: int
    algorithm: str


def parse_draw_settings(values: Mapping[str, str]) -> DrawSettings:
    errors: dict[str, Any] = {}
    size_text = values.get("panel_size", "").strip()
    panel_size = 0
    if not size_text.isdigit() or not 1 <= int(size_text) <= 100_000:
        errors["panel_size"] = _l("Enter the panel size as a whole number of 1 or more.")
    else:
        panel_size = int(size_text)
    seed_text = values.get("seed", "").strip()
    seed = 0
    if not seed_text.isdigit() or not 1 <= int(seed_text) <= MAX_SEED:
        errors["seed"] = _l(
            "Enter the seed as a whole number from 1 to %(max)s.", max=str(MAX_SEED)
        )
    else:
        seed = int(seed_text)
    algorithm = values.get("algorithm", "").strip().lower()
    if algorithm == "leximin":
        errors["algorithm"] = PROBLEM_MESSAGES["leximin_unavailable"]
    elif algorithm not in ALGORITHMS:
        errors["algorithm"] = PROBLEM_MESSAGES["unknown_algorithm"]
    if errors:
        raise issue_error(errors)
    return DrawSettings(panel_size, seed, algorithm)
