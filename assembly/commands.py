"""The command groups each domain package contributes to ``assembly``."""

from __future__ import annotations

import click

DOMAIN_COMMANDS: list[click.Command] = []
