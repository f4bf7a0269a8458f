"""``assembly export`` and ``assembly recount``."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from exports.export_seed import sqlite_only
from sqlalchemy import select

from assembly.db.models import AuditEvent
from assembly.exports.commands import export_command, recount_command
from assembly.settings import Settings


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("ASSEMBLY_BASE_URL", "https://assembly.example.org")
    return CliRunner()


def test_export_then_recount(runner: CliRunner, tmp_path: Path, db: Any) -> None:
    out = tmp_path / "package"
    result = runner.invoke(export_command, ["harbour", "--out", str(out), "--k", "3"])
    assert result.exit_code == 0, result.output
    assert f"assembly recount {out}" in result.output
    assert (out / "datapackage.json").exists()
    privacy = json.loads((out / "datapackage.json").read_text())["assembly:privacy"]
    assert privacy["suppression"]["k"] == 3

    async def audited(s: Any) -> AuditEvent:
        return await s.scalar(select(AuditEvent).where(AuditEvent.action == "research.exported"))

    event = db(audited)
    assert event.details["via"] == "cli"
    assert event.details["format"] == "datapackage"

    recount = runner.invoke(recount_command, [str(out)])
    assert recount.exit_code == 0, recount.output
    lines = recount.output.splitlines()
    assert lines[0].split() == [
        "Topic",
        "Method",
        "Ballots",
        "Published",
        "winners",
        "Recounted",
        "winners",
        "Result",
    ]
    assert sum(line.rstrip().endswith("match") for line in lines) == 2
    assert "All 2 published results match" in recount.output


@sqlite_only
def test_recount_fails_on_a_tampered_package(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "package"
    assert runner.invoke(export_command, ["harbour", "--out", str(out)]).exit_code == 0

    tampered = tmp_path / "tampered-result"
    shutil.copytree(out, tampered)
    result_file = tampered / "results" / "transport.json"
    published = json.loads(result_file.read_text())
    published["winners"] = list(reversed(published["winners"]))
    result_file.write_text(json.dumps(published))
    outcome = runner.invoke(recount_command, [str(tampered)])
    assert outcome.exit_code == 1
    assert "mismatch (different winners)" in outcome.output
    assert "parks" in outcome.output
    assert "1 of 2 topics do not match" in outcome.output

    stuffed = tmp_path / "tampered-ballots"
    shutil.copytree(out, stuffed)
    ballot_file = stuffed / "ballots" / "transport.json"
    data = json.loads(ballot_file.read_text())
    data["ballots"] += [[data["options"][-1]]] * 40
    ballot_file.write_text(json.dumps(data))
    outcome = runner.invoke(recount_command, [str(stuffed)])
    assert outcome.exit_code == 1
    assert "mismatch" in outcome.output

    blt = tmp_path / "tampered-blt"
    shutil.copytree(out, blt)
    text = (blt / "ballots" / "transport.blt").read_text().replace("\n0\n", "\n1 1 0\n0\n", 1)
    (blt / "ballots" / "transport.blt").write_text(text)
    outcome = runner.invoke(recount_command, [str(blt)])
    assert outcome.exit_code == 1
    assert "BLT file holds different ballots" in outcome.output

    missing = tmp_path / "missing-ballots"
    shutil.copytree(out, missing)
    (missing / "ballots" / "parks.json").unlink()
    outcome = runner.invoke(recount_command, [str(missing)])
    assert outcome.exit_code == 1
    assert "no ballot file" in outcome.output


@sqlite_only
def test_recount_reads_a_zip_and_refuses_what_is_not_a_package(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "package"
    assert (
        runner.invoke(export_command, ["harbour", "--out", str(out), "--format", "json"]).exit_code
        == 0
    )
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in out.rglob("*"):
            handle.write(path, path.relative_to(out).as_posix())
    outcome = runner.invoke(recount_command, [str(archive)])
    assert outcome.exit_code == 0, outcome.output
    empty = tmp_path / "empty"
    empty.mkdir()
    outcome = runner.invoke(recount_command, [str(empty)])
    assert outcome.exit_code == 1
    assert "no ballots/ or results/" in outcome.output
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    outcome = runner.invoke(recount_command, [str(not_zip)])
    assert outcome.exit_code == 1
    assert "neither a directory nor a ZIP" in outcome.output
    assert runner.invoke(recount_command, [str(tmp_path / "nowhere")]).exit_code == 2


@sqlite_only
def test_export_refuses_bad_requests(runner: CliRunner, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file.txt").write_text("x")
    outcome = runner.invoke(export_command, ["harbour", "--out", str(busy)])
    assert outcome.exit_code == 1
    assert "not empty" in outcome.output
    outcome = runner.invoke(export_command, ["no-such", "--out", str(tmp_path / "a")])
    assert outcome.exit_code == 1
    assert "no assembly with the slug 'no-such'" in outcome.output
    outcome = runner.invoke(
        export_command, ["harbour", "--out", str(tmp_path / "b"), "--key", "short"]
    )
    assert outcome.exit_code == 2
    assert "at least 16" in outcome.output
    outcome = runner.invoke(export_command, ["harbour", "--out", str(tmp_path / "c"), "--k", "0"])
    assert outcome.exit_code == 2
    outcome = runner.invoke(
        export_command, ["harbour", "--out", str(tmp_path / "d"), "--format", "xml"]
    )
    assert outcome.exit_code == 2


@sqlite_only
def test_polis_export_from_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "polis"
    key = "a long stable key for two exports"
    outcome = runner.invoke(
        export_command, ["harbour", "--out", str(out), "--format", "polis", "--key", key]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "recount" not in outcome.output
    assert (out / "transport" / "participants-votes.csv").exists()
    record = json.loads((out / "export.json").read_text())
    assert record["privacy"]["pseudonymisation"]["scope"] == "stable"
