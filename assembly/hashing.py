"""Slow hashes (argon2id) for secrets people hold, computed off the event loop.

One argon2id hash takes tens of milliseconds of CPU and tens of MiB of memory on purpose, so
it runs in a worker thread: the server keeps answering other requests meanwhile. At most
``MAX_PARALLEL_HASHES`` run at once, which bounds the memory a burst of attempts can take.

Two profiles, both argon2id through argon2-cffi:

- passwords, chosen by people, get the library's default (RFC 9106 low-memory) profile;
- return codes carry 50 random bits of their own, so OWASP's minimum profile (19 MiB, two
  passes) already puts a search of the code space out of reach, and a join stays quick.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")

MAX_PARALLEL_HASHES = 4
_slots = threading.BoundedSemaphore(MAX_PARALLEL_HASHES)

PASSWORDS = PasswordHasher()
RETURN_CODES = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def verify(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    """True when ``secret`` matches; False for a mismatch or a hash that is not argon2."""
    try:
        return hasher.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _limited(work: Callable[[], T]) -> Callable[[], T]:
    def run() -> T:
        with _slots:
            return work()

    return run


async def hash_in_thread(hasher: PasswordHasher, secret: str) -> str:
    return await anyio.to_thread.run_sync(_limited(lambda: hasher.hash(secret)))


async def verify_in_thread(hasher: PasswordHasher, stored_hash: str, secret: str) -> bool:
    return await anyio.to_thread.run_sync(_limited(lambda: verify(hasher, stored_hash, secret)))
