"""Loading scenario files: every shipped scenario validates, and errors point at the line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assembly.catalogue.data import load_catalogue
from assembly.scenarios import ScenarioError, list_scenarios, load_scenario
from assembly.scenarios.loader import key_lines, load_scenario_text
from assembly.scenarios.schema import PRACTICES, format_key
from assembly.sortition.selection import ALGORITHMS, validate_inputs

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
FILES = sorted(SCENARIOS.glob("*.toml"))
DEFAULT = SCENARIOS / "trondheim-neighbourhood.toml"


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


# --- the shipped scenarios -------------------------------------------------------------------


def test_there_are_at_least_four_scenarios() -> None:
    assert len(FILES) >= 4


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_scenario_loads_and_validates(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.slug == path.stem
    text = path.read_text(encoding="utf-8")
    for ref in scenario.meta.grounded_in:
        assert ref.practice in PRACTICES
        assert ref.name in text  # the practice is named in the file
    groups = scenario.behaviour.groups
    assert 2 <= len(groups) <= 4
    for topic in scenario.topics:
        assert 5 <= len(topic.proposals) <= 10, topic.slug
    assert any(p.arguments for _, p in scenario.proposals())
    assert any(a.stance == "con" for _, p in scenario.proposals() for a in p.arguments), (
        "some proposals have arguments against"
    )
    features = set(scenario.panel.features)
    assert len(features) >= 4
    assert {"age", "gender"} <= features


def test_scenarios_together() -> None:
    scenarios = [load_scenario(path) for path in FILES]
    methods = {topic.voting_method for s in scenarios for topic in s.topics}
    assert len(methods) >= 7, methods
    voted = {t.voting_method for s in scenarios for t in s.topics if t.reaches("voting")}
    assert len(voted) >= 5, voted
    assert "nb" in {s.assembly.language for s in scenarios}
    practices = {ref.practice for s in scenarios for ref in s.meta.grounded_in}
    assert {
        "student-mental-health-gjovik-trondheim",
        "future-lab",
        "rock-scissors-paper-trondheim",
        "wigan-deal",
        "new-zealand-wellbeing-budget",
    } <= practices
    budget_topics = [t for s in scenarios for t in s.topics if t.voting_method == "budget"]
    assert budget_topics
    assert budget_topics[0].voting_params["budget"] > 0
    assert len({s.slug for s in scenarios}) == len(scenarios)


def test_default_scenario_is_the_demo() -> None:
    scenario = load_scenario(DEFAULT)
    assert scenario.slug == "trondheim-neighbourhood"
    assert scenario.assembly.language == "en"
    assert [t.phase for t in scenario.topics] == ["published", "voting", "proposals"]
    assert scenario.topics[0].conclusion
    assert scenario.panel.sortition
    stv = [t for t in scenario.topics if t.voting_method == "stv"]
    assert stv
    assert stv[0].seats == 2
    assert set(scenario.timeline.topics) == {t.slug for t in scenario.topics}


def test_norwegian_scenario_is_written_in_bokmal() -> None:
    scenario = load_scenario(SCENARIOS / "studenthelse-gjovik-trondheim.toml")
    assert scenario.assembly.language == "nb"
    text = " ".join(
        [t.question + " " + t.background for t in scenario.topics]
        + [p.title + " " + p.body for _, p in scenario.proposals()]
    )
    words = set(re.findall(r"[a-zæøå]+", text.lower()))
    assert {"og", "som", "ikke", "studenter", "på"} <= words
    assert not {"the", "and", "which"} & words


def test_list_scenarios(tmp_path: Path) -> None:
    entries = list_scenarios(SCENARIOS)
    assert [Path(e.path).name for e in entries] == [p.name for p in FILES]
    assert all(e.ok for e in entries)
    default = next(e for e in entries if e.slug == "trondheim-neighbourhood")
    assert default.methods == ("schulze", "stv", "approval")
    assert default.topics == 3
    (tmp_path / "broken.toml").write_text("[scenario\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (tmp_path / "good.toml").write_text(DEFAULT.read_text(encoding="utf-8"), encoding="utf-8")
    listed = list_scenarios(tmp_path)
    assert [Path(e.path).name for e in listed] == ["broken.toml", "good.toml"]
    assert not listed[0].ok
    assert "broken.toml:1" in (listed[0].error or "")
    assert listed[1].ok


def test_readme_example_loads() -> None:
    readme = (SCENARIOS / "README.md").read_text(encoding="utf-8")
    example = readme.split("## A short example", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    scenario = load_scenario_text(example, file="README.md")
    assert scenario.slug == "small-example"


# --- errors that name the file, the key and the line -----------------------------------------


def broken(tmp_path: Path, old: str, new: str) -> tuple[Path, str]:
    text = DEFAULT.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    path = tmp_path / "broken.toml"
    path.write_text(changed, encoding="utf-8")
    return path, changed


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def test_bad_voting_method_names_file_key_and_line(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'voting_method = "stv"', 'voting_method = "stvx"')
    error = error_of(path)
    line = line_of(text, 'voting_method = "stvx"')
    assert error.file == str(path)
    assert error.key == "topics[1].voting_method"
    assert error.line == line
    assert str(error).startswith(f"{path}:{line}: topics[1].voting_method: unknown voting method")


def test_wrong_type_names_the_key(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "seats = 2", 'seats = "two"')
    error = error_of(path)
    assert error.key == "topics[1].seats"
    assert error.line == line_of(text, 'seats = "two"')
    assert "expected `int`, got `str`" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "key", "needle"),
    [
        ("pass_rate = 0.08", "pass_rate = 0.08\npas_rate = 0.1", "behaviour.pas_rate", "pas_rate"),
        (
            'slug = "reading-buddies"',
            'slug = "reading-buddies"\nsummary = "x"',
            "topics[0].proposals[0].summary",
            'summary = "x"',
        ),
        ("[demo]", "[demo]\ncolour = 1", "demo.colour", "colour = 1"),
        ("[demo]", "[extras]\nx = 1\n[demo]", "extras", "[extras]"),
    ],
)
def test_unknown_keys_are_rejected_with_their_line(
    tmp_path: Path, old: str, new: str, key: str, needle: str
) -> None:
    path, text = broken(tmp_path, old, new)
    error = error_of(path)
    assert error.key == key
    assert error.line == line_of(text, needle)
    assert "unknown key" in error.problem


def test_error_inside_a_table_of_values_finds_its_key(tmp_path: Path) -> None:
    old = "values.male = { share = 0.48, min = 10, max = 13 }"
    path, text = broken(tmp_path, old, old.replace("max = 13", "max = 13, mx = 2"))
    error = error_of(path)
    assert error.key == "panel.features.gender.values.male.mx"
    assert error.line == line_of(text, "mx = 2")
    path, text = broken(tmp_path, old, old.replace("0.48", "1.48"))
    error = error_of(path)
    assert error.key == "panel.features.gender.values.male.share"
    assert error.line == line_of(text, "1.48")


def test_cross_reference_errors_have_lines(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "walking-bus = 0.15", "walking-bike = 0.15")
    error = error_of(path)
    assert error.key == "behaviour.groups[2].agree.walking-bike"
    assert error.line == line_of(text, "walking-bike = 0.15")
    assert "unknown proposal 'walking-bike'" in error.problem


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    text = text.replace('spotlight_area = "well-and-fair-development"', 'spotlight_area = "x"')
    text = text.replace('closed = "+38d"', 'closed = "+20d"')
    path = tmp_path / "two.toml"
    path.write_text(text, encoding="utf-8")
    error = error_of(path)
    assert [format_key(i.path) for i in error.issues] == [
        "topics[1].spotlight_area",
        "timeline.topics.shared-space.closed",
    ]
    assert all(i.line is not None for i in error.issues)
    assert len(str(error).splitlines()) == 2


def test_missing_required_key(tmp_path: Path) -> None:
    path, text = broken(tmp_path, 'place = "Saupstad-Kolstad, Trondheim"\n', "")
    error = error_of(path)
    assert error.key == "assembly.place"
    assert error.line == line_of(text, "[assembly]")
    assert "missing required key `place`" in error.problem


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    path, text = broken(tmp_path, "turnout = 0.85", "turnout = = 0.85")
    error = error_of(path)
    assert error.line == line_of(text, "turnout = = 0.85")
    assert "invalid TOML" in error.problem


def test_unreadable_file(tmp_path: Path) -> None:
    error = error_of(tmp_path / "missing.toml")
    assert "cannot read the file" in str(error)
    assert error.line is None


def test_known_practices_are_passed_through() -> None:
    with pytest.raises(ScenarioError, match="unknown practice 'rock-scissors-paper-trondheim'"):
        load_scenario(DEFAULT, known_practices=["pilot-0-24-trondheim"])


# --- the locator on tricky TOML --------------------------------------------------------------

TRICKY = '''\
# a comment with [brackets] and key = value
title = "x" # trailing comment
"quoted key" = 1
dotted.inner.key = 2
text = """
[not-a-table]
fake = "not a key"
"""
literal = \'\'\'
[[also-not]]
\'\'\'
list = [
  { a = 1, b = { c = 2 } },  # first
  { a = 3 },
]

[[topics]]
slug = "one"

[[topics.proposals]]
slug = "p1"

[[topics.proposals]]
slug = "p2"

[[topics]]
slug = "two"

[[topics.proposals]]
slug = "p3"

[panel.features.age]
values."67+" = { share = 1.0 }
'''


def test_key_lines_on_tricky_toml() -> None:
    lines = key_lines(TRICKY)
    assert lines[("title",)] == 2
    assert lines[("quoted key",)] == 3
    assert lines[("dotted", "inner", "key")] == 4
    assert lines[("text",)] == 5
    assert ("not-a-table",) not in lines
    assert ("fake",) not in lines
    assert ("also-not",) not in lines
    assert lines[("literal",)] == 9
    assert lines[("list", 0)] == 13
    assert lines[("list", 0, "b", "c")] == 13
    assert lines[("list", 1, "a")] == 14
    assert lines[("topics", 0, "slug")] == 18
    assert lines[("topics", 0, "proposals", 1, "slug")] == 24
    assert lines[("topics", 1)] == 26
    assert lines[("topics", 1, "proposals", 0, "slug")] == 30
    assert lines[("panel", "features", "age", "values", "67+", "share")] == 33


def test_key_lines_never_hang_on_odd_text() -> None:
    assert isinstance(key_lines("a = [1, 2,\n 3]\nb = {x = 1}\n"), dict)


# --- YAML ------------------------------------------------------------------------------------


def test_yaml_scenarios_load_with_lines(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    import tomllib

    data = tomllib.loads(DEFAULT.read_text(encoding="utf-8"))
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_scenario(path).slug == "trondheim-neighbourhood"
    data["topics"][1]["voting_method"] = "stvx"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    error = error_of(path)
    assert error.key == "topics[1].voting_method"
    assert error.line == line_of(text, "voting_method: stvx")


# --- agreement with the rest of the product --------------------------------------------------


def test_catalogue_facts_match_the_live_catalogue() -> None:
    catalogue = load_catalogue()
    for path in FILES:
        load_scenario(
            path, known_practices=catalogue.practice_slugs, known_areas=catalogue.area_slugs
        )
    assert set(catalogue.practice_slugs) == set(PRACTICES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pool_and_quotas_are_accepted_by_sortition(path: Path) -> None:
    from assembly.scenarios import simulate

    scenario = load_scenario(path)
    plan = simulate(scenario, seed=1)
    problems = validate_inputs(
        plan.pool_rows(),
        scenario.panel.quota_rows(),
        scenario.panel.panel_size,
        household_column="household",
    )
    assert problems == []
    assert scenario.panel.algorithm in ALGORITHMS
