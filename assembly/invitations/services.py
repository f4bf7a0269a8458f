"""Issuing and redeeming invite codes.

Codes carry 80 bits from the operating system's CSPRNG, written in Crockford base32 (no
I, L, O or U, so letters read aloud or typed from paper are not confused) in groups of four.
Only an HMAC of the normalised code is stored; the code itself is shown once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import Assembly, InviteCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_BITS = 80
CODE_LENGTH = CODE_BITS // 5  # 16 symbols
MAX_CODES_PER_REQUEST = 2000
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


class InviteStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, never stored
    invite: InviteCode


def generate_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str | None:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_code(code: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), code.encode(), hashlib.sha256).hexdigest()


async def issue_codes(
    db: AsyncSession,
    assembly: Assembly,
    count: int,
    secret_key: str,
    *,
    expires_at: dt.datetime | None = None,
    labels: list[str] | None = None,
    actor_id: int | None = None,
) -> list[IssuedCode]:
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise ValueError(f"Between 1 and {MAX_CODES_PER_REQUEST} codes can be made at once.")
    issued: list[IssuedCode] = []
    for index in range(count):
        code = generate_code()
        invite = InviteCode(
            assembly_id=assembly.id,
            code_hash=hash_code(normalise_code(code) or code, secret_key),
            expires_at=expires_at,
            label=(labels[index] if labels and index < len(labels) else "")[:200],
        )
        db.add(invite)
        issued.append(IssuedCode(code=code, invite=invite))
    assembly.invited_count = (assembly.invited_count or 0) + count
    await db.flush()
    await record_event(
        db,
        "invitations.issued",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        count=count,
    )
    return issued


async def check_code(
    db: AsyncSession, assembly: Assembly, code: str, secret_key: str
) -> tuple[InviteStatus, InviteCode | None]:
    normalised = normalise_code(code)
    if normalised is None:
        return InviteStatus.MALFORMED, None
    invite = await db.scalar(
        select(InviteCode).where(
            InviteCode.code_hash == hash_code(normalised, secret_key),
            InviteCode.assembly_id == assembly.id,
        )
    )
    if invite is None:
        return InviteStatus.UNKNOWN, None
    if invite.revoked_at is not None:
        return InviteStatus.REVOKED, invite
    if invite.used_at is not None:
        return InviteStatus.USED, invite
    if invite.expires_at is not None and invite.expires_at <= dt.datetime.now(dt.UTC):
        return InviteStatus.EXPIRED, invite
    return InviteStatus.OK, invite


async def find_assembly_by_code(db: AsyncSession, code: str, secret_key: str) -> Assembly | None:
    """The assembly a code belongs to, so a citizen can join from the code alone."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    invite = await db.scalar(
        select(InviteCode).where(InviteCode.code_hash == hash_code(normalised, secret_key))
    )
    if invite is None:
        return None
    return await db.get(Assembly, invite.assembly_id)


async def mark_used(db: AsyncSession, invite: InviteCode, participant_id: int) -> bool:
    """Claim the code atomically: False when another request used it first."""
    result = await db.execute(
        update(InviteCode)
        .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None))
        .values(used_at=dt.datetime.now(dt.UTC), participant_id=participant_id)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke(db: AsyncSession, invite: InviteCode, actor_id: int | None = None) -> None:
    if invite.revoked_at is None and invite.used_at is None:
        invite.revoked_at = dt.datetime.now(dt.UTC)
        await record_event(
            db,
            "invitations.revoked",
            actor_kind="account",
            actor_id=actor_id,
            assembly_id=invite.assembly_id,
            subject=invite,
        )
