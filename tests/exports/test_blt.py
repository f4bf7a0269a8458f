"""The BLT ballot format: writing, reading and round trips."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assembly.exports.blt import BltError, read_blt, write_blt

OPTIONS = ["11", "12", "13", "14"]
NAMES = {"11": 'The "free" bus', "12": "Bike\nlanes", "13": "Car-free centre", "14": "Ferry"}


def test_layout_of_a_written_file() -> None:
    text = "".join(
        write_blt(OPTIONS, 2, [["13", "11"], [], ["12"]], names=NAMES, title="Transport")
    )
    assert text == (
        "4 2\n"
        "1 3 1 0\n"
        "1 0\n"
        "1 2 0\n"
        "0\n"
        "\"The 'free' bus\"\n"
        '"Bike lanes"\n'
        '"Car-free centre"\n'
        '"Ferry"\n'
        '"Transport"\n'
    )


def test_withdrawn_candidates_are_written_and_read() -> None:
    text = "".join(write_blt(OPTIONS, 1, [["11"]], withdrawn=["14"], title="T"))
    assert text.splitlines()[1] == "-4"
    assert read_blt(text).withdrawn == [4]


def test_reads_weights_comments_ids_and_names() -> None:
    election = read_blt(
        "3 1  # three candidates, one seat\n"
        "(a1) 4 1 2 0\n"
        "1.5 3 0\n"
        "2 0\n"
        "0\n"
        '"Ann" "Bob"\n'
        '"Cy Young"\n'
        '"An election"\n'
    )
    assert election.candidates == ["Ann", "Bob", "Cy Young"]
    assert election.seats == 1
    assert election.ballots == [(4, [1, 2]), (Fraction(3, 2), [3]), (2, [])]
    assert election.title == "An election"
    assert election.ballot_count == Fraction(15, 2)
    with pytest.raises(BltError, match="fractional"):
        list(election.rankings())


def test_rankings_expand_weights_into_names() -> None:
    election = read_blt('2 1\n2 2 1 0\n0\n"A"\n"B"\n"T"\n')
    assert list(election.rankings()) == [["B", "A"], ["B", "A"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("x 1\n", "number of candidates"),
        ('2 1\n1 3 0\n0\n"A"\n"B"\n', "no candidate 3"),
        ('2 1\n1 1 1 0\n0\n"A"\n"B"\n', "ranked twice"),
        ('2 1\n1 1=2 0\n0\n"A"\n"B"\n', "equal rankings"),
        ("2 1\n1 1 2\n", "does not end with 0"),
        ("2 1\n1 1 0\n", "do not end"),
        ('2 1\n1 1 0\n0\n"A"\n', "2 quoted candidate names"),
        ('2 1\n-3\n0\n"A"\n"B"\n', "no candidate 3 to withdraw"),
        ('2 1\n1 1 0\n-2 1 0\n0\n"A"\n"B"\n', "cannot be negative"),
        ('2 1\nx 1 0\n0\n"A"\n"B"\n', "expected a ballot weight"),
        ("0 1\n0\n", "at least 1"),
    ],
)
def test_bad_files_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(BltError, match=message):
        read_blt(text)


def test_unknown_option_in_a_ballot_is_refused() -> None:
    with pytest.raises(BltError, match="not a candidate"):
        list(write_blt(OPTIONS, 1, [["99"]]))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.permutations(OPTIONS).flatmap(lambda p: st.integers(0, 4).map(lambda n: list(p[:n]))),
        max_size=30,
    ),
    st.integers(1, 4),
)
def test_round_trip(ballots: list[list[str]], seats: int) -> None:
    text = "".join(write_blt(OPTIONS, seats, ballots, names=NAMES, title="Round trip"))
    election = read_blt(text)
    assert election.seats == seats
    assert election.title == "Round trip"
    by_name = {name: option for option, name in zip(OPTIONS, election.candidates, strict=True)}
    assert [[by_name[n] for n in ranking] for ranking in election.rankings()] == ballots
