"""Stratified panel selection (a civic lottery) on top of the sortition-algorithms package.

The pool is a table with an ``id`` column, one column per feature (age, gender, area...)
and, optionally, a household key column. The quotas give a minimum and a maximum for each
feature value (rows ``feature,value,min,max``, the library's own convention).

What this adapter adds to the library, and why:

* **Validation in plain English.** Every problem with the inputs is collected at once as a
  `Problem` (a stable ``code``, ``params`` for translation, and an English ``message``), so
  a facilitator can fix the pool and the quotas in one pass.
* **Open solvers only.** ``maximin`` (the default) and ``nash`` run on HiGHS and SCS.
  ``leximin`` is refused: without the commercial Gurobi solver the library silently runs
  maximin instead, so a run labelled leximin would be mislabelled.
* **Per-person probabilities.** ``run_stratification`` returns only the drawn panel, while the
  fairness report needs each pool member's chance of selection. The adapter therefore calls
  the library's own steps in the same order as ``run_stratification`` (its pre-checks, the
  maximin or nash distribution, ``standardize_distribution``, ``lottery_rounding``), and
  keeps the distribution's marginals. Those steps raise where ``run_stratification`` would
  return ``success=False``; every failure, raised or reported, becomes a `SelectionError`
  carrying the library's reason (infeasible quotas come with its suggested relaxation).
* **Reproducibility across processes.** The library keeps committees and people in Python
  sets, so its solver input order, and with it the chosen distribution, depends on the
  interpreter's string-hash seed as well as on the lottery seed. The solver therefore runs in
  a child interpreter with ``PYTHONHASHSEED=0`` and the committees are put into a canonical
  order before the seeded lottery. The same inputs and seed give the same panel in any run.
  The child also keeps solver banners and the library's log lines out of this process's
  stdout and logs, and does not disturb this process's global ``random`` state (the library
  seeds the module-level generator).
* **Alternates and replacements.** Alternates are every pool member not on the panel, in an
  order shuffled by a generator seeded from the draw's seed (``Random("assembly-alternates:
  <seed>")``), so the list is as reproducible as the panel. `replace_member` walks that list
  and takes the first alternate who keeps every quota within its minimum and maximum (and the
  household rule): among those who fit, each is equally likely to come first.
* **A selection record.** SHA-256 hashes of the canonical inputs, the algorithm, the library
  and solver versions, the seed and the panel; no timestamps, so it can be checked by
  re-running the draw.

Feature names, feature values and household keys are compared without regard to case or
surrounding spaces, as the library does. A blank household key means "no known household"
and never matches another member.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ALGORITHMS",
    "MAX_SEED",
    "Pool",
    "Problem",
    "Quota",
    "QuotaRow",
    "Replacement",
    "SelectionError",
    "SelectionResult",
    "draw_panel",
    "new_seed",
    "parse_pool",
    "parse_quotas",
    "replace_member",
    "validate_inputs",
]

ALGORITHMS = ("maximin", "nash")
"""Algorithms offered: both run on open solvers (HiGHS for maximin, SCS through cvxpy for nash)."""

MAX_SEED = 2**31 - 1
"""Largest accepted seed (the library draws solver seeds below this bound)."""

LIBRARY = "sortition-algorithms"
SOLVER_BACKEND = "highspy"
RECORD_FORMAT = "assembly.sortition.selection/1"
QUOTA_COLUMNS = ("feature", "value", "min", "max")
HASH_SEED = "0"

_HOUSEHOLD_KEY = "__assembly_household__"  # private column name handed to the library
_PROGRESS_INTERVAL = 0.5  # seconds between forwarded progress updates inside one phase

ProgressCallback = Callable[[str], None]
Param = str | int | float


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One problem with the inputs or the draw.

    ``code`` is stable (the web layer translates it with ``params``); ``message`` is English.
    """

    code: str
    message: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": dict(self.params)}


class SelectionError(ValueError):
    """The inputs are invalid or no panel can be drawn; ``problems`` says why."""

    def __init__(
        self,
        problems: Problem | Sequence[Problem],
        *,
        best_partial: Replacement | None = None,
    ) -> None:
        self.problems: list[Problem] = (
            [problems] if isinstance(problems, Problem) else list(problems)
        )
        self.best_partial = best_partial
        super().__init__("\n".join(problem.message for problem in self.problems))

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]

    def __reduce__(self) -> tuple[Any, ...]:
        # keep the problems when a job runner pickles the error
        return (self.__class__, (self.problems,), {"best_partial": self.best_partial})


def _problem(code: str, message: str, **params: Param) -> Problem:
    return Problem(code=code, message=message, params=params)


def _listing(items: Iterable[str], limit: int = 5) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return f"{shown} and {len(items) - limit} more" if len(items) > limit else shown


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Pool:
    """The respondents to the invitation: one row per person, values kept as read."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    id_column: str = "id"
    household_column: str | None = None

    @property
    def ids(self) -> list[str]:
        return [row[self.id_column] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, person_id: str) -> dict[str, str]:
        for row in self.rows:
            if row[self.id_column] == person_id:
                return row
        raise KeyError(person_id)

    def column(self, name: str) -> str | None:
        """The pool's own spelling of column ``name`` (case and spaces ignored), if present."""
        wanted = _norm(name)
        for column in self.columns:
            if _norm(column) == wanted:
                return column
        return None


@dataclass(frozen=True)
class Quota:
    """Minimum and maximum number of panel members with ``feature`` = ``value``."""

    feature: str
    value: str
    min: int
    max: int


def _norm(text: str) -> str:
    return text.strip().lower()


def _sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _read_table(
    source: str | Iterable[Mapping[str, Any]], table: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[Problem]]:
    """Header, (row number, row) pairs and problems; row 1 is the header row."""
    problems: list[Problem] = []
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")
        reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text))
        raw_rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                raw_rows.append((reader.line_num, cells))
        if not raw_rows:
            return [], [], [_problem("empty_table", f"The {table} file is empty.", table=table)]
        header = [cell.strip() for cell in raw_rows[0][1]]
        for line, cells in raw_rows[1:]:
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:
                problems.append(
                    _problem(
                        "row_length",
                        f"Row {line} of the {table} has {len(cells)} cells but the header has "
                        f"{len(header)} columns.",
                        table=table,
                        row=line,
                        cells=len(cells),
                        columns=len(header),
                    )
                )
            padded = [*cells, *[""] * (len(header) - len(cells))]
            rows.append((line, {name: padded[i].strip() for i, name in enumerate(header) if name}))
    else:
        seen: dict[str, None] = {}
        materialised = [dict(row) for row in source]
        if not materialised:
            return [], [], [_problem("empty_table", f"The {table} has no rows.", table=table)]
        for row in materialised:
            for key in row:
                seen.setdefault(str(key).strip(), None)
        header = list(seen)
        for index, row in enumerate(materialised, start=2):
            clean = {
                str(key).strip(): "" if value is None else str(value).strip()
                for key, value in row.items()
            }
            rows.append((index, {name: clean.get(name, "") for name in header if name}))
    header = [name for name in header if name]
    duplicates = [
        name for name, count in Counter(_norm(name) for name in header).items() if count > 1
    ]
    for name in duplicates:
        problems.append(
            _problem(
                "duplicate_column",
                f"The {table} has more than one column called '{name}'.",
                table=table,
                column=name,
            )
        )
    if not rows and not problems:
        problems.append(_problem("empty_table", f"The {table} has no rows.", table=table))
    return header, rows, problems


def _find_column(header: Sequence[str], name: str) -> str | None:
    return next((column for column in header if _norm(column) == _norm(name)), None)


def _parse_pool(
    source: str | Iterable[Mapping[str, Any]] | Pool, household_column: str | None
) -> tuple[Pool | None, list[Problem]]:
    if isinstance(source, Pool):
        if household_column is None or source.household_column == household_column:
            return source, []
        source = [dict(row) for row in source.rows]
    header, numbered, problems = _read_table(source, "pool")
    if not header:
        return None, problems
    id_column = _find_column(header, "id")
    if id_column is None:
        problems.append(
            _problem(
                "missing_column",
                f"The pool has no 'id' column. Its columns are: {_listing(header, 20)}.",
                table="pool",
                column="id",
                columns=", ".join(header),
            )
        )
    household = None
    if household_column:
        household = _find_column(header, household_column)
        if household is None:
            problems.append(
                _problem(
                    "missing_column",
                    f"The pool has no household column '{household_column}'. Its columns are: "
                    f"{_listing(header, 20)}.",
                    table="pool",
                    column=household_column,
                    columns=", ".join(header),
                )
            )
    if id_column is not None:
        seen_rows: dict[str, list[int]] = {}
        for line, row in numbered:
            person_id = row[id_column]
            if not person_id:
                problems.append(
                    _problem(
                        "empty_id", f"Row {line} of the pool has no id.", table="pool", row=line
                    )
                )
            else:
                seen_rows.setdefault(person_id, []).append(line)
        for person_id, lines in seen_rows.items():
            if len(lines) > 1:
                where = ", ".join(str(line) for line in lines)
                problems.append(
                    _problem(
                        "duplicate_id",
                        f"The id '{person_id}' appears more than once in the pool (rows {where}).",
                        table="pool",
                        id=person_id,
                        rows=where,
                    )
                )
    if problems or id_column is None:
        return None, problems
    pool = Pool(
        columns=tuple(header),
        rows=tuple(row for _, row in numbered),
        id_column=id_column,
        household_column=household,
    )
    return pool, problems


def _parse_quotas(
    source: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
) -> tuple[list[Quota] | None, list[Problem]]:
    items: str | list[Any] = source if isinstance(source, str) else list(source)
    if not isinstance(items, str) and items and all(isinstance(item, Quota) for item in items):
        return _check_quota_list(items, {})
    header, numbered, problems = _read_table(items, "quotas")
    if not header:
        return None, problems
    columns = {name: _find_column(header, name) for name in QUOTA_COLUMNS}
    missing = [name for name, column in columns.items() if column is None]
    if missing:
        problems.append(
            _problem(
                "missing_column",
                f"The quotas need the columns feature, value, min and max; missing: "
                f"{', '.join(missing)}.",
                table="quotas",
                column=", ".join(missing),
                columns=", ".join(header),
            )
        )
        return None, problems
    quotas: list[Quota] = []
    lines: dict[int, int] = {}
    for line, row in numbered:
        feature, value = row[columns["feature"] or ""], row[columns["value"] or ""]
        if not feature and not value:
            continue
        if not feature or not value:
            problems.append(
                _problem(
                    "empty_quota_cell",
                    f"Row {line} of the quotas needs both a feature and a value.",
                    table="quotas",
                    row=line,
                )
            )
            continue
        bounds: list[int] = []
        for bound in ("min", "max"):
            raw = row[columns[bound] or ""]
            if raw.isdigit():
                bounds.append(int(raw))
            else:
                problems.append(
                    _problem(
                        "invalid_number",
                        f"Row {line} of the quotas: the {bound} for {feature}/{value} is "
                        f"'{raw}', not a whole number of 0 or more.",
                        table="quotas",
                        row=line,
                        bound=bound,
                        feature=feature,
                        value=value,
                        text=raw,
                    )
                )
        if len(bounds) == 2:
            lines[len(quotas)] = line
            quotas.append(Quota(feature=feature, value=value, min=bounds[0], max=bounds[1]))
    checked, more = _check_quota_list(quotas, lines)
    problems += more
    return (checked if not problems else None), problems


def _check_quota_list(
    quotas: list[Quota], lines: Mapping[int, int]
) -> tuple[list[Quota] | None, list[Problem]]:
    problems: list[Problem] = []
    if not quotas:
        return None, [_problem("empty_table", "The quotas have no rows.", table="quotas")]
    seen: set[tuple[str, str]] = set()
    spelling: dict[str, str] = {}
    for index, quota in enumerate(quotas):
        where = f"Row {lines[index]} of the quotas: the" if index in lines else "The"
        if quota.min < 0 or quota.max < 0:
            problems.append(
                _problem(
                    "invalid_number",
                    f"{where} quota for {quota.feature}/{quota.value} has a negative bound.",
                    table="quotas",
                    feature=quota.feature,
                    value=quota.value,
                )
            )
        if quota.min > quota.max:
            problems.append(
                _problem(
                    "min_greater_than_max",
                    f"{where} quota for {quota.feature}/{quota.value} has a minimum "
                    f"({quota.min}) greater than its maximum ({quota.max}).",
                    feature=quota.feature,
                    value=quota.value,
                    min=quota.min,
                    max=quota.max,
                )
            )
        key = (_norm(quota.feature), _norm(quota.value))
        if key in seen:
            problems.append(
                _problem(
                    "duplicate_quota",
                    f"There is more than one quota for {quota.feature}/{quota.value}.",
                    feature=quota.feature,
                    value=quota.value,
                )
            )
        seen.add(key)
        spelling.setdefault(_norm(quota.feature), quota.feature)
    # One spelling per feature, so the library sees a single feature.
    normalised = [Quota(spelling[_norm(q.feature)], q.value.strip(), q.min, q.max) for q in quotas]
    return (normalised if not problems else None), problems


def parse_pool(
    source: str | Iterable[Mapping[str, Any]] | Pool, *, household_column: str | None = None
) -> Pool:
    """Read a pool from CSV text or from row dicts; raise `SelectionError` listing every problem."""
    pool, problems = _parse_pool(source, household_column)
    if pool is None:
        raise SelectionError(problems)
    return pool


def parse_quotas(source: str | Iterable[Mapping[str, Any]] | Sequence[Quota]) -> list[Quota]:
    """Read quotas (``feature,value,min,max``) from CSV text or row dicts; raise on problems."""
    quotas, problems = _parse_quotas(source)
    if quotas is None:
        raise SelectionError(problems)
    return quotas


@dataclass(frozen=True)
class _Prepared:
    """Validated inputs in canonical form: quota spellings, pool order."""

    pool: Pool
    quotas: list[Quota]
    features: list[str]
    values: dict[str, dict[str, str]]  # id -> feature -> value spelled as in the quotas
    households: dict[str, str | None]  # id -> normalised household key (None: unknown)


def _features(quotas: Sequence[Quota]) -> list[str]:
    return list(dict.fromkeys(quota.feature for quota in quotas))


def _cross_check(
    pool: Pool, quotas: list[Quota], panel_size: int
) -> tuple[_Prepared | None, list[Problem]]:
    problems: list[Problem] = []
    features = _features(quotas)
    columns: dict[str, str] = {}
    for feature in features:
        column = pool.column(feature)
        if column is None or column in (pool.id_column, pool.household_column):
            problems.append(
                _problem(
                    "missing_feature",
                    f"The quotas use the feature '{feature}', but the pool has no '{feature}' "
                    f"column. Its columns are: {_listing(pool.columns, 20)}.",
                    feature=feature,
                    columns=", ".join(pool.columns),
                )
            )
        else:
            columns[feature] = column
    spelled = {(_norm(q.feature), _norm(q.value)): q.value for q in quotas}
    values: dict[str, dict[str, str]] = {person_id: {} for person_id in pool.ids}
    for feature, column in columns.items():
        blanks: list[str] = []
        unknown: dict[str, int] = {}
        for row in pool.rows:
            raw = row[column]
            value = spelled.get((_norm(feature), _norm(raw)))
            if not raw:
                blanks.append(row[pool.id_column])
            elif value is None:
                unknown[raw] = unknown.get(raw, 0) + 1
            else:
                values[row[pool.id_column]][feature] = value
        if blanks:
            problems.append(
                _problem(
                    "empty_value",
                    f"{len(blanks)} pool member(s) have no value for '{feature}': "
                    f"{_listing(blanks)}.",
                    feature=feature,
                    count=len(blanks),
                    ids=", ".join(blanks),
                )
            )
        for raw, count in unknown.items():
            problems.append(
                _problem(
                    "value_without_quota",
                    f"{count} pool member(s) have the value '{raw}' for '{feature}', which has "
                    f"no quota. Add a quota row for it (its minimum can be 0).",
                    feature=feature,
                    value=raw,
                    count=count,
                )
            )
    if panel_size < 1:
        problems.append(
            _problem(
                "invalid_panel_size",
                f"The panel size must be a whole number of 1 or more, not {panel_size}.",
                panel_size=panel_size,
            )
        )
    else:
        for feature in features:
            mins = sum(q.min for q in quotas if q.feature == feature)
            maxs = sum(q.max for q in quotas if q.feature == feature)
            if mins > panel_size:
                problems.append(
                    _problem(
                        "minimums_exceed_panel",
                        f"The minimums for '{feature}' add up to {mins}, more than the panel "
                        f"size of {panel_size}.",
                        feature=feature,
                        total=mins,
                        panel_size=panel_size,
                    )
                )
            if maxs < panel_size:
                problems.append(
                    _problem(
                        "maximums_below_panel",
                        f"The maximums for '{feature}' add up to {maxs}, less than the panel "
                        f"size of {panel_size}.",
                        feature=feature,
                        total=maxs,
                        panel_size=panel_size,
                    )
                )
        if len(pool) < panel_size:
            problems.append(
                _problem(
                    "pool_too_small",
                    f"The pool has {len(pool)} members, fewer than the panel size of {panel_size}.",
                    pool_size=len(pool),
                    panel_size=panel_size,
                )
            )
    households: dict[str, str | None] = {}
    for row in pool.rows:
        key = _norm(row[pool.household_column]) if pool.household_column else ""
        households[row[pool.id_column]] = key or None
    if pool.household_column and 1 <= panel_size <= len(pool):
        known = {key for key in households.values() if key is not None}
        count = len(known) + sum(1 for key in households.values() if key is None)
        if count < panel_size:
            problems.append(
                _problem(
                    "too_few_households",
                    f"The pool has only {count} households, fewer than the panel size of "
                    f"{panel_size}, and at most one person per household can be selected.",
                    households=count,
                    panel_size=panel_size,
                )
            )
    for quota in quotas:
        if quota.feature not in columns:
            continue
        count = sum(1 for v in values.values() if v.get(quota.feature) == quota.value)
        if quota.min > count:
            problems.append(
                _problem(
                    "not_enough_people",
                    f"The quota for {quota.feature}/{quota.value} asks for at least {quota.min}, "
                    f"but the pool has only {count} member(s) with that value.",
                    feature=quota.feature,
                    value=quota.value,
                    min=quota.min,
                    count=count,
                )
            )
    if problems:
        return None, problems
    return _Prepared(pool, quotas, features, values, households), []


def validate_inputs(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    *,
    household_column: str | None = None,
) -> list[Problem]:
    """Every problem with a pool, its quotas and a panel size (empty when a draw can start)."""
    return _prepare(pool, quotas, panel_size, household_column)[1]


def _prepare(
    pool_source: str | Iterable[Mapping[str, Any]] | Pool,
    quota_source: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    household_column: str | None,
) -> tuple[_Prepared | None, list[Problem]]:
    pool, problems = _parse_pool(pool_source, household_column)
    quotas, quota_problems = _parse_quotas(quota_source)
    problems += quota_problems
    if pool is None or quotas is None:
        return None, problems
    return _cross_check(pool, quotas, panel_size)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QuotaRow:
    """Target against outcome for one feature value."""

    feature: str
    value: str
    min: int
    max: int
    selected: int
    pool: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class SelectionResult:
    """A drawn panel with its fairness figures and its reproducibility record."""

    panel: list[str]
    alternates: list[str]
    probabilities: dict[str, float]
    quota_table: list[QuotaRow]
    record: dict[str, Any]
    algorithm: str
    seed: int
    panel_size: int
    report_text: str

    @property
    def pool_size(self) -> int:
        return len(self.probabilities)

    @property
    def min_probability(self) -> float:
        return min(self.probabilities.values())

    @property
    def mean_probability(self) -> float:
        return sum(self.probabilities.values()) / len(self.probabilities)

    @property
    def ideal_probability(self) -> float:
        """The equal-chance ideal: panel size / pool size."""
        return self.panel_size / self.pool_size

    @property
    def min_to_ideal(self) -> float:
        """Lowest probability as a share of the ideal (1.0 when everyone has an equal chance)."""
        return self.min_probability / self.ideal_probability

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["quota_table"] = [asdict(row) for row in self.quota_table]
        data["summary"] = {
            "pool_size": self.pool_size,
            "min_probability": self.min_probability,
            "mean_probability": self.mean_probability,
            "ideal_probability": self.ideal_probability,
            "min_to_ideal": self.min_to_ideal,
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SelectionResult:
        return cls(
            panel=list(data["panel"]),
            alternates=list(data["alternates"]),
            probabilities={str(k): float(v) for k, v in data["probabilities"].items()},
            quota_table=[QuotaRow(**row) for row in data["quota_table"]],
            record=dict(data["record"]),
            algorithm=str(data["algorithm"]),
            seed=int(data["seed"]),
            panel_size=int(data["panel_size"]),
            report_text=str(data["report_text"]),
        )


def new_seed() -> int:
    """A fresh seed from the operating system, to be recorded before the draw."""
    return secrets.randbelow(MAX_SEED) + 1


def _sha256_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical_pool(prepared: _Prepared) -> dict[str, Any]:
    """What the draw depends on: ids, feature values and household keys, in pool order."""
    return {
        "features": prepared.features,
        "household": prepared.pool.household_column is not None,
        "rows": [
            [
                person_id,
                *(prepared.values[person_id][feature] for feature in prepared.features),
                *([prepared.households[person_id] or ""] if prepared.pool.household_column else []),
            ]
            for person_id in prepared.pool.ids
        ],
    }


def _canonical_quotas(quotas: Sequence[Quota]) -> list[list[Any]]:
    return [[q.feature, q.value, q.min, q.max] for q in quotas]


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _counts(panel: Iterable[str], prepared: _Prepared) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for person_id in panel:
        for feature, value in prepared.values[person_id].items():
            counts[feature, value] += 1
    return counts


def _quota_violations(counts: Mapping[tuple[str, str], int], quotas: Sequence[Quota]) -> list[str]:
    violations = []
    for q in quotas:
        got = counts.get((q.feature, q.value), 0)
        if got < q.min:
            violations.append(
                f"{q.feature}={q.value} would have {got}, below its minimum of {q.min}"
            )
        elif got > q.max:
            violations.append(
                f"{q.feature}={q.value} would have {got}, above its maximum of {q.max}"
            )
    return violations


def _quota_excess(counts: Mapping[tuple[str, str], int], quotas: Sequence[Quota]) -> int:
    return sum(
        max(0, q.min - counts.get((q.feature, q.value), 0))
        + max(0, counts.get((q.feature, q.value), 0) - q.max)
        for q in quotas
    )


def _alternates(prepared: _Prepared, panel: Sequence[str], seed: int) -> list[str]:
    chosen = set(panel)
    rest = [person_id for person_id in prepared.pool.ids if person_id not in chosen]
    random.Random(f"assembly-alternates:{seed}").shuffle(rest)
    return rest


def draw_panel(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    *,
    seed: int,
    algorithm: str = "maximin",
    household_column: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> SelectionResult:
    """Draw a panel of ``panel_size`` from ``pool`` meeting every quota.

    ``seed`` must be 1..MAX_SEED (the library treats 0 as "unseeded"); the same inputs and
    seed give the same panel. With ``household_column`` at most one person per household is
    selected. ``progress`` receives short English stage descriptions. ``timeout`` (seconds)
    stops the solver. Raises `SelectionError` when the inputs are invalid or no panel exists.
    """
    problems: list[Problem] = []
    algorithm = algorithm.strip().lower()
    if algorithm == "leximin":
        problems.append(
            _problem(
                "leximin_unavailable",
                "Leximin needs the commercial Gurobi solver; without it the library quietly runs "
                "maximin instead, so it is not offered. Maximin reaches the same lowest selection "
                "probability; nash is the other open-solver choice.",
                algorithm=algorithm,
            )
        )
    elif algorithm not in ALGORITHMS:
        problems.append(
            _problem(
                "unknown_algorithm",
                f"Unknown selection algorithm '{algorithm}': choose maximin or nash.",
                algorithm=algorithm,
            )
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 1 <= seed <= MAX_SEED:
        problems.append(
            _problem(
                "invalid_seed",
                f"The seed must be a whole number from 1 to {MAX_SEED}, not {seed!r}: a seed of 0 "
                "would make the library use an unrecorded random source, and the draw could not "
                "be repeated.",
                seed=str(seed),
                max=MAX_SEED,
            )
        )
    _emit(progress, "Checking the pool and the quotas")
    prepared, input_problems = _prepare(pool, quotas, panel_size, household_column)
    problems += input_problems
    if problems or prepared is None:
        raise SelectionError(problems)

    request = {
        "algorithm": algorithm,
        "seed": seed,
        "panel_size": panel_size,
        "features": prepared.features,
        "quotas": _canonical_quotas(prepared.quotas),
        "household": prepared.pool.household_column is not None,
        "people": [
            [
                person_id,
                *(prepared.values[person_id][feature] for feature in prepared.features),
                # A blank household key matches no one: give it a key of its own.
                *(
                    [prepared.households[person_id] or f"\x00{index}"]
                    if prepared.pool.household_column
                    else []
                ),
            ]
            for index, person_id in enumerate(prepared.pool.ids)
        ],
    }
    _emit(progress, "Starting the solver")
    answer = _run_child(request, progress, timeout)
    if "error" in answer:
        error = answer["error"]
        raise SelectionError(
            _problem(str(error["code"]), str(error["message"]), reason=str(error.get("reason", "")))
        )

    chosen = set(answer["panel"])
    panel = [person_id for person_id in prepared.pool.ids if person_id in chosen]
    _check_drawn(panel, prepared, panel_size)
    _emit(progress, "Ordering the alternates")
    alternates = _alternates(prepared, panel, seed)
    marginals: Mapping[str, float] = answer["marginals"]
    probabilities = {  # clamped: the LP answer may stray from [0, 1] by its tolerance
        person_id: min(1.0, max(0.0, float(marginals.get(person_id, 0.0))))
        for person_id in prepared.pool.ids
    }
    counts = _counts(panel, prepared)
    pool_counts = _counts(prepared.pool.ids, prepared)
    quota_table = [
        QuotaRow(
            q.feature,
            q.value,
            q.min,
            q.max,
            counts[q.feature, q.value],
            pool_counts[q.feature, q.value],
        )
        for q in prepared.quotas
    ]
    low = min(probabilities.values())
    ideal = panel_size / len(probabilities)
    summary = (
        f"Selected {panel_size} of {len(probabilities)} with {algorithm} (seed {seed}). "
        f"Lowest selection probability {low:.4f}, ideal {ideal:.4f} "
        f"({low / ideal:.0%} of the ideal); {answer['committees']} panels in the distribution."
    )
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "library": {"name": LIBRARY, "version": _version(LIBRARY)},
        "solver": {
            "backend": SOLVER_BACKEND,
            "highspy": _version("highspy"),
            **({"cvxpy": _version("cvxpy"), "scs": _version("scs")} if algorithm == "nash" else {}),
        },
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "python_hash_seed": int(HASH_SEED),
        "algorithm": algorithm,
        "seed": seed,
        "panel_size": panel_size,
        "pool_size": len(prepared.pool),
        "household_column": prepared.pool.household_column,
        "inputs": {
            "pool_sha256": _sha256_json(_canonical_pool(prepared)),
            "quotas_sha256": _sha256_json(_canonical_quotas(prepared.quotas)),
            "canonical_form": (
                "UTF-8 compact JSON. Pool: {features, household, rows: [[id, values in quota "
                "feature order, household key lower-cased if used], ...]} in pool order, values "
                "spelled as in the quotas. Quotas: [[feature, value, min, max], ...] in file order."
            ),
        },
        "reproduce": (
            "Run draw_panel (or `assembly sortition select`) on inputs with these hashes, with "
            "the same seed, algorithm, panel size and household column, and the same versions "
            "of the library, highspy and Python: the panel and alternates are the same."
        ),
        "alternates_rule": (
            f'Random("assembly-alternates:{seed}").shuffle(non-selected ids in pool order)'
        ),
        "panel": panel,
        "alternates": alternates,
        "panel_sha256": _sha256_json(panel),
        "min_probability": low,
        "ideal_probability": ideal,
        "committees_in_distribution": answer["committees"],
        "report": f"{summary}\n\n{answer['report']}".strip(),
        "replacements": [],
    }
    _emit(progress, "Done")
    return SelectionResult(
        panel=panel,
        alternates=alternates,
        probabilities=probabilities,
        quota_table=quota_table,
        record=record,
        algorithm=algorithm,
        seed=seed,
        panel_size=panel_size,
        report_text=record["report"],
    )


def _check_drawn(panel: Sequence[str], prepared: _Prepared, panel_size: int) -> None:
    """Defensive check of the library's answer before anyone is invited."""
    problems = []
    if len(panel) != panel_size:
        problems.append(f"the panel has {len(panel)} members instead of {panel_size}")
    problems += _quota_violations(_counts(panel, prepared), prepared.quotas)
    keys = [prepared.households[p] for p in panel if prepared.households[p] is not None]
    if len(keys) != len(set(keys)):
        problems.append("two panel members share a household")
    if problems:
        raise SelectionError(
            _problem(
                "selection_failed",
                "The solver returned a panel that breaks the rules: " + "; ".join(problems) + ".",
                reason="; ".join(problems),
            )
        )


def _emit(progress: ProgressCallback | None, stage: str) -> None:
    if progress is not None:
        progress(stage)


# --------------------------------------------------------------------------- child process


def _run_child(
    request: Mapping[str, Any], progress: ProgressCallback | None, timeout: float | None
) -> dict[str, Any]:
    """Run `_child_main` in a fresh interpreter with a fixed hash seed; return its answer."""
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = HASH_SEED
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONSTARTUP", None)
    command = [
        sys.executable,
        "-c",
        "from assembly.sortition.selection import _child_main; _child_main()",
    ]
    answer: dict[str, Any] = {}
    timed_out = threading.Event()
    with (
        tempfile.TemporaryFile() as stderr_file,
        subprocess.Popen(  # noqa: S603 - fixed command, our own interpreter
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr_file, env=env
        ) as process,
    ):

        def kill() -> None:
            timed_out.set()
            process.kill()

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(json.dumps(request).encode("utf-8"))
                process.stdin.close()
            for line in process.stdout:
                message = json.loads(line)
                if "stage" in message:
                    _emit(progress, str(message["stage"]))
                else:
                    answer = message
            process.wait()
        finally:
            if timer:
                timer.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr_file.seek(0)
        log = stderr_file.read().decode("utf-8", "replace")
    if timed_out.is_set():
        return {
            "error": {
                "code": "timeout",
                "message": f"The selection did not finish within {timeout:g} seconds.",
            }
        }
    if not answer:
        tail = log.strip().splitlines()[-5:]
        return {
            "error": {
                "code": "selection_failed",
                "message": "The selection stopped unexpectedly: " + (" ".join(tail) or "no output"),
                "reason": log[-2000:],
            }
        }
    answer.setdefault("log", log)
    return answer


class _ChildProgress:
    """The library's ProgressReporter, forwarding phase messages to the parent (throttled)."""

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send = send
        self._last = 0.0

    def start_phase(
        self, name: str, total: int | None = None, *, message: str | None = None
    ) -> None:
        self._send({"stage": message or name})
        self._last = time.monotonic()

    def update(self, current: int, *, message: str | None = None) -> None:
        now = time.monotonic()
        if message and now - self._last >= _PROGRESS_INTERVAL:
            self._send({"stage": message})
            self._last = now

    def end_phase(self) -> None:
        return None


def _child_main() -> None:
    """Entry point of the solver process: JSON request on stdin, JSON lines on the first fd."""
    channel: IO[str] = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # solver output written straight to fd 1 lands in the parent's log file
    captured = io.StringIO()

    def send(message: dict[str, Any]) -> None:
        channel.write(json.dumps(message) + "\n")

    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        try:
            request = json.loads(sys.stdin.read())
            answer = _solve(request, send, captured)
        except Exception as error:  # report every failure to the parent, never a bare crash
            answer = {"error": _library_error(error)}
    answer["log"] = captured.getvalue()
    send(answer)
    channel.close()


def _library_error(error: Exception) -> dict[str, str]:
    try:
        from sortition_algorithms import errors
    except ImportError:
        return {"code": "selection_failed", "message": f"The selection failed: {error}"}

    if isinstance(error, errors.InfeasibleQuotasError):
        suggestions = [line for line in error.lines()[1:] if line.strip()]
        return {
            "code": "infeasible_quotas",
            "message": "The quotas cannot all be met together with this pool"
            + (". The library suggests: " + " ".join(suggestions) if suggestions else "."),
            "reason": "\n".join(error.lines()),
        }
    if isinstance(error, errors.InfeasibleQuotasCantRelaxError):
        return {
            "code": "infeasible_quotas",
            "message": f"The quotas cannot all be met together with this pool: {error}",
            "reason": str(error),
        }
    if isinstance(error, errors.SortitionBaseError | ValueError | RuntimeError):
        return {
            "code": "selection_failed",
            "message": f"The selection failed: {error}",
            "reason": str(error),
        }
    return {
        "code": "selection_failed",
        "message": f"The selection failed unexpectedly: {type(error).__name__}: {error}",
        "reason": traceback.format_exc(),
    }


def _solve(
    request: Mapping[str, Any], send: Callable[[dict[str, Any]], None], log: IO[str]
) -> dict[str, Any]:
    from sortition_algorithms import Settings, read_in_features, read_in_people
    from sortition_algorithms.committee_generation import (
        find_distribution_maximin,
        find_distribution_nash,
        standardize_distribution,
    )
    from sortition_algorithms.core import lottery_rounding
    from sortition_algorithms.features import check_desired
    from sortition_algorithms.people import check_enough_people_for_every_feature_value
    from sortition_algorithms.utils import RunReport, override_logging_handlers, set_random_provider

    handler = logging.StreamHandler(log)
    override_logging_handlers([handler], [handler])
    features_list: list[str] = list(request["features"])
    quota_rows = [
        {"feature": f, "value": v, "min": str(lo), "max": str(hi)}
        for f, v, lo, hi in request["quotas"]
    ]
    features, _, _ = read_in_features(list(QUOTA_COLUMNS), quota_rows)
    household = bool(request["household"])
    header = ["id", *features_list, *([_HOUSEHOLD_KEY] if household else [])]
    settings = Settings(
        id_column="id",
        columns_to_keep=[],
        check_same_address=household,
        check_same_address_columns=[_HOUSEHOLD_KEY] if household else [],
        selection_algorithm=request["algorithm"],
        solver_backend=SOLVER_BACKEND,
        random_number_seed=int(request["seed"]),
    )
    rows = [dict(zip(header, person, strict=True)) for person in request["people"]]
    people, _ = read_in_people(header, rows, features, settings)
    panel_size = int(request["panel_size"])
    check_desired(features, panel_size)
    check_enough_people_for_every_feature_value(features, people)
    # As run_stratification does: seed the library's generator after the checks.
    set_random_provider(settings.random_number_seed)
    reporter = _ChildProgress(send)
    find = (
        find_distribution_nash
        if settings.selection_algorithm == "nash"
        else find_distribution_maximin
    )
    committees, probabilities, report = find(
        features,
        people,
        panel_size,
        settings.normalised_address_columns,
        settings.solver_backend,
        progress_reporter=reporter,
    )
    committees, probabilities = standardize_distribution(committees, probabilities)
    if not committees:
        raise RuntimeError("the solver found no feasible panel")
    # Canonical order, so the seeded lottery does not depend on set iteration order.
    ordered = sorted(zip(committees, probabilities, strict=True), key=lambda pair: sorted(pair[0]))
    send({"stage": "Drawing the panel from the fair distribution"})
    lottery = lottery_rounding([c for c, _ in ordered], [p for _, p in ordered], 1)
    marginals: dict[str, float] = dict.fromkeys(people, 0.0)
    for committee, probability in ordered:
        for person_id in committee:
            marginals[person_id] += probability
    text = report.as_text() if isinstance(report, RunReport) else ""
    return {
        "panel": sorted(lottery[0]),
        "marginals": marginals,
        "committees": len(ordered),
        "report": text,
    }


# --------------------------------------------------------------------------- replacements


@dataclass(frozen=True)
class Replacement:
    """The outcome of replacing a panel member who dropped out."""

    dropped_id: str
    chosen_id: str
    keeps_quotas: bool
    reason: str
    panel: list[str]
    alternates: list[str]
    position: int  # 1-based position of the chosen person in the alternates list
    skipped: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def replace_member(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_ids: Sequence[str],
    dropped_id: str,
    alternates: Sequence[str],
    *,
    household_column: str | None = None,
    allow_partial: bool = False,
) -> Replacement:
    """Replace ``dropped_id`` with the first alternate who keeps every quota met.

    The replacement takes the dropped member's place in the panel order and leaves the
    alternates list. Alternates already on the panel, missing from the pool, or sharing a
    household with a remaining panel member are skipped. When nobody keeps every quota,
    `SelectionError` (code ``no_replacement_keeps_quotas``) is raised with the least-bad
    choice in ``best_partial``; with ``allow_partial=True`` that choice is returned instead,
    flagged by ``keeps_quotas=False`` and its ``violations``.
    """
    prepared, problems = _prepare(pool, quotas, len(panel_ids), household_column)
    if prepared is None:
        raise SelectionError(problems)
    if dropped_id not in panel_ids:
        raise SelectionError(
            _problem(
                "not_on_panel",
                f"'{dropped_id}' is not on the panel, so there is no one to replace.",
                id=dropped_id,
            )
        )
    unknown = [p for p in panel_ids if p not in prepared.values]
    if unknown:
        raise SelectionError(
            _problem(
                "unknown_member",
                f"Panel member(s) not in the pool: {_listing(unknown)}.",
                ids=", ".join(unknown),
            )
        )
    remaining = [p for p in panel_ids if p != dropped_id]
    base = _counts(remaining, prepared)
    taken = {prepared.households[p] for p in remaining} - {None}
    skipped: list[dict[str, Any]] = []
    best: tuple[int, int, str, list[str]] | None = None  # (excess, position, id, violations)
    for position, candidate in enumerate(alternates, start=1):
        if candidate in remaining or candidate == dropped_id:
            skipped.append(
                {
                    "id": candidate,
                    "position": position,
                    "reason": "already on the panel or dropped out",
                }
            )
            continue
        if candidate not in prepared.values:
            skipped.append({"id": candidate, "position": position, "reason": "not in the pool"})
            continue
        if prepared.households[candidate] in taken:
            skipped.append(
                {
                    "id": candidate,
                    "position": position,
                    "reason": "shares a household with a panel member",
                }
            )
            continue
        counts = base.copy()
        for feature, value in prepared.values[candidate].items():
            counts[feature, value] += 1
        violations = _quota_violations(counts, prepared.quotas)
        if not violations:
            return _replacement(dropped_id, candidate, position, panel_ids, alternates, skipped, [])
        skipped.append({"id": candidate, "position": position, "reason": "; ".join(violations)})
        excess = _quota_excess(counts, prepared.quotas)
        if best is None or excess < best[0]:
            best = (excess, position, candidate, violations)
    if best is None:
        raise SelectionError(
            _problem(
                "no_alternates",
                f"No alternate can replace '{dropped_id}': every alternate is already on the "
                "panel, missing from the pool or shares a household with a panel member.",
                id=dropped_id,
            )
        )
    partial = _replacement(dropped_id, best[2], best[1], panel_ids, alternates, skipped, best[3])
    if allow_partial:
        return partial
    raise SelectionError(
        _problem(
            "no_replacement_keeps_quotas",
            f"No alternate keeps every quota when replacing '{dropped_id}'. The closest is "
            f"'{best[2]}' (alternate {best[1]}), but {'; '.join(best[3])}.",
            id=dropped_id,
            best_id=best[2],
            violations="; ".join(best[3]),
        ),
        best_partial=partial,
    )


def _replacement(
    dropped_id: str,
    chosen: str,
    position: int,
    panel_ids: Sequence[str],
    alternates: Sequence[str],
    skipped: list[dict[str, Any]],
    violations: list[str],
) -> Replacement:
    earlier = [s for s in skipped if s["position"] < position]
    if violations:
        reason = (
            f"No alternate keeps every quota; '{chosen}' (alternate {position}) breaks them "
            f"least: {'; '.join(violations)}."
        )
    else:
        reason = (
            f"'{chosen}' is the first alternate (number {position}) who keeps every quota within "
            f"its minimum and maximum and the household rule."
        )
        if earlier:
            ids = _listing([str(s["id"]) for s in earlier], limit=8)
            reason += (
                f" The {len(earlier)} earlier alternate(s) ({ids}) would break a quota or the "
                "household rule, or could not be chosen; see the skipped list for each reason."
            )
    return Replacement(
        dropped_id=dropped_id,
        chosen_id=chosen,
        keeps_quotas=not violations,
        reason=reason,
        panel=[chosen if p == dropped_id else p for p in panel_ids],
        alternates=[a for a in alternates if a != chosen],
        position=position,
        skipped=earlier,
        violations=violations,
    )
