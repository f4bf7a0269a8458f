"""Participatory budgeting on approval ballots: the Method of Equal Shares, or greedy.

Greedy: projects in order of approvals (most first); each is funded if it fits in what
is left of the budget, otherwise skipped.  Projects nobody approved are never funded.

Method of Equal Shares (Peters, Pierczyński and Skowron): the budget is split equally
among all voters; a project can be bought only with the money of the voters who approve
it.  Each round buys the project whose cost its supporters can cover with the smallest
payment per unit of utility, rho, each supporter paying min(own money, rho x utility).
A voter's utility from an approved project is its cost (``utilities="cost"``, the usual
choice for approval ballots, making rho the share of the cost a supporter pays) or 1
(``utilities="approval"``).

Completion (``completion="increment"``, the default): MES alone may leave money unspent.
As in the "add-one" completion of equalshares.net, the count is repeated with every
voter's starting share raised in steps of 1% of the equal share, keeping the last outcome
whose total cost fits in the real budget, and stopping when no further project could fit
or the next step would overspend (at most 1,000 steps); any money then left is filled
greedily by approvals.  ``completion="greedy"`` skips the steps and only fills greedily;
``"none"`` leaves the MES outcome as it is.

Money is counted in floating point with a relative tolerance of 1e-9.  Written here
because the libraries that implement these rules (pabutools) declare a proprietary solver
as a hard dependency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assembly.voting.approval import read_approvals
from assembly.voting.result import Outcome, number, tiers_by_key
from assembly.voting.ties import TieBreaker

EPS = 1e-9
MAX_STEPS = 1000
MAX_SUMMARY = 20


def summarise(values: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
    """Per-voter amounts grouped by distinct value (rounded to 6 decimals); for many
    distinct values, the range and the largest groups only."""
    tally: Counter[float] = Counter()
    for value, weight in zip(np.round(values, 6).tolist(), weights.tolist(), strict=True):
        tally[value] += weight
    groups = sorted(tally.items(), key=lambda kv: -kv[0])
    listed = groups if len(groups) <= MAX_SUMMARY else sorted(groups, key=lambda kv: -kv[1])[:10]
    summary: dict[str, Any] = {
        "voters": int(weights.sum()),
        "groups": [{"amount": number(v), "voters": int(c)} for v, c in listed],
    }
    if len(groups) > MAX_SUMMARY:
        total = float((values * weights).sum())
        summary |= {
            "distinct_amounts": len(groups),
            "shown": "the 10 amounts held by most voters",
            "min": number(float(values.min())),
            "max": number(float(values.max())),
            "mean": number(total / max(int(weights.sum()), 1)),
        }
    return summary


@dataclass
class Run:
    """One run of the Method of Equal Shares at a given per-voter share."""

    share: float
    selected: list[int] = field(default_factory=list)
    purchases: list[dict[str, Any]] = field(default_factory=list)
    money: np.ndarray = field(default_factory=lambda: np.zeros(0))


class Election:
    def __init__(
        self,
        options: list[str],
        ballots: Sequence[Any],
        params: dict[str, Any],
        ties: TieBreaker,
    ) -> None:
        distinct, self.total = read_approvals(options, ballots, None)
        self.options = options
        self.ties = ties
        self.budget = float(params["budget"])
        self.costs = np.array([float(params["costs"][o]) for o in options])
        keys = list(distinct)
        self.weights = np.array([distinct[k] for k in keys], dtype=np.float64)
        where = {o: i for i, o in enumerate(options)}
        self.approves = np.zeros((len(keys), len(options)), dtype=bool)
        for g, key in enumerate(keys):
            self.approves[g, [where[o] for o in key]] = True
        self.approvals = (self.weights @ self.approves).round().astype(np.int64)
        self.supporters = [np.nonzero(self.approves[:, p])[0] for p in range(len(options))]
        self.utility = (
            self.costs if params.get("utilities", "cost") == "cost" else np.ones(len(options))
        )
        self.lottery = {where[o]: i for i, o in enumerate(ties.order)}

    def cost_of(self, chosen: list[int]) -> float:
        return float(sum(self.costs[p] for p in chosen))

    def _cap(self, project: int, money: np.ndarray) -> float | None:
        """The smallest payment cap q with which the supporters cover the cost, or None."""
        groups = self.supporters[project]
        cost = self.costs[project]
        held, weight = money[groups], self.weights[groups]
        if float(held @ weight) < cost * (1 - EPS):
            return None
        equal = cost / self.approvals[project]
        if held.min() >= equal * (1 - EPS):  # everyone can pay an equal part
            return float(equal)
        order = np.argsort(held, kind="stable")
        held, weight = held[order], weight[order]
        paid_before = np.cumsum(held * weight) - held * weight
        voters_left = weight.sum() - (np.cumsum(weight) - weight)
        caps = (cost - paid_before) / voters_left
        first = int(np.argmax(held >= caps * (1 - EPS)))
        return float(caps[first])

    def run(self, share: float, explain: bool) -> Run:
        result = Run(share=share, money=np.full(len(self.weights), share))
        money = result.money
        candidates = [p for p in range(len(self.options)) if self.approvals[p] > 0]
        bound = dict.fromkeys(candidates, 0.0)  # rho never falls as money is spent
        while bound:
            best: tuple[float, int] | None = None
            evaluated: dict[int, float] = {}
            for p in sorted(bound, key=lambda p: (bound[p], self.lottery[p])):
                if best is not None and bound[p] > best[0] * (1 + EPS):
                    break
                cap = self._cap(p, money)
                if cap is None:
                    del bound[p]
                    continue
                rho = cap / self.utility[p]
                bound[p] = evaluated[p] = rho
                if (
                    best is None
                    or rho < best[0] * (1 - EPS)
                    or (rho <= best[0] * (1 + EPS) and self.lottery[p] < self.lottery[best[1]])
                ):
                    best = (rho, p)
            if best is None:
                break
            rho, p = best
            tied = [q for q, r in evaluated.items() if r <= rho * (1 + EPS)]
            if explain and len(tied) > 1:
                self.ties.order_tied(
                    [self.options[q] for q in tied], f"purchase {len(result.selected) + 1}"
                )
            groups = self.supporters[p]
            cap = rho * self.utility[p]
            pay = np.minimum(money[groups], cap)
            money[groups] = np.maximum(money[groups] - pay, 0.0)
            del bound[p]
            result.selected.append(p)
            if explain:
                result.purchases.append(
                    {
                        "project": self.options[p],
                        "cost": number(self.costs[p]),
                        "supporters": int(self.approvals[p]),
                        "rho": float(f"{rho:.6g}"),
                        "max_payment": number(cap),
                        "payments": summarise(pay, self.weights[groups]),
                        "supporters_out_of_money": int(
                            self.weights[groups][money[groups] <= EPS * self.costs[p]].sum()
                        ),
                    }
                )
        return result

    def fits(self, chosen: list[int]) -> bool:
        return self.cost_of(chosen) <= self.budget * (1 + EPS)

    def exhaustive(self, chosen: list[int]) -> bool:
        left = self.budget - self.cost_of(chosen)
        return not any(
            self.costs[p] <= left * (1 + EPS)
            for p in range(len(self.options))
            if p not in chosen and self.approvals[p] > 0
        )

    def greedy_fill(
        self, chosen: list[int], stage: str, log_skipped: bool = True
    ) -> list[dict[str, Any]]:
        """Add projects by approvals, most first, when they fit; log the decisions."""
        steps: list[dict[str, Any]] = []
        left = self.budget - self.cost_of(chosen)
        order = self.by_approvals(
            [p for p in range(len(self.options)) if p not in chosen and self.approvals[p] > 0],
            stage,
        )
        for p in order:
            funded = self.costs[p] <= left * (1 + EPS) + EPS
            if funded:
                chosen.append(p)
                left -= self.costs[p]
            if not funded and not log_skipped:
                continue
            steps.append(
                {
                    "project": self.options[p],
                    "approvals": int(self.approvals[p]),
                    "cost": number(self.costs[p]),
                    "funded": bool(funded),
                    "budget_left": number(max(left, 0.0)),
                }
            )
        return steps

    def by_approvals(self, projects: list[int], stage: str) -> list[int]:
        ordered: list[int] = []
        for value in sorted({int(self.approvals[p]) for p in projects}, reverse=True):
            tied = [self.options[p] for p in projects if self.approvals[p] == value]
            ordered += [self.options.index(o) for o in self.ties.order_tied(tied, stage)]
        return ordered


def count_budget(
    options: list[str], ballots: Sequence[Any], seats: int, params: dict[str, Any], ties: TieBreaker
) -> Outcome:
    election = Election(options, ballots, params, ties)
    explanation: dict[str, Any] = {
        "ballots": election.total,
        "budget": number(election.budget),
        "costs": {o: number(election.costs[i]) for i, o in enumerate(options)},
        "approvals": {o: int(election.approvals[i]) for i, o in enumerate(options)},
        "rule": params["rule"],
    }
    if params["rule"] == "greedy":
        chosen: list[int] = []
        explanation["steps"] = election.greedy_fill(chosen, "greedy order")
        explanation["description"] = (
            "projects in order of approvals, most first; each is funded if it fits in the "
            "budget left, otherwise skipped"
        )
    else:
        share = election.budget / election.total if election.total else 0.0
        run = election.run(share, explain=False)
        steps = 0
        completion = params["completion"]
        if completion == "increment" and election.total:
            while steps < MAX_STEPS and not election.exhaustive(run.selected):
                trial = election.run(share * (1 + 0.01 * (steps + 1)), explain=False)
                if not election.fits(trial.selected):
                    break
                run, steps = trial, steps + 1
        final = election.run(run.share, explain=True)
        chosen = list(final.selected)
        fill: list[dict[str, Any]] = []
        if completion in ("increment", "greedy"):
            fill = election.greedy_fill(chosen, "greedy completion order", log_skipped=False)
        explanation |= {
            "utilities": params["utilities"],
            "equal_share": number(share),
            "completion": {
                "rule": completion,
                "steps_of_one_percent": steps,
                "share_used": number(final.share),
                "greedy_fill": fill,
            },
            "purchases": final.purchases,
            "money_left_per_voter": summarise(final.money, election.weights),
            "description": (
                "each voter starts with an equal share of the budget (raised by the "
                "completion steps); each round buys the project its supporters can pay for "
                "with the smallest payment per unit of utility (rho), every supporter paying "
                "at most rho x utility"
            ),
        }
    spent = election.cost_of(chosen)
    explanation["funded"] = [options[p] for p in chosen]
    explanation["spent"] = number(spent)
    explanation["left"] = number(election.budget - spent)
    funded = [options[p] for p in chosen]
    rest = [o for i, o in enumerate(options) if i not in chosen]
    ranking = [[o] for o in funded]
    ranking += tiers_by_key(rest, lambda o: int(election.approvals[options.index(o)]))
    return funded, ranking, explanation
