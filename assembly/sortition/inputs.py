"""The inputs of a civic lottery: the pool and the quotas, read and checked together.

Every problem is collected at once as a `Problem` (a stable ``code``, ``params`` for
translation and an English ``message``), so a facilitator can fix both files in one pass.
See :mod:`assembly.sortition.selection` for the draw itself.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assembly.csv_cells import escape_row, unescape_cell

QUOTA_COLUMNS = ("feature", "value", "min", "max")

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


def problem(code: str, message: str, **params: Param) -> Problem:
    return Problem(code=code, message=message, params=params)


def listing(items: Iterable[str], limit: int = 5) -> str:
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


MAX_CELL_LENGTH = 128 * 1024


def _sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(text: str, table: str) -> tuple[list[tuple[int, list[str]]], Problem | None]:
    """Non-blank rows with their line numbers, or the problem that makes the text unreadable.

    Line ends may be LF, CRLF or a lone CR. Reading is strict, so an unbalanced quote is an
    error instead of silently swallowing the rest of the file into one cell. A cell over
    128 KiB is no one's attribute and is refused; the length is checked here because the csv
    module's own limit is process-wide, and a library may raise it. Cells written with
    formula escaping (see :mod:`assembly.csv_cells`) are read back as they were.
    """
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line = 1  # where the row being read begins
    try:
        for cells in reader:
            if any(len(cell) > MAX_CELL_LENGTH for cell in cells):
                raise csv.Error("field larger than field limit")
            if any(cell.strip() for cell in cells):
                rows.append((reader.line_num, [unescape_cell(cell) for cell in cells]))
            line = reader.line_num + 1
    except csv.Error as error:
        reason = str(error)
        if "field larger" in reason:
            code, message = "cell_too_long", f"Line {line} of the {table} has a cell over 128 KiB."
        elif "end of data" in reason:
            code = "unbalanced_quote"
            message = f"A quotation mark in line {line} of the {table} is never closed."
        else:
            code = "unreadable_csv"
            message = f"Line {line} of the {table} is not valid CSV: check its quotation marks."
        return [], problem(code, message, table=table, line=line)
    return rows, None


def escaped_copy(text: str) -> str:
    """An uploaded CSV as the product hands it back: same cells and delimiter, with formula
    escaping (an unreadable upload never gets this far, since it is refused when uploaded)."""
    source = text.removeprefix("\ufeff")
    delimiter = _sniff_delimiter(source)
    reader = csv.reader(io.StringIO(source, newline=""), delimiter=delimiter)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for cells in reader:
        writer.writerow(escape_row(unescape_cell(cell) for cell in cells))
    return out.getvalue()


def _read_table(
    source: str | Iterable[Mapping[str, Any]], table: str
) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[Problem]]:
    """Header, (row number, row) pairs and problems; row 1 is the header row."""
    problems: list[Problem] = []
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")
        raw_rows, unreadable = _csv_rows(text, table)
        if unreadable is not None:
            return [], [], [unreadable]
        if not raw_rows:
            return [], [], [problem("empty_table", f"The {table} file is empty.", table=table)]
        header = [cell.strip() for cell in raw_rows[0][1]]
        for line, cells in raw_rows[1:]:
            extra = [cell for cell in cells[len(header) :] if cell.strip()]
            if extra:
                problems.append(
                    problem(
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
            return [], [], [problem("empty_table", f"The {table} has no rows.", table=table)]
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
            problem(
                "duplicate_column",
                f"The {table} has more than one column called '{name}'.",
                table=table,
                column=name,
            )
        )
    if not rows and not problems:
        problems.append(problem("empty_table", f"The {table} has no rows.", table=table))
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
            problem(
                "missing_column",
                f"The pool has no 'id' column. Its columns are: {listing(header, 20)}.",
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
                problem(
                    "missing_column",
                    f"The pool has no household column '{household_column}'. Its columns are: "
                    f"{listing(header, 20)}.",
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
                    problem(
                        "empty_id", f"Row {line} of the pool has no id.", table="pool", row=line
                    )
                )
            else:
                seen_rows.setdefault(person_id, []).append(line)
        for person_id, lines in seen_rows.items():
            if len(lines) > 1:
                where = ", ".join(str(line) for line in lines)
                problems.append(
                    problem(
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
            problem(
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
                problem(
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
                    problem(
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
        return None, [problem("empty_table", "The quotas have no rows.", table="quotas")]
    seen: set[tuple[str, str]] = set()
    spelling: dict[str, str] = {}
    for index, quota in enumerate(quotas):
        where = f"Row {lines[index]} of the quotas: the" if index in lines else "The"
        if quota.min < 0 or quota.max < 0:
            problems.append(
                problem(
                    "invalid_number",
                    f"{where} quota for {quota.feature}/{quota.value} has a negative bound.",
                    table="quotas",
                    feature=quota.feature,
                    value=quota.value,
                )
            )
        if quota.min > quota.max:
            problems.append(
                problem(
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
                problem(
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
class Prepared:
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
) -> tuple[Prepared | None, list[Problem]]:
    problems: list[Problem] = []
    features = _features(quotas)
    columns: dict[str, str] = {}
    for feature in features:
        column = pool.column(feature)
        if column is None or column in (pool.id_column, pool.household_column):
            problems.append(
                problem(
                    "missing_feature",
                    f"The quotas use the feature '{feature}', but the pool has no '{feature}' "
                    f"column. Its columns are: {listing(pool.columns, 20)}.",
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
                problem(
                    "empty_value",
                    f"{len(blanks)} pool member(s) have no value for '{feature}': "
                    f"{listing(blanks)}.",
                    feature=feature,
                    count=len(blanks),
                    ids=", ".join(blanks),
                )
            )
        for raw, count in unknown.items():
            problems.append(
                problem(
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
            problem(
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
                    problem(
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
                    problem(
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
                problem(
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
                problem(
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
                problem(
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
    return Prepared(pool, quotas, features, values, households), []


def validate_inputs(
    pool: str | Iterable[Mapping[str, Any]] | Pool,
    quotas: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    *,
    household_column: str | None = None,
) -> list[Problem]:
    """Every problem with a pool, its quotas and a panel size (empty when a draw can start)."""
    return prepare(pool, quotas, panel_size, household_column)[1]


def prepare(
    pool_source: str | Iterable[Mapping[str, Any]] | Pool,
    quota_source: str | Iterable[Mapping[str, Any]] | Sequence[Quota],
    panel_size: int,
    household_column: str | None,
) -> tuple[Prepared | None, list[Problem]]:
    pool, problems = _parse_pool(pool_source, household_column)
    quotas, quota_problems = _parse_quotas(quota_source)
    problems += quota_problems
    if pool is None or quotas is None:
        return None, problems
    return _cross_check(pool, quotas, panel_size)


def quota_counts(panel: Iterable[str], prepared: Prepared) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for person_id in panel:
        for feature, value in prepared.values[person_id].items():
            counts[feature, value] += 1
    return counts


def quota_breaches(
    counts: Mapping[tuple[str, str], int], quotas: Sequence[Quota]
) -> list[dict[str, Any]]:
    """Each quota the counts break: feature, value, the count, and the bound it passes."""
    breaches: list[dict[str, Any]] = []
    for q in quotas:
        got = counts.get((q.feature, q.value), 0)
        if got < q.min:
            breaches.append(
                {"feature": q.feature, "value": q.value, "got": got, "bound": "min", "limit": q.min}
            )
        elif got > q.max:
            breaches.append(
                {"feature": q.feature, "value": q.value, "got": got, "bound": "max", "limit": q.max}
            )
    return breaches


def breach_text(breach: Mapping[str, Any]) -> str:
    """A breach in the record's own words (English, as the command line prints it)."""
    side = "below its minimum" if breach["bound"] == "min" else "above its maximum"
    return (
        f"{breach['feature']}={breach['value']} would have {breach['got']}, "
        f"{side} of {breach['limit']}"
    )


def quota_violations(counts: Mapping[tuple[str, str], int], quotas: Sequence[Quota]) -> list[str]:
    return [breach_text(b) for b in quota_breaches(counts, quotas)]


def quota_excess(counts: Mapping[tuple[str, str], int], quotas: Sequence[Quota]) -> int:
    return sum(
        max(0, q.min - counts.get((q.feature, q.value), 0))
        + max(0, counts.get((q.feature, q.value), 0) - q.max)
        for q in quotas
    )


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
    # The same breaches as data, so pages can explain them in the reader's language.
    breaches: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
