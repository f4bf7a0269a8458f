"""The ``assembly`` command line: serve, demo, database, users, catalogue, and the domain tools."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from assembly.db.tasks import prepare_database, run_with_session
from assembly.errors import InvalidInput
from assembly.settings import Settings, documented_variables

T = TypeVar("T")


def _env_help() -> str:
    lines = [f"  {name}: {doc}" for name, doc in documented_variables().items()]
    return "Configuration comes from the environment:\n\n" + "\n".join(lines)


@click.group(
    help="Assembly: citizens' assemblies, from the lottery to the research export.\n\n"
    + _env_help()
)
def main() -> None:
    """Entry point."""


def _serve(host: str, port: int, workers: int, dev: bool, settings: Settings) -> None:
    import uvicorn

    from assembly.web.server import uvicorn_options

    if settings.uses_development_secret and not dev:
        raise click.ClickException(
            "ASSEMBLY_SECRET_KEY is not set. Set it to a long random value, "
            "or pass --dev to run with the development secret on your own machine."
        )
    click.echo(f"Assembly is running at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(
        "assembly.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=False,
        **uvicorn_options(settings),
    )


_serve_options = [
    click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on."),
    click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on."),
    click.option("--workers", default=1, show_default=True, type=int, help="Worker processes."),
    click.option("--dev", is_flag=True, help="Allow the development secret (never in production)."),
]


def _address_for_letters(host: str, port: int) -> None:
    """Unless ASSEMBLY_BASE_URL says otherwise, letters and printed links name the address served
    (the workers read it from the environment)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    os.environ.setdefault("ASSEMBLY_BASE_URL", f"http://{shown}:{port}")


def serve_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_serve_options):
        func = option(func)
    return func


@main.command(help="Serve the application.")
@serve_options
def serve(host: str, port: int, workers: int, dev: bool) -> None:
    _address_for_letters(host, port)
    _serve(host, port, workers, dev, Settings.from_env())


@main.command(help="Migrate, load the demo scenario into an empty database, and serve it.")
@serve_options
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the demo.")
def demo(host: str, port: int, workers: int, dev: bool, seed: int) -> None:
    from assembly.demo import load_demo_if_empty

    _address_for_letters(host, port)
    settings = Settings.from_env()
    prepare_database(settings)
    details = load_demo_if_empty(settings, seed=seed)
    if details:
        click.echo(details)
    else:
        from assembly.demo import existing_database_text

        click.echo(existing_database_text(settings))
    _serve(host, port, workers, dev or settings.uses_development_secret, settings)


@main.group(help="Database schema.")
def db() -> None:
    """Database commands."""


@db.command(help="Upgrade the database to the newest schema and sync the catalogue.")
def upgrade() -> None:
    settings = Settings.from_env()
    prepare_database(settings)
    click.echo("The database is up to date.")


@main.group(help="Accounts of facilitators, researchers, administrators and responders.")
def user() -> None:
    """Account commands."""


@user.command("create", help="Create an account. The password is read from stdin or a prompt.")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["facilitator", "researcher", "admin", "responder"]),
    required=True,
    help="What the account may do.",
)
@click.option("--name", default="", help="Display name.")
def user_create(email: str, role: str, name: str) -> None:
    from assembly.accounts.services import create_account

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    settings = Settings.from_env()

    async def work(session: Any) -> None:
        await create_account(session, email, password, role, name)

    try:
        run_with_session(settings, work)
    except InvalidInput as exc:
        raise click.ClickException(
            "; ".join(str(message) for message in exc.errors.values())
        ) from exc
    click.echo(f"Created the {role} account {email}.")


@user.command(
    "reset-password",
    help="Make a one-time link with which the account's holder chooses a new password. "
    "It works once, for 24 hours; the current password works until then.",
)
@click.argument("email")
def user_reset_password(email: str) -> None:
    from sqlalchemy import select

    from assembly.accounts.services import RESET_VALID, issue_password_link
    from assembly.db.models import Account
    from assembly.forms_common import normalise_email

    settings = Settings.from_env()

    async def work(session: Any) -> str:
        account = await session.scalar(
            select(Account).where(Account.email == normalise_email(email))
        )
        if account is None:
            raise click.ClickException(f"No account has the e-mail address {email}.")
        if not account.is_active:
            raise click.ClickException(
                f"The account {account.email} is disabled. An administrator can enable it "
                "again on the Accounts page first."
            )
        return str(await issue_password_link(session, account, settings.secret_key))

    code = run_with_session(settings, work)
    base = settings.base_url.rstrip("/")
    hours = int(RESET_VALID.total_seconds() // 3600)
    click.echo(f"Open this link to choose a new password for {normalise_email(email)}:")
    click.echo(f"  {base}/account/reset/{code}")
    click.echo(
        f"It works once, within {hours} hours. Or type the code {code} at {base}/account/reset"
    )


@main.group(help="The catalogue of spotlight areas and promising practices.")
def catalogue() -> None:
    """Catalogue commands."""


@catalogue.command("list", help="List the spotlight areas and practices.")
@click.option("--lang", type=click.Choice(["en", "nb"]), default="en", show_default=True)
def catalogue_list(lang: str) -> None:
    from assembly.catalogue.data import load_catalogue

    data = load_catalogue()
    click.echo("Spotlight areas:")
    for area in data.areas:
        click.echo(f"  {area.slug}: {area.name_nb if lang == 'nb' else area.name_en}")
    click.echo(f"Practices ({len(data.practices)}):")
    for practice in data.practices:
        title = practice.title_nb if lang == "nb" else practice.title_en
        click.echo(f"  {practice.slug} [{practice.kind}] {title}")


def _register_domain_commands() -> None:
    """Commands that live beside their domain, so each package owns its own CLI."""
    from assembly.commands import DOMAIN_COMMANDS

    for command in DOMAIN_COMMANDS:
        main.add_command(command)


_register_domain_commands()
