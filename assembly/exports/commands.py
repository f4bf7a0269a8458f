"""``assembly export`` and ``assembly recount``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from assembly.exports.privacy import DEFAULT_K, MIN_STABLE_KEY_LENGTH
from assembly.exports.recount import PackageError, format_table, opened_package, recount_package
from assembly.exports.services import FORMATS, ExportError, ExportOptions
from assembly.settings import Settings


async def _export(settings: Settings, slug: str, options: ExportOptions, out: Path) -> int:
    from assembly.db.engine import SessionMaker, create_engine
    from assembly.db.models import Assembly
    from assembly.exports.services import export_to_directory, record_export, snapshot

    engine = create_engine(settings, null_pool=True)
    try:
        async with SessionMaker(engine).for_read() as db:
            await snapshot(db)
            assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
            if assembly is None:
                raise click.ClickException(f"there is no assembly with the slug {slug!r}")
            written = await export_to_directory(db, assembly, options, out)
        async with SessionMaker(engine).for_write() as db:
            audited = await db.get(Assembly, assembly.id)
            assert audited is not None
            await record_export(db, audited, options, actor_kind="system", actor_id=None, via="cli")
            await db.commit()
        return len(written)
    finally:
        await engine.dispose()


@click.command("export")
@click.argument("assembly_slug")
@click.option(
    "--format",
    "format_",
    type=click.Choice(FORMATS),
    default="datapackage",
    show_default=True,
    help="datapackage: CSV tables with a Frictionless descriptor; polis: Polis-compatible "
    "CSVs per topic; json: the same tables as JSON Lines.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write to (made if missing; must be empty).",
)
@click.option(
    "--key",
    default=None,
    help=f"A stable pseudonym key (at least {MIN_STABLE_KEY_LENGTH} characters) so that several "
    "exports share pseudonyms. Without it every export gets a fresh random key.",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(1, 1000),
    default=DEFAULT_K,
    show_default=True,
    help="Small-cell threshold: demographic counts from 1 to k-1 are withheld.",
)
def export_command(assembly_slug: str, format_: str, out: Path, key: str | None, k: int) -> None:
    """Export ASSEMBLY_SLUG's pseudonymised research data into a directory."""
    if out.exists() and any(out.iterdir()):
        raise click.ClickException(f"{out} is not empty; choose a new or empty directory")
    settings = Settings.from_env()
    try:
        options = ExportOptions(format=format_, k=k, stable_key=key, base_url=settings.base_url)
    except ExportError as error:
        raise click.BadParameter(str(error), param_hint="--key") from None
    out.mkdir(parents=True, exist_ok=True)
    count = asyncio.run(_export(settings, assembly_slug, options, out))
    click.echo(f"Wrote {count} files to {out}.")
    if format_ != "polis":
        click.echo(f"Check the published results with: assembly recount {out}")


@click.command("recount")
@click.argument("package_dir", type=click.Path(exists=True, path_type=Path))
def recount_command(package_dir: Path) -> None:
    """Recount every topic of an export (a directory or its ZIP) and compare each result with
    the published one. Exits with status 1 when any topic does not match."""
    try:
        with opened_package(package_dir) as directory:
            rows = recount_package(directory)
    except PackageError as error:
        raise click.ClickException(str(error)) from None
    click.echo(format_table(rows))
    failed = [row for row in rows if row.failed]
    if failed:
        click.echo(f"\n{len(failed)} of {len(rows)} topics do not match.", err=True)
        raise SystemExit(1)
    checked = sum(1 for row in rows if row.status == "match")
    click.echo(f"\nAll {checked} published results match the ballots.")


COMMANDS: list[Any] = [export_command, recount_command]
