"""Questionnaire data for researchers: long and wide answers, a codebook with value labels
and missing-value codes, SPSS and Stata files (pyreadstat) and an R-friendly CSV with labels.

Pure apart from writing files: rows are keyed by the export's pseudonym only, never a name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assembly.questionnaires.items import (
    DONT_KNOW,
    NO_ANSWER,
    NOT_ASKED,
    Item,
    choices_of,
    is_shown,
    sub_keys,
    text_in,
)

MISSING_LABELS = {
    DONT_KNOW: "Don't know",
    NOT_ASKED: "Not asked (skipped by the questionnaire's logic)",
    NO_ANSWER: "No answer",
}
TEXT_KINDS = ("short", "long")


@dataclass
class Version:
    """One questionnaire version and its submitted answers, by pseudonym."""

    code: str
    """Short prefix of its variables, e.g. "pre1" (wave and version)."""
    wave: str
    title: str
    items: list[Item]
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Variable:
    name: str
    label: str
    numeric: bool
    values: dict[int, str]
    version: str
    item: str


def _variables(version: Version, locale: str) -> list[tuple[Variable, Item, str]]:
    out = []
    for item in version.items:
        text = text_in(item.get("text"), locale)
        values = {int(c["value"]): text_in(c.get("label"), locale) for c in choices_of(item)}
        numeric = item["kind"] not in TEXT_KINDS
        if numeric:
            values.update(MISSING_LABELS)
        if item["kind"] == "multiple":
            for choice in choices_of(item):
                name = f"{version.code}_{item['key']}_{choice['value']}"
                label = f"{text}: {text_in(choice.get('label'), locale)}"
                picked = {0: "Not chosen", 1: "Chosen", **MISSING_LABELS}
                out.append(
                    (Variable(name, label, True, picked, version.code, item["key"]), item, "")
                )
            continue
        rows = {f"{item['key']}_{r['key']}": r for r in item.get("rows") or []}
        for key in sub_keys(item):
            label = text
            if key in rows:
                label = f"{text}: {text_in(rows[key].get('text'), locale)}"
            name = f"{version.code}_{key}"
            out.append(
                (Variable(name, label, numeric, values, version.code, item["key"]), item, key)
            )
    return out


def _value(item: Item, key: str, variable: Variable, given: Mapping[str, Any]) -> Any:
    if not is_shown(item, given):
        return NOT_ASKED if variable.numeric else ""
    if item["kind"] == "multiple":
        chosen = given.get(item["key"])
        if not isinstance(chosen, list):
            return NO_ANSWER
        code = int(variable.name.rsplit("_", 1)[1])
        return 1 if code in chosen else 0
    value = given.get(key)
    if value is None:
        return NO_ANSWER if variable.numeric else ""
    return value


@dataclass
class Tables:
    variables: list[Variable]
    long: list[tuple[str, str, str, str, Any]]
    """(pseudonym, version, item, variable, value) for every answer given."""
    wide: list[dict[str, Any]]
    """One row per pseudonym, one column per variable (missing-value codes filled in)."""


def build(versions: Sequence[Version], locale: str = "en") -> Tables:
    variables: list[Variable] = []
    long: list[tuple[str, str, str, str, Any]] = []
    people = sorted({p for v in versions for p in v.answers})
    wide: dict[str, dict[str, Any]] = {p: {"pseudonym": p} for p in people}
    for version in versions:
        found = _variables(version, locale)
        variables.extend(v for v, _, _ in found)
        for pseudonym in people:
            given = version.answers.get(pseudonym)
            for variable, item, key in found:
                if given is None:
                    value: Any = NO_ANSWER if variable.numeric else ""
                else:
                    value = _value(item, key, variable, given)
                    if value not in (NO_ANSWER, NOT_ASKED, ""):
                        long.append((pseudonym, version.code, item["key"], variable.name, value))
                wide[pseudonym][variable.name] = value
    return Tables(variables, long, [wide[p] for p in people])


def wide_and_long_agree(tables: Tables) -> list[str]:
    """Differences between the two forms (none when they agree): every long answer is in the
    wide row, and every non-missing wide cell is in the long form."""
    problems = []
    rows = {row["pseudonym"]: row for row in tables.wide}
    seen = set()
    for pseudonym, _version, _item, name, value in tables.long:
        seen.add((pseudonym, name))
        if rows.get(pseudonym, {}).get(name) != value:
            problems.append(
                f"{pseudonym} {name}: long {value!r}, wide {rows.get(pseudonym, {}).get(name)!r}"
            )
    for pseudonym, row in rows.items():
        for name, value in row.items():
            if name == "pseudonym" or value in (NO_ANSWER, NOT_ASKED, ""):
                continue
            if (pseudonym, name) not in seen:
                problems.append(f"{pseudonym} {name}: in the wide form only")
    return problems


def codebook_rows(tables: Tables) -> list[tuple[str, str, str, str, str]]:
    """(variable, label, type, value, value label), missing-value codes marked as such."""
    out = []
    for v in tables.variables:
        out.append((v.name, v.label, "numeric" if v.numeric else "text", "", ""))
        for code, label in sorted(v.values.items()):
            kind = "missing" if code in MISSING_LABELS else "value"
            out.append((v.name, "", kind, str(code), label))
    return out


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def wide_csv(tables: Tables) -> str:
    """The R-friendly CSV: missing codes turned into empty cells (NA in ``read.csv``)."""
    header = ["pseudonym", *(v.name for v in tables.variables)]
    numeric = {v.name for v in tables.variables if v.numeric}
    rows = [
        ["" if name in numeric and row[name] in MISSING_LABELS else row[name] for name in header]
        for row in tables.wide
    ]
    return csv_text(header, rows)


def labels_csv(tables: Tables) -> str:
    """Value labels for R (``factor(x, levels = value, labels = label)``)."""
    rows = [
        (v.name, code, label)
        for v in tables.variables
        for code, label in sorted(v.values.items())
        if code not in MISSING_LABELS
    ]
    return csv_text(["variable", "value", "label"], rows)


def write_spss_and_stata(tables: Tables, directory: Path, stem: str = "questionnaires") -> None:
    """``.sav`` and ``.dta`` with variable labels, value labels and user-missing codes."""
    import pandas as pd  # pyreadstat's own dependency; loaded only when writing these files
    import pyreadstat

    columns = ["pseudonym", *(v.name for v in tables.variables)]
    frame = pd.DataFrame([[row[c] for c in columns] for row in tables.wide], columns=columns)
    for v in tables.variables:
        if v.numeric:
            frame[v.name] = pd.to_numeric(frame[v.name], errors="coerce")
        else:
            frame[v.name] = frame[v.name].astype(str)
    labels: dict[str, str | None] = {"pseudonym": "Participant pseudonym (this export only)"}
    labels.update({v.name: v.label[:79] for v in tables.variables})
    value_labels = {
        v.name: {float(c): t for c, t in v.values.items()} for v in tables.variables if v.values
    }
    missing = {v.name: sorted(MISSING_LABELS) for v in tables.variables if v.numeric}
    pyreadstat.write_sav(
        frame,
        str(directory / f"{stem}.sav"),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges={k: list(map(float, m)) for k, m in missing.items()},
    )
    pyreadstat.write_dta(
        frame,
        str(directory / f"{stem}.dta"),
        column_labels=labels,
        variable_value_labels={
            k: {int(c): t for c, t in v.items()} for k, v in value_labels.items()
        },
    )
