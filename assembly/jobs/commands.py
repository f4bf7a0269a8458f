"""``assembly jobs``: run background jobs from the command line."""

from __future__ import annotations

import asyncio

import click

from assembly.settings import Settings

__all__ = ["jobs", "run_once"]


@click.group("jobs")
def jobs() -> None:
    """Background jobs, such as panel draws."""


@jobs.command("run-once")
def run_once() -> None:
    """Run every queued job (and re-queue abandoned ones), then exit."""
    from assembly.jobs.runner import run_pending

    count = asyncio.run(run_pending(Settings.from_env()))
    click.echo(f"Ran {count} job(s).")
