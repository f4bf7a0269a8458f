"""``assembly sortition``: draw a panel from the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click

from assembly.csv_cells import escape_cell, escape_row
from assembly.sortition.selection import (
    MAX_SEED,
    Pool,
    SelectionError,
    SelectionResult,
    draw_panel,
    parse_pool,
)

__all__ = ["select", "sortition"]


@click.group("sortition")
def sortition() -> None:
    """Civic lottery: draw a fair, stratified panel from a pool."""


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{path} is not UTF-8 text: {error}") from error


def _write_rows(path: Path, pool: Pool, ids: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(escape_row(pool.columns))
        writer = csv.DictWriter(handle, fieldnames=list(pool.columns))
        rows = {row[pool.id_column]: row for row in pool.rows}
        for person_id in ids:
            writer.writerow({k: escape_cell(v) for k, v in rows[person_id].items()})


def _write_outputs(out: Path, pool: Pool, result: SelectionResult) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write_rows(out / "panel.csv", pool, result.panel)
    _write_rows(out / "alternates.csv", pool, result.alternates)
    with (out / "probabilities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "probability"])
        for person_id, probability in result.probabilities.items():
            writer.writerow([person_id, f"{probability:.10f}"])
    record = {**result.record, "quota_table": result.to_dict()["quota_table"]}
    (out / "record.json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )


@sortition.command("select")
@click.option(
    "--pool",
    "pool_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pool CSV: a header row, an id column and one column per feature.",
)
@click.option(
    "--quotas",
    "quotas_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Quotas CSV with the columns feature,value,min,max.",
)
@click.option("--size", required=True, type=int, help="Number of people to select.")
@click.option(
    "--seed",
    required=True,
    type=int,
    help=f"Seed of the lottery (1 to {MAX_SEED}); the same inputs and seed give the same panel.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for panel.csv, alternates.csv, probabilities.csv and record.json.",
)
@click.option(
    "--algorithm",
    default="maximin",
    show_default=True,
    help="maximin (raises the lowest selection probability) or nash.",
)
@click.option(
    "--household-column",
    default=None,
    help="Pool column with a household or address key: at most one person per household.",
)
@click.option("--quiet", is_flag=True, help="Do not print progress on stderr.")
def select(
    pool_path: Path,
    quotas_path: Path,
    size: int,
    seed: int,
    out: Path,
    algorithm: str,
    household_column: str | None,
    quiet: bool,
) -> None:
    """Draw a panel of SIZE from the pool, meeting every quota."""
    pool_text = _read_text(pool_path)
    quota_text = _read_text(quotas_path)

    def progress(stage: str) -> None:
        if not quiet:
            click.echo(f"... {stage}", err=True)

    try:
        result = draw_panel(
            pool_text,
            quota_text,
            size,
            seed=seed,
            algorithm=algorithm,
            household_column=household_column,
            progress=progress,
        )
    except SelectionError as error:
        click.echo("Selection is not possible:", err=True)
        for problem in error.problems:
            click.echo(f"- {problem.message}", err=True)
        raise SystemExit(1) from error
    _write_outputs(out, parse_pool(pool_text, household_column=household_column), result)
    click.echo(
        f"Selected {len(result.panel)} of {result.pool_size} with {result.algorithm} "
        f"(seed {result.seed}). Lowest selection probability {result.min_probability:.4f}, "
        f"ideal {result.ideal_probability:.4f} ({result.min_to_ideal:.0%} of the ideal)."
    )
    click.echo(f"Wrote panel.csv, alternates.csv, probabilities.csv and record.json to {out}.")
