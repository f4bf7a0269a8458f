"""Practice matching: paraphrases find their practice, reasons are checkable, areas boost."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from assembly.catalogue.data import Catalogue, load_catalogue
from assembly.catalogue.matching import (
    AREA_WEIGHT,
    PracticeMatch,
    PracticeMatcher,
    analyse,
    default_matcher,
    practice_terms,
    terms,
)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def matcher(catalogue: Catalogue) -> PracticeMatcher:
    return PracticeMatcher(catalogue)


# Proposals and topics written in other words than the catalogue's, one per practice.
PARAPHRASES = [
    (
        "wigan-deal",
        "en",
        "Our council should make a deal with residents: a community contract where the "
        "municipality, local groups and citizens each take responsibility for shared goals.",
    ),
    (
        "new-zealand-wellbeing-budget",
        "en",
        "The state should adopt a wellbeing budget so that public spending puts human rights "
        "first.",
    ),
    (
        "stairway-to-stairway-aarhus",
        "en",
        "An interdisciplinary team in our neighbourhood should support the most vulnerable "
        "families and help them connect with the people around them.",
    ),
    (
        "point-opioid-chronic-pain",
        "en",
        "GPs prescribe too many opioids. Patients living with chronic pain need other treatment.",
    ),
    (
        "think-it-out-prisons",
        "en",
        "Start dialogue groups in the prison where inmates can reflect together.",
    ),
    (
        "student-mental-health-gjovik-trondheim",
        "en",
        "Use service design to improve mental health support for students on campus.",
    ),
    (
        "mattering-as-citizens",
        "en",
        "Can we measure whether people feel that they matter as citizens?",
    ),
    (
        "wellbeing-government-wego",
        "en",
        "Our country should join an international network of governments that share best "
        "practices on wellbeing and social justice.",
    ),
    (
        "future-lab",
        "en",
        "Let children and young people do research themselves so that their voice is heard.",
    ),
    (
        "wigan-deal",
        "nb",
        "Kommunen bør inngå en avtale med innbyggerne, en samfunnskontrakt der alle parter tar "
        "ansvar for helse og likeverd.",
    ),
    (
        "stairway-to-stairway-aarhus",
        "nb",
        "Vi foreslår et tverrfaglig team i nabolaget vårt som støtter de mest sårbare familiene.",
    ),
    (
        "point-opioid-chronic-pain",
        "nb",
        "Fastlegene må gi bedre behandling av kroniske smerter, slik at færre bruker opioider.",
    ),
    (
        "rock-scissors-paper-trondheim",
        "nb",
        "Styrk fellesskapet rundt barna og støtten på tvers av generasjoner, sammen med "
        "frivillige organisasjoner.",
    ),
    (
        "think-it-out-prisons",
        "nb",
        "Innsatte i fengselet bør få møtes i refleksjonsgrupper med dialog.",
    ),
    (
        "new-zealand-wellbeing-budget",
        "nb-NO",
        "Statsbudsjettet bør bygge på menneskerettigheter og bærekraftig utvikling.",
    ),
]


@pytest.mark.parametrize(("slug", "language", "text"), PARAPHRASES)
def test_a_paraphrase_finds_its_practice_first(
    matcher: PracticeMatcher, slug: str, language: str, text: str
) -> None:
    matches = matcher.match(text, language, limit=3)
    assert matches[0].practice_slug == slug, [(m.practice_slug, m.score) for m in matches]
    best = matches[0]
    assert best.shared_terms
    assert best.text_score > 0
    assert best.area_score == 0
    assert best.shared_area is None
    assert best.score == pytest.approx((1 - AREA_WEIGHT) * best.text_score)
    # A clear lead over the runner-up, not a coin toss.
    if len(matches) > 1:
        assert best.text_score > 1.5 * matches[1].text_score


@pytest.mark.parametrize(("slug", "language", "text"), PARAPHRASES)
def test_the_reason_names_terms_found_in_both_texts(
    matcher: PracticeMatcher, catalogue: Catalogue, slug: str, language: str, text: str
) -> None:
    best = matcher.match(text, language, limit=1)[0]
    practice_stems = set(practice_terms(catalogue.practice(slug)))
    lowered = text.lower()
    for term in best.shared_terms:
        assert term in lowered  # the reader finds it in the proposal ...
        assert {
            stem for stem, _ in analyse(term, language)
        } & practice_stems  # ... and the practice
        assert f"'{term}'" in best.reason_en
        assert f"«{term}»" in best.reason_nb
    assert best.reason_en.startswith("Shares the term")
    assert best.reason_nb.startswith("Deler ord")
    assert best.reason("nb") == best.reason_nb
    assert best.reason("en") == best.reason_en


def test_every_practice_is_found_by_its_own_texts(
    matcher: PracticeMatcher, catalogue: Catalogue
) -> None:
    for practice in catalogue:
        for language in ("en", "nb"):
            for text in (practice.title(language), practice.description(language)):
                assert matcher.match(text, language, limit=1)[0].practice_slug == practice.slug


def test_the_example_reason_reads_as_documented(matcher: PracticeMatcher) -> None:
    best = matcher.match(
        "Support for vulnerable families in the neighbourhood",
        "en",
        area="people-centred-place-based",
        limit=1,
    )[0]
    assert best.practice_slug == "stairway-to-stairway-aarhus"
    assert best.shared_area == "people-centred-place-based"
    assert best.reason_en == (
        "Shares the spotlight area 'People-centered and place-based changes' and the terms "
        "'families', 'vulnerable' and 'neighbourhood'."
    )
    assert best.reason_nb == (
        "Deler fokusområdet «Menneskesentrerte og stedsbaserte endringer» og ordene "
        "«families», «vulnerable» og «neighbourhood»."
    )


def test_a_shared_area_adds_its_weight(matcher: PracticeMatcher, catalogue: Catalogue) -> None:
    text = "Young people with mental health problems need support in their community."
    plain = {m.practice_slug: m for m in matcher.match(text, "en")}
    area = "welfare-innovations"
    boosted = {m.practice_slug: m for m in matcher.match(text, "en", area=area)}
    for practice in catalogue:
        slug = practice.slug
        before = plain[slug].score if slug in plain else 0.0
        if area in practice.areas:
            assert boosted[slug].score == pytest.approx(before + AREA_WEIGHT)
            assert boosted[slug].area_score == 1.0
            assert boosted[slug].shared_area == area
        else:
            assert (boosted[slug].score if slug in boosted else 0.0) == pytest.approx(before)


def test_the_area_decides_between_similar_practices(matcher: PracticeMatcher) -> None:
    life, students = "life-in-the-community-mental-health", "student-mental-health-gjovik-trondheim"
    text = "Mental health services for young people"
    assert [m.practice_slug for m in matcher.match(text, "en", limit=2)] == [life, students]
    # Only the student project serves this area, so the area puts it first.
    top = matcher.match(text, "en", area="welfare-innovations", limit=1)[0]
    assert top.practice_slug == students
    assert top.reason_en.startswith(
        "Shares the spotlight area 'Radical and responsible welfare innovations' and the terms"
    )
    # And the other way round.
    text = "mental health"
    assert [m.practice_slug for m in matcher.match(text, "en", limit=2)] == [students, life]
    top = matcher.match(text, "en", area="well-and-fair-development", limit=1)[0]
    assert top.practice_slug == life


def test_a_clear_text_match_beats_the_area_alone(matcher: PracticeMatcher) -> None:
    # The Wigan Deal does not serve this area, yet its paraphrase still ranks it first.
    text = PARAPHRASES[0][2]
    assert matcher.match(text, "en", area="welfare-innovations", limit=1)[0].practice_slug == (
        "wigan-deal"
    )


def test_area_only_matches_say_so(matcher: PracticeMatcher, catalogue: Catalogue) -> None:
    matches = matcher.match("Zebra crossings near the harbour", "en", area="transforming-policies")
    assert {m.practice_slug for m in matches} == {
        p.slug for p in catalogue.practices_in_area("transforming-policies")
    }
    for match in matches:
        assert match.text_score == 0
        assert match.shared_terms == []
        assert match.score == pytest.approx(AREA_WEIGHT)
        assert (
            match.reason_en
            == "Shares the spotlight area 'Transforming policies, economies and societies'."
        )
        assert (
            match.reason_nb
            == "Deler fokusområdet «Transformasjon av samfunn og økonomiske system»."
        )
    # Ties keep catalogue order.
    order = [m.practice_slug for m in matches]
    assert order == [s for s in catalogue.practice_slugs if s in set(order)]


def test_nothing_in_common_gives_no_matches(matcher: PracticeMatcher) -> None:
    assert matcher.match("", "en") == []
    assert matcher.match("Zebra crossings near the harbour", "en") == []
    assert matcher.match("og i på at det", "nb") == []


def test_unknown_area_is_an_error(matcher: PracticeMatcher) -> None:
    with pytest.raises(ValueError, match="unknown spotlight area 'gardening'"):
        matcher.match("families", "en", area="gardening")


def test_limit_min_score_and_max_terms(matcher: PracticeMatcher) -> None:
    text = "children young people families community health wellbeing participation"
    everything = matcher.match(text, "en")
    assert len(everything) > 5
    assert [m.score for m in everything] == sorted((m.score for m in everything), reverse=True)
    assert matcher.match(text, "en", limit=2) == everything[:2]
    threshold = everything[3].score
    assert all(m.score > threshold for m in matcher.match(text, "en", min_score=threshold))
    assert all(len(m.shared_terms) <= 1 for m in matcher.match(text, "en", max_terms=1))
    assert matcher.match(text, "en", limit=0) == []


def test_topic_and_proposal_helpers(matcher: PracticeMatcher) -> None:
    proposal = matcher.match_proposal(
        "Wellbeing budget", "Public spending should follow human rights.", "en", limit=1
    )
    assert proposal[0].practice_slug == "new-zealand-wellbeing-budget"
    topic = matcher.match_topic(
        "How can our neighbourhood support vulnerable families?",
        "Many families in the district feel alone.",
        "en",
        "people-centred-place-based",
        limit=1,
    )
    assert topic[0].practice_slug == "stairway-to-stairway-aarhus"
    many = matcher.match_many([(t, lang, None) for _, lang, t in PARAPHRASES], limit=1)
    assert [m[0].practice_slug for m in many] == [slug for slug, _, _ in PARAPHRASES]


def test_results_are_deterministic_and_serialisable(catalogue: Catalogue) -> None:
    text = PARAPHRASES[2][2]
    first = PracticeMatcher(catalogue).match(text, "en", "well-and-fair-development")
    second = PracticeMatcher(catalogue).match(text, "en", "well-and-fair-development")
    assert first == second
    decoded = msgspec.json.decode(msgspec.json.encode(first), type=list[PracticeMatch])
    assert decoded == first


def test_default_matcher_is_built_once() -> None:
    assert default_matcher() is default_matcher()
    assert default_matcher().catalogue is load_catalogue()


def test_scores_agree_with_scikit_learn(matcher: PracticeMatcher, catalogue: Catalogue) -> None:
    """The hand-written TF-IDF equals scikit-learn's vectoriser given the same terms."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(
        analyzer=lambda document: document,
        lowercase=False,
        token_pattern=None,
        sublinear_tf=True,
        smooth_idf=True,
        norm="l2",
    )
    documents = vectoriser.fit_transform([practice_terms(p) for p in catalogue])
    assert set(vectoriser.vocabulary_) == set(matcher.vocabulary)
    for _, language, text in PARAPHRASES:
        query = vectoriser.transform([terms(text, language)])
        expected = (documents @ query.T).toarray().ravel()
        np.testing.assert_allclose(matcher.text_scores(text, language), expected, atol=1e-12)
        expected_combined = (1 - AREA_WEIGHT) * expected + AREA_WEIGHT * np.array(
            ["transforming-policies" in p.areas for p in catalogue]
        )
        np.testing.assert_allclose(
            matcher.scores(text, language, "transforming-policies"), expected_combined, atol=1e-12
        )


def test_area_weight_is_configurable(catalogue: Catalogue) -> None:
    text_only = PracticeMatcher(catalogue, area_weight=0.0)
    match = text_only.match("families", "en", area="welfare-innovations", limit=1)[0]
    assert match.score == pytest.approx(match.text_score)
    with pytest.raises(ValueError, match="area_weight"):
        PracticeMatcher(catalogue, area_weight=1.5)


# --- text analysis -------------------------------------------------------------------------------


def test_normalisation_keeps_nordic_letters_and_drops_other_accents() -> None:
    assert [s for _, s in analyse("Århus, Gjøvik, Malmö, Café, Ærlig", "nb")] == [
        "århus",
        "gjøvik",
        "malmø",
        "cafe",
        "ærlig",
    ]
    assert terms("ＦＡＭＩＬＩＥＳ", "en") == terms("families", "en")


def test_stop_words_and_numbers_are_dropped() -> None:
    assert terms("the and of 2024 0–24 a", "en") == []
    assert terms("og i på det som 2021", "nb") == []
    assert terms("The school", "en") == ["school"]


def test_hyphenated_compounds_count_joined_and_as_parts() -> None:
    # "well" and "being" alone are stop words; the compound is not.
    assert analyse("well-being", "en") == [("wellb", "well-being")]
    assert terms("wellbeing", "en") == terms("well-being", "en")
    assert analyse("place-based co-creation", "en") == [
        ("plac", "place"),
        ("based", "based"),
        ("placebas", "place-based"),
        ("creation", "creation"),
        ("cocreation", "co-creation"),
    ]
    assert "placebas" not in terms("place based", "en")


def test_light_stemmers_join_inflected_forms() -> None:
    def same(language: str, *words: str) -> None:
        stems = {terms(word, language)[0] for word in words}
        assert len(stems) == 1, (words, stems)

    same("en", "family", "families")
    same("en", "community", "communities")
    same("en", "promote", "promoting", "promoted", "promotes")
    same("en", "plan", "planning")
    same("en", "child", "children")
    same("en", "service", "services")
    same("nb", "familie", "familier", "familiene", "familien")
    same("nb", "kommune", "kommunen", "kommuner", "kommunens")
    same("nb", "innbygger", "innbyggere", "innbyggerne")
    same("nb", "livskvalitet", "livskvaliteten")
    same("nb", "barn", "barna")
    same("nb", "fokus", "fokuset")
    same("nb", "trygghet", "tryggheten")
    assert terms("fokus", "nb") == ["fokus"]
