"""Results as people read them: a table of the options in ranking order and the count's steps.

The engine's explanation differs per method; this picks the figures a reader needs (counts,
totals, rounds) and names options by their proposal titles. The full explanation is shown
too, as JSON, for those who want to recount.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from markupsafe import Markup

from assembly.ballots import pairwise
from assembly.i18n import _, _l, format_money, format_number
from assembly.summaries.charts import BarRow, bar_chart
from assembly.voting import METHODS, TallyResult

METHOD_LABELS: dict[str, Any] = {
    "approval": _l("Approval voting"),
    "score": _l("Score voting"),
    "majority_judgment": _l("Majority judgment"),
    "borda": _l("Borda count"),
    "schulze": _l("Schulze method"),
    "ranked_pairs": _l("Ranked pairs"),
    "irv": _l("Instant-runoff voting"),
    "stv": _l("Single transferable vote"),
    "dot": _l("Dot voting"),
    "quadratic": _l("Quadratic voting"),
    "yes_no_abstain": _l("Yes, no or abstain"),
    "consent": _l("Consent"),
    "budget": _l("Participatory budgeting"),
}

CHOICE_LABELS: dict[str, Any] = {
    "yes": _l("Yes"),
    "no": _l("No"),
    "abstain": _l("Abstain"),
    "support": _l("Support"),
    "support_with_reservations": _l("Support with reservations"),
    "neutral": _l("Neutral"),
    "concerns": _l("Concerns"),
    "block": _l("Block"),
}

CONSENT_CHOICES = ("support", "support_with_reservations", "neutral", "concerns", "block")


@dataclass
class ResultRow:
    position: int
    option: str
    title: str
    winner: bool
    cells: list[str]


@dataclass
class ResultView:
    method: str
    method_label: Any
    # What the winners are: "seats" (elected), "adopted" (each passed) or "funded" (projects).
    outcome: str
    ballots: int
    winners: list[str]
    columns: list[Any]
    rows: list[ResultRow]
    steps: list[str] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)
    set_aside: int = 0
    explanation_json: str = ""
    budget: BudgetView | None = None


@dataclass
class BudgetView:
    """A budget count as people read it: the money, the rule in words, and a spending chart."""

    currency: str
    budget: float
    spent: float
    left: float
    rule: str
    rule_label: Any
    rule_explanation: Any
    chart: Markup
    funded: list[tuple[str, str]]


RULE_LABELS: dict[str, Any] = {
    "mes": _l("Method of Equal Shares"),
    "greedy": _l("Greedy: most approvals first"),
}
RULE_EXPLANATIONS: dict[str, Any] = {
    "mes": _l(
        "Every voter is given an equal share of the budget. A project is bought only with the "
        "money of the voters who ticked it, and each round buys the project its supporters can "
        "pay for with the smallest payment each. So a group of voters gets projects in "
        "proportion to its size, rather than the largest group getting everything. Money that "
        "this leaves is then spent on the most-ticked projects that still fit."
    ),
    "greedy": _l(
        "Projects are taken in order of how many voters ticked them, most first. Each is "
        "funded if its cost fits in what is left of the budget; otherwise it is skipped and "
        "the next one is tried."
    ),
}


def budget_view(e: dict[str, Any], title: Callable[[str], str], currency: str) -> BudgetView:
    """The money of a budget count and a chart of how it was spent."""
    costs = e.get("costs", {})
    budget = float(e.get("budget") or 0)
    spent = float(e.get("spent") or 0)
    left = float(e["left"]) if e.get("left") is not None else budget - spent
    funded = [str(o) for o in e.get("funded", [])]
    money = partial(format_money, currency=currency)
    rows = [BarRow(title(o), float(costs.get(o) or 0)) for o in funded]
    rows.append(BarRow(str(_l("Left unspent")), max(left, 0.0)))
    chart = bar_chart(
        _("How the budget was spent"),
        _(
            "Each funded project's cost, and the money left, out of a budget of %(budget)s.",
            budget=money(budget),
        ),
        rows,
        max_value=budget or None,
        number_format=money,
    )
    rule = str(e.get("rule", "mes"))
    return BudgetView(
        currency=currency,
        budget=budget,
        spent=spent,
        left=left,
        rule=rule,
        rule_label=RULE_LABELS.get(rule, rule),
        rule_explanation=RULE_EXPLANATIONS.get(rule, ""),
        chart=chart,
        funded=[(title(o), money(costs.get(o))) for o in funded],
    )


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        whole = float(value).is_integer()
        return format_number(value, 0 if whole else max(digits, 2))
    return str(value)


def _counts(counts: dict[str, Any], title: Callable[[str], str]) -> str:
    ordered = sorted(counts.items(), key=lambda item: -(item[1] or 0))
    return " · ".join(f"{title(o)} {_n(v)}" for o, v in ordered)


def _yes_no(flag: Any) -> str:
    return _("Yes") if flag else _("No")


Namer = Callable[[str], str]
# Per method: the column headings, the figures per option, and the steps of the count.
Figures = tuple[list[Any], dict[str, list[str]], list[str]]


def _approval(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    approvals = e.get("approvals", {})
    return [_l("Approvals")], {o: [_n(approvals.get(o))] for o in options}, []


def _score(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    per = e.get("options", {})
    cells = {o: [_n(per.get(o, {}).get("sum")), _n(per.get(o, {}).get("mean"), 2)] for o in options}
    return [_l("Total score"), _l("Average")], cells, []


def _majority_judgment(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    per = e.get("options", {})
    cells = {o: [str(per.get(o, {}).get("majority_grade", "–"))] for o in options}
    return [_l("Majority grade")], cells, []


def _totals(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    totals = e.get("totals", {})
    heading = _l("Net votes") if "votes_for" in e else _l("Points")
    return [heading], {o: [_n(totals.get(o), 2)] for o in options}, []


def _pairwise(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    # Figures by the rule that decides the order; the steps are added in ``describe``,
    # which knows the tiers of the ranking.
    method = "schulze" if "p" in e else "ranked_pairs"
    counts = pairwise.decisive_counts(method, e, options)
    steps = []
    for pair in e.get("pairs", []):
        what = _("locked in") if pair.get("locked") else _("skipped (it would make a cycle)")
        steps.append(
            f"{title(pair['winner'])} > {title(pair['loser'])}: "
            f"{_n(pair.get('for'))}–{_n(pair.get('against'))}, {what}"
        )
    return [pairwise.decisive_heading(method)], {o: [_n(counts[o])] for o in options}, steps


def _irv(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    rounds = e.get("rounds", [])
    first = rounds[0].get("counts", {}) if rounds else {}
    last = {o: v for r in rounds for o, v in r.get("counts", {}).items()}
    steps = []
    for r in rounds:
        text = _(
            "Round %(n)s: %(counts)s.", n=r.get("round"), counts=_counts(r.get("counts", {}), title)
        )
        if r.get("eliminated"):
            text += " " + _("%(name)s is eliminated.", name=title(r["eliminated"]))
        if r.get("winner"):
            text += " " + _("%(name)s wins.", name=title(r["winner"]))
        steps.append(text)
    cells = {o: [_n(first.get(o)), _n(last.get(o))] for o in options}
    return [_l("First round"), _l("Last round")], cells, steps


def _stv(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    stages = e.get("stages", [])
    first = stages[0].get("votes", {}) if stages else {}
    last = {o: v for s in stages for o, v in s.get("votes", {}).items()}
    steps = [_("Quota: %(quota)s votes.", quota=_n(e["quota"], 2))] if "quota" in e else []
    for s in stages:
        text = _(
            "Stage %(n)s: %(counts)s.", n=s.get("stage"), counts=_counts(s.get("votes", {}), title)
        )
        if s.get("excluded"):
            text += " " + _("%(name)s is excluded.", name=title(s["excluded"]))
        for elected in s.get("elected", []):
            text += " " + _("%(name)s is elected.", name=title(elected))
        steps.append(text)
    cells = {o: [_n(first.get(o), 2), _n(last.get(o), 2)] for o in options}
    return [_l("First preferences"), _l("Final votes")], cells, steps


def _decisions(e: dict[str, Any], options: list[str], title: Namer) -> Figures:
    per = e.get("options", {})
    if any("distribution" in v for v in per.values()):
        choices: tuple[str, ...] = CONSENT_CHOICES

        def figures(o: str) -> list[str]:
            return [_n(per.get(o, {}).get("distribution", {}).get(c)) for c in choices]
    else:
        choices = ("yes", "no", "abstain")

        def figures(o: str) -> list[str]:
            return [_n(per.get(o, {}).get(c)) for c in choices]

    cells = {o: [*figures(o), _yes_no(per.get(o, {}).get("adopted"))] for o in options}
    steps = [f"{title(o)}: {v.get('arithmetic', '')}" for o, v in per.items()]
    return [*(CHOICE_LABELS[c] for c in choices), _l("Adopted")], cells, steps


def _budget(e: dict[str, Any], options: list[str], title: Namer, currency: str = "NOK") -> Figures:
    funded = set(e.get("funded", []))
    costs, approvals = e.get("costs", {}), e.get("approvals", {})

    def money(value: Any) -> str:
        return format_money(value, currency) if isinstance(value, int | float) else "–"

    cells = {o: [money(costs.get(o)), _n(approvals.get(o)), _yes_no(o in funded)] for o in options}
    steps = [
        _(
            "%(name)s is funded (cost %(cost)s).",
            name=title(p["project"]),
            cost=money(p.get("cost")),
        )
        for p in e.get("purchases", [])
    ]
    for step in e.get("steps", []):  # greedy
        name, cost = title(step["project"]), money(step.get("cost"))
        if step.get("funded"):
            steps.append(_("%(name)s is funded (cost %(cost)s).", name=name, cost=cost))
        else:
            steps.append(
                _(
                    "%(name)s is skipped: its cost of %(cost)s does not fit in the %(left)s left.",
                    name=name,
                    cost=cost,
                    left=money(step.get("budget_left")),
                )
            )
    for step in (e.get("completion") or {}).get("greedy_fill", []):
        steps.append(
            _(
                "%(name)s is funded from the money left (cost %(cost)s).",
                name=title(step["project"]),
                cost=money(step.get("cost")),
            )
        )
    if "spent" in e:
        steps.append(
            _(
                "Spent %(spent)s of %(budget)s; %(left)s is left.",
                spent=money(e["spent"]),
                budget=money(e.get("budget")),
                left=money(e.get("left")),
            )
        )
    return [_l("Cost"), _l("Approvals"), _l("Funded")], cells, steps


FIGURES: dict[str, Callable[[dict[str, Any], list[str], Namer], Figures]] = {
    "approval": _approval,
    "score": _score,
    "majority_judgment": _majority_judgment,
    "borda": _totals,
    "dot": _totals,
    "quadratic": _totals,
    "schulze": _pairwise,
    "ranked_pairs": _pairwise,
    "irv": _irv,
    "stv": _stv,
    "yes_no_abstain": _decisions,
    "consent": _decisions,
    "budget": _budget,
}


def describe(
    result: TallyResult,
    titles: dict[str, str],
    *,
    channels: dict[str, int] | None = None,
    set_aside: int = 0,
    currency: str = "NOK",
) -> ResultView:
    """The result as a table and steps, options named by ``titles`` (option id -> title);
    a budget's amounts in ``currency``."""

    def title(option: str) -> str:
        return titles.get(option, f"#{option}")

    options = [option for tier in result.ranking for option in tier]
    figures = FIGURES.get(result.method)
    budget = None
    if result.method == "budget":
        figures = partial(_budget, currency=currency)
        if "budget" in result.explanation:
            budget = budget_view(result.explanation, title, currency)
    columns, cells, steps = figures(result.explanation, options, title) if figures else ([], {}, [])
    if result.method in ("schulze", "ranked_pairs"):
        why = pairwise.order_steps(result.method, result.explanation, result.ranking, title)
        steps = [*why, _("Majorities, strongest first:"), *steps] if steps else why
    winners = set(result.winners)
    rows = [
        ResultRow(position, option, title(option), option in winners, cells.get(option, []))
        for position, tier in enumerate(result.ranking, start=1)
        for option in tier
    ]
    return ResultView(
        method=result.method,
        method_label=METHOD_LABELS.get(result.method, result.method),
        outcome=info.winners if (info := METHODS.get(result.method)) else "seats",
        ballots=int(result.explanation.get("ballots", 0) or 0),
        winners=[title(o) for o in result.winners],
        columns=columns,
        rows=rows,
        steps=steps,
        channels=channels or {},
        set_aside=set_aside,
        explanation_json=json.dumps(result.to_dict(), indent=2, ensure_ascii=False),
        budget=budget,
    )


def describe_ballot(kind: str, content: Any, titles: dict[str, str]) -> str:
    """One published ballot in words: "A > B > C", "A, B" or "A: 3 · B: 1"."""

    def title(option: Any) -> str:
        return titles.get(str(option), f"#{option}")

    if isinstance(content, list):
        separator = " > " if kind == "ranking" else ", "
        return separator.join(title(o) for o in content) or str(_l("(blank)"))
    if isinstance(content, dict):
        parts = []
        for option, value in content.items():
            shown = CHOICE_LABELS.get(value, value) if isinstance(value, str) else _n(value)
            parts.append(f"{title(option)}: {shown}")
        return " · ".join(parts) or str(_l("(blank)"))
    return str(content)
