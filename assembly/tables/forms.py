"""Reading the table-plan, move and table-note forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assembly.i18n import _l
from assembly.sortition.forms import issue_error
from assembly.sortition.selection import (
    MAX_SEED,
)

MAX_ROUNDS = 12
MAX_NOTE_LENGTH = 20_000
MAX_PLAN_NAME = 200

# Tables of this size when neither a number of tables nor a size is typed; the form
# pre-fills neither, so a typed number of tables never meets a size nobody chose.
DEFAULT_TABLE_SIZE = 6


# --------------------------------------------------------------------------- table forms


@dataclass(frozen=True)
class TablePlanForm:
    name: str
    source: str
    rounds: int
    tables: int | None
    table_size: int | None
    seed: int


def _small_int(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_table_plan_form(values: Mapping[str, str], sources: Sequence[str]) -> TablePlanForm:
    errors: dict[str, Any] = {}
    name = " ".join(values.get("name", "").split())
    if len(name) > MAX_PLAN_NAME:
        errors["name"] = _l("The name can have at most 200 characters.")
    source = values.get("source", "")
    if source not in sources:
        errors["source"] = _l("Choose who sits at the tables.")
    rounds = _small_int(values.get("rounds", ""), 1, MAX_ROUNDS)
    if rounds is None:
        errors["rounds"] = _l("Enter a number of rounds from 1 to 12.")
    tables_text, size_text = values.get("tables", "").strip(), values.get("table_size", "").strip()
    tables = table_size = None
    if not tables_text and not size_text:
        table_size = DEFAULT_TABLE_SIZE
    elif tables_text and size_text:
        errors["tables"] = _l("Give either the number of tables or the table size, not both.")
    elif tables_text:
        tables = _small_int(tables_text, 1, 500)
        if tables is None:
            errors["tables"] = _l("Enter a number of tables from 1 to 500.")
    elif size_text:
        table_size = _small_int(size_text, 2, 100)
        if table_size is None:
            errors["table_size"] = _l("Enter a table size from 2 to 100.")
    seed = _small_int(values.get("seed", ""), 1, MAX_SEED)
    if seed is None:
        errors["seed"] = _l(
            "Enter the seed as a whole number from 1 to %(max)s.", max=str(MAX_SEED)
        )
    if errors:
        raise issue_error(errors)
    assert rounds is not None
    assert seed is not None
    return TablePlanForm(name, source, rounds, tables, table_size, seed)


@dataclass(frozen=True)
class MoveForm:
    round_index: int  # 0-based
    person: str
    table_index: int  # 0-based


def parse_move_form(
    values: Mapping[str, str], rounds: int, tables: int, people: Sequence[str]
) -> MoveForm:
    errors: dict[str, Any] = {}
    round_number = _small_int(values.get("round", ""), 1, rounds)
    if round_number is None:
        errors["round"] = _l("Choose a round.")
    person = values.get("person", "")
    if person not in people:
        errors["person"] = _l("Choose a person of this plan.")
    table_number = _small_int(values.get("table", ""), 1, tables)
    if table_number is None:
        errors["table"] = _l("Choose a table.")
    if errors:
        raise issue_error(errors)
    assert round_number is not None
    assert table_number is not None
    return MoveForm(round_number - 1, person, table_number - 1)


@dataclass(frozen=True)
class NoteForm:
    key_points: str
    agreements: str
    dissent: str
    proposal_ids: list[int] = field(default_factory=list)


def _note_text(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def parse_note_form(
    values: Mapping[str, str], proposals: Sequence[str], allowed: set[int]
) -> NoteForm:
    errors: dict[str, Any] = {}
    texts = {
        name: _note_text(values.get(name, "")) for name in ("key_points", "agreements", "dissent")
    }
    for name, text in texts.items():
        if len(text) > MAX_NOTE_LENGTH:
            errors[name] = _l("This can have at most 20,000 characters.")
    chosen: list[int] = []
    for raw in proposals:
        if not raw.isdigit() or int(raw) not in allowed:
            errors["proposals"] = _l("Choose proposals of this assembly.")
            break
        if int(raw) not in chosen:
            chosen.append(int(raw))
    if not any(texts.values()):
        errors["key_points"] = _l("Write the key points, the agreements or the dissent.")
    if errors:
        raise issue_error(errors)
    return NoteForm(texts["key_points"], texts["agreements"], texts["dissent"], sorted(chosen))
