"""The scenario structs and their cross-checks."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from assembly.scenarios.checks import check, validate
from assembly.scenarios.schema import (
    BALLOT_KINDS,
    METHOD_PARAMS,
    PRACTICES,
    SPOTLIGHT_AREAS,
    VOTING_METHODS,
    Issue,
    ScenarioError,
    decode,
    format_key,
    parse_when,
    pool_counts,
    resolve_timeline,
)


def tiny() -> dict[str, Any]:
    """A small valid scenario as plain data."""
    return {
        "scenario": {
            "slug": "tiny",
            "title": "Tiny",
            "summary": "A tiny scenario.",
            "grounded_in": [{"practice": "wigan-deal", "name": "The Wigan Deal"}],
        },
        "assembly": {"title": "Tiny assembly", "place": "Trondheim", "language": "en"},
        "topics": [
            {
                "slug": "park",
                "spotlight_area": "people-centred-place-based",
                "question": "What should the park have?",
                "practices": ["wigan-deal"],
                "voting_method": "approval",
                "voting_params": {"max_approvals": 2},
                "proposals": [
                    {
                        "slug": "benches",
                        "title": "Benches",
                        "body": "Benches along the paths.",
                        "arguments": [{"stance": "pro", "body": "Somewhere to rest."}],
                    },
                    {"slug": "skate-park", "title": "Skate park", "body": "A skate park."},
                    {"slug": "trees", "title": "Trees", "body": "More trees."},
                ],
            }
        ],
        "panel": {
            "pool_size": 60,
            "panel_size": 12,
            "features": {
                "age": {
                    "values": {
                        "young": {"share": 0.4, "min": 4, "max": 6},
                        "old": {"share": 0.6, "min": 6, "max": 8},
                    }
                }
            },
        },
        "behaviour": {
            "blocks": {"green": ["trees"]},
            "groups": [
                {"name": "Young", "share": 0.4, "agree": {"skate-park": 0.9}},
                {"name": "Old", "share": 0.6, "blocks": {"green": 0.8}},
            ],
        },
        "timeline": {"topics": {"park": {"proposals": "-3w", "voting": "-1w", "closed": "-1d"}}},
    }


def problems(data: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    return {format_key(i.path): i.problem for i in validate(decode(data), **kwargs)}


def test_tiny_scenario_is_valid() -> None:
    scenario = check(decode(tiny()))
    assert scenario.slug == "tiny"
    assert scenario.topics[0].options == ["benches", "skate-park", "trees"]
    assert scenario.assembly.time_zone == "Europe/Oslo"
    assert scenario.topics[0].ballot == "secret"
    assert scenario.topics[0].phase == "published"
    assert scenario.methods == ["approval"]
    assert [p.slug for _, p in scenario.proposals()] == ["benches", "skate-park", "trees"]
    assert scenario.topic("park").question.startswith("What")


def test_catalogue_constants() -> None:
    assert len(SPOTLIGHT_AREAS) == 4
    assert len(PRACTICES) == 24
    assert set(VOTING_METHODS) == set(METHOD_PARAMS) == set(BALLOT_KINDS)
    assert len(VOTING_METHODS) == 13


def test_unknown_keys_are_rejected_at_every_level() -> None:
    for where in (lambda d: d, lambda d: d["topics"][0], lambda d: d["topics"][0]["proposals"][0]):
        data = tiny()
        where(data)["colour"] = "blue"
        with pytest.raises(msgspec.ValidationError, match="unknown field `colour`"):
            decode(data)


def test_text_limits() -> None:
    data = tiny()
    data["topics"][0]["proposals"][0]["title"] = "x" * 121
    with pytest.raises(msgspec.ValidationError, match=r"\$\.topics\[0\]\.proposals\[0\]\.title"):
        decode(data)
    data = tiny()
    data["topics"][0]["proposals"][0]["body"] = "x" * 2001
    with pytest.raises(msgspec.ValidationError, match="length <= 2000"):
        decode(data)
    data = tiny()
    data["topics"][0]["slug"] = "Not A Slug"
    with pytest.raises(msgspec.ValidationError, match="regex"):
        decode(data)


def test_unknown_practice_and_area() -> None:
    data = tiny()
    data["scenario"]["grounded_in"][0]["practice"] = "made-up"
    data["topics"][0]["spotlight_area"] = "nowhere"
    data["topics"][0]["practices"] = ["wigan-deal", "also-made-up"]
    found = problems(data)
    assert "unknown practice 'made-up'" in found["scenario.grounded_in[0].practice"]
    assert "unknown spotlight area 'nowhere'" in found["topics[0].spotlight_area"]
    assert "also-made-up" in found["topics[0].practices[1]"]


def test_known_catalogue_can_be_given() -> None:
    data = tiny()
    data["scenario"]["grounded_in"][0]["practice"] = "new-practice"
    data["topics"][0]["practices"] = ["new-practice"]
    data["topics"][0]["spotlight_area"] = "new-area"
    assert problems(data, known_practices=["new-practice"], known_areas=["new-area"]) == {}
    assert "topics[0].spotlight_area" in problems(data, known_practices=["new-practice"])


def test_unknown_method_and_time_zone() -> None:
    data = tiny()
    data["topics"][0]["voting_method"] = "plurality"
    data["assembly"]["time_zone"] = "Mars/Olympus"
    found = problems(data)
    assert found["topics[0].voting_method"].startswith("unknown voting method 'plurality'")
    assert "approval" in found["topics[0].voting_method"]
    assert "unknown time zone" in found["assembly.time_zone"]


@pytest.mark.parametrize(
    ("method", "params", "key", "fragment"),
    [
        ("approval", {"max_approvals": 0}, "max_approvals", "at least 1"),
        ("approval", {"max_approvals": 9}, "max_approvals", "exceeds"),
        ("approval", {"max": 3}, "max", "takes no parameter 'max'"),
        ("score", {"min": 0}, "max", "needs the parameter 'max'"),
        ("score", {"min": 5, "max": 5}, "max", "greater than min"),
        ("score", {"min": 0, "max": 2.5}, "max", "integer"),
        ("majority_judgment", {"grades": ["only"]}, "grades", "at least two"),
        ("majority_judgment", {"grades": ["a", "a"]}, "grades", "different"),
        ("majority_judgment", {}, "grades", "needs the parameter"),
        ("schulze", {"seats": 2}, "seats", "takes no parameter"),
        ("irv", {"tie_break_seed": "x"}, "tie_break_seed", "integer"),
        ("dot", {"budget": 5, "max_per_option": 6}, "max_per_option", "between 1 and the budget"),
        ("dot", {"budget": 0}, "budget", "at least 1"),
        ("quadratic", {}, "credits", "needs the parameter"),
        ("quadratic", {"credits": -4}, "credits", "at least 1"),
        ("yes_no_abstain", {"threshold": 1.5}, "threshold", "at most 1"),
        ("yes_no_abstain", {"quorum": -1}, "quorum", "at least 0"),
        ("consent", {"threshold": 0}, "threshold", "above 0"),
        ("budget", {"budget": 10}, "costs", "needs the parameter 'costs'"),
        ("budget", {"budget": 10, "costs": {"benches": 3, "trees": 4}}, "costs", "has no cost"),
        (
            "budget",
            {"budget": 10, "costs": {"benches": 3, "trees": 4, "skate-park": 2, "pool": 1}},
            'costs."pool"',
            "not a proposal",
        ),
        (
            "budget",
            {"budget": 1, "costs": {"benches": 3, "trees": 4, "skate-park": 2}},
            "budget",
            "cheapest",
        ),
        (
            "budget",
            {"budget": 9, "rule": "best", "costs": {"benches": 3, "trees": 4, "skate-park": 2}},
            "rule",
            "unknown rule",
        ),
    ],
)
def test_voting_params_must_fit_the_method(
    method: str, params: dict[str, Any], key: str, fragment: str
) -> None:
    data = tiny()
    data["topics"][0]["voting_method"] = method
    data["topics"][0]["voting_params"] = params
    found = problems(data)
    full = "topics[0].voting_params." + key.replace('"pool"', "pool")
    assert full in found, found
    assert fragment in found[full]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("approval", {}),
        ("score", {"min": 0, "max": 5}),
        ("majority_judgment", {"grades": ["bad", "fair", "good"]}),
        ("borda", {}),
        ("schulze", {"tie_break_seed": 3}),
        ("ranked_pairs", {}),
        ("irv", {}),
        ("dot", {"budget": 10, "max_per_option": 4}),
        ("quadratic", {"credits": 16}),
        ("yes_no_abstain", {"threshold": 0.5, "quorum": 3}),
        ("consent", {"threshold": 0.6}),
        (
            "budget",
            {"budget": 7, "rule": "greedy", "costs": {"benches": 3, "trees": 4, "skate-park": 2.5}},
        ),
    ],
)
def test_valid_params_for_every_method(method: str, params: dict[str, Any]) -> None:
    data = tiny()
    data["topics"][0]["voting_method"] = method
    data["topics"][0]["voting_params"] = params
    assert problems(data) == {}


def test_seats() -> None:
    data = tiny()
    data["topics"][0]["seats"] = 2
    assert "needs the 'stv'" in problems(data)["topics[0].seats"]
    data["topics"][0]["voting_method"] = "stv"
    data["topics"][0]["voting_params"] = {}
    assert problems(data) == {}
    data["topics"][0]["seats"] = 3
    assert "need more than 3 proposals" in problems(data)["topics[0].seats"]


def test_duplicate_slugs_and_too_few_options() -> None:
    data = tiny()
    data["topics"][0]["proposals"][1]["slug"] = "benches"
    data["topics"].append(copy.deepcopy(data["topics"][0]))
    data["topics"][1]["proposals"] = data["topics"][1]["proposals"][:1]
    found = problems(data)
    assert "used twice" in found["topics[0].proposals[1].slug"]
    assert "topic slug 'park' is used twice" in found["topics[1].slug"]
    assert "at least two proposals" in found["topics[1].proposals"]


def test_phase_rules_for_proposals_and_arguments() -> None:
    data = tiny()
    data["topics"][0]["phase"] = "proposals"
    data["timeline"] = {}
    found = problems(data)
    assert "deliberation phase on" in found["topics[0].proposals[0].arguments"]
    data["topics"][0]["phase"] = "draft"
    data["topics"][0]["proposals"][0]["arguments"] = []
    data["topics"][0]["proposals"][1]["origin"] = "participant"
    assert "draft" in problems(data)["topics[0].proposals[1].origin"]


def test_group_shares_and_references() -> None:
    data = tiny()
    data["behaviour"]["groups"][0]["share"] = 0.5
    data["behaviour"]["groups"][0]["agree"] = {"fountain": 0.5}
    data["behaviour"]["groups"][1]["blocks"] = {"grey": 0.5}
    data["behaviour"]["blocks"]["green"] = ["trees", "lawn"]
    data["behaviour"]["groups"].append({"name": "Young", "share": 0.01})
    found = problems(data)
    assert "add up to 1.110" in found["behaviour.groups"]
    assert "unknown proposal 'fountain'" in found["behaviour.groups[0].agree.fountain"]
    assert "unknown block 'grey'" in found["behaviour.groups[1].blocks.grey"]
    assert "unknown proposal 'lawn'" in found["behaviour.blocks.green[1]"]
    assert "used twice" in found["behaviour.groups[2].name"]


def test_shares_within_tolerance_are_accepted() -> None:
    data = tiny()
    data["behaviour"]["groups"][0]["share"] = 0.405
    assert problems(data) == {}


def test_group_feature_tilts() -> None:
    data = tiny()
    data["behaviour"]["groups"][0]["features"] = {
        "age": {"young": 0.5, "middle": 0.2},
        "income": {"low": 1.0},
    }
    found = problems(data)
    assert "unknown value 'middle'" in found["behaviour.groups[0].features.age.middle"]
    assert "add up to 0.700" in found["behaviour.groups[0].features.age"]
    assert "unknown panel feature 'income'" in found["behaviour.groups[0].features.income"]


def test_probabilities_are_bounded() -> None:
    data = tiny()
    data["behaviour"]["groups"][0]["agree"] = {"skate-park": 1.2}
    with pytest.raises(msgspec.ValidationError, match=r"<= 1\.0"):
        decode(data)


def test_consent_cutoffs_must_increase() -> None:
    data = tiny()
    data["behaviour"]["ballots"] = {"consent_cutoffs": [0.1, 0.5, 0.4, 0.9]}
    assert "four increasing" in problems(data)["behaviour.ballots.consent_cutoffs"]


def test_quotas_that_cannot_be_met() -> None:
    data = tiny()
    values = data["panel"]["features"]["age"]["values"]
    values["young"] = {"share": 0.4, "min": 7, "max": 6}
    values["old"] = {"share": 0.6, "min": 7, "max": 13}
    found = problems(data)
    assert "above the maximum" in found["panel.features.age.values.young.min"]
    assert "above the panel size" in found["panel.features.age.values.old.max"]
    assert "minimums add up to 14" in found["panel.features.age.values"]


def test_quota_maximums_too_small_and_pool_too_small() -> None:
    data = tiny()
    data["panel"]["features"]["age"]["values"] = {
        "young": {"share": 0.02, "min": 2, "max": 3},
        "old": {"share": 0.98, "min": 0, "max": 8},
    }
    found = problems(data)
    assert "maximums add up to 11" in found["panel.features.age.values"]
    assert "holds about 1 people" in found["panel.features.age.values.young.min"]
    data["panel"]["pool_size"] = 10
    assert "smaller than the panel" in problems(data)["panel.pool_size"]
    data["panel"]["sortition"] = False
    assert "panel.pool_size" not in problems(data)


def test_feature_shares_must_add_up() -> None:
    data = tiny()
    data["panel"]["features"]["age"]["values"]["old"]["share"] = 0.5
    assert "add up to 0.900" in problems(data)["panel.features.age.values"]


def test_quota_rows_use_the_sortition_convention() -> None:
    data = tiny()
    del data["panel"]["features"]["age"]["values"]["old"]["max"]
    rows = decode(data).panel.quota_rows()
    assert rows == [
        {"feature": "age", "value": "young", "min": "4", "max": "6"},
        {"feature": "age", "value": "old", "min": "6", "max": "12"},
    ]


def test_pool_counts_are_exact_proportions() -> None:
    assert pool_counts([0.5, 0.5], 11) in ([6, 5], [5, 6])
    assert sum(pool_counts([0.16, 0.34, 0.3, 0.2], 150)) == 150
    assert pool_counts([0.16, 0.34, 0.3, 0.2], 150) == [24, 51, 45, 30]
    assert pool_counts([1 / 3] * 3, 10) == [4, 3, 3]


def test_parse_when() -> None:
    assert parse_when("-14d") == timedelta(days=-14)
    assert parse_when("+36h") == timedelta(hours=36)
    assert parse_when("90min") == timedelta(minutes=90)
    assert parse_when("2w") == timedelta(weeks=2)
    assert parse_when("now") == timedelta(0)
    assert parse_when("2025-03-01T10:00:00+01:00") == datetime.fromisoformat(
        "2025-03-01T10:00:00+01:00"
    )
    with pytest.raises(ValueError, match="neither an ISO datetime nor an offset"):
        parse_when("next tuesday")


def test_timeline_order_and_consistency_with_the_phase() -> None:
    data = tiny()
    data["timeline"]["topics"]["park"] = {"proposals": "-1w", "voting": "-2w", "closed": "+1d"}
    data["timeline"]["topics"]["pond"] = {"voting": "-1d"}
    found = problems(data)
    assert "starts before" in found["timeline.topics.park.voting"]
    assert "lies in the future" in found["timeline.topics.park.closed"]
    assert "unknown topic 'pond'" in found["timeline.topics.pond"]
    data = tiny()
    data["topics"][0]["phase"] = "voting"
    data["timeline"]["topics"]["park"] = {"voting": "-1d", "closed": "-1h", "lunch": "-1d"}
    found = problems(data)
    assert "already started" in found["timeline.topics.park.closed"]
    assert "unknown phase 'lunch'" in found["timeline.topics.park.lunch"]


def test_absolute_timeline_checked_against_now() -> None:
    data = tiny()
    data["timeline"] = {
        "now": "2025-06-01T12:00:00",
        "topics": {"park": {"voting": "2025-05-01T09:00:00", "published": "2025-06-02T09:00:00"}},
    }
    assert "lies in the future" in problems(data)["timeline.topics.park.published"]
    data["timeline"]["now"] = "-3d"
    assert "not an offset" in problems(data)["timeline.now"]


def test_resolve_timeline() -> None:
    data = tiny()
    data["timeline"]["topics"]["park"]["published"] = "2025-01-10T12:00:00"
    scenario = decode(data)
    now = datetime(2025, 2, 1, 12, 0, tzinfo=UTC)
    times = resolve_timeline(scenario, now)["park"]
    assert times["proposals"] == now - timedelta(weeks=3)
    assert times["published"].utcoffset() == timedelta(hours=1)  # Oslo in winter
    assert times["published"].hour == 12
    data["timeline"]["now"] = "2025-03-01T00:00:00+00:00"
    fixed = resolve_timeline(decode(data), now)["park"]
    assert fixed["voting"] == datetime(2025, 2, 22, tzinfo=UTC)


def test_scenario_error_message() -> None:
    error = ScenarioError(
        [Issue(("topics", 1, "voting_method"), "unknown voting method 'x'", 12), Issue((), "bad")],
        file="a.toml",
    )
    assert str(error).splitlines() == [
        "a.toml:12: topics[1].voting_method: unknown voting method 'x'",
        "a.toml: bad",
    ]
    assert (error.file, error.line, error.key) == ("a.toml", 12, "topics[1].voting_method")
    assert isinstance(error, ValueError)


def test_format_key_quotes_what_toml_quotes() -> None:
    assert format_key(("panel", "features", "age", "values", "67+", "min")) == (
        'panel.features.age.values."67+".min'
    )
    assert format_key(("topics", 0, "proposals", 2)) == "topics[0].proposals[2]"
    assert format_key(()) == ""


def test_check_raises_with_every_issue() -> None:
    data = tiny()
    data["topics"][0]["voting_method"] = "nope"
    data["behaviour"]["groups"][0]["share"] = 0.9
    with pytest.raises(ScenarioError) as caught:
        check(decode(data))
    assert len(caught.value.issues) == 2
