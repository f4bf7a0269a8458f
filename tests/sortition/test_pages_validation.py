"""What the lottery pages say when the pool, the quotas or the settings are wrong: each
problem named in the person's language, what they typed kept, and nothing stored."""

from __future__ import annotations

import asyncio
import csv
import html
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from assemblies.manage_seed import fast_passwords, login, seed  # noqa: F401
from sortition.pages_seed import (
    POOL_CSV,
    QUOTAS_CSV,
    count,
    jobs,
    memo_draw,
    quota_fields,
    selection,
    selection_id_from,
    settings_for,
    upload,
)

from assembly.db.models import BackgroundJob, PanelMember, SortitionSelection
from assembly.jobs.runner import run_pending
from assembly.settings import Settings
from assembly.sortition import services
from assembly.sortition.forms import Issue, problem_issue
from assembly.sortition.selection import Problem, parse_pool


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture(autouse=True)
def one_solve_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "draw_panel", memo_draw)


def _start(
    client: Any, db: Any, pool: str = POOL_CSV, household: str = "household"
) -> tuple[str, int]:
    s = seed(db)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition"
    response = upload(
        client,
        base,
        {"household_column": household},
        {"pool_file": ("pool.csv", pool.encode(), "text/csv")},
    )
    assert response.status_code == 303, response.text
    return base, selection_id_from(response.headers["location"])


def _draw(client: Any, url: str, fields: dict[str, str], quotas_file: bytes = b"") -> Any:
    return upload(
        client,
        url,
        fields,
        {"quotas_file": ("quotas.csv" if quotas_file else "", quotas_file, "text/csv")},
    )


# --------------------------------------------------------------------------- the pool

NAMES_ONLY = ("id,name\n" + "".join(f"p{i},Person {i}\n" for i in range(30))).encode()


UNREADABLE_POOLS = [
    (b"", "", "Choose the pool's CSV file."),
    ("id,gender\np1,kvinne\u00e6\n".encode("latin-1"), "", "The file is not UTF-8 text"),
    (b"person,gender\np1,female\np2,male\n", "", "The pool file has no column \u201cid\u201d"),
    (b"id,gender\np1,female\np1,male\n", "", "The id \u201cp1\u201d appears more than once"),
    (POOL_CSV.encode(), "address", "The pool file has no column \u201caddress\u201d"),
    (NAMES_ONLY, "", "The pool has no column that can be a feature"),
    (b"id,g\n" + b"p,a\n" * 600_000, "", "The file is too large: at most 2048 kB."),
    # Strict reading: an unclosed quote no longer swallows the rest of the file into one cell.
    (b'id,gender\np1,"female\np2,male\np3,male\n', "", "A quotation mark in line 2 of the pool"),
    (b'id,gender\np1,"fe"male\n', "", "Line 2 of the pool file is not valid CSV"),
    (b"id,gender\np1," + b"x" * 140_000 + b"\n", "", "has a cell longer than 128 KiB"),
]


def test_an_unreadable_pool_is_refused_and_nothing_stored(client: Any, db: Any) -> None:
    s = seed(db)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition"
    for content, household, message in UNREADABLE_POOLS:
        files = {"pool_file": ("pool.csv" if content else "", content, "text/csv")}
        response = upload(client, base, {"household_column": household}, files)
        assert response.status_code == 400, message
        assert message in html.unescape(response.text)
        assert f'value="{household}"' in response.text  # what was typed is kept
    assert count(db, SortitionSelection) == 0


@pytest.fixture
def raised_csv_limit() -> Iterator[None]:
    # The csv module's field limit is process-wide, and some libraries raise it on import.
    before = csv.field_size_limit(sys.maxsize)
    yield
    csv.field_size_limit(before)


@pytest.mark.usefixtures("raised_csv_limit")
def test_a_long_cell_is_refused_whatever_a_library_did_to_the_csv_limit(
    client: Any, db: Any
) -> None:
    s = seed(db)
    login(client, s.facilitator)
    content = b"id,gender\np1," + b"x" * 140_000 + b"\n"
    files = {"pool_file": ("pool.csv", content, "text/csv")}
    response = upload(client, f"{s.manage}/sortition", {"household_column": ""}, files)
    assert response.status_code == 400
    assert "has a cell longer than 128 KiB" in html.unescape(response.text)
    assert count(db, SortitionSelection) == 0


def test_a_pool_with_cr_line_ends_is_read(client: Any, db: Any) -> None:
    """Old spreadsheet programs end lines with a lone CR; that is a pool like any other."""
    _base, selection_id = _start(client, db, pool=POOL_CSV.replace("\n", "\r"))
    assert len(services.pool_of(selection(db, selection_id)).rows) == 70


def test_downloads_escape_formulas_and_read_back_unchanged(client: Any, db: Any) -> None:
    rows = POOL_CSV.splitlines()
    rows[1] = rows[1].replace("Person 0", "=HYPERLINK(1)")
    rows[2] = rows[2].replace("Person 1", "@SUM(1)")
    pool = "\n".join(rows) + "\n"
    base, selection_id = _start(client, db, pool=pool)
    download = client.get(f"{base}/{selection_id}/pool.csv").text
    assert ",'=HYPERLINK(1)," in download
    assert ",'@SUM(1)," in download
    # Uploading the download again gives the very same pool.
    again = services.pool_of(selection(db, selection_id))
    assert parse_pool(download, household_column="household").rows == again.rows
    assert again.rows[0]["name"] == "=HYPERLINK(1)"


# --------------------------------------------------------------------------- quotas and settings


def test_quota_and_setting_problems_are_named_and_nothing_stored(client: Any, db: Any) -> None:
    base, selection_id = _start(client, db)
    url = f"{base}/{selection_id}/setup"

    # A value with no quota: named, linked to its box, and every typed value kept.
    fields = quota_fields(
        quotas={"gender": {"female": (4, 6)}, "area": {"rural": (3, 5), "urban": (5, 7)}}
    )
    response = _draw(client, url, {"panel_size": "10", "seed": "12", "algorithm": "nash", **fields})
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "have the value \u201cmale\u201d for \u201cgender\u201d, which has no quota" in text
    male_min = next(n for n in quota_fields() if n not in fields and n.endswith("-min"))
    assert f'href="#field-{male_min}"' in response.text
    for name, value in fields.items():
        box = f'id="field-{name}" name="{name}" type="number" min="0" inputmode="numeric"'
        assert f'{box} value="{value}"' in response.text
    assert 'value="nash" checked' in response.text

    # Half-filled rows, words for numbers, and leximin.
    fields = quota_fields()
    names = list(fields)
    fields[names[0]] = "many"
    fields[names[3]] = ""
    response = _draw(
        client, url, {"panel_size": "ten", "seed": "0", "algorithm": "leximin", **fields}
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "Enter a whole number of 0 or more for" in text
    assert "Enter both a minimum and a maximum for" in text
    assert "Enter the panel size as a whole number of 1 or more." in text
    assert "Enter the seed as a whole number from 1 to 2147483647." in text
    assert "Leximin is not offered" in text
    assert 'value="many"' in response.text
    assert 'value="ten"' in response.text

    # No quotas at all.
    response = _draw(client, url, {"panel_size": "10", "seed": "3", "algorithm": "maximin"})
    assert response.status_code == 400
    assert "Enter a minimum and a maximum for the values of at least one feature" in response.text

    # Minimums that add up to more than the panel.
    quotas = {
        "gender": {"female": (8, 9), "male": (8, 9)},
        "area": {"rural": (3, 5), "urban": (5, 7)},
    }
    response = _draw(
        client,
        url,
        {"panel_size": "10", "seed": "3", "algorithm": "maximin", **quota_fields(quotas=quotas)},
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert (
        "The minimums for \u201cgender\u201d add up to 16, more than the panel size of 10." in text
    )

    # A pool smaller than the panel.
    response = _draw(
        client, url, {"panel_size": "90", "seed": "3", "algorithm": "maximin", **quota_fields()}
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "The pool has 70 members, fewer than the panel size of 90." in text
    assert 'href="#field-panel_size"' in response.text

    stored = selection(db, selection_id)
    assert (stored.status, stored.quotas, stored.panel_size) == ("draft", [], 0)
    assert count(db, BackgroundJob) == 0


def test_a_quotas_file_is_used_or_its_problems_named(client: Any, db: Any) -> None:
    base, selection_id = _start(client, db)
    url = f"{base}/{selection_id}/setup"
    settings = {"panel_size": "10", "seed": "99", "algorithm": "maximin"}
    response = _draw(client, url, settings, b"feature,value,min\ngender,female,4\n")
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "The quotas file has no column \u201cmax\u201d" in text
    assert 'href="#field-quotas_file"' in response.text
    assert count(db, BackgroundJob) == 0
    # A file with a feature the pool does not have: named, and its quotas fill the boxes.
    response = _draw(client, url, settings, (QUOTAS_CSV + "age,young,0,10\n").encode())
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "The quotas use the feature \u201cage\u201d, but the pool has no such column." in text
    for name, value in quota_fields().items():
        assert f'name="{name}" type="number" min="0" inputmode="numeric" value="{value}"' in text
    assert count(db, BackgroundJob) == 0
    response = _draw(client, url, settings, QUOTAS_CSV.encode())
    assert response.status_code == 303, response.text
    stored = selection(db, selection_id)
    assert stored.status == "queued"
    assert [q["feature"] for q in stored.quotas] == ["gender", "gender", "area", "area"]
    assert len(jobs(db)) == 1


def test_a_draw_cannot_be_started_twice(client: Any, db: Any) -> None:
    base, selection_id = _start(client, db)
    url = f"{base}/{selection_id}/setup"
    fields = {"panel_size": "10", "seed": "3", "algorithm": "maximin", **quota_fields()}
    assert _draw(client, url, fields).status_code == 303
    again = _draw(client, url, fields)
    assert again.status_code == 303
    assert again.headers["location"] == f"{base}/{selection_id}"
    assert len(jobs(db)) == 1
    assert client.get(url, follow_redirects=False).status_code == 303


def test_quotas_the_solver_cannot_meet_fail_the_draw_clearly(
    client: Any, db: Any, settings: Settings
) -> None:
    """Each quota alone is possible, together they are not: only the solver finds out."""
    rows = (
        ["id,gender,area"]
        + [f"a{i},female,urban" for i in range(30)]
        + [f"b{i},male,rural" for i in range(30)]
        + [f"c{i},male,urban" for i in range(10)]
    )
    base, selection_id = _start(client, db, "\n".join(rows) + "\n", household="")
    quotas = {
        "gender": {"female": (6, 10), "male": (0, 10)},
        "area": {"rural": (6, 10), "urban": (0, 10)},
    }
    pool = "\n".join(rows) + "\n"
    response = _draw(
        client,
        f"{base}/{selection_id}/setup",
        {"panel_size": "10", "seed": "3", "algorithm": "maximin", **_fields(pool, quotas)},
    )
    assert response.status_code == 303, response.text
    assert asyncio.run(run_pending(settings)) == 1
    [job] = jobs(db)
    assert job.status == "failed"
    stored = selection(db, selection_id)
    assert stored.status == "failed"
    assert count(db, PanelMember) == 0
    page = client.get(f"{base}/{selection_id}/progress")  # follows to the set-up page
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "The last attempt at this draw failed." in text
    assert "The quotas cannot all be met together with this pool." in text
    assert "minimum target" in text  # the library's suggestion, in the details
    # Corrected, the draw can start again.
    quotas["gender"]["female"] = (2, 10)
    response = _draw(
        client,
        f"{base}/{selection_id}/setup",
        {"panel_size": "10", "seed": "3", "algorithm": "maximin", **_fields(pool, quotas)},
    )
    assert response.status_code == 303
    assert selection(db, selection_id).status == "queued"


def _fields(pool: str, quotas: dict[str, Any]) -> dict[str, str]:
    from assembly.sortition.forms import feature_columns
    from assembly.sortition.selection import parse_pool

    columns, _ = feature_columns(parse_pool(pool))
    fields = {}
    for column in columns:
        for item in column.values:
            low, high = quotas[column.name][item.value]
            fields[column.field(item.index, "min")] = str(low)
            fields[column.field(item.index, "max")] = str(high)
    return fields


# --------------------------------------------------------------------------- translation


def test_problems_are_translated_by_code_with_an_english_fallback() -> None:
    known = Problem(
        "pool_too_small",
        "The pool has 5 members, fewer than the panel size of 8.",
        {"pool_size": 5, "panel_size": 8},
    )
    assert problem_issue(known, "panel_size") == Issue(
        "The pool has 5 members, fewer than the panel size of 8.", "panel_size"
    )
    unknown = Problem("brand_new_code", "Something new went wrong.", {})
    assert problem_issue(unknown).text == "Something new went wrong."
    broken = Problem("pool_too_small", "English text.", {"pool_size": 5})  # a param missing
    assert problem_issue(broken).text == "English text."
    stored = {
        "code": "missing_column",
        "message": "m",
        "params": {"table": "quotas", "column": "max", "columns": "feature"},
    }
    assert (
        problem_issue(stored).text
        == "The quotas file has no column \u201cmax\u201d. Its columns are: feature."
    )
