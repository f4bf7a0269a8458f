"""The one link from a voter to their own ballot, kept only while it is needed.

A secret ballot carries no participant. So that its voter alone (signed in as themselves)
can change it, or get a new receipt if the answer to their vote was lost, the ballot's id is
derived from the voter's ``ballot_voters`` row: HMAC-SHA256 under a key drawn from the
server's secret key, of the topic and that row's random id. Without the key the two ids look
unrelated; with it, the server can go from a voter to their ballot (never the other way round
without trying every voter), which it could do anyway before the seal through PostgreSQL's
transaction ids. ``seal_ballots`` gives every secret ballot and every voter row a fresh
random id, after which nobody, the server included, can link them again.

The key is set from the settings when the application starts (``configure``); commands that
run without the application read it from the environment the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

_key: bytes | None = None


def configure(secret_key: str) -> None:
    """Derive the binding key from the server's secret key (called by ``create_app``)."""
    global _key
    _key = hmac.new(secret_key.encode(), b"assembly ballot binding v1", hashlib.sha256).digest()


def _binding_key() -> bytes:
    if _key is None:
        from assembly.settings import Settings

        configure(Settings.from_env().secret_key)
    assert _key is not None
    return _key


def _mac(label: str, topic_id: int, voter_id: int) -> bytes:
    message = f"{label}:{topic_id}:{voter_id}".encode()
    return hmac.new(_binding_key(), message, hashlib.sha256).digest()


def ballot_id_for(topic_id: int, voter_id: int) -> uuid.UUID:
    """The id the ballot of this voter record gets (until the seal)."""
    return uuid.UUID(bytes=_mac("ballot", topic_id, voter_id)[:16], version=4)


def voter_ref(topic_id: int, voter_id: int) -> str:
    """What the audit records of a secret ballot keep of its voter: an opaque reference, so
    the voter can be told when their vote was stored, and that dies with the seal."""
    return _mac("event", topic_id, voter_id).hex()[:32]
