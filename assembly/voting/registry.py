"""The catalogue of counting methods, parameter validation, and ``tally`` itself."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from assembly.voting import approval, budgeting, cardinal, decisions, points, ranked, runoff, stv
from assembly.voting.ballots import (
    check_approval,
    check_choices,
    check_integers,
    check_ranking,
)
from assembly.voting.errors import InvalidParameters
from assembly.voting.result import Outcome, TallyResult
from assembly.voting.ties import TieBreaker

Counter = Callable[[list[str], Sequence[Any], int, dict[str, Any], TieBreaker], Outcome]

DEFAULT_GRADES = ("Reject", "Poor", "Acceptable", "Good", "Very good", "Excellent")


@dataclass(frozen=True)
class MethodInfo:
    """What the web layer needs to build a ballot form and check parameters.

    ``ballot`` is the ballot kind: "ranking" (list of option ids, best first, may be
    partial), "approval" (list of approved ids), "scores" (dict id -> int in [min, max]),
    "grades" (dict id -> grade index, 0 worst), "points" (dict id -> points >= 0),
    "votes" (dict id -> votes, may be negative) or "choice" (dict id -> one of ``choices``).
    ``winners`` is "seats" (the best ``seats`` options), "adopted" (every option that
    passes) or "funded" (the projects bought within the budget).
    """

    id: str
    label: str
    ballot: str
    defaults: Mapping[str, Any]
    multi_winner: bool
    proportional: bool = False
    winners: str = "seats"
    choices: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    """Parameters accepted without a default: present in the effective ones only when given."""
    summary: str = ""
    _count: Counter | None = field(default=None, repr=False, compare=False)

    def describe(self) -> dict[str, Any]:
        """A JSON-serialisable description."""
        return {
            "id": self.id,
            "label": self.label,
            "ballot": self.ballot,
            "defaults": dict(self.defaults),
            "required": list(self.required),
            "optional": list(self.optional),
            "multi_winner": self.multi_winner,
            "proportional": self.proportional,
            "winners": self.winners,
            "choices": list(self.choices),
            "summary": self.summary,
        }


def _info(
    id: str, label: str, ballot: str, count: Counter, defaults: dict[str, Any], **extra: Any
) -> MethodInfo:
    extra.setdefault("multi_winner", True)
    return MethodInfo(
        id=id,
        label=label,
        ballot=ballot,
        defaults=MappingProxyType({**defaults, "tie_break_seed": 0}),
        _count=count,
        **extra,
    )


_ALL = [
    _info(
        "approval",
        "Approval voting",
        "approval",
        approval.count_approval,
        {"max_approvals": None},
        summary="Approve any number of options; most approvals wins.",
    ),
    _info(
        "score",
        "Score voting",
        "scores",
        cardinal.count_score,
        {"min": 0, "max": 5},
        summary="Give each option a score; highest total wins.",
    ),
    _info(
        "majority_judgment",
        "Majority judgment",
        "grades",
        cardinal.count_majority_judgment,
        {"grades": list(DEFAULT_GRADES)},
        summary="Grade each option; highest median grade wins.",
    ),
    _info(
        "borda",
        "Borda count",
        "ranking",
        ranked.count_borda,
        {"partial": "average"},
        summary="Rank options; points by position, most points wins.",
    ),
    _info(
        "schulze",
        "Schulze method",
        "ranking",
        ranked.count_schulze,
        {"strength": "winning_votes"},
        summary="Rank options; the option beating every other through strongest paths wins.",
    ),
    _info(
        "ranked_pairs",
        "Ranked pairs",
        "ranking",
        ranked.count_ranked_pairs,
        {"strength": "margin"},
        summary="Rank options; majorities are locked in from strongest, skipping cycles.",
    ),
    _info(
        "irv",
        "Instant-runoff voting",
        "ranking",
        runoff.count_irv,
        {},
        multi_winner=False,
        summary="Rank options; the weakest is eliminated round by round until one has a majority.",
    ),
    _info(
        "stv",
        "Single transferable vote (Scottish STV)",
        "ranking",
        stv.count_stv,
        {},
        optional=stv.OPTIONAL_PARAMS,
        proportional=True,
        summary="Rank options; several winners, in proportion to the voters' support.",
    ),
    _info(
        "dot",
        "Dot voting",
        "points",
        points.count_dot,
        {"budget": 10, "max_per_option": None},
        summary="Spread a budget of points over the options; most points wins.",
    ),
    _info(
        "quadratic",
        "Quadratic voting",
        "votes",
        points.count_quadratic,
        {"credits": 100},
        summary="Buy votes for or against options; n votes cost n squared credits.",
    ),
    _info(
        "yes_no_abstain",
        "Yes / no / abstain",
        "choice",
        decisions.count_yes_no_abstain,
        {"threshold": 0.5, "quorum": 0, "electorate": None, "abstentions": "excluded"},
        multi_winner=False,
        winners="adopted",
        choices=decisions.YES_NO,
        summary="Vote yes, no or abstain on each option; adopted if yes reaches the threshold "
        "(among yes and no, or among all answers when abstentions are counted).",
    ),
    _info(
        "consent",
        "Consent",
        "choice",
        decisions.count_consent,
        {"threshold": 0.5},
        multi_winner=False,
        winners="adopted",
        choices=decisions.CONSENT,
        summary="Say how you stand on each option; adopted if nobody blocks and support "
        "reaches the threshold.",
    ),
    _info(
        "budget",
        "Participatory budgeting",
        "approval",
        budgeting.count_budget,
        {"rule": "mes", "utilities": "cost", "completion": "increment"},
        multi_winner=False,
        winners="funded",
        required=("costs", "budget"),
        summary="Approve projects; the budget is shared out by the Method of Equal Shares "
        "or greedily.",
    ),
]

METHODS: Mapping[str, MethodInfo] = MappingProxyType({m.id: m for m in _ALL})


# --- parameter checks ---------------------------------------------------------------------


def _whole(name: str, value: Any, minimum: int | None = None, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameters(f"{name} must be a whole number, not {value!r}", name)
    if minimum is not None and value < minimum:
        raise InvalidParameters(f"{name} must be at least {minimum}, not {value}", name)
    return value


def _amount(name: str, value: Any, positive: bool = True) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameters(f"{name} must be a number, not {value!r}", name)
    if positive and value <= 0:
        raise InvalidParameters(f"{name} must be greater than 0, not {value}", name)
    if not positive and value < 0:
        raise InvalidParameters(f"{name} must not be negative, not {value}", name)
    return value


def _choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise InvalidParameters(
            f"{name} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}", name
        )
    return str(value)


def _share(name: str, value: Any) -> float | int | str:
    try:
        if isinstance(value, bool):
            raise TypeError
        fraction = decisions.as_fraction(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise InvalidParameters(
            f'{name} must be a number between 0 and 1 such as 0.5 or "2/3", not {value!r}', name
        ) from None
    if not 0 <= fraction <= 1:
        raise InvalidParameters(f"{name} must be between 0 and 1, not {value}", name)
    return value


def _check_options(options: Any) -> list[str]:
    if isinstance(options, str | bytes | Mapping) or not isinstance(options, Iterable):
        raise InvalidParameters("options must be a list of option ids")
    options = list(options)
    if not options:
        raise InvalidParameters("there must be at least one option")
    for option in options:
        if not isinstance(option, str) or not option:
            raise InvalidParameters(f"option ids must be non-empty strings, not {option!r}")
    seen: set[str] = set()
    for option in options:
        if option in seen:
            raise InvalidParameters(f"option '{option}' is listed twice")
        seen.add(option)
    return options


def _method(method: str) -> MethodInfo:
    try:
        return METHODS[method]
    except (KeyError, TypeError):
        raise InvalidParameters(
            f"unknown method {method!r}; known methods: {', '.join(METHODS)}"
        ) from None


def validate_params(
    method: str, options: Sequence[str], seats: int = 1, params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The effective parameters (defaults filled in, ``seats`` included for multi-winner
    methods), or :class:`InvalidParameters` saying what is wrong."""
    info = _method(method)
    options = _check_options(options)
    given = dict(params or {})
    unknown = sorted(set(given) - set(info.defaults) - set(info.required) - set(info.optional))
    if unknown:
        known = ", ".join(sorted({*info.defaults, *info.required, *info.optional})) or "none"
        raise InvalidParameters(
            f"unknown parameter {unknown[0]!r} for method '{method}'; known parameters: {known}",
            unknown[0],
            "unknown",
        )
    missing = [name for name in info.required if name not in given]
    if missing:
        raise InvalidParameters(
            f"method '{method}' needs the parameter {missing[0]!r}", missing[0], "missing"
        )
    p = {**info.defaults, **given}
    _whole("seats", seats, 1)
    if seats > 1 and not info.multi_winner:
        raise InvalidParameters(
            f"method '{method}' elects no fixed number of seats; use seats=1", "seats", "one_seat"
        )
    if seats > len(options):
        raise InvalidParameters(
            f"seats ({seats}) cannot exceed the number of options ({len(options)})",
            "seats",
            "seats_above_options",
            seats=seats,
            options=len(options),
        )
    p["tie_break_seed"] = _whole("tie_break_seed", p["tie_break_seed"])
    if info.multi_winner:
        p["seats"] = seats
    _check_method_params(method, options, p)
    return p


def _check_method_params(method: str, options: list[str], p: dict[str, Any]) -> None:
    if method == "approval":
        most = _whole("max_approvals", p["max_approvals"], 1, optional=True)
        # Fewer approvals than seats would leave voters unable to back a full slate.
        if most is not None and most < p.get("seats", 1):
            raise InvalidParameters(
                f"at most {most} approvals, but {p['seats']} seats: allow at least "
                f"{p['seats']} approvals",
                "max_approvals",
                "approvals_below_seats",
                approvals=most,
                seats=p["seats"],
            )
    elif method == "score":
        _whole("min", p["min"])
        _whole("max", p["max"])
        if p["min"] >= p["max"]:
            raise InvalidParameters(
                f"min ({p['min']}) must be less than max ({p['max']})",
                "max",
                "min_not_below_max",
                min=p["min"],
                max=p["max"],
            )
    elif method == "majority_judgment":
        grades = p["grades"]
        if isinstance(grades, str) or not isinstance(grades, Sequence) or len(grades) < 2:
            raise InvalidParameters(
                "grades must be a list of at least two labels, worst first", "grades"
            )
        if not all(isinstance(g, str) and g for g in grades) or len(set(grades)) != len(grades):
            raise InvalidParameters("grades must be distinct non-empty labels", "grades")
        p["grades"] = list(grades)
    elif method == "borda":
        _choice("partial", p["partial"], ranked.BORDA_RULES)
    elif method in ("schulze", "ranked_pairs"):
        _choice("strength", p["strength"], ("winning_votes", "margin"))
    elif method == "dot":
        _whole("budget", p["budget"], 1)
        _whole("max_per_option", p["max_per_option"], 1, optional=True)
    elif method == "quadratic":
        _whole("credits", p["credits"], 1)
    elif method == "yes_no_abstain":
        _share("threshold", p["threshold"])
        _choice("abstentions", p["abstentions"], ("excluded", "counted"))
        quorum = _amount("quorum", p["quorum"], positive=False)
        electorate = _whole("electorate", p["electorate"], 1, optional=True)
        if 0 < quorum < 1 and electorate is None:
            raise InvalidParameters(
                "a quorum below 1 is a share of the electorate: give electorate, the number "
                "of people entitled to vote",
                "electorate",
                "quorum_needs_electorate",
            )
    elif method == "consent":
        _share("threshold", p["threshold"])
    elif method == "budget":
        _check_budget(options, p)
    elif method == "stv":
        _check_stv(options, p)


def _option_list(name: str, value: Any, options: list[str]) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidParameters(f"{name} must be a list of option ids", name)
    known = set(options)
    listed = [str(v) for v in value]
    for option in listed:
        if option not in known:
            raise InvalidParameters(f"{name} names unknown option {option!r}", name)
    if len(set(listed)) != len(listed):
        raise InvalidParameters(f"{name} names an option twice", name)
    return listed


def _check_stv(options: list[str], p: dict[str, Any]) -> None:
    if "withdrawn" in p:
        p["withdrawn"] = withdrawn = _option_list("withdrawn", p["withdrawn"], options)
        if len(options) - len(withdrawn) < p.get("seats", 1):
            raise InvalidParameters(
                "fewer options are left than seats once the withdrawn go",
                "withdrawn",
                "withdrawn_leaves_too_few",
            )
    if "tie_order" in p:
        p["tie_order"] = order = _option_list("tie_order", p["tie_order"], options)
        if len(order) != len(options):
            raise InvalidParameters("tie_order must list every option exactly once")
    if "stage_numbering" in p:
        _choice("stage_numbering", p["stage_numbering"], stv.STAGE_NUMBERINGS)


def _check_budget(options: list[str], p: dict[str, Any]) -> None:
    costs = p["costs"]
    if not isinstance(costs, Mapping):
        raise InvalidParameters('costs must map each option to its cost, e.g. {"a": 1000}')
    extra = sorted(set(costs) - set(options))
    if extra:
        raise InvalidParameters(f"costs names unknown option {extra[0]!r}")
    for option in options:
        if option not in costs:
            raise InvalidParameters(f"costs gives no cost for option '{option}'")
        _amount(f"the cost of '{option}'", costs[option])
    p["costs"] = {o: costs[o] for o in options}
    _amount("budget", p["budget"])
    _choice("rule", p["rule"], ("mes", "greedy"))
    _choice("utilities", p["utilities"], ("cost", "approval"))
    _choice("completion", p["completion"], ("increment", "greedy", "none"))


# --- single ballots and the count -----------------------------------------------------------


def ballot_check(
    method: str, options: Sequence[str], seats: int, params: dict[str, Any]
) -> Callable[[Any], object]:
    """The check of one ballot for ``method``, with the parameters validated once, so a count
    or an export of a million ballots does not repeat that work for each. Raises
    :class:`InvalidParameters` when no ballot can be counted with these parameters."""
    p = validate_params(method, options, seats, params)
    info = METHODS[method]
    known = frozenset(options)
    kind = info.ballot
    if kind == "ranking":
        return lambda ballot: check_ranking(ballot, known)
    if kind == "approval":
        limit = p.get("max_approvals")
        return lambda ballot: check_approval(ballot, known, limit)
    if kind == "scores":
        low, high = p["min"], p["max"]
        return lambda ballot: check_integers(ballot, known, low, high, "score")
    if kind == "grades":
        top = len(p["grades"]) - 1
        return lambda ballot: check_integers(ballot, known, 0, top, "grade")
    if kind == "points":
        budget, most = p["budget"], p["max_per_option"]
        return lambda ballot: points.check_dots(ballot, known, budget, most)
    if kind == "votes":
        credits = p["credits"]
        return lambda ballot: points.check_quadratic(ballot, known, credits)
    choices = info.choices
    return lambda ballot: check_choices(ballot, known, choices)


def validate_ballot(method: str, options: Sequence[str], ballot: Any, **params: Any) -> None:
    """Raise :class:`InvalidBallot` if ``ballot`` cannot be counted by ``method``."""
    seats = params.pop("seats", 1)
    ballot_check(method, options, seats, params)(ballot)


def tally(
    method: str, options: Sequence[str], ballots: Iterable[Any], *, seats: int = 1, **params: Any
) -> TallyResult:
    """Count ``ballots`` over ``options`` by ``method``; see :data:`METHODS`."""
    info = _method(method)
    options = _check_options(options)
    effective = validate_params(method, options, seats, params)
    ties = TieBreaker(options, effective["tie_break_seed"], effective.get("tie_order"))
    assert info._count is not None
    winners, ranking, explanation = info._count(options, ballots, seats, effective, ties)  # type: ignore[arg-type]
    explanation["tie_break"] = ties.explain()
    return TallyResult(
        method=method,
        winners=winners,
        ranking=ranking,
        explanation=explanation,
        params=_jsonable(effective),
    )


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Fraction) else v) for k, v in params.items()}
