"""Run every benchmark under bench/ and print one table (`make bench`).

Each ``bench_*.py`` module exposes ``collect() -> list[dict]``; ratios inside a module are
measured in the same run as their baseline, because these machines are noisy. Set
``BENCH_ONLY=name1,name2`` to run a subset. The table is also written to
``bench/results/latest.json`` and, as Markdown, ``bench/results/latest.md``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = "unknown memory"
    database = os.environ.get("ASSEMBLY_DATABASE_URL", "sqlite (default)").split("://")[0]
    return f"{cores} cores, {memory}, Python {platform.python_version()}, database {database}"


def load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def markdown(rows: list[dict[str, Any]]) -> str:
    """The table as Markdown, for docs/performance.md."""
    lines = [
        f"Machine: {machine()}",
        "",
        "| Benchmark | Measure | Value | Unit | Note |",
        "|---|---|---:|---|---|",
    ]
    for row in rows:
        value = row["value"]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        note = str(row.get("note", "")).replace("|", "/")
        lines.append(
            f"| {row['benchmark']} | {row['metric']} | {shown} | {row.get('unit', '')} | {note} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    only = {n for n in os.environ.get("BENCH_ONLY", "").split(",") if n}
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only and name not in only:
            continue
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = load(path)
            for row in module.collect():
                rows.append({"module": name, **row})
        except Exception as exc:
            failures.append(f"{name}: {exc!r}")
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"Machine: {machine()}")
    width = max((len(f"{r['benchmark']} / {r['metric']}") for r in rows), default=20)
    for row in rows:
        label = f"{row['benchmark']} / {row['metric']}"
        value = row["value"]
        shown = f"{value:,.3f}" if isinstance(value, float) else str(value)
        print(f"{label:<{width}}  {shown:>14} {row.get('unit', ''):<8} {row.get('note', '')}")
    out = BENCH_DIR / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    (out / "latest.md").write_text(markdown(rows))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
