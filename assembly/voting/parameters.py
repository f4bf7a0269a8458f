"""What each counting method's parameters are, described for people and for forms.

The engine owns these descriptions so every surface (the topic form, its help text, the
browser script that re-renders it) is generated from one place. Labels and help are English
source text, marked with ``_l`` so the catalogue extractor collects them; the web layer shows
them translated. ``_l`` here is a no-op so this module stays free of any web or i18n import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from assembly.voting import ranked, stv
from assembly.voting.registry import METHODS


def _l(text: str) -> str:
    """Mark ``text`` for translation; the web layer translates it when it is shown."""
    return text


@dataclass(frozen=True)
class Param:
    """One parameter of a method.

    ``kind`` is how a person gives it: "integer" and "number" (``minimum``, ``maximum``,
    ``step``), "share" (a number from 0 to 1, or a fraction such as 2/3), "choice" (one of
    ``choices``, pairs of value and label), "labels" (an ordered list of names, one a line),
    "flag" (a checkbox), "options" (some of the topic's proposals) or "order" (all of them,
    in an order). ``blank_means_none`` lets a number be left empty ("no limit").
    """

    name: str
    kind: str
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[tuple[str, str], ...] = ()
    blank_means_none: bool = False
    blank_label: str = ""
    advanced: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "label": self.label,
            "help": self.help,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "choices": [list(c) for c in self.choices],
            "blank_means_none": self.blank_means_none,
            "advanced": self.advanced,
        }


TIE_BREAK_SEED = Param(
    "tie_break_seed",
    "integer",
    _l("Tie-break number"),
    _l(
        "A tie the method's own rules leave open is settled by a draw seeded with this number, "
        "so anyone can repeat the count and get the same draw."
    ),
    step=1,
    advanced=True,
)

STRENGTH_CHOICES = (
    ("winning_votes", _l("Winning votes: the number of voters who prefer the winner of a pair")),
    ("margin", _l("Margin: winning votes minus losing votes")),
)

_PARAMS: dict[str, tuple[Param, ...]] = {
    "approval": (
        Param(
            "max_approvals",
            "integer",
            _l("Most approvals per ballot"),
            _l("How many proposals one voter may approve. Leave empty for no limit."),
            minimum=1,
            step=1,
            blank_means_none=True,
        ),
    ),
    "score": (
        Param(
            "min", "integer", _l("Lowest score"), _l("The lowest score a voter can give."), step=1
        ),
        Param(
            "max", "integer", _l("Highest score"), _l("The highest score a voter can give."), step=1
        ),
    ),
    "majority_judgment": (
        Param(
            "grades",
            "labels",
            _l("Grades"),
            _l("The grades voters choose from, one a line, from worst to best; at least two."),
        ),
    ),
    "borda": (
        Param(
            "partial",
            "choice",
            _l("Options left unranked"),
            _l("How a ballot that ranks only some proposals is scored."),
            choices=(
                ("average", _l("They share the points left over equally")),
                ("zero", _l("They get no points")),
                ("modified", _l("Modified Borda: ranking fewer proposals gives fewer points")),
            ),
        ),
    ),
    "schulze": (
        Param(
            "strength",
            "choice",
            _l("Strength of a majority"),
            _l("How strong a head-to-head majority counts when paths are compared."),
            choices=STRENGTH_CHOICES,
        ),
    ),
    "ranked_pairs": (
        Param(
            "strength",
            "choice",
            _l("Strength of a majority"),
            _l("Which head-to-head majorities are locked in first."),
            choices=STRENGTH_CHOICES,
        ),
    ),
    "irv": (),
    "stv": (
        Param(
            "withdrawn",
            "options",
            _l("Withdrawn proposals"),
            _l("Proposals withdrawn after ballots were printed; their votes pass on."),
        ),
        Param(
            "stage_numbering",
            "choice",
            _l("Numbering of stages"),
            _l("How the stages of the count are numbered in the result sheet."),
            choices=(
                ("complete", _l("Every stage, including each exclusion")),
                ("count_sheet", _l("As on an official count sheet")),
            ),
            blank_label=_l("The method's standard"),
        ),
    ),
    "dot": (
        Param(
            "budget",
            "integer",
            _l("Dots per voter"),
            _l("How many dots each voter spreads over the proposals."),
            minimum=1,
            step=1,
        ),
        Param(
            "max_per_option",
            "integer",
            _l("Most dots on one proposal"),
            _l("Leave empty to let a voter put every dot on one proposal."),
            minimum=1,
            step=1,
            blank_means_none=True,
        ),
    ),
    "quadratic": (
        Param(
            "credits",
            "integer",
            _l("Credits per voter"),
            _l("Casting n votes for or against a proposal costs n × n credits."),
            minimum=1,
            step=1,
        ),
    ),
    "yes_no_abstain": (
        Param(
            "threshold",
            "share",
            _l("Share of yes needed"),
            _l("A number from 0 to 1 such as 0.5, or a fraction such as 2/3."),
            minimum=0,
            maximum=1,
        ),
        Param(
            "abstentions",
            "choice",
            _l("Abstentions"),
            _l("Whether abstentions count in the share of yes."),
            choices=(
                ("excluded", _l("Left out: the share is of yes and no")),
                ("counted", _l("Counted: the share is of every answer")),
            ),
        ),
        Param(
            "quorum",
            "number",
            _l("Quorum"),
            _l(
                "How many must answer for a decision: a number of people, or a share below 1 "
                "of the electorate. 0 means no quorum."
            ),
            minimum=0,
        ),
        Param(
            "electorate",
            "integer",
            _l("Electorate"),
            _l("How many people are entitled to vote; needed for a quorum given as a share."),
            minimum=1,
            step=1,
            blank_means_none=True,
        ),
    ),
    "consent": (
        Param(
            "threshold",
            "share",
            _l("Share of support needed"),
            _l("A number from 0 to 1 such as 0.5, or a fraction such as 2/3."),
            minimum=0,
            maximum=1,
        ),
    ),
    "budget": (
        Param(
            "budget",
            "number",
            _l("Budget"),
            _l("The amount to share out among the projects."),
            minimum=1,
        ),
        Param(
            "rule",
            "choice",
            _l("Rule"),
            _l("How the budget is shared out."),
            choices=(
                ("mes", _l("Method of Equal Shares: each voter's share buys what they approve")),
                ("greedy", _l("Greedy: the most approved projects first, while money lasts")),
            ),
        ),
        Param(
            "utilities",
            "choice",
            _l("Value of a project to a voter"),
            _l("What the Method of Equal Shares assumes a project is worth to its supporters."),
            choices=(
                ("cost", _l("Its cost")),
                ("approval", _l("The same for every approved project")),
            ),
            advanced=True,
        ),
        Param(
            "completion",
            "choice",
            _l("Money left after Equal Shares"),
            _l("How the Method of Equal Shares spends what is left."),
            choices=(
                ("increment", _l("Raise every share step by step")),
                ("greedy", _l("Fund the most approved projects that still fit")),
                ("none", _l("Leave it unspent")),
            ),
            advanced=True,
        ),
    ),
}

PARAMETERS: Mapping[str, tuple[Param, ...]] = MappingProxyType(
    {method: (*params, TIE_BREAK_SEED) for method, params in _PARAMS.items()}
)


def form_parameters(method: str) -> tuple[Param, ...]:
    """The parameters of ``method`` a person sets in a form, in the order they are shown."""
    return PARAMETERS.get(method, ())


def described() -> dict[str, list[dict[str, Any]]]:
    """Every method's parameters with their defaults, JSON-serialisable."""
    out: dict[str, list[dict[str, Any]]] = {}
    for method, params in PARAMETERS.items():
        defaults = METHODS[method].defaults
        out[method] = [{**p.describe(), "default": defaults.get(p.name)} for p in params]
    return out


assert set(_PARAMS) == set(METHODS), "every method describes its parameters"
assert {c for c, _ in _PARAMS["borda"][0].choices} == set(ranked.BORDA_RULES)
assert {c for c, _ in _PARAMS["stv"][1].choices} == set(stv.STAGE_NUMBERINGS)
