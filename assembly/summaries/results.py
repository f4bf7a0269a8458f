"""A count's result reduced to what a summary shows: its best-placed options and their figures.

Pure data in, pure data out (no database). The voting engine explains every count in detail
(every pairwise count, every round, every payment); a summary shows the best-placed
:data:`CHART_OPTIONS` options and every winner (up to :data:`MAX_SHOWN_OPTIONS`), the first
round and the last :data:`EDGE_ROUNDS` rounds of a runoff, and the figures each method's chart
needs. The full count stays on the topic's result page and in the research export.
"""

from __future__ import annotations

from typing import Any, Final

from assembly.ballots.pairwise import decisive_counts
from assembly.voting import METHODS, TallyResult

__all__ = ["CHART_OPTIONS", "EDGE_ROUNDS", "MAX_SHOWN_OPTIONS", "result_data"]

CHART_OPTIONS: Final = 10
"""Charts and tables show the best-placed options up to this number (and every winner)."""
MAX_SHOWN_OPTIONS: Final = 30
"""Even when more options win (adopted, funded), charts stop here."""
EDGE_ROUNDS: Final = 5
"""Counts with many rounds show the first round and the last rounds up to this number."""


def _shown_options(result: TallyResult) -> tuple[list[str], int]:
    ordered = [option for tier in result.ranking for option in tier]
    shown = list(dict.fromkeys([*ordered[:CHART_OPTIONS], *result.winners]))[:MAX_SHOWN_OPTIONS]
    # Keep ranking order.
    position = {option: i for i, option in enumerate(ordered)}
    shown.sort(key=lambda option: position.get(option, len(ordered)))
    return shown, len(ordered)


def _rounds_kept(count: int) -> list[int]:
    """Indexes of the rounds shown: the first and the last EDGE_ROUNDS."""
    if count <= EDGE_ROUNDS + 1:
        return list(range(count))
    return [0, *range(count - EDGE_ROUNDS, count)]


def _figures(result: TallyResult, shown: list[str]) -> dict[str, Any]:
    """The explanation's figures for the shown options, per method."""
    e = result.explanation
    method = result.method
    keep = set(shown)
    pick = lambda mapping: {o: v for o, v in (mapping or {}).items() if o in keep}  # noqa: E731
    if method == "approval":
        return {"approvals": pick(e.get("approvals")), "share": pick(e.get("share"))}
    if method == "score":
        return {"options": pick(e.get("options")), "rule": e.get("rule", "")}
    if method == "majority_judgment":
        return {"grades": list(e.get("grades", [])), "options": pick(e.get("options"))}
    if method in ("borda", "dot"):
        return {"totals": pick(e.get("totals"))}
    if method == "quadratic":
        return {
            "totals": pick(e.get("totals")),
            "votes_for": pick(e.get("votes_for")),
            "votes_against": pick(e.get("votes_against")),
        }
    if method in ("schulze", "ranked_pairs"):
        d = e.get("d", {}) or {}
        everyone = [option for tier in result.ranking for option in tier]
        ranks_above = decisive_counts(method, e, everyone)
        data: dict[str, Any] = {
            "d": {o: {p: (d.get(o) or {}).get(p, 0) for p in shown if p != o} for o in shown},
            # What decides the order (strongest paths, locked majorities), not duels won.
            "ranks_above": {o: ranks_above[o] for o in shown},
            "tiers": [[o for o in tier if o in keep] for tier in result.ranking],
            "tie_break": e.get("tie_break") or {},
            "strength": e.get("strength"),
        }
        if method == "schulze":
            p = e.get("p", {}) or {}
            data["p"] = {o: {q: (p.get(o) or {}).get(q, 0) for q in shown if q != o} for o in shown}
        else:
            # Every pair: a chain of locked majorities may pass through proposals not shown.
            data["pairs"] = list(e.get("pairs", []) or [])
        return data
    if method == "irv":
        rounds = list(e.get("rounds", []) or [])
        kept = []
        for index in _rounds_kept(len(rounds)):
            r = rounds[index]
            counts = r.get("counts", {}) or {}
            extra = {r.get("eliminated"), r.get("winner")} - {None}
            kept.append(
                {
                    "round": r.get("round", index + 1),
                    "counts": {o: v for o, v in counts.items() if o in keep or o in extra},
                    "options_in_count": len(counts),
                    "eliminated": r.get("eliminated"),
                    "winner": r.get("winner"),
                    "exhausted": r.get("exhausted", 0),
                    "continuing": r.get("continuing_ballots"),
                    "majority": r.get("majority"),
                }
            )
        return {"rounds": kept, "rounds_total": len(rounds)}
    if method == "stv":
        stages = list(e.get("stages", []) or [])
        kept = []
        for index in _rounds_kept(len(stages)):
            s = stages[index]
            votes = s.get("votes", {}) or {}
            extra = set(s.get("elected", []) or []) | ({s.get("excluded")} - {None})
            kept.append(
                {
                    "stage": s.get("stage", index + 1),
                    "action": s.get("action", ""),
                    "votes": {o: v for o, v in votes.items() if o in keep or o in extra},
                    "elected": list(s.get("elected", []) or []),
                    "excluded": s.get("excluded"),
                    "non_transferable": s.get("non_transferable", 0),
                }
            )
        return {
            "quota": e.get("quota"),
            "seats": e.get("seats"),
            "stages": kept,
            "stages_total": len(stages),
        }
    if method in ("yes_no_abstain", "consent"):
        return {"threshold": e.get("threshold"), "options": pick(e.get("options"))}
    if method == "budget":
        return {
            "budget": e.get("budget"),
            "spent": e.get("spent"),
            "left": e.get("left"),
            "rule": e.get("rule"),
            "costs": pick(e.get("costs")),
            "approvals": pick(e.get("approvals")),
            "purchases": [
                {k: p.get(k) for k in ("project", "cost", "supporters")}
                for p in e.get("purchases", []) or []
            ],
            "funded": list(e.get("funded", result.winners) or []),
        }
    return {}


def result_data(result: TallyResult | None, error: str | None = None) -> dict[str, Any] | None:
    """The count reduced to what the summary shows (see :func:`_figures`)."""
    if result is None:
        return {"error": error} if error else None
    if not result.ranking:  # no proposals on the ballot
        return None
    shown, total = _shown_options(result)
    info = METHODS.get(result.method)
    ballots = int(result.explanation.get("ballots", 0) or 0)
    # With no ballots the engine still breaks the all-zero tie by lottery; nobody chose that.
    winners = list(result.winners) if ballots else []
    ranking_position = {
        option: place for place, tier in enumerate(result.ranking, start=1) for option in tier
    }
    tie_break = result.explanation.get("tie_break") or {}
    return {
        "method": result.method,
        "winner_kind": info.winners if info else "seats",
        "seats": result.params.get("seats", 1),
        "ballots": ballots,
        "blank": int(result.explanation.get("blank", 0) or 0),
        "winners": winners,
        "shown": shown,
        "options_total": total,
        "positions": {o: ranking_position.get(o) for o in shown},
        "figures": _figures(result, shown),
        "lotteries": len(tie_break.get("decisions", []) or []),
        "tie_break_seed": tie_break.get("seed"),
    }
