"""The research package holds the drafting process, validates, and recounts every vote."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import frictionless
import pytest
from assemblies.manage_seed import fast_passwords  # noqa: F401  (an autouse fixture)
from click.testing import CliRunner
from exports.export_seed import sqlite_only
from recommendations.drafting_seed import complete_process, seed_drafting

from assembly.exports.commands import export_command, recount_command
from assembly.settings import Settings


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@sqlite_only
def test_the_package_validates_and_every_vote_recounts(
    settings: Settings, db: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = db(lambda s: seed_drafting(s, members=10))
    db(lambda s: complete_process(s, seed))
    monkeypatch.setenv("ASSEMBLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSEMBLY_SECRET_KEY", settings.secret_key)
    runner = CliRunner()
    out = tmp_path / "package"
    result = runner.invoke(export_command, [seed.slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    votes = {row["topic_id"]: row for row in _rows(out / "recommendation_votes.csv")}
    final = sorted(
        (int(v["recommendation_id"]), v["adopted"], v["yes"], v["no"], v["support"])
        for v in votes.values()
        if v["subject"] == "recommendation"
    )
    assert [row[1:] for row in final] == [
        ("true", "10", "0", "1.0"),
        ("false", "7", "3", "0.7"),
        ("true", "10", "0", "1.0"),
    ]
    assert {v["threshold"] for v in votes.values() if v["subject"] == "recommendation"} == {"4/5"}
    amendments = _rows(out / "amendments.csv")
    assert sorted(a["status"] for a in amendments) == ["adopted", "conflict"]
    assert all(a["participant_id"].startswith("p_") for a in amendments)
    statements = _rows(out / "minority_statements.csv")
    assert [(s["signatures"], s["shown"]) for s in statements] == [("2", "true")]
    assert len(_rows(out / "minority_signatures.csv")) == 2
    assert len(_rows(out / "responses.csv")) == 3
    assert len(_rows(out / "status_updates.csv")) == 6
    clauses = _rows(out / "recommendation_clauses.csv")
    assert "Open a covered market by 2026." in {c["text"] for c in clauses}
    topics = {t["slug"]: t for t in _rows(out / "topics.csv")}
    assert topics["recommendation-2"]["kind"] == "motion"
    assert topics["harbour-use"]["kind"] == "topic"
    codebook = (out / "README.md").read_text(encoding="utf-8")
    assert "recommendation_votes.csv" in codebook
    recount = runner.invoke(recount_command, [str(out)])
    assert recount.exit_code == 0, recount.output
    for slug in (
        "recommendation-1",
        "recommendation-2",
        "recommendation-3",
        "recommendation-1-amendment-1",
        "recommendation-1-amendment-2",
    ):
        line = next(line for line in recount.output.splitlines() if line.startswith(slug + " "))
        assert line.rstrip().endswith("match"), line
