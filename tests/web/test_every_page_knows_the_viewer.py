"""Every page's header says who a citizen takes part as: so every page works out the viewer."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from assembly.settings import Settings

TEST_SECRET = "test-secret-key-for-the-suite-only"


def _needs_viewer(handler: Any) -> bool:
    """The handler asks for the viewer, itself or through a dependency that does."""
    provided = handler.resolve_dependencies()
    seen: set[str] = set()
    todo = list(handler.parsed_fn_signature.parameters)
    while todo:
        name = todo.pop()
        if name == "viewer":
            return True
        if name in seen or name not in provided:
            continue
        seen.add(name)
        todo.extend(_parameters(provided[name]))
    return False


def _parameters(provide: Any) -> list[str]:
    return list(inspect.signature(provide.dependency).parameters)


def test_every_html_page_depends_on_the_viewer() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from assembly.app import create_app

        app = create_app(
            Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key=TEST_SECRET)
        )
    missing = []
    for route in app.routes:
        if route.path.startswith(("/api", "/static", "/schema", "/favicon.ico")):
            continue
        for handler in getattr(route, "route_handlers", []):
            methods = handler.http_methods or set()
            if "GET" in methods and not _needs_viewer(handler):
                missing.append(f"{route.path} ({handler.handler_name})")
    assert missing == [], "pages that would not show who takes part: " + ", ".join(missing)
