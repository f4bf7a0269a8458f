"""Every page's header says who a citizen takes part as: so every page works out the viewer."""

from __future__ import annotations

import warnings

from assembly.settings import Settings

TEST_SECRET = "test-secret-key-for-the-suite-only"


def test_every_html_page_depends_on_the_viewer() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from assembly.app import create_app

        app = create_app(
            Settings(database_url="sqlite+aiosqlite:///:memory:", secret_key=TEST_SECRET)
        )
    missing = []
    for route in app.routes:
        if route.path.startswith(("/api", "/static", "/schema")):
            continue
        for handler in getattr(route, "route_handlers", []):
            methods = handler.http_methods or set()
            if "GET" in methods and "viewer" not in handler.parsed_fn_signature.parameters:
                missing.append(f"{route.path} ({handler.handler_name})")
    assert missing == [], "pages that would not show who takes part: " + ", ".join(missing)
