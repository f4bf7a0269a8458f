"""The pure rules: which requests count, under whose key, and whose address is believed."""

from __future__ import annotations

import hashlib
import hmac

from assembly.ratelimits import rules

SECRET = "rules-test-secret"
TRUSTED = rules.parse_networks("10.0.0.0/8, 192.0.2.1, 2001:db8::/32, not-an-address")


def _signed_token(secret: str = SECRET) -> str:
    random_part = "ab" * 16
    return random_part + hmac.new(secret.encode(), random_part.encode(), hashlib.sha256).hexdigest()


def test_each_kind_of_attempt_is_named_and_everything_else_is_free() -> None:
    assert rules.kind_for("POST", "/signin") == "signin"
    assert rules.kind_for("POST", "/join") == "join"
    assert rules.kind_for("POST", "/join/return") == "return"
    assert rules.kind_for("POST", "/account/reset/ABCD-EFGH") == "reset"
    assert rules.kind_for("GET", "/signin") is None
    assert rules.kind_for("POST", "/signout") is None
    assert rules.kind_for("POST", "/joined") is None
    assert rules.kind_for("POST", "/assemblies/x/topics/y/vote") is None


def test_a_kind_left_at_zero_follows_the_general_limit() -> None:
    limits = rules.Limits.build(10, {"signin": 3, "join": 0}, address_factor=5)
    assert limits.client("signin") == 3
    assert limits.client("join") == 10
    assert limits.client("reset") == 10
    assert limits.address("signin") == 15
    assert limits.address("join") == 50


def test_forwarded_headers_from_an_untrusted_peer_are_ignored() -> None:
    headers = {"x-forwarded-for": "203.0.113.7", "forwarded": "for=203.0.113.8"}
    assert rules.client_address("198.51.100.4", headers, TRUSTED) == "198.51.100.4"
    assert rules.client_address("198.51.100.4", headers, ()) == "198.51.100.4"


def test_forwarded_headers_from_a_trusted_proxy_name_the_client() -> None:
    xff = {"x-forwarded-for": "203.0.113.7"}
    assert rules.client_address("10.1.2.3", xff, TRUSTED) == "203.0.113.7"
    # A proxy that sets Forwarded (RFC 7239), with ports and IPv6 brackets.
    forwarded = {"forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https', **xff}
    assert rules.client_address("192.0.2.1", forwarded, TRUSTED, "forwarded") == (
        "2001:db8:cafe::17"
    )
    port = {"forwarded": "for=198.51.100.9:80"}
    assert rules.client_address("10.0.0.1", port, TRUSTED, "forwarded") == "198.51.100.9"


def test_only_the_header_the_proxy_sets_is_read() -> None:
    # The proxy sets X-Forwarded-For; a Forwarded header can only be the client's own.
    forged = {"forwarded": "for=1.1.1.1", "x-forwarded-for": "203.0.113.7"}
    assert rules.client_address("10.1.2.3", forged, TRUSTED) == "203.0.113.7"
    assert rules.client_address("10.1.2.3", {"forwarded": "for=1.1.1.1"}, TRUSTED) == "10.1.2.3"
    # And the other way round.
    assert rules.client_address("10.1.2.3", forged, TRUSTED, "forwarded") == "1.1.1.1"
    forged_xff = {"x-forwarded-for": "1.1.1.1"}
    assert rules.client_address("10.1.2.3", forged_xff, TRUSTED, "forwarded") == "10.1.2.3"


def test_a_client_cannot_hide_behind_an_address_it_prepends() -> None:
    # The client wrote "1.1.1.1" itself; the trusted proxy appended the real peer.
    headers = {"x-forwarded-for": "1.1.1.1, 203.0.113.7, 10.9.9.9"}
    assert rules.client_address("10.1.2.3", headers, TRUSTED) == "203.0.113.7"
    # Junk in the chain ends the walk at the proxy that reported it.
    assert rules.client_address("10.1.2.3", {"x-forwarded-for": "unknown"}, TRUSTED) == "10.1.2.3"


def test_a_browser_is_its_session_or_its_signed_csrf_token() -> None:
    token = _signed_token()
    assert rules.browser_id("session-1", token, SECRET) == "s:session-1"
    assert rules.browser_id(None, token, SECRET) == f"c:{token}"
    assert rules.browser_id(None, _signed_token("another secret"), SECRET) is None
    assert rules.browser_id(None, "made-up" * 20, SECRET) is None
    assert rules.browser_id(None, None, SECRET) is None


def test_two_browsers_at_one_address_have_their_own_buckets_and_share_the_ceiling() -> None:
    limits = rules.Limits.build(10, {}, address_factor=10)
    first = rules.buckets("join", "192.0.2.50", "s:one", limits, SECRET)
    second = rules.buckets("join", "192.0.2.50", "s:two", limits, SECRET)
    assert first[0].key != second[0].key
    assert first[0].limit == 10
    assert first[1] == second[1]
    assert first[1].limit == 100
    # Without a browser, only the address's ceiling applies.
    assert rules.buckets("join", "192.0.2.50", None, limits, SECRET) == (first[1],)
    # Kinds never share a bucket, and keys reveal neither address nor session.
    signin = rules.buckets("signin", "192.0.2.50", "s:one", limits, SECRET)
    assert {b.key for b in signin}.isdisjoint(b.key for b in first)
    assert all("192.0.2" not in b.key and "one" not in b.key for b in first)


def test_networks() -> None:
    assert rules.in_network("192.0.2.77", "192.0.2.0/24")
    assert not rules.in_network("192.0.3.1", "192.0.2.0/24")
    assert not rules.in_network("2001:db8::1", "192.0.2.0/24")
    assert not rules.in_network("testclient", "192.0.2.0/24")
    assert rules.parse_network("192.0.2.9/24") is not None
    assert rules.parse_network("nonsense") is None


def test_the_rules_need_no_web_framework() -> None:
    import subprocess
    import sys
    from pathlib import Path

    check = (
        "import sys, assembly.ratelimits.rules; "
        "print(any(m.startswith('litestar') for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
    # Neither the counters nor the room windows import the web framework themselves.
    for name in ("counters", "windows"):
        source = Path(rules.__file__).with_name(f"{name}.py").read_text(encoding="utf-8")
        assert "litestar" not in source
