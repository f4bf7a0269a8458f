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
        '"The \\"free\\" bus"\n'
        '"Bike\\nlanes"\n'
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


# --------------------------------------------------------------------------- names kept exactly

UNUSUAL = [
    "Ann  Lee",  # a run of spaces
    ' "Quoted" lead',
    "Back\\slash\\",
    "Øystein Ærø-Ødegård",
    "Line\nbreak\r\nand\ttab",
    "# not a comment",
    'Ends with a quote"',
    "ダニエル",
]


def test_unusual_names_and_withdrawn_candidates_survive_a_round_trip() -> None:
    options = [f"o{i}" for i in range(len(UNUSUAL))]
    names = dict(zip(options, UNUSUAL, strict=True))
    ballots = [["o0", "o3", "o7"], ["o1"], [], ["o7", "o6", "o5", "o4", "o2"], ["o3"]] * 3
    text = "".join(
        write_blt(
            options, 3, ballots, names=names, title='A "tricky" \\ title', withdrawn=["o3", "o6"]
        )
    )
    election = read_blt(text)
    assert election.candidates == UNUSUAL
    assert election.title == 'A "tricky" \\ title'
    assert election.withdrawn == [4, 7]
    assert list(election.rankings()) == [[names[o] for o in b] for b in ballots]
    # Names without a quote, a backslash or a line break are written as they are.
    assert '"Ann  Lee"\n' in text
    assert '"Øystein Ærø-Ødegård"\n' in text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(max_size=12), min_size=2, max_size=5),
    st.data(),
)
def test_any_names_survive_a_round_trip(names: list[str], data: st.DataObject) -> None:
    options = [str(i) for i in range(len(names))]
    ballots = data.draw(
        st.lists(
            st.permutations(options).flatmap(
                lambda p: st.integers(0, len(p)).map(lambda n: list(p[:n]))
            ),
            max_size=8,
        )
    )
    withdrawn = data.draw(st.lists(st.sampled_from(options), unique=True, max_size=1))
    title = data.draw(st.text(max_size=12))
    text = "".join(
        write_blt(
            options,
            1,
            ballots,
            names=dict(zip(options, names, strict=True)),
            title=title,
            withdrawn=withdrawn,
        )
    )
    election = read_blt(text)
    assert election.candidates == names
    assert election.title == title
    assert election.withdrawn == [int(o) + 1 for o in withdrawn]
    assert [[str(n - 1) for n in numbers] for _, numbers in election.ballots] == ballots


# --------------------------------------------------------------------------- real-world lines

DROOP_STYLE = (
    "\ufeff4 2  # four candidates, two seats\r\n"
    "[nick an bo cy di]\r\n"
    "[withdrawn di]\r\n"
    "[tie cy an bo di]\r\n"
    "[droop rule=meek precision=8]\r\n"
    "/* ballots\r\n   follow */\r\n"
    "(b1) 3 an cy 0\r\n"
    "2 bo - an 0\r\n"
    "1 di bo 0\r\n"
    "0\r\n"
    '"Ann" "Bo" "Cy"\r\n'
    '"Di"\r\n'
    '"Harbour ward" "the returning officer" "a test file"\r\n'
)


def test_optional_lines_are_read_and_applied() -> None:
    election = read_blt(DROOP_STYLE)
    assert election.candidates == ["Ann", "Bo", "Cy", "Di"]
    assert election.nicknames == ["an", "bo", "cy", "di"]
    assert election.withdrawn == [4]
    assert election.tie_order == [3, 1, 2, 4]
    assert election.other_options == ["[droop rule=meek precision=8]"]
    assert election.ballots == [(3, [1, 3]), (2, [2, 1]), (1, [4, 2])]
    assert election.title == "Harbour ward"
    assert election.trailing == ["the returning officer", "a test file"]
    options, ballots, params = election.count_input()
    assert options == ["Ann", "Bo", "Cy", "Di"]
    assert params == {"withdrawn": ["Di"], "tie_order": ["Cy", "Ann", "Bo", "Di"]}
    assert ballots.count(["Ann", "Cy"]) == 3
    described = election.describe()
    assert described["withdrawn"] == ["Di"]
    assert described["options_not_applied"] == ["[droop rule=meek precision=8]"]


def test_classic_withdrawn_line_and_unquoted_names() -> None:
    election = read_blt(
        '3 1\n-2\n4 1 2 0\n3 2 3 0\n2 3 0\n0\nCand A (Party A)\nCand B\nCand C (Ind)\n"Ward 7"\n'
    )
    assert election.candidates == ["Cand A (Party A)", "Cand B", "Cand C (Ind)"]
    assert election.title == "Ward 7"
    assert election.withdrawn == [2]


def test_duplicate_names_count_by_number() -> None:
    election = read_blt('2 1\n1 2 0\n0\n"Same"\n"Same"\n"T"\n')
    assert election.count_input()[0] == ["1", "2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('2 1\n[tie 1]\n1 1 0\n0\n"A"\n"B"\n', "every candidate exactly once"),
        ('2 1\n[nick a]\n1 1 0\n0\n"A"\n"B"\n', "one short name per candidate"),
        ('2 1\n[withdrawn 3]\n1 1 0\n0\n"A"\n"B"\n', "no candidate 3"),
        ("2 1\n[tie 1 2\n", "never closed"),
        ('2 1\n/* open\n1 1 0\n0\n"A"\n"B"\n', "never closed"),
        ('2 1\n1 1 0\n0\n"A\n', "not closed"),
    ],
)
def test_bad_optional_lines_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(BltError, match=message):
        read_blt(text)


# --------------------------------------------------------------------------- counting a file


def test_the_count_honours_a_withdrawal_read_from_the_file() -> None:
    from assembly.voting import tally

    names = {"a": "Ann  Lee", "b": 'Bo "the boat"', "c": "Cy Ødegård", "d": "Di\\Da"}
    ballots = [["a", "b"]] * 5 + [["b", "c"]] * 4 + [["c"]] * 3 + [["d", "c"]] * 6
    text = "".join(write_blt(list("abcd"), 2, ballots, names=names, title="T", withdrawn=["d"]))
    options, read_ballots, params = read_blt(text).count_input()
    assert options == list(names.values())
    result = tally("stv", options, read_ballots, seats=2, **params)
    assert "Di\\Da" not in result.winners
    assert result.explanation["withdrawn"] == ["Di\\Da"]
    # Without the withdrawal, d's six first preferences would elect it.
    assert "Di\\Da" in tally("stv", options, read_ballots, seats=2).winners
    # d's ballots move to c, as if d had not stood.
    assert result.winners == ["Cy Ødegård", "Ann  Lee"]
