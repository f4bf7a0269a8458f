"""Why a Schulze or ranked-pairs order is what it is, in the reader's language.

A head-to-head win count can seem to contradict these orders (a proposal may lose a duel and
still rank higher), so the result pages, the projector and the summary all explain the order
by what decides it: the strongest paths (Schulze) or the locked majorities (ranked pairs).
Ties are flagged with the tie-break that settled them. One module serves every surface so
they always say the same.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from assembly.i18n import format_number
from assembly.i18n import gettext as _

Namer = Callable[[str], str]


def _n(value: Any) -> str:
    return format_number(value) if isinstance(value, int | float) else str(value or 0)


def _locked_edges(e: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    edges: dict[str, list[dict[str, Any]]] = {}
    for pair in e.get("pairs") or []:
        if pair.get("locked"):
            edges.setdefault(str(pair["winner"]), []).append(pair)
    return edges


def _locked_path(e: Mapping[str, Any], start: str, goal: str) -> list[dict[str, Any]] | None:
    """The shortest chain of locked majorities from ``start`` to ``goal``."""
    edges = _locked_edges(e)
    came: dict[str, dict[str, Any] | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            path = []
            while (step := came[here]) is not None:
                path.append(step)
                here = str(step["winner"])
            return list(reversed(path))
        for pair in edges.get(here, []):
            nxt = str(pair["loser"])
            if nxt not in came:
                came[nxt] = pair
                queue.append(nxt)
    return None


def decisive_counts(method: str, e: Mapping[str, Any], options: Sequence[str]) -> dict[str, int]:
    """How many other proposals each one ranks above by the rule that decides the order."""
    if method == "schulze":
        p = e.get("p") or {}
        return {
            o: sum(
                1
                for x in options
                if x != o and (p.get(o) or {}).get(x, 0) > (p.get(x) or {}).get(o, 0)
            )
            for o in options
        }
    return {
        o: sum(1 for x in options if x != o and _locked_path(e, o, x) is not None) for o in options
    }


def decisive_heading(method: str) -> str:
    if method == "schulze":
        return _("Ranks above, by strongest paths")
    return _("Ranks above, by locked majorities")


def _schulze_step(e: Mapping[str, Any], a: str, b: str, title: Namer) -> str:
    p, d = e.get("p") or {}, e.get("d") or {}
    ab, ba = (p.get(a) or {}).get(b, 0), (p.get(b) or {}).get(a, 0)
    text = _(
        "%(a)s ranks above %(b)s: the strongest path from %(a)s to %(b)s has strength "
        "%(ab)s, the strongest back only %(ba)s.",
        a=title(a),
        b=title(b),
        ab=_n(ab),
        ba=_n(ba),
    )
    da, db = (d.get(a) or {}).get(b, 0), (d.get(b) or {}).get(a, 0)
    if db > da:
        text += " " + _(
            "%(b)s wins their duel %(db)s to %(da)s, but %(a)s reaches %(b)s through stronger "
            "majorities.",
            a=title(a),
            b=title(b),
            da=_n(da),
            db=_n(db),
        )
    return text


def _pair_words(pair: Mapping[str, Any], title: Namer) -> str:
    return _(
        "%(winner)s over %(loser)s (%(for)s to %(against)s)",
        winner=title(str(pair["winner"])),
        loser=title(str(pair["loser"])),
        **{"for": _n(pair.get("for")), "against": _n(pair.get("against"))},
    )


def _ranked_pairs_step(e: Mapping[str, Any], a: str, b: str, title: Namer) -> str:
    path = _locked_path(e, a, b) or []
    text = _(
        "%(a)s ranks above %(b)s through the locked majorities %(chain)s.",
        a=title(a),
        b=title(b),
        chain=", ".join(_pair_words(pair, title) for pair in path),
    )
    for pair in e.get("pairs") or []:
        if pair.get("winner") == b and pair.get("loser") == a and not pair.get("locked"):
            text += " " + _(
                "The majority %(pair)s was skipped: it came later and would have made a cycle.",
                pair=_pair_words(pair, title),
            )
    return text


def _tie_rule(tie: Mapping[str, Any]) -> str:
    if tie.get("seed") is None:
        return _("the order given with the ballots")
    return _("a draw seeded with %(seed)s", seed=tie.get("seed"))


def _equal_pairs_words(e: Mapping[str, Any], title: Namer) -> list[str]:
    """Ranked pairs: majorities of equal strength are taken in the tie-break's order."""
    tie = e.get("tie_break") or {}
    out = []
    for decision in tie.get("decisions") or []:
        if decision.get("stage") != "order of pairs of equal strength":
            continue
        pairs = []
        for text in decision.get("order") or []:
            winner, _sep, loser = str(text).partition(">")
            pairs.append(f"{title(winner)} > {title(loser)}")
        out.append(
            _(
                "Tie: majorities of equal strength were taken in the order set by %(rule)s: "
                "%(pairs)s.",
                rule=_tie_rule(tie),
                pairs=", ".join(pairs),
            )
        )
    return out


def _tie_words(e: Mapping[str, Any], tier: Sequence[str], title: Namer) -> str:
    names = ", ".join(title(o) for o in tier)
    tie = e.get("tie_break") or {}
    for decision in tie.get("decisions") or []:
        tied = {str(t) for t in decision.get("tied") or []}
        if set(tier) <= tied:
            order = ", ".join(title(str(o)) for o in decision.get("order") or [])
            rule = _tie_rule(tie)
            return _(
                "Tied: %(names)s. The tie was broken by %(rule)s, giving %(order)s.",
                names=names,
                rule=rule,
                order=order,
            )
    return _("Tied: %(names)s. No rule of the method separates them.", names=names)


def order_steps(
    method: str, e: Mapping[str, Any], ranking: Sequence[Sequence[str]], title: Namer
) -> list[str]:
    """One sentence per step of the order, each naming what decides it."""
    steps: list[str] = _equal_pairs_words(e, title) if method == "ranked_pairs" else []
    for i, tier in enumerate(ranking):
        if len(tier) > 1:
            steps.append(_tie_words(e, tier, title))
        if i + 1 < len(ranking) and tier and ranking[i + 1]:
            a, b = tier[0], ranking[i + 1][0]
            if method == "schulze":
                steps.append(_schulze_step(e, a, b, title))
            else:
                steps.append(_ranked_pairs_step(e, a, b, title))
    return steps
