"""The small-cell rule on every public surface: one to four people in a category are never
shown as a count, a share or a comparison, and totals do not give them away by subtraction."""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import pdf_text
from summaries.summary_seed import (
    add_ballots,
    add_participants,
    add_proposals,
    add_topic,
    seed_assembly,
)

from assembly.db.models import SortitionSelection
from assembly.exports.privacy import DEFAULT_K
from assembly.i18n import current_locale
from assembly.recommendations.report import _representativeness_blocks
from assembly.summaries.representativeness import representativeness, withhold_small_counts

QUESTIONS = [
    {"key": "age", "label": "Age group", "options": ["16-29", "30-59", "60+"]},
    {"key": "gender", "label": "Gender", "options": ["mann", "kvinne"]},
]


def _rep(young: int, middle: int, old: int) -> dict[str, Any]:
    answers = (
        [{"age": "16-29", "gender": "kvinne"}] * young
        + [{"age": "30-59", "gender": "kvinne"}] * middle
        + [{"age": "60+", "gender": "kvinne"}] * old
    )
    data = representativeness(QUESTIONS, answers, participants=len(answers) + 2)
    assert data is not None
    return data


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_a_small_cell_and_its_complement_are_withheld_so_the_total_cannot_reveal_it(
    small: int,
) -> None:
    data = withhold_small_counts(_rep(small, 10, 7))
    assert data is not None
    age = data["features"][0]
    young, middle, old = age["rows"]
    assert young["count"] is None
    assert young["withheld"]
    assert young["share"] is None
    # The smallest other count is withheld with it: total minus the rest gives no single value.
    assert old["count"] is None
    assert old["withheld"]
    assert old["share"] is None
    assert middle["count"] == 10
    assert not middle["withheld"]
    assert age["answered"] == small + 17
    assert middle["share"] == round(10 / (small + 17), 4)


@pytest.mark.parametrize("everyone", [1, 2, 3, 4])
def test_when_fewer_than_k_answered_nothing_of_them_is_counted(everyone: int) -> None:
    data = withhold_small_counts(_rep(everyone, 0, 0))
    assert data is not None
    assert data["answered"] is None
    assert data["answered_withheld"]
    for feature in data["features"]:
        assert feature["answered"] is None
        for row in feature["rows"]:
            assert row["count"] in (None, 0)
            assert row["share"] in (None, 0.0)
            assert row["status"] is None


def test_large_counts_are_published_and_the_rule_runs_once() -> None:
    data = withhold_small_counts(_rep(5, 6, 7))
    assert data is not None
    assert [r["count"] for r in data["features"][0]["rows"]] == [5, 6, 7]
    assert data["answered"] == 18
    assert data["withheld_k"] == DEFAULT_K
    assert withhold_small_counts(data) == data
    assert withhold_small_counts(None) is None


def test_panel_counts_by_quota_are_withheld_too() -> None:
    quotas = [
        {"feature": "age", "value": v, "min": 1, "max": 10} for v in ("16-29", "30-59", "60+")
    ]
    panel = {("age", "16-29"): 2, ("age", "30-59"): 9, ("age", "60+"): 8}
    raw = representativeness(QUESTIONS, [{"age": "30-59"}] * 6, quotas, 19, panel, 6)
    data = withhold_small_counts(raw)
    assert data is not None
    rows = data["features"][0]["rows"]
    assert [r["panel"] for r in rows] == [None, 9, None]
    assert [r["panel_withheld"] for r in rows] == [True, False, True]


def test_the_final_report_reads_fewer_than_five_in_the_readers_language() -> None:
    for locale, words in (("en", "fewer than 5"), ("nb", "færre enn 5")):
        token = current_locale.set(locale)
        try:
            blocks = _representativeness_blocks(_rep(1, 10, 7), DEFAULT_K)
        finally:
            current_locale.reset(token)
        cells = [c for b in blocks for row in getattr(b, "rows", []) for c in row]
        assert cells.count(words) == 2, (locale, cells)
        assert "1" not in cells
        assert "7" not in cells


def _seed(db: Any, small: int, language: str) -> str:
    """A published assembly and topic where ``small`` people answered "30-59" and "mann"."""
    slug = f"small-{small}-{language}"

    async def work(s: Any) -> str:
        assembly_id, _ = await seed_assembly(s, slug=slug, language=language, questions=QUESTIONS)
        topic_id = await add_topic(s, assembly_id, published=True)
        answers = [{"age": "30-59", "gender": "mann"}] * small + [
            {"age": "60+", "gender": "kvinne"}
        ] * 8
        people = await add_participants(s, assembly_id, len(answers), demographics=answers)
        proposals = await add_proposals(s, topic_id, ["Green harbour", "Grey harbour"])
        await add_ballots(s, topic_id, [[str(proposals[0])]] * 3)
        s.add(
            SortitionSelection(
                assembly_id=assembly_id,
                status="drawn",
                panel_size=len(people),
                quotas=[
                    # Targets of 0 % to 100 %, so no target share equals the small share.
                    {"feature": "age", "value": "30-59", "min": 0, "max": len(people)},
                    {"feature": "age", "value": "60+", "min": 0, "max": len(people)},
                ],
                result={
                    "quota_table": [
                        {"feature": "age", "value": "30-59", "selected": small},
                        {"feature": "age", "value": "60+", "selected": 8},
                    ]
                },
            )
        )
        await s.flush()
        return slug

    return str(db(work))


def _leaks(text: str, small: int) -> list[str]:
    """Places where a text shows the small count (or its share) next to its category."""
    flat = " ".join(text.split())
    found = []
    for label in ("30-59", "mann"):
        for match in re.finditer(re.escape(label) + r"\W{0,3}(\d+)", flat):
            if int(match.group(1)) == small:
                found.append(match.group(0))
    share = round(100 * small / (small + 8))
    if re.search(rf"(30-59|mann)[^%]{{0,20}}\b{share} ?%", flat):
        found.append(f"{share} %")
    return found


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_every_public_page_withholds_the_planted_small_cell(
    client: Any, db: Any, small: int
) -> None:
    # A summary's text is in its assembly's language, whoever reads it.
    for locale, words in (("en", "fewer than 5"), ("nb", "færre enn 5")):
        slug = _seed(db, small, locale)
        base = f"/assemblies/{slug}"
        pages = {
            "topic summary": client.get(f"{base}/topics/harbour-use/summary"),
            "assembly summary": client.get(f"{base}/summary"),
        }
        for name, response in pages.items():
            assert response.status_code == 200, name
            assert words in response.text, (locale, name)
            assert not _leaks(response.text, small), (locale, name, _leaks(response.text, small))
        for name, address in (
            ("topic PDF", f"{base}/topics/harbour-use/summary.pdf"),
            ("assembly PDF", f"{base}/summary.pdf"),
        ):
            pdf = client.get(address)
            assert pdf.status_code == 200, name
            text = pdf_text(pdf.content)
            assert words in " ".join(text.split()), (locale, name)
            assert not _leaks(text, small), (locale, name)
        # The projector view and the public API publish no count by category at all.
        present = client.get(f"{base}/topics/harbour-use/present")
        assert present.status_code == 200
        assert not _leaks(present.text, small)
        assert "mann" not in present.text
        for address in (
            f"/api/v1/assemblies/{slug}",
            f"/api/v1/assemblies/{slug}/topics",
            f"/api/v1/assemblies/{slug}/topics/harbour-use",
            f"/api/v1/assemblies/{slug}/topics/harbour-use/result",
        ):
            response = client.get(address)
            assert response.status_code in (200, 404), address
            assert "mann" not in response.text, address
            assert "30-59" not in response.text, address
