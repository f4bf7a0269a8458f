"""Reading ballot forms into the engine's shape, for every method, and rendering them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from assembly.ballots.forms import (
    BallotFormError,
    BallotOptions,
    parse_ballot,
    read_values,
    values_from_content,
)
from assembly.voting import METHODS
from assembly.web.forms import FormData
from assembly.web.templating import create_environment

ITEMS = [("1", "Park"), ("2", "Pier"), ("3", "Pool")]


def _options(method: str, **params: Any) -> BallotOptions:
    return BallotOptions(method, params, 1, list(ITEMS))


def _form(pairs: list[tuple[str, str]]) -> FormData:
    form = FormData()
    for key, value in pairs:
        form.lists.setdefault(key, []).append(value)
        form.values.setdefault(key, value)
    return form


@pytest.mark.parametrize(
    ("method", "params", "pairs", "expected"),
    [
        ("approval", {}, [("choice", "1"), ("choice", "3")], ["1", "3"]),
        ("budget", {"costs": {"1": 10, "2": 20, "3": 30}, "budget": 40}, [("choice", "2")], ["2"]),
        ("score", {}, [("o-1", "5"), ("o-2", ""), ("o-3", "0")], {"1": 5, "3": 0}),
        ("majority_judgment", {}, [("o-1", "3"), ("o-2", "0")], {"1": 3, "2": 0}),
        ("borda", {}, [("o-1", "2"), ("o-2", ""), ("o-3", "1")], ["3", "1"]),
        ("schulze", {}, [("o-1", "3"), ("o-2", "1"), ("o-3", "2")], ["2", "3", "1"]),
        ("irv", {}, [("o-2", "1")], ["2"]),
        ("stv", {}, [("o-1", "1"), ("o-2", "3")], ["1", "2"]),
        ("ranked_pairs", {}, [("o-3", "1")], ["3"]),
        ("dot", {"budget": 10}, [("o-1", "7"), ("o-2", "0"), ("o-3", "3")], {"1": 7, "3": 3}),
        ("quadratic", {"credits": 100}, [("o-1", "6"), ("o-2", "-8")], {"1": 6, "2": -8}),
        ("yes_no_abstain", {}, [("o-1", "yes"), ("o-2", "abstain")], {"1": "yes", "2": "abstain"}),
        (
            "consent",
            {},
            [("o-1", "block"), ("o-3", "support_with_reservations")],
            {"1": "block", "3": "support_with_reservations"},
        ),
    ],
)
def test_every_method_parses_into_the_engine_shape(
    method: str, params: dict[str, Any], pairs: Any, expected: Any
) -> None:
    options = _options(method, **params)
    parsed = parse_ballot(_form(pairs), options)
    assert parsed.content == expected
    # An open ballot shown again for changing gives back the same ballot.
    again = parse_ballot(_form(_pairs(values_from_content(options, parsed.content))), options)
    assert again.content == expected


def _pairs(values: dict[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        pairs.extend((key, v) for v in value) if isinstance(value, list) else pairs.append(
            (key, value)
        )
    return pairs


@pytest.mark.parametrize(
    ("method", "params", "pairs", "field", "message"),
    [
        ("borda", {}, [("o-1", "1"), ("o-2", "1")], "o-2", "rank 1 to more than one proposal"),
        ("irv", {}, [("o-1", "9")], "o-1", "Choose a rank from the list."),
        (
            "dot",
            {"budget": 10},
            [("o-1", "7"), ("o-2", "4")],
            "ballot",
            "11 points in all; you have 10",
        ),
        ("dot", {"budget": 10, "max_per_option": 5}, [("o-1", "6")], "ballot", "between 0 and 5"),
        ("quadratic", {"credits": 10}, [("o-1", "4")], "ballot", "cost 16 credits"),
        ("score", {"min": 0, "max": 5}, [("o-1", "6")], "ballot", "must be between 0 and 5"),
        ("score", {}, [("o-1", "five")], "o-1", "Enter a whole number."),
        (
            "approval",
            {"max_approvals": 1},
            [("choice", "1"), ("choice", "2")],
            "ballot",
            "at most 1",
        ),
        ("approval", {}, [("choice", "99")], "ballot", "not on it"),
        ("consent", {}, [("o-1", "maybe")], "o-1", "Choose one of the answers shown."),
        ("approval", {}, [], "ballot", "Your ballot is empty"),
    ],
)
def test_bad_ballots_are_refused_with_the_choices_kept(
    method: str, params: dict[str, Any], pairs: Any, field: str, message: str
) -> None:
    options = _options(method, **params)
    with pytest.raises(BallotFormError) as caught:
        parse_ballot(_form(pairs), options)
    assert message in str(caught.value.errors[field])
    assert caught.value.values == read_values(_form(pairs), options)


def test_quadratic_within_credits_passes() -> None:
    assert parse_ballot(
        _form([("o-1", "5"), ("o-2", "-5")]), _options("quadratic", credits=50)
    ).content == {"1": 5, "2": -5}


def test_blank_paper_ballot_may_be_allowed() -> None:
    assert parse_ballot(_form([]), _options("approval"), allow_blank=True).content == []


def test_badly_configured_topic_gives_a_clear_message() -> None:
    with pytest.raises(BallotFormError) as caught:
        parse_ballot(_form([("choice", "1")]), _options("budget", budget=10))  # no costs
    assert "not set up correctly" in str(caught.value.errors["ballot"])


def _render(
    method: str, options: Any, values: dict[str, Any], errors: dict[str, Any], **params: Any
) -> str:
    env = create_environment()
    template = env.from_string(
        '{% from "ballots/_fields.html" import ballot_fields %}'
        "{{ ballot_fields(topic, options, values, errors) }}"
    )
    topic = SimpleNamespace(voting_method=method, voting_params=params, seats=1)
    return template.render(topic=topic, options=options, values=values, errors=errors)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_macro_renders_every_method(method: str) -> None:
    params = (
        {"costs": {"1": 1000, "2": 2000, "3": 500}, "budget": 2500} if method == "budget" else {}
    )
    options = _options(method, **params)
    html = _render(method, options, {}, {}, **params)
    assert 'id="field-ballot"' in html
    assert "<legend>" in html
    for option_id, label in ITEMS:
        assert label in html
        if options.kind == "approval":
            assert f'name="choice" value="{option_id}"' in html
        else:
            assert f'name="o-{option_id}"' in html
    assert {
        "approval": 'type="checkbox"',
        "ranking": "<select",
        "points": 'type="number"',
        "votes": 'type="number"',
    }.get(options.kind, 'type="radio"') in html
    if method == "budget":
        # Each project's cost in the currency, the running total and the check step.
        assert 'data-cost="1000"' in html
        assert "NOK1,000" in html
        assert 'id="budget-tally"' in html
        assert "of NOK2,500" in html
        assert 'name="action" value="check"' in html
    if method == "dot":
        assert "You have 10 points" in html
    if method == "quadratic":
        assert "You have 100 credits" in html
    if method == "majority_judgment":
        assert "Very good" in html


def test_the_macro_keeps_marks_and_shows_errors() -> None:
    options = _options("borda")
    html = _render(
        "borda",
        options,
        {"o-1": "2", "o-2": "1", "o-3": ""},
        {"o-2": "You gave rank 1 twice", "ballot": "Check the ranks"},
    )
    assert '<option value="2" selected>' in html
    assert "You gave rank 1 twice" in html
    assert "Check the ranks" in html
    assert 'aria-invalid="true"' in html


def test_the_macro_works_with_plain_pairs() -> None:
    html = _render("approval", list(ITEMS), {"choice": ["2"]}, {})
    assert 'value="2" checked' in html
