"""The voting set-up's form fields, generated from the engine's parameter descriptions."""

from __future__ import annotations

import pytest

from assembly.i18n import current_locale
from assembly.topics.forms import (
    IMPORT_FIELD,
    ParamsError,
    default_values,
    engine_error,
    field_name,
    form_values,
    method_sections,
    read_params,
)
from assembly.topics.services import check_voting_setup, voting_setup_error
from assembly.voting import METHODS
from assembly.voting.parameters import described, form_parameters


def test_every_method_parameter_with_a_default_has_a_field() -> None:
    for method, info in METHODS.items():
        shown = {p.name for p in form_parameters(method)}
        assert set(info.defaults) <= shown, method
        # A budget's costs are a table per proposal: no single field, kept as stored.
        assert "costs" not in shown
    assert {p["name"] for p in described()["score"]} == {"min", "max", "tie_break_seed"}
    score = {p["name"]: p for p in described()["score"]}
    assert score["max"]["default"] == 5


def test_defaults_round_trip_through_the_fields() -> None:
    for method, info in METHODS.items():
        values = {**default_values(), field_name("budget", "budget"): "1000"}
        params = read_params(method, values)
        expected = dict(info.defaults)
        if method == "budget":
            expected["budget"] = 1000
        if method == "majority_judgment":
            assert params["grades"] == list(expected.pop("grades"))
            params.pop("grades")
        assert {k: v for k, v in params.items() if v is not None} == {
            k: v for k, v in expected.items() if v is not None
        }, method
        assert voting_setup_error(method, 1, params) is None, method


def test_typed_values_are_read_by_kind() -> None:
    values = {
        field_name("yes_no_abstain", "threshold"): "2/3",
        field_name("yes_no_abstain", "quorum"): "0,4",
        field_name("yes_no_abstain", "electorate"): "120",
        field_name("yes_no_abstain", "abstentions"): "counted",
    }
    params = read_params("yes_no_abstain", values)
    assert params == {
        "threshold": "2/3",
        "quorum": 0.4,
        "electorate": 120,
        "abstentions": "counted",
    }
    grades = read_params(
        "majority_judgment", {field_name("majority_judgment", "grades"): "Bad\n\nFine\r\nGreat\n"}
    )
    assert grades == {"grades": ["Bad", "Fine", "Great"]}
    # An empty "no limit" field means no limit.
    assert read_params("approval", {field_name("approval", "max_approvals"): ""}) == {
        "max_approvals": None
    }


@pytest.mark.parametrize(
    ("method", "param", "raw", "message"),
    [
        ("score", "max", "ten", "Enter a whole number."),
        ("dot", "budget", "0", "Enter 1 or more."),
        ("consent", "threshold", "1.5", "Enter a share from 0 to 1"),
        ("borda", "partial", "random", "Choose one of the listed settings."),
        ("majority_judgment", "grades", "Only one", "Give at least two grades"),
        ("majority_judgment", "grades", "Good\ngood", "is given twice"),
    ],
)
def test_bad_fields_are_named(method: str, param: str, raw: str, message: str) -> None:
    name = field_name(method, param)
    with pytest.raises(ParamsError) as caught:
        read_params(method, {name: raw})
    assert message in str(caught.value.errors[name])


def test_imported_settings_override_the_fields_and_stored_hidden_ones_stay() -> None:
    values = {field_name("budget", "budget"): "5000", IMPORT_FIELD: '{"rule": "greedy"}'}
    params = read_params("budget", values, keep={"costs": {"1": 200}})
    assert params["budget"] == 5000
    assert params["rule"] == "greedy"
    assert params["costs"] == {"1": 200}
    with pytest.raises(ParamsError) as caught:
        read_params("budget", {IMPORT_FIELD: "rule = greedy"})
    assert "JSON object" in str(caught.value.errors[IMPORT_FIELD])
    shown = form_values("budget", {"budget": 10, "costs": {"1": 200}})
    assert shown[field_name("budget", "budget")] == "10"
    assert shown[IMPORT_FIELD] == '{"costs": {"1": 200}}'


def test_invalid_combinations_name_the_field() -> None:
    problem = voting_setup_error("approval", 3, {"max_approvals": 2})
    assert problem is not None
    field, message = engine_error("approval", problem)
    assert field == field_name("approval", "max_approvals")
    assert message.startswith("At most 2 approvals, but 3 seats")
    problem = voting_setup_error("score", 1, {"min": 5, "max": 5})
    assert problem is not None
    assert engine_error("score", problem) == (
        field_name("score", "max"),
        "The highest score (5) must be above the lowest (5).",
    )
    problem = voting_setup_error("yes_no_abstain", 1, {"quorum": 0.5})
    assert problem is not None
    assert engine_error("yes_no_abstain", problem)[0] == field_name("yes_no_abstain", "electorate")
    problem = voting_setup_error("approval", 1, {"colour": "red"})
    assert problem is not None
    assert engine_error("approval", problem)[0] == IMPORT_FIELD


def test_fields_and_help_read_in_norwegian() -> None:
    token = current_locale.set("nb")
    try:
        sections = {s["method"]: s for s in method_sections("score")}
        assert sections["score"]["selected"]
        assert not sections["approval"]["selected"]
        labels = [f["label"] for f in sections["score"]["basic"]]
        assert labels == ["Laveste poengsum", "Høyeste poengsum"]
        assert "Standard: 5." in sections["score"]["basic"][1]["help"]
        assert default_values()[field_name("majority_judgment", "grades")].startswith(
            "Forkast\nDårlig"
        )
    finally:
        current_locale.reset(token)


def test_setup_check_uses_the_voting_engine() -> None:
    assert check_voting_setup("approval", 1, {}) is None
    assert check_voting_setup("stv", 3, {}) is None
    assert check_voting_setup("budget", 1, {"budget": 1000}) is None
    assert "min (5) must be less than max (5)" in (
        check_voting_setup("score", 1, {"min": 5, "max": 5}) or ""
    )
    assert "elects no fixed number of seats" in (check_voting_setup("irv", 2, {}) or "")
    assert "unknown parameter" in (check_voting_setup("approval", 1, {"colour": "red"}) or "")
    # With the real options, the per-option checks apply.
    assert "cannot exceed the number of options" in (
        check_voting_setup("stv", 3, {}, ["1", "2"]) or ""
    )
    assert "costs" in (check_voting_setup("budget", 1, {"budget": 10}, ["1"]) or "")
