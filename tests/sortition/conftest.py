"""Small pools and a shared draw for the sortition tests (a draw takes about a second)."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable

import pytest

from assembly.sortition.selection import SelectionResult, draw_panel

QUOTAS_CSV = """feature,value,min,max
gender,female,5,7
gender,male,5,7
age,16-29,3,5
age,30-49,3,5
age,50+,3,5
area,urban,5,8
area,rural,4,7
"""

PoolFactory = Callable[..., list[dict[str, str]]]


def _make_pool(size: int = 80, seed: int = 42, household_size: int = 1) -> list[dict[str, str]]:
    """A pool with an id, a name, three features and a household key."""
    rng = random.Random(seed)
    return [
        {
            "id": f"p{i:03d}",
            "name": f"Person {i}",
            "gender": rng.choice(["female", "male"]),
            "age": rng.choices(["16-29", "30-49", "50+"], weights=[40, 35, 25])[0],
            "area": rng.choices(["urban", "rural"], weights=[60, 40])[0],
            "household": f"h{i // household_size}",
        }
        for i in range(size)
    ]


def _to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def make_pool() -> PoolFactory:
    return _make_pool


@pytest.fixture(scope="session")
def to_csv() -> Callable[[list[dict[str, str]]], str]:
    return _to_csv


@pytest.fixture(scope="session")
def quotas_csv() -> str:
    return QUOTAS_CSV


@pytest.fixture(scope="session")
def pool_rows() -> list[dict[str, str]]:
    return _make_pool()


@pytest.fixture(scope="session")
def drawn(pool_rows: list[dict[str, str]]) -> SelectionResult:
    """Panel of 12 from 80 with maximin, seed 7."""
    return draw_panel(_to_csv(pool_rows), QUOTAS_CSV, 12, seed=7)
