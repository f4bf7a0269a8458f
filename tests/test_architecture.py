"""The layers hold: read from the source's imports (parsed, never imported), as docs/architecture.md
draws them.

- Only the web edge imports Litestar or ``assembly.web``; services and everything below do not.
- The pure modules (counting, sortition's selection, opinion groups, matching, the topic phase)
  reach no database or web code, not even through the modules they import.
- No import circle exists among the project's modules.
- No file under ``assembly/`` reaches 800 lines, except data tables named below.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from assembly.settings import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "assembly"

# The web edge: the code that speaks HTTP and HTML, and may import Litestar and assembly.web.
WEB_EDGE = (
    "assembly/web/*",
    "assembly/*/controllers*.py",
    "assembly/*/forms.py",
    "assembly/app.py",
    "assembly/asgi.py",
    "assembly/routes.py",
    # Live updates are server-sent events over Litestar's channels.
    "assembly/meetings/live.py",
    # The legal pages are rendered straight from the settings, with no service behind them.
    "assembly/site/legal.py",
    # A topic page's parts, built for the controller with the viewer's permissions.
    "assembly/proposals/pages.py",
    # The drafting pages' loaders, used as Litestar dependencies.
    "assembly/recommendations/context.py",
)

# Edges outside the web that still reach one web module, each for a reason.
ALLOWED_WEB_IMPORTS = {
    # `assembly serve` starts the web server.
    "assembly.cli": {"assembly.web.server"},
}

# Modules of pure rules: given values, they answer; they never reach a database or the web.
PURE_MODULES = (
    "assembly.topics.phases",
    "assembly.voting",
    "assembly.voting.approval",
    "assembly.voting.ballots",
    "assembly.voting.budgeting",
    "assembly.voting.cardinal",
    "assembly.voting.decisions",
    "assembly.voting.errors",
    "assembly.voting.parameters",
    "assembly.voting.points",
    "assembly.voting.ranked",
    "assembly.voting.registry",
    "assembly.voting.result",
    "assembly.voting.runoff",
    "assembly.voting.stv",
    "assembly.voting.ties",
    "assembly.sortition.inputs",
    "assembly.sortition.replacements",
    "assembly.sortition.report",
    "assembly.sortition.selection",
    "assembly.sortition.solver",
    "assembly.summaries.opinion_clusters",
    "assembly.summaries.opinion_groups",
    "assembly.summaries.opinion_stats",
    "assembly.catalogue.data",
    "assembly.catalogue.matching",
    "assembly.ratelimits.rules",
    "assembly.tables.seating",
    "assembly.exports.privacy",
)
DATABASE_ROOTS = ("sqlalchemy", "advanced_alchemy", "alembic", "asyncpg", "aiosqlite")
DATABASE_MODULES = ("assembly.db",)
WEB_ROOTS = ("litestar", "uvicorn", "jinja2")
WEB_MODULES = ("assembly.web", "assembly.app", "assembly.asgi", "assembly.routes")

MAX_LINES = 800
# Data tables may be long: each entry is a table, not logic.
LONG_DATA_TABLES: frozenset[str] = frozenset()


@dataclass
class Module:
    name: str
    path: Path
    lines: int
    # Every import, with the line it is on; "top" are those run when the module loads.
    imports: dict[str, int] = field(default_factory=dict)
    top: dict[str, int] = field(default_factory=dict)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collects imports, noting which run at load time (not in a function or TYPE_CHECKING)."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.depth = 0
        self.found: list[tuple[str, int, bool]] = []

    def _add(self, name: str, line: int) -> None:
        self.found.append((name, line, self.depth == 0))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self.depth += 1  # annotations only: never run
            for child in node.body:
                self.visit(child)
            self.depth -= 1
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        # `from assembly.voting import ranked` imports the module assembly.voting.ranked; the
        # package itself counts only for the names that are not modules of it.
        submodules = [
            f"{source}.{a.name}" for a in node.names if f"{source}.{a.name}" in self.known
        ]
        if len(submodules) < len(node.names):
            self._add(source, node.lineno)
        for submodule in submodules:
            self._add(submodule, node.lineno)


def _modules() -> dict[str, Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {_module_name(p) for p in paths}
    modules: dict[str, Module] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        name = _module_name(path)
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(text, filename=str(path)))
        module = Module(name, path, len(text.splitlines()))
        for imported, line, top in visitor.found:
            module.imports.setdefault(imported, line)
            if top:
                module.top.setdefault(imported, line)
        modules[name] = module
    return modules


MODULES = _modules()


def _within(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == root or name.startswith(root + ".") for root in roots)


def _relative(path: Path) -> str:
    return path.relative_to(PROJECT_ROOT).as_posix()


def _is_web_edge(module: Module) -> bool:
    return any(fnmatch(_relative(module.path), pattern) for pattern in WEB_EDGE)


def _listing(offences: list[str]) -> str:
    return "\n  " + "\n  ".join(offences)


def test_the_module_graph_is_read() -> None:
    # The checks below mean something only if the graph holds what the source says.
    assert "assembly.voting.registry" in MODULES["assembly.voting"].top
    assert "litestar" in MODULES["assembly.app"].imports
    assert any(_is_web_edge(m) for m in MODULES.values())
    assert not _is_web_edge(MODULES["assembly.topics.services"])


def test_only_the_web_edge_imports_litestar_or_the_web_package() -> None:
    offences = []
    for module in MODULES.values():
        if _is_web_edge(module):
            continue
        allowed = ALLOWED_WEB_IMPORTS.get(module.name, set())
        for imported, line in module.imports.items():
            web = _within(imported, ("litestar",)) or _within(imported, ("assembly.web",))
            if web and imported not in allowed:
                offences.append(f"{_relative(module.path)}:{line} imports {imported}")
    assert not offences, (
        "outside the web edge (see WEB_EDGE), these import Litestar or assembly.web; "
        "raise an assembly.errors error instead and let the edge map it:" + _listing(offences)
    )


def _reach(start: str) -> dict[str, list[str]]:
    """Every module `start` may import, directly or through the project's modules,
    with the chain that gets there."""
    chains: dict[str, list[str]] = {start: [start]}
    todo = [start]
    while todo:
        name = todo.pop()
        module = MODULES.get(name)
        if module is None:
            continue
        for imported in module.imports:
            if imported not in chains:
                chains[imported] = [*chains[name], imported]
                if imported in MODULES:
                    todo.append(imported)
    return chains


def test_pure_modules_reach_no_database_or_web_code() -> None:
    offences = [f"{name} does not exist" for name in PURE_MODULES if name not in MODULES]
    for name in PURE_MODULES:
        for reached, chain in _reach(name).items():
            database = _within(reached, DATABASE_ROOTS) or _within(reached, DATABASE_MODULES)
            web = _within(reached, WEB_ROOTS) or _within(reached, WEB_MODULES)
            if database or web:
                offences.append(" -> ".join(chain))
    assert not offences, "pure modules reaching database or web code:" + _listing(offences)


def _cycles() -> list[list[str]]:
    """The import circles among the project's modules, by their load-time imports
    (Tarjan's strongly connected components; each component of two or more is a circle)."""
    graph = {
        name: sorted(i for i in module.top if i in MODULES and i != name)
        for name, module in MODULES.items()
    }
    # Importing a.b.c first loads the packages a and a.b.
    for name in list(graph):
        for imported in list(graph[name]):
            parent = imported.rpartition(".")[0]
            while parent and parent != name and not name.startswith(parent + "."):
                if parent in graph:
                    graph[name].append(parent)
                parent = parent.rpartition(".")[0]
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep graph does not meet Python's recursion limit.
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def _circle_path(component: list[str]) -> str:
    """One circle through a component, written out: a -> b -> ... -> a."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    todo = [start]
    while todo:
        name = todo.pop(0)
        for imported in sorted(MODULES[name].top):
            if imported == start:
                path = [name]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return " -> ".join([*reversed(path), start])
            if imported in members and imported not in previous:
                previous[imported] = name
                todo.append(imported)
    return " <-> ".join(component)  # a circle through packages loaded on the way


def test_no_import_circle() -> None:
    circles = [_circle_path(c) for c in _cycles()]
    assert not circles, "import circles (load-time imports):" + _listing(circles)


def test_the_circle_finder_finds_circles() -> None:
    saved = {name: dict(MODULES[name].top) for name in ("assembly.hashing", "assembly.csv_cells")}
    try:
        MODULES["assembly.hashing"].top["assembly.csv_cells"] = 1
        MODULES["assembly.csv_cells"].top["assembly.hashing"] = 1
        assert ["assembly.csv_cells", "assembly.hashing"] in _cycles()
    finally:
        for name, top in saved.items():
            MODULES[name].top = top


def test_files_stay_under_800_lines() -> None:
    long = [
        f"{_relative(m.path)}: {m.lines} lines"
        for m in MODULES.values()
        if m.lines >= MAX_LINES and _relative(m.path) not in LONG_DATA_TABLES
    ]
    assert not long, f"files of {MAX_LINES} lines or more (split them):" + _listing(long)
    stale = [p for p in LONG_DATA_TABLES if not (PROJECT_ROOT / p).exists()]
    assert not stale, f"LONG_DATA_TABLES names files that do not exist: {stale}"
