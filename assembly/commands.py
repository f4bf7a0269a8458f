"""The command groups each domain package contributes to ``assembly``."""

from __future__ import annotations

import click

from assembly.exports.commands import export_command, recount_command
from assembly.jobs.commands import jobs
from assembly.scenarios.commands import scenario
from assembly.sortition.commands import sortition
from assembly.voting.commands import tally_command

DOMAIN_COMMANDS: list[click.Command] = [tally_command, jobs, scenario]
DOMAIN_COMMANDS += [export_command, recount_command]
DOMAIN_COMMANDS += [sortition]  # `assembly sortition select`, which the fairness report cites
