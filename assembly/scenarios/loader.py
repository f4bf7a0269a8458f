"""Read scenario files, validate them, and point at the line of each problem.

``tomllib`` parses TOML but forgets where keys were, and msgspec reports a key path such as
``$.topics[0].voting_method``. To turn that path into a line number the module re-scans the
(already valid) TOML text with a small locator that records the line of every table header, key
and array element. No TOML library keeps source positions, hence the hand-written scan. YAML files
are read too when PyYAML is installed; their node marks give the lines directly.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Iterable
from datetime import date, datetime, time
from pathlib import Path as FilePath
from typing import Any

import msgspec

from assembly.scenarios.checks import validate
from assembly.scenarios.schema import (
    Issue,
    Path,
    Scenario,
    ScenarioError,
    decode,
)
from assembly.settings import PROJECT_ROOT

__all__ = [
    "ScenarioEntry",
    "ScenarioError",
    "find_scenarios_dir",
    "key_lines",
    "list_scenarios",
    "load_scenario",
    "load_scenario_text",
]

SUFFIXES = (".toml", ".yaml", ".yml")
SCENARIOS_DIR_NAME = "scenarios"


def find_scenarios_dir() -> FilePath:
    """The project's ``scenarios/`` directory, else one in the working directory."""
    for candidate in (PROJECT_ROOT / SCENARIOS_DIR_NAME, FilePath.cwd() / SCENARIOS_DIR_NAME):
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / SCENARIOS_DIR_NAME


class ScenarioEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One file in a scenarios directory, valid or not (for ``assembly scenario list``)."""

    path: str
    slug: str | None = None
    title: str | None = None
    language: str | None = None
    topics: int = 0
    methods: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def load_scenario(
    path: str | FilePath,
    *,
    known_practices: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
) -> Scenario:
    """Read, decode and validate one scenario file; raise :class:`ScenarioError` on any problem."""
    file = FilePath(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError([Issue((), f"cannot read the file: {error}")], file=str(file)) from None
    kind = "yaml" if file.suffix.lower() in {".yaml", ".yml"} else "toml"
    return load_scenario_text(
        text,
        file=str(file),
        kind=kind,
        known_practices=known_practices,
        known_areas=known_areas,
    )


def load_scenario_text(
    text: str,
    *,
    file: str = "<scenario>",
    kind: str = "toml",
    known_practices: Iterable[str] | None = None,
    known_areas: Iterable[str] | None = None,
) -> Scenario:
    """As :func:`load_scenario`, from text already read (``kind`` is ``"toml"`` or ``"yaml"``)."""
    data, lines = _parse(text, file, kind)
    plain = _plain(data)
    try:
        scenario = decode(plain)
    except msgspec.ValidationError as error:
        path, problem = _msgspec_issue(str(error), plain)
        raise ScenarioError([Issue(path, problem, _line(lines, path))], file=file) from None
    issues = validate(scenario, known_practices=known_practices, known_areas=known_areas)
    if issues:
        located = [Issue(i.path, i.problem, _line(lines, i.path)) for i in issues]
        raise ScenarioError(located, file=file)
    return scenario


def list_scenarios(directory: str | FilePath) -> list[ScenarioEntry]:
    """Every scenario file in ``directory`` (sorted by name), with its error when it fails."""
    entries: list[ScenarioEntry] = []
    folder = FilePath(directory)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    for file in files:
        if file.suffix.lower() != ".toml" and not _has_yaml():
            continue
        try:
            scenario = load_scenario(file)
        except ScenarioError as error:
            entries.append(ScenarioEntry(path=str(file), error=str(error)))
            continue
        entries.append(
            ScenarioEntry(
                path=str(file),
                slug=scenario.slug,
                title=scenario.title,
                language=scenario.assembly.language,
                topics=len(scenario.topics),
                methods=tuple(scenario.methods),
            )
        )
    return entries


# --- parsing ---------------------------------------------------------------------------------


def _has_yaml() -> bool:
    try:
        import yaml  # noqa: F401
    except ImportError:
        return False
    return True


def _parse(text: str, file: str, kind: str) -> tuple[Any, dict[Path, int]]:
    if kind == "yaml":
        return _parse_yaml(text, file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise ScenarioError([Issue((), f"invalid TOML: {problem}", line)], file=file) from None
    try:
        lines = key_lines(text)
    except (ValueError, IndexError, tomllib.TOMLDecodeError):
        lines = {}  # line numbers are a courtesy: never let the locator hide the real error
    return data, lines


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Path, int]]:
    try:
        import yaml
    except ImportError:
        raise ScenarioError([Issue((), "reading YAML needs PyYAML")], file=file) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ScenarioError([Issue((), f"invalid YAML: {error}", line)], file=file) from None
    lines: dict[Path, int] = {}

    def walk(current: Any, path: Path) -> None:
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(current, yaml.SequenceNode):
            for k, value in enumerate(current.value):
                lines[(*path, k)] = value.start_mark.line + 1
                walk(value, (*path, k))

    if node is not None:
        walk(node, ())
    return data, lines


def _plain(value: Any) -> Any:
    """Turn TOML/YAML dates and times into ISO strings: the format keeps times as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


# --- from msgspec's path to a line -----------------------------------------------------------

_AT = re.compile(r"^(.*?)(?: - at `\$(.*)`)?$", re.DOTALL)
_FIELD = re.compile(r"(?:unknown|missing required) field `([^`]+)`")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")


def _msgspec_issue(message: str, data: Any) -> tuple[Path, str]:
    """Split msgspec's message into a key path and a problem.

    msgspec writes ``[...]`` for a value inside a table (it does not keep the key). Such keys are
    found again by decoding the data with one entry of that table at a time and seeing which
    entry alone reproduces the error.
    """
    match = _AT.match(message)
    problem, where = (match.group(1), match.group(2) or "") if match else (message, "")
    parts: list[str | int | None] = []
    for name, index in _PATH_PART.findall(where):
        if name:
            parts.append(name)
        else:
            parts.append(None if index == "..." else int(index))
    if None in parts:
        parts = _pin_table_keys(data, parts, message)
    path: list[str | int] = []
    for part in parts:
        if part is None:
            break
        path.append(part)
    field = _FIELD.search(problem)
    if field and None not in parts:
        path.append(field.group(1))
    return tuple(path), _friendlier(problem)


def _pin_table_keys(
    data: Any, parts: list[str | int | None], message: str
) -> list[str | int | None]:
    pinned = list(parts)
    for k, part in enumerate(pinned):
        if part is not None:
            continue
        prefix = pinned[:k]
        table = _get(data, prefix)
        if not isinstance(table, dict):
            break
        for key in table:
            trial = _replace(data, prefix, {key: table[key]})
            try:
                decode(trial)
            except msgspec.ValidationError as error:
                if str(error) == message:
                    pinned[k] = key
                    break
        if pinned[k] is None:
            break
    return pinned


def _get(node: Any, path: list[str | int | None]) -> Any:
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _replace(node: Any, path: list[str | int | None], new: Any) -> Any:
    """A copy of ``node`` with the value at ``path`` replaced, sharing everything else."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy: Any = dict(node)
    else:
        copy = list(node)
    copy[head] = _replace(node[head], rest, new)
    return copy


def _friendlier(problem: str) -> str:
    problem = problem.replace("Object contains unknown field", "unknown key")
    problem = problem.replace("Object missing required field", "missing required key")
    problem = problem.replace("Invalid enum value", "invalid value")
    return problem[:1].lower() + problem[1:]


def _line(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that the file spells out."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


# --- the TOML locator ------------------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Locator:
    """Record the line of every key in valid TOML text (tables, keys, array items)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [k for k, c in enumerate(text) if c == "\n"]
        self.lines: dict[Path, int] = {}
        self.arrays: dict[Path, int] = {}  # array-of-tables path -> last index

    def line_at(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def record(self, path: Path, pos: int) -> None:
        self.lines.setdefault(path, self.line_at(pos))

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_blank(self, newlines: bool) -> None:
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def run(self) -> dict[Path, int]:
        table: Path = ()
        while True:
            self.skip_blank(newlines=True)
            if self.pos >= len(self.text):
                return self.lines
            start = self.pos
            if self.peek(2) == "[[":
                self.pos += 2
                parts = self.key()
                self.pos = self.text.index("]]", self.pos) + 2
                array = (*self.resolve(parts[:-1]), parts[-1])
                index = self.arrays.get(array, -1) + 1
                self.arrays[array] = index
                table = (*array, index)
                self.record(array, start)
                self.record(table, start)
            elif self.peek() == "[":
                self.pos += 1
                parts = self.key()
                self.pos = self.text.index("]", self.pos) + 1
                table = self.resolve(parts)
                self.record(table, start)
            else:
                parts = self.key()
                if not parts:
                    self.pos += 1  # not a key: step over it rather than loop
                    continue
                path = (*table, *parts)
                self.record(path, start)
                self.skip_blank(newlines=False)
                self.pos += 1  # '='
                self.value(path)

    def resolve(self, parts: list[str]) -> Path:
        path: Path = ()
        for part in parts:
            path = (*path, part)
            if path in self.arrays:
                path = (*path, self.arrays[path])
        return path

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_blank(newlines=False)
            c = self.peek()
            if c in {'"', "'"}:
                start = self.pos
                self.string()
                raw = self.text[start : self.pos]
                parts.append(tomllib.loads(f"k = {raw}")["k"])
            else:
                match = _BARE.match(self.text, self.pos)
                if match is None:
                    return parts
                parts.append(match.group(0))
                self.pos = match.end()
            self.skip_blank(newlines=False)
            if self.peek() != ".":
                return parts
            self.pos += 1

    def string(self) -> None:
        quote = self.peek()
        triple = self.peek(3) == quote * 3
        if triple:
            end = self.text.index(quote * 3, self.pos + 3) + 3
            while self.text[end : end + 1] == quote:  # up to two quotes may end the content
                end += 1
            self.pos = end
            return
        self.pos += 1
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "\\" and quote == '"':
                self.pos += 2
                continue
            self.pos += 1
            if c == quote:
                return

    def value(self, path: Path) -> None:
        self.skip_blank(newlines=False)
        c = self.peek()
        if c in {'"', "'"}:
            self.string()
        elif c == "[":
            self.pos += 1
            index = 0
            while True:
                self.skip_blank(newlines=True)
                if self.peek() in {"]", ""}:
                    self.pos += 1
                    return
                start = self.pos
                self.record((*path, index), start)
                self.value((*path, index))
                self.skip_blank(newlines=True)
                if self.peek() == ",":
                    self.pos += 1
                    index += 1
                elif self.pos == start:
                    self.pos += 1  # never loop on text this scan does not understand
        elif c == "{":
            self.pos += 1
            while True:
                self.skip_blank(newlines=False)
                if self.peek() in {"}", ""}:
                    self.pos += 1
                    return
                start = self.pos
                key = (*path, *self.key())
                self.record(key, start)
                self.skip_blank(newlines=False)
                self.pos += 1  # '='
                self.value(key)
                self.skip_blank(newlines=False)
                if self.peek() == "," or self.pos == start:
                    self.pos += 1  # past the comma, or past text this scan does not understand
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]}\n#":
                self.pos += 1


def key_lines(text: str) -> dict[Path, int]:
    """Map each key path in valid TOML ``text`` to the 1-based line where it is written."""
    return _Locator(text).run()
