"""Exports of the seeded assembly: validity, privacy, ballots, Polis files and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import frictionless
import pytest
from exports.export_seed import Seeded, sqlite_only
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from assembly.ballots.services import _remap
from assembly.db.models import Assembly, Ballot
from assembly.db.tasks import run_with_session
from assembly.exports.archive import zip_stream
from assembly.exports.ballot_files import ballot_checker, plainly_valid
from assembly.exports.recount import recount_package
from assembly.exports.services import (
    ExportError,
    ExportOptions,
    effective_phase,
    export_entries,
    export_to_directory,
)
from assembly.settings import Settings
from assembly.voting import InvalidBallot, InvalidParameters, validate_ballot

BASE_URL = "https://assembly.example.org"


def export(settings: Settings, out: Path, fmt: str = "datapackage", **options: Any) -> Path:
    async def work(db: Any) -> None:
        assembly = await db.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        await export_to_directory(
            db, assembly, ExportOptions(format=fmt, base_url=BASE_URL, **options), out
        )

    run_with_session(settings, work)
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_data_package_is_valid_and_complete(settings: Settings, tmp_path: Path) -> None:
    out = export(settings, tmp_path / "pkg")
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    package = json.loads((out / "datapackage.json").read_text())
    names = {r["name"] for r in package["resources"]}
    assert {"assemblies", "topics", "proposals", "arguments", "reactions", "ballots"} <= names
    assert {"participants", "results", "practice_links", "table_notes"} <= names
    assert {"sortition_selections", "sortition_probabilities", "sortition_quotas"} <= names
    assert {"demographic_breakdowns", "suppression_log"} <= names
    for resource in package["resources"]:
        assert resource["hash"].startswith("sha256:")
        assert resource["bytes"] > 0
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"README.md", "ballots/transport.json", "ballots/transport.blt"} <= files
    assert {"ballots/parks.json", "results/transport.json", "results/parks.json"} <= files
    assert "ballots/parks.blt" not in files  # approval ballots are not ranked
    assert not {f for f in files if "housing" in f or "draft-topic" in f}
    assert package["assembly:ballotFiles"] == [
        "ballots/transport.json",
        "ballots/transport.blt",
        "ballots/parks.json",
    ]
    readme = (out / "README.md").read_text()
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert f"| {field['name']} |" in readme


@sqlite_only
def test_recount_reproduces_the_published_results(settings: Settings, tmp_path: Path) -> None:
    out = export(settings, tmp_path / "pkg")
    result = {row.topic: row for row in recount_package(out)}
    assert set(result) == {"transport", "parks"}
    assert all(row.status == "match" for row in result.values())
    assert result["transport"].ballots == 22  # 21 cast and one cast before a merge


@sqlite_only
@pytest.mark.parametrize("fmt", ["datapackage", "polis", "json"])
def test_no_identifying_field_leaks(
    settings: Settings, seeded: Seeded, tmp_path: Path, fmt: str
) -> None:
    out = export(settings, tmp_path / fmt, fmt)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 5
    texts = {p: p.read_text(encoding="utf-8").lower() for p in files}
    for marker in seeded.markers:
        for path, text in texts.items():
            assert marker.lower() not in text, (marker, path.name)
    # Participants appear only as pseudonyms or (Polis) numbers, never by database id.
    if fmt == "datapackage":
        pseudonyms = {row["participant_id"] for row in rows(out / "participants.csv")}
        assert all(re.fullmatch(r"p_[0-9a-f]{16}", p) for p in pseudonyms)
        assert len(pseudonyms) == 24


def test_secret_ballots_are_unlinkable(
    settings: Settings, seeded: Seeded, tmp_path: Path, db: Any
) -> None:
    out = export(settings, tmp_path / "pkg")
    header = (out / "ballots.csv").read_text().splitlines()[0].split(",")
    assert not {"cast_at", "created_at", "updated_at", "receipt_hash"} & set(header)
    ballots = rows(out / "ballots.csv")
    secret = [b for b in ballots if b["topic_id"] == str(seeded.topics["transport"])]
    assert len(secret) == 23
    assert all(b["secrecy"] == "secret" and b["participant_id"] == "" for b in secret)
    # One ballot came on paper: too few to show the channel of any secret ballot.
    assert all(b["channel"] == "" for b in secret)
    log = rows(out / "suppression_log.csv")
    assert {"resource": "ballots", "cell": f"topic {seeded.topics['transport']}/channel"} in [
        {"resource": r["resource"], "cell": r["cell"]} for r in log
    ]

    # The rows follow the random ballot ids, not the order of casting.
    async def stored(s: Any) -> list[Any]:
        found = await s.scalars(
            select(Ballot).where(Ballot.topic_id == seeded.topics["transport"]).order_by(Ballot.id)
        )
        return [b.content for b in found]

    assert [json.loads(b["content"]) for b in secret] == db(stored)
    data = json.loads((out / "ballots/transport.json").read_text())
    assert set(data) == {"method", "options", "seats", "params", "ballots"}
    # Open ballots carry their voter's pseudonym, which is a participant of the package.
    people = {row["participant_id"] for row in rows(out / "participants.csv")}
    open_ballots = [b for b in ballots if b["topic_id"] == str(seeded.topics["parks"])]
    assert len(open_ballots) == 12
    assert all(b["secrecy"] == "open" and b["participant_id"] in people for b in open_ballots)
    assert all(b["channel"] == "online" for b in open_ballots)


@sqlite_only
def test_ballots_as_counted(settings: Settings, seeded: Seeded, tmp_path: Path) -> None:
    out = export(settings, tmp_path / "pkg")
    ballots = rows(out / "ballots.csv")
    merged = str(seeded.proposals["night_trains"])
    bike, buses = str(seeded.proposals["bike_lanes"]), str(seeded.proposals["free_buses"])
    before_merge = [b for b in ballots if json.loads(b["content"]) == [merged, buses]]
    assert len(before_merge) == 1
    assert json.loads(before_merge[0]["counted_content"]) == [bike, buses]
    set_aside = [b for b in ballots if b["counted"] == "false"]
    assert len(set_aside) == 1
    assert set_aside[0]["counted_content"] == ""
    assert json.loads(set_aside[0]["content"]) == {"not": "a ranking"}
    counted = json.loads((out / "ballots/transport.json").read_text())
    assert counted["options"] == seeded.secret_options
    assert counted["method"] == "stv"
    assert counted["seats"] == 2
    transport = str(seeded.topics["transport"])
    as_counted = [
        json.loads(b["counted_content"])
        for b in ballots
        if b["topic_id"] == transport and b["counted"] == "true"
    ]
    assert sorted(map(json.dumps, counted["ballots"])) == sorted(map(json.dumps, as_counted))
    assert not [b for b in ballots if b["topic_id"] == str(seeded.topics["housing"])]
    topics = {t["slug"]: t for t in rows(out / "topics.csv")}
    assert topics["housing"]["ballots_exported"] == "false"
    assert topics["transport"]["result_published"] == "true"
    results = [
        r for r in rows(out / "results.csv") if r["topic_id"] == str(seeded.topics["transport"])
    ]
    published = json.loads((out / "results/transport.json").read_text())
    elected = [
        r["proposal_id"]
        for r in sorted(results, key=lambda r: r["elected_order"] or "9")
        if r["elected"] == "true"
    ]
    assert elected == published["winners"]


@sqlite_only
def test_moderated_text_is_withheld(settings: Settings, seeded: Seeded, tmp_path: Path) -> None:
    out = export(settings, tmp_path / "pkg")
    proposals = {int(p["proposal_id"]): p for p in rows(out / "proposals.csv")}
    hidden = proposals[seeded.proposals["hidden"]]
    assert hidden["status"] == "hidden"
    assert hidden["title"] == ""
    assert hidden["body"] == ""
    assert proposals[seeded.proposals["ferry"]]["participant_id"] == ""
    merged = proposals[seeded.proposals["night_trains"]]
    assert merged["merged_into_id"] == str(seeded.proposals["bike_lanes"])
    hidden_arguments = [a for a in rows(out / "arguments.csv") if a["status"] == "hidden"]
    assert len(hidden_arguments) == 1
    assert hidden_arguments[0]["body"] == ""


@sqlite_only
def test_pseudonyms_differ_between_exports_unless_a_stable_key_is_chosen(
    settings: Settings, tmp_path: Path
) -> None:
    def people(out: Path) -> set[str]:
        return {row["participant_id"] for row in rows(out / "participants.csv")}

    first, second = export(settings, tmp_path / "a"), export(settings, tmp_path / "b")
    assert not people(first) & people(second)
    key = "our shared key for this study"
    third = export(settings, tmp_path / "c", stable_key=key)
    fourth = export(settings, tmp_path / "d", stable_key=key)
    other = export(settings, tmp_path / "e", stable_key="some other long study key")
    assert people(third) == people(fourth)
    assert not people(third) & people(other)
    privacy = json.loads((third / "datapackage.json").read_text())["assembly:privacy"]
    again = json.loads((fourth / "datapackage.json").read_text())["assembly:privacy"]
    assert privacy["pseudonymisation"]["scope"] == "stable"
    assert (
        privacy["pseudonymisation"]["key_fingerprint"]
        == again["pseudonymisation"]["key_fingerprint"]
    )
    for path in third.rglob("*"):
        if path.is_file():
            assert key not in path.read_text(encoding="utf-8")
    fresh = json.loads((first / "datapackage.json").read_text())["assembly:privacy"]
    assert fresh["pseudonymisation"]["scope"] == "export"
    assert "key_fingerprint" not in fresh["pseudonymisation"]


@sqlite_only
def test_small_demographic_cells_are_suppressed(
    settings: Settings, seeded: Seeded, tmp_path: Path
) -> None:
    out = export(settings, tmp_path / "pkg", k=5)
    cells = rows(out / "demographic_breakdowns.csv")
    people = {
        (c["question"], c["group"], c["measure"]): c
        for c in cells
        if c["breakdown"] == "participants"
    }
    # One person is "old": that count and enough others to hide it are withheld.
    old = people[("age", "old", "(all)")]
    assert old["count"] == ""
    assert old["suppressed"] == "primary"
    assert people[("age", "young", "(all)")]["count"] == "12"
    assert people[("age", "(all)", "(all)")]["count"] == "24"
    for count in (c["count"] for c in cells if c["count"]):
        assert count == "0" or int(count) >= 5
    # In every table, no row or column (with its total) has exactly one withheld count.
    tables: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for c in cells:
        tables.setdefault((c["breakdown"], c["subject_id"], c["question"]), []).append(c)
    assert len(tables) > 5
    for table in tables.values():
        for key in ("group", "measure"):
            for value in {c[key] for c in table}:
                line = [c for c in table if c[key] == value]
                assert sum(c["count"] == "" for c in line) != 1, (value, line)
    log = rows(out / "suppression_log.csv")
    withheld = [c for c in cells if c["count"] == ""]
    assert len([r for r in log if r["resource"] == "demographic_breakdowns"]) == len(withheld)
    assert {r["reason"] for r in log} == {"primary", "secondary"}
    privacy = json.loads((out / "datapackage.json").read_text())["assembly:privacy"]
    assert privacy["suppression"]["cells"] == len(log)
    assert privacy["suppression"]["k"] == 5
    # A lower threshold withholds less.
    lower = rows(export(settings, tmp_path / "k2", k=2) / "suppression_log.csv")
    assert len(lower) < len(log)
    quotas = rows(out / "sortition_quotas.csv")
    assert {q["selected"] for q in quotas} == {""}
    (draw,) = rows(out / "sortition_selections.csv")
    assert json.loads(draw["record"]) == {"seed": 42, "inputs": {"pool_sha256": "ab" * 32}}
    outcomes = sorted(p["outcome"] for p in rows(out / "sortition_probabilities.csv"))
    assert outcomes == ["alternate", "not_selected", "panel", "panel", "panel"]


@sqlite_only
@pytest.mark.filterwarnings("ignore::pydantic.warnings.UnsupportedFieldAttributeWarning")
def test_polis_files_match_the_polis_layout(
    settings: Settings, seeded: Seeded, tmp_path: Path
) -> None:
    from reddwarf.models import Statement, Vote

    out = export(settings, tmp_path / "polis", "polis")
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["housing", "parks", "transport"]  # the draft topic is left out
    topic = out / "transport"
    assert sorted(p.name for p in topic.iterdir()) == [
        "comments.csv",
        "participants-votes.csv",
        "summary.csv",
        "votes.csv",
    ]
    comments = rows(topic / "comments.csv")
    assert list(comments[0]) == [
        "timestamp",
        "datetime",
        "comment-id",
        "author-id",
        "agrees",
        "disagrees",
        "moderated",
        "comment-body",
    ]
    by_id = {int(c["comment-id"]): c for c in comments}
    assert by_id[seeded.proposals["ferry"]]["author-id"] == "0"
    assert by_id[seeded.proposals["hidden"]]["moderated"] == "-1"
    assert by_id[seeded.proposals["hidden"]]["comment-body"] == ""
    assert by_id[seeded.proposals["free_buses"]]["agrees"] == "8"
    statements = [Statement(**c) for c in comments]
    assert all(s.participant_id >= 0 for s in statements)
    votes = rows(topic / "votes.csv")
    assert list(votes[0]) == ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
    assert {v["vote"] for v in votes} == {"1", "-1", "0"}
    assert len(votes) == 24 + 24 + 12  # free buses, bike lanes (with the merged), car-free
    parsed = [Vote(**v) for v in votes]
    assert [(v.statement_id, v.participant_id) for v in parsed] == sorted(
        (v.statement_id, v.participant_id) for v in parsed
    )
    matrix = (topic / "participants-votes.csv").read_text().splitlines()
    header = matrix[0].split(",")
    assert header[:6] == [
        "participant",
        "group-id",
        "n-comments",
        "n-votes",
        "n-agree",
        "n-disagree",
    ]
    assert header[6:] == [str(i) for i in sorted(by_id)]
    assert len(matrix) == 1 + 24
    first = matrix[1].split(",")
    assert first[1] == ""
    assert "" in first[6:]
    summary = (topic / "summary.csv").read_text()
    assert not summary.endswith("\n")
    keys = [line.split(",", 1)[0] for line in summary.split("\n") if "," in line]
    assert keys[:3] == ["topic", "url", "voters"]
    assert "conversation-description" in keys
    assert f"url,{BASE_URL}/assemblies/harbour/topics/transport" in summary
    assert "voters,24" in summary


@sqlite_only
def test_json_lines_hold_the_same_rows(settings: Settings, tmp_path: Path) -> None:
    csv_out = export(settings, tmp_path / "csv")
    json_out = export(settings, tmp_path / "json", "json")
    manifest = json.loads((json_out / "export.json").read_text())
    for resource in manifest["resources"]:
        lines = (json_out / resource["path"]).read_text().splitlines()
        records = [json.loads(line) for line in lines]
        table = rows(csv_out / resource["path"].replace(".jsonl", ".csv"))
        assert len(records) == len(table), resource["name"]
        if records:
            assert list(records[0]) == [f["name"] for f in resource["schema"]["fields"]]
    ballots = [json.loads(line) for line in (json_out / "ballots.jsonl").read_text().splitlines()]
    assert {type(b["counted"]) for b in ballots} == {bool}
    assert (json_out / "ballots/transport.json").read_bytes() == (
        csv_out / "ballots/transport.json"
    ).read_bytes()
    assert all(row.status == "match" for row in recount_package(json_out))


@sqlite_only
def test_zip_stream_holds_the_same_files(settings: Settings, tmp_path: Path) -> None:
    import io
    import zipfile

    async def work(db: Any) -> bytes:
        assembly = await db.scalar(select(Assembly).where(Assembly.slug == "harbour"))
        chunks = [c async for c in zip_stream(export_entries(db, assembly, ExportOptions()))]
        return b"".join(chunks)

    data = run_with_session(settings, work)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert {"datapackage.json", "README.md", "ballots.csv", "ballots/transport.json"} <= set(
        archive.namelist()
    )
    target = tmp_path / "unzipped"
    archive.extractall(target)
    assert frictionless.validate(str(target / "datapackage.json")).valid


def test_options_are_checked() -> None:
    with pytest.raises(ExportError, match="unknown format"):
        ExportOptions(format="xml")
    with pytest.raises(ExportError, match="from 1 to 1000"):
        ExportOptions(k=0)
    with pytest.raises(ExportError, match="at least 16"):
        ExportOptions(stable_key="short")


def test_effective_phase_follows_the_schedule_forward_only() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    schedule = {"voting": "2029-12-01T10:00:00+00:00", "closed": "2030-02-01T10:00:00+00:00"}
    assert effective_phase("deliberation", schedule, now) == "voting"
    assert effective_phase("published", schedule, now) == "published"
    assert effective_phase("proposals", {"voting": "not a time"}, now) == "proposals"


OPTIONS = ["1", "2", "3", "4"]
RAW_BALLOTS = st.one_of(
    st.lists(st.sampled_from([*OPTIONS, "9", 5]), max_size=6),
    st.dictionaries(st.sampled_from([*OPTIONS, "9"]), st.integers(-2, 7), max_size=5),
    st.just("text"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [("stv", {}), ("approval", {}), ("approval", {"max_approvals": 2}), ("score", {})]
    ),
    RAW_BALLOTS,
)
def test_fast_ballot_check_agrees_with_the_engine(method_params: Any, content: Any) -> None:
    method, params = method_params
    kind = {"stv": "ranking", "approval": "approval", "score": "scores"}[method]
    seats = 2 if method == "stv" else 1
    ballot = _remap(kind, content, {o: o for o in OPTIONS})
    state = SimpleNamespace(kind=kind, max_approvals=params.get("max_approvals"))
    check = ballot_checker(method, OPTIONS, seats, params)
    assert check is not None
    try:
        validate_ballot(method, OPTIONS, ballot, seats=seats, **params)
        engine_says = True
    except (InvalidBallot, InvalidParameters):
        engine_says = False
    try:
        if not plainly_valid(state, ballot):  # type: ignore[arg-type]
            check(ballot)
        we_say = True
    except InvalidBallot:
        we_say = False
    assert we_say == engine_says


def test_checker_is_none_when_the_parameters_are_invalid() -> None:
    assert ballot_checker("score", OPTIONS, 1, {"min": 5, "max": 1}) is None
    assert ballot_checker("irv", OPTIONS, 3, {}) is None
