"""Benchmark of practice matching: building the index and matching 500 proposals.

Run: ``.venv/bin/python bench/bench_matching.py``. The proposals are synthetic (fixed seed), half
in English and half in Bokmål, a third without a spotlight area. As a baseline the same scoring
is done with scikit-learn's TfidfVectorizer fed with the same terms.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from assembly.catalogue.data import DEFAULT_PATH, Catalogue, parse_catalogue
from assembly.catalogue.matching import PracticeMatcher, practice_terms, terms

PROPOSALS = 500
REPEATS = 5

_FILLER = {
    "en": (
        "we our town should could people more better local new every week place time help "
        "make sure open safe green street park school library bus centre young old together "
        "plan money council citizens residents idea proposal support services"
    ),
    "nb": (
        "vi vår byen bør kunne folk flere bedre lokale nye hver uke sted tid hjelp sørge for "
        "åpen trygg grønn gate park skole bibliotek buss sentrum unge eldre sammen plan penger "
        "kommunen innbyggere idé forslag støtte tjenester"
    ),
}


def _proposals(
    catalogue: Catalogue, count: int, seed: int = 7
) -> list[tuple[str, str, str | None]]:
    rng = random.Random(seed)
    keywords = {
        "en": [k for p in catalogue for k in p.keywords_en],
        "nb": [k for p in catalogue for k in p.keywords_nb],
    }
    areas: list[str | None] = [*catalogue.area_slugs, None, None]
    result = []
    for index in range(count):
        language = "en" if index % 2 == 0 else "nb"
        filler = _FILLER[language].split()
        words = [rng.choice(filler) for _ in range(60)]
        words += [rng.choice(keywords[language]) for _ in range(6)]
        rng.shuffle(words)
        title = " ".join(words[:6]).capitalize()
        body = " ".join(words[6:]) + "."
        result.append((f"{title}\n{body}", language, rng.choice(areas)))
    return result


def _median_ms(work: Callable[[], Any], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


def collect() -> list[dict[str, Any]]:
    raw = DEFAULT_PATH.read_bytes()
    catalogue = parse_catalogue(raw)
    proposals = _proposals(catalogue, PROPOSALS)
    matcher = PracticeMatcher(catalogue)

    load_ms = _median_ms(lambda: parse_catalogue(raw))
    build_ms = _median_ms(lambda: PracticeMatcher(catalogue))
    match_ms = _median_ms(
        lambda: [matcher.match(text, lang, area, limit=5) for text, lang, area in proposals]
    )
    scores_ms = _median_ms(lambda: [matcher.text_scores(text, lang) for text, lang, _ in proposals])

    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [practice_terms(p) for p in catalogue]

    def sklearn_fit() -> TfidfVectorizer:
        vectoriser = TfidfVectorizer(
            analyzer=lambda d: d, lowercase=False, token_pattern=None, sublinear_tf=True
        )
        vectoriser.fit(documents)
        return vectoriser

    vectoriser = sklearn_fit()
    matrix = vectoriser.transform(documents)
    sklearn_build_ms = _median_ms(sklearn_fit)

    def sklearn_scores() -> None:
        for text, lang, _ in proposals:
            (matrix @ vectoriser.transform([terms(text, lang)]).T).toarray()

    sklearn_scores_ms = _median_ms(sklearn_scores)
    n = len(catalogue)
    return [
        row("load catalogue", load_ms, "ms", f"parse and validate the TOML ({n} practices)"),
        row("build matcher", build_ms, "ms", f"analyse texts and index {n} practices"),
        row(
            f"match {PROPOSALS} proposals",
            match_ms,
            "ms",
            "ranked matches with reasons, top 5, en and nb",
        ),
        row("match one proposal", match_ms * 1000.0 / PROPOSALS, "µs", "mean of the above"),
        row(f"text scores, {PROPOSALS} proposals", scores_ms, "ms", "cosine only"),
        row(
            "sklearn fit (baseline)",
            sklearn_build_ms,
            "ms",
            "TfidfVectorizer on terms analysed beforehand",
        ),
        row(
            f"sklearn text scores, {PROPOSALS} proposals (baseline)",
            sklearn_scores_ms,
            "ms",
            "transform + sparse product",
        ),
        row(
            "text scores speed-up over sklearn",
            sklearn_scores_ms / scores_ms,
            "x",
            "same run, same terms",
        ),
    ]


def row(metric: str, value: float, unit: str, note: str) -> dict[str, Any]:
    return {"benchmark": "matching", "metric": metric, "value": value, "unit": unit, "note": note}


if __name__ == "__main__":
    rows = collect()
    width = max(len(r["metric"]) for r in rows)
    for r in rows:
        value = f"{r['value']:>10.2f} {r['unit']:<3}"
        print(f"{r['benchmark']:<10} {r['metric']:<{width}} {value} {r['note']}")
