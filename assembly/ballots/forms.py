"""Ballot forms: what each voting method's form sends, read into the engine's ballot shape.

Field names: approval and budget ballots send ``choice`` once per ticked option; every other
method sends one field per option, ``o-<option id>`` (a rank, score, grade index, answer,
points or votes), where an empty value means "left out". The common mistakes (a rank used
twice, too many points) get their own translated message; anything else the engine refuses
is shown with the engine's reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assembly.db.models import Topic
from assembly.errors import InvalidInput
from assembly.forms_common import FormData
from assembly.i18n import Money, _l
from assembly.voting import METHODS, InvalidBallot, InvalidParameters, validate_ballot


class BallotOptions(list[tuple[str, str]]):
    """The options on a ballot as (option id, label) pairs, with what the form needs to show.

    ``params`` are the topic's parameters over the method's defaults (for display: the
    budget, the credits, the grade labels, the costs); ``kind`` is the engine's ballot kind.
    """

    def __init__(
        self,
        method: str,
        params: Mapping[str, Any],
        seats: int,
        items: list[tuple[str, str]],
        *,
        costs: Mapping[str, int] | None = None,
        currency: str = "NOK",
    ) -> None:
        super().__init__(items)
        info = METHODS.get(method)
        self.method = method
        self.kind = info.ballot if info else "approval"
        self.choices: tuple[str, ...] = info.choices if info else ()
        given = dict(params)
        if costs is not None:
            # A budget's costs are the proposals' own, not a parameter anyone types.
            given["costs"] = dict(costs)
        self.params: dict[str, Any] = {**(info.defaults if info else {}), **given}
        self.seats = seats
        self.raw_params = given
        self.currency = currency

    @property
    def is_budget(self) -> bool:
        return self.method == "budget"

    @property
    def costs(self) -> dict[str, int]:
        found = self.params.get("costs")
        return dict(found) if isinstance(found, Mapping) else {}

    @property
    def budget(self) -> int | None:
        value = self.params.get("budget")
        return int(value) if isinstance(value, int | float) else None

    def spending(self, chosen: list[str]) -> BudgetSpending | None:
        """What a budget ballot's ticks cost, and what is left of the budget."""
        if not self.is_budget or self.budget is None:
            return None
        costs = self.costs
        total = sum(costs.get(option, 0) for option in chosen)
        return BudgetSpending(total=total, budget=self.budget, currency=self.currency)

    @property
    def ids(self) -> list[str]:
        return [option_id for option_id, _label in self]

    @property
    def labels(self) -> dict[str, str]:
        return dict(self)


@dataclass(frozen=True)
class BudgetSpending:
    total: int
    budget: int
    currency: str

    @property
    def left(self) -> int:
        return self.budget - self.total

    @property
    def over(self) -> int:
        return max(self.total - self.budget, 0)


def options_for(
    topic: Topic,
    items: list[tuple[str, str]],
    costs: Mapping[str, int] | None = None,
    currency: str = "NOK",
) -> BallotOptions:
    return BallotOptions(
        topic.voting_method,
        topic.voting_params or {},
        topic.seats or 1,
        items,
        costs=costs,
        currency=currency,
    )


@dataclass
class ParsedBallot:
    content: Any
    values: dict[str, Any]


def field_name(option_id: str) -> str:
    return f"o-{option_id}"


def read_values(form: FormData, options: BallotOptions) -> dict[str, Any]:
    """What the voter sent, as the form macro expects it back (nothing typed is lost)."""
    if options.kind == "approval":
        return {"choice": [value for value in form.getlist("choice") if value]}
    return {field_name(o): form.get(field_name(o)).strip() for o in options.ids}


def _whole_number(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _parse(options: BallotOptions, values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The ballot content and any per-field errors."""
    errors: dict[str, Any] = {}
    kind, params, ids = options.kind, options.params, options.ids
    if kind == "approval":
        chosen = [value for value in values["choice"] if value in ids]
        if len(chosen) != len(values["choice"]):
            errors["ballot"] = _l("The ballot names a proposal that is not on it.")
        limit = params.get("max_approvals")
        if limit and len(chosen) > limit:
            errors["ballot"] = _l(
                "You chose %(count)s proposals; you may choose at most %(limit)s.",
                count=len(chosen),
                limit=limit,
            )
        chosen = list(dict.fromkeys(chosen))
        spending = options.spending(chosen)
        if spending is not None and spending.over and "ballot" not in errors:
            errors["ballot"] = _l(
                "Your choices cost %(total)s, %(over)s more than the budget of %(budget)s. "
                "Untick a project to fit the budget.",
                total=Money(spending.total, spending.currency),
                over=Money(spending.over, spending.currency),
                budget=Money(spending.budget, spending.currency),
            )
        return chosen, errors
    if kind == "ranking":
        ranked: dict[int, str] = {}
        for option in ids:
            text = values[field_name(option)]
            if not text:
                continue
            rank = _whole_number(text)
            if rank is None or not 1 <= rank <= len(ids):
                errors[field_name(option)] = _l("Choose a rank from the list.")
            elif rank in ranked:
                errors[field_name(option)] = _l(
                    "You gave rank %(rank)s to more than one proposal. Use each rank once.",
                    rank=rank,
                )
            else:
                ranked[rank] = option
        return [ranked[rank] for rank in sorted(ranked)], errors
    content: dict[str, Any] = {}
    for option in ids:
        text = values[field_name(option)]
        if not text:
            continue
        if kind == "choice":
            if text not in options.choices:
                errors[field_name(option)] = _l("Choose one of the answers shown.")
            else:
                content[option] = text
            continue
        number = _whole_number(text)
        if number is None:
            errors[field_name(option)] = _l("Enter a whole number.")
        elif kind in ("points", "votes") and number == 0:
            continue
        else:
            content[option] = number
    if not errors and kind == "points":
        spent, budget = sum(content.values()), params.get("budget")
        if budget is not None and spent > budget:
            errors["ballot"] = _l(
                "You gave %(spent)s points in all; you have %(budget)s to spread.",
                spent=spent,
                budget=budget,
            )
    if not errors and kind == "votes":
        cost, credits = sum(v * v for v in content.values()), params.get("credits")
        if credits is not None and cost > credits:
            errors["ballot"] = _l(
                "Your votes cost %(cost)s credits (each proposal costs its votes squared); "
                "you have %(credits)s.",
                cost=cost,
                credits=credits,
            )
    return content, errors


def is_blank(content: Any) -> bool:
    return not content


def check_ballot(options: BallotOptions, content: Any) -> None:
    """InvalidInput unless the engine can count ``content`` on this ballot."""
    if not options:
        raise InvalidInput({"ballot": _l("There is nothing to vote on yet.")})
    try:
        validate_ballot(
            options.method, options.ids, content, seats=options.seats, **options.raw_params
        )
    except InvalidBallot as exc:
        raise InvalidInput(
            {"ballot": _l("Your ballot cannot be counted: %(reason)s.", reason=exc.reason)}
        ) from exc
    except InvalidParameters as exc:
        raise InvalidInput(
            {"ballot": _l("This vote is not set up correctly; please tell the facilitator.")}
        ) from exc


def parse_ballot(
    form: FormData, options: BallotOptions, *, allow_blank: bool = False
) -> ParsedBallot:
    """The submitted ballot in the engine's shape; ``BallotFormError`` (an InvalidInput whose
    ``values`` the caller shows again) when it cannot be stored. Paper entry may pass
    ``allow_blank`` to record a blank ballot."""
    values = read_values(form, options)
    content, errors = _parse(options, values)
    if not errors and not allow_blank and is_blank(content):
        errors["ballot"] = _l(
            "Your ballot is empty. Mark at least one proposal, or leave this page "
            "if you do not want to vote."
        )
    if not errors:
        try:
            check_ballot(options, content)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise BallotFormError(errors, values)
    return ParsedBallot(content=content, values=values)


class BallotFormError(InvalidInput):
    """A ballot that cannot be stored, with what the voter had marked."""

    def __init__(self, errors: Mapping[str, Any], values: dict[str, Any]) -> None:
        super().__init__(errors)
        self.values = values


def values_from_content(options: BallotOptions, content: Any) -> dict[str, Any]:
    """A stored ballot as form values, to show an open ballot for changing."""
    if options.kind == "approval":
        return {"choice": [str(o) for o in content or []]}
    if options.kind == "ranking":
        ranks = {option: index + 1 for index, option in enumerate(content or [])}
        return {field_name(o): str(ranks.get(o, "")) for o in options.ids}
    mapping = content if isinstance(content, dict) else {}
    return {field_name(o): str(mapping.get(o, "")) for o in options.ids}


def is_check(form: FormData) -> bool:
    """Whether the voter asked to check a budget ballot's total rather than cast it."""
    return form.get("action") == "check"


def checked_values(form: FormData, options: BallotOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """A budget ballot read for the "check my choices" step: the marks and any objection
    (over the budget, say), with nothing stored. An empty ballot is no objection here."""
    try:
        return parse_ballot(form, options, allow_blank=True).values, {}
    except BallotFormError as exc:
        return exc.values, exc.errors
