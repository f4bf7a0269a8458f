"""Recounting an export: every topic's published result, recomputed from its ballot file.

Needs only the files of the package (and the voting engine), so anyone who received the
export can check the published results without access to the application.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assembly.exports.blt import BltError, read_blt
from assembly.voting import InvalidBallot, InvalidParameters, tally

MATCH = "match"
MISMATCH = "mismatch"
UNPUBLISHED = "not published"
ERROR = "error"


@dataclass
class RecountRow:
    topic: str
    method: str
    ballots: int
    published: list[str] | None
    recounted: list[str] | None
    status: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status in (MISMATCH, ERROR)


class PackageError(ValueError):
    """The directory is not an export this command can recount."""


@contextlib.contextmanager
def opened_package(path: Path) -> Iterator[Path]:
    """The package as a directory: itself, or a ZIP download unpacked into a temporary one."""
    if path.is_dir():
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{path} is neither a directory nor a ZIP file")
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(path) as archive:
        root = Path(tmp).resolve()
        for member in archive.namelist():
            target = (root / member).resolve()
            if root not in target.parents:
                raise PackageError(f"{path} holds a file outside its folder: {member}")
        archive.extractall(root)  # every member was checked above to stay inside
        yield root


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageError(f"cannot read {path.name}: {error}") from None


def _recount_one(ballot_file: Path) -> tuple[dict[str, Any], list[str], list[list[str]]]:
    data = _read_json(ballot_file)
    if not isinstance(data, dict) or not isinstance(data.get("ballots"), list):
        raise PackageError(f"{ballot_file.name} has no list of ballots")
    options = [str(o) for o in data.get("options") or []]
    if not options:
        return data, [], []
    params = dict(data.get("params") or {})
    params.pop("seats", None)
    result = tally(
        str(data.get("method")),
        options,
        data["ballots"],
        seats=int(data.get("seats") or 1),
        **params,
    )
    return data, list(result.winners), [list(tier) for tier in result.ranking]


def _blt_agrees(blt_file: Path, data: dict[str, Any]) -> bool:
    election = read_blt(blt_file.read_text(encoding="utf-8"))
    options = [str(o) for o in data.get("options") or []]
    if len(election.candidates) != len(options):
        return False
    rankings = [
        [options[n - 1] for n in numbers]
        for weight, numbers in election.ballots
        for _ in range(int(weight))
    ]
    return sorted(map(tuple, rankings)) == sorted(tuple(b) for b in data["ballots"])


def recount_package(directory: Path) -> list[RecountRow]:
    """One row per topic that has a ballot file or a published result."""
    ballots_dir, results_dir = directory / "ballots", directory / "results"
    ballot_files = (
        {p.stem: p for p in sorted(ballots_dir.glob("*.json"))} if ballots_dir.is_dir() else {}
    )
    result_files = (
        {p.stem: p for p in sorted(results_dir.glob("*.json"))} if results_dir.is_dir() else {}
    )
    if not ballot_files and not result_files:
        raise PackageError(f"{directory} has no ballots/ or results/ files to recount")
    rows: list[RecountRow] = []
    for topic in sorted(set(ballot_files) | set(result_files)):
        published = _read_json(result_files[topic]) if topic in result_files else None
        if published is not None and not isinstance(published, dict):
            raise PackageError(f"results/{topic}.json is not a result")
        method = str((published or {}).get("method", ""))
        winners = [str(w) for w in (published or {}).get("winners", [])] if published else None
        if topic not in ballot_files:
            rows.append(RecountRow(topic, method, 0, winners, None, MISMATCH, "no ballot file"))
            continue
        try:
            data, recounted, ranking = _recount_one(ballot_files[topic])
        except (InvalidBallot, InvalidParameters, PackageError, TypeError, ValueError) as error:
            rows.append(RecountRow(topic, method, 0, winners, None, ERROR, str(error)))
            continue
        method = str(data.get("method", method))
        count = len(data["ballots"])
        detail = ""
        blt_file = ballots_dir / f"{topic}.blt"
        if blt_file.exists():
            try:
                if not _blt_agrees(blt_file, data):
                    detail = "the BLT file holds different ballots"
            except BltError as error:
                detail = f"the BLT file cannot be read: {error}"
        if published is None:
            status = MISMATCH if detail else UNPUBLISHED
            rows.append(RecountRow(topic, method, count, None, recounted, status, detail))
            continue
        expected_ranking = [[str(o) for o in tier] for tier in published.get("ranking", [])]
        same = winners == recounted and expected_ranking == ranking
        if not same:
            detail = detail or (
                "different winners" if winners != recounted else "different ranking"
            )
        status = MATCH if same and not detail else MISMATCH
        rows.append(RecountRow(topic, method, count, winners, recounted, status, detail))
    return rows


def format_table(rows: list[RecountRow]) -> str:
    header = ("Topic", "Method", "Ballots", "Published winners", "Recounted winners", "Result")
    table = [header] + [
        (
            row.topic,
            row.method,
            str(row.ballots),
            "-" if row.published is None else (", ".join(row.published) or "(none)"),
            "-" if row.recounted is None else (", ".join(row.recounted) or "(none)"),
            row.status + (f" ({row.detail})" if row.detail else ""),
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
