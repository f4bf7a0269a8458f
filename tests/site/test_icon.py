"""The site's icon: every page links it, and the address browsers ask for by default answers."""

from __future__ import annotations

import struct
from typing import Any

from litestar.testing import TestClient


def test_every_page_links_the_icon(client: TestClient[Any]) -> None:
    page = client.get("/").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg")


def test_favicon_ico_is_a_real_icon(client: TestClient[Any]) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    reserved, kind, count = struct.unpack("<HHH", response.content[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    width, height = response.content[6], response.content[7]
    assert (width, height) == (32, 32)
    assert response.content[22:30] == b"\x89PNG\r\n\x1a\n"
