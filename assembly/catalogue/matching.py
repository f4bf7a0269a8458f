"""Ranking the catalogue's practices by relevance to a topic or a proposal, offline.

Given a text (a topic's question and background, or a proposal's title and body), its language
and optionally its spotlight area, every practice gets a score, and the best are returned with a
one-line reason a reader can check ("Shares the spotlight area ... and the terms ...").

Score formula
-------------
For a text *t* in spotlight area *a* (or none) and a practice *p*::

    text_score(t, p) = cos(v(t), v(p))                       in [0, 1]
    area_score(t, p) = 1 if a is one of p's areas, else 0    (0 when the text has no area)
    score(t, p)      = (1 - w) * text_score + w * area_score,    w = AREA_WEIGHT = 0.25

so a shared area adds a fixed 0.25 and decides between practices whose texts match about
equally well, while a practice outside the area still ranks first when its cosine is higher by
more than 1/3 (0.75 * 1/3 = 0.25), so a clear textual match beats the area alone. Practices
with a score of 0 (no shared area, no shared term) are left out.

``v`` is a TF-IDF vector over the practices' texts:

* terms come from :func:`analyse`: text folded to lower case (NFKC), accents dropped except on
  the Nordic letters æ, ø and å (ä and ö become æ and ø), numbers and stop words (English or
  Bokmål) dropped, hyphenated compounds counted both joined and as their parts ("place-based"
  gives "place", "based" and "placebased", and "well-being" matches "wellbeing"), and each word
  cut to a stem by a light suffix stemmer for its language ("families" and "family" both give
  "famili"; "familiene" and "familie" too);
* a practice's document is its title and keywords (each counted twice) and its description,
  place, lead organisation and partners, in English and in Bokmål, each analysed in its language;
* ``tf = 1 + ln(count)``, ``idf = ln((1 + n) / (1 + df)) + 1`` with *n* practices and *df* the
  practices whose document has the term, and vectors are L2-normalised;
* the text is analysed in its own language and weighted with the practices' idf; words that no
  practice uses are ignored.

These are the settings of scikit-learn's ``TfidfVectorizer(sublinear_tf=True, smooth_idf=True,
norm="l2")`` fed with the same terms; the tests use it as an oracle. The vectors are written here
with numpy instead because the index is a few dozen short documents, the reason line needs each
shared term's contribution and a readable surface form for its stem (which the vectoriser's
fitted vocabulary does not keep), and the web process then needs no scikit-learn import at start.

The matcher is built once from a :class:`~assembly.catalogue.data.Catalogue`
(:class:`PracticeMatcher`, or :func:`default_matcher` for the packaged catalogue) and can then
match many texts quickly.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Final, NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt

from assembly.catalogue.data import Catalogue, Practice, is_norwegian, load_catalogue

__all__ = [
    "AREA_WEIGHT",
    "MAX_SHARED_TERMS",
    "PracticeMatch",
    "PracticeMatcher",
    "analyse",
    "default_matcher",
    "practice_terms",
    "terms",
]

AREA_WEIGHT: Final = 0.25
"""Weight of the shared spotlight area in the combined score (the text has ``1 - AREA_WEIGHT``)."""

MAX_SHARED_TERMS: Final = 3
"""How many shared terms a reason names at most."""

TITLE_WEIGHT: Final = 2
KEYWORD_WEIGHT: Final = 2

# --------------------------------------------------------------------------------------------
# Text analysis
# --------------------------------------------------------------------------------------------


def _word_set(block: str) -> frozenset[str]:
    return frozenset(block.split())


_ENGLISH_STOP_WORDS: Final = _word_set(
    """
    a about above across after again against all almost along already also although always am
    among an and another any anyone anything are around as at be became because become becomes
    been before being below between both but by can cannot could did do does doing done down
    during each either else enough etc even ever every few for from further get gets getting
    give given go goes going got had has have having he her here hers herself him himself his
    how however i if in into is it its itself just least less let lets like made make makes
    many may me might more most much must my myself near neither never no nor not now of off
    often on once one only onto or other others otherwise our ours ourselves out over own per
    perhaps please put quite rather really same see seem seems several shall she should since
    so some something such than that the their theirs them themselves then there therefore
    these they thing things this those though through throughout thus to too toward towards
    under until up upon us use used uses using very via want wants was way we well were what
    whatever when where whether which while who whom whose why will with within without would
    yet you your yours yourself yourselves
    """
)

_NORWEGIAN_STOP_WORDS: Final = _word_set(
    """
    alle allerede altså andre annen annet at av bare begge ble blei bli blir blitt blant bort
    bør burde både da de dem den denne dens der deres derfor dermed dersom det dets dette di
    din dine disse ditt du eller en enda enn er et ett etter for fordi fortsatt fra fram frem
    før få gjennom gjør gjøre gjort ha hadde han hans har hele helt hennes her hos hun hva
    hvem hver hverandre hvilke hvilken hvis hvor hvordan hvorfor i ikke ingen inn innen jeg jo
    kan kom kommer kun kunne la man mange med meg mellom men mer mest min mine mitt mot mye må
    måtte ned nei noe noen nok nå når og også ofte om opp oss over på rundt sammen samme seg selv
    sin sine sitt skal skulle slik som svært så til under ut uten var ved veldig vel videre vi
    vil ville vår våre være vært å
    """
)

_STOP_WORDS: Final = {"en": _ENGLISH_STOP_WORDS, "nb": _NORWEGIAN_STOP_WORDS}

# Words joined by hyphens stay together (Unicode hyphens too; an en dash separates).
_WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*")
_HYPHEN = re.compile(r"[-\u2010\u2011]")
# Combining marks except U+030A (ring above), so that å survives while é becomes e.
_ACCENTS = re.compile(r"[\u0300-\u0309\u030b-\u036f]")

_ENGLISH_IRREGULAR: Final = {"children": "child", "women": "woman", "men": "man"}
_VOWELS: Final = frozenset("aeiouyæøå")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ä", "æ").replace("ö", "ø")
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", text)))


def _stem_english(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, final -e and -y."""
    if word in _ENGLISH_IRREGULAR:
        return _ENGLISH_IRREGULAR[word]
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    stripped = False
    if word.endswith("ing") and len(word) >= 7:
        word, stripped = word[:-3], True
    elif word.endswith("ed") and len(word) >= 6:
        word, stripped = word[:-2], True
    if stripped and len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # planning -> plann -> plan
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    if word.endswith("y") and len(word) > 3:
        word = word[:-1] + "i"
    return word


# Longest first; definite, plural and derivational endings of Bokmål nouns and adjectives.
_NORWEGIAN_SUFFIXES: Final = (
    "hetene",
    "hetens",
    "heten",
    "heter",
    "endes",
    "erne",
    "ande",
    "ende",
    "edes",
    "enes",
    "erte",
    "ane",
    "ede",
    "ene",
    "ens",
    "ere",
    "ers",
    "ert",
    "ets",
    "het",
    "ast",
    "ar",
    "as",
    "en",
    "er",
    "es",
    "et",
    "a",
    "e",
)
_MIN_NORWEGIAN_STEM: Final = 3


def _valid_s_ending(stem: str) -> bool:
    # As in the Snowball algorithm: -s is an ending after most consonants, not after a vowel.
    last = stem[-1]
    if last in "bcdfghjlmnoprtvyz":
        return True
    return last == "k" and len(stem) > 1 and stem[-2] not in _VOWELS


def _stem_norwegian(word: str) -> str:
    """A light Bokmål stemmer: one definite/plural ending, then a left-over -et (kvaliteten)."""
    if len(word) <= _MIN_NORWEGIAN_STEM:
        return word
    for suffix in _NORWEGIAN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_NORWEGIAN_STEM:
            word = word[: -len(suffix)]
            break
    else:
        if (
            word.endswith("s")
            and len(word) - 1 >= _MIN_NORWEGIAN_STEM
            and _valid_s_ending(word[:-1])
        ):
            word = word[:-1]
    if word.endswith("et") and len(word) - 2 >= _MIN_NORWEGIAN_STEM + 1:
        word = word[:-2]
    return word


def _language(language: str | None) -> str:
    return "nb" if is_norwegian(language) else "en"


def analyse(text: str, language: str | None = "en") -> list[tuple[str, str]]:
    """The text's terms as ``(stem, surface)`` pairs, in order; see the module docstring."""
    lang = _language(language)
    stop_words = _STOP_WORDS[lang]
    stem = _stem_norwegian if lang == "nb" else _stem_english
    result: list[tuple[str, str]] = []

    def add(word: str, surface: str) -> None:
        if len(word) < 2 or word.isdigit() or word in stop_words:
            return
        result.append((stem(word), surface))

    for match in _WORD.finditer(_normalise(text)):
        token = match.group()
        if _HYPHEN.search(token) is None:
            add(token, token)
            continue
        parts = _HYPHEN.split(token)
        for part in parts:
            if len(part) >= 3:
                add(part, part)
        add("".join(parts), token)
    return result


def terms(text: str, language: str | None = "en") -> list[str]:
    """The text's stemmed terms, in order (with repeats)."""
    return [stem for stem, _ in analyse(text, language)]


def practice_terms(practice: Practice) -> list[str]:
    """The weighted terms of a practice's document (title and keywords repeated)."""
    result: list[str] = []
    for language in ("en", "nb"):
        nb = language == "nb"
        title = practice.title_nb if nb else practice.title_en
        keywords = " ; ".join(practice.keywords_nb if nb else practice.keywords_en)
        rest = " ; ".join(
            [
                practice.description_nb if nb else practice.description_en,
                practice.place_nb if nb else practice.place,
                practice.lead_nb if nb else practice.lead_en,
                *(practice.partners_nb if nb else practice.partners_en),
            ]
        )
        result += terms(title, language) * TITLE_WEIGHT
        result += terms(keywords, language) * KEYWORD_WEIGHT
        result += terms(rest, language)
    return result


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


class PracticeMatch(msgspec.Struct, frozen=True):
    """One practice's relevance to a text, with the parts of its score and a checkable reason."""

    practice_slug: str
    score: float
    area_score: float
    text_score: float
    shared_area: str | None
    shared_terms: list[str]
    reason_en: str
    reason_nb: str

    def reason(self, locale: str | None) -> str:
        return self.reason_nb if is_norwegian(locale) else self.reason_en


def _join(items: list[str], quote: tuple[str, str], conjunction: str) -> str:
    quoted = [f"{quote[0]}{item}{quote[1]}" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {conjunction} " + quoted[-1]


def _reasons(area_en: str | None, area_nb: str | None, shared: list[str]) -> tuple[str, str]:
    en_terms = _join(shared, ("'", "'"), "and")
    nb_terms = _join(shared, ("«", "»"), "og")
    en_noun = "term" if len(shared) == 1 else "terms"
    nb_noun = "ordet" if len(shared) == 1 else "ordene"
    if area_en is not None and area_nb is not None:
        if shared:
            return (
                f"Shares the spotlight area '{area_en}' and the {en_noun} {en_terms}.",
                f"Deler fokusområdet «{area_nb}» og {nb_noun} {nb_terms}.",
            )
        return (f"Shares the spotlight area '{area_en}'.", f"Deler fokusområdet «{area_nb}».")
    return (f"Shares the {en_noun} {en_terms}.", f"Deler {nb_noun} {nb_terms}.")


class _Query(NamedTuple):
    indices: npt.NDArray[np.intp]
    weights: npt.NDArray[np.float64]
    surfaces: dict[str, str]  # stem -> the form the text uses most


class PracticeMatcher:
    """A TF-IDF index of a catalogue's practices, built once and used for many texts."""

    def __init__(self, catalogue: Catalogue, *, area_weight: float = AREA_WEIGHT) -> None:
        if not 0.0 <= area_weight <= 1.0:
            raise ValueError("area_weight must lie between 0 and 1")
        self.catalogue = catalogue
        self.area_weight = area_weight
        self.practices: tuple[Practice, ...] = catalogue.practices
        documents = [Counter(practice_terms(p)) for p in self.practices]
        self.vocabulary: dict[str, int] = {
            term: index
            for index, term in enumerate(sorted(set().union(*(d.keys() for d in documents))))
        }
        n, size = len(documents), len(self.vocabulary)
        df = np.zeros(size)
        matrix = np.zeros((n, size))
        for row, counts in enumerate(documents):
            for term, count in counts.items():
                column = self.vocabulary[term]
                matrix[row, column] = 1.0 + math.log(count)
                df[column] += 1
        self.idf: npt.NDArray[np.float64] = np.log((1.0 + n) / (1.0 + df)) + 1.0
        matrix *= self.idf
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.matrix: npt.NDArray[np.float64] = matrix / np.where(norms == 0.0, 1.0, norms)
        self._areas = np.array(
            [[area in p.areas for p in self.practices] for area in catalogue.area_slugs],
            dtype=np.float64,
        ).reshape(len(catalogue.areas), n)
        self._area_row = {slug: i for i, slug in enumerate(catalogue.area_slugs)}
        self._terms_by_column = sorted(self.vocabulary, key=self.vocabulary.__getitem__)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue | None = None) -> PracticeMatcher:
        return cls(catalogue if catalogue is not None else load_catalogue())

    def _query(self, text: str, language: str | None) -> _Query:
        counts: Counter[str] = Counter()
        forms: dict[str, Counter[str]] = {}
        for stem, surface in analyse(text, language):
            if stem in self.vocabulary:
                counts[stem] += 1
                forms.setdefault(stem, Counter())[surface] += 1
        if not counts:
            return _Query(np.zeros(0, dtype=np.intp), np.zeros(0), {})
        stems = list(counts)
        indices = np.array([self.vocabulary[s] for s in stems], dtype=np.intp)
        weights = (1.0 + np.log(np.array([counts[s] for s in stems], dtype=np.float64))) * (
            self.idf[indices]
        )
        weights /= np.linalg.norm(weights)
        # Counter.most_common keeps first-seen order among ties.
        surfaces = {stem: forms[stem].most_common(1)[0][0] for stem in stems}
        return _Query(indices, weights, surfaces)

    def _area_scores(self, area: str | None) -> npt.NDArray[np.float64]:
        if area is None:
            return np.zeros(len(self.practices))
        try:
            return self._areas[self._area_row[area]]
        except KeyError:
            raise ValueError(f"unknown spotlight area {area!r}") from None

    def text_scores(self, text: str, language: str | None = "en") -> npt.NDArray[np.float64]:
        """Cosine similarity of the text with every practice, in catalogue order."""
        query = self._query(text, language)
        if query.indices.size == 0:
            return np.zeros(len(self.practices))
        scores: npt.NDArray[np.float64] = self.matrix[:, query.indices] @ query.weights
        return np.clip(scores, 0.0, 1.0)

    def scores(
        self, text: str, language: str | None = "en", area: str | None = None
    ) -> npt.NDArray[np.float64]:
        """Combined scores of every practice, in catalogue order."""
        area_scores = self._area_scores(area)
        text_scores = self.text_scores(text, language)
        return (1.0 - self.area_weight) * text_scores + self.area_weight * area_scores

    def shared_terms(self, text: str, language: str | None, practice_slug: str) -> list[str]:
        """All terms the text shares with a practice, most contributing first (surface forms)."""
        query = self._query(text, language)
        row = self.catalogue.practice_slugs.index(practice_slug)
        return self._shared(query, row, limit=None)

    def _shared(self, query: _Query, row: int, limit: int | None) -> list[str]:
        contributions = self.matrix[row, query.indices] * query.weights
        order = np.argsort(-contributions, kind="stable")
        shared: list[str] = []
        for position in order:
            if contributions[position] <= 0.0:
                break
            stem = self._terms_by_column[query.indices[position]]
            surface = query.surfaces[stem]
            if surface not in shared:
                shared.append(surface)
            if limit is not None and len(shared) >= limit:
                break
        return shared

    def match(
        self,
        text: str,
        language: str | None = "en",
        area: str | None = None,
        *,
        limit: int | None = None,
        min_score: float = 0.0,
        max_terms: int = MAX_SHARED_TERMS,
    ) -> list[PracticeMatch]:
        """Practices ranked by relevance to ``text``, best first, leaving out scores ≤ min_score.

        ``language`` is the text's language (``"en"`` or ``"nb"``; other Norwegian codes count
        as ``"nb"``), ``area`` the slug of its spotlight area, if any. Ties keep catalogue order.
        """
        area_scores = self._area_scores(area)
        query = self._query(text, language)
        if query.indices.size:
            text_scores = np.clip(self.matrix[:, query.indices] @ query.weights, 0.0, 1.0)
        else:
            text_scores = np.zeros(len(self.practices))
        scores = (1.0 - self.area_weight) * text_scores + self.area_weight * area_scores
        order = sorted(range(len(self.practices)), key=lambda i: (-scores[i], -text_scores[i], i))
        area_entry = self.catalogue.get_area(area) if area is not None else None
        matches: list[PracticeMatch] = []
        for row in order:
            if scores[row] <= min_score or (limit is not None and len(matches) >= limit):
                break
            shares_area = bool(area_scores[row]) and area_entry is not None
            shared = self._shared(query, row, max_terms) if text_scores[row] > 0 else []
            reason_en, reason_nb = _reasons(
                area_entry.name_en if shares_area and area_entry else None,
                area_entry.name_nb if shares_area and area_entry else None,
                shared,
            )
            matches.append(
                PracticeMatch(
                    practice_slug=self.practices[row].slug,
                    score=float(scores[row]),
                    area_score=float(area_scores[row]),
                    text_score=float(text_scores[row]),
                    shared_area=area if shares_area else None,
                    shared_terms=shared,
                    reason_en=reason_en,
                    reason_nb=reason_nb,
                )
            )
        return matches

    def match_proposal(
        self,
        title: str,
        body: str,
        language: str | None = "en",
        area: str | None = None,
        *,
        limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[PracticeMatch]:
        """Practices related to a proposal (its title and body)."""
        return self.match(f"{title}\n{body}", language, area, limit=limit, min_score=min_score)

    def match_topic(
        self,
        question: str,
        background: str,
        language: str | None = "en",
        area: str | None = None,
        *,
        limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[PracticeMatch]:
        """Practices related to a topic (its question and background)."""
        return self.match(
            f"{question}\n{background}", language, area, limit=limit, min_score=min_score
        )

    def match_many(
        self,
        texts: Iterable[tuple[str, str | None, str | None]],
        *,
        limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[list[PracticeMatch]]:
        """:meth:`match` for many ``(text, language, area)`` triples."""
        return [
            self.match(text, language, area, limit=limit, min_score=min_score)
            for text, language, area in texts
        ]


@lru_cache(maxsize=4)
def _matcher_for(catalogue: Catalogue) -> PracticeMatcher:
    return PracticeMatcher(catalogue)


def default_matcher() -> PracticeMatcher:
    """The matcher of the packaged catalogue, built once (and again if the file changes)."""
    return _matcher_for(load_catalogue())
