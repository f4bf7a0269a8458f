"""The questionnaire files of a research export, under ``questionnaires/``: questionnaires,
items, answers in long and wide form, a codebook, SPSS, Stata and R files. Participants appear
only by the export's pseudonym."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Questionnaire
from assembly.questionnaires.data import (
    Version,
    build,
    codebook_rows,
    csv_text,
    labels_csv,
    wide_and_long_agree,
    wide_csv,
    write_spss_and_stata,
)
from assembly.questionnaires.items import text_in
from assembly.questionnaires.services import submitted_answers

README = """# Questionnaires

- `questionnaires.csv`: each questionnaire version (wave, status, source of its questions).
- `items.csv`: each item of each version as JSON, with its texts in every language.
- `answers_long.csv`: one row per answer given (pseudonym, version, item, variable, value).
- `answers_wide.csv`: one row per participant, one column per variable; missing-value codes
  -99 (don't know), -98 (not asked: skip logic), -97 (no answer).
- `codebook.csv`: variable labels, value labels and missing-value codes.
- `questionnaires.sav` (SPSS, the codes declared user-missing) and `questionnaires.dta` (Stata).
- `r/answers.csv` (missing codes as empty cells, NA in R) and `r/labels.csv`
  (`factor(x, levels = value, labels = label)`).

Answers are exported only from participants who consented and have not withdrawn.
"""


async def questionnaire_files(
    db: AsyncSession, assembly_id: int, pseudonym: Callable[[int], str | None], language: str
) -> list[tuple[str, bytes]]:
    found = (
        await db.scalars(
            select(Questionnaire)
            .where(Questionnaire.assembly_id == assembly_id)
            .order_by(Questionnaire.id)
        )
    ).all()
    if not found:
        return []
    answers = await submitted_answers(db, [q.id for q in found])
    versions = []
    for q in found:
        code = f"{q.wave}{q.series[:4]}v{q.version}"
        version = Version(code, q.wave, text_in(q.title, language), q.items)
        version.answers = {
            name: given for pid, given in answers[q.id].items() if (name := pseudonym(pid))
        }
        versions.append(version)
    tables = build(versions, language)
    problems = wide_and_long_agree(tables)
    if problems:  # a bug, never the data's fault: refuse to ship a package that disagrees
        raise RuntimeError("wide and long answers disagree: " + "; ".join(problems[:5]))
    files = [
        ("questionnaires/README.md", README),
        (
            "questionnaires/questionnaires.csv",
            csv_text(
                ["version", "series", "version_number", "wave", "status", "title", "source"],
                [
                    (v.code, q.series, q.version, q.wave, q.status, v.title, q.source)
                    for v, q in zip(versions, found, strict=True)
                ],
            ),
        ),
        (
            "questionnaires/items.csv",
            csv_text(
                ["version", "item", "kind", "required", "definition"],
                [
                    (
                        v.code,
                        i["key"],
                        i["kind"],
                        bool(i.get("required")),
                        json.dumps(i, ensure_ascii=False),
                    )
                    for v in versions
                    for i in v.items
                ],
            ),
        ),
        (
            "questionnaires/answers_long.csv",
            csv_text(["pseudonym", "version", "item", "variable", "value"], tables.long),
        ),
        (
            "questionnaires/answers_wide.csv",
            csv_text(
                ["pseudonym", *(v.name for v in tables.variables)],
                [list(row.values()) for row in tables.wide],
            ),
        ),
        (
            "questionnaires/codebook.csv",
            csv_text(["variable", "label", "type", "value", "value_label"], codebook_rows(tables)),
        ),
        ("questionnaires/r/answers.csv", wide_csv(tables)),
        ("questionnaires/r/labels.csv", labels_csv(tables)),
    ]
    out = [(name, text.encode("utf-8")) for name, text in files]
    with tempfile.TemporaryDirectory() as directory:
        write_spss_and_stata(tables, Path(directory))
        for name in ("questionnaires.sav", "questionnaires.dta"):
            out.append((f"questionnaires/{name}", (Path(directory) / name).read_bytes()))
    return out
