"""The BLT ballot format that STV counting programs read (OpenSTV, Droop, the ERS programs).

A BLT file is::

    4 2                 candidates and seats
    -3                  withdrawn candidates, negative (optional line)
    1 1 2 0             a ballot: its weight, candidate numbers best first, then 0
    3 2 0               (weight 3: three identical ballots)
    0                   end of ballots
    "Free buses"        one quoted name per candidate, in number order
    "More benches"
    "Longer opening hours"
    "A new library"
    "Harbour assembly"  the title

Candidates are numbered from 1. The format has no escape for a double quote inside a name, so
the writer turns one into a single quote and line breaks into spaces. Written by hand: it is
a few lines of text, and no maintained Python package reads and writes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction


class BltError(ValueError):
    """The text is not a BLT file this reader understands; the message says where."""


def quote(name: str) -> str:
    clean = " ".join(str(name).replace('"', "'").split())
    return f'"{clean}"'


def header_line(candidates: int, seats: int) -> str:
    return f"{candidates} {seats}\n"


def withdrawn_line(numbers: Sequence[int]) -> str:
    return " ".join(f"-{n}" for n in numbers) + "\n" if numbers else ""


def ballot_line(numbers: Iterable[int], weight: int = 1) -> str:
    """One ballot: its weight, the candidate numbers (from 1) best first, then 0."""
    return " ".join([str(weight), *(str(n) for n in numbers), "0"]) + "\n"


def footer_lines(names: Sequence[str], title: str) -> str:
    return "0\n" + "".join(quote(name) + "\n" for name in names) + quote(title) + "\n"


def write_blt(
    options: Sequence[str],
    seats: int,
    ballots: Iterable[Sequence[str]],
    *,
    names: Mapping[str, str] | None = None,
    title: str = "",
    withdrawn: Sequence[str] = (),
) -> Iterator[str]:
    """The BLT text of ranked ballots over ``options``, line by line (streamable).

    ``ballots`` are lists of option ids, best first; ``names`` gives each option's
    candidate name (the id itself when missing).
    """
    number = {option: i for i, option in enumerate(options, start=1)}
    yield header_line(len(options), seats)
    if withdrawn:
        yield withdrawn_line([number[o] for o in withdrawn])
    for ballot in ballots:
        try:
            yield ballot_line(number[o] for o in ballot)
        except KeyError as error:
            raise BltError(f"a ballot names {error.args[0]!r}, which is not a candidate") from None
    yield footer_lines([(names or {}).get(o, o) for o in options], title)


@dataclass
class BltElection:
    """What a BLT file says: candidate names, seats, weighted ballots and the title."""

    candidates: list[str]
    seats: int
    ballots: list[tuple[int | Fraction, list[int]]] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    title: str = ""

    def rankings(self) -> Iterator[list[str]]:
        """Every ballot as a list of candidate names, repeated by its (whole) weight."""
        for weight, numbers in self.ballots:
            if weight != int(weight):
                raise BltError("ballots with fractional weights cannot be expanded one by one")
            ranking = [self.candidates[n - 1] for n in numbers]
            for _ in range(int(weight)):
                yield list(ranking)

    @property
    def ballot_count(self) -> int | Fraction:
        return sum((weight for weight, _numbers in self.ballots), 0)


_TOKEN = re.compile(r'"([^"]*)"|(\S+)')


def _tokens(text: str) -> list[tuple[int, str, bool]]:
    """(line number, token, was quoted), with # comments outside quotes removed."""
    found: list[tuple[int, str, bool]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _TOKEN.finditer(line):
            quoted, bare = match.group(1), match.group(2)
            if bare is not None and bare.startswith("#"):
                break
            found.append((number, quoted if quoted is not None else bare, quoted is not None))
    return found


def _integer(token: tuple[int, str, bool], what: str) -> int:
    line, text, quoted = token
    if quoted:
        raise BltError(f"line {line}: expected {what}, found a quoted name")
    try:
        return int(text)
    except ValueError:
        raise BltError(f"line {line}: expected {what}, not {text!r}") from None


def _weight(token: tuple[int, str, bool]) -> int | Fraction:
    line, text, quoted = token
    if quoted:
        raise BltError(f"line {line}: expected a ballot weight, found a quoted name")
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise BltError(f"line {line}: expected a ballot weight, not {text!r}") from None
    if value < 0:
        raise BltError(f"line {line}: a ballot weight cannot be negative")
    return int(value) if value.denominator == 1 else value


def read_blt(text: str) -> BltElection:
    """Read a BLT file; raises :class:`BltError` naming the line of the first problem."""
    tokens = _tokens(text)
    if len(tokens) < 2:
        raise BltError("the file is empty or lacks the line with candidates and seats")
    count = _integer(tokens[0], "the number of candidates")
    seats = _integer(tokens[1], "the number of seats")
    if count < 1 or seats < 1:
        raise BltError(f"line {tokens[0][0]}: candidates and seats must be at least 1")
    position = 2
    withdrawn: list[int] = []
    while (
        position < len(tokens) and tokens[position][1].startswith("-") and not tokens[position][2]
    ):
        number = -_integer(tokens[position], "a withdrawn candidate")
        if not 1 <= number <= count:
            raise BltError(f"line {tokens[position][0]}: no candidate {number} to withdraw")
        withdrawn.append(number)
        position += 1
    election = BltElection(candidates=[], seats=seats, withdrawn=withdrawn)
    while True:
        if position >= len(tokens):
            raise BltError("the ballots do not end with a line holding 0")
        token = tokens[position]
        if token[1].startswith("(") and not token[2]:  # an optional ballot id, e.g. (a12)
            position += 1
            continue
        weight = _weight(token)
        position += 1
        if weight == 0 and (position >= len(tokens) or tokens[position][2]):
            break
        numbers: list[int] = []
        while True:
            if position >= len(tokens):
                raise BltError(f"line {token[0]}: the ballot does not end with 0")
            line, item, quoted = tokens[position]
            position += 1
            if "=" in item and not quoted:
                raise BltError(f"line {line}: equal rankings ({item}) are not supported")
            number = _integer((line, item, quoted), "a candidate number")
            if number == 0:
                break
            if not 1 <= number <= count:
                raise BltError(f"line {line}: there is no candidate {number}")
            if number in numbers:
                raise BltError(f"line {line}: candidate {number} is ranked twice")
            numbers.append(number)
        election.ballots.append((weight, numbers))
    names = tokens[position : position + count]
    if len(names) < count or not all(quoted for _line, _text, quoted in names):
        raise BltError(f"expected {count} quoted candidate names after the ballots")
    election.candidates = [name for _line, name, _quoted in names]
    rest = tokens[position + count :]
    if rest:
        election.title = rest[0][1]
    return election
