"""Answers are checked against their items: ranges, choices, skip logic, required items."""

from __future__ import annotations

import pytest

from assembly.errors import InvalidInput
from assembly.questionnaires.instruments import TEMPLATES
from assembly.questionnaires.items import DONT_KNOW, check_items, missing, read_answers

NUMBER = {"key": "age", "kind": "number", "text": {"en": "Age"}, "min": 16, "max": 110}


def test_every_template_holds_together_and_names_its_source() -> None:
    for template in TEMPLATES.values():
        check_items(template["items"])
        assert template["source"]
        assert all(set(item["text"]) == {"en", "nb"} for item in template["items"])


def test_out_of_range_and_unreadable_numbers_are_refused_but_kept() -> None:
    answers, errors = read_answers([NUMBER], {"age": ["200"]})
    assert "age" in errors
    assert answers["age"] == "200"
    answers, errors = read_answers([NUMBER], {"age": ["forty"]})
    assert "age" in errors
    answers, errors = read_answers([NUMBER], {"age": ["42"]})
    assert answers == {"age": 42}
    assert not errors


def test_dont_know_is_its_own_code_and_skip_logic_hides_follow_ups() -> None:
    items = TEMPLATES["evaluation"]["items"]
    form = {"heard": [str(DONT_KNOW)], "again": ["1"], "information": ["9"]}
    answers, errors = read_answers(items, form)
    assert answers["heard"] == DONT_KNOW
    assert "information" in errors
    required = [dict(item, required=True) for item in items]
    gaps = missing(required, answers)
    assert "why_not" not in gaps
    assert "respect" in gaps
    answers["again"] = 2
    assert "why_not" in missing(required, answers)


def test_a_question_may_depend_only_on_an_earlier_one() -> None:
    items = [dict(NUMBER, show_if={"item": "later", "equals": 1})]
    with pytest.raises(InvalidInput):
        check_items(items)
