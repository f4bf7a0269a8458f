"""Worked examples shared by the voting tests, recreated from their published descriptions."""

from __future__ import annotations

import pytest

MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE_OPTIONS = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]

# Wikipedia's Tennessee capital example: each group of voters ranks the cities by distance.
TENNESSEE_GROUPS = [
    ([MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE], 42),
    ([NASHVILLE, CHATTANOOGA, KNOXVILLE, MEMPHIS], 26),
    ([CHATTANOOGA, KNOXVILLE, NASHVILLE, MEMPHIS], 15),
    ([KNOXVILLE, CHATTANOOGA, NASHVILLE, MEMPHIS], 17),
]


def tennessee() -> list[list[str]]:
    return [list(ranking) for ranking, count in TENNESSEE_GROUPS for _ in range(count)]


# Wikipedia's Schulze method example: 45 voters, 5 candidates.
SCHULZE_GROUPS = [
    ("ACBED", 5),
    ("ADECB", 5),
    ("BEDAC", 8),
    ("CABED", 3),
    ("CAEBD", 7),
    ("CBADE", 2),
    ("DCEBA", 7),
    ("EBADC", 8),
]


def schulze_example() -> list[list[str]]:
    return [list(ranking) for ranking, count in SCHULZE_GROUPS for _ in range(count)]


# Wikipedia's single transferable vote example: a party chooses 3 foods, 20 voters.
FOODS = ["Oranges", "Pears", "Chocolate", "Strawberries", "Sweets"]
FOOD_GROUPS = [
    (["Oranges"], 4),
    (["Pears", "Oranges"], 2),
    (["Chocolate", "Strawberries"], 8),
    (["Chocolate", "Sweets"], 4),
    (["Strawberries"], 1),
    (["Sweets"], 1),
]


def food_example() -> list[list[str]]:
    return [list(ranking) for ranking, count in FOOD_GROUPS for _ in range(count)]


@pytest.fixture
def tennessee_ballots() -> list[list[str]]:
    return tennessee()


@pytest.fixture
def schulze_ballots() -> list[list[str]]:
    return schulze_example()


@pytest.fixture
def food_ballots() -> list[list[str]]:
    return food_example()
