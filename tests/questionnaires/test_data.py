"""Questionnaire data in long and wide form agree, and open in SPSS and Stata with labels."""

from __future__ import annotations

from pathlib import Path

import pyreadstat

from assembly.questionnaires.data import (
    Version,
    build,
    codebook_rows,
    labels_csv,
    wide_and_long_agree,
    wide_csv,
    write_spss_and_stata,
)
from assembly.questionnaires.instruments import BATTERY, EVALUATION
from assembly.questionnaires.items import DONT_KNOW, NO_ANSWER, NOT_ASKED


def _versions() -> list[Version]:
    pre = Version("pre1", "pre", "Evaluation", EVALUATION["items"])
    pre.answers = {
        "p_a": {"heard": 4, "again": 1},
        "p_b": {"heard": DONT_KNOW, "again": 2, "why_not": "Too long"},
    }
    grid = Version("post1", "post", "Battery", BATTERY["items"])
    grid.answers = {"p_a": {"battery_s1": 5}}
    return [pre, grid]


def test_long_and_wide_agree_with_missing_codes() -> None:
    tables = build(_versions())
    assert wide_and_long_agree(tables) == []
    rows = {row["pseudonym"]: row for row in tables.wide}
    assert rows["p_a"]["pre1_why_not"] == ""  # a text item skipped by the logic
    assert rows["p_b"]["pre1_heard"] == DONT_KNOW
    assert rows["p_b"]["post1_battery_s1"] == NO_ANSWER
    assert rows["p_a"]["pre1_information"] == NO_ANSWER
    tables.wide[0]["pre1_heard"] = 1
    assert wide_and_long_agree(tables)
    book = codebook_rows(build(_versions()))
    assert (
        "pre1_heard",
        "",
        "missing",
        str(NOT_ASKED),
        "Not asked (skipped by the questionnaire's logic)",
    ) in book
    assert ("pre1_heard", "", "value", "5", "Strongly agree") in book


def test_r_csv_leaves_missing_codes_empty_and_labels_values() -> None:
    tables = build(_versions(), locale="nb")
    lines = wide_csv(tables).splitlines()
    assert lines[0].startswith("pseudonym,pre1_heard,")
    assert lines[2].split(",")[1] == ""  # "don't know" is NA in R
    assert "pre1_heard,5,Helt enig" in labels_csv(tables)


def test_spss_and_stata_files_carry_variable_and_value_labels(tmp_path: Path) -> None:
    tables = build(_versions())
    write_spss_and_stata(tables, tmp_path)
    for name in ("questionnaires.sav", "questionnaires.dta"):
        if name.endswith("sav"):
            frame, meta = pyreadstat.read_sav(str(tmp_path / name), user_missing=True)
        else:
            frame, meta = pyreadstat.read_dta(str(tmp_path / name))
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["pre1_heard"] == "I felt my views were heard."
        assert labels["post1_battery_s1"].endswith("Paste a statement.")
        value_labels = meta.variable_value_labels["pre1_heard"]
        assert value_labels[5] == "Strongly agree"
        assert value_labels[DONT_KNOW] == "Don't know"
        assert len(frame) == 2
