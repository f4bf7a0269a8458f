"""Formula escaping of CSV cells, and reading the escaped form back."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from assembly.csv_cells import escape_cell, escape_text, unescape_cell


def test_cells_starting_a_formula_get_an_apostrophe() -> None:
    for text in ("=1+1", "+cmd|calc", "-2+3", "@SUM(1)", "\tx", "\rx", "'=already"):
        assert escape_text(text) == "'" + text


def test_plain_text_numbers_and_non_text_pass_through() -> None:
    for text in ("", "Free buses", "-3", "+1.5", "2e-3", "'quoted", "18-24"):
        assert escape_text(text) == text
    assert escape_cell(-1) == -1
    assert escape_cell(None) is None
    assert escape_cell(True) is True


@given(st.text())
def test_escaping_round_trips_through_csv(text: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([escape_text(text)])
    (cell,) = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert unescape_cell(cell) == text
    assert not escape_text(text).startswith(("=", "@", "\t", "\r"))
