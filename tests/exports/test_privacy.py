"""Pseudonyms and small-cell suppression."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assembly.exports.privacy import (
    PRIMARY,
    SECONDARY,
    TOTAL,
    Pseudonymiser,
    key_fingerprint,
    new_key,
    pseudonymise,
    stable_key,
    suppress_table,
)


def test_pseudonym_is_prefixed_hmac_sha256() -> None:
    key = b"k" * 32
    expected = hmac.new(key, b"participant:42", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise("participant", 42, key) == "p_" + expected
    assert re.fullmatch(r"p_[0-9a-f]{16}", pseudonymise("participant", 1, new_key()))


def test_pseudonyms_differ_between_keys_and_kinds_but_not_between_calls() -> None:
    one, two = new_key(), new_key()
    assert one != two
    assert pseudonymise("participant", 7, one) == pseudonymise("participant", 7, one)
    assert pseudonymise("participant", 7, one) != pseudonymise("participant", 7, two)
    assert pseudonymise("participant", 7, one) != pseudonymise("pool-member", 7, one)


def test_pseudonymiser_remembers_and_passes_none_through() -> None:
    name = Pseudonymiser("participant", b"x" * 32, "s_")
    assert name(None) is None
    assert name(3) == name(3) == pseudonymise("participant", 3, b"x" * 32, "s_")


def test_stable_key_must_be_long_enough_and_fingerprint_is_stable() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        stable_key("short")
    key = stable_key("a facilitator's long key")
    assert key_fingerprint(key) == key_fingerprint(stable_key("a facilitator's long key"))
    assert key_fingerprint(key) != key_fingerprint(new_key())
    assert "facilitator" not in key_fingerprint(key)


def test_small_cells_are_withheld_and_totals_cannot_reveal_them() -> None:
    # rows: age groups; columns: agree, disagree. "old/agree" = 2 is below k = 5.
    table = suppress_table("t", ["young", "old"], ["agree", "disagree"], [[10, 20], [2, 8]], 5)
    assert table.cells[1][0] is None
    assert table.status[(1, 0)] == PRIMARY
    # Its row and its column each got a second withheld count...
    row_withheld = [j for j in range(3) if (1, j) in table.status]
    column_withheld = [i for i in range(3) if (i, 0) in table.status]
    assert len(row_withheld) >= 2
    assert len(column_withheld) >= 2
    # ... the smallest published one: old/disagree (8) and young/agree (10).
    assert table.status[(1, 1)] == SECONDARY
    assert table.status[(0, 0)] == SECONDARY
    # Every line (row or column with its total) has zero or at least two withheld counts.
    _assert_no_line_with_one_withheld(table)
    assert table.total == 40
    reasons = {(c.row, c.column): c.reason for c in table.suppressed}
    assert reasons[("old", "agree")] == PRIMARY
    assert reasons[("old", "disagree")] == SECONDARY


def test_zeros_are_published_and_margins_below_k_are_withheld() -> None:
    table = suppress_table("t", ["a", "b"], ["online", "paper"], [[12, 0], [3, 0]], 5)
    assert table.cells[0][1] == 0
    assert table.cells[1][1] == 0
    # 12 must go with the 3 (their column total is 15), and row a's total with the 12: a zero
    # is never chosen to protect a cell, since zeros elsewhere would give it away.
    assert table.cells[0][0] is None
    assert table.status[(0, 0)] == SECONDARY
    assert table.row_totals is not None
    assert table.row_totals == [None, None]
    entries = {(r, c): (v, s) for r, c, v, s in table.entries()}
    assert entries[("b", TOTAL)] == (None, PRIMARY)
    assert entries[(TOTAL, TOTAL)] == (15, "")
    _assert_no_line_with_one_withheld(table)


def test_one_way_table_protects_with_its_total() -> None:
    table = suppress_table(
        "q", ["x", "y", "z"], ["selected"], [[2], [9], [10]], 5, row_totals=False
    )
    assert [line[0] for line in table.cells] == [None, None, 10]
    assert table.column_totals == [21]
    assert table.row_totals is None


def test_threshold_must_be_positive_and_shape_must_match() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        suppress_table("t", ["a"], ["b"], [[1]], 0)
    with pytest.raises(ValueError, match="one value per column"):
        suppress_table("t", ["a"], ["b", "c"], [[1]], 5)


def _assert_no_line_with_one_withheld(table: object) -> None:
    status = table.status  # type: ignore[attr-defined]
    rows, columns = len(table.rows) + 1, len(table.columns) + 1  # type: ignore[attr-defined]
    for i in range(rows):
        assert sum((i, j) in status for j in range(columns)) != 1, f"row {i}"
    for j in range(columns):
        assert sum((i, j) in status for i in range(rows)) != 1, f"column {j}"


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda r: st.integers(1, 4).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(0, 30), min_size=c, max_size=c), min_size=r, max_size=r
            )
        )
    ),
    st.integers(2, 10),
)
def test_suppression_properties(counts: list[list[int]], k: int) -> None:
    rows = [f"r{i}" for i in range(len(counts))]
    columns = [f"c{j}" for j in range(len(counts[0]))]
    table = suppress_table("t", rows, columns, counts, k)
    _assert_no_line_with_one_withheld(table)
    for i, line in enumerate(counts):
        for j, value in enumerate(line):
            if 0 < value < k:
                assert table.cells[i][j] is None
            elif (i, j) not in table.status:
                assert table.cells[i][j] == value
    assert all(c.reason in (PRIMARY, SECONDARY) for c in table.suppressed)
    assert len(table.suppressed) == len(table.status)
