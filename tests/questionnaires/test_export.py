"""The data package carries the questionnaire files; they open with pyreadstat with all their
labels, wide and long agree, and the package still validates."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import frictionless
import pyreadstat
from sqlalchemy import select

from assembly.db.models import Assembly, Participant
from assembly.exports.services import ExportOptions, export_to_directory
from assembly.questionnaires import services
from assembly.questionnaires.items import DONT_KNOW


def test_questionnaires_are_in_the_data_package(db: Any, tmp_path: Path) -> None:
    out = tmp_path / "pkg"

    async def work(session: Any) -> None:
        assembly = Assembly(slug="survey", title="Survey", language="en", status="published")
        session.add(assembly)
        await session.flush()
        q = await services.create_questionnaire(
            session, assembly, template="evaluation", wave="pre", actor_id=None
        )
        await services.update_questionnaire(session, q, status="open")
        for n in range(6):
            person = Participant(assembly_id=assembly.id, pseudonym=f"Person {n}")
            session.add(person)
            await session.flush()
            await services.give_consent(session, q, person, True)
            heard = str(DONT_KNOW) if n == 0 else str(1 + n % 5)
            await services.save_answers(
                session, q, person, {"heard": [heard], "again": ["2"]}, submit=True
            )
        found = await session.scalar(select(Assembly).where(Assembly.slug == "survey"))
        await export_to_directory(session, found, ExportOptions(format="datapackage"), out)

    db(work)
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    folder = out / "questionnaires"
    with (folder / "answers_wide.csv").open(encoding="utf-8") as handle:
        wide = list(csv.DictReader(handle))
    assert len(wide) == 6
    assert all(row["pseudonym"].startswith("p_") for row in wide)
    assert "Person" not in (folder / "answers_long.csv").read_text()
    heard = next(name for name in wide[0] if name.endswith("_heard"))
    frame, meta = pyreadstat.read_sav(str(folder / "questionnaires.sav"), user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels[heard] == "I felt my views were heard."
    assert meta.variable_value_labels[heard][DONT_KNOW] == "Don't know"
    assert heard in meta.missing_ranges
    frame, meta = pyreadstat.read_dta(str(folder / "questionnaires.dta"))
    assert len(frame) == 6
    assert meta.variable_value_labels[heard][5] == "Strongly agree"
    assert "factor(x" in (folder / "README.md").read_text()
    assert "Strongly agree" in (folder / "r" / "labels.csv").read_text()
