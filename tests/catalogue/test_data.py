"""The packaged catalogue: completeness, validity and the loader's errors."""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from assembly.catalogue.data import (
    DEFAULT_PATH,
    KINDS,
    KINDS_BY_SLUG,
    SECTIONS,
    Catalogue,
    CatalogueError,
    is_norwegian,
    kind_label,
    load_catalogue,
    parse_catalogue,
)

AREA_SLUGS = [
    "well-and-fair-development",
    "transforming-policies",
    "people-centred-place-based",
    "welfare-innovations",
]
AREA_NAMES = [
    "Well and fair development across the lifespan",
    "Transforming policies, economies and societies",
    "People-centered and place-based changes",
    "Radical and responsible welfare innovations",
]
PRACTICE_SLUGS = [
    "who-europe-wellbeing-economy-deep-dives",
    "pilot-0-24-trondheim",
    "marmot-rapid-review-norway",
    "who-new-economic-expert-group",
    "who-country-deep-dives",
    "sovei",
    "point-opioid-chronic-pain",
    "future-lab",
    "welcome-wellbeing-communities",
    "interprofessional-collaboration-schools",
    "citizen-assemblies-local-communities",
    "think-it-out-prisons",
    "health-promotion-local-level",
    "life-in-the-community-mental-health",
    "student-mental-health-gjovik-trondheim",
    "mattering-research",
    "mattering-minority-populations",
    "mattering-as-citizens",
    "nordic-journal-wellbeing",
    "stairway-to-stairway-aarhus",
    "wigan-deal",
    "rock-scissors-paper-trondheim",
    "new-zealand-wellbeing-budget",
    "wellbeing-government-wego",
]
SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed" / "wellfare-center.txt"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


# --- completeness -------------------------------------------------------------------------------


def test_the_four_spotlight_areas_in_the_centers_order(catalogue: Catalogue) -> None:
    assert catalogue.area_slugs == AREA_SLUGS
    assert [a.name_en for a in catalogue.areas] == AREA_NAMES


def test_every_listed_item_is_present_in_the_centers_order(catalogue: Catalogue) -> None:
    assert catalogue.practice_slugs == PRACTICE_SLUGS
    assert len(set(catalogue.practice_slugs)) == len(catalogue.practices)
    assert len(set(catalogue.area_slugs)) == len(catalogue.areas)


@pytest.mark.skipif(
    not SEED.exists(), reason="the center's page is not checked out beside the repo"
)
def test_titles_follow_the_centers_page() -> None:
    page = " ".join(SEED.read_text(encoding="utf-8").split())
    catalogue = load_catalogue()
    for area in catalogue.areas:
        assert area.name_en in page
    # Items of the research list carry the center's own title; practices described in a
    # sentence have a short title drawn from that sentence.
    for practice in catalogue.filter():
        if practice.section == "research":
            assert practice.title_en in page, practice.slug


def test_every_area_has_practices(catalogue: Catalogue) -> None:
    for area in catalogue.areas:
        assert catalogue.practices_in_area(area.slug), area.slug


# --- validity ------------------------------------------------------------------------------------


def test_every_practice_serves_one_to_three_known_areas(catalogue: Catalogue) -> None:
    for practice in catalogue:
        assert 1 <= len(practice.areas) <= 3, practice.slug
        assert len(set(practice.areas)) == len(practice.areas)
        assert set(practice.areas) <= set(AREA_SLUGS), practice.slug
        assert practice.primary_area == practice.areas[0]
        assert [a.slug for a in catalogue.areas_of(practice)] == practice.areas


def test_kinds_are_valid_and_follow_the_centers_sections(catalogue: Catalogue) -> None:
    for practice in catalogue:
        assert practice.kind in KINDS_BY_SLUG
        assert practice.section in SECTIONS
    by_section = {
        section: {p.kind for p in catalogue if p.section == section} for section in SECTIONS
    }
    assert by_section["local"] == {"local_practice", "municipal_practice"}
    assert by_section["national"] == {"national_practice"}
    assert by_section["international"] == {"international_practice"}
    assert by_section["research"] <= {"research_project", "partner", "municipal_practice"}
    assert catalogue.practice("stairway-to-stairway-aarhus").kind == "local_practice"
    assert catalogue.practice("wigan-deal").kind == "municipal_practice"
    assert catalogue.practice("rock-scissors-paper-trondheim").kind == "municipal_practice"
    assert catalogue.practice("who-new-economic-expert-group").kind == "partner"
    assert catalogue.practice("nordic-journal-wellbeing").kind == "partner"
    assert catalogue.practice("mattering-research").kind == "research_project"
    assert {k.slug for k in catalogue.kinds_present()} == set(KINDS_BY_SLUG)


def test_english_and_norwegian_texts_are_all_there(catalogue: Catalogue) -> None:
    for area in catalogue.areas:
        for text in (area.name_en, area.name_nb, area.summary_en, area.summary_nb):
            assert text.strip()
        assert area.summary_en != area.summary_nb
        assert area.keywords_en
        assert area.keywords_nb
    for practice in catalogue:
        for text in (
            practice.title_en,
            practice.title_nb,
            practice.description_en,
            practice.description_nb,
        ):
            assert text.strip(), practice.slug
        assert practice.description_en != practice.description_nb, practice.slug
        assert all(k.strip() for k in practice.keywords_en + practice.keywords_nb)
        assert bool(practice.place) == bool(practice.place_nb)
        assert bool(practice.lead_en) == bool(practice.lead_nb)
        assert len(practice.partners_en) == len(practice.partners_nb)


def test_descriptions_are_short(catalogue: Catalogue) -> None:
    for practice in catalogue:
        for text in (practice.description_en, practice.description_nb):
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
            assert 1 <= len(sentences) <= 3, practice.slug
            assert len(text) <= 400, practice.slug
    for area in catalogue.areas:
        assert len(area.summary_en) <= 400


def test_links_are_https_labelled_and_unique(catalogue: Catalogue) -> None:
    urls = []
    for practice in catalogue:
        for link in practice.links:
            assert link.url.startswith("https://"), practice.slug
            assert link.label.strip()
            assert link.label_in("nb").strip()
            assert link.lang in {"en", "nb"}
            urls.append(link.url)
    assert len(urls) == len(set(urls))
    assert catalogue.source.url("en").startswith("https://")
    assert catalogue.source.url("nb").startswith("https://")


def test_mattering_sub_projects_name_their_parent(catalogue: Catalogue) -> None:
    children = catalogue.children("mattering-research")
    assert [p.slug for p in children] == ["mattering-minority-populations", "mattering-as-citizens"]
    assert all(p.parent is None for p in catalogue if p.slug not in {c.slug for c in children})


def test_years_come_only_from_the_source(catalogue: Catalogue) -> None:
    assert catalogue.practice("point-opioid-chronic-pain").years == "2021–2024"
    assert catalogue.practice("who-europe-wellbeing-economy-deep-dives").years == "2023"
    with_years = {p.slug for p in catalogue if p.years}
    assert with_years == {"point-opioid-chronic-pain", "who-europe-wellbeing-economy-deep-dives"}


# --- helpers -------------------------------------------------------------------------------------


def test_locale_helpers_pick_bokmal_for_norwegian_locales(catalogue: Catalogue) -> None:
    point = catalogue.practice("point-opioid-chronic-pain")
    for locale in ("nb", "nb-NO", "nb_NO", "no", "nn"):
        assert is_norwegian(locale)
        assert point.title(locale) == point.title_nb
        assert point.description(locale) == point.description_nb
        assert point.place_in(locale) == "Norge"
        assert point.funder(locale) == "Norges forskningsråd"
    for locale in ("en", "en-GB", "", None, "de"):
        assert not is_norwegian(locale)
        assert point.title(locale) == point.title_en
        assert point.place_in(locale) == "Norway"
    area = catalogue.area("people-centred-place-based")
    assert area.name("nb") == area.name_nb
    assert area.name("en") == area.name_en
    assert area.keywords("nb") == area.keywords_nb
    assert point.kind_label("nb") == "Forskningsprosjekt"


def test_kind_labels_exist_in_both_languages() -> None:
    assert len(KINDS) == 6
    for kind in KINDS:
        assert kind.label("en")
        assert kind.label("nb")
        assert kind.plural("en")
        assert kind.plural("nb")
    assert kind_label("municipal_practice", "nb") == "Kommunal praksis"
    assert kind_label("international_practice") == "International practice"
    with pytest.raises(KeyError):
        kind_label("nonsense")


def test_filter_by_area_and_kind(catalogue: Catalogue) -> None:
    assert catalogue.filter() == list(catalogue.practices)
    in_area = catalogue.filter(area="people-centred-place-based")
    assert in_area
    assert all("people-centred-place-based" in p.areas for p in in_area)
    municipal = catalogue.practices_of_kind("municipal_practice")
    assert [p.slug for p in municipal] == [
        "pilot-0-24-trondheim",
        "wigan-deal",
        "rock-scissors-paper-trondheim",
    ]
    both = catalogue.filter(area="transforming-policies", kind="municipal_practice")
    assert [p.slug for p in both] == ["wigan-deal", "rock-scissors-paper-trondheim"]
    assert catalogue.filter(area="no-such-area") == []


def test_lookup_by_slug(catalogue: Catalogue) -> None:
    assert catalogue.practice("wigan-deal").title_en == "The Wigan Deal"
    assert catalogue.get_practice("nope") is None
    assert catalogue.get_area("nope") is None
    with pytest.raises(KeyError, match="nope"):
        catalogue.practice("nope")
    with pytest.raises(KeyError, match="nope"):
        catalogue.area("nope")


# --- loading and errors --------------------------------------------------------------------------


def test_load_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    assert load_catalogue() is load_catalogue()
    assert load_catalogue(DEFAULT_PATH) is load_catalogue()
    copy = tmp_path / "catalogue.toml"
    copy.write_bytes(DEFAULT_PATH.read_bytes())
    first = load_catalogue(copy)
    assert load_catalogue(str(copy)) is first
    text = copy.read_text(encoding="utf-8").replace(
        'title_en = "The Wigan Deal"', 'title_en = "The Wigan Deal, renamed"'
    )
    copy.write_text(text, encoding="utf-8")
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = load_catalogue(copy)
    assert second is not first
    assert second.practice("wigan-deal").title_en == "The Wigan Deal, renamed"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _inline(table: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in table.items()) + " }"


def _toml(data: dict[str, Any]) -> str:
    """Write the catalogue's shape of TOML (scalars, a table and arrays of tables)."""
    lines: list[str] = []
    for key, value in data.items():
        if not isinstance(value, dict | list) or (isinstance(value, list) and not value):
            lines.append(f"{key} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{key}]")
            lines += [f"{k} = {_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for entry in value:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_the_test_writer_round_trips(raw: dict[str, Any]) -> None:
    catalogue = parse_catalogue(_toml(raw))
    assert catalogue.practice_slugs == PRACTICE_SLUGS


def test_a_wrong_kind_names_the_practice_and_key(raw: dict[str, Any]) -> None:
    raw["practices"][20]["kind"] = "regional_practice"
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(_toml(raw), name="x.toml")
    message = str(error.value)
    assert message.startswith("x.toml: ")
    assert "practices[20] (slug 'wigan-deal').kind" in message


def test_an_unknown_key_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][0]["colour"] = "blue"
    with pytest.raises(CatalogueError, match=r"unknown field `colour`.*practices\[0\]"):
        parse_catalogue(_toml(raw))


def test_a_missing_text_is_refused(raw: dict[str, Any]) -> None:
    del raw["areas"][1]["summary_nb"]
    with pytest.raises(
        CatalogueError, match=r"summary_nb.*areas\[1\] \(slug 'transforming-policies'\)"
    ):
        parse_catalogue(_toml(raw))


def test_an_empty_text_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][3]["description_nb"] = ""
    with pytest.raises(CatalogueError, match=r"who-new-economic-expert-group'\)\.description_nb"):
        parse_catalogue(_toml(raw))


def test_an_unknown_area_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][5]["areas"] = ["well-and-fair-development", "gardening"]
    with pytest.raises(
        CatalogueError,
        match=r"practices\[5\] \(slug 'sovei'\)\.areas: unknown spotlight area 'gardening'",
    ):
        parse_catalogue(_toml(raw))


def test_too_many_or_no_areas_are_refused(raw: dict[str, Any]) -> None:
    raw["practices"][0]["areas"] = []
    with pytest.raises(CatalogueError, match=r"practices\[0\].*\.areas"):
        parse_catalogue(_toml(raw))
    raw["practices"][0]["areas"] = AREA_SLUGS
    with pytest.raises(CatalogueError, match=r"practices\[0\].*\.areas"):
        parse_catalogue(_toml(raw))


def test_a_duplicate_slug_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][1]["slug"] = raw["practices"][0]["slug"]
    with pytest.raises(
        CatalogueError, match="'who-europe-wellbeing-economy-deep-dives' is used more than once"
    ):
        parse_catalogue(_toml(raw))


def test_a_bad_slug_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][2]["slug"] = "Marmot Review"
    with pytest.raises(CatalogueError, match=r"practices\[2\].*\.slug"):
        parse_catalogue(_toml(raw))


def test_a_place_in_one_language_only_is_refused(raw: dict[str, Any]) -> None:
    del raw["practices"][21]["place_nb"]
    with pytest.raises(CatalogueError, match=r"`place` needs both.*rock-scissors-paper-trondheim"):
        parse_catalogue(_toml(raw))


def test_an_unknown_parent_is_refused(raw: dict[str, Any]) -> None:
    raw["practices"][16]["parent"] = "mattering"
    with pytest.raises(CatalogueError, match=r"\.parent: unknown practice 'mattering'"):
        parse_catalogue(_toml(raw))


def test_years_in_the_wrong_order_are_refused(raw: dict[str, Any]) -> None:
    raw["practices"][6]["year_end"] = 2019
    with pytest.raises(CatalogueError, match="`year_end` is before `year_start`"):
        parse_catalogue(_toml(raw))


def test_a_link_must_be_a_web_address(raw: dict[str, Any]) -> None:
    raw["practices"][2]["links"][0]["url"] = "instituteofhealthequity.org"
    with pytest.raises(CatalogueError, match=r"links\[0\]\.url"):
        parse_catalogue(_toml(raw))


def test_broken_toml_and_missing_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not valid TOML"):
        parse_catalogue("areas = [", name="broken.toml")
    with pytest.raises(CatalogueError, match="cannot read catalogue file"):
        load_catalogue(tmp_path / "absent.toml")
    with pytest.raises(CatalogueError, match="schema_version"):
        parse_catalogue(b"schema_version = 2\n")
