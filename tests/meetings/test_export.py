"""Speaking turns reach the research export as a per-table equity measure, small tables hidden."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import frictionless
from participants.assembly_seed import seed_assembly
from sqlalchemy import select

from assembly.db.models import Assembly, Meeting, SpeakingCount
from assembly.db.tasks import run_with_session
from assembly.exports.services import ExportOptions, export_to_directory
from assembly.settings import Settings


def _seed(db: Any) -> None:
    async def work(s: Any) -> None:
        seed = await seed_assembly(s, codes=0)
        meeting = Meeting(assembly_id=seed.assembly_id, title="Evening")
        s.add(meeting)
        await s.flush()
        # Table 1: six people counted, fairly even; table 2: two people only.
        for index, turns in enumerate([3, 2, 2, 1, 2, 2]):
            s.add(
                SpeakingCount(
                    meeting_id=meeting.id,
                    round_number=1,
                    table_number=1,
                    seat_key=f"s{index}",
                    turns=turns,
                )
            )
        for index, turns in enumerate([5, 1]):
            s.add(
                SpeakingCount(
                    meeting_id=meeting.id,
                    round_number=1,
                    table_number=2,
                    seat_key=f"t{index}",
                    turns=turns,
                )
            )

    db(work)


def test_speaking_equity_per_table_with_small_tables_suppressed(
    settings: Settings, db: Any, tmp_path: Path
) -> None:
    _seed(db)
    out = tmp_path / "pkg"

    async def work(s: Any) -> None:
        assembly = await s.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        await export_to_directory(s, assembly, ExportOptions(format="datapackage"), out)

    run_with_session(settings, work)
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "note"])
    with (out / "speaking_equity.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["table_number"] for r in rows] == ["1", "2"]
    first, second = rows
    assert (first["people_counted"], first["turns"]) == ("6", "12")
    assert (first["fewest_turns"], first["most_turns"]) == ("1", "3")
    assert 0.7 < float(first["equity"]) < 1
    # Two people: their turns would be known from the total and one extreme, so all is hidden.
    assert second["people_counted"] == "2"
    assert second["turns"] == second["equity"] == second["most_turns"] == ""
    with (out / "suppression_log.csv").open(encoding="utf-8", newline="") as handle:
        log = [r for r in csv.DictReader(handle) if r["resource"] == "speaking_equity"]
    assert len(log) == 1
    package = json.loads((out / "datapackage.json").read_text())
    assert "speaking_equity" in {r["name"] for r in package["resources"]}
    assert "seat_key" not in (out / "speaking_equity.csv").read_text()
