"""Reading voting parameters from ``key = value`` lines."""

from __future__ import annotations

import pytest

from assembly.topics.forms import ParamsError, format_params, parse_params
from assembly.topics.services import check_voting_setup


def test_values_are_read_as_json_or_plain_text() -> None:
    params = parse_params(
        'max = 10\nthreshold = 2/3\nstrength = margin\n# a comment\n\ngrades = ["Poor", "Good"]\n'
        'costs = {"12": 5000}\nmax_approvals = null\nflag = true\nlabel = "10"'
    )
    assert params == {
        "max": 10,
        "threshold": "2/3",
        "strength": "margin",
        "grades": ["Poor", "Good"],
        "costs": {"12": 5000},
        "max_approvals": None,
        "flag": True,
        "label": "10",
    }
    assert parse_params(format_params(params)) == params
    assert parse_params("") == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max 10", "Parameter 1: write one parameter per line"),
        ("max = 1\n9x = 2", "Parameter 2: write one parameter per line"),
        ("max = 1\nmax = 2", "is given twice"),
        ("\n".join(f"p{n} = 1" for n in range(51)), "At most 50 parameters"),
    ],
)
def test_unreadable_parameters(text: str, message: str) -> None:
    with pytest.raises(ParamsError) as caught:
        parse_params(text)
    assert message in str(caught.value.message)


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
