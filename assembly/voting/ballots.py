"""Ballot validation and reading.

Every ballot kind has a checker that raises :class:`InvalidBallot` with a plain-words
reason.  Ranked ballots are read into a compact profile: identical ballots are counted
once (a ``Counter`` of tuples) and the distinct ones become a NumPy array, which is what
makes counting 100,000 ballots fast.  The per-ballot Python checks only run to find and
name the first bad ballot once the vectorised checks have seen that one exists.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any

import numpy as np

from assembly.voting.errors import InvalidBallot


def _name(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _kind(value: object) -> str:
    return type(value).__name__


def as_list(ballots: Iterable[Any]) -> Sequence[Any]:
    """The ballots as a sequence (iterators are read once)."""
    if isinstance(ballots, list | tuple):
        return ballots
    if isinstance(ballots, str | bytes | Mapping):
        raise InvalidBallot(f"ballots must be a list of ballots, not a {_kind(ballots)}")
    return list(ballots)


def first_invalid(ballots: Sequence[Any], check: Any) -> InvalidBallot:
    """Run ``check`` over ballots in input order and return the first error, located."""
    for i, ballot in enumerate(ballots):
        try:
            check(ballot)
        except InvalidBallot as error:
            return error.at(i)
    raise AssertionError("a bad ballot was detected but not found")  # pragma: no cover


# --- checkers for one ballot --------------------------------------------------------------


def check_option_list(
    ballot: object, options: Mapping[str, int] | frozenset[str], verb: str
) -> None:
    """A list of distinct known option ids (a ranking or an approval ballot)."""
    if not isinstance(ballot, list | tuple):
        raise InvalidBallot(f"must be a list of option ids, not a {_kind(ballot)}")
    seen: set[str] = set()
    for option in ballot:
        if not isinstance(option, str):
            raise InvalidBallot(f"contains {_name(option)}, which is not an option id")
        if option not in options:
            raise InvalidBallot(f"names unknown option {_name(option)}")
        if option in seen:
            raise InvalidBallot(f"{verb} option {_name(option)} twice")
        seen.add(option)


def check_ranking(ballot: object, options: Mapping[str, int] | frozenset[str]) -> None:
    check_option_list(ballot, options, "ranks")


def check_approval(
    ballot: object, options: Mapping[str, int] | frozenset[str], max_approvals: int | None
) -> None:
    check_option_list(ballot, options, "approves")
    assert isinstance(ballot, list | tuple)
    if max_approvals is not None and len(ballot) > max_approvals:
        raise InvalidBallot(
            f"approves {len(ballot)} options; at most {max_approvals} may be approved"
        )


def check_mapping(ballot: object, options: Mapping[str, int] | frozenset[str]) -> dict[str, Any]:
    """A dict whose keys are known option ids."""
    if not isinstance(ballot, dict):
        raise InvalidBallot(f"must be a mapping of option id to value, not a {_kind(ballot)}")
    for option in ballot:
        if not isinstance(option, str):
            raise InvalidBallot(f"contains {_name(option)}, which is not an option id")
        if option not in options:
            raise InvalidBallot(f"names unknown option {_name(option)}")
    return ballot


def check_integers(
    ballot: object,
    options: Mapping[str, int] | frozenset[str],
    low: int | None,
    high: int | None,
    what: str,
) -> dict[str, int]:
    """A dict option -> whole number within [low, high] (None: unbounded)."""
    values = check_mapping(ballot, options)
    for option, value in values.items():
        amount = f"the {what} {value!r}" if what in ("score", "grade") else f"{value!r} {what}"
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidBallot(
                f"gives option {_name(option)} {amount}, which is not a whole number"
            )
        if (low is not None and value < low) or (high is not None and value > high):
            if low is None:
                bound = f"at most {high}"
            elif high is None:
                bound = f"at least {low}"
            else:
                bound = f"between {low} and {high}"
            raise InvalidBallot(f"gives option {_name(option)} {amount}; it must be {bound}")
    return values


def check_choices(
    ballot: object, options: Mapping[str, int] | frozenset[str], choices: Sequence[str]
) -> dict[str, str]:
    """A dict option -> one of ``choices``."""
    values = check_mapping(ballot, options)
    for option, value in values.items():
        if value not in choices or not isinstance(value, str):
            allowed = ", ".join(f"'{c}'" for c in choices)
            raise InvalidBallot(
                f"answers {value!r} for option {_name(option)}; the answer must be one of {allowed}"
            )
    return values


# --- ranked profiles ----------------------------------------------------------------------


@dataclass
class RankedProfile:
    """Distinct rankings as rows of option indices (padded with -1) and their counts."""

    options: list[str]
    rows: np.ndarray  # (k, L) int64, option index per position, -1 after the end
    lengths: np.ndarray  # (k,) int64
    counts: np.ndarray  # (k,) int64
    total: int  # number of ballots, blank ones included

    @property
    def blank(self) -> int:
        return int(self.counts[self.lengths == 0].sum())

    @cached_property
    def positions(self) -> np.ndarray:
        """(k, n) position of each option in each row; n for an option left unranked."""
        k, n = len(self.counts), len(self.options)
        dtype = np.int8 if n < 127 else np.int32
        pos = np.full((k, n), n, dtype=dtype)
        if not self.rows.size:
            return pos
        width = self.rows.shape[1]
        if (self.lengths == width).all():
            pos[np.arange(k)[:, None], self.rows] = np.arange(width, dtype=dtype)
        else:
            r, c = np.nonzero(self.rows >= 0)
            pos[r, self.rows[r, c]] = c
        return pos


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: building 100,000 tuples would otherwise trigger
    full collections that scan every ballot, for no garbage (tuples of strings hold no
    cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _mostly_distinct(ballots: Sequence[Any], sample: int = 1000) -> bool:
    """Whether an evenly spread sample of many ballots has (almost) no repeats."""
    if len(ballots) < 4 * sample:
        return False
    picked = ballots[:: len(ballots) // sample]
    return len(set(map(tuple, picked))) >= 0.95 * len(picked)


def read_rankings(options: Sequence[str], ballots: Iterable[Any]) -> RankedProfile:
    """Validate and aggregate ranked ballots (lists of option ids, best first, partial
    allowed) into a :class:`RankedProfile`."""
    ballots = as_list(ballots)
    index = {option: i for i, option in enumerate(options)}

    def check(ballot: object) -> None:
        check_ranking(ballot, index)

    if not all(isinstance(b, list | tuple) for b in ballots):
        raise first_invalid(ballots, check)
    try:
        with _no_gc():
            keys: Sequence[Sequence[Any]]
            if _mostly_distinct(ballots):  # counting them together would save nothing
                keys = ballots
                counts = np.ones(len(keys), dtype=np.int64)
            else:
                counter = Counter(map(tuple, ballots))
                keys = list(counter)
                counts = np.fromiter(counter.values(), dtype=np.int64, count=len(keys))
            flat = np.fromiter(map(index.__getitem__, chain.from_iterable(keys)), dtype=np.int64)
    except (KeyError, TypeError):
        raise first_invalid(ballots, check) from None
    k = len(keys)
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=k)
    width = int(lengths.max()) if k else 0
    if flat.size == k * width:  # every ballot ranks the same number of options
        rows = flat.reshape(k, width)
    else:
        rows = np.full((k, width), -1, dtype=np.int64)
        row_ids = np.repeat(np.arange(k), lengths)
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(flat.size) - np.repeat(starts, lengths)
        rows[row_ids, cols] = flat
    if width > 1:
        ordered = np.sort(rows, axis=1)
        if ((ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)).any():
            raise first_invalid(ballots, check)
    return RankedProfile(
        options=list(options),
        rows=rows,
        lengths=lengths,
        counts=counts,
        total=int(counts.sum()),
    )
