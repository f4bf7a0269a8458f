"""docs/architecture.md stays true: every module and folder it names exists."""

from __future__ import annotations

import re

from assembly.settings import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "architecture.md"
# A path in backticks, such as `assembly/voting/registry.py` or `tests/web/test_x.py`.
NAMED = re.compile(r"`((?:assembly|tests)/[\w/.*]+)`")


def test_every_path_the_architecture_guide_names_exists() -> None:
    named = set(NAMED.findall(GUIDE.read_text(encoding="utf-8")))
    assert len(named) > 20  # the pattern still finds what the guide names
    missing = sorted(path for path in named if not any(PROJECT_ROOT.glob(path.rstrip("/"))))
    assert not missing, f"docs/architecture.md names paths that do not exist: {missing}"


def test_the_guide_names_the_layers_the_architecture_test_checks() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("WEB_EDGE", "PURE_MODULES", "tests/test_architecture.py"):
        assert name in guide
