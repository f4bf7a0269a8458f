"""``assembly scenario list | check | run``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from assembly.cli import main
from assembly.commands import DOMAIN_COMMANDS
from assembly.db.models import Assembly, Topic
from assembly.db.tasks import run_with_session
from assembly.scenarios.commands import scenario
from assembly.scenarios.loader import find_scenarios_dir
from assembly.scenarios.progress import PlainProgress, progress_reporter
from assembly.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "trondheim-neighbourhood.toml"
FILES = sorted((ROOT / "scenarios").glob("*.toml"))


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["scenario", *args])


def broken_copy(folder: Path) -> Path:
    """The default scenario with a misspelt voting method on its second topic."""
    text = DEFAULT.read_text(encoding="utf-8")
    assert text.count('voting_method = "stv"') == 1
    bad = folder / "bad.toml"
    bad.write_text(text.replace('voting_method = "stv"', 'voting_method = "stvx"'), "utf-8")
    return bad


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(k for k, line in enumerate(lines, start=1) if needle in line)


def test_the_group_is_registered() -> None:
    assert scenario in DOMAIN_COMMANDS
    assert "scenario" in main.commands
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("list", "check", "run"):
        assert name in result.output


def test_list_shows_every_scenario_of_the_project() -> None:
    result = invoke("list")
    assert result.exit_code == 0, result.output
    for path in FILES:
        assert path.name in result.output
    assert "(studenthelse-gjovik-trondheim, nb)" in result.output
    assert "(trondheim-neighbourhood, en)" in result.output
    assert "voting: schulze, stv, approval" in result.output
    assert find_scenarios_dir() == ROOT / "scenarios"


def test_list_finds_the_scenarios_from_another_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("list")
    assert result.exit_code == 0
    assert "trondheim-neighbourhood.toml" in result.output


def test_list_marks_an_invalid_file_and_fails(tmp_path: Path) -> None:
    shutil.copy(DEFAULT, tmp_path / "good.toml")
    bad = broken_copy(tmp_path)
    result = invoke("list", str(tmp_path))
    assert result.exit_code == 1
    assert "good.toml  (trondheim-neighbourhood, en)" in result.output
    assert "bad.toml  INVALID" in result.output
    line = line_of(bad, 'voting_method = "stvx"')
    assert f"{bad}:{line}: topics[1].voting_method: unknown voting method 'stvx'" in result.output


def test_list_of_an_empty_directory(tmp_path: Path) -> None:
    result = invoke("list", str(tmp_path))
    assert result.exit_code == 0
    assert "No scenario files" in result.output


def test_check_accepts_every_scenario() -> None:
    for path in FILES:
        result = invoke("check", str(path))
        assert result.exit_code == 0, result.output
        assert f"{path}: valid." in result.output


def test_check_names_the_file_line_and_key(tmp_path: Path) -> None:
    bad = broken_copy(tmp_path)
    result = invoke("check", str(bad))
    assert result.exit_code == 1
    line = line_of(bad, 'voting_method = "stvx"')
    assert result.stderr.startswith(
        f"{bad}:{line}: topics[1].voting_method: unknown voting method 'stvx'"
    )
    assert "valid." not in result.stdout


def test_check_of_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("check", str(tmp_path / "nothing.toml"))
    assert result.exit_code == 2


def test_run_plays_a_scenario_into_the_given_database(settings: Settings) -> None:
    result = invoke(
        "run",
        str(DEFAULT),
        "--db",
        settings.database_url,
        "--participants",
        "12",
        "--seed",
        "5",
        "--no-sortition",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    base = Settings.from_env().base_url
    assert f"See it at {base}/assemblies/trondheim-neighbourhood" in out
    assert "Participants: 12 " in out
    assert "Facilitator: facilitator@demo.example / " in out
    assert f"published    {base}/assemblies/trondheim-neighbourhood/topics/" in out
    # Not a terminal: progress comes as plain lines on standard error.
    assert "Inviting and joining..." in result.stderr
    assert "Inviting and joining: 12 of 12" in result.stderr
    assert "Panel:" not in out

    async def read(db: Any) -> tuple[int, list[str]]:
        count = await db.scalar(select(func.count(Assembly.id)))
        phases = await db.scalars(
            select(Topic.phase).where(Topic.kind == "topic").order_by(Topic.position)
        )
        return int(count or 0), list(phases)

    assert run_with_session(settings, read) == (1, ["published", "voting", "proposals"])


def test_run_refuses_an_invalid_scenario(tmp_path: Path) -> None:
    bad = broken_copy(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'never.db'}"
    result = invoke("run", str(bad), "--db", url)
    assert result.exit_code == 1
    assert "unknown voting method 'stvx'" in result.stderr
    assert not (tmp_path / "never.db").exists()


def test_run_checks_its_options(tmp_path: Path) -> None:
    result = invoke("run", str(DEFAULT), "--participants", "0")
    assert result.exit_code == 2
    result = invoke("run", str(DEFAULT), "--participants", "100001")
    assert result.exit_code == 2
    result = invoke("run", str(DEFAULT), "--seed", "-1")
    assert result.exit_code == 2


def test_plain_progress_prints_stages_and_quarters() -> None:
    lines: list[str] = []
    progress = PlainProgress(lines.append)
    progress("setup", 0, 4)
    progress("setup", 1, 4)
    progress("setup", 4, 4)
    for done in range(0, 2001, 100):
        progress("reactions", done, 2000)
    assert lines[0] == "Setting up the assembly..."
    assert lines[1].startswith("Setting up the assembly: 4 of 4 (")
    assert lines[2] == "Reacting to proposals..."
    assert [line.split(" (")[0] for line in lines[3:]] == [
        "Reacting to proposals: 500 of 2,000",
        "Reacting to proposals: 1,000 of 2,000",
        "Reacting to proposals: 1,500 of 2,000",
        "Reacting to proposals: 2,000 of 2,000",
    ]


def test_the_terminal_progress_is_a_rich_bar(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_reporter(terminal=True) as progress:
        progress("participants", 0, 10)
        progress("participants", 10, 10)
        progress("closing", 0, 0)
    with progress_reporter(terminal=False) as plain:
        assert isinstance(plain, PlainProgress)
    assert "Inviting and joining" in capsys.readouterr().err
