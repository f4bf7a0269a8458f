"""The benchmark settings are documented: every variable a benchmark reads is in the guide."""

from __future__ import annotations

import re

from assembly.settings import PROJECT_ROOT


def test_every_benchmark_setting_is_documented() -> None:
    read = set()
    for path in (PROJECT_ROOT / "bench").glob("*.py"):
        read |= set(re.findall(r"environ\.get\(\s*\"([A-Z_]+)\"", path.read_text()))
    assert "BENCH_ONLY" in read  # the pattern still finds what the benchmarks read
    guide = (PROJECT_ROOT / "docs" / "performance.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", guide, flags=re.MULTILINE))
    assert read <= documented, f"not in docs/performance.md: {sorted(read - documented)}"


def test_every_benchmark_is_named_in_the_guide() -> None:
    guide = (PROJECT_ROOT / "docs" / "performance.md").read_text()
    for path in (PROJECT_ROOT / "bench").glob("bench_*.py"):
        assert f"bench/{path.name}" in guide, f"docs/performance.md does not name {path.name}"
