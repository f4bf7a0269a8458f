"""Pure rules of the rate limits: which requests count, whose they are, and how many may pass.

No web framework here: the middleware (``assembly.web.ratelimit``) hands in the method, the
path, the direct peer, the headers and what it knows of the browser, and gets plain answers.

- Each kind of attempt (sign-in, join, coming back with a return code, password reset) has its
  own bucket and limit, so failed sign-ins never use up joins.
- A bucket belongs to one browser at one address: its session, or before it has one the signed
  CSRF token its form came with. Two people on one Wi-Fi are counted apart.
- Every attempt also counts against the address as a whole, with a ceiling several times
  higher: someone who throws their cookies away still meets it.
- ``X-Forwarded-For`` (or ``Forwarded``, whichever the proxy sets) is believed only from a
  trusted proxy.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

WINDOW_SECONDS = 60
KINDS = ("signin", "join", "return", "reset")
CSRF_HASH_LENGTH = 64  # hex SHA-256 HMAC at the end of a Litestar CSRF token


def kind_for(method: str, path: str) -> str | None:
    """The kind of attempt a request is, or None when it is not limited."""
    if method != "POST":
        return None
    path = path.rstrip("/") or "/"
    if path == "/signin":
        return "signin"
    if path == "/join":
        return "join"
    if path == "/join/return":
        return "return"
    if path == "/account/reset" or path.startswith("/account/reset/"):
        return "reset"
    return None


@dataclass(frozen=True)
class Limits:
    """Attempts per minute: per browser for each kind, and the address ceiling's multiple."""

    per_kind: Mapping[str, int]
    address_factor: int

    @classmethod
    def build(cls, default: int, overrides: Mapping[str, int], address_factor: int) -> Limits:
        # A kind left at 0 follows the general limit, so one setting still moves them all.
        per_kind = {kind: overrides.get(kind) or default for kind in KINDS}
        return cls(per_kind=per_kind, address_factor=max(1, address_factor))

    def client(self, kind: str) -> int:
        return max(1, self.per_kind[kind])

    def address(self, kind: str) -> int:
        return self.client(kind) * self.address_factor


# ---------------------------------------------------------------------- addresses and proxies
def parse_network(text: str) -> Network | None:
    """An IP address or CIDR block as a network, or None when it is neither."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def parse_networks(text: str) -> tuple[Network, ...]:
    """A comma-separated list of addresses and CIDR blocks; unreadable entries are left out."""
    networks = (parse_network(part) for part in text.split(",") if part.strip())
    return tuple(network for network in networks if network is not None)


def parse_address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [2001:db8::1]:4711
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 192.0.2.1:4711
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _in(address: Address, networks: Iterable[Network]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def _forwarded_for(value: str) -> list[str]:
    """The ``for=`` values of a ``Forwarded`` header (RFC 7239), first hop first."""
    hops = []
    for element in value.split(","):
        for pair in element.split(";"):
            name, _sep, text = pair.strip().partition("=")
            if name.strip().lower() == "for":
                hops.append(text.strip())
    return hops


FORWARDED_HEADERS = ("x-forwarded-for", "forwarded")


def client_address(
    peer: str | None,
    headers: Mapping[str, str],
    trusted: tuple[Network, ...],
    header: str = "x-forwarded-for",
) -> str:
    """The address to count a request against.

    The direct peer, unless it is a trusted proxy: then the forwarded chain in ``header`` (the
    one the proxy sets; the other is the client's own and is ignored) is walked from the
    nearest hop, skipping trusted proxies, and the first address not among them is the client.
    An entry that is not an address ends the walk at the proxy that reported it.
    """
    address = parse_address(peer or "")
    if address is None:
        return peer or "unknown"
    if not trusted or not _in(address, trusted):
        return str(address)
    if header.lower() == "forwarded":
        hops = _forwarded_for(headers.get("forwarded", ""))
    else:
        hops = [hop for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        parsed = parse_address(hop)
        if parsed is None:
            break
        address = parsed
        if not _in(address, trusted):
            break
    return str(address)


def in_network(address: str, network: str) -> bool:
    parsed, block = parse_address(address), parse_network(network)
    return parsed is not None and block is not None and _in(parsed, (block,))


# ---------------------------------------------------------------------- the browser and keys
def signed_csrf_token(token: str | None, secret: str) -> str | None:
    """The token when it is one this server signed, else None (a made-up one is no browser)."""
    if not token or len(token) <= CSRF_HASH_LENGTH:
        return None
    random_part, signature = token[:-CSRF_HASH_LENGTH], token[-CSRF_HASH_LENGTH:]
    expected = hmac.new(secret.encode(), random_part.encode(), hashlib.sha256).hexdigest()
    return token if hmac.compare_digest(signature, expected) else None


def browser_id(session_id: str | None, csrf_token: str | None, secret: str) -> str | None:
    """Who the browser is: its live session, else its signed CSRF token, else nobody."""
    if session_id:
        return f"s:{session_id}"
    token = signed_csrf_token(csrf_token, secret)
    return f"c:{token}" if token else None


def _key(secret: str, *parts: str) -> str:
    # Keyed hash: the counter table never holds a session identifier or an address.
    digest = hmac.new(secret.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()
    return f"{parts[0]}:{digest[:40]}"


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int


def buckets(
    kind: str, address: str, browser: str | None, limits: Limits, secret: str
) -> tuple[Bucket, ...]:
    """The buckets one attempt counts in, the browser's own (when known) first."""
    ceiling = Bucket(_key(secret, kind, "address", address), limits.address(kind))
    if browser is None:
        return (ceiling,)
    return (Bucket(_key(secret, kind, "browser", address, browser), limits.client(kind)), ceiling)
