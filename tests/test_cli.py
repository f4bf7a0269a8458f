"""The `assembly` command: help everywhere, users, catalogue, and the secret guard."""

from __future__ import annotations

from typing import Any

import click
import pytest
from click.testing import CliRunner

from assembly.cli import main
from assembly.settings import Settings


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_all_commands(command, path))
    return found


@pytest.mark.parametrize("path", [(), *_all_commands(main)])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_core_commands_exist() -> None:
    names = {" ".join(p) for p in _all_commands(main)}
    assert {
        "serve",
        "demo",
        "db upgrade",
        "user create",
        "catalogue list",
        "tally",
        "sortition select",
        "scenario run",
        "export",
        "recount",
    } <= names


def test_serve_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSEMBLY_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code != 0
    assert "ASSEMBLY_SECRET_KEY" in result.output


def test_catalogue_list() -> None:
    result = CliRunner().invoke(main, ["catalogue", "list", "--lang", "nb"])
    assert result.exit_code == 0
    assert "wigan-deal" in result.output


def test_user_create_reads_password_from_stdin(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, db: Any
) -> None:
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    result = runner.invoke(
        main, ["user", "create", "r@example.org", "--role", "researcher"], input="a long password\n"
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        main, ["user", "create", "r@example.org", "--role", "researcher"], input="a long password\n"
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
    short = runner.invoke(
        main, ["user", "create", "s@example.org", "--role", "admin"], input="short\n"
    )
    assert short.exit_code != 0


def test_every_command_is_in_the_readme() -> None:
    from assembly.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in main.commands if f"`assembly {name}" not in readme]
    assert missing == []


@pytest.mark.parametrize(
    ("arguments", "address"),
    [
        (["--port", "8765"], "http://127.0.0.1:8765"),
        (["--host", "0.0.0.0", "--port", "9000"], "http://127.0.0.1:9000"),
    ],
)
def test_letters_name_the_address_served(
    monkeypatch: pytest.MonkeyPatch, arguments: list[str], address: str
) -> None:
    import assembly.cli as cli

    served: list[str] = []
    monkeypatch.delenv("ASSEMBLY_BASE_URL", raising=False)
    monkeypatch.setattr(cli, "_serve", lambda *a: served.append(a[-1].base_url))
    result = CliRunner().invoke(main, ["serve", "--dev", *arguments])
    assert result.exit_code == 0, result.output
    assert served == [address]


def test_a_set_base_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    import assembly.cli as cli

    served: list[str] = []
    monkeypatch.setenv("ASSEMBLY_BASE_URL", "https://assembly.example.no")
    monkeypatch.setattr(cli, "_serve", lambda *a: served.append(a[-1].base_url))
    result = CliRunner().invoke(main, ["serve", "--dev", "--port", "8765"])
    assert result.exit_code == 0, result.output
    assert served == ["https://assembly.example.no"]
