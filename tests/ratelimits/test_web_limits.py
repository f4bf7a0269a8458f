"""Rate limits as a person meets them: per kind, per browser, per address, behind proxies.

``limited`` (tests/ratelimits/conftest.py) gives a client from a chosen address.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from helpers import Browsers, cheap_password_hashes, post_form, sqlite_only
from litestar.testing import TestClient
from participants.assembly_seed import seed_assembly
from sqlalchemy import func, select

from assembly.db.models import Participant

pytestmark = sqlite_only
WRONG_SIGNIN = {"email": "nobody@example.org", "password": "wrong password"}
WRONG_JOIN = {"code": "AAAA-BBBB-CCCC-DDDD", "pseudonym": "Guess"}


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_password_hashes(monkeypatch)


def _signin(client: TestClient[Any], **headers: str) -> Any:
    if headers:
        client.headers.update(headers)
    return post_form(client, "/signin", WRONG_SIGNIN, form_page="/signin")


def _join(client: TestClient[Any], data: dict[str, str] = WRONG_JOIN) -> Any:
    return post_form(client, "/join", data, form_page="/join")


def test_each_kind_of_attempt_has_its_own_bucket(limited: Any) -> None:
    client = limited()
    assert [_signin(client).status_code for _ in range(3)] == [400, 400, 429]
    # Failed sign-ins used up sign-ins only: joining and coming back still answer.
    assert _join(client).status_code == 400
    code = {"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}
    assert post_form(client, "/join/return", code, form_page="/join/return").status_code == 400


def test_two_browsers_behind_one_address_are_counted_apart(limited: Any) -> None:
    people = Browsers(limited(rate_limit_address_factor=10))
    assert [_signin(people.use("ada")).status_code for _ in range(3)] == [400, 400, 429]
    # Bo sits on the same Wi-Fi and has attempts of her own.
    assert [_signin(people.use("bo")).status_code for _ in range(2)] == [400, 400]
    assert _signin(people.use("ada")).status_code == 429


def test_the_address_ceiling_stops_one_who_throws_cookies_away(limited: Any) -> None:
    people = Browsers(limited())  # 2 per browser, 4 per address
    statuses = [_signin(people.use(f"fresh-{n}")).status_code for n in range(5)]
    assert statuses == [400, 400, 400, 400, 429]
    refused = _signin(people.use("fresh-5"))
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 60
    assert f"Try again in {seconds} second" in refused.text
    # Another address is not affected.
    assert _signin(limited(peer="198.51.100.99")).status_code == 400


def test_a_refused_page_is_in_the_readers_language(limited: Any) -> None:
    client = limited()
    client.cookies.set("assembly_language", "nb")
    client.headers["accept-language"] = "nb"
    for _ in range(2):
        _signin(client)
    refused = _signin(client)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert re.search(r"Prøv igjen om \d+ sekund", refused.text), refused.text


def test_a_refused_join_stores_nothing(limited: Any, db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, codes=1))
    client = limited()
    for _ in range(2):
        assert _join(client).status_code == 400
    refused = _join(client, {"code": seed.codes[0], "pseudonym": "Heron"})
    assert refused.status_code == 429
    assert db(lambda s: s.scalar(select(func.count()).select_from(Participant))) == 0
    assert "assembly_session" not in refused.headers.get("set-cookie", "")


def test_forwarded_for_is_ignored_from_an_untrusted_peer(limited: Any) -> None:
    client = limited(peer="198.51.100.20")
    people = Browsers(client)
    for n in range(4):  # four browsers fill the peer's ceiling
        _signin(people.use(f"b{n}"), **{"x-forwarded-for": f"203.0.113.{n}"})
    assert _signin(people.use("b9"), **{"x-forwarded-for": "203.0.113.200"}).status_code == 429


def test_forwarded_for_is_honoured_from_a_trusted_proxy(limited: Any) -> None:
    client = limited(peer="10.0.0.5", trusted_proxies="10.0.0.0/24")
    people = Browsers(client)
    for n in range(4):  # everyone comes through the proxy, from one venue address
        _signin(people.use(f"b{n}"), **{"x-forwarded-for": "203.0.113.1"})
    assert _signin(people.use("b9"), **{"x-forwarded-for": "203.0.113.1"}).status_code == 429
    # Someone elsewhere, through the same proxy, is counted at their own address.
    assert _signin(people.use("b9"), **{"x-forwarded-for": "203.0.113.2"}).status_code == 400
    # A Forwarded header is not what this proxy sets, so it does not move anyone.
    client.headers.pop("x-forwarded-for")
    assert _signin(people.use("b7"), forwarded="for=203.0.113.3").status_code == 400
    assert _signin(people.use("b6"), forwarded="for=203.0.113.4").status_code == 400
    assert _signin(people.use("b5"), forwarded="for=203.0.113.5").status_code == 400
    assert _signin(people.use("b4"), forwarded="for=203.0.113.6").status_code == 400
    assert _signin(people.use("b3"), forwarded="for=203.0.113.7").status_code == 429


def test_a_proxy_that_sets_forwarded_is_honoured(limited: Any) -> None:
    people = Browsers(
        limited(peer="10.0.0.5", trusted_proxies="10.0.0.5", forwarded_header="forwarded")
    )
    for n in range(4):
        _signin(people.use(f"b{n}"), forwarded='for="203.0.113.1:1234"')
    assert _signin(people.use("b9"), forwarded="for=203.0.113.1").status_code == 429
    assert _signin(people.use("b9"), forwarded="for=203.0.113.2").status_code == 400
