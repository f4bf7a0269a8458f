"""A readable word-level difference between a clause before and after an amendment.

The standard library's ``difflib.SequenceMatcher`` finds the longest matching runs of any
sequence; fed words (and punctuation, and the spaces between them) instead of characters, it
gives a word-level diff directly. That is all a reader needs, so no diff library is used: the
character-level ones (diff-match-patch) would need their results regrouped into words, and the
line-level ones know nothing finer than a line.

Pure: no database, no web.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

# A word (letters and digits, with inner apostrophes and hyphens), a space run, or one mark.
_TOKEN = re.compile(r"\w+(?:['’-]\w+)*|\s+|[^\w\s]", re.UNICODE)

SAME, DELETED, INSERTED = "same", "deleted", "inserted"


@dataclass(frozen=True)
class Piece:
    kind: str  # same, deleted or inserted
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(before: str, after: str) -> list[Piece]:
    """``before`` turned into ``after`` as runs of kept, deleted and inserted text."""
    old, new = tokens(before), tokens(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    pieces: list[Piece] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add(SAME, "".join(old[i1:i2]))
            continue
        if op in ("delete", "replace"):
            add(DELETED, "".join(old[i1:i2]))
        if op in ("insert", "replace"):
            add(INSERTED, "".join(new[j1:j2]))
    return _tidy(pieces)


def _tidy(pieces: list[Piece]) -> list[Piece]:
    """Fold a lone space between two changes into them, so "a b" → "c d" reads as one change,
    and within each run of changes put what was deleted before what was inserted."""
    result: list[Piece] = []
    run: list[Piece] = []

    def flush() -> None:
        for kind in (DELETED, INSERTED):
            text = "".join(p.text for p in run if p.kind == kind)
            if text:
                result.append(Piece(kind, text))
        run.clear()

    for index, piece in enumerate(pieces):
        lone_space = (
            piece.kind == SAME
            and not piece.text.strip()
            and 0 < index < len(pieces) - 1
            and pieces[index + 1].kind != SAME
            and bool(run)
        )
        if lone_space:
            run += [Piece(DELETED, piece.text), Piece(INSERTED, piece.text)]
        elif piece.kind == SAME:
            flush()
            result.append(piece)
        else:
            run.append(piece)
    flush()
    return result


def amendment_diff(kind: str, before: str, after: str) -> list[Piece]:
    """What an amendment does to its clause: a replacement as a word diff, an inserted clause
    as all new text, a deleted clause as all removed."""
    if kind == "insert":
        return [Piece(INSERTED, after)] if after else []
    if kind == "delete":
        return [Piece(DELETED, before)] if before else []
    return word_diff(before, after)
