"""``assembly scenario``: list, check and run the scenarios in ``scenarios/``.

Progress goes to standard error: a ``rich`` progress bar on a terminal, plain lines otherwise
(in logs and pipes a bar would only be noise). The report, with the address of the result and
the facilitator's sign-in, goes to standard output.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from assembly.scenarios.loader import list_scenarios, load_scenario
from assembly.scenarios.runner import STAGES, ProgressCallback, ScenarioRunError
from assembly.scenarios.schema import ScenarioError
from assembly.scenarios.simulation import MAX_PARTICIPANTS
from assembly.settings import PROJECT_ROOT

__all__ = ["find_scenarios_dir", "scenario"]

SCENARIOS_DIR_NAME = "scenarios"


def find_scenarios_dir() -> Path:
    """The project's ``scenarios/`` directory, else one in the working directory."""
    for candidate in (PROJECT_ROOT / SCENARIOS_DIR_NAME, Path.cwd() / SCENARIOS_DIR_NAME):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / SCENARIOS_DIR_NAME


@click.group("scenario")
def scenario() -> None:
    """Scenarios: complete assemblies written as data, played through the services."""


@scenario.command("list")
@click.argument(
    "directory",
    required=False,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
def list_command(directory: Path | None) -> None:
    """List the scenarios in DIRECTORY (default: the project's scenarios/).

    Exits with status 1 when a file in it does not validate.
    """
    folder = directory or find_scenarios_dir()
    if not folder.is_dir():
        raise click.ClickException(f"There is no scenarios directory at {folder}.")
    entries = list_scenarios(folder)
    if not entries:
        click.echo(f"No scenario files in {folder}.")
        return
    broken = 0
    for entry in entries:
        name = Path(entry.path).name
        if entry.ok:
            methods = ", ".join(entry.methods)
            click.echo(f"{name}  ({entry.slug}, {entry.language})  {entry.title}")
            click.echo(f"    {entry.topics} topics; voting: {methods}")
        else:
            broken += 1
            click.echo(f"{name}  INVALID")
            for line in (entry.error or "").splitlines():
                click.echo(f"    {line}")
    if broken:
        raise SystemExit(1)


@scenario.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check_command(file: Path) -> None:
    """Validate FILE without running it; errors name the file, line and key."""
    try:
        loaded = load_scenario(file)
    except ScenarioError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    methods = ", ".join(loaded.methods)
    click.echo(
        f"{file}: valid. “{loaded.title}” ({loaded.slug}, {loaded.assembly.language}): "
        f"{len(loaded.topics)} topics; voting: {methods}."
    )


@scenario.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--db", "database_url", default=None, help="SQLAlchemy URL of the database.")
@click.option(
    "--participants",
    type=click.IntRange(1, MAX_PARTICIPANTS),
    default=None,
    help="Simulated participants (default: the panel size).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Seed: the same seed gives the same assembly.",
)
@click.option("--no-sortition", is_flag=True, help="Skip the panel draw (faster).")
def run_command(
    file: Path,
    database_url: str | None,
    participants: int | None,
    seed: int,
    no_sortition: bool,
) -> None:
    """Create FILE's assembly and play the whole session into the database."""
    from assembly.cli import prepare_database
    from assembly.scenarios.runner import run_scenario
    from assembly.settings import Settings

    try:
        loaded = load_scenario(file)
    except ScenarioError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    overrides: dict[str, Any] = {"database_url": database_url} if database_url else {}
    settings = Settings.from_env(**overrides)
    prepare_database(settings)
    with progress_reporter() as progress:
        try:
            report = run_scenario(
                settings,
                loaded,
                participants=participants,
                seed=seed,
                sortition=not no_sortition,
                progress=progress,
            )
        except ScenarioRunError as error:
            raise click.ClickException(f"{file}: {error}") from error
    click.echo(report.describe())
    for warning in report.warnings:
        click.echo(f"  warning: {warning}", err=True)


@contextmanager
def progress_reporter(terminal: bool | None = None) -> Iterator[ProgressCallback]:
    """A progress callback: a bar on a terminal, plain lines otherwise."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    if terminal:
        with _rich_progress() as callback:
            yield callback
    else:
        yield PlainProgress()


@contextmanager
def _rich_progress() -> Iterator[ProgressCallback]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    tasks: dict[str, Any] = {}
    with Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=max(total, 1))
            bar.update(tasks[stage], completed=done if total else 1, total=max(total, 1))

        yield update


class PlainProgress:
    """Progress as plain lines: a stage's start, each quarter of a long one, and its end."""

    QUARTERS_FROM = 1000

    def __init__(self, echo: Any = None) -> None:
        self.echo = echo or (lambda text: click.echo(text, err=True))
        self.stage: str | None = None
        self.started = 0.0
        self.quarter = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        label = STAGES.get(stage, stage)
        if stage != self.stage:
            self.stage, self.started, self.quarter = stage, time.perf_counter(), 0
            self.echo(f"{label}...")
        if total <= 0:
            return
        # Quarters only where a stage is long enough for them to tell something.
        quarter = 4 * done // total if total >= self.QUARTERS_FROM else 4 * (done // total)
        if quarter > self.quarter:
            self.quarter = quarter
            seconds = time.perf_counter() - self.started
            self.echo(f"{label}: {done:,} of {total:,} ({seconds:.1f} s)")
