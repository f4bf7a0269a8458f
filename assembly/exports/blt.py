"""The BLT ballot format that STV counting programs read (OpenSTV, Droop, OpenTally, ERS).

A BLT file is::

    4 2                 candidates and seats
    -3                  withdrawn candidates, negative (optional line)
    [tie 2 1 4 3]       optional lines in brackets (see below)
    1 1 2 0             a ballot: its weight, candidate numbers best first, then 0
    3 2 0               (weight 3: three identical ballots)
    0                   end of ballots
    "Free buses"        one quoted name per candidate, in number order
    "More benches"
    "Longer opening hours"
    "A new library"
    "Harbour assembly"  the title

Candidates are numbered from 1. The format has no escape for a double quote inside a name.
The writer keeps every name exactly: a name without a double quote, a backslash or a line
break is written as it is (runs of spaces and non-ASCII letters included), so every BLT
program reads it; only a name holding one of those three is written with backslash escapes
(``\\"``, ``\\\\``, ``\\n``, ``\\r``), which this reader decodes.

The reader accepts what real files carry besides the ballots:

- comments: ``#`` to the end of the line, ``/* ... */``; a byte-order mark; any line ends;
- ballot ids in parentheses before a ballot, ``(a12) 1 3 2 0``; fractional weights;
- withdrawn candidates as the classic ``-N`` line or as ``[withdrawn 2 4]``;
- ``[tie 3 1 2]``: the order in which ties are broken, earlier favoured;
- ``[nick a b c]``: short names that ballots, ``[withdrawn]`` and ``[tie]`` may use instead of
  numbers; other bracket lines (``[droop ...]``, ``[title ...]``) are kept and reported;
- names without quotes, one per line; a missing title; fields after the title (a source and
  a comment, as some programs write them).

Equal rankings (``1=2``) are refused: the counts here take strict rankings only.

Written by hand: it is a few lines of text, and no maintained Python package reads and
writes it with these extensions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


class BltError(ValueError):
    """The text is not a BLT file this reader understands; the message says where."""


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\r]')


def quote(name: str) -> str:
    """A name in double quotes, kept exactly (escaped only where the format needs it)."""
    text = str(name)
    if _NEEDS_ESCAPE.search(text):
        text = "".join(_ESCAPES.get(c, c) for c in text)
    return f'"{text}"'


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
    """What a BLT file says: candidate names, seats, weighted ballots, title and options."""

    candidates: list[str]
    seats: int
    ballots: list[tuple[int | Fraction, list[int]]] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)
    """Numbers (from 1) of the candidates withdrawn before the count."""
    title: str = ""
    tie_order: list[int] | None = None
    """Numbers of all candidates in tie-breaking order, most favoured first ([tie])."""
    nicknames: list[str] | None = None
    other_options: list[str] = field(default_factory=list)
    """Bracket lines this reader does not apply, as written (e.g. ``[droop rule=meek]``)."""
    trailing: list[str] = field(default_factory=list)
    """Fields after the title (a source and a comment, in some programs' files)."""

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

    def option_ids(self) -> list[str]:
        """Option ids for a count: the names when they are distinct and not empty, else
        the numbers ("1", "2", ...)."""
        names = self.candidates
        if all(names) and len(set(names)) == len(names):
            return list(names)
        return [str(i) for i in range(1, len(names) + 1)]

    def count_input(self) -> tuple[list[str], list[list[str]], dict[str, Any]]:
        """Options, ballots and the STV parameters the file fixes (withdrawn, tie order)."""
        options = self.option_ids()
        ballots = [
            [options[n - 1] for n in numbers]
            for weight, numbers in self.ballots
            for _ in range(_whole_weight(weight))
        ]
        params: dict[str, Any] = {}
        if self.withdrawn:
            params["withdrawn"] = [options[n - 1] for n in self.withdrawn]
        if self.tie_order:
            params["tie_order"] = [options[n - 1] for n in self.tie_order]
        return options, ballots, params

    def describe(self, options: Sequence[str] | None = None) -> dict[str, Any]:
        """What the file said besides the ballots, for a count's explanation."""
        ids = list(options) if options is not None else self.option_ids()
        return {
            "format": "BLT",
            "title": self.title,
            "candidates": len(self.candidates),
            "seats": self.seats,
            "ballot_lines": len(self.ballots),
            "ballots": _number(self.ballot_count),
            "withdrawn": [ids[n - 1] for n in self.withdrawn],
            "tie_order": [ids[n - 1] for n in self.tie_order] if self.tie_order else None,
            "nicknames": list(self.nicknames) if self.nicknames else None,
            "options_not_applied": list(self.other_options),
            "after_title": list(self.trailing),
        }


def _whole_weight(weight: int | Fraction) -> int:
    if weight != int(weight):
        raise BltError("ballots with fractional weights cannot be counted one by one")
    return int(weight)


def _number(value: int | Fraction) -> int | float:
    return int(value) if value == int(value) else float(value)


# --------------------------------------------------------------------------- reading

_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"|"([^"\n]*)"')
_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPED = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}


@dataclass
class _Token:
    line: int
    text: str
    quoted: bool
    line_text: str = ""


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(0)), text)


def _strip_block_comments(text: str) -> str:
    """Remove /* ... */ comments outside quotes, keeping line breaks (for line numbers)."""
    if "/*" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    in_quote = False
    while i < n:
        c = text[i]
        if in_quote:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c in '"\n':
                in_quote = False
            i += 1
        elif c == '"':
            in_quote = True
            out.append(c)
            i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise BltError("a /* comment is never closed")
            out.append("\n" * text.count("\n", i, end))
            i = end + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _tokens(text: str) -> tuple[list[_Token], list[str]]:
    """Tokens (line number, text, was quoted) with comments removed, and the lines."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # Split at line feeds only: a name may hold other separators (U+2028, form feed).
    lines = _strip_block_comments(text).split("\n")
    found: list[_Token] = []
    for number, line in enumerate(lines, start=1):
        position = 0
        while position < len(line):
            char = line[position]
            if char.isspace():
                position += 1
                continue
            if char == "#":
                break
            if char == '"':
                match = _QUOTED.match(line, position)
                if match is None:
                    raise BltError(f"line {number}: a quoted name is not closed")
                escaped, plain = match.group(1), match.group(2)
                value = plain if escaped is None else _unescape(escaped)
                found.append(_Token(number, value, True, line))
                position = match.end()
                continue
            end = position
            while end < len(line) and not line[end].isspace() and line[end] not in '"#':
                end += 1
            found.append(_Token(number, line[position:end], False, line))
            position = end
    return found, lines


def _integer(token: _Token, what: str) -> int:
    if token.quoted:
        raise BltError(f"line {token.line}: expected {what}, found a quoted name")
    try:
        return int(token.text)
    except ValueError:
        raise BltError(f"line {token.line}: expected {what}, not {token.text!r}") from None


def _weight(token: _Token) -> int | Fraction:
    if token.quoted:
        raise BltError(f"line {token.line}: expected a ballot weight, found a quoted name")
    try:
        value = Fraction(token.text)
    except (ValueError, ZeroDivisionError):
        raise BltError(f"line {token.line}: expected a ballot weight, not {token.text!r}") from None
    if value < 0:
        raise BltError(f"line {token.line}: a ballot weight cannot be negative")
    return int(value) if value.denominator == 1 else value


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens, self.lines = _tokens(text)
        self.position = 0
        self.count = 0
        self.nicknames: dict[str, int] = {}
        self.withdrawn: list[int] = []
        self.tie_order: list[int] | None = None
        self.nick_list: list[str] | None = None
        self.other_options: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self, missing: str) -> _Token:
        token = self.peek()
        if token is None:
            raise BltError(missing)
        self.position += 1
        return token

    def candidate(self, token: _Token, what: str = "a candidate number") -> int:
        """A candidate number (1..count) from a number or a nickname."""
        if not token.quoted and token.text in self.nicknames:
            return self.nicknames[token.text]
        number = _integer(token, what)
        if not 1 <= number <= self.count:
            raise BltError(f"line {token.line}: there is no candidate {number}")
        return number

    def bracket_option(self) -> None:
        """A ``[keyword ...]`` line: applied when known, kept as text otherwise."""
        start = self.next("unexpected end")
        words: list[_Token] = []
        first = start.text[1:]
        closed = first.endswith("]")
        if closed:
            first = first[:-1]
        keyword = first
        while not closed:
            token = self.next(f"line {start.line}: the [{keyword} ...] line is never closed")
            text = token.text
            if not token.quoted and text.endswith("]"):
                closed = True
                text = text[:-1]
                if not text:
                    break
            words.append(_Token(token.line, text, token.quoted))
        keyword = keyword.lower()
        if keyword == "nick":
            self.nick_list = [w.text for w in words]
            if len(self.nick_list) != self.count:
                raise BltError(f"line {start.line}: [nick] needs one short name per candidate")
            self.nicknames = {name: i for i, name in enumerate(self.nick_list, start=1)}
        elif keyword == "withdrawn":
            for word in words:
                number = self.candidate(word, "a withdrawn candidate")
                if number not in self.withdrawn:
                    self.withdrawn.append(number)
        elif keyword == "tie":
            order = [self.candidate(word) for word in words]
            if sorted(order) != list(range(1, self.count + 1)):
                raise BltError(f"line {start.line}: [tie] must list every candidate exactly once")
            self.tie_order = order
        else:
            shown = " ".join([f"[{keyword}", *(w.text for w in words)]).strip() + "]"
            self.other_options.append(shown)

    def options_here(self) -> None:
        while (token := self.peek()) is not None and not token.quoted:
            if token.text.startswith("["):
                self.bracket_option()
            elif token.text.startswith("-") and token.text[1:].isdigit():
                self.position += 1
                number = int(token.text[1:])
                if not 1 <= number <= self.count:
                    raise BltError(f"line {token.line}: no candidate {number} to withdraw")
                if number not in self.withdrawn:
                    self.withdrawn.append(number)
            else:
                break

    def ballots(self) -> list[tuple[int | Fraction, list[int]]]:
        ballots: list[tuple[int | Fraction, list[int]]] = []
        while True:
            token = self.next("the ballots do not end with a line holding 0")
            if not token.quoted and token.text.startswith("("):  # a ballot id, e.g. (a12)
                while not token.text.endswith(")"):
                    token = self.next(f"line {token.line}: a ballot id is not closed")
                continue
            weight = _weight(token)
            following = self.peek()
            if weight == 0 and (
                following is None or following.quoted or following.line != token.line
            ):
                return ballots
            numbers: list[int] = []
            while True:
                item = self.next(f"line {token.line}: the ballot does not end with 0")
                if "=" in item.text and not item.quoted:
                    raise BltError(
                        f"line {item.line}: equal rankings ({item.text}) are not supported"
                    )
                if item.text == "-" and not item.quoted:  # a skipped ranking
                    continue
                if item.text == "0" and not item.quoted:
                    break
                number = self.candidate(item)
                if number in numbers:
                    raise BltError(f"line {item.line}: candidate {number} is ranked twice")
                numbers.append(number)
            ballots.append((weight, numbers))

    def names(self, after_line: int) -> tuple[list[str], list[str]]:
        """The candidate names and whatever follows them (the title, then other fields)."""
        token = self.peek()
        if token is not None and token.quoted:
            names = []
            for i in range(self.count):
                name = self.next(f"expected {self.count} quoted candidate names after the ballots")
                if not name.quoted:
                    raise BltError(
                        f"line {name.line}: expected {self.count} quoted candidate names after "
                        f"the ballots, found {name.text!r} as name {i + 1}"
                    )
                names.append(name.text)
            rest: list[str] = []
            while (token := self.peek()) is not None:
                if not token.quoted and token.text.startswith("["):
                    self.bracket_option()
                    continue
                self.position += 1
                rest.append(token.text if token.quoted else self._rest_of_line(token))
            return names, rest
        # Names without quotes: one per line.
        lines = [
            _without_comment(line).strip()
            for line in self.lines[after_line:]
            if _without_comment(line).strip()
        ]
        if len(lines) < self.count:
            raise BltError(f"expected {self.count} quoted candidate names after the ballots")
        self.position = len(self.tokens)
        # A quoted title (or name) among unquoted ones loses its quotes.
        lines = [
            _unescape(line[1:-1]) if len(line) > 1 and line[0] == line[-1] == '"' else line
            for line in lines
        ]
        return lines[: self.count], lines[self.count :]

    def _rest_of_line(self, token: _Token) -> str:
        """An unquoted field: the rest of its line, as written."""
        text = _without_comment(token.line_text)
        start = text.find(token.text)
        while (following := self.peek()) is not None and following.line == token.line:
            self.position += 1
        return text[start:].strip()


def _without_comment(line: str) -> str:
    """A line of unquoted names: only a whole-line comment is dropped (names may hold #)."""
    return "" if line.lstrip().startswith("#") else line


def read_blt(text: str) -> BltElection:
    """Read a BLT file; raises :class:`BltError` naming the line of the first problem."""
    reader = _Reader(text)
    if len(reader.tokens) < 2:
        raise BltError("the file is empty or lacks the line with candidates and seats")
    first = reader.next("")
    count = _integer(first, "the number of candidates")
    seats = _integer(reader.next(""), "the number of seats")
    if count < 1 or seats < 1:
        raise BltError(f"line {first.line}: candidates and seats must be at least 1")
    reader.count = count
    reader.options_here()
    ballots = reader.ballots()
    end_line = reader.tokens[reader.position - 1].line
    names, rest = reader.names(end_line)
    return BltElection(
        candidates=names,
        seats=seats,
        ballots=ballots,
        withdrawn=reader.withdrawn,
        title=rest[0] if rest else "",
        tie_order=reader.tie_order,
        nicknames=reader.nick_list,
        other_options=reader.other_options,
        trailing=rest[1:],
    )
