"""The Polis benchmark reads openData's files and scores a conversation whose groups it knows."""

from __future__ import annotations

import csv
import importlib.util
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from assembly.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def bench() -> Any:
    path = PROJECT_ROOT / "bench" / "bench_polis.py"
    spec = importlib.util.spec_from_file_location("bench_polis", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_polis"] = module
    spec.loader.exec_module(module)
    return module


def write_conversation(folder: Path, *, with_votes: bool) -> None:
    """Two planted groups of 30 over 12 comments, in openData's layout (agree = 1)."""
    rng = random.Random(3)
    folder.mkdir(parents=True)
    comments = [str(c) for c in range(12)]
    votes, rows = [], []
    for pid in range(60):
        group = pid % 2
        row = {}
        for c in comments:
            if rng.random() < 0.1:
                continue
            agree = (int(c) % 2 == group) == (rng.random() < 0.9)
            row[c] = 1 if agree else -1
            votes.append((1000 * len(votes), pid, c, row[c]))
        rows.append(
            [str(pid), "", str(group), "0", str(len(row)), "0", "0"]
            + [str(row.get(c, "")) for c in comments]
        )
    with (folder / "participants-votes.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "participant",
                "xid",
                "group-id",
                "n-comments",
                "n-votes",
                "n-agree",
                "n-disagree",
                *comments,
            ]
        )
        writer.writerows(rows)
    with (folder / "comments.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "timestamp",
                "datetime",
                "comment-id",
                "author-id",
                "agrees",
                "disagrees",
                "moderated",
                "comment-body",
            ]
        )
        writer.writerows([[0, "", c, 0, 0, 0, 1, f"Comment {c}"] for c in comments])
        writer.writerow([0, "", "99", 0, 0, 0, -1, "Moderated out, never voted on"])
    if with_votes:
        with (folder / "votes.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
            writer.writerows([[t, "", c, p, v] for t, p, c, v in votes])


def test_a_conversation_with_known_groups_scores_high(bench: Any, tmp_path: Path) -> None:
    write_conversation(tmp_path / "planted", with_votes=True)
    write_conversation(tmp_path / "copy" / "planted-again", with_votes=False)
    rows = bench.run(tmp_path)
    assert [r["conversation"] for r in rows] == ["planted"]  # the same files count once
    (row,) = rows
    assert row["polis_k"] == row["assembly_k"] == 2
    assert row["ari"] >= 0.9
    assert row["polis_grouped"] == row["assembly_grouped"] == 60
    assert "| planted | 60 |" in bench.markdown(rows)
    conversation = bench.load(tmp_path / "copy" / "planted-again")
    assert not conversation.in_vote_order
    assert conversation.moderated_out == {"99"}


def _documented_rows() -> dict[str, list[str]]:
    """The rows of the table in docs/summaries.md, by conversation."""
    text = (PROJECT_ROOT / "docs" / "summaries.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] and cells[1].replace(",", "").isdigit():
            rows[cells[0]] = cells
    return rows


def test_the_included_conversations_score_as_documented(bench: Any) -> None:
    """Polis's own groups on real conversations: the guide's figures are what the code gives."""
    documented = _documented_rows()
    rows = bench.run(bench.INCLUDED_DATA)
    assert len(rows) == 10
    for row in rows:
        cells = documented[row["conversation"]]
        assert cells[1] == f"{row['participants']:,}"
        assert cells[3] == f"{row['polis_k']} / {row['assembly_k']}"
        assert cells[4].split()[0] == f"{row['ari']:.3f}"
        assert cells[5] == f"{row['ari_both']:.3f}"
        assert cells[7] == row["rule"]
    good = [r for r in rows if r["ari"] >= 0.8 and r["polis_k"] == r["assembly_k"]]
    assert len(good) >= 5


def test_make_bench_scores_the_included_conversations(
    bench: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BENCH_POLIS_DATA", raising=False)
    rows = bench.collect()
    assert len(rows) == 11  # ten conversations and the totals
    assert rows[-1]["metric"] == "conversations with ARI >= 0.8 and the same k"
