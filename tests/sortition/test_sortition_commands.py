"""``assembly sortition select``: output files, reproducibility and errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assembly.sortition.commands import sortition
from assembly.sortition.selection import SelectionResult

Rows = list[dict[str, str]]


def read_csv(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def inputs(
    tmp_path: Path, pool_rows: Rows, quotas_csv: str, to_csv: Callable[[Rows], str]
) -> tuple[Path, Path]:
    pool = tmp_path / "pool.csv"
    pool.write_text(to_csv(pool_rows), encoding="utf-8")
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(quotas_csv, encoding="utf-8")
    return pool, quotas


def invoke(pool: Path, quotas: Path, out: Path, size: int, seed: int, *extra: str) -> Result:
    args = ["--pool", str(pool), "--quotas", str(quotas), "--size", str(size), "--seed", str(seed)]
    return CliRunner().invoke(sortition, ["select", *args, "--out", str(out), *extra])


def test_select_writes_panel_alternates_probabilities_and_record(
    inputs: tuple[Path, Path], tmp_path: Path, pool_rows: Rows, drawn: SelectionResult
) -> None:
    pool, quotas = inputs
    out = tmp_path / "out"
    result = invoke(pool, quotas, out, 12, 7)
    assert result.exit_code == 0, result.output
    assert "Selected 12 of 80 with maximin (seed 7)" in result.stdout
    assert "Checking the pool" in result.stderr  # progress goes to stderr

    panel = read_csv(out / "panel.csv")
    assert [row["id"] for row in panel] == drawn.panel  # same draw as through the API
    by_id = {row["id"]: row for row in pool_rows}
    assert all(row == by_id[row["id"]] for row in panel)  # the pool's own rows, every column

    alternates = read_csv(out / "alternates.csv")
    assert [row["id"] for row in alternates] == drawn.alternates
    assert list(alternates[0]) == list(pool_rows[0])

    probabilities = read_csv(out / "probabilities.csv")
    assert [row["id"] for row in probabilities] == [row["id"] for row in pool_rows]
    assert sum(float(row["probability"]) for row in probabilities) == pytest.approx(12, abs=1e-6)

    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    assert record["seed"] == 7
    assert record["algorithm"] == "maximin"
    assert record["inputs"] == drawn.record["inputs"]
    assert record["library"]["name"] == "sortition-algorithms"
    assert len(record["quota_table"]) == 7
    assert all(row["min"] <= row["selected"] <= row["max"] for row in record["quota_table"])


def test_invalid_inputs_exit_non_zero_with_reasons(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    pool, quotas = inputs
    quotas.write_text("feature,value,min,max\ngender,female,9,3\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(pool, quotas, out, 12, 7, "--household-column", "flat", "--quiet")
    assert result.exit_code == 1
    assert "Selection is not possible" in result.stderr
    assert "minimum (9) greater than its maximum (3)" in result.stderr
    assert "household column 'flat'" in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_leximin_is_refused(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    pool, quotas = inputs
    result = invoke(pool, quotas, tmp_path / "out", 12, 7, "--algorithm", "leximin")
    assert result.exit_code == 1
    assert "Gurobi" in result.stderr


def test_impossible_selection_exits_non_zero(tmp_path: Path) -> None:
    pool = tmp_path / "pool.csv"
    pool.write_text(
        "id,gender,age\n"
        + "".join(f"w{i},female,young\n" for i in range(10))
        + "".join(f"m{i},male,old\n" for i in range(10)),
        encoding="utf-8",
    )
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(
        "feature,value,min,max\ngender,female,5,5\ngender,male,5,5\nage,young,3,3\nage,old,7,7\n",
        encoding="utf-8",
    )
    result = invoke(pool, quotas, tmp_path / "out", 10, 3, "--quiet")
    assert result.exit_code == 1
    assert "cannot all be met" in result.stderr


def test_help_lists_the_open_algorithms_only() -> None:
    result = CliRunner().invoke(sortition, ["select", "--help"])
    assert result.exit_code == 0
    assert "maximin" in result.stdout
    assert "nash" in result.stdout
    assert "leximin" not in result.stdout
