"""Benchmark: Assembly's opinion groups against Polis's own, on Polis's public conversations.

Polis publishes conversations with the groups it computed (compdemocracy/openData: the
``group-id`` column of ``participants-votes.csv``). For each conversation this recomputes the
groups from the same reactions and moderation, and scores the agreement with the adjusted Rand
index (ARI):

- over every participant Polis grouped, one Assembly left ungrouped counting as a group of its
  own (the strict figure);
- over the participants both grouped (how alike the two partitions are where both speak).

It also gives both numbers of groups (k), the group sizes, and the time to compute.

Ten of those conversations ship with the repository under ``bench/data/polis`` (CC BY 4.0,
attributed in its README), so ``make bench`` scores them on a fresh clone. For all seventeen,
point the benchmark at a full checkout::

    git clone https://github.com/compdemocracy/openData
    git -C openData checkout 0bc2ce0f32c673f68da20b57bce15c457aa787b5
    BENCH_POLIS_DATA=openData make bench          # with the other benchmarks
    .venv/bin/python bench/bench_polis.py openData  # alone, as a Markdown table

Options when run alone: ``--only a,b`` (names containing those words), ``--seeds N`` (also
give the smallest and largest ARI over seeds 0..N-1, to show how much rests on the seed),
``--ignore-moderation`` (count moderated-out comments as ordinary ones: Polis's groups are
those of its last update, and comments moderated out after it were not moderated for it),
``--rule current|2017`` (Polis's participant threshold; by default, per conversation, the
one whose grouped participants are most like Polis's, see :data:`RULES`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import adjusted_rand_score

from assembly.summaries.opinion_groups import compute_opinion_groups
from assembly.summaries.services import OPINION_SEED

OPENDATA_COMMIT = "0bc2ce0f32c673f68da20b57bce15c457aa787b5"
# The conversations that ship with the repository (a subset of openData at that commit).
INCLUDED_DATA = Path(__file__).resolve().parent / "data" / "polis"
csv.field_size_limit(1 << 30)


@dataclass
class Conversation:
    name: str
    reactions: list[tuple[str, str, int]]
    proposals: list[str]
    moderated_out: set[str]
    polis_groups: dict[str, int]
    participants: int
    in_vote_order: bool
    notes: list[str] = field(default_factory=list)


def _vote(text: str) -> int:
    return int(float(text))


def load(directory: Path) -> Conversation:
    """One conversation: reactions in the order they were made when ``votes.csv`` is there
    (else from the matrix), moderation from ``comments.csv``, Polis's groups."""
    with (directory / "participants-votes.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        group_at = header.index("group-id")
        first = header.index("n-disagree") + 1
        columns = header[first:]
        rows = list(reader)
    groups = {row[0]: int(row[group_at]) for row in rows if row[group_at] != ""}
    matrix = [
        (row[0], column, _vote(value))
        for row in rows
        for column, value in zip(columns, row[first:], strict=False)
        if value != ""
    ]
    with (directory / "comments.csv").open(newline="", encoding="utf-8") as handle:
        comments = list(csv.DictReader(handle))
    moderated = {c["comment-id"] for c in comments if c.get("moderated", "").strip() == "-1"}
    proposals = sorted({c["comment-id"] for c in comments} | set(columns), key=_sort_key)
    votes_file = directory / "votes.csv"
    notes = []
    if votes_file.exists():
        with votes_file.open(newline="", encoding="utf-8") as handle:
            timed = [
                (int(v["timestamp"]), v["voter-id"], v["comment-id"], _vote(v["vote"]))
                for v in csv.DictReader(handle)
            ]
        timed.sort(key=lambda v: v[0])  # stable: same-time votes keep the file's order
        reactions = [(voter, comment, vote) for _t, voter, comment, vote in timed]
        in_order = True
    else:
        reactions = matrix
        in_order = False
        notes.append("no votes.csv: reactions from the matrix, without their order")
    return Conversation(
        name=directory.name,
        reactions=reactions,
        proposals=proposals,
        moderated_out=moderated,
        polis_groups=groups,
        participants=len(rows),
        in_vote_order=in_order,
        notes=notes,
    )


def _sort_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def conversations(root: Path, only: list[str] | None = None) -> list[Path]:
    """Every folder under ``root`` holding a conversation (participants-votes and comments),
    a second copy of the same files counted once (the copy with ``votes.csv``, if one has it)."""
    found = sorted(
        p.parent
        for p in root.rglob("participants-votes.csv")
        if (p.parent / "comments.csv").exists()
    )
    if only:
        found = [p for p in found if any(word in p.name for word in only)]
    seen: set[str] = set()
    distinct = []
    for folder in sorted(found, key=lambda f: (not (f / "votes.csv").exists(), f)):
        digest = hashlib.sha256((folder / "participants-votes.csv").read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            distinct.append(folder)
    return sorted(distinct)


RULES = ("current", "2017")
"""Polis's participant threshold: "current" counts the reactions cast; "2017" (before October
2017) also counted every moderated-out comment as reacted to."""


def _grouped(conversation: Conversation, seed: int, rule: str) -> tuple[Any, dict[str, int]]:
    result = compute_opinion_groups(
        conversation.reactions,
        conversation.proposals,
        moderated_out=conversation.moderated_out,
        seed=seed,
        count_moderated_as_reacted=rule == "2017",
    )
    return result, {pid: group for pid, _x, _y, group in result.points if group is not None}


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def score(
    conversation: Conversation, seed: int = OPINION_SEED, rule: str = "auto"
) -> dict[str, Any]:
    """Scores one conversation. With ``rule="auto"`` the participant threshold is the one of
    :data:`RULES` whose grouped participants are most like Polis's grouped participants (who
    is in, not the groups: it shows which of Polis's versions computed the groups)."""
    polis = conversation.polis_groups
    started = time.perf_counter()
    if rule == "auto":
        tried = {r: _grouped(conversation, seed, r) for r in RULES}
        rule = max(RULES, key=lambda r: (_overlap(set(tried[r][1]), set(polis)), r == RULES[0]))
        result, ours = tried[rule]
    else:
        result, ours = _grouped(conversation, seed, rule)
    seconds = time.perf_counter() - started
    ids = sorted(polis)
    strict = adjusted_rand_score([polis[i] for i in ids], [ours.get(i, -1) for i in ids])
    both = [i for i in ids if i in ours]
    shared = (
        adjusted_rand_score([polis[i] for i in both], [ours[i] for i in both])
        if len(both) > 1
        else float("nan")
    )
    return {
        "conversation": conversation.name,
        "participants": conversation.participants,
        "polis_grouped": len(polis),
        "assembly_grouped": len(ours),
        "both_grouped": len(both),
        "polis_k": len(set(polis.values())),
        "assembly_k": result.k,
        "ari": float(strict),
        "ari_both": float(shared),
        "polis_sizes": sorted(Counter(polis.values()).values(), reverse=True),
        "assembly_sizes": [g.size for g in result.groups],
        "seconds": seconds,
        "rule": rule,
        "reason": result.reason,
        "notes": conversation.notes,
    }


def run(
    root: Path,
    only: list[str] | None = None,
    seeds: int = 0,
    ignore_moderation: bool = False,
    rule: str = "auto",
) -> list[dict[str, Any]]:
    rows = []
    for directory in conversations(root, only):
        conversation = load(directory)
        if ignore_moderation:
            conversation.moderated_out = set()
        row = score(conversation, rule=rule)
        if seeds:
            aris = [score(conversation, s, row["rule"])["ari"] for s in range(seeds)]
            row["ari_range"] = (min(aris), max(aris))
        rows.append(row)
        print(f"  {row['conversation']}: ARI {row['ari']:.3f}", file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| Conversation | Participants | Grouped: Polis / Assembly / both | k: Polis / Assembly "
        "| ARI | ARI where both grouped | Group sizes: Polis / Assembly | Threshold | Seconds |"
    )
    ranged = any("ari_range" in r for r in rows)
    if ranged:
        head = head.replace("| ARI |", "| ARI (seeds' range) |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        ari = f"{r['ari']:.3f}"
        if "ari_range" in r:
            low, high = r["ari_range"]
            ari += f" ({low:.2f}-{high:.2f})"
        lines.append(
            f"| {r['conversation']} | {r['participants']:,} | {r['polis_grouped']:,} / "
            f"{r['assembly_grouped']:,} / {r['both_grouped']:,} | {r['polis_k']} / "
            f"{r['assembly_k']} | {ari} | {r['ari_both']:.3f} | "
            f"{'+'.join(map(str, r['polis_sizes']))} / "
            f"{'+'.join(map(str, r['assembly_sizes'])) or '-'} | {r['rule']} | "
            f"{r['seconds']:.2f} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    large = [r for r in rows if r["participants"] >= 50]
    return {
        "conversations": len(rows),
        "ari_0_8_and_same_k": sum(
            1 for r in rows if r["ari"] >= 0.8 and r["polis_k"] == r["assembly_k"]
        ),
        "same_k": sum(1 for r in rows if r["polis_k"] == r["assembly_k"]),
        "at_least_50": len(large),
        "at_least_50_ari_0_5": sum(1 for r in large if r["ari"] >= 0.5),
        "median_ari": statistics.median(r["ari"] for r in rows) if rows else float("nan"),
    }


def collect() -> list[dict[str, Any]]:
    """For ``make bench``: one row per conversation of BENCH_POLIS_DATA, or of the included
    conversations when it is not set."""
    chosen = Path(os.environ.get("BENCH_POLIS_DATA") or INCLUDED_DATA)
    if not chosen.is_dir():
        raise SystemExit(f"bench_polis: {chosen} is not a directory of openData conversations")
    rows = run(chosen)
    out = []
    for r in rows:
        out.append(
            {
                "benchmark": "polis",
                "metric": f"ARI against Polis's groups, {r['conversation']}",
                "value": round(r["ari"], 3),
                "unit": "ARI",
                "note": f"k Polis {r['polis_k']}, Assembly {r['assembly_k']}; "
                f"{r['participants']} participants, grouped {r['polis_grouped']} / "
                f"{r['assembly_grouped']}; ARI where both grouped {r['ari_both']:.3f}; "
                f"{r['seconds']:.2f} s",
            }
        )
    totals = summary(rows)
    out.append(
        {
            "benchmark": "polis",
            "metric": "conversations with ARI >= 0.8 and the same k",
            "value": totals["ari_0_8_and_same_k"],
            "unit": f"of {totals['conversations']}",
            "note": f"same k in {totals['same_k']}; ARI >= 0.5 in "
            f"{totals['at_least_50_ari_0_5']} of the {totals['at_least_50']} with 50 or more "
            f"participants; median ARI {totals['median_ari']:.3f}",
        }
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "data", nargs="?", default=os.environ.get("BENCH_POLIS_DATA") or str(INCLUDED_DATA)
    )
    parser.add_argument("--only", default="", help="conversation names containing these words")
    parser.add_argument("--seeds", type=int, default=0, help="also the ARI range over N seeds")
    parser.add_argument(
        "--ignore-moderation", action="store_true", help="treat moderated-out comments as others"
    )
    parser.add_argument(
        "--rule",
        choices=("auto", *RULES),
        default="auto",
        help="participant threshold: Polis's current one, its 2017 one, or the one whose "
        "grouped participants match Polis's (default)",
    )
    args = parser.parse_args()
    if not args.data or not Path(args.data).is_dir():
        parser.error("give the directory of a compdemocracy/openData checkout")
    only = [w for w in args.only.split(",") if w]
    rows = run(Path(args.data), only or None, args.seeds, args.ignore_moderation, args.rule)
    print(markdown(rows))
    print()
    print(summary(rows))


if __name__ == "__main__":
    main()
