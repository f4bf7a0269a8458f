"""Pseudonyms and small-cell suppression for research exports.

Pseudonyms are HMAC-SHA256 of a record's kind and internal id under a key. Each export draws
a fresh random key and forgets it, so two exports cannot be joined on their pseudonyms; a
facilitator who wants joinable exports chooses a stable key, and only its fingerprint is
recorded in the package (never the key: internal ids are small numbers, so a known key would
reverse every pseudonym).

Suppression follows the usual statistical-disclosure rule for frequency tables: every count
from 1 to ``k - 1`` is withheld (primary suppression; a zero is published, since it counts
nobody and withholding it would cascade through every table of a rare category). Then,
because published totals would let a reader subtract their way back to a single withheld
cell, more cells are withheld until no row or column (with its total) holds exactly one
(secondary suppression). The complementary cell chosen is the smallest non-zero published one
in that line, which loses the least information.
This defeats recovery by subtraction within a line; it does not claim to defeat a full
linear-programming attack across many lines, which is why the threshold should stay
conservative. Written here rather than taken from a library because the statistical
disclosure-control packages for Python (sdcMicro is R) are large and aimed at microdata.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_K = 5
MIN_STABLE_KEY_LENGTH = 16
TOTAL = "(all)"
PRIMARY = "primary"
SECONDARY = "secondary"


# --- pseudonyms -----------------------------------------------------------------------------


def new_key() -> bytes:
    """A fresh random key for one export (256 bits)."""
    return secrets.token_bytes(32)


def stable_key(text: str) -> bytes:
    """A facilitator's chosen key, so that several exports share pseudonyms."""
    if len(text) < MIN_STABLE_KEY_LENGTH:
        raise ValueError(
            f"a stable key needs at least {MIN_STABLE_KEY_LENGTH} characters, "
            "so that nobody can guess it and reverse the pseudonyms"
        )
    return text.encode("utf-8")


def key_fingerprint(key: bytes) -> str:
    """A short public fingerprint: equal for exports made with the same stable key."""
    return hmac.new(key, b"assembly-export-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonymise(kind: str, internal_id: int | str, key: bytes, prefix: str = "p_") -> str:
    """``prefix`` + the first 16 hex digits of HMAC-SHA256(key, "kind:id")."""
    message = f"{kind}:{internal_id}".encode()
    return prefix + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


@dataclass
class Pseudonymiser:
    """Pseudonyms of one kind under one key, remembered so each id is hashed once."""

    kind: str
    key: bytes
    prefix: str = "p_"
    _cache: dict[int | str, str] = field(default_factory=dict, repr=False)

    def __call__(self, internal_id: int | str | None) -> str | None:
        if internal_id is None:
            return None
        found = self._cache.get(internal_id)
        if found is None:
            found = pseudonymise(self.kind, internal_id, self.key, self.prefix)
            self._cache[internal_id] = found
        return found


# --- suppression ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppressedCell:
    """One withheld count: which table, which row and column, and why."""

    table: str
    row: str
    column: str
    reason: str  # "primary" or "secondary"


@dataclass
class SuppressedTable:
    """A frequency table after suppression; ``None`` marks a withheld count.

    ``cells[i][j]`` for the interior; ``row_totals[i]``, ``column_totals[j]`` and ``total``
    for the margins (``None`` also when the margin is not published at all). ``status``
    gives "", "primary" or "secondary" for each published position, in the same layout.
    """

    name: str
    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None] | None
    column_totals: list[int | None] | None
    total: int | None
    status: dict[tuple[int, int], str]
    suppressed: list[SuppressedCell]

    def entries(self) -> list[tuple[str, str, int | None, str]]:
        """Every published position as (row, column, count, status), margins labelled TOTAL."""
        out: list[tuple[str, str, int | None, str]] = []
        r, c = len(self.rows), len(self.columns)
        for i, row in enumerate(self.rows):
            for j, column in enumerate(self.columns):
                out.append((row, column, self.cells[i][j], self.status.get((i, j), "")))
            if self.row_totals is not None:
                out.append((row, TOTAL, self.row_totals[i], self.status.get((i, c), "")))
        if self.column_totals is not None:
            for j, column in enumerate(self.columns):
                out.append((TOTAL, column, self.column_totals[j], self.status.get((r, j), "")))
            if self.row_totals is not None:
                out.append((TOTAL, TOTAL, self.total, self.status.get((r, c), "")))
        return out


def suppress_table(
    name: str,
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    k: int = DEFAULT_K,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
) -> SuppressedTable:
    """Withhold every count from 1 to ``k - 1`` (margins included), then enough others that no line
    (a row or a column together with its published total) has exactly one withheld count.

    With ``row_totals=False`` the table is a list of counts per column (a one-way breakdown):
    only the column totals constrain it.
    """
    if k < 1:
        raise ValueError("the threshold k must be at least 1")
    n_rows, n_cols = len(rows), len(columns)
    if any(len(values) != n_cols for values in counts) or len(counts) != n_rows:
        raise ValueError("counts must have one row per row label and one value per column")
    # The full grid, margins included: None where a margin is not published.
    grid: list[list[int | None]] = [
        [*(int(v) for v in counts[i]), sum(counts[i]) if row_totals else None]
        for i in range(n_rows)
    ]
    if column_totals:
        column_sums: list[int | None] = [
            sum(counts[i][j] for i in range(n_rows)) for j in range(n_cols)
        ]
        grand = sum(sum(values) for values in counts) if row_totals else None
        grid.append([*column_sums, grand])
    status: dict[tuple[int, int], str] = {}
    for i, grid_row in enumerate(grid):
        for j, value in enumerate(grid_row):
            if value is not None and 0 < value < k:
                status[(i, j)] = PRIMARY

    def lines() -> list[list[tuple[int, int]]]:
        found: list[list[tuple[int, int]]] = []
        if row_totals:
            for i in range(len(grid)):
                found.append([(i, j) for j in range(n_cols + 1) if grid[i][j] is not None])
        if column_totals:
            for j in range(n_cols + (1 if row_totals else 0)):
                found.append([(i, j) for i in range(len(grid)) if grid[i][j] is not None])
        return [line for line in found if len(line) > 1]

    constraint_lines = lines()
    changed = True
    while changed:
        changed = False
        for line in constraint_lines:
            withheld = [pos for pos in line if pos in status]
            if len(withheld) != 1:
                continue
            candidates = [pos for pos in line if pos not in status]
            # The smallest published count loses least; interior cells before margins on ties.
            # A zero comes last: zeros are published elsewhere, so hiding one protects little.
            i, j = min(candidates, key=lambda pos: _complement_order(grid, pos, n_rows, n_cols))
            status[(i, j)] = SECONDARY
            changed = True

    def label_row(i: int) -> str:
        return rows[i] if i < n_rows else TOTAL

    def label_column(j: int) -> str:
        return columns[j] if j < n_cols else TOTAL

    suppressed = [
        SuppressedCell(name, label_row(i), label_column(j), reason)
        for (i, j), reason in sorted(status.items())
    ]

    def shown(i: int, j: int) -> int | None:
        return None if (i, j) in status else grid[i][j]

    return SuppressedTable(
        name=name,
        rows=list(rows),
        columns=list(columns),
        cells=[[shown(i, j) for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown(i, n_cols) for i in range(n_rows)] if row_totals else None,
        column_totals=[shown(n_rows, j) for j in range(n_cols)] if column_totals else None,
        total=shown(n_rows, n_cols) if (row_totals and column_totals) else None,
        status=status,
        suppressed=suppressed,
    )


def _complement_order(
    grid: list[list[int | None]], pos: tuple[int, int], n_rows: int, n_cols: int
) -> tuple[bool, int, bool, tuple[int, int]]:
    value = grid[pos[0]][pos[1]] or 0
    return (value == 0, value, pos[0] == n_rows or pos[1] == n_cols, pos)
