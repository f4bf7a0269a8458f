"""Progress of a scenario run on standard error: a ``rich`` bar on a terminal, plain lines
otherwise (in logs and pipes a bar would only be noise)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from assembly.scenarios.report import STAGES, ProgressCallback

__all__ = ["PlainProgress", "progress_reporter"]


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
