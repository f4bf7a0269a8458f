"""Text that a spreadsheet would run as a formula comes out of every export escaped."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from exports.export_seed import Seeded
from sqlalchemy import update

from assembly.csv_cells import unescape_cell
from assembly.db.models import Proposal
from assembly.db.tasks import run_with_session
from assembly.settings import Settings

from .test_services import export, rows

TITLE = '=HYPERLINK("https://evil.example","click")'
BODY = "@SUM(1)"


def _retitle(settings: Settings, proposal_id: int) -> None:
    async def work(db: Any) -> None:
        await db.execute(
            update(Proposal).where(Proposal.id == proposal_id).values(title=TITLE, body=BODY)
        )

    run_with_session(settings, work)


def test_package_and_polis_files_escape_formulas(
    settings: Settings, seeded: Seeded, tmp_path: Path
) -> None:
    proposal_id = seeded.proposals["bike_lanes"]
    _retitle(settings, proposal_id)

    out = export(settings, tmp_path / "pkg")
    row = next(p for p in rows(out / "proposals.csv") if int(p["proposal_id"]) == proposal_id)
    assert row["title"] == "'" + TITLE
    assert row["body"] == "'" + BODY
    assert unescape_cell(row["title"]) == TITLE
    assert "formula" in (out / "README.md").read_text(encoding="utf-8")
    # No cell anywhere in the package starts a formula.
    for path in out.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for cells in csv.reader(handle):
                for cell in cells:
                    assert not cell.startswith(("=", "@", "\t", "\r")), (path.name, cell)

    polis = export(settings, tmp_path / "polis", "polis")
    comments = rows(polis / "transport" / "comments.csv")
    bodies = [c["comment-body"] for c in comments if int(c["comment-id"]) == proposal_id]
    assert bodies
    assert bodies[0].startswith("'")
    assert not any(c["comment-body"].startswith(("=", "@", "+")) for c in comments)
