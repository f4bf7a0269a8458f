"""``assembly scenario``: list, check and run the scenarios in ``scenarios/``.

Progress goes to standard error: a ``rich`` progress bar on a terminal, plain lines otherwise
(in logs and pipes a bar would only be noise). The report, with the address of the result and
the facilitator's sign-in, goes to standard output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from assembly.scenarios.loader import find_scenarios_dir, list_scenarios, load_scenario
from assembly.scenarios.progress import progress_reporter
from assembly.scenarios.runner import ScenarioRunError
from assembly.scenarios.schema import ScenarioError
from assembly.scenarios.simulation import MAX_PARTICIPANTS

__all__ = ["scenario"]


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
    from assembly.db.tasks import prepare_database
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
